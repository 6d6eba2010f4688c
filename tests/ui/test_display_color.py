"""Colour-managed display: a document tagged with a non-sRGB ICC profile is shown
converted to sRGB; the document and the colour readouts keep the document's values."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColorSpace

from editor.document import Document
from editor.ui.canvas import Canvas
from editor.ui.tools import ToolState

RAW = (200, 100, 50)  # an orange well inside both gamuts: every channel moves


def icc(name: str) -> bytes:
    """Real ICC bytes (Qt writes a standard matrix/TRC profile)."""
    return bytes(QColorSpace(getattr(QColorSpace.NamedColorSpace, name)).iccProfile().data())


def srgb_by_littlecms(profile: bytes, rgb: tuple[int, int, int]) -> np.ndarray:
    """The expected screen value, from an independent CMS (Pillow's LittleCMS)."""
    src = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    t = ImageCms.buildTransform(src, ImageCms.createProfile("sRGB"), "RGB", "RGB")
    return np.asarray(ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), t))[0, 0]


def tagged_document(profile: bytes | None, depth: int = 8) -> Document:
    doc = Document(40, 30, depth)
    scale = 257 if depth == 16 else 1
    px = np.empty((30, 40, 4), np.uint16 if depth == 16 else np.uint8)
    px[...] = [v * scale for v in (*RAW, 255)]
    doc.add_layer("Background", pixels=px)
    doc.metadata["icc_profile"] = profile
    doc.undo.clear()
    return doc


def shown(qtbot, doc: Document) -> np.ndarray:
    """The colour the canvas puts on screen at the image centre."""
    canvas = Canvas(doc, ToolState())
    qtbot.addWidget(canvas)
    canvas.resize(200, 150)
    canvas.set_view(1.0, QPointF(10, 10))
    c = canvas.grab().toImage().pixelColor(30, 25)
    return np.array([c.red(), c.green(), c.blue()])


@pytest.mark.parametrize("name", ["DisplayP3", "AdobeRgb"])
@pytest.mark.parametrize("depth", [8, 16])
def test_a_wide_gamut_document_is_shown_converted_to_srgb(qtbot, name, depth):
    profile = icc(name)
    doc = tagged_document(profile, depth)
    before = doc.layers[0].pixels.copy()
    on_screen = shown(qtbot, doc)
    expected = srgb_by_littlecms(profile, RAW)
    assert np.abs(expected.astype(int) - RAW).max() > 10  # the profiles really differ
    assert np.abs(on_screen - expected).max() <= 2, (on_screen, expected)
    assert np.array_equal(doc.layers[0].pixels, before)  # the document is never converted


def test_a_saturated_p3_green_is_clipped_to_the_srgb_gamut(qtbot):
    doc = tagged_document(icc("DisplayP3"))
    doc.layers[0].pixels[...] = (40, 230, 40, 255)
    r, g, b = shown(qtbot, doc)
    # Outside sRGB: its red would be negative, so it shows as 0; green gets stronger.
    assert r == 0 and g > 230
    assert np.abs(np.array([r, g, b]) - srgb_by_littlecms(icc("DisplayP3"), (40, 230, 40))).max() <= 2


@pytest.mark.parametrize("profile", [None, "qt-srgb", "lcms-srgb"])
def test_untagged_and_srgb_tagged_documents_show_their_raw_values(qtbot, profile):
    data = {None: None, "qt-srgb": icc("SRgb"),
            "lcms-srgb": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()}
    assert tuple(shown(qtbot, tagged_document(data[profile]))) == RAW


def test_assigning_a_profile_redraws_the_view(qtbot):
    doc = tagged_document(None)
    canvas = Canvas(doc, ToolState())
    qtbot.addWidget(canvas)
    canvas.resize(200, 150)
    canvas.set_view(1.0, QPointF(10, 10))
    assert tuple(canvas.grab().toImage().pixelColor(30, 25).getRgb()[:3]) == RAW
    doc.set_metadata("icc_profile", icc("DisplayP3"))
    c = canvas.grab().toImage().pixelColor(30, 25)
    assert np.abs(np.array(c.getRgb()[:3]) - srgb_by_littlecms(icc("DisplayP3"), RAW)).max() <= 2


def test_status_readout_and_picker_report_document_values(window, qtbot):
    view = window.add_document(tagged_document(icc("DisplayP3")), None, "p3")
    view.canvas.set_view(1.0, QPointF(10, 10))
    view.canvas.grab()
    window._update_cursor_label(QPointF(5, 5))
    assert "#c86432" in window.cursor_label.text()
    window.tool_state.set("tool", "picker")
    view.canvas.current_tool().press(QPointF(5, 5), None)
    assert tuple(round(v * 255) for v in window.tool_state.color) == RAW


def test_an_opened_p3_file_is_shown_converted(window, tmp_path):
    path = tmp_path / "p3.png"
    Image.new("RGB", (40, 30), RAW).save(path, icc_profile=icc("DisplayP3"))
    (view,) = window.open_paths([str(path)])
    view.canvas.set_view(1.0, QPointF(10, 10))
    c = view.canvas.grab().toImage().pixelColor(30, 25)
    expected = srgb_by_littlecms(icc("DisplayP3"), RAW)
    assert np.abs(np.array(c.getRgb()[:3]) - expected).max() <= 2
    assert tuple(view.document.layers[0].pixels[0, 0, :3]) == RAW
