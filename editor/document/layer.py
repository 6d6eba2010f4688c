"""Layer: straight-alpha RGBA pixels plus validated, event-emitting properties."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from editor.document.blend import normalize_blend_mode
from editor.document.events import Rect

#: Properties settable through :meth:`Layer.set` / ``Document.set_layer_property``.
LAYER_PROPERTIES = (
    "name",
    "visible",
    "opacity",
    "blend_mode",
    "locked",
    "offset",
    "mask",
    "metadata",
)

#: Layer metadata may nest dicts and lists this deep (also stops self-containing values).
MAX_METADATA_DEPTH = 64
#: Layer metadata may take at most this many bytes as compact JSON (a latent vector of
#: a few thousand floats is ~50 KB; this keeps a project's XML side files small).
MAX_METADATA_BYTES = 8 << 20


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


def coerce_metadata(value: Any, what: str = "layer metadata") -> dict[str, Any]:
    """Return a validated deep copy of ``value`` as plain JSON data (a ``dict``).

    ``value`` must be a mapping with ``str`` keys whose values are ``str``, ``int``,
    ``float`` (finite), ``bool``, ``None``, lists/tuples of those or dicts of those with
    ``str`` keys, nested at most :data:`MAX_METADATA_DEPTH` deep and at most
    :data:`MAX_METADATA_BYTES` as JSON. Tuples become lists (what a file gives back).
    Anything else is a ValueError naming the offending entry, e.g.
    ``layer metadata['retouch.latent']['latent'][3]: float32 is not JSON data``.
    """
    if not isinstance(value, Mapping):
        raise ValueError(  # noqa: TRY004 - the project's one error type for bad input
            f"{what} must be a dict with str keys, got {type(value).__name__}"
        )
    out = _json_copy(value, what, 0)
    size = len(_canonical_json(out))
    if size > MAX_METADATA_BYTES:
        raise ValueError(
            f"{what} is {size / 2**20:.1f} MiB as JSON; the limit is "
            f"{MAX_METADATA_BYTES / 2**20:.0f} MiB"
        )
    return out


def _json_copy(v: Any, where: str, depth: int) -> Any:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{where}: {v!r} is not JSON data (only finite numbers are)")
        return float(v)
    if depth >= MAX_METADATA_DEPTH:
        raise ValueError(
            f"{where}: nested more than {MAX_METADATA_DEPTH} deep (or contains itself)"
        )
    if isinstance(v, Mapping):
        out: dict[str, Any] = {}
        for k, item in v.items():
            if not isinstance(k, str):
                raise ValueError(  # noqa: TRY004
                    f"{where}: key {k!r} is not a str (JSON keys are strings)"
                )
            out[k] = _json_copy(item, f"{where}[{k!r}]", depth + 1)
        return out
    if isinstance(v, (list, tuple)):
        return [_json_copy(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(v)]
    hint = "; convert arrays with .tolist()" if isinstance(v, (np.ndarray, np.generic)) else ""
    raise ValueError(f"{where}: {type(v).__name__} is not JSON data{hint}")


def _canonical_json(v: Any) -> str:
    # sort_keys: key order is not part of the value; True, 1 and 1.0 stay distinct.
    return json.dumps(v, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _copy_plain(v: Any) -> Any:
    """Deep copy of already-validated JSON data."""
    if isinstance(v, dict):
        return {k: _copy_plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy_plain(x) for x in v]
    return v


@dataclass(frozen=True)
class ForeignAttribute:
    """A property value from another program's file that Retouch cannot represent.

    ``attribute`` is the file's attribute name (e.g. ``"composite-op"``), ``original``
    its text exactly as read (``"krita:linear_burn"``, ``"abc"``) and ``shown`` the
    layer property value substituted for it (``"svg:src-over"``, ``1.0``). Writers put
    ``original`` back while the property still equals ``shown`` (see
    :meth:`Layer.foreign_value`), so a file passes through Retouch unchanged unless the
    user changed that property.
    """

    attribute: str
    original: str
    shown: Any


class Layer:
    """One raster layer.

    ``pixels`` is ``(h, w, 4)`` straight-alpha RGBA of the document dtype, placed at
    ``offset`` (x, y) in document coordinates. ``mask`` is None or an ``(h, w)`` uint8
    array aligned with the pixels (255 = show). ``metadata`` is a JSON-like dict (see
    :func:`coerce_metadata`) that travels with the layer: copied by :meth:`copy` and
    duplication, saved in .ora projects; keys starting with ``"retouch."`` are Retouch's
    own (e.g. ``"retouch.latent"``: the model id, latent and region a latent edit made
    the layer from). ``foreign`` maps property names to :class:`ForeignAttribute`
    records of file values that were substituted when the layer was read (kept so a
    save can write them back). Setting a property validates it and
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
        metadata: Mapping[str, Any] | None = None,
        foreign: Mapping[str, ForeignAttribute] | None = None,
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
        self._metadata = self._check("metadata", {} if metadata is None else metadata)
        self._foreign = MappingProxyType(self._check_foreign(foreign or {}))

    def _check_foreign(self, foreign: Mapping[str, ForeignAttribute]) -> dict:
        out = {}
        for prop, rec in foreign.items():
            if prop not in LAYER_PROPERTIES or not isinstance(rec, ForeignAttribute):
                raise ValueError(
                    f"foreign attributes map layer properties to ForeignAttribute, got "
                    f"{prop!r}: {rec!r}"
                )
            if not isinstance(rec.original, str) or not isinstance(rec.attribute, str):
                raise ValueError(  # noqa: TRY004
                    f"foreign attribute {prop!r}: attribute and original must be str"
                )
            out[prop] = ForeignAttribute(rec.attribute, rec.original, self._check(prop, rec.shown))
        return out

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
        if prop == "metadata":
            return coerce_metadata(value)
        raise ValueError(f"unknown layer property {prop!r}; expected one of {LAYER_PROPERTIES}")

    @staticmethod
    def same_value(prop: str, a: Any, b: Any) -> bool:
        """Whether two validated values of ``prop`` are the same (arrays by content;
        metadata as JSON, so ``True``, ``1`` and ``1.0`` differ)."""
        if prop == "mask":
            return (a is None and b is None) or (
                a is not None and b is not None and np.array_equal(a, b)
            )
        if prop == "metadata":
            return _canonical_json(a) == _canonical_json(b)
        return bool(a == b)

    def set(self, prop: str, value: Any) -> None:
        """Validate and set ``prop`` (one of :data:`LAYER_PROPERTIES`), notifying the owner."""
        value = self._check(prop, value)
        old = getattr(self, "_" + prop)
        if self.same_value(prop, old, value):
            return
        setattr(self, "_" + prop, value)
        if self._owner is not None:
            self._owner(self, prop, old)

    def get(self, prop: str) -> Any:
        """The value of ``prop``; ``"metadata"`` gives a deep copy (editing it changes nothing)."""
        if prop not in LAYER_PROPERTIES:
            raise ValueError(f"unknown layer property {prop!r}; expected one of {LAYER_PROPERTIES}")
        if prop == "metadata":
            return _copy_plain(self._metadata)
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
    def metadata(self) -> dict[str, Any]:
        """A deep copy of the layer's metadata dict (editing the copy changes nothing).

        Change it undoably with ``Document.set_layer_metadata`` /
        ``Document.set_layer_property(i, "metadata", d)``; assigning here validates and
        notifies but is not undoable, like the other properties."""
        return _copy_plain(self._metadata)

    @metadata.setter
    def metadata(self, value: Mapping[str, Any]) -> None:
        self.set("metadata", value)

    @property
    def foreign(self) -> Mapping[str, ForeignAttribute]:
        """Read-only map of property name → :class:`ForeignAttribute` (substituted file
        values); fixed when the layer is made, kept by :meth:`copy`."""
        return self._foreign

    def foreign_value(self, prop: str) -> str | None:
        """The original file text to write for ``prop``, or None to write the property.

        The original is returned while the property still holds the value substituted
        for it at reading time, also after an undo back to it; once the user sets
        another value, that value is what a save writes."""
        rec = self._foreign.get(prop)
        if rec is None or not self.same_value(prop, getattr(self, "_" + prop), rec.shown):
            return None
        return rec.original

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

    def region(self, rect: tuple[int, int, int, int]) -> np.ndarray:
        """A copy of the pixels over document ``rect`` = (x, y, w, h).

        ``(h, w, 4)`` of the layer dtype: the layer's pixels where it reaches (its offset
        applied), transparent zeros elsewhere. Opacity, mask and visibility are not
        applied. ``rect`` may extend past the layer or the document; w or h 0 gives an
        empty array, a negative one is a ValueError.
        """
        r = _as_rect(rect)
        return _cut(self._pixels, self.bounds, r, 0)

    @property
    def nbytes(self) -> int:
        return int(self._pixels.nbytes + (0 if self._mask is None else self._mask.nbytes))

    def copy(self, name: str | None = None) -> Layer:
        """A deep copy (metadata and foreign attributes included), detached from any
        document."""
        return Layer(
            self._pixels.copy(),
            self._name if name is None else name,
            opacity=self._opacity,
            visible=self._visible,
            blend_mode=self._blend_mode,
            locked=self._locked,
            offset=self._offset,
            mask=None if self._mask is None else self._mask.copy(),
            metadata=self._metadata,
            foreign=self._foreign,
        )

    def __repr__(self) -> str:
        return (
            f"Layer({self._name!r}, {self.width}x{self.height} {self.dtype}, "
            f"opacity={self._opacity:g}, mode={self._blend_mode}, visible={self._visible})"
        )


def _as_rect(rect: tuple[int, int, int, int]) -> Rect:
    try:
        x, y, w, h = (int(v) for v in rect)
    except (TypeError, ValueError):
        raise ValueError(f"expected a rectangle (x, y, w, h) of ints, got {rect!r}") from None
    if w < 0 or h < 0:
        raise ValueError(f"rectangle {rect!r} has a negative size")
    return Rect(x, y, w, h)


def _cut(array: np.ndarray, bounds: Rect, rect: Rect, fill: int) -> np.ndarray:
    """``array`` (placed at ``bounds`` in document coordinates) over ``rect``, ``fill``
    where it does not reach; always a new array."""
    out = np.full((rect.h, rect.w) + array.shape[2:], fill, array.dtype)
    r = bounds.intersect(rect)
    if not r.empty:
        out[r.translated(-rect.x, -rect.y).slices()] = array[
            r.translated(-bounds.x, -bounds.y).slices()
        ]
    return out
