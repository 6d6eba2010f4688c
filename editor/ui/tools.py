"""Canvas tools and the shared tool settings.

Tools turn mouse input (already mapped to document coordinates by the canvas) into calls
on the document's public API; a brush stroke is one undo step (begin/stroke_to/end).
:class:`ToolState` is the one place the current tool and its options live; the tool
options panel mirrors it and never holds state of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

from editor.document import BrushSettings, Document, LayerLockedError
from editor.document.selection import COMBINE_MODES

if TYPE_CHECKING:
    from editor.ui.canvas import Canvas


@dataclass(frozen=True)
class ToolInfo:
    id: str
    title: str
    icon: str
    shortcut: str


#: The toolbox, in toolbar order. Shortcuts follow Krita/Photoshop where they agree.
TOOLS: tuple[ToolInfo, ...] = (
    ToolInfo("brush", "Brush", "brush", "B"),
    ToolInfo("eraser", "Eraser", "eraser", "E"),
    ToolInfo("mask-brush", "Mask Brush", "mask-brush", "M"),
    ToolInfo("rect-select", "Rectangle Select", "rect-select", "R"),
    ToolInfo("ellipse-select", "Ellipse Select", "ellipse-select", "Shift+R"),
    ToolInfo("lasso", "Lasso Select", "lasso", "L"),
    ToolInfo("move", "Move Layer", "move", "V"),
    ToolInfo("picker", "Colour Picker", "picker", "I"),
    ToolInfo("fill", "Fill", "fill", "G"),
    # Retouching (editor.ui.tools_heal, editor.ui.tools_crop): Photoshop's letters.
    ToolInfo("heal", "Healing Brush", "heal", "J"),
    ToolInfo("spot-heal", "Spot Healing Brush", "spot-heal", "Shift+J"),
    ToolInfo("clone", "Clone Stamp", "clone", "S"),
    ToolInfo("crop", "Crop", "crop", "C"),
    # Ctrl+T is Edit ▸ Free Transform's shortcut (editor.ui.tools_transform).
    ToolInfo("transform", "Free Transform", "transform", ""),
)

#: the selection tools, which take the mode / feather / antialias options
SELECTION_TOOLS = ("rect-select", "ellipse-select", "lasso")

SIZE_STEPS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150,
              200, 250, 300, 400, 500, 700, 1000)


class ToolState(QObject):
    """Current tool and its options. ``changed(name)`` fires after each change."""

    changed = Signal(str)
    #: a command for the current tool from its options (e.g. "crop.apply"); the visible
    #: canvas passes it to its tool (Tool.command)
    request = Signal(str)

    _DEFAULTS: ClassVar[dict[str, Any]] = {
        "tool": "brush",
        "size": 20.0,
        "hardness": 0.8,
        "opacity": 1.0,
        "color": (0.0, 0.0, 0.0),
        "mask_target": "ai_mask",  # "ai_mask" | "mask" (the active layer's mask)
        "mask_subtract": False,
        "tolerance": 32,  # 0..255, per channel, like GIMP's threshold
        "fill_contiguous": True,
        "clone_aligned": True,  # heal/clone: keep the source offset across strokes
        "clone_sample": "layer",  # "layer" | "merged"
        "spot_fill": "proximity",  # spot healing: "proximity" (texture) | "smooth"
        "crop_aspect": "free",  # a key of editor.ui.tools_crop.ASPECTS
        "crop_portrait": False,  # swap the preset's width and height
        "crop_thirds": True,  # rule-of-thirds overlay
        "crop_straighten": False,  # the next crop-tool drag draws a horizon line
        # Selection tools (GIMP/Photoshop options; Shift/Alt while dragging override mode).
        "select_mode": "replace",  # one of editor.document.selection.COMBINE_MODES
        "select_feather": 0.0,  # px, 0 = off
        "select_antialias": True,  # ellipse and lasso
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._values = dict(self._DEFAULTS)
        #: the tool chosen before the current one (Free Transform returns to it)
        self.previous_tool = ""

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    def set(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise ValueError(f"unknown tool option {name!r}")
        if name == "tool" and value not in {t.id for t in TOOLS}:
            raise ValueError(f"unknown tool {value!r}")
        if name == "size":
            value = float(min(1000.0, max(1.0, float(value))))
        elif name in ("hardness", "opacity"):
            value = float(min(1.0, max(0.0, float(value))))
        elif name == "color":
            value = tuple(float(min(1.0, max(0.0, float(c)))) for c in value)[:3]
        elif name == "tolerance":
            value = int(min(255, max(0, int(value))))
        elif name == "mask_target" and value not in ("ai_mask", "mask"):
            raise ValueError(f"mask target must be 'ai_mask' or 'mask', got {value!r}")
        elif name == "clone_sample" and value not in ("layer", "merged"):
            raise ValueError(f"clone sample must be 'layer' or 'merged', got {value!r}")
        elif name == "spot_fill" and value not in ("proximity", "smooth"):
            raise ValueError(f"spot fill must be 'proximity' or 'smooth', got {value!r}")
        elif name == "select_mode" and value not in COMBINE_MODES:
            raise ValueError(f"selection mode must be one of {COMBINE_MODES}, got {value!r}")
        elif name == "select_feather":
            value = float(min(500.0, max(0.0, float(value))))
        elif name == "select_antialias":
            value = bool(value)
        if self._values[name] == value:
            return
        if name == "tool":
            self.previous_tool = self._values["tool"]
        self._values[name] = value
        self.changed.emit(name)

    def step_size(self, up: bool) -> None:
        """``]``/``[``: next larger/smaller size from a roughly logarithmic ladder."""
        s = self.size
        if up:
            nxt = next((v for v in SIZE_STEPS if v > s + 1e-6), SIZE_STEPS[-1])
        else:
            nxt = next((v for v in reversed(SIZE_STEPS) if v < s - 1e-6), SIZE_STEPS[0])
        self.set("size", nxt)

    def brush_settings(self, erase: bool = False) -> BrushSettings:
        return BrushSettings(size=self.size, hardness=self.hardness, opacity=self.opacity,
                             color=self.color, erase=erase)


def selection_mode(modifiers: Qt.KeyboardModifier, default: str = "replace") -> str:
    """Photoshop/GIMP modifiers: Shift adds, Alt (or Ctrl) subtracts, both intersect;
    no modifier: ``default`` (the tool options' mode)."""
    shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
    alt = bool(modifiers & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier))
    if shift and alt:
        return "intersect"
    if shift:
        return "add"
    if alt:
        return "subtract"
    return default


class Tool:
    """Base: press/move/release get document coordinates; ``overlay`` draws previews."""

    cursor_outline = False

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas

    @property
    def doc(self) -> Document:
        return self.canvas.document

    @property
    def state(self) -> ToolState:
        return self.canvas.tool_state

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None: ...

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None: ...

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None: ...

    def cancel(self) -> None: ...

    def activate(self) -> None:
        """The tool was just chosen (Free Transform puts up its box here)."""

    def hover(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        """The mouse moved with no button down (document coordinates)."""

    def key_press(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """A key pressed on the canvas; True when the tool used it (Enter applies a crop or
        a transform)."""
        return False

    def paint_overlay(self, painter: QPainter) -> None:
        """Draw tool feedback over the image (screen coordinates; see canvas.to_screen)."""

    def command(self, name: str) -> None:
        """A command from the tool options (ToolState.request)."""

    def option_changed(self, name: str) -> None:
        """A tool option changed while this is the canvas's current tool."""

    def overlay_shape(self) -> tuple[str, list[QPointF]] | None:
        return None

    def select_mode(self, modifiers: Qt.KeyboardModifier) -> str:
        """The selection mode of a drag: the modifiers, else the tool options' mode."""
        return selection_mode(modifiers, self.state.select_mode)


class BrushTool(Tool):
    cursor_outline = True
    erase = False

    def target(self, modifiers: Qt.KeyboardModifier) -> tuple[str, bool]:
        return "pixels", self.erase

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        target, erase = self.target(modifiers)
        if target == "mask" and self.doc.active_layer is not None \
                and self.doc.active_layer.mask is None and not self.doc.active_layer.locked:
            self.doc.add_layer_mask()  # Krita adds one on demand too; its own undo step
        try:
            self.doc.begin_stroke(target, self.state.brush_settings(erase))
        except (LayerLockedError, ValueError) as exc:
            self.canvas.message.emit(str(exc))
            return
        try:
            self.doc.stroke_to(p.x(), p.y())
        except Exception:
            # Never leave a half-open stroke behind: it would block autosave and later tools.
            self.doc.abort_stroke()
            raise

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.doc.stroke_active:
            self.doc.stroke_to(p.x(), p.y())

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.doc.stroke_active:
            self.doc.stroke_to(p.x(), p.y())
            self.doc.end_stroke()

    def cancel(self) -> None:
        if self.doc.stroke_active:
            self.doc.abort_stroke()


class EraserTool(BrushTool):
    erase = True


class MaskBrushTool(BrushTool):
    """Paints the AI mask (default) or the active layer's mask; Alt flips add/subtract."""

    def target(self, modifiers: Qt.KeyboardModifier) -> tuple[str, bool]:
        subtract = self.state.mask_subtract != bool(modifiers & Qt.KeyboardModifier.AltModifier)
        return self.state.mask_target, subtract


class _DragSelect(Tool):
    kind = "rect"

    def __init__(self, canvas: Canvas) -> None:
        super().__init__(canvas)
        self.start: QPointF | None = None
        self.end: QPointF | None = None

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.start = self.end = p

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.start is not None:
            self.end = p
            self.canvas.update()

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.start is None:
            return
        s, self.start, self.end = self.start, None, None
        x0, x1 = sorted((round(s.x()), round(p.x())))
        y0, y1 = sorted((round(s.y()), round(p.y())))
        mode = self.select_mode(modifiers)
        if x1 - x0 < 1 or y1 - y0 < 1:
            if mode == "replace":  # a click without a drag deselects, as everywhere
                self.doc.selection.select_none()
            self.canvas.update()
            return
        feather = self.state.select_feather
        if self.kind == "rect":
            self.doc.selection.select_rect(x0, y0, x1 - x0, y1 - y0, mode, feather=feather)
        else:
            self.doc.selection.select_ellipse(x0, y0, x1 - x0, y1 - y0, mode,
                                              self.state.select_antialias, feather)

    def cancel(self) -> None:
        self.start = self.end = None

    def overlay_shape(self) -> tuple[str, list[QPointF]] | None:
        if self.start is None or self.end is None:
            return None
        return self.kind, [self.start, self.end]


class RectSelectTool(_DragSelect):
    kind = "rect"


class EllipseSelectTool(_DragSelect):
    kind = "ellipse"


class LassoTool(Tool):
    def __init__(self, canvas: Canvas) -> None:
        super().__init__(canvas)
        self.points: list[QPointF] = []

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.points = [p]

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.points:
            self.points.append(p)
            self.canvas.update()

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        pts, self.points = self.points + [p], []
        mode = self.select_mode(modifiers)
        if len(pts) < 3:
            if mode == "replace":
                self.doc.selection.select_none()
            return
        self.doc.selection.select_lasso([(q.x(), q.y()) for q in pts], mode,
                                        self.state.select_antialias, self.state.select_feather)

    def cancel(self) -> None:
        self.points = []

    def overlay_shape(self) -> tuple[str, list[QPointF]] | None:
        return ("polyline", self.points) if self.points else None


class MoveTool(Tool):
    """Drags the active layer; consecutive offset changes merge into one undo step."""

    def __init__(self, canvas: Canvas) -> None:
        super().__init__(canvas)
        self.start: QPointF | None = None
        self.origin = (0, 0)

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        layer = self.doc.active_layer
        if layer is None:
            return
        if layer.locked:
            self.canvas.message.emit(f"layer {layer.name!r} is locked")
            return
        self.doc.undo.seal()  # never merge into an earlier, separate move
        self.start, self.origin = p, layer.offset

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.start is None:
            return
        dx, dy = round(p.x() - self.start.x()), round(p.y() - self.start.y())
        self.doc.set_layer_property(self.doc.active_index, "offset",
                                    (self.origin[0] + dx, self.origin[1] + dy), merge=True)

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.start is None:
            return
        self.move(p, modifiers)
        self.start = None
        self.doc.undo.seal()

    def cancel(self) -> None:
        if self.start is not None:
            self.doc.set_layer_property(self.doc.active_index, "offset", self.origin, merge=True)
            self.start = None
            self.doc.undo.seal()


def sample_color(doc: Document, x: float, y: float) -> tuple[float, float, float, float] | None:
    """The composite colour at a document point as floats 0..1 (RGBA), None outside."""
    ix, iy = int(x), int(y)
    if not (0 <= ix < doc.width and 0 <= iy < doc.height):
        return None
    px = doc.composite((ix, iy, 1, 1))[0, 0].astype(np.float64) / doc.max_value
    return tuple(float(v) for v in px)  # type: ignore[return-value]


class PickerTool(Tool):
    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._pick(p)

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._pick(p)

    def _pick(self, p: QPointF) -> None:
        c = sample_color(self.doc, p.x(), p.y())
        if c is not None:
            self.state.set("color", c[:3])


def fill_region(pixels: np.ndarray, x: int, y: int, tolerance: int, contiguous: bool,
                max_value: int) -> np.ndarray:
    """Pixels similar to the seed (every RGBA channel within ``tolerance`` on a 0..255
    scale), connected to it when ``contiguous``. Returns a bool mask of the layer."""
    a = pixels.astype(np.int32)
    tol = round(tolerance * max_value / 255)
    seed = a[y, x]
    similar = np.all(np.abs(a - seed) <= tol, axis=2)
    if not contiguous:
        return similar
    import cv2  # flood fill on the 'similar' map: cv2 labels connected components fast

    _n, labels = cv2.connectedComponents(similar.astype(np.uint8), connectivity=4)
    return labels == labels[y, x]


class FillTool(Tool):
    """Bucket fill of the active layer with the brush colour, limited to the selection."""

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        doc, layer = self.doc, self.doc.active_layer
        if layer is None:
            return
        if layer.locked:
            self.canvas.message.emit(f"layer {layer.name!r} is locked")
            return
        ox, oy = layer.offset
        lx, ly = int(p.x()) - ox, int(p.y()) - oy
        if not (0 <= lx < layer.width and 0 <= ly < layer.height):
            return
        region = fill_region(layer.pixels, lx, ly, self.state.tolerance,
                             self.state.fill_contiguous, doc.max_value)
        weight = region.astype(np.float32)
        sel = doc.selection.mask
        if sel is not None:
            crop = np.zeros(region.shape, np.float32)
            # The selection is in document coordinates; cut the part under the layer.
            x0, y0 = max(0, ox), max(0, oy)
            x1, y1 = min(doc.width, ox + layer.width), min(doc.height, oy + layer.height)
            if x1 > x0 and y1 > y0:
                crop[y0 - oy:y1 - oy, x0 - ox:x1 - ox] = sel[y0:y1, x0:x1] / 255.0
            weight *= crop
        weight *= self.state.opacity
        ys, xs = np.nonzero(weight > 0)
        if len(ys) == 0:
            return
        by0, by1, bx0, bx1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        patch = np.empty((by1 - by0, bx1 - bx0, 4), np.float32)
        patch[..., :3] = self.state.color
        patch[..., 3] = 1.0
        doc.apply_patch(doc.active_index, ox + bx0, oy + by0, patch, "Fill",
                        mask=weight[by0:by1, bx0:bx1])


TOOL_CLASSES: dict[str, type[Tool]] = {
    "brush": BrushTool,
    "eraser": EraserTool,
    "mask-brush": MaskBrushTool,
    "rect-select": RectSelectTool,
    "ellipse-select": EllipseSelectTool,
    "lasso": LassoTool,
    "move": MoveTool,
    "picker": PickerTool,
    "fill": FillTool,
}


#: extra rows of the tool options panel: tool id -> factory(state) -> widget
TOOL_OPTIONS: dict[str, Callable[[ToolState], QWidget]] = {}


def _register_module_tools() -> None:
    # Imported here: those modules subclass the tools above.
    from editor.ui.tools_crop import CropOptions, CropTool
    from editor.ui.tools_heal import (
        CloneTool,
        HealTool,
        SourceOptions,
        SpotHealOptions,
        SpotHealTool,
    )
    from editor.ui.tools_transform import TransformTool

    TOOL_CLASSES.update({"heal": HealTool, "spot-heal": SpotHealTool, "clone": CloneTool,
                         "crop": CropTool, "transform": TransformTool})
    TOOL_OPTIONS.update({"heal": SourceOptions, "clone": SourceOptions,
                         "spot-heal": SpotHealOptions, "crop": CropOptions})


_register_module_tools()
