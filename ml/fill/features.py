"""Patch descriptors and texture features for :mod:`ml.fill.patchmatch`: the DCT basis in
an opponent colour space behind the patch distance, and Newson et al.'s gradient texture
channels. numpy and OpenCV only.
"""

from __future__ import annotations

import numpy as np

#: orthonormal opponent colour axes: luminance, red-green, yellow-blue
_OPPONENT = np.array([[1, 1, 1], [1, -1, 0], [1, 1, -2]], np.float32) / np.array(
    [[np.sqrt(3)], [np.sqrt(2)], [np.sqrt(6)]], np.float32)


def dct_basis(patch_size: int, components: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """The separable patch basis behind the patch distance: ``(colour axis, kernel_y,
    kernel_x)`` triples, lowest DCT frequencies first, about 5/8 of them on luminance and
    the rest split between the two opponent chroma axes.

    Both the DCT and the colour axes are orthonormal, so the descriptor distance is the
    patch SSD restricted to those frequencies (a lower bound of the full SSD, and close to
    it for natural images, whose patch energy sits in the low frequencies).
    """
    p = patch_size
    n = np.arange(p)
    cos = np.stack([np.cos(np.pi * (2 * n + 1) * u / (2 * p)) for u in range(p)])
    cos *= np.sqrt(2.0 / p)
    cos[0] = np.sqrt(1.0 / p)
    freqs = sorted(((u, v) for u in range(p) for v in range(p)),
                   key=lambda f: (f[0] + f[1], max(f), f[0]))
    luma = min(p * p, components - 2 * (components // 5))
    chroma1 = min(p * p, (components - luma + 1) // 2)
    counts = (luma, chroma1, components - luma - chroma1)
    return [(axis, cos[u].astype(np.float32), cos[v].astype(np.float32))
            for axis, count in enumerate(counts) for u, v in freqs[:count]]


def patch_descriptors(image: np.ndarray,
                      basis: list[tuple[int, np.ndarray, np.ndarray]]) -> np.ndarray:
    """(H*W, len(basis)) descriptors of the patch centred on every pixel of ``image``
    (borders reflected), by one separable correlation per basis function. Axes 0-2 are
    the opponent colour axes of channels 0-2; axis 3 and up are ``image``'s further
    channels as they are (the texture features)."""
    import cv2

    h, w = image.shape[:2]
    opp = cv2.transform(np.ascontiguousarray(image[:, :, :3], dtype=np.float32), _OPPONENT)
    planes = [np.ascontiguousarray(opp[:, :, c]) for c in range(3)]
    planes += [np.ascontiguousarray(image[:, :, c]) for c in range(3, image.shape[2])]
    out = np.empty((h, w, len(basis)), np.float32)
    for i, (axis, ky, kx) in enumerate(basis):
        out[:, :, i] = cv2.sepFilter2D(planes[axis], cv2.CV_32F, kx, ky,
                                       borderType=cv2.BORDER_REFLECT)
    return out.reshape(h * w, len(basis))


#: Rec. 601 luma weights, for the texture features and the guide's texture energy
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def texture_features(image: np.ndarray, hole: np.ndarray, window: int) -> np.ndarray:
    """(H, W, 2) mean absolute horizontal / vertical luma gradient over a ``window``²
    neighbourhood, from known pixel pairs only (Newson et al. 2014's texture features).

    They ride along as extra channels through the pyramid and are voted into the hole
    like colours. Blurred coarse levels thus still know where the texture was busy, and
    the patch distance stops preferring flat patches for a hole in gravel or foliage
    (the classic wash-out of plain Wexler completion).
    """
    import cv2

    lum = image[:, :, :3] @ LUMA
    known = ~hole
    out = np.zeros(hole.shape + (2,), np.float32)
    for c, axis in enumerate((1, 0)):
        grad = np.zeros_like(lum)
        ok = np.zeros(hole.shape, np.float32)
        if axis == 1:
            grad[:, :-1] = np.abs(lum[:, 1:] - lum[:, :-1])
            ok[:, :-1] = known[:, 1:] & known[:, :-1]
        else:
            grad[:-1] = np.abs(lum[1:] - lum[:-1])
            ok[:-1] = known[1:] & known[:-1]
        size = (max(1, window), max(1, window))
        num = cv2.boxFilter(grad * ok, -1, size, normalize=False, borderType=cv2.BORDER_REFLECT)
        den = cv2.boxFilter(ok, -1, size, normalize=False, borderType=cv2.BORDER_REFLECT)
        out[:, :, c] = np.where(den > 0.5, num / np.maximum(den, 1.0), 0.0)
    return out
