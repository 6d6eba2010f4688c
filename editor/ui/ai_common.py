"""Shared pieces of the AI filter dialogs (inpaint, upscale, style): pick, snapshot, run, apply.

The shape of one AI filter (see ``ai_inpaint.py`` for a complete one)::

    doc = window.document
    which = default_mask_source(doc)               # "ai_mask" | "selection" | None
    mask = mask_array(doc, which)                  # (H, W) uint8 copy, or None
    region = context_region(doc, mask_bounds(mask), margin=64)
    snap = take_snapshot(doc, SOURCE_LAYER, region, mask)   # frozen: pixel copies only
    req = MyRequest(snap, engine_id, params)       # frozen, in editor/jobs/requests.py
    target = ApplyTarget.capture(doc)              # live refs, stay on the GUI thread

    def run(req, ctx):                             # worker thread: never touches doc
        return editor.jobs.engines.run_inpaint_pixels(req.engine_id, req.snap.pixels,
                                                      req.snap.mask, ctx, **p)

    window.submit_job(req, run, "Inpaint", lambda result: apply_result(
        target, snap, result, name="Quick (Telea)", mode=MODE_NEW_LAYER, alpha=alpha))

Widgets: :class:`EngineCombo` (every engine of a task; unavailable ones are listed but
disabled, with the reason in their tooltip and after the name), :class:`ParamsForm`
(one editor per :class:`ml.types.Param` of the chosen engine), :func:`source_combo` and
:func:`mask_source_combo`.

Conventions: a :class:`Snapshot` holds copies of straight-alpha RGBA pixels of the
document's dtype (8- or 16-bit) in document coordinates; ``ml.runtime`` converts to and
from the engine convention (float RGB, alpha carried separately), so a result comes back
with the snapshot's dtype and (for inpaint/style) its size. Every ``apply_*`` function is
exactly ONE undo step. Nothing here imports torch at module import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, Signal
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

from editor.document import Document, Layer, Rect
from editor.jobs import engines
from editor.jobs.requests import (
    MASK_AI,
    MASK_SELECTION,
    MASK_SOURCES,
    MASK_TITLES,
    MODE_ACTIVE_LAYER,
    MODE_NEW_LAYER,
    MODES,
    SOURCE_LAYER,
    SOURCE_MERGED,
    SOURCE_TITLES,
    SOURCES,
    Snapshot,
)

if TYPE_CHECKING:
    from editor.jobs.engines import Engine
    from editor.ui.main_window import MainWindow

# --- masks and regions -------------------------------------------------------------------


def mask_array(doc: Document, which: str | None) -> np.ndarray | None:
    """A copy of the document's AI mask or selection (``(H, W)`` uint8, 255 = on), or None
    when ``which`` is None or that mask is empty."""
    if which is None:
        return None
    if which == MASK_AI:
        m = np.array(doc.ai_mask)
    elif which == MASK_SELECTION:
        if not doc.selection.active:
            return None
        m = doc.selection.to_mask()
    else:
        raise ValueError(f"unknown mask source {which!r}; expected one of {MASK_SOURCES}")
    return m if m.any() else None


def default_mask_source(doc: Document) -> str | None:
    """The AI mask when something is painted on it, else the selection when there is one."""
    if doc.ai_mask.any():
        return MASK_AI
    if doc.selection.active:
        return MASK_SELECTION
    return None


def mask_bounds(mask: np.ndarray | None) -> Rect | None:
    """Bounding box (document coordinates) of the non-zero mask pixels, or None."""
    if mask is None:
        return None
    rows = np.flatnonzero(mask.max(axis=1) > 0)
    if rows.size == 0:
        return None
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(mask[y0:y1].max(axis=0) > 0)
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    return Rect(x0, y0, x1 - x0, y1 - y0)


def context_region(doc: Document, bbox: Rect | None, margin: int) -> Rect:
    """``bbox`` grown by ``margin`` on every side and clipped to the document (the whole
    document when ``bbox`` is None)."""
    if bbox is None:
        return doc.rect
    m = max(0, int(margin))
    grown = Rect(bbox.x - m, bbox.y - m, bbox.w + 2 * m, bbox.h + 2 * m)
    return grown.intersect(doc.rect)


def feather_alpha(mask: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """``(hole, alpha)`` for a mask and a feather radius in pixels.

    ``hole`` (bool) is the mask (any non-zero value) grown by ``radius``: what the engine
    fills. ``alpha`` (float32 0..1) is 1 on the mask and falls smoothly to 0 at ``radius``
    pixels outside it: how the fill is blended over the original. Pixels further than
    ``radius`` from the mask get alpha 0, so they never change.
    """
    core = np.asarray(mask) > 0
    r = float(radius)
    if r <= 0 or not core.any():
        return core.copy(), core.astype(np.float32)
    import cv2

    # distance (px) of every pixel to the nearest mask pixel; 0 on the mask
    dist = cv2.distanceTransform((~core).astype(np.uint8), cv2.DIST_L2, 5)
    t = np.clip(1.0 - dist / np.float32(r + 1.0), 0.0, 1.0)
    alpha = (t * t * (3.0 - 2.0 * t)).astype(np.float32)  # smoothstep: no visible ramp edge
    alpha[core] = 1.0
    return alpha > 0, alpha


def context_pixels(mask: np.ndarray | None, region: Rect) -> np.ndarray:
    """``(h, w)`` bool over ``region``: the pixels a fill samples from (the region minus
    the mask; the whole region when the mask covers all of it or there is none)."""
    if mask is None:
        return np.ones((region.h, region.w), bool)
    ring = np.asarray(mask)[region.slices()] == 0
    return ring if ring.any() else np.ones_like(ring)


def layer_alpha(doc: Document, layer: Layer, region: Rect) -> np.ndarray:
    """``layer``'s alpha over document ``region`` (0 where the layer does not reach)."""
    out = np.zeros((region.h, region.w), doc.dtype)
    r = layer.bounds.intersect(region)
    if not r.empty:
        src = r.translated(-layer.offset[0], -layer.offset[1]).slices()
        out[r.translated(-region.x, -region.y).slices()] = layer.pixels[src][..., 3]
    return out


#: the active layer is sampled by default only when at least this share of the context
#: around the mask is at least half opaque on it
COVERED = 0.9


def layer_coverage(doc: Document, layer: Layer | None, region: Rect,
                   mask: np.ndarray | None = None) -> float:
    """Share (0..1) of the context pixels around ``mask`` in ``region`` where ``layer`` is
    at least half opaque (0 for no layer or a hidden one)."""
    if layer is None or not layer.visible or region.empty:
        return 0.0
    ring = context_pixels(mask, region)
    a = layer_alpha(doc, layer, region)[ring]
    return float((a >= (doc.max_value + 1) // 2).mean()) if a.size else 0.0


def layer_is_empty(doc: Document, layer: Layer | None, region: Rect) -> bool:
    """True when ``layer`` has no visible pixel (alpha > 0) anywhere in ``region``."""
    return layer is None or not layer_alpha(doc, layer, region).any()


def default_source(doc: Document, region: Rect | None = None,
                   mask: np.ndarray | None = None) -> str:
    """What a filter samples unless the user says otherwise (Photoshop's "Sample All
    Layers" rule): the active layer when it has opaque content over the context around
    the mask (:data:`COVERED`), else the merged image, so a fill started on an empty or
    small layer (the previous AI result, a new "repair" layer) is never empty."""
    r = doc.rect if region is None else region
    if len(doc.layers) <= 1 and doc.active_layer is not None and doc.active_layer.visible:
        return SOURCE_LAYER  # one layer: the same pixels either way, keep its exact alpha
    return SOURCE_LAYER if layer_coverage(doc, doc.active_layer, r, mask) >= COVERED \
        else SOURCE_MERGED


# --- snapshots -------------------------------------------------------------------------


def layer_region(doc: Document, layer: Layer, rect: Rect) -> np.ndarray:
    """A copy of ``layer``'s pixels over document ``rect`` (transparent where the layer
    does not reach), ``(rect.h, rect.w, 4)`` of the document dtype."""
    out = np.zeros((rect.h, rect.w, 4), doc.dtype)
    r = layer.bounds.intersect(rect)
    if not r.empty:
        src = r.translated(-layer.offset[0], -layer.offset[1]).slices()
        out[r.translated(-rect.x, -rect.y).slices()] = layer.pixels[src]
    return out


def take_snapshot(
    doc: Document,
    source: str = SOURCE_LAYER,
    region: Rect | None = None,
    mask: np.ndarray | None = None,
) -> Snapshot:
    """Copy the pixels of ``region`` (document coordinates; default the whole document)
    from the active layer or the merged image, with ``mask`` (document-sized uint8, e.g.
    from :func:`mask_array`) cut to the same region. Costs only the region, not the image.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    r = (region or doc.rect).intersect(doc.rect)
    if r.empty:
        raise ValueError("the region lies outside the image")
    if source == SOURCE_MERGED:
        pixels = doc.composite(tuple(r))
    else:
        layer = doc.active_layer
        if layer is None:
            raise ValueError("there is no layer to work on")
        pixels = layer_region(doc, layer, r)
    cut = None if mask is None else np.ascontiguousarray(mask[r.slices()]).copy()
    return Snapshot(
        pixels=pixels,
        x=r.x,
        y=r.y,
        source=source,
        layer_index=doc.active_index,
        depth=doc.depth,
        mask=cut,
        bbox=mask_bounds(mask) or r,
        doc_size=doc.size,
        geometry=doc.geometry_generation,
    )


# --- engines and the runtime: through editor.jobs (ui → jobs → ml) ----------------------

engines_for = engines.engines_for
get_engine = engines.get_engine


# --- applying results --------------------------------------------------------------------


def frame_changed_message(what: str) -> str:
    return f"the image was resized or cropped while {what} ran; result dropped"


def check_geometry(doc: Document, geometry: int | None, what: str) -> None:
    """ValueError (the message for the user) when ``doc`` was resized, cropped or
    canvas-resized (or such a step undone/redone) since ``geometry`` was recorded: a
    result placed by the old coordinates would land in the wrong place."""
    if geometry is not None and doc.geometry_generation != geometry:
        raise ValueError(frame_changed_message(what))


@dataclass
class ApplyTarget:
    """Live references captured on the GUI thread when a job is submitted (never sent to
    the worker): the document, the layer the snapshot was taken from and the document's
    geometry generation (every ``apply_*`` refuses once the image was resized/cropped)."""

    doc: Document
    layer: Layer | None
    extra: dict = field(default_factory=dict)
    geometry: int | None = None
    offset: tuple[int, int] | None = None  # the layer's offset at capture

    @classmethod
    def capture(cls, doc: Document) -> ApplyTarget:
        layer = doc.active_layer
        return cls(doc, layer, geometry=doc.geometry_generation,
                   offset=layer.offset if layer is not None else None)

    def check_geometry(self, what: str) -> None:
        check_geometry(self.doc, self.geometry, what)

    def layer_index(self) -> int:
        """Where the source layer is now (it may have moved); ValueError if it was deleted."""
        if self.layer is None:
            raise ValueError("there is no layer to write into")
        if not any(x is self.layer for x in self.doc.layers):
            raise ValueError(f"the layer {self.layer.name!r} was deleted while the job ran")
        return self.doc.index_of(self.layer)


def _alpha_u8(alpha: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
    if alpha is None:
        return None
    a = np.asarray(alpha)
    if a.shape != shape:
        raise ValueError(f"alpha is {a.shape}, the result is {shape}")
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    return np.rint(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)


def apply_as_layer(
    target: ApplyTarget,
    x: int,
    y: int,
    result: np.ndarray,
    name: str,
    alpha: np.ndarray | None = None,
    text: str | None = None,
) -> Layer:
    """Add ``result`` (``(h, w, 4)`` RGBA, any depth) as a new layer at document (x, y),
    above the source layer (or the active one), its alpha multiplied by ``alpha``
    (``(h, w)`` float 0..1 / uint8 / bool; None = as is). ONE undo step; the layer becomes
    active. Fully transparent pixels are zeroed so they carry no stray colour.
    ValueError when the image was resized or cropped since the target was captured."""
    doc = target.doc
    target.check_geometry(text or name)
    px = np.array(result, copy=True)
    if px.dtype != doc.dtype:
        from editor.document.layer import coerce_pixels

        px = coerce_pixels(px, doc.dtype, "result")
    a = _alpha_u8(alpha, px.shape[:2])
    if a is not None:
        px[..., 3] = np.rint(px[..., 3].astype(np.float32) * (a.astype(np.float32) / 255.0)).astype(
            doc.dtype
        )
    px[px[..., 3] == 0] = 0
    try:
        index = target.layer_index() + 1
    except ValueError:
        index = doc.active_index + 1
    return doc.add_layer(name, px, index=index, offset=(int(x), int(y)), text=text or name)


def apply_into_layer(
    target: ApplyTarget,
    x: int,
    y: int,
    result: np.ndarray,
    text: str,
    alpha: np.ndarray | None = None,
) -> Rect | None:
    """Write ``result`` into the source layer at document (x, y), blended by ``alpha``
    (None = replace). ONE undo step (only changed 64² tiles kept). Returns the changed
    document rect, or None when nothing changed. ValueError if the layer is gone, locked or
    moved, or the image was resized or cropped since the target was captured.
    """
    target.check_geometry(text)
    index = target.layer_index()
    if target.offset is not None and target.layer.offset != target.offset:
        # the patch was computed for the content under it then, not for what is there now
        raise ValueError(f"the layer {target.layer.name!r} was moved while {text} ran; "
                         "result dropped")
    a = _alpha_u8(alpha, np.asarray(result).shape[:2])
    return target.doc.apply_patch(index, int(x), int(y), result, text, mask=a)


def apply_result(
    target: ApplyTarget,
    snap: Snapshot,
    result: np.ndarray,
    name: str,
    mode: str = MODE_NEW_LAYER,
    alpha: np.ndarray | None = None,
    text: str | None = None,
) -> Layer | Rect | None:
    """Apply a same-size result of ``snap`` as a new layer named ``name`` (``mode`` =
    :data:`MODE_NEW_LAYER`) or into the source layer (:data:`MODE_ACTIVE_LAYER`), clipped
    by ``alpha`` (see :func:`feather_alpha`). ONE undo step either way. ValueError, and the
    document left untouched, when the image was resized, cropped or canvas-resized since
    the snapshot was taken (its coordinates no longer mean the same pixels)."""
    check_geometry(target.doc, snap.geometry, text or name)
    if result.shape[:2] != snap.pixels.shape[:2]:
        raise ValueError(
            f"result is {result.shape[1]}x{result.shape[0]}, expected {snap.width}x{snap.height}"
        )
    if mode == MODE_NEW_LAYER:
        return apply_as_layer(target, snap.x, snap.y, result, name, alpha, text)
    if mode == MODE_ACTIVE_LAYER:
        return apply_into_layer(target, snap.x, snap.y, result, text or name, alpha)
    raise ValueError(f"unknown apply mode {mode!r}; expected one of {MODES}")


# --- sizes -------------------------------------------------------------------------------


def human_bytes(n: float) -> str:
    """``1536`` → ``"1.5 KB"`` (powers of 1024, one decimal)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} GB"


# --- widgets -------------------------------------------------------------------------------


def engine_label(engine: Engine) -> str:
    """The human name of an engine. Catalog engines registered under their id (the store's
    upscalers) get the name their description starts with ("Real-ESRGAN x4plus: ...")."""
    name = engine.name or ""
    if name and name != engine.id:
        return name
    head, sep, _rest = (engine.description or "").partition(":")
    if sep and 0 < len(head.strip()) <= 60:
        return head.strip()
    return name or engine.id


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
        for p in engine.params:
            if p.name in self._skip:
                continue
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


def ask_request(window: MainWindow, dialog: QDialog, title: str) -> Any | None:
    """Show a filter dialog; its ``request()`` when accepted, else None. A request that
    cannot be built (bad input, engine unavailable) becomes a status message."""
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    try:
        return dialog.request()
    except Exception as exc:  # noqa: BLE001 - ValueError/EngineError/FileError: a message
        window.show_message(f"{title}: {exc}")
        return None
