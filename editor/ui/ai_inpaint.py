"""Filter ▸ Remove / Inpaint…: fill the painted AI mask (or the selection) in the background.

Flow: :class:`InpaintDialog` (engine, its parameters, source, mask, feather, output) →
:func:`editor.ai.inpaint.build_inpaint` makes a frozen request (a copy of only the mask's
bounding box plus the engine's context margin and the feather) → :func:`start_inpaint`
submits it through the host's one submit path (progress and Cancel in the status bar) →
the result lands as ONE undo step (:func:`editor.ai.inpaint.apply_inpaint`): a new layer
named after the engine, clipped to the mask with a soft edge, or a patch into the active
layer, and becomes the document's before/after (View ▸ Compare Before/After, hold ``\\``;
:mod:`editor.ui.compare`).

While the dialog is open with *Mask: AI mask*, the red AI-mask overlay shows what will
be filled; whether it shows afterwards follows the one rule of
:mod:`editor.ui.mask_overlay` (the mask itself is kept for a retry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from editor.ai import regions
from editor.ai.inpaint import apply_inpaint, build_inpaint, inpaint_problem, inpaint_region
from editor.ai.requests import (
    DEFAULT_FEATHER,
    MASK_AI,
    MODE_ACTIVE_LAYER,
    MODE_NEW_LAYER,
    SOURCE_MERGED,
    SOURCES,
    InpaintRequest,
    run_inpaint_request,
)
from editor.document import Rect
from editor.ui import ai_common as ac
from editor.ui.compare import reset_compare_action
from editor.ui.dialog_memory import remember
from editor.ui.filters import FilterAction, register_filter

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.ui.host import Host


def start_inpaint(host: Host, req: InpaintRequest) -> JobHandle:
    """Submit ``req`` for the host's current document; the result applies itself."""
    return ac.submit_edit(host, req, run_inpaint_request, apply_inpaint,
                          then=lambda: reset_compare_action(host))


# --- the dialog -----------------------------------------------------------------------


class InpaintDialog(QDialog):
    """Engine + parameters, source, mask, feather and output; shows what will be processed."""

    def __init__(self, host: Host, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else ac.parent_widget(host))
        self.host = host
        self.doc = host.document
        self.setWindowTitle("Remove / Inpaint")
        # nothing remembered: the registry's default, the first engine that can run (the
        # built-in content-aware fill, ml.engines.inpaint)
        self.engine = ac.EngineCombo("inpaint", self)
        self.params = ac.ParamsForm(self)
        self.mask_source = ac.mask_source_combo(self.doc, self)
        self.source = ac.source_combo(self.doc, self, default=self._default_source())
        self.source.setToolTip("Active layer: fill from the active layer's own pixels. "
                               "Merged image: from everything visible (the default when "
                               "the active layer has no content around the mask)")
        self._source_chosen = False  # until the user picks one, it follows the mask
        self.source.activated.connect(self._source_picked)
        self.feather = QSpinBox()
        self.feather.setObjectName("feather")
        self.feather.setRange(0, 64)
        self.feather.setValue(DEFAULT_FEATHER)
        self.feather.setSuffix(" px")
        self.feather.setToolTip("soft edge: the fill blends out over this many pixels "
                                "outside the mask")
        self.to_layer = QRadioButton("New layer (named after the engine)")
        self.into_active = QRadioButton("Write into the active layer")
        self.to_layer.setChecked(True)
        self.to_layer.setObjectName("result.new_layer")
        self.into_active.setObjectName("result.into_active")
        group = QButtonGroup(self)
        group.addButton(self.to_layer)
        group.addButton(self.into_active)
        self.info = ac.info_label()
        form = QFormLayout()
        form.addRow("Engine", self.engine)
        form.addRow("", self.params)
        form.addRow("Sample", self.source)
        form.addRow("Mask", self.mask_source)
        form.addRow("Feather", self.feather)
        form.addRow("Result", self.to_layer)
        form.addRow("", self.into_active)
        self.buttons = ac.ok_cancel(self, "Inpaint")
        ac.stack_dialog(self, form, self.info, self.buttons)
        self.engine.engine_changed.connect(self._engine_changed)
        self.params.changed.connect(self._update_info)
        self.mask_source.currentIndexChanged.connect(lambda _i: self._context_changed())
        self.feather.valueChanged.connect(lambda _v: self._context_changed())
        self.source.currentIndexChanged.connect(lambda _i: self._update_info())
        self.into_active.toggled.connect(lambda _on: self._update_info())
        self.shows_mask = ac.ShowsAIMask(
            self, host, self.doc, lambda: self.mask_source.currentData() == MASK_AI)
        self.mask_source.currentIndexChanged.connect(lambda _i: self.shows_mask.sync())
        self._engine_changed(self.engine.engine())
        # engine, its parameters, feather and output as last confirmed (the sample and
        # mask sources follow the document at hand instead)
        self.memory = remember(self, "inpaint", host, [
            self.engine, self.params, self.feather, self.to_layer, self.into_active])

    def _mask_and_region(self) -> tuple[np.ndarray | None, Rect | None]:
        mask = regions.mask_array(self.doc, self.mask_source.currentData())
        if mask is None:
            return None, None
        feather = self.feather.value() if hasattr(self, "feather") else DEFAULT_FEATHER
        engine = self.engine.engine() if hasattr(self, "engine") else None
        return mask, inpaint_region(self.doc, mask, feather, engine)

    def _default_source(self) -> str:
        mask, region = self._mask_and_region()
        return regions.default_source(self.doc, region, mask)

    def _source_picked(self, _index: int) -> None:
        self._source_chosen = True
        self._update_info()

    def _context_changed(self) -> None:
        """Another mask or feather: the default source follows until the user picks one."""
        if not self._source_chosen:
            want = self._default_source()
            if want != self.source.currentData():
                self.source.setCurrentIndex(SOURCES.index(want))  # updates the info
                return
        self._update_info()

    def _engine_changed(self, engine) -> None:
        self.params.set_engine(engine)
        self._update_info()

    def options(self) -> dict[str, Any]:
        return {
            "source": self.source.currentData(),
            "mask_source": self.mask_source.currentData(),
            "feather": self.feather.value(),
            "mode": MODE_ACTIVE_LAYER if self.into_active.isChecked() else MODE_NEW_LAYER,
        }

    def _update_info(self) -> None:
        if not hasattr(self, "buttons"):
            return  # still building the dialog
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        engine = self.engine.engine()
        mask, region = self._mask_and_region()
        if engine is None or mask is None or region is None:
            ok.setEnabled(False)
            self.info.setText("No engine can run." if engine is None else
                              "The chosen mask is empty: paint the AI mask or select first.")
            return
        mode = MODE_ACTIVE_LAYER if self.into_active.isChecked() else MODE_NEW_LAYER
        problem = inpaint_problem(self.doc, mask, region, self.source.currentData(), mode)
        ok.setEnabled(problem is None)
        if problem is not None:
            self.info.setText(f"Cannot fill: {problem}.")
            return
        bbox = regions.mask_bounds(mask)
        assert bbox is not None
        layer = self.doc.active_layer
        why = ""
        if (self.source.currentData() == SOURCE_MERGED and layer is not None
                and regions.layer_coverage(self.doc, layer, region, mask) < regions.COVERED):
            why = (f" Sampling the merged image: the active layer {layer.name!r} has little "
                   "or no content around the mask.")
        work = self.params.values().get("max_size", 1024)
        side = max(region.w, region.h)
        scaled = f", worked on at {work} px on the long side" if side > work else ""
        share = region.w * region.h / (self.doc.width * self.doc.height)
        self.info.setText(
            f"Mask: {bbox.w}×{bbox.h} px at ({bbox.x}, {bbox.y}). "
            f"Processed: {region.w}×{region.h} px with context "
            f"({'under 1%' if share < 0.01 else f'{share:.0%}'} of the image){scaled}. "
            "Pixels beyond the feather never change." + why
        )

    def request(self, step_delay: float = 0.0) -> InpaintRequest:
        return build_inpaint(self.doc, self.engine.engine_id() or "", self.params.values(),
                             step_delay=step_delay, **self.options())


def _callback(host: Host) -> None:
    doc = host.document
    if doc is None or regions.default_mask_source(doc) is None:
        host.show_message("Remove / Inpaint: paint the AI mask (mask brush) or make a "
                          "selection over what to remove first")
        return
    req = ac.ask_request(host, InpaintDialog(host), "Remove / Inpaint")
    if req is not None:
        start_inpaint(host, req)


register_filter(FilterAction(
    "inpaint", "Remove / Inpaint…", _callback, icon="filter", group="ai",
    tooltip="Fill the AI mask (or the selection) from its surroundings, as a new layer",
))
