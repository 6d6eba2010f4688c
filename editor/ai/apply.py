"""Applying an AI result to the document: each function is exactly ONE undo step.

Every function takes the :class:`~editor.ai.watch.DocumentWatch` captured when the job
was submitted and refuses (ValueError with the message for the user, the document left
untouched) when the document changed in a way that makes the result wrong: the frame
for anything placed by coordinates, the source layer for a patch into it, any layer for
a whole-image resize.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from editor.ai.requests import MODE_ACTIVE_LAYER, MODE_NEW_LAYER, MODES, Snapshot
from editor.ai.watch import DocumentWatch
from editor.document import Command, Layer, Rect


def alpha_u8(alpha: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
    """A blend alpha (float 0..1, uint8 or bool) as uint8, checked against ``shape``."""
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
    watch: DocumentWatch,
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
    active. Fully transparent pixels are zeroed so they carry no stray colour."""
    doc = watch.doc
    watch.check_frame(text or name)
    px = np.array(result, copy=True)
    if px.dtype != doc.dtype:
        from editor.document.layer import coerce_pixels

        px = coerce_pixels(px, doc.dtype, "result")
    a = alpha_u8(alpha, px.shape[:2])
    if a is not None:
        px[..., 3] = np.rint(px[..., 3].astype(np.float32) * (a.astype(np.float32) / 255.0)
                             ).astype(doc.dtype)
    px[px[..., 3] == 0] = 0
    try:
        index = watch.layer_index() + 1
    except ValueError:  # the source layer is gone: the result still has a place
        index = doc.active_index + 1
    return doc.add_layer(name, px, index=index, offset=(int(x), int(y)), text=text or name)


def apply_into_layer(
    watch: DocumentWatch,
    x: int,
    y: int,
    result: np.ndarray,
    text: str,
    alpha: np.ndarray | None = None,
) -> Rect | None:
    """Write ``result`` into the source layer at document (x, y), blended by ``alpha``
    (None = replace). ONE undo step (only changed 64² tiles kept). Returns the changed
    document rect, or None when nothing changed."""
    watch.check_frame(text)
    index = watch.layer_index()
    watch.check_layer_in_place(text)
    a = alpha_u8(alpha, np.asarray(result).shape[:2])
    return watch.doc.apply_patch(index, int(x), int(y), result, text, mask=a)


def apply_result(
    watch: DocumentWatch,
    snap: Snapshot,
    result: np.ndarray,
    name: str,
    mode: str = MODE_NEW_LAYER,
    alpha: np.ndarray | None = None,
    text: str | None = None,
) -> Layer | Rect | None:
    """Apply a same-size result of ``snap`` as a new layer named ``name`` (``mode`` =
    :data:`MODE_NEW_LAYER`) or into the source layer (:data:`MODE_ACTIVE_LAYER`), clipped
    by ``alpha`` (see :func:`editor.ai.regions.feather_alpha`). ONE undo step either way."""
    if result.shape[:2] != snap.pixels.shape[:2]:
        raise ValueError(
            f"result is {result.shape[1]}x{result.shape[0]}, expected {snap.width}x{snap.height}"
        )
    if mode == MODE_NEW_LAYER:
        return apply_as_layer(watch, snap.x, snap.y, result, name, alpha, text)
    if mode == MODE_ACTIVE_LAYER:
        return apply_into_layer(watch, snap.x, snap.y, result, text or name, alpha)
    raise ValueError(f"unknown apply mode {mode!r}; expected one of {MODES}")


def apply_whole_image(watch: DocumentWatch, scale: int, layers: Sequence[np.ndarray],
                      text: str) -> Command:
    """Resize the document by ``scale`` with ``layers`` as the new pixels of every layer
    (their masks, offsets, the AI mask and the selection follow): ONE undo step. Refused
    when any layer was edited since the watch was captured (the result would undo it)."""
    from editor.document.commands import resize_with_pixels

    watch.check_frame(text)
    watch.check_layers_intact(text)
    doc = watch.doc
    cmd = resize_with_pixels(doc, doc.width * scale, doc.height * scale, list(layers), text)
    doc.undo.push(cmd)
    return cmd
