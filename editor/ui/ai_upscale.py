"""Filter ▸ Upscale…: 2×/3×/4× of the whole image (every layer) or of a selection.

* Whole image: every layer is upscaled by the engine on its own (alpha resized
  separately by :mod:`ml.runtime`, 16-bit kept), then the document, its layer masks,
  offsets, AI mask and selection are resized in ONE undo step
  (:func:`editor.document.commands.resize_with_pixels`). If the layers are edited while
  the job runs, the result is dropped rather than overwriting the edits.
* Selection: the selection's bounding box (active layer or merged image) is upscaled into
  a new layer named after the engine at the selection's top-left corner, clipped to the
  upscaled selection; the document size does not change.

The dialog shows the output size and an estimate of the memory the job needs before it
runs; model engines are tiled (:mod:`ml.tiling`), so the estimate is dominated by the
result itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QWidget,
)

from editor.document import Document
from editor.document.document import MAX_SIDE
from editor.jobs.requests import (
    SCOPE_IMAGE,
    SCOPE_SELECTION,
    UpscaleRequest,
    run_upscale_request,
)
from editor.ui import ai_common as ac
from editor.ui.filters import FilterAction, register_filter

if TYPE_CHECKING:
    from editor.document import Event
    from editor.jobs import JobHandle
    from editor.ui.main_window import MainWindow

SCALES = (2, 3, 4)


@dataclass(frozen=True)
class Estimate:
    width: int  # output size: the document (image) or the new layer (selection)
    height: int
    result_bytes: int
    working_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.result_bytes + self.working_bytes

    def text(self, depth: int) -> str:
        mp = self.width * self.height / 1e6
        return (
            f"Output: {self.width}×{self.height} px ({mp:.1f} MP, {depth}-bit RGBA). "
            f"Estimated memory ≈ {ac.human_bytes(self.total_bytes)} "
            f"(result {ac.human_bytes(self.result_bytes)} + working "
            f"{ac.human_bytes(self.working_bytes)})."
        )


#: sr-small activations per input pixel are about ``4 * (120 + 2 * n²)`` bytes for its ×n
#: net, and one tile's never above this (its tiles are sized against the CPU budget with a
#: larger per-pixel figure); measured with ru_maxrss on 900×600 and 2000×1500 images
SR_SMALL_CAP_BYTES = 500 * 2**20


def _native_scale(engine, scale: int) -> int:
    if engine.id == "sr-small":
        return 4 if scale == 3 else scale  # 3× runs the 4× net and resamples down
    return int(getattr(engine, "native_scale", scale) or scale)


def _working_bytes(engine, out_pixels: int, in_pixels: int, scale: int,
                   opaque: bool = True) -> int:
    """Memory of upscaling one layer besides its result: the float input, the net's float
    output, one tile's activations (and the alpha plane when the layer has transparency).

    Calibrated on this CPU (peak RSS above the idle editor, request + run + apply, one
    opaque layer): sr-small 900×600 2× 266 MB measured / 311 estimated, 4× 429 / 472,
    3× 429 / 506; 2000×1500 2× 708 / 763, 4× 920 / 1381; Lanczos 900×600 4× 277 / 290."""
    alpha = 0 if opaque else out_pixels * 4
    if engine is None or engine.id == "lanczos":
        # float32 RGB + alpha of the output and the int conversion, one layer at a time
        return int(out_pixels * (3 + 1 + 3) * 4 + in_pixels * 4 * 4)
    native = _native_scale(engine, scale)
    net_out = in_pixels * native * native
    work = in_pixels * 4 * 4 + net_out * 3 * 4 + alpha  # float RGB(+A) in, float RGB out
    if native != scale:
        work += out_pixels * 3 * 4  # resampled to the asked scale
    if engine.id == "sr-small":
        work += min(SR_SMALL_CAP_BYTES, in_pixels * 4 * (120 + 2 * native * native))
    else:
        from editor.jobs.engines import CPU_BUDGET_BYTES

        # the bytes per pixel the store engines size their tiles with (ml.engines.upscale)
        per_px = 4 * (16 * 64 + 2 * 64 * native * native)
        work += min(CPU_BUDGET_BYTES, in_pixels * per_px)
    return int(work)


def _opaque(pixels: np.ndarray) -> bool:
    top = np.iinfo(pixels.dtype).max
    return bool(pixels[..., 3].min() >= top)


def estimate(doc: Document, scope: str, scale: int, engine=None) -> Estimate:
    """Output size and memory of an upscale, before running it."""
    item = doc.dtype.itemsize
    if scope == SCOPE_SELECTION:
        bbox = doc.selection.bounds() if doc.selection.active else None
        if bbox is None:
            return Estimate(0, 0, 0, 0)
        w, h = bbox.w * scale, bbox.h * scale
        return Estimate(w, h, w * h * 4 * item, _working_bytes(engine, w * h, bbox.w * bbox.h,
                                                               scale, opaque=False))
    s2 = scale * scale
    result = 0
    biggest = 0
    opaque = True
    for layer in doc.layers:
        n = layer.width * layer.height
        result += n * s2 * 4 * item + (0 if layer.mask is None else n * s2)
        biggest = max(biggest, n)
        opaque = opaque and _opaque(layer.pixels)
    result += 2 * doc.width * doc.height * s2  # AI mask + selection
    copies = sum(x.pixels.nbytes for x in doc.layers)  # the frozen request
    work = copies + _working_bytes(engine, biggest * s2, biggest, scale, opaque)
    return Estimate(doc.width * scale, doc.height * scale, result, work)


def build_upscale(
    doc: Document,
    engine_id: str,
    scale: int,
    params: dict | None = None,
    *,
    scope: str = SCOPE_IMAGE,
    source: str = ac.SOURCE_LAYER,
    step_delay: float = 0.0,
) -> UpscaleRequest:
    """A frozen request; ValueError (a message for the user) when it cannot run."""
    engine = ac.get_engine(engine_id, "upscale")
    reason = engine.available()
    if reason is not None:
        raise ValueError(f"{ac.engine_label(engine)}: {reason}")
    if scale not in getattr(engine, "scales", ()):
        raise ValueError(f"{ac.engine_label(engine)} cannot upscale {scale}×")
    resolved = tuple(sorted(engine.resolve_params(params or {}).items()))
    if scope == SCOPE_IMAGE:
        if not doc.layers:
            raise ValueError("the image has no layers")
        if max(doc.width, doc.height) * scale > MAX_SIDE:
            raise ValueError(f"{doc.width * scale}×{doc.height * scale} is larger than the "
                             f"{MAX_SIDE} px a document may have per side")
        layers = tuple(x.pixels.copy() for x in doc.layers)
        return UpscaleRequest(engine.id, ac.engine_label(engine), scale, scope, layers=layers,
                              params=resolved, step_delay=step_delay)
    if scope != SCOPE_SELECTION:
        raise ValueError(f"unknown scope {scope!r}")
    mask = ac.mask_array(doc, ac.MASK_SELECTION)
    if mask is None:
        raise ValueError("select the part to upscale first (or upscale the whole image)")
    snap = ac.take_snapshot(doc, source, ac.mask_bounds(mask), mask)
    return UpscaleRequest(engine.id, ac.engine_label(engine), scale, scope, snap=snap, params=resolved,
                          step_delay=step_delay)


class _LayerWatch:
    """Notices edits of layer pixels or the layer list while an image upscale runs."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.layers = doc.layers
        self.size = doc.size
        self.changed = False
        self._connected = True
        doc.events.connect(self)

    def __call__(self, ev: Event) -> None:
        if ev.kind in ("layer-added", "layer-removed", "layer-moved", "size-changed") or (
            ev.kind == "pixels-changed" and ev.target == "pixels"
        ):
            self.changed = True

    def close(self) -> None:
        if self._connected:
            self._connected = False
            self.doc.events.disconnect(self)

    @property
    def intact(self) -> bool:
        return (not self.changed and self.doc.size == self.size
                and len(self.doc.layers) == len(self.layers)
                and all(a is b for a, b in zip(self.doc.layers, self.layers)))


def apply_upscale(target: ac.ApplyTarget, req: UpscaleRequest, result: Any) -> Any:
    """ONE undo step: the resized document (image) or a new layer (selection)."""
    doc = target.doc
    if req.scope == SCOPE_SELECTION:
        assert req.snap is not None
        pixels, alpha = result
        return ac.apply_as_layer(target, req.snap.x, req.snap.y, pixels,
                                 f"{req.engine_name} {req.scale}×", alpha, req.title)
    from editor.document.commands import resize_with_pixels

    watch: _LayerWatch | None = target.extra.get("watch")
    if watch is not None:
        watch.close()
        if not watch.intact:
            raise ValueError("the layers were edited while upscaling; nothing was changed "
                             "(run it again)")
    cmd = resize_with_pixels(doc, doc.width * req.scale, doc.height * req.scale,
                             list(result), req.title)
    doc.undo.push(cmd)
    return cmd


def start_upscale(window: MainWindow, req: UpscaleRequest) -> JobHandle:
    """Submit ``req`` for the window's current document; the result applies itself."""
    doc = window.document
    assert doc is not None
    target = ac.ApplyTarget.capture(doc)
    if req.scope == SCOPE_IMAGE:
        watch = _LayerWatch(doc)
        target.extra["watch"] = watch
    job = window.submit_job(req, run_upscale_request, req.title,
                            lambda result: apply_upscale(target, req, result))
    if req.scope == SCOPE_IMAGE:
        runner = window.jobs

        def ended(j, *_args) -> None:
            if j is job:
                watch.close()
                runner.finished.disconnect(ended)
                runner.failed.disconnect(ended)
                runner.cancelled.disconnect(ended)

        runner.finished.connect(ended)
        runner.failed.connect(ended)
        runner.cancelled.connect(ended)
    return job


# --- the dialog -----------------------------------------------------------------------


class UpscaleDialog(QDialog):
    """Engine, scale, what to upscale; shows the output size and estimated memory."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.doc = window.document
        self.setWindowTitle("Upscale")
        self.engine = ac.EngineCombo("upscale", self, prefer="sr-small")
        self.scale = QComboBox()
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
        too_big = self.scope() == SCOPE_IMAGE and max(est.width, est.height) > MAX_SIDE
        ok.setEnabled(not too_big and est.width > 0)
        text = est.text(self.doc.depth)
        if too_big:
            text += f" Too large: a document may have at most {MAX_SIDE} px per side."
        self.info.setText(text)

    def request(self, step_delay: float = 0.0) -> UpscaleRequest:
        return build_upscale(self.doc, self.engine.engine_id() or "",
                             int(self.scale.currentData()), self.params.values(),
                             scope=self.scope(), source=self.source.currentData(),
                             step_delay=step_delay)


def _callback(window: MainWindow) -> None:
    if window.document is None:
        return
    req = ac.ask_request(window, UpscaleDialog(window), "Upscale")
    if req is not None:
        start_upscale(window, req)


register_filter(FilterAction(
    "upscale", "Upscale…", _callback, icon="zoom-in", group="ai",
    tooltip="Super-resolution 2×/3×/4× of the whole image or of the selection",
))
