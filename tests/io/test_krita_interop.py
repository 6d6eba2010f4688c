"""Krita reads the .ora files we write, including what we kept from Krita's own files.

Runs the real Krita (``krita --export`` under ``xvfb-run``) when both are installed
(Debian: ``apt-get install krita xvfb``); skipped otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
from PIL import Image

from editor.document import Document, Layer
from editor.io.ora import save_ora
from editor.io.project import open_document

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("krita") and shutil.which("xvfb-run")),
        reason="needs Krita and xvfb-run (apt-get install krita xvfb)",
    ),
]


def _krita_render(path, out, home) -> np.ndarray:
    subprocess.run(
        ["xvfb-run", "-a", "krita", str(path), "--export", "--export-filename", str(out)],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        check=True, timeout=240, capture_output=True,
    )
    return np.asarray(Image.open(out).convert("RGBA"))


def test_krita_opens_our_file_and_applies_the_blend_mode_we_kept(tmp_path):
    base = np.zeros((64, 80, 4), np.uint8)
    base[..., 0], base[..., 3] = 200, 255
    glow = np.zeros((64, 80, 4), np.uint8)
    glow[16:48, 20:60] = (40, 160, 220, 255)
    doc = Document(80, 64, 8, layers=[
        Layer(base, "Base"), Layer(glow, "Glow", metadata={"retouch.latent": {"z": [0.5]}})])
    save_ora(doc, tmp_path / "ours.ora")
    # what Krita itself writes for a Linear Burn layer
    krita_file = tmp_path / "krita.ora"
    with zipfile.ZipFile(tmp_path / "ours.ora") as zin, zipfile.ZipFile(krita_file, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "stack.xml":
                data = re.sub(rb'(name="Glow"[^>]*?)composite-op="[^"]*"',
                              rb'\1composite-op="krita:linear_burn"', data)
            zout.writestr(item, data)
    warnings: list[str] = []
    reopened = open_document(krita_file, warnings=warnings)
    assert any("krita:linear_burn" in w for w in warnings)
    save_ora(reopened, tmp_path / "resaved.ora")

    ours = _krita_render(tmp_path / "ours.ora", tmp_path / "ours.png", tmp_path / "home")
    resaved = _krita_render(tmp_path / "resaved.ora", tmp_path / "resaved.png", tmp_path / "home")
    assert ours.shape == (64, 80, 4)
    assert tuple(ours[30, 40]) == (40, 160, 220, 255)  # normal blending, as we wrote it
    assert tuple(ours[5, 5]) == (200, 0, 0, 255)
    # linear burn: max(0, base + top - 255) -> black where the layers overlap
    assert tuple(resaved[30, 40]) == (0, 0, 0, 255)
    assert tuple(resaved[5, 5]) == (200, 0, 0, 255)
