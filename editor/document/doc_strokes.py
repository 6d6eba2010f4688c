"""Document brush strokes (begin / stroke_to / dab / end / abort): a mixin of :class:`Document`."""

from __future__ import annotations

from editor.document.brush import STROKE_TARGETS, BrushSettings, Stroke
from editor.document.commands import PixelCommand
from editor.document.events import Rect
from editor.document.layer import LayerLockedError


class StrokeMixin:
    """Brush strokes of :class:`~editor.document.document.Document`; one stroke = one undo step."""

    @property
    def stroke_active(self) -> bool:
        return self._stroke is not None

    def _no_stroke(self) -> None:
        if self._stroke is not None:
            raise RuntimeError("finish or abort the brush stroke first")

    def begin_stroke(
        self,
        target: str = "pixels",
        settings: BrushSettings | None = None,
        layer_index: int | None = None,
        respect_selection: bool = True,
    ) -> None:
        """Start a stroke on ``target``: "pixels" or "mask" of a layer (default active),
        "ai_mask" or "selection". Painting on a layer is limited to the selection when
        one exists. Raises LayerLockedError for locked layers, ValueError for a "mask"
        target on a layer without mask."""
        self._no_stroke()
        if target not in STROKE_TARGETS:
            raise ValueError(f"unknown stroke target {target!r}; expected one of {STROKE_TARGETS}")
        settings = settings or BrushSettings()
        layer = None
        ox = oy = 0
        restrict = None
        if target in ("pixels", "mask"):
            _i, layer = self._layer(layer_index)
            if layer.locked:
                raise LayerLockedError(f"layer {layer.name!r} is locked")
            ox, oy = layer.offset
            if respect_selection and self._selection_active:
                restrict = self._doc_to_layer(self._selection, layer)
        array = self._target_array(target, layer)

        def changed(rect: Rect) -> None:
            self._target_changed(target, layer, rect)

        self._stroke = Stroke(array, settings, changed, restrict)
        self._stroke_info = (target, layer, ox, oy)

    def stroke_to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue the stroke to document point (x, y); returns the changed doc rect."""
        return self._in_stroke("stroke_to", x, y, pressure)

    def dab(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """A single dab at document point (x, y) within the current stroke."""
        return self._in_stroke("dab", x, y, pressure)

    def _in_stroke(self, op: str, x: float, y: float, pressure: float) -> Rect | None:
        """``Stroke.<op>`` at document point (x, y) in the layer's coordinates; the changed
        rect back in document coordinates."""
        if self._stroke is None or self._stroke_info is None:
            raise RuntimeError("no brush stroke in progress; call begin_stroke first")
        _t, _l, ox, oy = self._stroke_info
        r = getattr(self._stroke, op)(x - ox, y - oy, pressure)
        return None if r is None else r.translated(ox, oy)

    def end_stroke(self, text: str | None = None) -> bool:
        """Commit the stroke as one undo step (only changed tiles kept). Returns whether
        anything changed."""
        if self._stroke is None or self._stroke_info is None:
            return False
        stroke, (target, layer, _ox, _oy) = self._stroke, self._stroke_info
        self._stroke = self._stroke_info = None
        diff = stroke.diff()
        if diff.empty:
            return False
        if text is None:
            # Strokes other than the brush's (clone/heal, editor.document.heal) name themselves.
            text = getattr(stroke, "history_text", None) or {
                "pixels": "Eraser" if stroke.settings.erase else "Brush stroke",
                "mask": "Paint layer mask",
                "ai_mask": "Paint AI mask",
                "selection": "Paint selection",
            }[target]
        self.undo.push(PixelCommand(self, target, layer, diff, text), apply=False)
        return True

    commit_stroke = end_stroke

    def abort_stroke(self) -> None:
        """Drop the stroke and restore the pre-stroke pixels; nothing enters the history."""
        if self._stroke is None or self._stroke_info is None:
            return
        stroke, (target, layer, _ox, _oy) = self._stroke, self._stroke_info
        self._stroke = self._stroke_info = None
        rect = stroke.restore()
        self._target_changed(target, layer, rect)
