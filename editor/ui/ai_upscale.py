"""Filter ▸ Upscale…: 2×/3×/4× of the whole image (every layer) or of a selection.

The dialog shows the output size and the memory estimate
(:func:`editor.ai.upscale.estimate`); :func:`editor.ai.upscale.build_upscale` makes the
frozen request and :func:`editor.ai.upscale.apply_upscale` lands it as ONE undo step
(the resized document, or a new layer from the selection). A whole-image result is
dropped when the layers were edited while it ran (the job's
:class:`~editor.ai.watch.DocumentWatch`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QWidget,
)

from editor.ai.requests import SCOPE_IMAGE, SCOPE_SELECTION, UpscaleRequest, run_upscale_request
from editor.ai.upscale import SCALES, apply_upscale, build_upscale, estimate, too_large
from editor.ui import ai_common as ac
from editor.ui.dialog_memory import remember
from editor.ui.filters import FilterAction, register_filter

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.ui.host import Host


def start_upscale(host: Host, req: UpscaleRequest) -> JobHandle:
    """Submit ``req`` for the host's current document; the result applies itself."""
    return ac.submit_edit(host, req, run_upscale_request, apply_upscale)


# --- the dialog -----------------------------------------------------------------------


class UpscaleDialog(QDialog):
    """Engine, scale, what to upscale; shows the output size and estimated memory."""

    def __init__(self, host: Host, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else ac.parent_widget(host))
        self.doc = host.document
        self.setWindowTitle("Upscale")
        self.engine = ac.EngineCombo("upscale", self, prefer="sr-res")
        self.scale = QComboBox()
        self.scale.setObjectName("scale")
        self.params = ac.ParamsForm(self)
        self.whole = QRadioButton("Whole image (resizes every layer)")
        self.selection = QRadioButton("Selection → new layer")
        self.whole.setChecked(True)
        has_sel = self.doc.selection.active
        self.selection.setEnabled(has_sel)
        if not has_sel:
            self.selection.setToolTip("make a selection first")
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.selection)
        self.source = ac.source_combo(self.doc, self)
        self.info = ac.info_label()
        form = QFormLayout()
        form.addRow("Engine", self.engine)
        form.addRow("Scale", self.scale)
        form.addRow("", self.params)
        form.addRow("Upscale", self.whole)
        form.addRow("", self.selection)
        form.addRow("Sample", self.source)
        self.buttons = ac.ok_cancel(self, "Upscale")
        ac.stack_dialog(self, form, self.info, self.buttons)
        self.engine.engine_changed.connect(self._engine_changed)
        self.scale.currentIndexChanged.connect(lambda _i: self._update_info())
        self.whole.toggled.connect(lambda _on: self._update_info())
        self._engine_changed(self.engine.engine())
        # engine, scale and parameters as last confirmed (what to upscale follows the
        # document: a selection may not be there next time)
        self.memory = remember(self, "upscale", host, [self.engine, self.scale, self.params])

    def _engine_changed(self, engine) -> None:
        keep = self.scale.currentData()
        self.scale.blockSignals(True)
        self.scale.clear()
        for s in SCALES:
            if engine is not None and s in engine.scales:
                self.scale.addItem(f"{s}×", s)
        i = self.scale.findData(keep if keep is not None else 2)
        self.scale.setCurrentIndex(max(0, i))
        self.scale.blockSignals(False)
        self.params.set_engine(engine)
        self._update_info()

    def scope(self) -> str:
        return SCOPE_SELECTION if self.selection.isChecked() else SCOPE_IMAGE

    def _update_info(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        engine = self.engine.engine()
        scale = self.scale.currentData()
        self.source.setEnabled(self.scope() == SCOPE_SELECTION)
        if engine is None or scale is None:
            ok.setEnabled(False)
            self.info.setText("No engine can run.")
            return
        est = estimate(self.doc, self.scope(), int(scale), engine)
        too_big = too_large(self.doc, int(scale)) if self.scope() == SCOPE_IMAGE else None
        ok.setEnabled(too_big is None and est.width > 0)
        text = est.text(self.doc.depth)
        if too_big is not None:
            text += f" Too large: {too_big}."
        self.info.setText(text)

    def request(self, step_delay: float = 0.0) -> UpscaleRequest:
        return build_upscale(self.doc, self.engine.engine_id() or "",
                             int(self.scale.currentData()), self.params.values(),
                             scope=self.scope(), source=self.source.currentData(),
                             step_delay=step_delay)


def _callback(host: Host) -> None:
    if host.document is None:
        return
    req = ac.ask_request(host, UpscaleDialog(host), "Upscale")
    if req is not None:
        start_upscale(host, req)


register_filter(FilterAction(
    "upscale", "Upscale…", _callback, icon="zoom-in", group="ai",
    tooltip="Super-resolution 2×/3×/4× of the whole image or of the selection",
))
