"""docs/screenshots/portrait-panel.png: the Latent dock in portrait mode.

The real StyleGAN2 FFHQ weights are non-commercial and not on the build machines, so this
installs RANDOM-weight files in the published formats into a throw-away model store: a
256 px rosinality generator (config F, channel_multiplier 2), an InterFaceGAN-style smile
direction and a GANSpace file. The face is inverted (a few optimisation steps), a slider
is moved and the edit applied; the generated "face" is noise, as random weights make.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/make_portrait_screenshot.py
"""

from __future__ import annotations

import os
import sys
import time

import shots  # sets up paths and the throw-away settings folder

os.environ.setdefault("RETOUCH_MODELS_DIR", os.path.join(shots._TMP, "models"))


def main() -> int:
    from pathlib import Path

    import numpy as np
    import torch
    from PIL import Image
    from PySide6.QtWidgets import QApplication

    torch.set_num_threads(1)
    from editor.document import Document
    from editor.jobs import latent as jl
    from tests.ml.portrait.checkpoints import (
        ganspace_file,
        install,
        interfacegan_file,
        stylegan_file,
    )

    tmp = Path(shots._TMP)
    install("stylegan2-ffhq-1024", stylegan_file(tmp / "g.pt", size=256, narrow=False))
    install("e4e-direction-smile", interfacegan_file(tmp / "smile.pt", style_dim=512))
    install("ganspace-ffhq-pca", ganspace_file(tmp / "pca.pt", style_dim=512))

    from editor.ui.app import create_main_window

    app = QApplication.instance() or QApplication(sys.argv)
    window = create_main_window()
    window.resize(1500, 940)
    window.show()
    rgb = np.asarray(Image.open(shots.ROOT / "tests/ml/face/data/astronaut.jpg").convert("RGB"))
    h, w = rgb.shape[:2]
    doc = Document(w, h)
    doc.add_layer("Background", pixels=np.dstack([rgb, np.full((h, w), 255, np.uint8)]))
    doc.undo.clear()
    window.add_document(doc, None, "astronaut")
    dock = window.docks["latent"]
    dock.show()
    dock.raise_()
    from PySide6.QtCore import Qt

    window.resizeDocks([dock], [430], Qt.Orientation.Horizontal)
    window.resizeDocks([dock], [640], Qt.Orientation.Vertical)
    panel = dock.widget()
    panel.refresh_models()
    panel.model.setCurrentIndex(panel.model.findData(jl.PORTRAIT_ID))
    panel.portrait.steps.setValue(8)

    def wait(cond, limit=600.0) -> None:
        t0 = time.time()
        while not cond():
            if time.time() - t0 > limit:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.02)

    panel.encode_button.click()
    wait(lambda: panel.session is not None and panel.preview_image is not None)
    shown = panel.previews_shown
    panel.set_slider("smile", 2.5)
    panel.set_slider("glasses", -1.5)
    wait(lambda: panel.previews_shown > shown)
    panel.apply_button.click()
    wait(lambda: len(doc.layers) == 2)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    shots.save_png(window.grab().toImage(), shots.HERE / "portrait-panel.png")
    window.jobs.shutdown()
    shots.close_window(window)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
