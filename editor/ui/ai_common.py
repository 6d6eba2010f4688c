"""Widgets shared by the AI filter dialogs (inpaint, upscale, style).

The document side of an AI filter (masks, snapshots, requests, applying results,
change detection) is :mod:`editor.ai`; a dialog gathers the choices, calls its
``editor.ai.<task>.build_*`` and submits through the host's one submit path::

    req = ask_request(host, InpaintDialog(host), "Remove / Inpaint")   # a frozen request
    submit_edit(host, req, run_inpaint_request, apply_inpaint)         # watch + submit

Widgets: :class:`EngineCombo` (every engine of a task; unavailable ones are listed but
disabled, with the reason in their tooltip and after the name), :class:`ParamsForm`
(one editor per :class:`ml.types.Param` of the chosen engine), :func:`source_combo` and
:func:`mask_source_combo`, :class:`ShowsAIMask` (the red AI-mask overlay shows while the
dialog works on the AI mask) and the usual dialog layout helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.ai.regions import default_mask_source, default_source, mask_array
from editor.ai.requests import (
    MASK_SOURCES,
    MASK_TITLES,
    SOURCE_LAYER,
    SOURCE_MERGED,
    SOURCE_TITLES,
    SOURCES,
)
from editor.ai.upscale import engine_label
from editor.ai.watch import DocumentWatch
from editor.document import Document
from editor.jobs.engines import cpu_only, engines_for

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.jobs.engines import Engine
    from editor.ui.host import Host


class EngineCombo(QComboBox):
    """Every engine of a task; unavailable ones shown disabled with their reason.

    ``engine()`` / ``engine_id()`` give the current choice (None when nothing can run);
    ``engine_changed(engine)`` fires on change. ``engines`` overrides the registry list
    (tests, or a dialog that filters by capability, e.g. upscale scale).
    """

    engine_changed = Signal(object)

    def __init__(
        self,
        task: str,
        parent: QWidget | None = None,
        engines: Sequence[Engine] | None = None,
        prefer: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("engine")
        self.task = task
        self._engines: list[Engine] = []
        self._reasons: dict[str, str | None] = {}
        self.set_engines(engines if engines is not None else engines_for(task), prefer)
        self.currentIndexChanged.connect(lambda _i: self.engine_changed.emit(self.engine()))

    def set_engines(self, engines: Sequence[Engine], prefer: str | None = None) -> None:
        self.blockSignals(True)
        self.clear()
        self._engines = list(engines)
        model = self.model()
        first_ok = -1
        for i, e in enumerate(self._engines):
            reason = e.available()
            self._reasons[e.id] = reason
            label = engine_label(e)
            self.addItem(label if reason is None else f"{label} — unavailable", e.id)
            tip = e.description or label
            if reason is not None:
                tip = f"{tip}\n\nUnavailable: {reason}"
            self.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
            if reason is not None and isinstance(model, QStandardItemModel):
                model.item(i).setEnabled(False)
            elif first_ok < 0:
                first_ok = i
        pick = first_ok
        if prefer is not None:
            for i, e in enumerate(self._engines):
                if e.id == prefer and self._reasons[e.id] is None:
                    pick = i
        self.setCurrentIndex(pick)
        self.blockSignals(False)
        self.engine_changed.emit(self.engine())

    def engine(self) -> Engine | None:
        i = self.currentIndex()
        if not 0 <= i < len(self._engines):
            return None
        e = self._engines[i]
        return e if self._reasons.get(e.id) is None else None

    def engine_id(self) -> str | None:
        e = self.engine()
        return None if e is None else e.id

    def reason(self, engine_id: str) -> str | None:
        """Why an engine is unavailable (None when it can run)."""
        return self._reasons.get(engine_id)

    def select(self, engine_id: str) -> bool:
        """Make ``engine_id`` current if listed and available; returns whether it did."""
        for i, e in enumerate(self._engines):
            if e.id == engine_id and self._reasons.get(e.id) is None:
                self.setCurrentIndex(i)
                return True
        return False


class ParamsForm(QWidget):
    """One editor per :class:`ml.types.Param` of an engine (int/float spin box, check box,
    choice combo), defaults preset. ``values()`` is the dict to pass as ``**params``;
    ``changed`` fires on any edit. ``skip`` names parameters the dialog handles itself."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, skip: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("params")
        self._recall: Callable[[str], Any] | None = None
        self._skip = set(skip)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._editors: dict[str, QWidget] = {}
        self.engine: Engine | None = None

    def set_engine(self, engine: Engine | None) -> None:
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors = {}
        self.engine = engine
        if engine is None:
            return
        hidden = self._skip | set(getattr(engine, "ui_hidden_params", ()))
        for p in engine.params:
            if p.name in hidden:
                continue  # the dialog's own, or one the engine keeps for the CLI
            w: QWidget
            if p.kind == "int":
                w = QSpinBox()
                w.setRange(int(p.minimum if p.minimum is not None else -(2**31)),
                           int(p.maximum if p.maximum is not None else 2**31 - 1))
                w.setValue(int(p.default))
                if p.special:
                    w.setSpecialValueText(p.special)  # shown at the minimum
                w.valueChanged.connect(lambda _v: self.changed.emit())
            elif p.kind == "float":
                w = QDoubleSpinBox()
                w.setDecimals(3)
                w.setSingleStep(0.05)
                w.setRange(float(p.minimum if p.minimum is not None else -1e9),
                           float(p.maximum if p.maximum is not None else 1e9))
                w.setValue(float(p.default))
                w.valueChanged.connect(lambda _v: self.changed.emit())
            elif p.kind == "bool":
                w = QCheckBox()
                w.setChecked(bool(p.default))
                w.toggled.connect(lambda _v: self.changed.emit())
            else:
                w = QComboBox()
                for c in p.choices:
                    w.addItem(c, c)
                w.setCurrentIndex(max(0, w.findData(p.default)))
                w.currentIndexChanged.connect(lambda _v: self.changed.emit())
            if p.help:
                w.setToolTip(p.help)
            w.setObjectName(f"param.{p.name}")
            self._editors[p.name] = w
            self._layout.addRow(p.label or p.name, w)
        self._recall_values()

    # the dialog memory (editor.ui.dialog_memory): each engine's own last used values

    def memory_values(self) -> dict[str, Any]:
        if self.engine is None:
            return {}
        return {f"{self.engine.id}/{k}": v for k, v in self.values().items()}

    def set_memory(self, recall: Callable[[str], Any]) -> None:
        self._recall = recall
        self._recall_values()

    def _recall_values(self) -> None:
        if self._recall is None or self.engine is None:
            return
        for p in self.engine.params:
            value = self._recall(f"{self.engine.id}/{p.name}") if p.name in self._editors else None
            if value is None:
                continue
            try:
                self.set_value(p.name, p.coerce(value))
            except ValueError:
                pass  # outside the engine's range now: its default stays

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self._editors.items():
            if isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[name] = w.value()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[name] = w.currentData()
        return out

    def set_value(self, name: str, value: Any) -> None:
        w = self._editors[name]
        if isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))


def source_combo(doc: Document | None = None, parent: QWidget | None = None,
                 default: str | None = None) -> QComboBox:
    """"Active layer" / "Merged image" (data: :data:`SOURCE_LAYER` / :data:`SOURCE_MERGED`),
    ``default`` selected (None: :func:`default_source` over the whole image)."""
    box = QComboBox(parent)
    for s in SOURCES:
        box.addItem(SOURCE_TITLES[s], s)
    if default is None and doc is not None:
        default = default_source(doc)
    if doc is not None and doc.active_layer is None:
        default = SOURCE_MERGED
    box.setCurrentIndex(SOURCES.index(default or SOURCE_LAYER))
    return box


def mask_source_combo(doc: Document, parent: QWidget | None = None) -> QComboBox:
    """"AI mask" / "Selection" (data: :data:`MASK_AI` / :data:`MASK_SELECTION`); empty
    ones are disabled, the default is :func:`default_mask_source`."""
    box = QComboBox(parent)
    model = box.model()
    for i, s in enumerate(MASK_SOURCES):
        box.addItem(MASK_TITLES[s], s)
        if mask_array(doc, s) is None and isinstance(model, QStandardItemModel):
            model.item(i).setEnabled(False)
            box.setItemData(i, f"{MASK_TITLES[s]} is empty", Qt.ItemDataRole.ToolTipRole)
    default = default_mask_source(doc)
    if default is not None:
        box.setCurrentIndex(MASK_SOURCES.index(default))
    return box


class ShowsAIMask(QObject):
    """While ``dialog`` is on screen and ``uses_ai_mask()`` is true, the canvases of
    ``doc`` show the red AI-mask overlay (the rule: :mod:`editor.ui.mask_overlay`), so
    the user sees the area it will process. Call :meth:`sync` when the choice changes."""

    def __init__(self, dialog: QDialog, host: Host, doc: Document | None,
                 uses_ai_mask: Callable[[], bool]) -> None:
        super().__init__(dialog)
        self._dialog, self._host, self._doc, self._uses = dialog, host, doc, uses_ai_mask
        dialog.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._dialog and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.sync()
        return False

    def sync(self) -> None:
        on = self._dialog.isVisible() and bool(self._uses())
        for view in self._host.views():
            if view.document is self._doc:
                view.canvas.set_ai_mask_in_use(on)


def info_label() -> QLabel:
    """The wrapped, selectable line under a filter dialog's form ("what will be processed")."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """OK/Cancel buttons wired to the dialog, OK renamed to the action ("Inpaint")."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def stack_dialog(dialog: QDialog, form: QFormLayout, info: QLabel,
                 buttons: QDialogButtonBox) -> QVBoxLayout:
    """The usual filter dialog layout: the form, the info line, the buttons."""
    lay = QVBoxLayout(dialog)
    lay.addLayout(form)
    lay.addWidget(info)
    lay.addWidget(buttons)
    return lay


def ask_request(host: Host, dialog: QDialog, title: str) -> Any | None:
    """Show a filter dialog; its ``request()`` when accepted, else None. A request that
    cannot be built (bad input, engine unavailable) becomes a status message."""
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    try:
        return dialog.request()
    except Exception as exc:  # noqa: BLE001 - ValueError/EngineError/FileError: a message
        host.show_message(f"{title}: {exc}")
        return None


def parent_widget(host: Host) -> QWidget | None:
    """The widget a dialog of ``host`` is parented to (the main window is one)."""
    return host if isinstance(host, QWidget) else None


def submit_edit(host: Host, req: Any, run: Callable[[Any, Any], Any],
                apply: Callable[[DocumentWatch, Any, Any], None],
                then: Callable[[], None] | None = None) -> JobHandle:
    """Submit an AI edit of the host's current document: a :class:`DocumentWatch` on the
    frame of ``req.snap`` (if it has one) is captured now, and on the GUI thread
    ``apply(watch, req, result)`` lands the result (then ``then()``, if given)."""
    doc = host.document
    assert doc is not None
    snap = getattr(req, "snap", None)
    watch = DocumentWatch(doc, geometry=snap.geometry if snap is not None else None)

    def on_result(result: Any) -> None:
        apply(watch, req, result)
        if then is not None:
            then()

    # an engine that runs on the CPU only needs no device (and so no torch import)
    task, engine_id = getattr(req, "task", None), getattr(req, "engine_id", None)
    uses_device = not (task and engine_id and cpu_only(engine_id, task))
    return host.submit_job(req, run, req.title, on_result, watch=watch,
                           uses_device=uses_device)
