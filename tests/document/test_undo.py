"""Undo/redo: every command restores exact pixels, strokes are one step, memory is bounded."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import BrushSettings, Command, Document, UndoStack

from .conftest import assert_same_state, make_doc, snapshot


def _stroke(doc, target="pixels", **kw):
    doc.begin_stroke(target, BrushSettings(size=9, color=(1.0, 0.5, 0.0), **kw))
    doc.stroke_to(10, 10)
    doc.stroke_to(60, 40, 0.5)
    doc.end_stroke()


def _mask_stroke(doc):
    doc.add_layer_mask(1)
    doc.begin_stroke("mask", BrushSettings(size=12, erase=True), layer_index=1)
    doc.stroke_to(20, 20)
    doc.stroke_to(50, 30)
    doc.end_stroke()


OPS = {
    "add_layer": lambda d: d.add_layer("new"),
    "add_layer_with_pixels": lambda d: d.add_layer_with_pixels(
        np.full((10, 12, 3), 200, np.uint8), "AI result", x=5, y=7
    ),
    "add_layer_with_metadata": lambda d: d.add_layer_with_pixels(
        np.full((4, 4, 4), 9, np.uint8), "Latent edit", metadata={"retouch.latent": {"z": [0.5]}}
    ),
    "set_layer_metadata": lambda d: (
        d.set_layer_metadata(1, "note", {"a": [1, 2.5, None]}),
        d.set_layer_metadata(1, "flag", True),
    ),
    "remove_layer_metadata": lambda d: d.remove_layer_metadata(0, "kept"),
    "replace_metadata": lambda d: d.set_layer_property(2, "metadata", {}),
    "delete_layer": lambda d: d.delete_layer(1),
    "duplicate_layer": lambda d: d.duplicate_layer(0),
    "rename_layer": lambda d: d.rename_layer(2, "renamed"),
    "move_layer": lambda d: d.move_layer(0, 2),
    "set_opacity": lambda d: d.set_layer_property(1, "opacity", 0.25),
    "set_blend_mode": lambda d: d.set_layer_property(2, "blend_mode", "svg:hue"),
    "set_visible": lambda d: d.set_layer_property(2, "visible", False),
    "set_offset": lambda d: d.set_layer_property(2, "offset", (7, -3)),
    "add_layer_mask": lambda d: d.add_layer_mask(1),
    "merge_down": lambda d: d.merge_down(2),
    "flatten": lambda d: d.flatten(),
    "layer_from_selection": lambda d: (
        d.selection.select_ellipse(10, 10, 40, 30),
        d.layer_from_selection(1),
    ),
    "crop": lambda d: d.crop(5, 6, 50, 40),
    "resize_canvas": lambda d: d.resize_canvas(120, 50, "bottom-right"),
    "resize_image": lambda d: d.resize_image(48, 40),
    "apply_patch": lambda d: d.apply_patch(1, 20, 15, np.zeros((30, 40, 4), np.uint8), "Inpaint"),
    "apply_patch_masked": lambda d: d.apply_patch(
        0, -5, -5, np.full((30, 30, 3), 17, np.uint8), "Inpaint", mask=np.eye(30) > 0
    ),
    "brush_stroke": _stroke,
    "eraser_stroke": lambda d: _stroke(d, erase=True),
    "ai_mask_stroke": lambda d: _stroke(d, "ai_mask"),
    "selection_stroke": lambda d: _stroke(d, "selection"),
    "layer_mask_stroke": _mask_stroke,
    "select_rect": lambda d: d.selection.select_rect(3, 4, 30, 20),
    "select_lasso_add": lambda d: (
        d.selection.select_rect(3, 4, 30, 20),
        d.selection.select_lasso([(40, 5), (90, 20), (50, 70)], mode="add"),
    ),
    "invert_feather": lambda d: (
        d.selection.select_rect(3, 4, 30, 20),
        d.selection.invert(),
        d.selection.feather(6),
    ),
    "set_ai_mask": lambda d: d.set_ai_mask(np.eye(80, 96)),
}


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("name", list(OPS))
def test_undo_redo_restores_exact_state(name, depth):
    doc = make_doc(depth)
    doc.set_layer_property(1, "blend_mode", "svg:multiply")
    doc.set_layer_property(2, "opacity", 0.7)
    doc.set_layer_metadata(0, "kept", {"nested": [1, {"x": "y"}]})
    doc.set_layer_metadata(2, "n", 1)
    doc.undo.clear()
    before = snapshot(doc)
    start = doc.undo.index
    OPS[name](doc)
    after = snapshot(doc)
    assert doc.undo.index > start
    doc.undo.set_index(start)
    assert_same_state(snapshot(doc), before)
    doc.undo.set_index(doc.undo.count)
    assert_same_state(snapshot(doc), after)
    for layer in doc.layers:
        assert layer.pixels.dtype == doc.dtype


def test_brush_stroke_is_one_step():
    doc = make_doc()
    doc.begin_stroke("pixels", BrushSettings(size=5))
    for i in range(50):
        doc.stroke_to(5 + i, 5 + i // 2)
    assert doc.undo.count == 0  # nothing pushed mid-stroke
    doc.end_stroke()
    assert doc.undo.count == 1
    assert doc.undo.text(0) == "Brush stroke"


def test_abort_stroke_restores_pixels_and_leaves_no_step():
    doc = make_doc()
    before = snapshot(doc)
    doc.begin_stroke("pixels", BrushSettings(size=15, color=(1, 1, 1)))
    doc.stroke_to(5, 5)
    doc.stroke_to(90, 70)
    assert not np.array_equal(doc.composite(), before["composite"])
    doc.abort_stroke()
    assert doc.undo.count == 0
    assert_same_state(snapshot(doc), before)


def test_slider_drag_merges_into_one_step_and_seal_splits():
    doc = make_doc()
    for v in np.linspace(1.0, 0.1, 20):
        doc.set_layer_property(1, "opacity", float(v))
    assert doc.undo.count == 1
    doc.undo.seal()  # drag ended
    doc.set_layer_property(1, "opacity", 0.5)
    assert doc.undo.count == 2
    doc.set_layer_property(1, "blend_mode", "screen")  # other property: new step
    doc.set_layer_property(0, "blend_mode", "screen")  # other layer: new step
    assert doc.undo.count == 4
    doc.undo.undo()
    doc.undo.undo()
    doc.undo.undo()
    assert doc.layers[1].opacity == pytest.approx(0.1)
    doc.undo.undo()
    assert doc.layers[1].opacity == 1.0


def test_pixel_command_stores_only_changed_tiles():
    doc = Document(1024, 1024)
    doc.add_layer("bg", doc.new_layer_pixels((0.5, 0.5, 0.5, 1.0)))
    doc.undo.clear()
    doc.begin_stroke("pixels", BrushSettings(size=10, color=(1, 0, 0)))
    doc.dab(100, 100)  # well inside the 64² tile (64..128)
    doc.end_stroke()
    assert doc.undo.memory == 2 * 64 * 64 * 4  # one tile, old + new


def test_history_memory_stays_bounded_on_long_painting_session():
    doc = Document(512, 512)
    doc.add_layer("bg", doc.new_layer_pixels((1, 1, 1, 1)))
    doc.undo.max_bytes = 2_000_000
    rng = np.random.default_rng(1)
    peak = 0
    for i in range(120):
        doc.begin_stroke("pixels", BrushSettings(size=30, color=tuple(rng.random(3))))
        x, y = rng.uniform(0, 512, 2)
        doc.stroke_to(x, y)
        doc.stroke_to(x + rng.uniform(-150, 150), y + rng.uniform(-150, 150))
        doc.end_stroke()
        peak = max(peak, doc.undo.memory)
    assert peak <= 2_000_000
    assert 1 < doc.undo.count < 120
    # The surviving steps still undo cleanly back to where the history starts.
    doc.undo.set_index(0)
    doc.undo.set_index(doc.undo.count)


def test_undo_limit_caps_step_count():
    doc = make_doc()
    doc.undo.limit = 5
    for i in range(12):
        doc.rename_layer(0, f"n{i}")
    assert doc.undo.count == 5
    while doc.undo.undo():
        pass
    assert doc.layers[0].name == "n6"


def test_push_after_undo_discards_redo_tail_and_history_events():
    doc = make_doc()
    events = []
    doc.events.connect(lambda e: events.append(e.kind))
    doc.rename_layer(0, "a")
    doc.rename_layer(0, "b")
    doc.undo.undo()
    assert doc.undo.can_redo
    doc.rename_layer(0, "c")
    assert not doc.undo.can_redo
    assert [doc.undo.text(i) for i in range(doc.undo.count)] == ["Rename layer"] * 2
    assert events.count("history-changed") >= 4


def test_clean_state_tracks_save_point():
    doc = make_doc()
    doc.undo.set_clean()
    doc.set_layer_property(0, "opacity", 0.5)
    assert not doc.undo.is_clean
    doc.undo.undo()
    assert doc.undo.is_clean


def test_generic_command_and_merge_protocol():
    log = []

    class Append(Command):
        def __init__(self, v):
            self.v = [v]
            self.text = "append"

        def redo(self):
            log.append(list(self.v))

        def undo(self):
            log.pop()

        def merge_with(self, other):
            self.v += other.v
            return True

    stack = UndoStack(limit=10)
    stack.push(Append(1))
    stack.push(Append(2), apply=False)
    assert stack.count == 1
    stack.undo()
    assert log == []
    stack.redo()
    assert log == [[1, 2]]
    with pytest.raises(ValueError):
        stack.set_index(5)


def test_operations_during_stroke_are_refused():
    doc = make_doc()
    doc.begin_stroke()
    with pytest.raises(RuntimeError, match="stroke"):
        doc.add_layer()
    doc.abort_stroke()
    doc.add_layer()


def test_set_unsaved_keeps_the_document_unclean_until_the_next_set_clean():
    from editor.document.undo import UndoStack

    stack = UndoStack()
    assert stack.is_clean
    stack.set_unsaved()
    assert not stack.is_clean
    stack.set_clean()
    assert stack.is_clean
