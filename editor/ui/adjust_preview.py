"""One base for every adjustment and filter dialog: live preview on the canvas, Reset,
Cancel, and OK as one undo step.

A dialog subclasses :class:`AdjustDialog`, builds its controls in :meth:`build`, says what
it does in :meth:`func` (pixels → pixels, from ``editor.document.adjust``) and how to
go back to its defaults in :meth:`reset_values`; it calls :meth:`changed` when a control
moves. The base does the rest:

- the preview is a display override of the canvas: the target layer's pixels as OK
  would leave them (:func:`editor.document.adjust.adjustment_input`, the same code OK
  runs), restricted to the selection and to what the canvas shows (recomputed after a
  pan or zoom), shortly after the last change (debounced). A preview of more than
  :data:`SYNC_PIXELS` runs on the jobs' preview lane, so the GUI never waits and only the
  newest lands. The document itself never changes while the dialog is open, so Cancel
  restores exactly by dropping the override;
- OK runs :func:`editor.document.adjust.apply_adjustment` with the same function: one
  undo step whose pixels are those of the preview;
- the dialog is modeless, so the canvas stays usable (zoom, pan, the White Balance
  picker). A document change while it is open (an undo, a stroke) is previewed again;
  if the target layer goes away the dialog closes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from editor.document import LayerLockedError, LayerOverride
from editor.document.adjust import AdjustmentInput, adjustment_input, apply_adjustment
from editor.document.events import Rect
from editor.ui.jobs_controller import LANE_PREVIEW

log = logging.getLogger(__name__)

PixelFunc = Callable[[np.ndarray], np.ndarray]

#: milliseconds between the last control change and the preview
PREVIEW_DELAY_MS = 60
#: previews reading more pixels than this run on the preview lane (newest wins), not on
#: the GUI thread
SYNC_PIXELS = 500_000
#: document pixels previewed around what the canvas shows (a small pan needs no redo)
VIEW_PAD = 64
PREVIEW_KEY = "adjust-preview"


def run_preview(request: tuple[AdjustmentInput, PixelFunc, bool], _ctx: Any) -> Any:
    """Worker side of a large preview: the frozen input through the function."""
    inp, func, pointwise = request
    return inp.run(func, pointwise)


class ValueSlider(QWidget):
    """A labelled slider with a spin box beside it, in ``lo``..``hi`` with ``decimals``
    places; emits ``value_changed(float)`` from either."""

    value_changed = Signal(float)

    def __init__(self, label: str, lo: float, hi: float, value: float = 0.0,
                 decimals: int = 0, suffix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 10 ** decimals
        self.default = float(value)
        self.label = QLabel(label)
        self.label.setMinimumWidth(90)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(lo * self._scale), round(hi * self._scale))
        self.slider.setMinimumWidth(180)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(lo, hi)
        self.spin.setDecimals(decimals)
        self.spin.setSingleStep(1 / self._scale if decimals else 1)
        self.spin.setSuffix(suffix)
        self.spin.setMinimumWidth(80)
        self.label.setBuddy(self.spin)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.slider.valueChanged.connect(lambda v: self._set(v / self._scale, from_slider=True))
        self.spin.valueChanged.connect(lambda v: self._set(v, from_slider=False))
        self.set_value(value)

    def value(self) -> float:
        return float(self.spin.value())

    def set_value(self, v: float) -> None:
        """Set without emitting ``value_changed`` (resets, syncing from a model)."""
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(v)
        self.slider.setValue(round(v * self._scale))
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def _set(self, v: float, from_slider: bool) -> None:
        other = self.spin if from_slider else self.slider
        other.blockSignals(True)
        if from_slider:
            self.spin.setValue(v)
        else:
            self.slider.setValue(round(v * self._scale))
        other.blockSignals(False)
        self.value_changed.emit(self.value())


class AdjustDialog(QDialog):
    """The shared preview/reset/apply dialog (see the module docstring)."""

    #: window title and undo text
    title = "Adjust"

    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else host)
        self.host = host
        self.document = host.document
        self.canvas = host.canvas
        self.layer = self.document.active_layer
        self.setWindowTitle(self.title)
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.body = QVBoxLayout()
        self.preview_box = QCheckBox("Preview")
        self.preview_box.setChecked(True)
        self.preview_box.toggled.connect(lambda _on: self._preview_now())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.Reset)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.reset_button = self.buttons.button(QDialogButtonBox.StandardButton.Reset)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self.reset)
        outer = QVBoxLayout(self)
        outer.addLayout(self.body)
        self.status = QLabel()
        self.status.setStyleSheet("color: #c88")
        self.status.setWordWrap(True)
        self.status.hide()
        outer.addWidget(self.status)
        bottom = QHBoxLayout()
        bottom.addWidget(self.preview_box)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        outer.addLayout(bottom)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._preview_now)
        self._closed = False
        self._generation = 0  # bumped by every change: a late background preview is dropped
        self.build(self.body)
        self.document.events.connect(self._on_event)
        self.canvas.view_changed.connect(self.changed)

    # --- what a dialog provides ---------------------------------------------------------

    def build(self, layout: QVBoxLayout) -> None:
        """Add the controls to ``layout``."""
        raise NotImplementedError

    def func(self) -> PixelFunc | None:
        """The adjustment for the current controls; None: nothing to do (no preview,
        OK just closes)."""
        raise NotImplementedError

    def reset_values(self) -> None:
        """Put the controls back to their defaults (without emitting changes)."""
        raise NotImplementedError

    def margin(self) -> int:
        """Context pixels the function reads around the selection (filters; 0: the
        function maps each pixel on its own and may run in bands of rows)."""
        return 0

    # --- the shared part --------------------------------------------------------------

    @property
    def layer_index(self) -> int:
        return self.document.index_of(self.layer)

    def changed(self, *_args: Any) -> None:
        """A control moved (or the view, or the document): preview again shortly."""
        self._generation += 1
        self._timer.start()

    def reset(self) -> None:
        self.reset_values()
        self._preview_now()

    def _func_or_none(self) -> PixelFunc | None:
        try:
            f = self.func()
        except ValueError as exc:  # e.g. levels black above white: say so, keep going
            self._say(str(exc))
            return None
        self._say("")
        return f

    def _say(self, text: str) -> None:
        if self._closed:
            return  # a late background preview's error after the dialog closed
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _view_rect(self) -> Rect:
        r = self.canvas.visible_doc_rect()
        x0, y0 = int(np.floor(r.left())) - VIEW_PAD, int(np.floor(r.top())) - VIEW_PAD
        x1, y1 = int(np.ceil(r.right())) + VIEW_PAD, int(np.ceil(r.bottom())) + VIEW_PAD
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def _preview_now(self) -> None:
        self._timer.stop()
        if self._closed:
            return
        self._generation += 1
        f = self._func_or_none() if self.preview_box.isChecked() else None
        inp = None
        if f is not None:
            try:
                inp = adjustment_input(self.document, self.layer_index, margin=self.margin(),
                                       within=self._view_rect())
            except ValueError as exc:
                self._say(str(exc))
        if inp is None or f is None:
            self.canvas.set_display_override(None)
            return
        pointwise = self.margin() == 0
        if inp.src.shape[0] * inp.src.shape[1] <= SYNC_PIXELS:
            self._show(self._generation, inp.run(f, pointwise))
            return
        gen = self._generation
        self.host.submit_job((inp, f, pointwise), run_preview, f"{self.title.rstrip('…')} preview",
                             key=PREVIEW_KEY, lane=LANE_PREVIEW, document=False,
                             uses_device=False, on_done=lambda r: self._show(gen, r),
                             on_error=self._say)

    def _show(self, generation: int, result: Any) -> None:
        if self._closed or generation != self._generation:
            return  # superseded by a newer change
        self.canvas.set_display_override(
            LayerOverride(result.layer, result.rect, result.pixels))

    def _on_event(self, ev: Any) -> None:
        if self._closed:
            return
        if ev.kind == "layer-removed" and self.layer not in self.document.layers:
            self.host.show_message(f"{self.title}: the layer went away; nothing applied")
            self.reject()
            return
        if ev.kind in ("pixels-changed", "layer-changed", "layer-added", "layer-removed",
                       "layer-moved", "selection-changed", "size-changed", "depth-changed"):
            self.changed()  # the canvas dropped the preview with the change: show it again

    def _finish(self) -> None:
        self._closed = True
        self._timer.stop()
        self.document.events.disconnect(self._on_event)
        self.canvas.view_changed.disconnect(self.changed)
        self.canvas.set_display_override(None)
        self.closing()

    def closing(self) -> None:
        """Subclasses undo what they set up outside the dialog (e.g. a canvas picker)."""

    def accept(self) -> None:
        f = self._func_or_none()
        if f is None and self.status.isVisible():
            return  # invalid values: say so, stay open
        if f is not None:
            doc = self.document
            if doc.stroke_active:
                doc.end_stroke()
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                apply_adjustment(doc, f, self.layer_index, text=self.title.rstrip("…"),
                                 margin=self.margin(), pointwise=self.margin() == 0)
            except (LayerLockedError, ValueError, RuntimeError) as exc:
                self._say(str(exc))
                return
            finally:
                QApplication.restoreOverrideCursor()
        self._finish()
        super().accept()

    def reject(self) -> None:
        if not self._closed:
            self._finish()
        super().reject()

    def closeEvent(self, event) -> None:
        if not self._closed:
            self._finish()
        super().closeEvent(event)


def open_dialog(host: Any, cls: type[AdjustDialog]) -> AdjustDialog | None:
    """Open ``cls`` on the host's active layer (one adjustment dialog at a time: an open
    one is cancelled first). Says why and returns None when it cannot."""
    doc, canvas = host.document, getattr(host, "canvas", None)
    if doc is None or canvas is None:
        return None
    layer = doc.active_layer
    if layer is None:
        host.show_message(f"{cls.title}: no layer to adjust")
        return None
    if layer.locked:
        host.show_message(f"{cls.title}: layer {layer.name!r} is locked")
        return None
    for old in host.findChildren(AdjustDialog):
        if not old._closed:
            old.reject()
    dlg = cls(host)
    dlg.show()
    dlg._preview_now()
    return dlg
