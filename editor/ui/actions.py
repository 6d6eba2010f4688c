"""The action table (menus, toolbars and shortcuts as data) and the code that builds a
window's menus from it and the Filter menu from the filter registry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from editor.ui import filters as filter_registry
from editor.ui.icons import icon
from editor.ui.tools import TOOLS

if TYPE_CHECKING:
    from editor.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def _open_adjustment(window: MainWindow, kind: str) -> None:
    from editor.ui.adjust_dialogs import open_adjustment

    open_adjustment(window, kind)


#: Image ▸ Adjustments (editor.ui.adjust_dialogs): id, title, shortcut (Photoshop's)
ADJUSTMENT_ACTIONS = (
    ("levels", "&Levels…", "Ctrl+L"),
    ("curves", "&Curves…", "Ctrl+M"),
    ("brightness_contrast", "&Brightness/Contrast…", ""),
    ("hue_saturation", "&Hue/Saturation…", "Ctrl+U"),
    ("colour_balance", "C&olour Balance…", "Ctrl+B"),
    ("white_balance", "&White Balance…", ""),
    ("exposure", "&Exposure…", ""),
)


@dataclass(frozen=True)
class ActionSpec:
    """One row of the action table: menus, toolbars and shortcuts are built from these.

    ``menu`` is "File", "Edit/Tools" (a submenu), ... or "" (shortcut only);
    ``toolbar`` is "main", "tools" or "". ``shortcut`` may list several, separated by "|".
    ``callback`` is a MainWindow method name (checkable actions: it reads the action's
    state from ``window.actions_by_id``) or a function called with the window first.
    ``group`` makes checkable exclusive groups.
    """

    id: str
    title: str
    icon: str
    shortcut: str
    callback: str | Callable[..., Any]
    menu: str
    toolbar: str = ""
    checkable: bool = False
    group: str = ""
    arg: Any = None
    toggled: bool = False  # callback(checked) on every toggle, programmatic ones too


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("file.new", "&New…", "new", "Ctrl+N", "new_document", "File", "main"),
    ActionSpec("file.open", "&Open…", "open", "Ctrl+O", "open_dialog", "File", "main"),
    ActionSpec("file.save", "&Save", "save", "Ctrl+S", "save", "File", "main"),
    ActionSpec("file.save_as", "Save &As…", "save-as", "Ctrl+Shift+S", "save_as", "File"),
    ActionSpec("file.export", "&Export Flattened…", "export", "Ctrl+Shift+E", "export", "File"),
    ActionSpec("file.close", "&Close", "close", "Ctrl+W", "close_current", "File"),
    ActionSpec("file.quit", "&Quit", "quit", "Ctrl+Q", "close", "File"),
    ActionSpec("edit.undo", "&Undo", "undo", "Ctrl+Z", "undo", "Edit", "main"),
    ActionSpec("edit.redo", "&Redo", "redo", "Ctrl+Shift+Z|Ctrl+Y", "redo", "Edit", "main"),
    ActionSpec("edit.cut", "Cu&t", "cut", "Ctrl+X", "edit_cut", "Edit"),
    ActionSpec("edit.copy", "&Copy", "copy", "Ctrl+C", "edit_copy", "Edit"),
    ActionSpec("edit.copy_merged", "Copy &Merged", "", "Ctrl+Shift+C", "edit_copy_merged",
               "Edit"),
    ActionSpec("edit.paste", "&Paste", "paste", "Ctrl+V", "edit_paste", "Edit"),
    # "file.new…" ids stay enabled with no image open: a paste can make the first one.
    ActionSpec("file.new_from_clipboard", "Paste as New &Image", "", "Ctrl+Shift+V",
               "edit_paste_new_image", "Edit"),
    ActionSpec("edit.clear", "Cl&ear", "", "Delete", "edit_clear", "Edit"),
    ActionSpec("edit.transform", "Free &Transform", "transform", "Ctrl+T", "edit_transform",
               "Edit"),
    *(ActionSpec(f"tool.{t.id}", t.title, t.icon, t.shortcut, "set_tool", "Edit/Tools", "tools",
                 checkable=True, group="tools", arg=t.id) for t in TOOLS),
    ActionSpec("tool.smaller", "Smaller Brush", "", "[", "brush_smaller", "Edit/Tools"),
    ActionSpec("tool.bigger", "Bigger Brush", "", "]", "brush_bigger", "Edit/Tools"),
    ActionSpec("edit.models", "&Models…", "models", "", "manage_models", "Edit"),
    ActionSpec("edit.preferences", "Pr&eferences…", "options", "", "edit_preferences", "Edit"),
    ActionSpec("image.flatten", "&Flatten Image", "flatten", "", "flatten", "Image"),
    ActionSpec("image.crop", "&Crop to Selection", "crop", "", "crop_to_selection", "Image"),
    ActionSpec("image.resize", "&Scale Image…", "", "", "resize_image", "Image"),
    ActionSpec("image.canvas", "Canvas Si&ze…", "", "", "resize_canvas", "Image"),
    # Whole-image rotate/flip: id image.<callback>, icon <callback> with dashes.
    *(ActionSpec(f"image.{cb}", title, cb.replace("_", "-"), "", cb, "Image") for cb, title in (
        ("rotate_cw", "Rotate 90° &Clockwise"), ("rotate_ccw", "Rotate 90° Counter-clock&wise"),
        ("rotate_180", "Rotate &180°"), ("flip_horizontal", "Flip &Horizontal"),
        ("flip_vertical", "Flip &Vertical"))),
    *(ActionSpec(f"image.adjust.{kind}", title, "", keys, _open_adjustment, "Image/Adjustments",
                 arg=kind) for kind, title, keys in ADJUSTMENT_ACTIONS),
    ActionSpec("layer.new", "&New Layer", "layer-add", "Ctrl+Shift+N", "layer_new", "Layer"),
    ActionSpec("layer.duplicate", "&Duplicate Layer", "layer-duplicate", "Ctrl+J",
               "layer_duplicate", "Layer"),
    ActionSpec("layer.delete", "De&lete Layer", "layer-delete", "", "layer_delete", "Layer"),
    ActionSpec("layer.merge", "&Merge Down", "layer-merge", "Ctrl+E", "layer_merge", "Layer"),
    ActionSpec("layer.raise", "&Raise Layer", "layer-up", "Ctrl+]", "layer_raise", "Layer"),
    ActionSpec("layer.lower", "L&ower Layer", "layer-down", "Ctrl+[", "layer_lower", "Layer"),
    ActionSpec("layer.from_selection", "Layer from &Selection", "", "", "layer_from_selection",
               "Layer"),
    ActionSpec("layer.add_mask", "Add Layer &Mask", "", "", "layer_add_mask", "Layer"),
    ActionSpec("layer.mask_from_sel", "Add Layer Mask from Selection", "", "",
               "layer_mask_from_selection", "Layer"),
    ActionSpec("layer.remove_mask", "Remove Layer Mask", "", "", "layer_remove_mask", "Layer"),
    ActionSpec("select.all", "Select &All", "select-all", "Ctrl+A", "select_all", "Select"),
    ActionSpec("select.none", "Select &None", "select-none", "Ctrl+Shift+A|Ctrl+D",
               "select_none", "Select"),
    ActionSpec("select.invert", "&Invert Selection", "select-invert", "Ctrl+I",
               "select_invert", "Select"),
    ActionSpec("select.feather", "&Feather…", "", "", "select_feather", "Select"),
    ActionSpec("select.grow", "&Grow…", "", "", "select_grow", "Select"),
    ActionSpec("select.shrink", "S&hrink…", "", "", "select_shrink", "Select"),
    ActionSpec("select.ai_from_sel", "AI Mask from Selection", "mask-from-selection", "",
               "ai_mask_from_selection", "Select"),
    ActionSpec("select.sel_from_ai", "Selection from AI Mask", "", "", "selection_from_ai_mask",
               "Select"),
    ActionSpec("select.clear_ai", "&Clear AI Mask", "mask-clear", "", "clear_ai_mask", "Select"),
    ActionSpec("view.zoom_in", "Zoom &In", "zoom-in", "Ctrl++|Ctrl+=|+", "zoom_in", "View",
               "main"),
    ActionSpec("view.zoom_out", "Zoom &Out", "zoom-out", "Ctrl+-|-", "zoom_out", "View", "main"),
    ActionSpec("view.fit", "&Fit to Window", "zoom-fit", "Ctrl+0", "zoom_fit", "View", "main"),
    ActionSpec("view.actual", "&Actual Pixels (100%)", "zoom-100", "Ctrl+1", "zoom_actual",
               "View", "main"),
    ActionSpec("view.ai_mask", "Show AI &Mask", "", "Ctrl+H", "toggle_ai_mask", "View",
               checkable=True),
    ActionSpec("view.compare", "Compare Before/After (hold \\)", "", "", "toggle_compare",
               "View", checkable=True, toggled=True),
    ActionSpec("help.shortcuts", "&Keyboard Shortcuts", "keyboard", "", "show_shortcuts", "Help"),
    ActionSpec("help.about", "&About Retouch", "about", "", "about", "Help"),
)

MENUS = ("File", "Edit", "Image", "Layer", "Select", "Filter", "View", "Help")


def build_actions(self: MainWindow) -> None:
    """Menus, toolbars and shortcuts of ``self`` from :data:`ACTIONS`."""
    menus: dict[str, QMenu] = {}
    self.menus = menus
    bar = self.menuBar()
    for name in MENUS:
        menus[name] = bar.addMenu("&" + name)
    self.main_toolbar = QToolBar("Main")
    self.main_toolbar.setObjectName("toolbar-main")
    self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.main_toolbar)
    self.tools_toolbar = QToolBar("Tools")
    self.tools_toolbar.setObjectName("toolbar-tools")
    self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, self.tools_toolbar)
    groups: dict[str, QActionGroup] = {}
    self.recent_menu = QMenu("Open &Recent", self)
    for spec in ACTIONS:
        act = QAction(spec.title, self)
        act.setObjectName(spec.id)
        if spec.icon:
            act.setIcon(icon(spec.icon))
        if spec.shortcut:
            act.setShortcuts([QKeySequence(s) for s in spec.shortcut.split("|")])
            tip = spec.title.replace("&", "").rstrip("…")
            act.setToolTip(f"{tip} ({spec.shortcut.split('|')[0]})")
        act.setCheckable(spec.checkable)
        if spec.group:
            groups.setdefault(spec.group, QActionGroup(self)).addAction(act)
        method = (partial(spec.callback, self) if callable(spec.callback)
                  else getattr(self, spec.callback))
        if spec.toggled:
            act.toggled.connect(lambda on, m=method: m(on))
        elif spec.arg is not None:
            act.triggered.connect(lambda _=False, m=method, a=spec.arg: m(a))
        else:
            act.triggered.connect(lambda _=False, m=method: m())
        self.addAction(act)  # shortcuts work even with menus hidden
        self.actions_by_id[spec.id] = act
        if spec.menu:
            top, _, sub = spec.menu.partition("/")
            menu = menus[top]
            if sub:
                key = spec.menu
                if key not in menus:
                    menus[key] = menu.addMenu("&" + sub)
                menu = menus[key]
            menu.addAction(act)
            if spec.id == "file.open":
                menu.addMenu(self.recent_menu)
            if spec.id in ("file.open", "file.export", "edit.redo", "edit.models",
                           "layer.delete", "image.canvas", "edit.clear", "edit.transform",
                           "layer.lower", "select.shrink", "view.actual"):
                menu.addSeparator()
        if spec.toolbar == "main":
            self.main_toolbar.addAction(act)
            if spec.id in ("file.save", "edit.redo"):
                self.main_toolbar.addSeparator()
        elif spec.toolbar == "tools":
            self.tools_toolbar.addAction(act)
    self.filter_menu = menus["Filter"]
    self.filter_menu.aboutToShow.connect(lambda: rebuild_filter_menu(self))
    rebuild_filter_menu(self)
    self.view_menu = menus["View"]
    self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
    self._rebuild_recent_menu()
    self.actions_by_id[f"tool.{self.tool_state.tool}"].setChecked(True)
    prefs = self.actions_by_id["edit.preferences"]
    prefs.setMenuRole(QAction.MenuRole.PreferencesRole)  # macOS: moved to the app menu
    prefs.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences))

def rebuild_filter_menu(self: MainWindow) -> None:
    """The Filter menu from :func:`editor.ui.filters.filters` (each time it opens)."""
    self.filter_menu.clear()
    doc = self.document
    group = None
    for f in filter_registry.filters():
        if group is not None and f.group != group:
            self.filter_menu.addSeparator()
        group = f.group
        act = self.filter_menu.addAction(icon(f.icon), f.title)
        act.setObjectName(f"filter.{f.id}")
        if f.tooltip:
            act.setToolTip(f.tooltip)
            act.setStatusTip(f.tooltip)
        enabled = doc is not None
        if f.needs_mask and doc is not None and not doc.ai_mask.any():
            enabled = False
        if f.needs_selection and doc is not None and not doc.selection.active:
            enabled = False
        act.setEnabled(enabled)
        act.triggered.connect(lambda _=False, cb=f.callback: run_filter(self, cb))
    self.filter_menu.setToolTipsVisible(True)

def run_filter(self: MainWindow, callback: Callable[[MainWindow], None]) -> None:
    try:
        callback(self)
    except Exception as exc:  # a broken filter entry must not take the editor down
        log.exception("filter failed")
        self.show_message(f"Filter failed: {exc}")
