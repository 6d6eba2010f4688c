"""Shared set-up for the screenshot scripts in this folder (run under Xvfb).

Importing it puts the repository on ``sys.path`` and points Retouch's settings and data at
a throw-away folder, so the shots never show (or overwrite) your saved layout, recent
files or autosaves. Import it before anything from ``editor``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="retouch-shots-")
for _var in ("RETOUCH_CONFIG_DIR", "RETOUCH_DATA_DIR"):
    os.environ.setdefault(_var, os.path.join(_TMP, _var.lower()))

#: PNGs above this are re-saved as palette images (keeps the repository light)
MAX_BYTES = 400_000


def save_png(image, out: Path) -> None:
    """Save a QImage as ``out``, palette-quantised when it is over :data:`MAX_BYTES`."""
    from PIL import Image

    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(out))
    if out.stat().st_size > MAX_BYTES:
        Image.open(out).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(
            out, optimize=True)
    print(f"{out} {image.width()}x{image.height()} {out.stat().st_size // 1024} KB")


def close_window(window) -> None:
    """Close every tab without the unsaved prompt, then the window."""
    for v in window.views():
        window.close_view(v, ask=False)
    window.close()
