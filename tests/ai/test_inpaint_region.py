"""The editor's fill reads the document's mask once and works on the mask's region only,
with the same pixels as filling the whole image."""

from __future__ import annotations

import numpy as np
import pytest

from editor.ai import regions
from editor.ai.inpaint import apply_inpaint, build_inpaint
from editor.ai.requests import MASK_AI, MASK_SELECTION, run_inpaint_request
from editor.ai.watch import DocumentWatch
from editor.document import Document, Rect
from ml.engines import get
from ml.imageconv import from_engine, to_engine
from ml.types import RunContext


def _document(dtype, h=240, w=320) -> Document:
    top = np.iinfo(dtype).max
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    px = np.empty((h, w, 4), dtype)
    px[..., 0] = np.rint((0.5 + 0.4 * np.sin(xx / 6)) * top)
    px[..., 1] = np.rint((0.5 + 0.4 * np.cos(yy / 4)) * top)
    px[..., 2] = np.rint((xx + yy) / (h + w) * top)
    px[..., 3] = top
    doc = Document.from_pixels(px)
    mask = np.zeros((h, w), np.uint8)
    mask[100:118, 150:170] = 255
    doc.set_ai_mask(mask)
    return doc


@pytest.mark.parametrize("engine_id", ["telea", "fsr"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_editor_fill_equals_filling_the_whole_image_inside_the_region(engine_id, dtype):
    doc = _document(dtype)
    req = build_inpaint(doc, engine_id, feather=4)
    result = run_inpaint_request(req, RunContext())
    snap = req.snap
    assert result.dtype == np.dtype(dtype) and result.shape == snap.pixels.shape
    assert snap.rect.w * snap.rect.h < doc.width * doc.height // 2
    # the whole image to floats, the engine on all of it, the hole placed in the document
    engine = get(engine_id, "inpaint")
    whole = doc.layers[0].pixels
    rgb, _ = to_engine(whole)
    hole = np.zeros(whole.shape[:2], np.float32)
    hole[snap.rect.slices()] = req.hole
    filled = engine.inpaint(rgb, hole, RunContext(), **engine.resolve_params())
    ref = from_engine(rgb + (filled - rgb) * hole[..., None], None, dtype, 4)
    ref[hole <= 0] = whole[hole <= 0]
    np.testing.assert_array_equal(result, ref[snap.rect.slices()])
    # and it lands as one undo step
    layers = len(doc.layers)
    apply_inpaint(DocumentWatch.capture(doc), req, result)
    assert len(doc.layers) == layers + 1
    doc.undo.undo()
    assert len(doc.layers) == layers


def test_find_mask_reads_the_live_mask_once_and_falls_back_to_the_selection():
    doc = _document(np.uint8)
    source, mask, bounds = regions.find_mask(doc)
    assert (source, bounds) == (MASK_AI, Rect(150, 100, 20, 18))
    assert not mask.flags.writeable and mask.shape == (240, 320)
    doc.clear_ai_mask()
    assert regions.find_mask(doc) is None
    doc.selection.select_rect(10, 20, 30, 40)
    source, _, bounds = regions.find_mask(doc)
    assert (source, bounds) == (MASK_SELECTION, Rect(10, 20, 30, 40))
    assert regions.find_mask(doc, MASK_AI) is None
