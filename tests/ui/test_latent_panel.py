"""The Latent dock with real widgets, the real built-in models and the job lanes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.ai import latent as al
from editor.document import Document
from editor.jobs import latent as jl

ASTRONAUT = Path(__file__).resolve().parents[1] / "ml" / "face" / "data" / "astronaut.jpg"
WAIT = 60_000  # ms: the first job loads the model on the worker

pytestmark = pytest.mark.skipif(jl.list_models()[0].reason is not None,
                                reason="the built-in latent model is not installed")


def _doc_from(rgb: np.ndarray) -> Document:
    h, w = rgb.shape[:2]
    doc = Document(w, h)
    px = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=2)
    doc.add_layer("Background", pixels=px)
    doc.undo.clear()
    return doc


def _face_doc() -> Document:
    return _doc_from(np.asarray(Image.open(ASTRONAUT).convert("RGB")))


def _cartoon_doc() -> Document:
    y, x = np.mgrid[0:96, 0:96]
    rgb = np.full((96, 96, 3), 230, np.uint8)
    face = (x - 48) ** 2 + (y - 50) ** 2 < 34 ** 2
    rgb[face] = (240, 200, 160)
    for ex in (36, 60):
        rgb[(x - ex) ** 2 + (y - 42) ** 2 < 16] = (30, 30, 30)
    rgb[(abs(y - 66) < 3) & (abs(x - 48) < 12)] = (160, 40, 40)
    return _doc_from(rgb)


@pytest.fixture
def panel(window):
    return window.docks["latent"].widget()


def _encode(panel, qtbot) -> None:
    panel.encode_button.click()
    qtbot.waitUntil(lambda: panel.session is not None and panel.preview_image is not None,
                    timeout=WAIT)


def test_encode_slider_preview_apply_undo(window, panel, qtbot) -> None:
    doc = _cartoon_doc()
    window.add_document(doc, None, "cartoon")
    assert panel.model.currentData() == jl.VAE_ID
    assert not panel.apply_button.isEnabled()
    _encode(panel, qtbot)
    titles = [panel.slider_form.itemAt(i, panel.slider_form.ItemRole.LabelRole).widget().text()
              for i in range(panel.slider_form.rowCount())]
    assert "smile" in panel.sliders and "Smile" in " ".join(titles)
    assert {"pc1", "pc2", "pc3", "pc4"} <= set(panel.sliders)
    assert panel.table.columnCount() == panel.session.spec.latent_dim
    first, shown = panel.preview_image.copy(), panel.previews_shown
    panel.set_slider("smile", 3.0)
    qtbot.waitUntil(lambda: panel.previews_shown > shown, timeout=WAIT)
    assert np.abs(panel.preview_image.astype(int) - first.astype(int)).mean() > 1.0
    assert panel.value_labels["smile"].text() == "+3.00"
    # a raw entry edited in the table moves the latent
    z0 = float(panel.session.current[0])
    panel.table.item(0, 0).setText(f"{z0 + 1.5:.2f}")
    assert panel.session.current[0] == pytest.approx(z0 + 1.5, abs=0.01)

    n = len(doc.layers)
    panel.apply_button.click()
    qtbot.waitUntil(lambda: len(doc.layers) == n + 1, timeout=WAIT)
    layer = doc.active_layer
    entry = layer.metadata[al.METADATA_KEY]
    assert entry["model"] == jl.VAE_ID and entry["values"]["smile"] == 3.0
    np.testing.assert_allclose(entry["latent"], panel.session.current, rtol=1e-5)
    assert entry["region"] == [0, 0, 96, 96]
    assert layer.pixels[48, 48, 3] == 255
    doc.undo.undo()
    assert len(doc.layers) == n and al.METADATA_KEY not in doc.active_layer.metadata


def test_slots_interpolate_and_reset(window, panel, qtbot) -> None:
    window.add_document(_cartoon_doc(), None, "cartoon")
    _encode(panel, qtbot)
    origin = panel.session.current.copy()
    assert not panel.mix.isEnabled()
    panel.store_a.click()
    panel.set_slider("glasses", 2.0)
    panel.store_b.click()
    assert panel.mix.isEnabled()
    b = panel.session.current.copy()
    panel.mix.setValue(50)
    np.testing.assert_allclose(panel.session.current, (origin + b) / 2, rtol=1e-5, atol=1e-6)
    assert panel.sliders["glasses"].value() == 0  # sliders edit from the blend
    shown = panel.previews_shown
    qtbot.waitUntil(lambda: panel.previews_shown > shown, timeout=WAIT)
    panel.reset_button.click()
    np.testing.assert_allclose(panel.session.current, origin)


def test_a_layer_with_latent_metadata_restores_the_session(window, panel, qtbot) -> None:
    doc = _cartoon_doc()
    window.add_document(doc, None, "cartoon")
    _encode(panel, qtbot)
    spec = panel.session.spec
    saved = al.LatentSession(spec, panel.session.origin, panel.session.region)
    saved.set_value("hair", -2.0)
    saved.set_entry(3, 1.25)
    px = np.full((96, 96, 4), 128, np.uint8)
    doc.add_layer_with_pixels(px, "Latent edit", metadata=saved.metadata())
    panel.reset_button.click()  # make the panel's latent differ
    panel.specs.clear()  # as after a restart: the model is described by a job first
    doc.active_index = 0
    doc.active_index = 1  # selecting the latent layer restores its latent
    qtbot.waitUntil(lambda: panel.session is not None
                    and np.allclose(panel.session.current, saved.current), timeout=WAIT)
    assert panel.sliders["hair"].value() == -200
    assert panel.session.current[3] == pytest.approx(1.25)
    assert panel._source is doc.layers[0]  # continue from the layer it was made from
    qtbot.waitUntil(lambda: panel.preview_image is not None, timeout=WAIT)


def test_face_shape_encode_drag_and_apply(window, panel, qtbot) -> None:
    doc = _face_doc()
    window.add_document(doc, None, "astronaut")
    panel.model.setCurrentIndex(panel.model.findData(jl.FACE_SHAPE_ID))
    assert not panel.sample_button.isEnabled()
    _encode(panel, qtbot)
    assert "smile" in panel.sliders and "head_roll" in panel.sliders
    full = panel.preview_image.shape
    shown = panel.previews_shown
    slider = panel.sliders["smile"]
    slider.setSliderDown(True)  # a drag: previews at reduced size
    slider.setValue(300)
    qtbot.waitUntil(lambda: panel.previews_shown > shown, timeout=WAIT)
    assert panel.preview_image.shape[0] < full[0]
    shown = panel.previews_shown
    slider.setSliderDown(False)  # release: full size
    qtbot.waitUntil(lambda: panel.previews_shown > shown
                    and panel.preview_image.shape == full, timeout=WAIT)
    n = len(doc.layers)
    panel.apply_button.click()
    qtbot.waitUntil(lambda: len(doc.layers) == n + 1, timeout=WAIT)
    entry = doc.active_layer.metadata[al.METADATA_KEY]
    assert entry["model"] == jl.FACE_SHAPE_ID and entry["values"]["smile"] == 3.0
    assert "points" in entry["face"]
    src = doc.layers[0].pixels
    x, y = doc.active_layer.offset
    new = doc.active_layer.pixels
    changed = (new[..., 3] > 0) & np.any(new[..., :3] != src[y:y + new.shape[0],
                                                            x:x + new.shape[1], :3], axis=2)
    assert changed.sum() > 50  # the warp moved pixels


def test_the_latent_dock_shares_the_history_slot_as_a_tab(qtbot):
    from editor.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    tabbed = w.tabifiedDockWidgets(w.docks["history"])
    assert w.docks["latent"] in tabbed
