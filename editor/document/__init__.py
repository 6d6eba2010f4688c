"""The document model: pure Python + numpy (no Qt, no torch, no other editor layers).

Public API (what io, jobs and ui call)
======================================

Document(width, height, depth=8, layers=None, undo_limit=200, undo_max_bytes=1 GiB)
    Document.from_pixels(pixels, name="Background") -> Document   # depth from dtype
    .width .height .size (w, h) .rect  .depth (8|16) .dtype (uint8|uint16) .max_value
    .layers -> tuple[Layer, ...]  bottom → top (index 0 = bottom); read-only tuple
    .active_index (settable; emits "active-changed")  .active_layer  .index_of(layer)
    .selection: Selection   .ai_mask -> (H, W) uint8 read-only view (0 = off)
    .metadata: dict ("icc_profile": bytes|None, "exif": bytes|None, free keys)
    .set_metadata(key, value)                     # emits "metadata-changed"; not undoable
    .undo: UndoStack   .events: EventHub   .compositor: Compositor
    .composite(rect=None, override=None) -> (h, w, 4) straight-alpha array of the doc dtype
        (a copy); rect = (x, y, w, h); 32² cell cache, only dirty cells recomposited.
        override: LayerOverride(layer, rect=None, pixels=None), read-only: that layer
        left out, or its pixels over rect taken from ``pixels`` (display compare).
    .geometry_generation  # bumped by crop/resize_canvas/resize_image and their undo/redo
    .notify_pixels_changed(index=None, rect=None)  # after writing layer.pixels in place

  Layer operations (each exactly one undo step; index None = active layer):
    add_layer(name=None, pixels=None, index=None, offset=(0, 0), text=None, **layer_props) -> Layer
    add_layer_with_pixels(pixels, name, text=None, x=0, y=0, mask=None, metadata=None)
        -> Layer   # AI results; metadata e.g. {"retouch.latent": {"model": ..., ...}}
    delete_layer(index=None); duplicate_layer(index=None) -> Layer
    rename_layer(index, name); move_layer(index, new_index)
    set_layer_property(index, prop, value, merge=True, text=None)   # consecutive same-prop
        changes of one layer merge into one step (slider drags); call doc.undo.seal() at
        drag end. Mask and metadata changes never merge.
    set_layer_metadata(index, key, value, text=None)   # one entry, others kept
    remove_layer_metadata(index, key, text=None) -> bool   # False: no such entry, no step
    add_layer_mask(index=None, from_selection=False); remove_layer_mask(index=None)
    merge_down(index=None) -> Layer; flatten() -> Layer   # results carry no metadata
    layer_from_selection(index=None, mask=None, name=None) -> Layer   # no metadata either
    duplicate_layer copies metadata and foreign records (Layer.copy does)
    crop(x, y, w, h); resize_canvas(width, height, anchor="center" | (ax, ay));
    resize_image(width, height, resample="lanczos")  # nearest|bilinear|bicubic|lanczos (PIL, lazy)
    apply_patch(layer_index, x, y, pixels, text, mask=None) -> Rect | None
        # AI results into a layer; (x, y) doc coords; stores only changed 64² tiles
    set_ai_mask(mask, text="Set AI mask"); clear_ai_mask()

  Brush (one stroke = one undo step):
    begin_stroke(target="pixels", settings=BrushSettings(), layer_index=None, respect_selection=True)
        target: "pixels" | "mask" (layer mask) | "ai_mask" | "selection"
    stroke_to(x, y, pressure=1.0) -> Rect | None   # doc coords, spacing-interpolated dabs
    dab(x, y, pressure=1.0) -> Rect | None
    end_stroke(text=None) -> bool  (alias commit_stroke); abort_stroke(); .stroke_active
  BrushSettings(size=20, hardness=0.8, opacity=1.0, color=(r, g, b) floats 0..1,
                erase=False, spacing=0.15, pressure_size=False)   # frozen dataclass
    erase on pixels erases alpha; on masks it subtracts (hide / deselect), else adds.
    Overlapping dabs never exceed the stroke opacity (build-up off).

Layer(pixels, name="Layer", *, opacity=1.0, visible=True, blend_mode="svg:src-over",
      locked=False, offset=(0, 0), mask=None, metadata=None, foreign=None)
    .pixels (h, w, 4) straight-alpha uint8|uint16; .mask (h, w) uint8 or None (255 = show)
    .name .opacity .visible .blend_mode .locked .offset .metadata: validated setters;
    setting them directly emits "layer-changed" through the owning document but is NOT
    undoable. .metadata returns a deep copy (JSON data: str keys; str/int/float/bool/None,
    lists, dicts; coerce_metadata(value) validates, ValueError naming the bad entry).
    "retouch.*" keys are Retouch's own ("retouch.latent": model, latent, region).
    .foreign: read-only {prop: ForeignAttribute(attribute, original, shown)} of file
    values substituted on reading; .foreign_value(prop) -> original text while the
    property still equals ``shown``, else None (what writers put back).
    .region(rect) -> (h, w, 4) copy of the pixels over doc rect (x, y, w, h), offset
    applied, transparent where the layer does not reach (no opacity/mask applied).
    .set(prop, value) .get(prop) .bounds (Rect in doc coords) .width .height .copy()
    LAYER_PROPERTIES = ("name", "visible", "opacity", "blend_mode", "locked", "offset",
                        "mask", "metadata")

Selection (doc.selection): .mask -> (H, W) uint8 read-only or None (nothing selected)
    .active / bool(selection), .to_mask() -> uint8 copy (zeros if none), .bounds() -> Rect|None
    select_rect(x, y, w, h, mode="replace"), select_ellipse(...), select_lasso(points, mode),
    select_all(), select_none(), invert(), feather(radius), set_mask(mask, mode="replace")
    mode: "replace" | "add" | "subtract" | "intersect". Each is one undo step.
    Shape options: select_rect(..., feather=0), select_ellipse(..., antialias=True,
    feather=0), select_lasso(points, mode, antialias=False, feather=0);
    grow(radius), shrink(radius), from_alpha(index=None) (Alpha to Selection).

Free transform (editor.document.transform): transform_layer(doc, matrix, index=None,
    selection_only=False) -- 2×3 affine in document coordinates, one undo step;
    affine_rgba(pixels, origin, matrix) resamples (whole-pixel moves exact).
Clipboard pixels (editor.document.copy_paste): copy_selection(doc, merged=False) -> Clip,
    cut_selection(doc) -> Clip (one step), clear_selection(doc), paste_position(...).

UndoStack: push(command, apply=True), undo(), redo(), can_undo, can_redo, index, count,
    text(i), undo_text, redo_text, set_index(i) (history panel), limit (steps, settable),
    max_bytes (settable), memory (bytes held), seal(), clear(), set_clean(), is_clean
Command: redo(), undo(), text, merge_with(other) -> bool, nbytes

EventHub (doc.events): connect(cb), disconnect(cb); cb(Event) with
    Event(kind, index=None, prop=None, rect=None, target=None, value=None); kinds:
    "layer-added" (index, rect), "layer-removed" (index, rect), "layer-moved" (index=new,
    value=old), "layer-changed" (index, prop, rect), "pixels-changed" (rect, target, index),
    "selection-changed", "ai-mask-changed", "active-changed" (index), "history-changed",
    "size-changed", "metadata-changed" (prop)

  Clone / heal / spot heal (editor.document.heal; one stroke = one undo step):
    source = CloneSource(x, y)   # Ctrl/Alt-click, doc coords; .set(x, y); .offset (aligned)
    stroke = begin_clone_stroke(doc, source, CloneSettings(size=30, hardness=0.6,
        opacity=1.0, spacing=0.15, mode="clone"|"heal", aligned=True,
        sample="layer"|"merged", pressure_size=False), layer_index=None, respect_selection=True)
    stroke.to(x, y, pressure) / stroke.dab_at(x, y) -> Rect | None   (= doc.stroke_to / doc.dab)
    stroke.commit(text=None) -> bool ("Clone stamp" / "Healing brush"); stroke.abort()
    SpotHealStroke(size, hardness, spacing).stroke_to(x, y) collects the painted area;
    spot_heal(doc, stroke_or_mask, fill=None) -> Rect | None   # fill default diffusion_fill
    spot_heal_request(doc, stroke_or_mask) -> SpotHealRequest | None   (async: .image(), .hole)
    apply_spot_heal(doc, request, filled) -> Rect | None   # ValueError when stale
    fills: fill(image float32 (h, w, 3) 0..1, hole bool (h, w)) -> image; diffusion_fill,
    opencv_fill("telea"|"ns")

  Geometry (editor.document.transform; each one undo step; angles in degrees, clockwise):
    rotate_90(doc, clockwise=True); rotate_180(doc); flip_horizontal(doc); flip_vertical(doc)
    straighten(doc, angle, mode="crop"|"grow"); straighten_angle(x0, y0, x1, y1) -> angle
    crop_rotated(doc, x, y, w, h, angle=0.0); inscribed_size(w, h, angle)

  Adjustments (editor.document.adjust; pure functions on (h, w, 3|4) uint8/uint16, alpha kept):
    levels(px, master=Levels(in_black, in_white, gamma, out_black, out_white), red=, green=,
    blue=); curves(px, master=[(x, y), ...], red=, green=, blue=); curve(points, x);
    brightness_contrast(px, brightness, contrast); exposure(px, stops, offset, gamma);
    hue_saturation(px, hue, saturation, lightness); white_balance(px, picked);
    gaussian_blur(px, radius); unsharp_mask(px, amount, radius, threshold);
    denoise(px, strength, radius); histogram(px, bins=256, mask=None) -> (4, bins)
    apply_adjustment(doc, func, layer_index=None, text="Adjust", feather=0,
        respect_selection=True, margin=0) -> Rect | None   # margin: filter_margin(radius)

Blend modes (OpenRaster names, W3C Compositing Level 1): BLEND_MODES, BLEND_MODE_NAMES
    (human names), normalize_blend_mode(name) ("multiply" → "svg:multiply"),
    blend(cb, ab, cs, as_, mode) on float32 straight colour/alpha.
box_blur(a, radius, axis) -> float32 array   # running-sum box mean along one axis,
    edges replicated, any ndim (editor.document.filters)
Errors: ValueError with a clear message for bad input; LayerLockedError(ValueError) for
    edits of locked layers; RuntimeError for misuse (ops during a stroke).
Rect(x, y, w, h) NamedTuple with intersect/union/translated/slices.
"""

from __future__ import annotations

from editor.document.adjust import (
    Levels,
    apply_adjustment,
    brightness_contrast,
    curves,
    denoise,
    exposure,
    filter_margin,
    gaussian_blur,
    histogram,
    hue_saturation,
    levels,
    unsharp_mask,
    white_balance,
)
from editor.document.blend import (
    BLEND_MODE_NAMES,
    BLEND_MODES,
    blend,
    normalize_blend_mode,
)
from editor.document.brush import STROKE_TARGETS, BrushSettings
from editor.document.compositor import (
    COMPOSITE_TILE,
    Compositor,
    LayerOverride,
    composite_layers,
)
from editor.document.document import ANCHORS, Document
from editor.document.events import EVENT_KINDS, Event, EventHub, Rect
from editor.document.filters import box_blur
from editor.document.heal import (
    CloneSettings,
    CloneSource,
    CloneStroke,
    SpotHealRequest,
    SpotHealStroke,
    apply_spot_heal,
    begin_clone_stroke,
    diffusion_fill,
    opencv_fill,
    spot_heal,
    spot_heal_request,
)
from editor.document.layer import (
    LAYER_PROPERTIES,
    ForeignAttribute,
    Layer,
    LayerLockedError,
    coerce_metadata,
)
from editor.document.selection import COMBINE_MODES, Selection
from editor.document.transform import (
    crop_rotated,
    flip_horizontal,
    flip_vertical,
    rotate_90,
    rotate_180,
    straighten,
    straighten_angle,
)
from editor.document.undo import Command, TileDiff, UndoStack

__all__ = [
    "ANCHORS",
    "BLEND_MODES",
    "BLEND_MODE_NAMES",
    "COMBINE_MODES",
    "COMPOSITE_TILE",
    "EVENT_KINDS",
    "LAYER_PROPERTIES",
    "STROKE_TARGETS",
    "BrushSettings",
    "CloneSettings",
    "CloneSource",
    "CloneStroke",
    "Command",
    "Compositor",
    "Document",
    "Event",
    "EventHub",
    "ForeignAttribute",
    "Layer",
    "LayerLockedError",
    "LayerOverride",
    "Levels",
    "Rect",
    "Selection",
    "SpotHealRequest",
    "SpotHealStroke",
    "TileDiff",
    "UndoStack",
    "apply_adjustment",
    "apply_spot_heal",
    "begin_clone_stroke",
    "blend",
    "box_blur",
    "brightness_contrast",
    "coerce_metadata",
    "composite_layers",
    "crop_rotated",
    "curves",
    "denoise",
    "diffusion_fill",
    "exposure",
    "filter_margin",
    "flip_horizontal",
    "flip_vertical",
    "gaussian_blur",
    "histogram",
    "hue_saturation",
    "levels",
    "normalize_blend_mode",
    "opencv_fill",
    "rotate_90",
    "rotate_180",
    "spot_heal",
    "spot_heal_request",
    "straighten",
    "straighten_angle",
    "unsharp_mask",
    "white_balance",
]
