"""The main window's command slots: tools, edit, image, layer, select and view commands
(the targets of the action table, :mod:`editor.ui.actions`). Mixed into ``MainWindow``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from editor.document import Document, flip_horizontal, flip_vertical, rotate_90, rotate_180
from editor.ui import clipboard


def _canvas_view(method: str) -> Callable[[Any], None]:
    """A slot calling the current canvas's ``method`` (zoom and fit), if a tab is open."""

    def slot(self: Any) -> None:
        if self.canvas:
            getattr(self.canvas, method)()

    slot.__name__ = method
    return slot


def _select_dialog(which: str) -> Callable[[Any], None]:
    """A slot opening Select ▸ ``which``'s radius dialog."""

    def slot(self: Any) -> None:
        from editor.ui import select_dialogs

        select_dialogs.run(self, which)

    slot.__name__ = f"select_{which}"
    return slot


class CommandsMixin:
    """One-line slots for ``MainWindow``; every document command goes through
    :meth:`_guard` (ends a stroke, turns expected errors into a status message)."""

    # --- tools ----------------------------------------------------------------------

    def set_tool(self, tool_id: str) -> None:
        self.tool_state.set("tool", tool_id)

    def _tool_changed(self, name: str) -> None:
        if name == "tool":
            act = self.actions_by_id.get(f"tool.{self.tool_state.tool}")
            if act is not None and not act.isChecked():
                act.setChecked(True)

    def brush_smaller(self) -> None:
        self.tool_state.step_size(False)

    def brush_bigger(self) -> None:
        self.tool_state.step_size(True)

    # --- edit / image / layer / select / view commands ------------------------------

    def _guard(self, fn: Callable[[Document], Any], what: str = "") -> Any:
        doc = self.document
        if doc is None:
            return None
        if doc.stroke_active:
            doc.end_stroke()
        try:
            return fn(doc)
        except (ValueError, RuntimeError) as exc:
            self.show_message(f"{what + ': ' if what else ''}{exc}")
            return None

    def undo(self) -> None:
        self._guard(lambda d: d.undo.undo())

    def redo(self) -> None:
        self._guard(lambda d: d.undo.redo())

    def flatten(self) -> None:
        self._guard(lambda d: d.flatten(), "Flatten")

    def crop_to_selection(self) -> None:
        def crop(d: Document) -> None:
            b = d.selection.bounds()
            if b is None:
                raise ValueError("make a selection first")
            d.crop(*b)
        self._guard(crop, "Crop")

    def resize_image(self) -> None:
        from editor.ui.dialogs import SizeDialog

        d = self.document
        if d is None:
            return
        dlg = SizeDialog("Scale Image", d.width, d.height, keep_aspect=True, parent=self)
        if dlg.exec():
            w, h, _ = dlg.values()
            self._guard(lambda doc: doc.resize_image(w, h), "Scale image")

    def resize_canvas(self) -> None:
        from editor.ui.dialogs import SizeDialog

        d = self.document
        if d is None:
            return
        dlg = SizeDialog("Canvas Size", d.width, d.height, parent=self)
        if dlg.exec():
            w, h, _ = dlg.values()
            self._guard(lambda doc: doc.resize_canvas(w, h), "Canvas size")

    def rotate_cw(self) -> None:
        self._guard(lambda d: rotate_90(d, clockwise=True), "Rotate")

    def rotate_ccw(self) -> None:
        self._guard(lambda d: rotate_90(d, clockwise=False), "Rotate")

    def rotate_180(self) -> None:
        self._guard(rotate_180, "Rotate")

    def flip_horizontal(self) -> None:
        self._guard(flip_horizontal, "Flip")

    def flip_vertical(self) -> None:
        self._guard(flip_vertical, "Flip")

    def layer_new(self) -> None:
        self._guard(lambda d: d.add_layer(), "New layer")

    def layer_duplicate(self) -> None:
        self._guard(lambda d: d.duplicate_layer(), "Duplicate layer")

    def layer_delete(self) -> None:
        self._guard(lambda d: d.delete_layer(), "Delete layer")

    def layer_merge(self) -> None:
        self._guard(lambda d: d.merge_down(), "Merge down")

    def layer_raise(self) -> None:
        self._guard(lambda d: d.move_layer(d.active_index, d.active_index + 1), "Raise layer")

    def layer_lower(self) -> None:
        self._guard(lambda d: d.move_layer(d.active_index, d.active_index - 1), "Lower layer")

    def layer_from_selection(self) -> None:
        self._guard(lambda d: d.layer_from_selection(), "Layer from selection")

    def layer_add_mask(self) -> None:
        self._guard(lambda d: d.add_layer_mask(), "Add layer mask")

    def layer_mask_from_selection(self) -> None:
        self._guard(lambda d: d.add_layer_mask(from_selection=True), "Add layer mask")

    def layer_remove_mask(self) -> None:
        self._guard(lambda d: d.remove_layer_mask(), "Remove layer mask")

    def select_all(self) -> None:
        self._guard(lambda d: d.selection.select_all())

    def select_none(self) -> None:
        self._guard(lambda d: d.selection.select_none())

    def select_invert(self) -> None:
        self._guard(lambda d: d.selection.invert())

    # Select ▸ Feather… / Grow… / Shrink…: one radius dialog (editor.ui.select_dialogs)
    select_feather = _select_dialog("feather")
    select_grow = _select_dialog("grow")
    select_shrink = _select_dialog("shrink")

    # --- clipboard (editor.ui.clipboard) and free transform ---------------------------

    def edit_cut(self) -> None:
        clipboard.cut(self)

    def edit_copy(self) -> None:
        clipboard.copy(self)

    def edit_copy_merged(self) -> None:
        clipboard.copy(self, merged=True)

    def edit_paste(self) -> None:
        clipboard.paste(self)

    def edit_paste_new_image(self) -> None:
        clipboard.paste_new_image(self)

    def edit_clear(self) -> None:
        clipboard.clear(self)

    def edit_transform(self) -> None:
        if self.document is not None:
            self.tool_state.set("tool", "transform")

    def ai_mask_from_selection(self) -> None:
        self._guard(lambda d: d.set_ai_mask(d.selection.to_mask(), "AI mask from selection"))

    def selection_from_ai_mask(self) -> None:
        self._guard(lambda d: d.selection.set_mask(d.ai_mask.copy(), text="Selection from AI mask"))

    def clear_ai_mask(self) -> None:
        self._guard(lambda d: d.clear_ai_mask())

    zoom_in = _canvas_view("zoom_in")
    zoom_out = _canvas_view("zoom_out")
    zoom_fit = _canvas_view("fit")
    zoom_actual = _canvas_view("actual_size")

    def manage_models(self) -> None:
        from editor.ui.models_dialog import open_models_dialog

        open_models_dialog(self)

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard Shortcuts: the searchable list (editor.ui.shortcuts_dialog)."""
        from editor.ui.shortcuts_dialog import ShortcutsDialog

        dlg = ShortcutsDialog(self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog = dlg
        dlg.open()

    def about(self) -> None:
        QMessageBox.about(self, "About Retouch",
                          "Retouch — an offline, layer-based image editor whose AI tools run "
                          "on your own machine.\n\nCompute device: " + self.device_label.text()
                          + f"\nPID {os.getpid()}")

    def toggle_compare(self, on: bool) -> None:
        """View ▸ Compare Before/After: the document without its last AI result (display
        only; :mod:`editor.ui.compare`)."""
        from editor.ui import compare

        compare.toggle(self, on)
