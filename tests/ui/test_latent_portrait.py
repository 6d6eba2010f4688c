"""The Latent dock in portrait mode: a random-weight StyleGAN2 (rosinality format) and
direction files installed in the temp model store, the real astronaut photo, real clicks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from editor.ai import latent as al
from editor.document import Document
from editor.jobs import latent as jl
from tests.ml.face.conftest import DATA
from tests.ml.portrait.checkpoints import (
    e4e_file,
    ganspace_file,
    install,
    interfacegan_file,
    stylegan_file,
)

WAIT = 90_000  # ms: the first job loads the models on the worker


def _doc(rgb: np.ndarray) -> Document:
    h, w = rgb.shape[:2]
    doc = Document(w, h)
    doc.add_layer("Background", pixels=np.dstack([rgb, np.full((h, w), 255, np.uint8)]))
    doc.undo.clear()
    return doc


def _astronaut() -> Document:
    return _doc(np.asarray(Image.open(DATA / "astronaut.jpg").convert("RGB")))


@pytest.fixture
def pack(tmp_path):
    """The portrait pack installed: a 64 px generator, smile, GANSpace."""
    install("stylegan2-ffhq-1024", stylegan_file(tmp_path / "g.pt", size=64))
    install("e4e-direction-smile", interfacegan_file(tmp_path / "smile.pt"))
    install("ganspace-ffhq-pca", ganspace_file(tmp_path / "pca.pt"))
    return tmp_path


def _panel(window):
    return window.docks["latent"].widget()


def _pick_portrait(panel) -> None:
    i = panel.model.findData(jl.PORTRAIT_ID)
    assert i >= 0, "the portrait model is not listed"
    panel.model.setCurrentIndex(i)
    assert panel.encode_button.text() == "Invert face"
    assert not panel.sample_button.isEnabled()


def _invert(panel, qtbot, steps: int = 4) -> None:
    panel.portrait.steps.setValue(steps)
    qtbot.mouseClick(panel.encode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.session is not None and panel.preview_image is not None,
                    timeout=WAIT)


def test_the_portrait_model_is_listed_only_once_its_generator_is_installed(window):
    panel = _panel(window)
    assert panel.model.findData(jl.PORTRAIT_ID) < 0
    assert all(m.id != jl.PORTRAIT_ID for m in jl.list_models())


def test_invert_slide_preview_apply_and_undo(pack, window, qtbot):
    doc = _astronaut()
    window.add_document(doc, None, "astronaut")
    panel = _panel(window)
    _pick_portrait(panel)
    assert panel.portrait.isVisible() and "non-commercial" in panel.portrait.licence.text()
    _invert(panel, qtbot)
    s = panel.session
    assert s.spec.kind == jl.KIND_PORTRAIT and s.spec.latent_dim == 10 * 32
    assert "smile" in panel.sliders and "glasses" in panel.sliders
    assert not panel.table.isVisible()  # a W+ code gets no raw-entry table
    assert "optimisation (4 steps)" in panel.status.text()
    assert panel.preview_image.shape == (64, 64, 3)
    first, shown = panel.preview_image.copy(), panel.previews_shown
    panel.set_slider("smile", 3.0)
    qtbot.waitUntil(lambda: panel.previews_shown > shown, timeout=WAIT)
    assert np.abs(panel.preview_image.astype(int) - first.astype(int)).mean() > 0.5
    assert len(doc.undo) == 0 and len(doc.layers) == 1  # nothing lands before Apply

    before = np.array(doc.layers[0].pixels, copy=True)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(doc.layers) == 2, timeout=WAIT)
    layer = doc.active_layer
    assert layer.name == "Portrait edit"
    entry = layer.metadata[al.METADATA_KEY]
    assert entry["model"] == jl.PORTRAIT_ID and entry["values"]["smile"] == 3.0
    assert entry["mode"] == "delta" and len(entry["latent"]) == 320
    # only the face region: a patch, transparent outside the face mask
    assert layer.pixels.shape[0] < 512 and layer.pixels.shape[1] < 512
    alpha = layer.pixels[..., 3]
    assert 0 < (alpha > 0).mean() < 1
    np.testing.assert_array_equal(doc.layers[0].pixels, before)  # the photo is untouched
    assert len(doc.undo) == 1
    # the layer keeps the W+ code: after a reset, selecting it again restores the edit
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert panel.session.values["smile"] == 0.0
    doc.active_index = 0
    doc.active_index = 1
    qtbot.waitUntil(lambda: panel.session.values.get("smile") == 3.0, timeout=WAIT)
    np.testing.assert_allclose(panel.session.current, entry["latent"], rtol=1e-5, atol=1e-6)
    assert panel.sliders["smile"].value() == 300
    doc.undo.undo()
    assert len(doc.layers) == 1


def test_replace_mode_is_kept_in_the_layer(pack, window, qtbot):
    doc = _astronaut()
    window.add_document(doc, None, "astronaut")
    panel = _panel(window)
    _pick_portrait(panel)
    _invert(panel, qtbot, steps=2)
    panel.portrait.mode.setCurrentIndex(panel.portrait.mode.findData("replace"))
    assert panel.session.mode == "replace"
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(doc.layers) == 2, timeout=WAIT)
    assert doc.active_layer.metadata[al.METADATA_KEY]["mode"] == "replace"


def test_no_face_is_a_message_and_the_document_is_untouched(pack, window, qtbot):
    doc = _doc(np.full((200, 240, 3), 128, np.uint8))
    window.add_document(doc, None, "grey")
    panel = _panel(window)
    _pick_portrait(panel)
    qtbot.mouseClick(panel.encode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "no face" in panel.status.text(), timeout=WAIT)
    assert panel.session is None and len(doc.layers) == 1 and len(doc.undo) == 0


def test_cancel_stops_the_inversion_and_changes_nothing(pack, window, qtbot):
    doc = _astronaut()
    window.add_document(doc, None, "astronaut")
    panel = _panel(window)
    _pick_portrait(panel)
    panel.portrait.steps.setValue(2000)
    qtbot.mouseClick(panel.encode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "inverting the face (" in panel.status.text(), timeout=WAIT)
    assert panel.portrait.cancel_button.isEnabled()
    qtbot.mouseClick(panel.portrait.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in panel.status.text(), timeout=WAIT)
    assert panel.session is None and not panel.portrait.cancel_button.isEnabled()
    assert len(doc.layers) == 1 and len(doc.undo) == 0


def test_an_encoder_for_another_generator_size_is_a_message(tmp_path, window, qtbot):
    install("stylegan2-ffhq-1024", stylegan_file(tmp_path / "g.pt", size=32))
    install("e4e-ffhq-encode", e4e_file(tmp_path / "e4e.pt", generator_size=64))
    doc = _astronaut()
    window.add_document(doc, None, "astronaut")
    panel = _panel(window)
    assert panel.model.findData(jl.PORTRAIT_ID) < 0  # the dock was built before
    panel.model.showPopup()  # opening the list looks again
    panel.model.hidePopup()
    _pick_portrait(panel)
    qtbot.mouseClick(panel.encode_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "trained for a 64 px generator" in panel.status.text(),
                    timeout=WAIT)
    assert panel.session is None and len(doc.layers) == 1 and len(doc.undo) == 0
