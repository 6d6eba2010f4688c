"""Layer: straight-alpha RGBA pixels plus validated, event-emitting properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from editor.document.blend import normalize_blend_mode
from editor.document.events import Rect

#: Properties settable through :meth:`Layer.set` / ``Document.set_layer_property``.
LAYER_PROPERTIES = ("name", "visible", "opacity", "blend_mode", "locked", "offset", "mask")


class LayerLockedError(ValueError):
    """Raised when an edit targets a locked layer; the message names the layer."""


def coerce_pixels(pixels: Any, dtype: np.dtype, what: str = "pixels") -> np.ndarray:
    """Return ``pixels`` as a writeable, C-contiguous ``(h, w, 4)`` array of ``dtype``.

    Accepts RGB (opaque alpha added), RGBA, grey ``(h, w)``; uint8, uint16 (rescaled to
    the target depth) or floats in [0, 1]. Raises ValueError with a clear message otherwise.
    """
    dtype = np.dtype(dtype)
    a = np.asarray(pixels)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"{what}: expected an (h, w, 3|4) image array, got shape {a.shape}")
    target_max = float(np.iinfo(dtype).max)
    if a.dtype == dtype:
        out = a
    elif a.dtype in (np.uint8, np.uint16):
        if a.dtype == np.uint8 and dtype == np.uint16:
            out = a.astype(np.uint16) * 257
        elif a.dtype == np.uint16 and dtype == np.uint8:
            out = ((a.astype(np.uint32) + 128) // 257).astype(np.uint8)
        else:
            out = a.astype(dtype)
    elif a.dtype.kind == "f":
        out = np.rint(np.clip(a, 0.0, 1.0) * target_max).astype(dtype)
    else:
        raise ValueError(f"{what}: unsupported pixel type {a.dtype}; use uint8, uint16 or float")
    if out.shape[2] == 1:
        out = np.repeat(out, 3, axis=2)
    if out.shape[2] == 3:
        alpha = np.full(out.shape[:2] + (1,), np.iinfo(dtype).max, dtype=dtype)
        out = np.concatenate([out, alpha], axis=2)
    out = np.ascontiguousarray(out, dtype=dtype)
    # Layers are painted in place: a read-only view (e.g. np.asarray of a PIL image) is
    # copied, a writeable array is kept as it is.
    return out if out.flags.writeable else out.copy()


def coerce_mask(mask: Any, shape: tuple[int, int], what: str = "mask") -> np.ndarray:
    """Return ``mask`` as a C-contiguous uint8 ``shape`` array (floats in [0, 1] scaled)."""
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[2] == 1:
        m = m[..., 0]
    if m.shape != tuple(shape):
        raise ValueError(f"{what}: expected shape {tuple(shape)}, got {m.shape}")
    if m.dtype == np.bool_:
        m = m.astype(np.uint8) * 255
    elif m.dtype.kind == "f":
        m = np.rint(np.clip(m, 0.0, 1.0) * 255.0).astype(np.uint8)
    elif m.dtype == np.uint16:
        m = ((m.astype(np.uint32) + 128) // 257).astype(np.uint8)
    elif m.dtype != np.uint8:
        raise ValueError(f"{what}: unsupported mask type {m.dtype}; use uint8, bool or float")
    return np.ascontiguousarray(m)


class Layer:
    """One raster layer.

    ``pixels`` is ``(h, w, 4)`` straight-alpha RGBA of the document dtype, placed at
    ``offset`` (x, y) in document coordinates. ``mask`` is None or an ``(h, w)`` uint8
    array aligned with the pixels (255 = show). Setting a property validates it and
    notifies the owning document (which emits "layer-changed" and invalidates its
    composite cache). Property changes made directly on a layer are *not* undoable;
    use ``Document.set_layer_property`` for that.

    Writing into ``pixels`` in place bypasses undo and the composite cache; use
    ``Document.apply_patch`` or call ``Document.notify_pixels_changed`` afterwards.
    """

    def __init__(
        self,
        pixels: np.ndarray,
        name: str = "Layer",
        *,
        opacity: float = 1.0,
        visible: bool = True,
        blend_mode: str = "svg:src-over",
        locked: bool = False,
        offset: tuple[int, int] = (0, 0),
        mask: np.ndarray | None = None,
    ) -> None:
        a = np.asarray(pixels)
        if a.dtype not in (np.uint8, np.uint16):
            raise ValueError(f"layer pixels must be uint8 or uint16, got {a.dtype}")
        self._pixels = coerce_pixels(a, a.dtype)
        self._owner: Callable[[Layer, str, Any], None] | None = None
        self._name = self._check("name", name)
        self._opacity = self._check("opacity", opacity)
        self._visible = self._check("visible", visible)
        self._blend_mode = self._check("blend_mode", blend_mode)
        self._locked = self._check("locked", locked)
        self._offset = self._check("offset", offset)
        self._mask = self._check("mask", mask)

    # --- validation ---------------------------------------------------------------

    def _check(self, prop: str, value: Any) -> Any:
        if prop == "name":
            if not isinstance(value, str):
                raise ValueError(f"layer name must be a string, got {type(value).__name__}")
            return value
        if prop == "opacity":
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"layer opacity must be a number, got {value!r}") from None
            if not 0.0 <= v <= 1.0:  # also rejects NaN
                raise ValueError(f"layer opacity must be within 0..1, got {value!r}")
            return v
        if prop in ("visible", "locked"):
            if not isinstance(value, (bool, np.bool_, int)):
                raise ValueError(f"layer {prop} must be a bool, got {value!r}")
            return bool(value)
        if prop == "blend_mode":
            return normalize_blend_mode(value)
        if prop == "offset":
            try:
                x, y = value
                return (int(x), int(y))
            except (TypeError, ValueError):
                raise ValueError(f"layer offset must be (x, y) ints, got {value!r}") from None
        if prop == "mask":
            if value is None:
                return None
            return coerce_mask(value, self._pixels.shape[:2], "layer mask").copy()
        raise ValueError(f"unknown layer property {prop!r}; expected one of {LAYER_PROPERTIES}")

    def set(self, prop: str, value: Any) -> None:
        """Validate and set ``prop`` (one of :data:`LAYER_PROPERTIES`), notifying the owner."""
        value = self._check(prop, value)
        old = getattr(self, "_" + prop)
        if prop == "mask":
            same = (old is None and value is None) or (
                old is not None and value is not None and np.array_equal(old, value)
            )
        else:
            same = old == value
        if same:
            return
        setattr(self, "_" + prop, value)
        if self._owner is not None:
            self._owner(self, prop, old)

    def get(self, prop: str) -> Any:
        if prop not in LAYER_PROPERTIES:
            raise ValueError(f"unknown layer property {prop!r}; expected one of {LAYER_PROPERTIES}")
        return getattr(self, "_" + prop)

    # --- properties ---------------------------------------------------------------

    name = property(lambda s: s._name, lambda s, v: s.set("name", v))
    opacity = property(lambda s: s._opacity, lambda s, v: s.set("opacity", v))
    visible = property(lambda s: s._visible, lambda s, v: s.set("visible", v))
    blend_mode = property(lambda s: s._blend_mode, lambda s, v: s.set("blend_mode", v))
    locked = property(lambda s: s._locked, lambda s, v: s.set("locked", v))
    offset = property(lambda s: s._offset, lambda s, v: s.set("offset", v))
    mask = property(lambda s: s._mask, lambda s, v: s.set("mask", v))

    @property
    def pixels(self) -> np.ndarray:
        return self._pixels

    def _replace_pixels(self, pixels: np.ndarray, mask: np.ndarray | None = ...) -> None:
        """Swap the pixel array (size may change); used by document commands only."""
        self._pixels = pixels
        if mask is not ...:
            self._mask = mask

    @property
    def dtype(self) -> np.dtype:
        return self._pixels.dtype

    @property
    def width(self) -> int:
        return int(self._pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self._pixels.shape[0])

    @property
    def bounds(self) -> Rect:
        """The layer's extent in document coordinates."""
        return Rect(self._offset[0], self._offset[1], self.width, self.height)

    @property
    def nbytes(self) -> int:
        return int(self._pixels.nbytes + (0 if self._mask is None else self._mask.nbytes))

    def copy(self, name: str | None = None) -> Layer:
        """A deep copy, detached from any document."""
        return Layer(
            self._pixels.copy(),
            self._name if name is None else name,
            opacity=self._opacity,
            visible=self._visible,
            blend_mode=self._blend_mode,
            locked=self._locked,
            offset=self._offset,
            mask=None if self._mask is None else self._mask.copy(),
        )

    def __repr__(self) -> str:
        return (
            f"Layer({self._name!r}, {self.width}x{self.height} {self.dtype}, "
            f"opacity={self._opacity:g}, mode={self._blend_mode}, visible={self._visible})"
        )
