"""The main window: tabs of documents, panels (docks from :mod:`editor.ui.docks`), the
status bar, the compute device and preferences, and the unsaved-changes prompt.

Its other parts live next to it: the action table and menus (:mod:`editor.ui.actions`),
files and recent files (:mod:`editor.ui.files`), autosave and recovery
(:mod:`editor.ui.autosave_ui`), the command slots (:mod:`editor.ui.window_commands`) and
the one submit path of every job with the status bar's progress and Cancel
(:mod:`editor.ui.jobs_controller`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QPointF, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QTabBar,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.document import Document, Event
from editor.jobs import JobHandle, JobRunner
from editor.ui import compare
from editor.ui.actions import ACTIONS, MENUS, ActionSpec, build_actions
from editor.ui.autosave_ui import AutosaveMixin
from editor.ui.canvas import Canvas, ScrolledCanvas
from editor.ui.docks import AREAS, docks
from editor.ui.files import OPEN_FILTER, SAVE_FILTER, FilesMixin, _can_write, _filter_suffix
from editor.ui.icons import icon
from editor.ui.jobs_controller import JobsController
from editor.ui.tools import ToolState, sample_color
from editor.ui.window_commands import CommandsMixin

__all__ = ["ACTIONS", "FRAME_ALLOWANCE", "MENUS", "OPEN_FILTER", "PREFERRED_SIZE",
           "SAVE_FILTER", "ActionSpec", "DocumentView", "MainWindow", "_can_write",
           "_filter_suffix", "initial_geometry", "on_a_screen"]

log = logging.getLogger(__name__)

PROGRESS_WIDTH = 320  # the job bar in the status bar: room for a job name and its stage

PREFERRED_SIZE = QSize(1400, 900)
# Bump when docks or toolbars are added, renamed or removed: restoreState() then ignores a
# layout saved by an older version instead of half-applying it.
LAYOUT_VERSION = 3  # 3: Histogram and Navigator docks
#: View ▸ Show AI Mask (the red overlay with every tool), kept between sessions
AI_MASK_SETTING = "view/show_ai_mask"
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


class MainWindow(FilesMixin, AutosaveMixin, CommandsMixin, QMainWindow):
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

        build_actions(self)
        self._build_panels()
        self._build_status()
        self.jobs_controller = JobsController(self)
        compare.bind_compare_key(self)
        self.tool_state.changed.connect(self._tool_changed)

        self._autosave_timer = QTimer(self)
        self._autosave_timer.timeout.connect(self.autosave)
        self._apply_autosave_interval()
        self._autosave_store = None
        show_mask = self.actions_by_id["view.ai_mask"]
        show_mask.setStatusTip("Show the red AI mask with every tool (it always shows while "
                               "the Mask Brush paints it or a dialog uses it)")
        show_mask.setChecked(str(self.settings().value(AI_MASK_SETTING, False)).lower()
                             == "true")
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

    # --- docks -----------------------------------------------------------------------

    def _build_panels(self) -> None:
        """One dock per registered :class:`editor.ui.docks.DockSpec`, in order."""
        self.docks: dict[str, QDockWidget] = {}
        sized: dict[str, tuple[list[QDockWidget], list[int]]] = {}
        for spec in docks():
            dock = QDockWidget(spec.title, self)
            dock.setObjectName(f"dock-{spec.id}")
            dock.setWidget(spec.factory(self))
            self.addDockWidget(AREAS[spec.area], dock)
            self.docks[spec.id] = dock
            if spec.tab_with in self.docks:
                # the latent panel's preview and sliders need a full slot, not a sliver
                self.tabifyDockWidget(self.docks[spec.tab_with], dock)
                continue
            if spec.height:
                column = sized.setdefault(spec.area, ([], []))
                column[0].append(dock)
                column[1].append(spec.height)
        self.layers_panel = self.docks["layers"].widget()
        self.history_panel = self.docks["history"].widget()
        self.options_panel = self.docks["options"].widget()
        self.view_menu.addSeparator()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        for column, heights in sized.values():
            self.resizeDocks(column, heights, Qt.Orientation.Vertical)
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
        view.canvas.set_ai_mask_pinned(self.actions_by_id["view.ai_mask"].isChecked())
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
        """View ▸ Show AI Mask: the red overlay with every tool, in every tab, kept in
        retouch.ini. Off, it shows only while the Mask Brush works on the AI mask or a
        dialog uses it (the one rule: :mod:`editor.ui.mask_overlay`)."""
        on = self.actions_by_id["view.ai_mask"].isChecked()
        for view in self.views():
            view.canvas.set_ai_mask_pinned(on)
        self.settings().setValue(AI_MASK_SETTING, on)

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
        alpha = f"α {round(c[3] * 100)}%"
        if d.max_value > 255:  # the document's own 16-bit values, then the 8-bit hex
            values = ", ".join(str(round(v * d.max_value)) for v in c[:3])
            self.cursor_label.setText(f"{x}, {y}   {d.depth}-bit {values}  ({rgb})  {alpha}")
        else:
            self.cursor_label.setText(f"{x}, {y}   {rgb}  {alpha}")
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
        # running or queued work for a closed document is pointless
        self.jobs_controller.cancel_for(view)
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

    # --- jobs: one submit path (editor.ui.jobs_controller) ------------------------

    def submit_job(self, request: Any, run: Callable[[Any, Any], Any], title: str,
                   apply: Callable[[Any], None] | None = None, key: str | None = None,
                   **options: Any) -> JobHandle:
        """Every job of the program starts here: :meth:`JobsController.submit` (lane,
        device, the tab it belongs to, the watch it closes)."""
        return self.jobs_controller.submit(request, run, title, apply, key, **options)

    def cancel_job(self) -> None:
        self.jobs_controller.cancel_current()
