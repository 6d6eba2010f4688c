"""The main window: tabs of documents, menus/toolbars from one action table, panels,
status bar, jobs, recent files, drag-and-drop, autosave and the unsaved-changes prompt."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QPointF, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QTabBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.document import Document, Event
from editor.jobs import JobHandle, JobRunner
from editor.ui import filters as filter_registry
from editor.ui.canvas import Canvas, ScrolledCanvas
from editor.ui.icons import icon
from editor.ui.panels import HistoryPanel, LayersPanel, ToolOptionsPanel
from editor.ui.tools import TOOLS, ToolState, sample_color

log = logging.getLogger(__name__)

MAX_RECENT = 10
PROGRESS_WIDTH = 320  # the job bar in the status bar: room for a job name and its stage
PROGRESS_TEXT_MARGIN = 12  # room the style keeps around the bar's text
OPEN_FILTER = ("Images and projects (*.ora *.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif);;"
               "All files (*)")
SAVE_FILTER = ("OpenRaster project (*.ora);;PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp);;"
               "TIFF (*.tif *.tiff);;BMP (*.bmp)")


def _filter_suffix(name_filter: str) -> str:
    """".png" for "PNG (*.png)"; ".ora" when the filter names no pattern."""
    start = name_filter.find("*.")
    if start < 0:
        return ".ora"
    end = min((i for i in (name_filter.find(c, start) for c in " )") if i > 0),
              default=len(name_filter))
    return name_filter[start + 1:end]


def _can_write(path: str) -> bool:
    """Whether Save can write this file type (else Save goes through Save As)."""
    from editor.io import FileError
    from editor.io.images import format_for_path

    if Path(path).suffix.lower() == ".ora":
        return True
    try:
        format_for_path(path)
    except FileError:
        return False
    return True


@dataclass(frozen=True)
class ActionSpec:
    """One row of the action table: menus, toolbars and shortcuts are built from these.

    ``menu`` is "File", "Edit/Tools" (a submenu), ... or "" (shortcut only);
    ``toolbar`` is "main", "tools" or "". ``shortcut`` may list several, separated by "|".
    ``callback`` is a MainWindow method name. ``group`` makes checkable exclusive groups.
    """

    id: str
    title: str
    icon: str
    shortcut: str
    callback: str
    menu: str
    toolbar: str = ""
    checkable: bool = False
    group: str = ""
    arg: Any = None


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
    ActionSpec("select.feather", "&Feather 4 px", "", "", "select_feather", "Select"),
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
    ActionSpec("help.shortcuts", "&Keyboard Shortcuts", "", "", "show_shortcuts", "Help"),
    ActionSpec("help.about", "&About Retouch", "about", "", "about", "Help"),
)

MENUS = ("File", "Edit", "Image", "Layer", "Select", "Filter", "View", "Help")

PREFERRED_SIZE = QSize(1400, 900)
# Bump when docks or toolbars are added, renamed or removed: restoreState() then ignores a
# layout saved by an older version instead of half-applying it.
LAYOUT_VERSION = 1
# resize() sets the client area; the frame and title bar the window manager adds come on
# top of it, so leave room for them or the window's bottom edge ends up off-screen.
FRAME_ALLOWANCE = QSize(16, 48)


def initial_geometry(available: QRect, preferred: QSize = PREFERRED_SIZE) -> QRect:
    """Where the window first opens: the preferred size shrunk to the screen's available
    area (less the frame), centred on it, as Krita and GIMP do on a first start."""
    w = max(320, min(preferred.width(), available.width() - FRAME_ALLOWANCE.width()))
    h = max(240, min(preferred.height(), available.height() - FRAME_ALLOWANCE.height()))
    x = available.x() + max(0, (available.width() - w - FRAME_ALLOWANCE.width()) // 2)
    y = available.y() + max(0, (available.height() - h - FRAME_ALLOWANCE.height()) // 2)
    return QRect(x, y, w, h)


def on_a_screen(rect: QRect, screens: list[QRect] | None = None) -> bool:
    """Whether a window at ``rect`` is usable: its top edge (the title bar) lies within
    a screen's available area, and so does at least half of the window."""
    if screens is None:
        screens = [s.availableGeometry() for s in QGuiApplication.screens()]
    for avail in screens:
        common = avail.intersected(rect)
        title_reachable = avail.top() <= rect.top() <= avail.bottom() - 16
        if title_reachable and 2 * common.width() * common.height() >= rect.width() * rect.height():
            return True
    return False


class DocumentView(QWidget):
    """One tab: a document, its canvas, where it lives on disk, and its autosave key."""

    def __init__(self, doc: Document, tool_state: ToolState, path: str | None,
                 title: str | None) -> None:
        super().__init__()
        self.document = doc
        self.path = path
        self.title = title or (Path(path).name if path else "Untitled")
        self.autosave_key = uuid.uuid4().hex[:12]
        self.canvas = Canvas(doc, tool_state)
        self.scroller = ScrolledCanvas(self.canvas, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroller)

    @property
    def dirty(self) -> bool:
        return not self.document.undo.is_clean


class MainWindow(QMainWindow):
    """The editor window. See :mod:`editor.ui` for the API other modules use."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Retouch")
        self.setAcceptDrops(True)
        self.tool_state = ToolState(self)
        self.jobs = JobRunner(self)
        self.device: str | None = None  # torch device string, known after detect_device()
        from editor.ui.preferences import Preferences

        self.preferences = Preferences.load(self.settings())
        if self.device_choice()[0] == "cpu":
            self.device = "cpu"  # no torch needed to know that
        self._job_views: dict[int, tuple[JobHandle, DocumentView]] = {}
        self._job_t0: dict[int, float] = {}
        self._bound: Document | None = None
        self.actions_by_id: dict[str, QAction] = {}

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(lambda i: self.close_view(self.tabs.widget(i)))
        self.tabs.currentChanged.connect(lambda _i: self._bind_current())
        self.empty_hint = QLabel("Drop images here, or File ▸ Open (Ctrl+O)")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setStyleSheet("color: #888; font-size: 16px")
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.tabs)
        cl.addWidget(self.empty_hint)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_panels()
        self._build_status()
        self.tool_state.changed.connect(self._tool_changed)
        self.jobs.started.connect(self._job_started)
        self.jobs.progress.connect(self._job_progress)
        self.jobs.finished.connect(lambda job, _r: self._job_ended(job))
        self.jobs.failed.connect(lambda job, _m: self._job_ended(job))
        self.jobs.cancelled.connect(lambda job: self._job_ended(job))

        self._autosave_timer = QTimer(self)
        self._autosave_timer.timeout.connect(self.autosave)
        self._apply_autosave_interval()
        self._autosave_store = None
        self._bind_current()
        self.restore_layout()

    def place_on_screen(self) -> None:
        """Size and centre the window to fit its screen's available geometry."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:  # no screen at all (unusual platforms): Qt's default size
            self.resize(PREFERRED_SIZE)
            return
        geo = initial_geometry(screen.availableGeometry())
        self.resize(geo.size())
        self.move(geo.topLeft())

    # --- window geometry and dock layout, kept between sessions ---------------------

    @staticmethod
    def settings() -> QSettings:
        """The editor's settings file (``retouch.ini`` in the config dir, next to the
        recent-files list); INI so it is readable and the same on every platform."""
        from editor.paths import config_dir

        return QSettings(str(config_dir() / "retouch.ini"), QSettings.Format.IniFormat)

    def save_layout(self) -> None:
        """Remember the window's size, position and dock/toolbar layout (on close)."""
        s = self.settings()
        s.setValue("window/geometry", self.saveGeometry())
        # The same place in plain numbers, checked against the screens before restoring:
        # restoreGeometry() nudges an off-screen window only just inside the screen edge.
        s.setValue("window/normal", self.normalGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        s.sync()
        if s.status() != QSettings.Status.NoError:
            log.warning("could not write the window layout to %s", s.fileName())

    def restore_layout(self) -> bool:
        """Put the window and its docks where the last session left them; the first-start
        placement when nothing is saved or the saved place is off the screens there are
        now (a monitor that was unplugged, a bigger one that was). Returns whether the
        saved geometry was used."""
        s = self.settings()
        geometry, normal = s.value("window/geometry"), s.value("window/normal")
        restored = (isinstance(geometry, QByteArray) and not geometry.isEmpty()
                    and isinstance(normal, QRect) and on_a_screen(normal)
                    and self.restoreGeometry(geometry))
        if not restored:
            self.place_on_screen()
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, LAYOUT_VERSION)
        return restored

    # --- actions and menus ----------------------------------------------------------

    def _build_actions(self) -> None:
        menus: dict[str, QMenu] = {}
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
            if spec.icon:
                act.setIcon(icon(spec.icon))
            if spec.shortcut:
                act.setShortcuts([QKeySequence(s) for s in spec.shortcut.split("|")])
                tip = spec.title.replace("&", "").rstrip("…")
                act.setToolTip(f"{tip} ({spec.shortcut.split('|')[0]})")
            act.setCheckable(spec.checkable)
            if spec.group:
                groups.setdefault(spec.group, QActionGroup(self)).addAction(act)
            method = getattr(self, spec.callback)
            if spec.arg is not None:
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
                               "layer.delete",
                               "layer.lower", "select.feather", "view.actual"):
                    menu.addSeparator()
            if spec.toolbar == "main":
                self.main_toolbar.addAction(act)
                if spec.id in ("file.save", "edit.redo"):
                    self.main_toolbar.addSeparator()
            elif spec.toolbar == "tools":
                self.tools_toolbar.addAction(act)
        self.filter_menu = menus["Filter"]
        self.filter_menu.aboutToShow.connect(self._rebuild_filter_menu)
        self._rebuild_filter_menu()
        self.view_menu = menus["View"]
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        self._rebuild_recent_menu()
        self.actions_by_id[f"tool.{self.tool_state.tool}"].setChecked(True)
        prefs = self.actions_by_id["edit.preferences"]
        prefs.setMenuRole(QAction.MenuRole.PreferencesRole)  # macOS: moved to the app menu
        prefs.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences))

    def _rebuild_filter_menu(self) -> None:
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
            act.triggered.connect(lambda _=False, cb=f.callback: self._run_filter(cb))
        self.filter_menu.setToolTipsVisible(True)

    def _run_filter(self, callback: Callable[[MainWindow], None]) -> None:
        try:
            callback(self)
        except Exception as exc:  # a broken filter entry must not take the editor down
            log.exception("filter failed")
            self.show_message(f"Filter failed: {exc}")

    def _build_panels(self) -> None:
        self.layers_panel = LayersPanel()
        self.history_panel = HistoryPanel()
        self.options_panel = ToolOptionsPanel(self.tool_state)
        self.docks: dict[str, QDockWidget] = {}
        for key, title, widget, area in (
            ("options", "Tool Options", self.options_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("layers", "Layers", self.layers_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("history", "History", self.history_panel, Qt.DockWidgetArea.RightDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{key}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        self.view_menu.addSeparator()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.resizeDocks([self.docks["options"], self.docks["layers"], self.docks["history"]],
                         [170, 380, 200], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["layers"]], [300], Qt.Orientation.Horizontal)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.zoom_label = QLabel()
        self.zoom_label.setToolTip("Zoom: Ctrl+wheel, Ctrl+0 fit, Ctrl+1 actual pixels")
        self.cursor_label = QLabel()
        self.cursor_label.setMinimumWidth(200)
        self.cursor_label.setToolTip("Cursor position in image pixels, and the colour there")
        self.cursor_swatch = QLabel()
        self.cursor_swatch.setFixedSize(12, 12)
        self.cursor_swatch.hide()
        self.size_label = QLabel()
        self.size_label.setToolTip("Image size and bit depth")
        self.device_label = QLabel("CPU")
        self.device_label.setToolTip("Compute device for AI filters")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(PROGRESS_WIDTH)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setIcon(icon("cancel"))
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel_button.setToolTip("Cancel the running job")
        self.cancel_button.clicked.connect(self.cancel_job)
        def separator() -> QFrame:
            line = QFrame()
            line.setFrameShape(QFrame.Shape.VLine)
            line.setStyleSheet("color: #5a5a5a")
            return line

        # Separators around the document readouts hide with them when no image is open.
        self._doc_separators = (separator(), separator())
        for w in (self.progress, self.cancel_button, self.cursor_swatch, self.cursor_label,
                  self._doc_separators[0], self.size_label, self._doc_separators[1],
                  self.zoom_label, separator(), self.device_label):
            sb.addPermanentWidget(w)
        self.progress.hide()
        self.cancel_button.hide()

    def detect_device(self) -> None:
        """Resolve the compute device (``$RETOUCH_DEVICE``, else the preference, else
        auto) and show it in the status bar; imports torch, so call it after start-up."""
        choice, source = self.device_choice()
        try:
            from editor.jobs.engines import device_label, resolve_device

            self.device = resolve_device(choice)
            self.device_label.setText(device_label(self.device))
            self.device_label.setToolTip(f"Compute device for AI filters ({source}: {choice})")
        except Exception as exc:  # noqa: BLE001 - no ml/torch, a device that is not here
            self.device = "cpu"
            self.device_label.setText("CPU (fallback)")
            self.device_label.setToolTip(f"Compute device for AI filters: {exc}; using the CPU")
            self.show_message(f"Compute device: {exc}; AI filters use the CPU", 15000)

    def device_choice(self) -> tuple[str, str]:
        """(choice, where it comes from): ``$RETOUCH_DEVICE`` (also set by ``retouch
        --device``) when set, else the Preferences setting."""
        from editor.ui.preferences import ENV_VAR, env_device

        env = env_device()
        if env:
            return env, ENV_VAR
        return self.preferences.device, "Edit ▸ Preferences"

    def compute_device(self) -> str:
        """The device string AI jobs get: the resolved device, or "auto" (resolved by the
        worker) while detect_device() has not run yet."""
        return self.device or "auto"

    def edit_preferences(self) -> None:
        """Edit ▸ Preferences…: device, undo history, autosave (applied on OK)."""
        from editor.jobs.engines import device_availability
        from editor.ui.preferences import PreferencesDialog

        dlg = PreferencesDialog(self.preferences, device_availability(),
                                current_device=self.device_label.text(), parent=self)
        if dlg.exec():
            self.apply_preferences(dlg.values())

    def apply_preferences(self, prefs) -> None:
        """Store ``prefs`` in retouch.ini and apply them: the device (status bar and the
        next AI job), the undo limit of every open document, the autosave interval."""
        old, self.preferences = self.preferences, prefs
        prefs.save(self.settings())
        for v in self.views():
            v.document.undo.limit = prefs.undo_limit
        self._apply_autosave_interval()
        if prefs.device != old.device:
            self.device = None
            self.detect_device()

    def _apply_autosave_interval(self) -> None:
        minutes = self.preferences.autosave_minutes
        if minutes <= 0:
            self._autosave_timer.stop()
        else:
            self._autosave_timer.start(minutes * 60 * 1000)

    # --- documents and tabs ---------------------------------------------------------

    @property
    def view(self) -> DocumentView | None:
        w = self.tabs.currentWidget()
        return w if isinstance(w, DocumentView) else None

    @property
    def document(self) -> Document | None:
        v = self.view
        return v.document if v is not None else None

    @property
    def canvas(self) -> Canvas | None:
        v = self.view
        return v.canvas if v is not None else None

    def views(self) -> list[DocumentView]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def add_document(self, doc: Document, path: str | None = None,
                     title: str | None = None) -> DocumentView:
        doc.undo.limit = self.preferences.undo_limit
        view = DocumentView(doc, self.tool_state, path, title)
        view.canvas.view_changed.connect(self._update_zoom_label)
        view.canvas.cursor_moved.connect(self._update_cursor_label)
        view.canvas.message.connect(self.show_message)
        view.canvas.ai_mask_visibility_changed.connect(lambda _on: self._sync_ai_mask_action())
        doc.events.connect(lambda ev, v=view: self._doc_event(v, ev))
        index = self.tabs.addTab(view, view.title)
        # Fusion's own close glyph is an orange box on a dark theme; use the icon set.
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setIconSize(QSize(14, 14))
        close.setAutoRaise(True)
        close.setToolTip("Close (Ctrl+W)")
        close.clicked.connect(lambda _=False, v=view: self.close_view(v))
        self.tabs.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
        self.tabs.setCurrentWidget(view)
        self._update_tab_title(view)
        view.canvas.setFocus()
        return view

    def _bind_current(self) -> None:
        doc = self.document
        has = doc is not None
        self.tabs.setVisible(self.tabs.count() > 0)
        self.empty_hint.setVisible(self.tabs.count() == 0)
        if doc is not self._bound:
            self._bound = doc
            self.layers_panel.set_document(doc)
            self.history_panel.set_document(doc)
        for aid, act in self.actions_by_id.items():
            if not aid.startswith(("file.new", "file.open", "file.quit", "help.", "tool.",
                                   "edit.models", "edit.preferences")):
                act.setEnabled(has)
        self._update_history_actions()
        self._update_zoom_label()
        self._update_size_label()
        self._sync_ai_mask_action()
        for w in (*self._doc_separators, self.size_label, self.zoom_label):
            w.setVisible(has)
        v = self.view
        self.setWindowTitle(f"{v.title}{' *' if v.dirty else ''} — Retouch" if v else "Retouch")

    def _doc_event(self, view: DocumentView, ev: Event) -> None:
        if ev.kind == "history-changed":
            self._update_tab_title(view)
            if view is self.view:
                self._update_history_actions()
        elif ev.kind in ("size-changed", "depth-changed") and view is self.view:
            self._update_size_label()

    def _update_tab_title(self, view: DocumentView) -> None:
        i = self.tabs.indexOf(view)
        if i >= 0:
            self.tabs.setTabText(i, view.title + (" *" if view.dirty else ""))
            self.tabs.setTabToolTip(i, view.path or view.title)
        if view is self.view:
            self.setWindowTitle(f"{view.title}{' *' if view.dirty else ''} — Retouch")

    def toggle_ai_mask(self) -> None:
        """View ▸ Show AI Mask: the red overlay on or off (display only; an AI fill hides
        it so the result shows, painting the mask shows it again)."""
        c = self.canvas
        if c is not None:
            c.set_ai_mask_visible(self.actions_by_id["view.ai_mask"].isChecked())

    def _sync_ai_mask_action(self) -> None:
        c = self.canvas
        self.actions_by_id["view.ai_mask"].setChecked(c is None or c.ai_mask_visible)

    def _update_history_actions(self) -> None:
        doc = self.document
        undo, redo = self.actions_by_id["edit.undo"], self.actions_by_id["edit.redo"]
        undo.setEnabled(bool(doc and doc.undo.can_undo))
        redo.setEnabled(bool(doc and doc.undo.can_redo))
        undo.setText(f"&Undo {doc.undo.undo_text}" if doc and doc.undo.can_undo else "&Undo")
        redo.setText(f"&Redo {doc.undo.redo_text}" if doc and doc.undo.can_redo else "&Redo")

    def _update_zoom_label(self) -> None:
        c = self.canvas
        self.zoom_label.setText(f"{c.zoom * 100:.1f}%" if c else "")

    def _update_size_label(self) -> None:
        d = self.document
        self.size_label.setText(f"{d.width} × {d.height} px · {d.depth}-bit RGBA" if d else "")

    def _update_cursor_label(self, pos: QPointF | None) -> None:
        d = self.document
        if d is None or pos is None:
            self.cursor_label.setText("")
            self.cursor_swatch.hide()
            return
        x, y = int(np.floor(pos.x())), int(np.floor(pos.y()))
        c = sample_color(d, x, y)
        if c is None:
            self.cursor_label.setText(f"{x}, {y}")
            self.cursor_swatch.hide()
            return
        rgb = "#" + "".join(f"{round(v * 255):02x}" for v in c[:3])
        self.cursor_label.setText(f"{x}, {y}   {rgb}  α {round(c[3] * 100)}%")
        self.cursor_swatch.setStyleSheet(f"background: {rgb}; border: 1px solid #888")
        self.cursor_swatch.show()

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """A transient status-bar message (errors of expected kinds go here, not dialogs)."""
        self.statusBar().showMessage(text, timeout_ms)

    def show_error(self, text: str) -> None:
        """An error the user must see: status bar plus a non-blocking message box."""
        self.show_message(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Retouch", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- files ----------------------------------------------------------------------

    def open_paths(self, paths: list[str]) -> list[DocumentView]:
        from editor.io import FileError, open_document

        opened = []
        for p in paths:
            path = str(Path(p).expanduser().resolve())
            for v in self.views():  # already open: just show it
                if v.path == path:
                    self.tabs.setCurrentWidget(v)
                    break
            else:
                try:
                    doc = open_document(path)
                except FileError as exc:
                    self.show_error(str(exc))
                    continue
                except (OSError, ValueError, MemoryError) as exc:
                    self.show_error(f"{Path(path).name}: {exc}")
                    continue
                opened.append(self.add_document(doc, path))
                self.add_recent(path)
        return opened

    def new_document(self) -> None:
        from editor.ui.dialogs import SizeDialog

        dlg = SizeDialog("New Image", 1920, 1080, depth=8, parent=self)
        if dlg.exec():
            w, h, depth = dlg.values()
            doc = Document(w, h, depth)
            doc.add_layer("Background", pixels=np.ones((h, w, 4), np.float32))
            doc.undo.clear()
            doc.undo.set_clean()
            self.add_document(doc, None, "Untitled")

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open", self._last_dir(), OPEN_FILTER)
        if paths:
            self.open_paths(paths)

    def save(self) -> bool:
        v = self.view
        if v is None:
            return False
        if v.path is None or not _can_write(v.path):  # e.g. opened from a GIF
            return self.save_as()
        return self._save_to(v, v.path)

    def save_as(self) -> bool:
        v = self.view
        if v is None:
            return False
        start = v.path if v.path and _can_write(v.path) else str(
            Path(self._last_dir()) / (Path(v.title).stem + ".ora"))
        path, chosen = QFileDialog.getSaveFileName(self, "Save As", start, SAVE_FILTER)
        if not path:
            return False
        if not Path(path).suffix:  # "photo" → the chosen type's extension, as GIMP/Krita do
            path += _filter_suffix(chosen)
        return self._save_to(v, path)

    def ask_flatten(self, v: DocumentView, path: str, lost: list[str]) -> str:
        """A file type that cannot hold the document: "ora" (save a project instead),
        "flatten" (write it anyway) or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Save",
                          f"{Path(path).name} is a flat image and cannot keep "
                          f"{', '.join(lost)}.\n\nSave as an OpenRaster project (.ora) to "
                          "keep everything, or flatten it into this file?",
                          QMessageBox.StandardButton.NoButton, self)
        ora = box.addButton("Save as .ora…", QMessageBox.ButtonRole.AcceptRole)
        flat = box.addButton(f"Flatten into {Path(path).suffix.lstrip('.').upper()}",
                             QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(ora)
        box.exec()
        clicked = box.clickedButton()
        return "ora" if clicked is ora else "flatten" if clicked is flat else "cancel"

    def _save_to(self, v: DocumentView, path: str) -> bool:
        from editor.io import FileError, flatten_losses, save_document

        if v.document.stroke_active:
            v.document.end_stroke()
        try:
            lost = flatten_losses(v.document, path)
        except FileError as exc:
            self.show_error(str(exc))
            return False
        if lost:
            answer = self.ask_flatten(v, path, lost)
            if answer == "cancel":
                return False
            if answer == "ora":
                start = str(Path(path).with_suffix(".ora"))
                new, _ = QFileDialog.getSaveFileName(self, "Save As", start, SAVE_FILTER)
                if not new:
                    return False
                return self._save_to(v, new if Path(new).suffix else new + ".ora")
        try:
            save_document(v.document, path)
        except (FileError, OSError, ValueError) as exc:
            self.show_error(str(exc))
            return False
        v.path = path
        v.title = Path(path).name
        v.document.undo.set_clean()
        self._update_tab_title(v)
        self.add_recent(path)
        self._autosave().discard_key(v.autosave_key)
        note = " (flattened)" if lost else ""
        self.show_message(f"Saved {Path(path).name}{note}")
        return True

    def export(self) -> None:
        from editor.io import FileError, export_image

        v = self.view
        if v is None:
            return
        start = str(Path(self._last_dir()) / (Path(v.title).stem + ".png"))
        path, _ = QFileDialog.getSaveFileName(self, "Export Flattened", start, SAVE_FILTER)
        if not path:
            return
        try:
            export_image(v.document, path)
        except (FileError, OSError, ValueError) as exc:
            self.show_error(str(exc))
            return
        self.show_message(f"Exported {Path(path).name}")

    # recent files live in a small JSON next to the other settings
    def _recent_file(self) -> Path:
        from editor.paths import config_dir

        return config_dir() / "recent.json"

    def recent_files(self) -> list[str]:
        try:
            data = json.loads(self._recent_file().read_text("utf-8"))
            return [str(p) for p in data if isinstance(p, str)][:MAX_RECENT]
        except (OSError, ValueError):
            return []

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent_files() if p != path]
        try:
            from editor.io import atomic_write

            data = json.dumps(items[:MAX_RECENT], indent=1).encode()
            atomic_write(self._recent_file(), lambda f: f.write(data))
        except Exception as exc:  # noqa: BLE001 - recent files are a convenience
            log.warning("could not write recent files: %s", exc)

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self.recent_files()
        for p in items:
            act = self.recent_menu.addAction(Path(p).name)
            act.setToolTip(p)
            act.triggered.connect(lambda _=False, path=p: self.open_paths([path]))
        self.recent_menu.setEnabled(bool(items))

    def _last_dir(self) -> str:
        items = self.recent_files()
        return str(Path(items[0]).parent) if items else str(Path.home())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # --- closing, autosave, recovery ------------------------------------------------

    def ask_unsaved(self, view: DocumentView) -> str:
        """"save" | "discard" | "cancel" — the usual three-button prompt."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save changes to “{view.title}” before closing?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(
                    QMessageBox.StandardButton(answer), "cancel")

    def close_view(self, view: DocumentView | None, ask: bool = True) -> bool:
        if view is None:
            return True
        if ask and view.dirty:
            self.tabs.setCurrentWidget(view)
            answer = self.ask_unsaved(view)
            if answer == "cancel" or (answer == "save" and not self.save()):
                return False
        for job, v in list(self._job_views.values()):
            if v is view:  # running or queued work for a closed document is pointless
                job.cancel()
        view.canvas.detach()
        self._autosave().discard_key(view.autosave_key)
        self.tabs.removeTab(self.tabs.indexOf(view))
        view.deleteLater()
        self._bind_current()
        return True

    def close_current(self) -> None:
        self.close_view(self.view)

    def closeEvent(self, event: QCloseEvent) -> None:
        for view in self.views():
            if view.dirty:
                self.tabs.setCurrentWidget(view)
                answer = self.ask_unsaved(view)
                if answer == "cancel" or (answer == "save" and not self.save()):
                    event.ignore()
                    return
        self.save_layout()
        for view in self.views():
            self.close_view(view, ask=False)
        self.jobs.shutdown()
        event.accept()

    def _autosave(self):
        if self._autosave_store is None:
            from editor.io import AutosaveStore

            self._autosave_store = AutosaveStore()
        return self._autosave_store

    def autosave(self) -> int:
        """Snapshot every document with unsaved changes; returns how many were written."""
        n = 0
        for v in self.views():
            if v.dirty and not v.document.stroke_active:
                try:
                    self._autosave().save(v.document, v.autosave_key, original_path=v.path,
                                          title=v.title)
                    n += 1
                except Exception as exc:  # noqa: BLE001 - autosave must never interrupt work
                    log.warning("autosave of %s failed: %s", v.title, exc)
        if n:
            self.show_message(f"Autosaved {n} document{'s' if n > 1 else ''}", 3000)
        return n

    def offer_recovery(self) -> int:
        """On start: offer documents left by a crashed session. Returns how many opened."""
        try:
            entries = self._autosave().pending()
        except Exception as exc:  # noqa: BLE001 - a damaged store must not block start-up
            log.warning("could not read autosaves: %s", exc)
            return 0
        if not entries:
            return 0
        names = "\n".join(f"• {e.title or e.key}" for e in entries[:10])
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          f"Retouch found unsaved work from an earlier session:\n\n{names}\n\n"
                          "Recover it?", QMessageBox.StandardButton.NoButton, self)
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        n = 0
        for e in entries:
            if clicked is recover:
                try:
                    doc = self._autosave().load(e)
                except Exception as exc:  # noqa: BLE001 - report it, recover the rest
                    self.show_error(f"Could not recover {e.title or e.key}: {exc}")
                    continue
                view = self.add_document(doc, None, f"{e.title or 'Untitled'} (recovered)")
                # Unsaved until the user saves it: closing asks, and the autosave stays
                # until then (a recovered document closed unasked would be lost again).
                view.document.undo.set_unsaved()
                view.autosave_key = e.key
                n += 1
            elif clicked is discard:
                self._autosave().discard(e)
        return n

    # --- jobs -----------------------------------------------------------------------

    def submit_job(self, request: Any, run: Callable[[Any, Any], Any], title: str,
                   apply: Callable[[Any], None], key: str | None = None, *,
                   on_progress: Callable[[Any], None] | None = None) -> JobHandle:
        """Run ``run(request, ctx)`` in the background; ``apply(result)`` on the GUI thread
        if the tab is still open. Errors and cancels only show a status message.

        ``on_progress(Progress)`` (optional) also gets each report on the GUI thread, e.g.
        to show ``Progress.preview`` in a dialog; the status bar shows progress anyway."""
        view = self.view
        # Until detect_device() has run, the worker resolves "auto" itself: importing
        # torch takes seconds and must not happen on the GUI thread.
        device = self.compute_device()

        def done(result: Any) -> None:
            self._job_views.pop(job.id, None)
            if view is None or self.tabs.indexOf(view) < 0:
                self.show_message(f"{title}: result dropped, the document was closed")
                return
            try:
                apply(result)
            except Exception as exc:  # e.g. the target layer was deleted meanwhile
                log.exception("applying %s failed", title)
                self.show_message(f"{title} could not be applied: {exc}")
                return
            secs = time.monotonic() - self._job_t0.pop(job.id, time.monotonic())
            self.show_message(f"{title} done in {secs:.1f} s")

        def error(message: str) -> None:
            self._job_views.pop(job.id, None)
            self.show_message(f"{title} failed: {message}", 15000)

        def cancelled() -> None:
            self._job_views.pop(job.id, None)
            self.show_message(f"{title} cancelled; the document is unchanged")

        job = self.jobs.submit(request, run, key=key, title=title, device=device,
                               on_done=done, on_error=error, on_cancelled=cancelled,
                               on_progress=on_progress)
        if view is not None and not job.finished:
            self._job_views[job.id] = (job, view)
        if self.jobs.current is not None and self.jobs.current is not job:
            self.show_message(f"{title} queued behind {self.jobs.current.title}")
        return job

    def cancel_job(self) -> None:
        job = self.jobs.current
        if job is not None:
            job.cancel()
            self.progress.setFormat("Cancelling…")

    def _job_started(self, job: JobHandle) -> None:
        self._job_t0[job.id] = time.monotonic()
        self._show_job_progress(job, 0.0)
        self.progress.show()
        self.cancel_button.show()

    def _job_progress(self, job: JobHandle, p) -> None:
        self._show_job_progress(job, p.fraction, p.stage)

    def _show_job_progress(self, job: JobHandle, fraction: float, stage: str = "") -> None:
        """"<job>: <stage> 50% (+1 queued)" on one line of the bar, the job name shortened
        with "…" first when it does not fit; the whole text in the tooltip."""
        self.progress.setValue(round(fraction * 1000))
        queued = self.jobs.pending_count
        tail = f"{round(fraction * 100)}%" + (f" (+{queued} queued)" if queued else "")
        sep, tail = (": ", f"{stage} {tail}") if stage else (" ", tail)
        full = job.title + sep + tail
        fm = self.progress.fontMetrics()
        room = self.progress.width() - PROGRESS_TEXT_MARGIN
        text = full
        if fm.horizontalAdvance(full) > room:
            name_room = room - fm.horizontalAdvance(sep + tail)
            if name_room >= fm.horizontalAdvance(job.title[:4] + "…"):
                text = fm.elidedText(job.title, Qt.TextElideMode.ElideRight, name_room) + sep + tail
            else:  # even the stage does not fit: keep what fits from the start
                text = fm.elidedText(full, Qt.TextElideMode.ElideRight, room)
        self.progress.setFormat(text)  # no %p/%v/%m left for Qt to substitute
        self.progress.setToolTip(full)

    def _job_ended(self, job: JobHandle) -> None:
        # Superseded jobs get no callback: forget them here.
        self._job_views.pop(job.id, None)
        self._job_t0.pop(job.id, None)
        if not self.jobs.busy:
            self.progress.setToolTip("")
            self.progress.hide()
            self.cancel_button.hide()

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

    def select_feather(self) -> None:
        self._guard(lambda d: d.selection.feather(4), "Feather")

    def ai_mask_from_selection(self) -> None:
        self._guard(lambda d: d.set_ai_mask(d.selection.to_mask(), "AI mask from selection"))

    def selection_from_ai_mask(self) -> None:
        self._guard(lambda d: d.selection.set_mask(d.ai_mask.copy(), text="Selection from AI mask"))

    def clear_ai_mask(self) -> None:
        self._guard(lambda d: d.clear_ai_mask())

    def zoom_in(self) -> None:
        if self.canvas:
            self.canvas.zoom_in()

    def zoom_out(self) -> None:
        if self.canvas:
            self.canvas.zoom_out()

    def zoom_fit(self) -> None:
        if self.canvas:
            self.canvas.fit()

    def zoom_actual(self) -> None:
        if self.canvas:
            self.canvas.actual_size()

    def manage_models(self) -> None:
        from editor.ui.models_dialog import open_models_dialog

        open_models_dialog(self)

    def show_shortcuts(self) -> None:
        rows = [f"{s.title.replace('&', '').rstrip('…'):<28} {s.shortcut.replace('|', ', ')}"
                for s in ACTIONS if s.shortcut]
        rows += ["Pan                          Space+drag, middle button",
                 "Zoom                         Ctrl+wheel",
                 "Mask brush: subtract         Alt+drag",
                 "Selection: add / subtract    Shift / Alt while dragging"]
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "\n".join(rows),
                          QMessageBox.StandardButton.Ok, self)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    def about(self) -> None:
        QMessageBox.about(self, "About Retouch",
                          "Retouch — an offline, layer-based image editor whose AI tools run "
                          "on your own machine.\n\nCompute device: " + self.device_label.text()
                          + f"\nPID {os.getpid()}")
