"""Filter ▸ Remove / Inpaint…: fill the painted AI mask (or the selection) in the background.

Flow: :class:`InpaintDialog` (engine, its parameters, source, mask, feather, output) →
:func:`build_inpaint` makes a frozen :class:`InpaintRequest` (a copy of only the mask's
bounding box plus the engine's context margin and the feather) → :func:`start_inpaint`
submits it to the window's job runner (progress and Cancel in the status bar) → the
result lands as ONE undo step: a new layer named after the engine, clipped to the mask
with a soft edge, or a patch into the active layer.

Before/after: hold ``\\`` over the window (or View ▸ Compare Before/After, a toggle) to
see the image without the last result — the canvas leaves the new layer out, or shows the
patched pixels as they were — as long as the document has not changed since it landed.
Display only: the document, its history and what Save writes never change; any layer
edit, undo or tab switch ends the compare, while editing the AI mask or the selection
does not. When the fill used the AI mask, its red overlay is hidden as the result lands
(the mask itself is kept for a retry): View ▸ Show AI Mask (Ctrl+H) or painting the mask
shows it again.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from editor.document import Document, Event, Layer, LayerOverride, Rect
from editor.jobs.requests import DEFAULT_FEATHER, InpaintRequest, run_inpaint_request
from editor.ui import ai_common as ac
from editor.ui.canvas import keeps_display_override
from editor.ui.filters import FilterAction, register_filter

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.ui.canvas import Canvas
    from editor.ui.main_window import MainWindow

#: the engines' own context rule (ml.engines.inpaint.context_box): max(32, half the side)
MIN_CONTEXT = 32
CONTEXT_FRACTION = 0.5
COMPARE_KEY = Qt.Key.Key_Backslash


def context_margin(bbox: Rect, feather: int) -> int:
    """Margin around the mask's bbox that covers the feather plus the engine's context."""
    side = max(bbox.w, bbox.h) + 2 * feather
    return feather + max(MIN_CONTEXT, math.ceil(CONTEXT_FRACTION * side)) + 1


def inpaint_region(doc: Document, mask: np.ndarray, feather: int) -> Rect:
    """The document area a fill of ``mask`` reads: its bbox plus the context margin."""
    bbox = ac.mask_bounds(mask)
    assert bbox is not None
    return ac.context_region(doc, bbox, context_margin(bbox, max(0, int(feather))))


def inpaint_problem(doc: Document, mask: np.ndarray, region: Rect, source: str,
                    mode: str) -> str | None:
    """Why this fill cannot give a result (a message for the user), or None.

    Sampling an active layer that is empty around the mask would make an invisible
    layer; writing into a layer the mask does not touch would change nothing."""
    layer = doc.active_layer
    if source == ac.SOURCE_LAYER and ac.layer_is_empty(doc, layer, region):
        name = layer.name if layer is not None else "?"
        return (f"the active layer {name!r} is empty around the mask, so the fill would be "
                "empty: sample the merged image, or pick the layer that holds the pixels")
    if mode == ac.MODE_ACTIVE_LAYER:
        if layer is None:
            return "there is no active layer to write into"
        if layer.locked:
            return f"the layer {layer.name!r} is locked"
        inside = np.zeros(mask.shape, bool)
        inside[layer.bounds.intersect(doc.rect).slices()] = True
        if not np.asarray(mask)[inside].any():
            b = layer.bounds
            return (f"the mask lies outside the layer {layer.name!r} ({b.w}×{b.h} px at "
                    f"{b.x}, {b.y}), so nothing would change: choose \"New layer\" or "
                    "make the layer under the mask active")
    return None


def build_inpaint(
    doc: Document,
    engine_id: str,
    params: dict | None = None,
    *,
    source: str | None = None,
    mask_source: str | None = None,
    feather: int = DEFAULT_FEATHER,
    mode: str = ac.MODE_NEW_LAYER,
    step_delay: float = 0.0,
) -> InpaintRequest:
    """A frozen request for the document's current state; ValueError (a message for the
    user) when there is nothing to fill, the engine cannot run or the fill could not
    change anything (see :func:`inpaint_problem`). ``source`` None: :func:`ac.default_source`
    around the mask."""
    engine = ac.get_engine(engine_id, "inpaint")
    reason = engine.available()
    if reason is not None:
        raise ValueError(f"{engine.name}: {reason}")
    which = mask_source or ac.default_mask_source(doc)
    mask = ac.mask_array(doc, which)
    if mask is None:
        raise ValueError("paint the AI mask (mask brush) or make a selection over what to remove")
    feather = max(0, int(feather))
    region = inpaint_region(doc, mask, feather)
    if source is None:
        source = ac.default_source(doc, region, mask)
    problem = inpaint_problem(doc, mask, region, source, mode)
    if problem is not None:
        raise ValueError(problem)
    snap = ac.take_snapshot(doc, source, region, mask)
    hole, alpha = ac.feather_alpha(snap.mask, feather)
    resolved = engine.resolve_params(params or {})
    return InpaintRequest(
        snap, hole, alpha, engine.id, engine.name, tuple(sorted(resolved.items())), mode,
        feather, step_delay, which,
    )


def apply_inpaint(target: ac.ApplyTarget, req: InpaintRequest, result: np.ndarray) -> Any:
    """Land the result as ONE undo step and remember it for the before/after compare."""
    snap = req.snap
    doc = target.doc
    before = None
    if req.mode == ac.MODE_ACTIVE_LAYER:
        layer = target.layer
        index = target.layer_index()  # raises if it was deleted
        before = ac.layer_region(doc, doc.layers[index], snap.rect)
    out = ac.apply_result(target, snap, result, req.engine_name, req.mode, req.alpha, req.title)
    if out is None:  # checked before running; a backstop so "done" never means nothing
        raise ValueError("the fill did not change the layer (nothing to undo)")
    if isinstance(out, Layer):
        _remember(doc, _Compare(doc, layer=out))
    elif out is not None and before is not None and layer is not None:
        _remember(doc, _Compare(doc, layer=layer, rect=snap.rect, before=before))
    return out


def start_inpaint(window: MainWindow, req: InpaintRequest) -> JobHandle:
    """Submit ``req`` for the window's current document; the result applies itself."""
    doc = window.document
    assert doc is not None
    target = ac.ApplyTarget.capture(doc)
    install_compare(window)

    def apply(result: np.ndarray) -> None:
        apply_inpaint(target, req, result)
        reset_compare_action(window)
        if req.mask_source == ac.MASK_AI:
            # the red overlay would hide the result; the mask stays for a retry and
            # View ▸ Show AI Mask (or painting the mask) shows it again
            for view in window.views():
                if view.document is doc:
                    view.canvas.set_ai_mask_visible(False)

    return window.submit_job(req, run_inpaint_request, req.title, apply)


# --- the dialog -----------------------------------------------------------------------


class InpaintDialog(QDialog):
    """Engine + parameters, source, mask, feather and output; shows what will be processed."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.doc = window.document
        self.setWindowTitle("Remove / Inpaint")
        self.engine = ac.EngineCombo("inpaint", self, prefer="fsr")
        self.params = ac.ParamsForm(self)
        self.mask_source = ac.mask_source_combo(self.doc, self)
        self.source = ac.source_combo(self.doc, self, default=self._default_source())
        self.source.setToolTip("Active layer: fill from the active layer's own pixels. "
                               "Merged image: from everything visible (the default when "
                               "the active layer has no content around the mask)")
        self._source_chosen = False  # until the user picks one, it follows the mask
        self.source.activated.connect(self._source_picked)
        self.feather = QSpinBox()
        self.feather.setRange(0, 64)
        self.feather.setValue(DEFAULT_FEATHER)
        self.feather.setSuffix(" px")
        self.feather.setToolTip("soft edge: the fill blends out over this many pixels "
                                "outside the mask")
        self.to_layer = QRadioButton("New layer (named after the engine)")
        self.into_active = QRadioButton("Write into the active layer")
        self.to_layer.setChecked(True)
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
        self._engine_changed(self.engine.engine())

    def _mask_and_region(self) -> tuple[np.ndarray | None, Rect | None]:
        mask = ac.mask_array(self.doc, self.mask_source.currentData())
        if mask is None:
            return None, None
        feather = self.feather.value() if hasattr(self, "feather") else DEFAULT_FEATHER
        return mask, inpaint_region(self.doc, mask, feather)

    def _default_source(self) -> str:
        mask, region = self._mask_and_region()
        return ac.default_source(self.doc, region, mask)

    def _source_picked(self, _index: int) -> None:
        self._source_chosen = True
        self._update_info()

    def _context_changed(self) -> None:
        """Another mask or feather: the default source follows until the user picks one."""
        if not self._source_chosen:
            want = self._default_source()
            if want != self.source.currentData():
                self.source.setCurrentIndex(ac.SOURCES.index(want))  # updates the info
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
            "mode": ac.MODE_ACTIVE_LAYER if self.into_active.isChecked() else ac.MODE_NEW_LAYER,
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
        mode = ac.MODE_ACTIVE_LAYER if self.into_active.isChecked() else ac.MODE_NEW_LAYER
        problem = inpaint_problem(self.doc, mask, region, self.source.currentData(), mode)
        ok.setEnabled(problem is None)
        if problem is not None:
            self.info.setText(f"Cannot fill: {problem}.")
            return
        bbox = ac.mask_bounds(mask)
        assert bbox is not None
        layer = self.doc.active_layer
        why = ""
        if (self.source.currentData() == ac.SOURCE_MERGED and layer is not None
                and ac.layer_coverage(self.doc, layer, region, mask) < ac.COVERED):
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


def _callback(window: MainWindow) -> None:
    doc = window.document
    if doc is None or ac.default_mask_source(doc) is None:
        window.show_message("Remove / Inpaint: paint the AI mask (mask brush) or make a "
                            "selection over what to remove first")
        return
    req = ac.ask_request(window, InpaintDialog(window), "Remove / Inpaint")
    if req is not None:
        start_inpaint(window, req)


register_filter(FilterAction(
    "inpaint", "Remove / Inpaint…", _callback, icon="filter", group="ai",
    tooltip="Fill the AI mask (or the selection) from its surroundings, as a new layer",
))


# --- before / after ---------------------------------------------------------------------
#
# Display only: the canvas shows the document with the result layer left out, or with the
# patched pixels' "before" substituted (Canvas.set_display_override). The document — its
# pixels, layers, history, saves and autosaves — never sees the compare; any document
# change or a tab switch ends it, so the view is never stale.


class _Compare:
    """The last AI result of a document: what to show instead of it (a read-only
    :class:`LayerOverride`) until the layers change. Editing the AI mask or the selection
    (clearing the mask to look at the result, say) keeps it; any layer edit, undo or redo
    of one ends it (:func:`editor.ui.canvas.keeps_display_override`)."""

    def __init__(self, doc: Document, layer: Layer, rect: Rect | None = None,
                 before: np.ndarray | None = None) -> None:
        self._doc = weakref.ref(doc)  # the registry is keyed weakly by the document
        self.layer = layer
        self.rect = rect
        self.before = before
        self.stale = False
        doc.events.connect(self._event)

    def _event(self, ev: Event) -> None:
        if not keeps_display_override(ev):
            self.stale = True
            self.close()

    def close(self) -> None:
        doc = self._doc()
        if doc is not None:
            doc.events.disconnect(self._event)

    @property
    def valid(self) -> bool:
        doc = self._doc()
        return (not self.stale and doc is not None
                and any(x is self.layer for x in doc.layers))

    def override(self) -> LayerOverride:
        if self.before is None:
            return LayerOverride(self.layer)  # the new result layer, left out
        return LayerOverride(self.layer, self.rect, self.before)


_COMPARES: weakref.WeakKeyDictionary[Document, _Compare] = weakref.WeakKeyDictionary()


def _remember(doc: Document, cmp: _Compare) -> None:
    old = _COMPARES.get(doc)
    if old is not None:
        old.close()
    _COMPARES[doc] = cmp


def compare_state(doc: Document | None) -> _Compare | None:
    """The document's last AI result still comparable (None when it changed since)."""
    cmp = _COMPARES.get(doc) if doc is not None else None
    return cmp if cmp is not None and cmp.valid else None


def _end_compare(window: MainWindow) -> None:
    """Show every tab of the window as its document is (no document is touched)."""
    for view in window.views():
        view.canvas.set_display_override(None)


def show_before(window: MainWindow, before: bool) -> bool:
    """Show the current document without its last AI result (``before=True``) or as it
    is; display only, the document never changes. Returns whether there was a result to
    compare (``before=True``) or a before state shown (``before=False``)."""
    view = window.view
    if not before:
        shown = view is not None and view.canvas.display_override is not None
        _end_compare(window)
        if shown:
            window.show_message("After", 1500)
        return shown
    cmp = compare_state(window.document)
    if view is None or cmp is None:
        window.show_message("Nothing to compare: no AI result since the last edit")
        return False
    _hook_canvas(window, view.canvas)
    view.canvas.set_display_override(cmp.override())
    window.show_message("Before (release \\ for after)", 1500)
    return True


def _hook_canvas(window: MainWindow, canvas: Canvas) -> None:
    """Uncheck the toggle when the canvas drops its before view (the document changed)."""
    hooked = _HOOKED.setdefault(window, weakref.WeakSet())
    if canvas in hooked:
        return
    hooked.add(canvas)

    def changed() -> None:
        if canvas.display_override is None:
            reset_compare_action(window)

    canvas.display_override_changed.connect(changed)


_HOOKED: weakref.WeakKeyDictionary[Any, weakref.WeakSet] = weakref.WeakKeyDictionary()


class _CompareKey(QObject):
    """Application event filter: holding ``\\`` in the window shows the before state."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        if t in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent):
            if event.key() != COMPARE_KEY or event.isAutoRepeat():
                return False
            w = obj.window() if isinstance(obj, QWidget) else None
            if w is not self.window_:
                return False
            show_before(self.window_, t == QEvent.Type.KeyPress)
            return True
        return False


def install_compare(window: MainWindow) -> QAction:
    """Add the View ▸ Compare Before/After toggle and the hold-``\\`` key to a window
    (once; later calls return the same action)."""
    act = window.findChild(QAction, "ai.compare")
    if act is not None:
        return act
    act = QAction("Compare Before/After (hold \\)", window)
    act.setObjectName("ai.compare")
    act.setCheckable(True)
    act.setToolTip("Show the image without the last AI result (display only; "
                   "or hold \\ over the image)")

    def toggled(on: bool) -> None:
        if not show_before(window, on) and on:
            act.blockSignals(True)
            act.setChecked(False)
            act.blockSignals(False)

    act.toggled.connect(toggled)
    menu = getattr(window, "view_menu", None)
    if menu is not None:
        menu.addSeparator()
        menu.addAction(act)
    window.addAction(act)
    tabs = getattr(window, "tabs", None)
    if tabs is not None:  # another tab: the before view of this one must not linger
        tabs.currentChanged.connect(lambda _i: reset_compare_action(window))
    key_filter = _CompareKey(window)
    key_filter.setObjectName("ai.compare-key")
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(key_filter)
        window.destroyed.connect(lambda *_: app.removeEventFilter(key_filter))
    return act


def reset_compare_action(window: MainWindow) -> None:
    """End the compare (display only) and uncheck the toggle; the document is untouched."""
    _end_compare(window)
    act = window.findChild(QAction, "ai.compare")
    if act is not None and act.isChecked():
        act.blockSignals(True)
        act.setChecked(False)
        act.blockSignals(False)
