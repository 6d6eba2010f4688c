"""Whole-image geometry: rotate 90°/180°, flip, straighten, rotated crop (numpy only).

Every function is one undo step on the document and moves everything with the image:
each layer's pixels, its mask and its offset, the selection and the AI mask. They refuse
to run during a stroke (RuntimeError) and bump ``doc.geometry_generation``.

Conventions: document coordinates have y pointing down; pixel (x, y) covers
[x, x+1) × [y, y+1), its centre is (x + ½, y + ½). Angles are in degrees, **positive =
clockwise on screen**.

* :func:`rotate_90` (``clockwise=True``: pixel (x, y) of a W×H image lands at
  (H−1−y, x); counter-clockwise: (y, W−1−x)), :func:`rotate_180` ((W−1−x, H−1−y)),
  :func:`flip_horizontal` ((W−1−x, y)), :func:`flip_vertical` ((x, H−1−y)). Lossless and
  exact: layers keep their size (transposed) and their offset is mapped, so layers
  reaching past the canvas keep those pixels. Their history entry stores no pixels (undo
  applies the inverse transform).
* :func:`straighten` rotates the image content by ``angle`` about the canvas centre, the
  canvas either grown to hold the whole rotated image (``mode="grow"``, new corners
  transparent) or cropped to the largest axis-aligned rectangle inside it (``"crop"``,
  no transparent corners; :func:`inscribed_size`). :func:`straighten_angle` turns a line
  the user drew along a horizon (or a vertical) into the angle that levels it.
* :func:`transform_layer` (Edit ▸ Free Transform) maps one layer, or the selection's
  contents, by an affine matrix (:func:`affine_rgba`: whole-pixel shifts exact, scales
  and rotations bicubic, premultiplied, with OpenCV).
* :func:`crop_rotated` crops to a ``w × h`` rectangle that is rotated by ``angle`` about
  its centre ``(x + w/2, y + h/2)`` (angle 0 is :meth:`Document.crop`, exact).

Straighten and rotated crop resample bilinearly, premultiplied (transparent pixels do not
bleed colour), in float32 in strips of rows (memory stays bounded on large images); 8 and
16 bit keep their depth. Their layers come out canvas-sized at offset (0, 0), as after
a crop; history keeps the before and after arrays.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from editor.document.commands import GeometryCommand, LayersCommand
from editor.document.events import Rect
from editor.document.layer import LayerLockedError, _cut
from editor.document.undo import Command

if TYPE_CHECKING:
    from editor.document.document import Document

ORIENT_OPS = ("cw", "ccw", "180", "flip-h", "flip-v")
_INVERSE = {"cw": "ccw", "ccw": "cw", "180": "180", "flip-h": "flip-h", "flip-v": "flip-v"}
_TEXT = {
    "cw": "Rotate 90° clockwise",
    "ccw": "Rotate 90° counter-clockwise",
    "180": "Rotate 180°",
    "flip-h": "Flip horizontal",
    "flip-v": "Flip vertical",
}
STRAIGHTEN_MODES = ("crop", "grow")
_STRIP = 64


def _orient_array(a: np.ndarray, op: str) -> np.ndarray:
    if op == "cw":
        out = np.rot90(a, -1)
    elif op == "ccw":
        out = np.rot90(a, 1)
    elif op == "180":
        out = a[::-1, ::-1]
    elif op == "flip-h":
        out = a[:, ::-1]
    else:
        out = a[::-1]
    return np.ascontiguousarray(out)


def _orient_state(doc: Document, op: str) -> dict:
    """The document's geometry state after the lossless transform ``op``."""
    w, h = doc.size
    layers = []
    for layer in doc._layers:
        ox, oy = layer.offset
        lw, lh = layer.width, layer.height
        offset = {
            "cw": (h - oy - lh, ox),
            "ccw": (oy, w - ox - lw),
            "180": (w - ox - lw, h - oy - lh),
            "flip-h": (w - ox - lw, oy),
            "flip-v": (ox, h - oy - lh),
        }[op]
        mask = None if layer.mask is None else _orient_array(layer.mask, op)
        layers.append((_orient_array(layer.pixels, op), mask, offset))
    size = (h, w) if op in ("cw", "ccw") else (w, h)
    return {
        "size": size,
        "layers": layers,
        "ai_mask": _orient_array(doc._ai_mask, op),
        "selection": _orient_array(doc._selection, op),
    }


class OrientCommand(Command):
    """A lossless rotate/flip of the whole image: redo applies it, undo its inverse
    (nothing but the operation is stored)."""

    def __init__(self, doc: Document, op: str) -> None:
        if op not in ORIENT_OPS:
            raise ValueError(f"unknown orientation {op!r}; expected one of {ORIENT_OPS}")
        self.doc = doc
        self.op = op
        self.text = _TEXT[op]

    def redo(self) -> None:
        self.doc._set_geometry(_orient_state(self.doc, self.op))

    def undo(self) -> None:
        self.doc._set_geometry(_orient_state(self.doc, _INVERSE[self.op]))


def _orient(doc: Document, op: str) -> None:
    doc._no_stroke()
    doc.undo.push(OrientCommand(doc, op))


def rotate_90(doc: Document, clockwise: bool = True) -> None:
    """Image ▸ Rotate 90° (clockwise: (x, y) → (H−1−y, x); else (x, y) → (y, W−1−x)).
    One undo step."""
    _orient(doc, "cw" if clockwise else "ccw")


def rotate_180(doc: Document) -> None:
    """Image ▸ Rotate 180°: (x, y) → (W−1−x, H−1−y). One undo step."""
    _orient(doc, "180")


def flip_horizontal(doc: Document) -> None:
    """Image ▸ Flip Horizontal (mirror left–right): (x, y) → (W−1−x, y). One undo step."""
    _orient(doc, "flip-h")


def flip_vertical(doc: Document) -> None:
    """Image ▸ Flip Vertical (upside down): (x, y) → (x, H−1−y). One undo step."""
    _orient(doc, "flip-v")


# --- arbitrary angles ---------------------------------------------------------------------


def inscribed_size(width: float, height: float, angle: float) -> tuple[float, float]:
    """Width and height of the largest-area axis-aligned rectangle inside a
    ``width × height`` rectangle rotated by ``angle`` degrees (centred on it)."""
    if width <= 0 or height <= 0:
        return 0.0, 0.0
    a = math.radians(angle)
    sin_a, cos_a = abs(math.sin(a)), abs(math.cos(a))
    long_side, short_side = max(width, height), min(width, height)
    if short_side <= 2.0 * sin_a * cos_a * long_side or abs(sin_a - cos_a) < 1e-10:
        # Two corners of the rectangle touch the long sides: a half-constrained case.
        x = 0.5 * short_side
        if width >= height:
            return x / sin_a, x / cos_a
        return x / cos_a, x / sin_a
    cos_2a = cos_a * cos_a - sin_a * sin_a
    return (width * cos_a - height * sin_a) / cos_2a, (height * cos_a - width * sin_a) / cos_2a


def rotated_size(width: float, height: float, angle: float) -> tuple[float, float]:
    """Bounding box (w, h) of a ``width × height`` rectangle rotated by ``angle`` degrees."""
    a = math.radians(angle)
    c, s = abs(math.cos(a)), abs(math.sin(a))
    return width * c + height * s, width * s + height * c


def straighten_angle(x0: float, y0: float, x1: float, y1: float) -> float:
    """The :func:`straighten` angle (degrees, clockwise) that makes the line from
    (x0, y0) to (x1, y1) horizontal, or vertical when it is closer to vertical."""
    if x0 == x1 and y0 == y1:
        raise ValueError("a straighten line needs two different points")
    a = math.degrees(math.atan2(y1 - y0, x1 - x0))  # clockwise from +x (y down)
    a = (a + 45.0) % 90.0 - 45.0
    return -a


def _sample_bilinear(src: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``src`` ((h, w) or (h, w, c) float32, zero outside) at pixel
    index coordinates (fx, fy) (arrays of equal shape; integers hit pixel centres)."""
    h, w = src.shape[:2]
    pad = np.zeros((h + 2, w + 2) + src.shape[2:], np.float32)
    pad[1:-1, 1:-1] = src
    x0 = np.floor(fx)
    y0 = np.floor(fy)
    wx = (fx - x0).astype(np.float32)
    wy = (fy - y0).astype(np.float32)
    xi = np.clip(x0.astype(np.int64) + 1, 0, w + 1)
    yi = np.clip(y0.astype(np.int64) + 1, 0, h + 1)
    xj = np.clip(xi + 1, 0, w + 1)
    yj = np.clip(yi + 1, 0, h + 1)
    if src.ndim == 3:
        wx, wy = wx[..., None], wy[..., None]
    top = pad[yi, xi] * (1 - wx) + pad[yi, xj] * wx
    bot = pad[yj, xi] * (1 - wx) + pad[yj, xj] * wx
    return top * (1 - wy) + bot * wy


def _warp(
    array: np.ndarray,
    origin: tuple[int, int],
    out_size: tuple[int, int],
    matrix: np.ndarray,
    shift: np.ndarray,
    kind: str,
) -> np.ndarray:
    """Resample ``array`` (placed with its top-left at document ``origin``) onto an
    ``out_size`` = (w, h) grid whose pixel centre q maps to document point
    ``matrix @ q + shift``. ``kind``: "rgba" (premultiplied, transparent outside),
    "mask" (255 outside: layer masks show) or "doc" (0 outside: selection, AI mask)."""
    ow, oh = out_size
    h, w = array.shape[:2]
    dtype = array.dtype
    maxv = float(np.iinfo(dtype).max)
    out = np.empty((oh, ow) + array.shape[2:], dtype)
    xs = np.arange(ow, dtype=np.float64) + 0.5
    for y0 in range(0, oh, _STRIP):
        ys = np.arange(y0, min(oh, y0 + _STRIP), dtype=np.float64) + 0.5
        qx, qy = np.meshgrid(xs, ys)
        px = matrix[0, 0] * qx + matrix[0, 1] * qy + shift[0] - origin[0] - 0.5
        py = matrix[1, 0] * qx + matrix[1, 1] * qy + shift[1] - origin[1] - 0.5
        # Only the source rows and columns this strip reaches are converted to float.
        bx0 = max(0, math.floor(px.min()) - 1)
        bx1 = min(w, math.floor(px.max()) + 3)
        by0 = max(0, math.floor(py.min()) - 1)
        by1 = min(h, math.floor(py.max()) + 3)
        rows = slice(y0, y0 + len(ys))
        if bx1 <= bx0 or by1 <= by0:  # this strip sees none of the array
            out[rows] = maxv if kind == "mask" else 0
            continue
        block = array[by0:by1, bx0:bx1].astype(np.float32) * np.float32(1.0 / maxv)
        # Inside the array's area [-½, n-½] edges are replicated; coverage falls from 1 to 0
        # over the pixel across the edge (anti-aliased, and a pixel centre inside the
        # area gets full coverage, so an inscribed crop has no soft border).
        cov = (
            np.clip(px + 1.0, 0.0, 1.0)
            * np.clip(w - px, 0.0, 1.0)
            * np.clip(py + 1.0, 0.0, 1.0)
            * np.clip(h - py, 0.0, 1.0)
        ).astype(np.float32)
        fx = np.clip(px, 0, w - 1) - bx0
        fy = np.clip(py, 0, h - 1) - by0
        if kind == "rgba":
            a = block[..., 3:4]
            pre = np.concatenate([block[..., :3] * a, a], axis=2)
            s = _sample_bilinear(pre, fx, fy)
            alpha = np.clip(s[..., 3:4], 0.0, 1.0)
            safe = np.where(alpha > 0, alpha, np.float32(1.0))
            col = np.where(alpha > 0, s[..., :3] / safe, 0.0)
            res = np.concatenate([np.clip(col, 0.0, 1.0), alpha * cov[..., None]], axis=2)
        elif kind == "mask":  # outside the layer its mask shows (255)
            res = 1.0 - (1.0 - _sample_bilinear(block, fx, fy)) * cov
        else:
            res = _sample_bilinear(block, fx, fy) * cov
        out[rows] = np.rint(np.clip(res, 0.0, 1.0) * maxv).astype(dtype)
    return out


def _frame_state(doc: Document, cx: float, cy: float, w: int, h: int, angle: float) -> dict:
    """State where the canvas becomes the w × h rectangle centred at doc (cx, cy) and
    rotated by ``angle`` (degrees clockwise) about that centre."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    # Output centre q maps to p = centre + R(angle) (q - (w/2, h/2)); y points down.
    m = np.array([[c, -s], [s, c]])
    shift = np.array([cx, cy]) - m @ np.array([w / 2.0, h / 2.0])
    layers = []
    for layer in doc._layers:
        px = _warp(layer.pixels, layer.offset, (w, h), m, shift, "rgba")
        mask = (
            None
            if layer.mask is None
            else _warp(layer.mask, layer.offset, (w, h), m, shift, "mask")
        )
        layers.append((px, mask, (0, 0)))
    return {
        "size": (w, h),
        "layers": layers,
        "ai_mask": _warp(doc._ai_mask, (0, 0), (w, h), m, shift, "doc"),
        "selection": _warp(doc._selection, (0, 0), (w, h), m, shift, "doc"),
    }


def _check_angle(angle: float) -> float:
    try:
        a = float(angle)
    except (TypeError, ValueError):
        raise ValueError(f"angle must be a number of degrees, got {angle!r}") from None
    if not math.isfinite(a):
        raise ValueError(f"angle must be finite, got {angle!r}")
    return a


def straighten(doc: Document, angle: float, mode: str = "crop") -> None:
    """Rotate the image content by ``angle`` degrees (clockwise) about the canvas centre.

    ``mode="grow"``: the canvas grows to the rotated image's bounding box (the new corners
    are transparent); ``"crop"``: the canvas becomes the largest axis-aligned rectangle
    inside the rotated image (:func:`inscribed_size`, centred), so no corner is empty.
    Angle 0 does nothing. One undo step."""
    doc._no_stroke()
    a = _check_angle(angle)
    if mode not in STRAIGHTEN_MODES:
        raise ValueError(f"unknown straighten mode {mode!r}; expected one of {STRAIGHTEN_MODES}")
    if a % 360.0 == 0.0:
        return
    W, H = doc.size
    if mode == "grow":
        fw, fh = rotated_size(W, H, a)
        # A hair of tolerance so 90° gives H × W, not H+1 × W+1.
        w, h = math.ceil(fw - 1e-6), math.ceil(fh - 1e-6)
    else:
        fw, fh = inscribed_size(W, H, a)
        w, h = math.floor(fw + 1e-6), math.floor(fh + 1e-6)
        # Keep the crop centred on whole pixels where the parity allows.
        w -= (W - w) % 2 if w > 1 else 0
        h -= (H - h) % 2 if h > 1 else 0
    w, h = max(1, w), max(1, h)
    # The content turns by +angle, so the output frame is the canvas turned by -angle.
    after = _frame_state(doc, W / 2.0, H / 2.0, w, h, -a)
    doc.undo.push(GeometryCommand(doc, "Straighten", doc._geometry_state(), after))


def crop_rotated(doc: Document, x: float, y: float, w: int, h: int, angle: float = 0.0) -> None:
    """Crop to the ``w × h`` rectangle at (x, y) rotated by ``angle`` degrees (clockwise)
    about its centre (x + w/2, y + h/2); the result is w × h with that rectangle's
    content upright (it turns by −angle). Parts of the rectangle outside the image are
    transparent. ``angle`` 0 is :meth:`Document.crop` (exact, clipped to the image).
    One undo step."""
    a = _check_angle(angle)
    if a % 360.0 == 0.0:
        doc.crop(round(x), round(y), int(w), int(h))
        return
    doc._no_stroke()
    w, h = int(w), int(h)
    if w < 1 or h < 1:
        raise ValueError(f"crop size must be positive, got {w}×{h}")
    after = _frame_state(doc, x + w / 2.0, y + h / 2.0, w, h, a)
    doc.undo.push(GeometryCommand(doc, "Crop", doc._geometry_state(), after))


# --- free transform of one layer (or of the selection's contents) ---------------------------


def _affine(matrix: object) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape == (3, 3):
        m = m[:2]
    if m.shape != (2, 3) or not np.all(np.isfinite(m)):
        raise ValueError(f"an affine transform is a finite 2×3 matrix, got shape {m.shape}")
    if abs(np.linalg.det(m[:, :2])) < 1e-9:
        raise ValueError("the transform squashes the layer to nothing (zero scale)")
    return m


def affine_bounds(
    matrix: object, x: float, y: float, w: float, h: float
) -> tuple[int, int, int, int]:
    """The whole-pixel box (x, y, w, h) holding rectangle (x, y, w, h) mapped by
    ``matrix`` (2×3: ``p' = A p + t`` in document coordinates)."""
    m = _affine(matrix)
    corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], np.float64)
    q = corners @ m[:, :2].T + m[:, 2]
    # A hair of tolerance so a shift by whole pixels stays exactly the layer's size.
    x0, y0 = np.floor(q.min(axis=0) + 1e-6).astype(int)
    x1, y1 = np.ceil(q.max(axis=0) - 1e-6).astype(int)
    return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))


def affine_rgba(
    pixels: np.ndarray, origin: tuple[int, int], matrix: object, kind: str = "rgba"
) -> tuple[np.ndarray, tuple[int, int]]:
    """``pixels`` (placed at document ``origin``) mapped by the affine ``matrix`` (2×3,
    document coordinates, ``p' = A p + t``). Returns the result and its document
    position, the smallest whole-pixel box holding it.

    A shift by whole pixels is exact (the array is only moved). Otherwise colour is
    resampled premultiplied (transparent pixels do not bleed) in float32 with OpenCV,
    bicubic (Photoshop's default; Lanczos took 3× as long on a 12 MP layer): a scale
    without rotation that lands on whole pixels as a plain resize (area averaging when
    it shrinks), anything else as a warp, after an area-averaging pre-shrink when it
    reduces by more than half, so a large reduction does not alias. Edges are
    anti-aliased (the outside is transparent). ``kind``: "rgba", or "mask"/"doc" for a
    2-D uint8 mask (255 / 0 outside). 8 and 16 bit keep their depth."""
    import cv2  # warpAffine/resize: ~50× faster than the numpy path on a 12 MP layer

    m = _affine(matrix)
    a, t = m[:, :2], m[:, 2]
    h, w = pixels.shape[:2]
    ox, oy = origin
    x, y, bw, bh = affine_bounds(m, ox, oy, w, h)
    if np.allclose(a, np.eye(2)) and np.allclose(t, np.rint(t), atol=1e-6):
        return pixels.copy(), (ox + round(t[0]), oy + round(t[1]))
    if kind == "rgba":
        f = _premultiplied(pixels)
        border = 0.0
    else:
        f = pixels.astype(np.float32)
        border = 255.0 if kind == "mask" else 0.0
    # The largest singular value of A: how much the map shrinks at least.
    stretch = float(np.linalg.svd(a, compute_uv=False).max())
    out = None
    if abs(a[0, 1]) < 1e-12 and abs(a[1, 0]) < 1e-12 and a[0, 0] > 0 and a[1, 1] > 0:
        # Axis-aligned scale: a plain resize when the scaled edges fall on whole pixels.
        fx, fy = ox * a[0, 0] + t[0], oy * a[1, 1] + t[1]
        if np.allclose([fx, fy, w * a[0, 0], h * a[1, 1]], [x, y, bw, bh], atol=1e-6):
            shrinking = bw < w and bh < h
            interp = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
            out = cv2.resize(f, (bw, bh), interpolation=interp)
    if out is None:
        src, sm = f, a
        if stretch < 0.5:
            sw, sh = max(1, round(w * stretch * 2)), max(1, round(h * stretch * 2))
            src = cv2.resize(f, (sw, sh), interpolation=cv2.INTER_AREA)
            # Undo the pre-shrink in the matrix: p_src = origin + S (p_small - origin).
            sm = a @ np.diag([w / sw, h / sh])
            t = t + a @ np.array([ox, oy]) - sm @ np.array([ox, oy])
        inv = np.linalg.inv(sm)
        # Output pixel index j (centre at doc x + j + ½) → source pixel index.
        off = inv @ (np.array([x, y], np.float64) + 0.5 - t) - np.array([ox, oy]) - 0.5
        warp = np.column_stack([inv, off])
        out = cv2.warpAffine(
            src,
            warp,
            (bw, bh),
            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(border,) * 4,
        )
    if kind != "rgba":
        return np.rint(np.clip(out, 0.0, 255.0)).astype(np.uint8), (x, y)
    return _straight(out, pixels.dtype), (x, y)


def _premultiplied(px: np.ndarray) -> np.ndarray:
    """Straight-alpha uint8/uint16 RGBA → premultiplied float32 in [0, 1], in strips of
    rows (no full-size temporaries)."""
    maxv = float(np.iinfo(px.dtype).max)
    f = np.empty(px.shape, np.float32)
    for y in range(0, px.shape[0], _STRIP):
        b = f[y : y + _STRIP]
        np.multiply(px[y : y + _STRIP], np.float32(1.0 / maxv), out=b, dtype=np.float32)
        b[..., :3] *= b[..., 3:4]
    return f


def _straight(f: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`_premultiplied` (``f`` is overwritten), clipped and rounded."""
    maxv = np.float32(np.iinfo(dtype).max)
    out = np.empty(f.shape, dtype)
    for y in range(0, f.shape[0], _STRIP):
        b = f[y : y + _STRIP]
        a = b[..., 3:4]
        # Divide by the alpha before clipping it: bicubic overshoot at an edge is the
        # same in colour and alpha, so a flat colour stays exactly that colour.
        scale = np.zeros_like(a)
        np.divide(maxv, a, out=scale, where=a > 1e-6)  # no colour under alpha 0
        np.clip(a, 0.0, 1.0, out=a)
        b[..., :3] *= scale
        np.clip(b[..., :3], 0.0, maxv, out=b[..., :3])
        a *= maxv
        out[y : y + _STRIP] = np.rint(b)
    return out


def _composite_over(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Straight-alpha ``top`` over ``bottom`` (same shape and dtype), source-over."""
    maxv = float(np.iinfo(top.dtype).max)
    ft, fb = top.astype(np.float32) / maxv, bottom.astype(np.float32) / maxv
    at, ab = ft[..., 3:4], fb[..., 3:4]
    ao = at + ab * (1.0 - at)
    col = ft[..., :3] * at + fb[..., :3] * ab * (1.0 - at)
    safe = np.where(ao > 0, ao, np.float32(1.0))
    out = np.concatenate([np.where(ao > 0, col / safe, 0.0), ao], axis=2)
    return np.rint(np.clip(out, 0.0, 1.0) * maxv).astype(top.dtype)


def split_selection(
    doc: Document, index: int | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """The active (or ``index``) layer split by the selection over the selection's
    bounding box: (floating, remaining, (x, y)): the selected part (alpha × selection)
    and the rest (alpha × (1 − selection)), both ``(h, w, 4)`` of the document dtype."""
    _i, layer = doc._layer(index)
    b = doc.selection.bounds()
    if b is None:
        raise ValueError("nothing is selected")
    px = layer.region(b)
    sel = doc._selection[b.slices()].astype(np.float32)[..., None] / 255.0
    alpha = px[..., 3:4].astype(np.float32)
    floating, remaining = px.copy(), px.copy()
    floating[..., 3:4] = np.rint(alpha * sel).astype(px.dtype)
    remaining[..., 3:4] = np.rint(alpha * (1.0 - sel)).astype(px.dtype)
    return floating, remaining, (b.x, b.y)


class LayerTransformCommand(Command):
    """Free transform: one layer replaced by its transformed copy (a LayersCommand) and,
    when the selection's contents moved, the selection moved with them."""

    def __init__(self, doc: Document, text: str, layers: Command, selection: tuple | None) -> None:
        self.doc = doc
        self.text = text
        self.layers = layers
        self.selection = selection  # (before, after) doc-sized uint8 arrays, or None

    def _set_selection(self, array: np.ndarray) -> None:
        self.doc._selection[...] = array
        self.doc._target_changed("selection", None, self.doc.rect)

    def redo(self) -> None:
        self.layers.redo()
        if self.selection is not None:
            self._set_selection(self.selection[1])

    def undo(self) -> None:
        self.layers.undo()
        if self.selection is not None:
            self._set_selection(self.selection[0])

    @property
    def nbytes(self) -> int:
        extra = 0 if self.selection is None else 2 * self.selection[0].nbytes
        return self.layers.nbytes + extra


def transform_layer(
    doc: Document, matrix: object, index: int | None = None, selection_only: bool = False
) -> None:
    """Edit ▸ Free Transform: map a layer (default the active one) by the affine
    ``matrix`` (2×3 in document coordinates, ``p' = A p + t``; see :func:`affine_rgba`
    for the resampling). The layer grows or shrinks to the box of its new content; its
    mask moves with it.

    ``selection_only``: only the selected pixels move (the selection's contents are cut
    from the layer, transformed and put back over what remains), and the selection moves
    with them, as in Photoshop. Locked layers refuse (LayerLockedError). One undo step."""
    doc._no_stroke()
    m = _affine(matrix)
    i, layer = doc._layer(index)
    if layer.locked:
        raise LayerLockedError(f"layer {layer.name!r} is locked")
    new = layer.copy()
    sel = None
    if selection_only:
        floating, remaining, (fx, fy) = split_selection(doc, i)
        moved, (mx, my) = affine_rgba(floating, (fx, fy), m)
        r = layer.bounds.union(Rect(mx, my, moved.shape[1], moved.shape[0]))
        base = layer.region(r)
        bx, by = fx - r.x, fy - r.y
        base[by : by + remaining.shape[0], bx : bx + remaining.shape[1]] = remaining
        top = np.zeros_like(base)
        top[my - r.y : my - r.y + moved.shape[0], mx - r.x : mx - r.x + moved.shape[1]] = moved
        mask = None
        if layer.mask is not None:
            mask = _cut(layer.mask, layer.bounds, r, 255)
        new._replace_pixels(_composite_over(top, base), mask)
        new._offset = (r.x, r.y)
        moved_sel, (sx, sy) = affine_rgba(doc._selection, (0, 0), m, kind="doc")
        sel_rect = Rect(sx, sy, moved_sel.shape[1], moved_sel.shape[0])
        sel = (doc._selection.copy(), _cut(moved_sel, sel_rect, doc.rect, 0))
    else:
        px, (x, y) = affine_rgba(layer.pixels, layer.offset, m)
        mask = None
        if layer.mask is not None:
            mask, _pos = affine_rgba(layer.mask, layer.offset, m, kind="mask")
        new._replace_pixels(px, mask)
        new._offset = (x, y)
    after_layers = list(doc._layers)
    after_layers[i] = new
    cmd = LayersCommand(doc, "Free transform", doc._layers, after_layers, doc._active, i)
    doc.undo.push(LayerTransformCommand(doc, "Free transform", cmd, sel))
