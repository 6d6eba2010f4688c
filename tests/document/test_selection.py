"""Selection shapes, combine modes, feathering and mask conversion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from editor.document import Document
from editor.document.selection import combine, ellipse_mask, feather_mask, polygon_mask


@pytest.fixture
def doc():
    return Document(100, 80)


def test_nothing_selected_is_none(doc):
    assert doc.selection.mask is None
    assert not doc.selection
    doc.selection.select_rect(10, 20, 30, 5)
    assert doc.selection.mask is not None
    doc.selection.select_none()
    assert doc.selection.mask is None
    assert doc.selection.to_mask().sum() == 0


def test_rect_selection_is_exact_and_clipped(doc):
    doc.selection.select_rect(10, 20, 30, 5)
    m = doc.selection.mask
    assert m.dtype == np.uint8 and m.shape == (80, 100)
    assert (m == 255).sum() == 150 and (m == 0).sum() == 8000 - 150
    assert doc.selection.bounds() == (10, 20, 30, 5)
    doc.selection.select_rect(90, 70, 50, 50)
    assert (doc.selection.mask == 255).sum() == 100


def test_ellipse_area_is_close_to_pi_ab():
    m = ellipse_mask((200, 200), 20, 30, 120, 80)
    area = m.astype(np.float64).sum() / 255
    assert area == pytest.approx(math.pi * 60 * 40, rel=0.01)
    assert m[70, 80] == 255 and m[5, 5] == 0
    assert ((m > 0) & (m < 255)).any()  # anti-aliased rim


def test_lasso_triangle_area():
    m = polygon_mask((100, 100), [(10, 10), (90, 10), (10, 90)])
    area = (m == 255).sum()
    assert area == pytest.approx(0.5 * 80 * 80, rel=0.03)
    assert m[20, 20] == 255 and m[80, 80] == 0


def test_lasso_self_intersecting_uses_even_odd():
    # A bow-tie: left and right lobes filled, the wedges above and below them empty.
    m = polygon_mask((50, 50), [(0, 0), (40, 40), (40, 0), (0, 40)])
    assert m[20, 5] == 255 and m[20, 35] == 255
    assert m[5, 20] == 0 and m[35, 20] == 0


def test_combine_modes(doc):
    s = doc.selection
    s.select_rect(0, 0, 50, 80)
    s.select_rect(25, 0, 50, 80, mode="add")
    assert (s.mask == 255).sum() == 75 * 80
    s.select_rect(0, 0, 10, 80, mode="subtract")
    assert (s.mask == 255).sum() == 65 * 80
    s.select_rect(60, 0, 40, 40, mode="intersect")
    assert s.bounds() == (60, 0, 15, 40)
    with pytest.raises(ValueError, match="selection mode"):
        s.select_rect(0, 0, 5, 5, mode="xor")


def test_subtract_is_proportional():
    old = np.full((1, 3), 200, np.uint8)
    new = np.array([[0, 255, 128]], np.uint8)
    np.testing.assert_array_equal(combine(old, new, "subtract"), [[200, 0, 100]])


def test_invert_and_select_all(doc):
    doc.selection.select_rect(0, 0, 10, 10)
    doc.selection.invert()
    assert doc.selection.mask[5, 5] == 0 and doc.selection.mask[50, 50] == 255
    doc.selection.select_all()
    assert (doc.selection.mask == 255).all()


def test_feather_softens_edge_and_keeps_area(doc):
    doc.selection.select_rect(30, 20, 40, 40)
    before = doc.selection.to_mask().astype(np.float64).sum()
    doc.selection.feather(8)
    m = doc.selection.mask
    assert ((m > 0) & (m < 255)).sum() > 200
    assert m[40, 50] == 255  # centre stays selected
    assert m[20, 30] < 200 and m[19, 29] > 0  # corner softened, outside gained a little
    assert m.astype(np.float64).sum() == pytest.approx(before, rel=0.02)
    # Smooth profile: monotonic across the left edge.
    row = m[40, 10:50].astype(int)
    assert (np.diff(row) >= 0).all()


def test_feather_of_select_all_stays_full():
    m = feather_mask(np.full((40, 40), 255, np.uint8), 10)
    assert (m == 255).all()


def test_painted_mask_to_selection_and_back(doc):
    painted = np.zeros((80, 100), np.float32)
    painted[10:20, 10:20] = 1.0
    painted[30:40, 30:40] = 0.5
    doc.selection.set_mask(painted)
    m = doc.selection.to_mask()
    assert m[15, 15] == 255 and m[35, 35] == 128 and m[0, 0] == 0
    doc.set_ai_mask(doc.selection.to_mask())
    np.testing.assert_array_equal(doc.ai_mask, m)
    with pytest.raises(ValueError, match="shape"):
        doc.selection.set_mask(np.zeros((3, 3)))


def test_selection_changes_emit_events_and_are_undoable(doc):
    events = []
    doc.events.connect(lambda e: events.append(e.kind))
    doc.selection.select_ellipse(10, 10, 30, 30)
    assert "selection-changed" in events
    assert doc.undo.text(0) == "Select ellipse"
    doc.undo.undo()
    assert doc.selection.mask is None


def test_selection_mask_is_read_only(doc):
    doc.selection.select_all()
    with pytest.raises(ValueError):
        doc.selection.mask[0, 0] = 0


def test_new_shape_modes_combine_with_the_current_selection(doc):
    s = doc.selection
    s.select_rect(0, 0, 40, 40)
    s.select_ellipse(20, 20, 40, 40, mode="add", antialias=False)
    added = s.to_mask()
    assert added[10, 10] == 255 and added[40, 40] == 255 and added[70, 90] == 0
    s.select_rect(0, 0, 40, 40)
    s.select_rect(20, 20, 40, 40, mode="intersect")
    assert s.bounds() == (20, 20, 20, 20)
    s.select_rect(0, 0, 40, 40)
    s.select_rect(20, 0, 40, 40, mode="subtract")
    assert s.bounds() == (0, 0, 20, 40)


def test_antialias_option_of_ellipse_and_lasso():
    hard = ellipse_mask((60, 60), 5, 5, 40, 30, antialias=False)
    soft = ellipse_mask((60, 60), 5, 5, 40, 30, antialias=True)
    assert set(np.unique(hard)) <= {0, 255}
    assert ((soft > 0) & (soft < 255)).any()
    tri = [(5.0, 5.0), (50.0, 8.0), (20.0, 55.0)]
    assert set(np.unique(polygon_mask((60, 60), tri))) <= {0, 255}
    aa = polygon_mask((60, 60), tri, antialias=True)
    assert ((aa > 0) & (aa < 255)).any()
    assert abs(int(aa.astype(int).sum()) - int(polygon_mask((60, 60), tri).astype(int).sum())) \
        < 0.03 * int(aa.astype(int).sum())


def test_feather_option_softens_only_the_new_shape(doc):
    s = doc.selection
    s.select_rect(10, 10, 30, 30, feather=6)
    m = s.to_mask()
    assert m[25, 25] == 255 and 0 < m[10, 25] < 255 and m[0, 25] < 30
    with pytest.raises(ValueError, match="feather"):
        s.select_rect(0, 0, 5, 5, feather=-1)


def test_grow_and_shrink(doc):
    s = doc.selection
    s.select_rect(30, 30, 20, 20)
    s.grow(5)
    assert s.bounds() == (25, 25, 30, 30)
    assert s.to_mask()[25, 25] == 0  # a disc: the corners round off
    doc.undo.undo()
    s.shrink(5)
    assert s.bounds() == (35, 35, 10, 10)
    with pytest.raises(ValueError, match="radius"):
        s.grow(-1)
