"""The before/after compare state follows the undo history (editor.ai.compare): undoing
an AI result ends it, redoing it (or undoing a later edit) makes it comparable again."""

from __future__ import annotations

import numpy as np

from editor.ai import compare
from editor.document import Document


def _doc_with_result() -> tuple[Document, object]:
    doc = Document.from_pixels(np.full((40, 60, 4), 200, np.uint8))
    doc.undo.clear()
    layer = doc.add_layer("result", np.full((40, 60, 4), 7, np.uint8))
    compare.remember_result(doc, layer)
    return doc, layer


def _paint(doc: Document) -> None:
    doc.apply_patch(0, 0, 0, np.zeros((2, 2, 4), np.uint8), "Paint")


def test_undo_of_the_result_ends_the_compare_and_redo_brings_it_back():
    doc, layer = _doc_with_result()
    state = compare.compare_state(doc)
    assert state is not None
    doc.undo.undo()
    assert compare.compare_state(doc) is None  # the result is gone: nothing to compare
    doc.undo.redo()
    assert compare.compare_state(doc) is state and state.override().layer is layer


def test_a_later_edit_ends_it_until_that_edit_is_undone():
    doc, _layer = _doc_with_result()
    _paint(doc)
    assert compare.compare_state(doc) is None
    doc.undo.undo()
    assert compare.compare_state(doc) is not None
    doc.undo.redo()
    assert compare.compare_state(doc) is None


def test_mask_steps_after_the_result_keep_it_through_undo_and_redo():
    doc, _layer = _doc_with_result()
    doc.set_ai_mask(np.full((40, 60), 255, np.uint8))
    doc.clear_ai_mask()
    assert compare.compare_state(doc) is not None
    doc.undo.undo()
    doc.undo.undo()
    doc.undo.undo()  # the result itself
    assert compare.compare_state(doc) is None
    doc.undo.set_index(doc.undo.count)  # the history panel's jump to the last step
    assert compare.compare_state(doc) is not None


def test_a_new_edit_after_undoing_the_result_forgets_it_for_good():
    doc, _layer = _doc_with_result()
    doc.undo.undo()
    _paint(doc)  # the result's step is dropped from the history
    assert not doc.undo.can_redo
    assert compare.compare_state(doc) is None
    doc.undo.undo()
    assert compare.compare_state(doc) is None


def test_a_merged_slider_step_after_the_result_ends_it_and_its_undo_restores_it():
    doc, _layer = _doc_with_result()
    doc.set_layer_property(0, "opacity", 0.5)
    doc.set_layer_property(0, "opacity", 0.4)  # merges into the step before
    assert compare.compare_state(doc) is None
    doc.undo.undo()
    assert doc.layers[0].opacity == 1.0
    assert compare.compare_state(doc) is not None
