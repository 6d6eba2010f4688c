"""Content-aware fill: multi-scale PatchMatch completion (Wexler et al. 2007), numpy only.

:func:`patchmatch_fill` has the ``FillFn`` signature of :mod:`ml.engines.inpaint`
(``(image_crop, hole, ctx) -> filled``) and is meant to run through
:func:`ml.engines.inpaint.fill_patch`, which hands it the mask's bounding box plus context.
The search is therefore local: every patch copied into the hole comes from the known part
of that crop.

How it works
------------
* A pyramid halves the crop until the hole is at most about one patch thick (or the crop
  would fall under :attr:`PatchMatchSettings.min_side`). Coarse pixels touched by any fine
  hole pixel are holes, so no masked content leaks into the known pixels of any level.
* Two texture features ride along as extra channels (Newson et al. 2014): the mean
  absolute horizontal and vertical luma gradient over a window as large as the coarsest
  level's pixel, from known pixels only. They are voted into the hole like colours and
  weigh in the patch distance, so a blurred coarse level still knows where the texture
  was busy; without them the fill washes out into flat patches (gravel, fur, foliage).
* The coarsest hole starts from the smooth guide, or an onion peel (:func:`onion_peel_fill`:
  ring by ring from the rim, each pixel from the source patch that best matches its known
  neighbours), or OpenCV's Telea / FSR fill, and a
  random nearest-neighbour field (NNF) over the *valid sources*: pixels whose whole
  ``patch_size``² patch lies inside the crop and outside the hole.
* Each level runs a few EM passes. E-step: PatchMatch (Barnes et al. 2009) for every
  target patch (every patch that overlaps the hole) at once -- propagation from the
  neighbours at distances 4, 2, 1 in the four directions (jump-flooding style, so a good
  match travels several pixels per pass), a uniformly random valid source, and a random
  search around the current match with halving radii. M-step (voting): every hole pixel
  becomes the weighted mean of the ``patch_size``² source pixels that the patches covering
  it propose, weight ``exp(-d / (2 σ²))`` with σ² the largest of the patch distances
  ``d`` (Wexler's similarity weight; ``vote_percentile``). Averaging softens fine grain;
  ``final_vote="detail"`` keeps the mean's low frequencies and takes the fine detail
  (σ = 1 high-pass) from each pixel's most similar patch (sharper, but further from the
  truth by PSNR / SSIM, so not the default: the engine's "Keep fine grain" option).
* The NNF is upsampled to the next level (offsets doubled) and the upsampled fill seeds the
  finer hole.

Patch distances are squared distances between patch descriptors: the lowest
``components`` 2-D DCT coefficients of the patch in an orthonormal opponent colour space
(most on luminance, see :func:`dct_basis`), computed for every pixel at once by separable
OpenCV filters. That is the patch SSD restricted to its low frequencies -- close to the
full SSD for natural images (the DCT approximates their principal axes) -- and a candidate
costs a 16-float gather instead of 147 (7×7×3). A fixed basis also means no per-level
eigen-decomposition.

Everything stays float32 from input to output (no 8-bit step except FSR's initial guess
when asked for): a 16-bit document keeps its precision. Progress goes through
``ctx.report`` after every EM pass (which also raises :class:`ml.types.Cancelled`), and the
cancel token is checked between PatchMatch passes.

Around the search (:func:`patchmatch_fill`): far-apart parts of the hole are filled one at
a time on their own context boxes (:mod:`ml.fill.regions`), and a smooth guide -- OpenCV's
FSR fill made at a scale where the hole is small (:mod:`ml.fill.guide`) -- starts the
coarsest level, weakly guides the coarse levels' patch search, and takes over where the
finished fill is flat (smooth shading is better interpolated than patched together).
:class:`ml.engines.inpaint.PatchMatchEngine` registers it (:data:`ENGINE_ID`,
:data:`MAX_SIDE`); it is the default inpaint engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

# the features and the initial fills live in their own modules; their names stay
# importable here
from ml.fill.features import dct_basis, patch_descriptors, texture_features
from ml.fill.guide import flat_blend, guide_fill
from ml.fill.init import fsr_fill, onion_peel_fill, telea_fill
from ml.fill.regions import hole_groups
from ml.types import RunContext

__all__ = [
    "DEFAULT_SETTINGS", "ENGINE_DESCRIPTION", "ENGINE_ID", "ENGINE_NAME", "MAX_SIDE",
    "SEAM_LIMIT", "PatchMatchSettings", "dct_basis", "make_patchmatch_fill",
    "onion_peel_fill", "patch_descriptors", "patchmatch_fill", "telea_fill",
    "texture_features",
]

#: engine id for ml.engines.inpaint
ENGINE_ID = "patchmatch"
#: human name shown in the Remove / Inpaint dialog
ENGINE_NAME = "Content-aware fill (PatchMatch)"
#: one-line description for the dialog and ``retouch inpaint --help``
ENGINE_DESCRIPTION = (
    "Multi-scale PatchMatch (Content-Aware Fill style): copies texture and straight edges "
    "from around the hole; no download."
)
#: default long side of the crop the fill works on (``fill_patch(max_side=...)``); cost
#: grows with the hole's area, about 2-3 s for a 256² hole at this size on 2 CPU cores
MAX_SIDE = 768

#: largest rim mismatch the seamless correction spreads (per channel): a drift in
#: brightness or colour is corrected, a structural mismatch (other content) is not
#: smeared into the hole as streaks
SEAM_LIMIT = np.float32(0.1)

#: propagation distances of one PatchMatch pass (jump-flooding style, largest first)
_STEPS = (4, 2, 1)


@dataclass(frozen=True)
class PatchMatchSettings:
    """Knobs of :func:`patchmatch_fill`; the defaults are what the engine uses.

    ``patch_size``: odd side of the square patches (7). ``components``: DCT coefficients
    per patch descriptor (see :func:`dct_basis`). ``em_iterations`` / ``finest_em_iterations``: EM passes on each
    coarse level / on the full-resolution level. ``pm_iterations``: PatchMatch passes per
    EM pass (the very first one on the coarsest level gets twice as many, from a random
    field). ``min_side``: smallest crop side of a pyramid level; ``max_levels``: at most
    this many levels (8× reduction for 4: deeper, fine textures vanish at the top).
    ``init``: the guess the coarsest hole starts from -- "onion" (patch-based onion peel,
    continues edges), "telea" or "fsr" (diffusion / frequency-selective fills).
    ``vote_percentile``: percentile of the patch distances used as the voting σ²;
    ``final_vote``: how the last pass rebuilds the hole -- "mean" (Wexler's weighted
    mean: clean but it averages away about half of a fine texture's grain), "best" (each
    pixel from its most similar patch: sharp, grainy) or "detail" (the mean's low
    frequencies plus the best vote's fine detail, see :func:`_detail_vote`).
    ``texture_weight``: weight λ of the texture features in the patch distance (0 = plain
    colour patches). ``seamless``: correct the fill's brightness / colour drift against
    the rim after the last pass (:func:`_seamless`). ``split``: fill far-apart parts of
    the hole one at a time, each on its own context box (``group_margin`` × its size
    around it, :func:`ml.fill.regions.hole_groups`). ``guide``: the smooth fill ("fsr",
    "telea" or "none") made at a scale where the hole has at most ``guide_pixels`` pixels
    (:func:`ml.fill.guide.guide_fill`); ``init="guide"`` starts the coarsest level from
    it, ``guide_weight`` β pulls the target patches of the coarse levels toward it (a weak
    guidance term: the patch distance becomes ``(1 - β) d(s, current) + β d(s, guide)``),
    and ``flat_energy`` fades the finished fill toward it where the fill is flat
    (:func:`ml.fill.guide.flat_blend`; 0 = off). ``seed``: random search seed (the fill
    is deterministic per seed).
    """

    patch_size: int = 7
    components: int = 16
    em_iterations: int = 4
    finest_em_iterations: int = 2
    pm_iterations: int = 2
    min_side: int = 32
    max_levels: int = 4
    init: str = "onion"
    vote_percentile: float = 100.0
    final_vote: str = "mean"
    texture_weight: float = 64.0
    seamless: bool = True
    split: bool = True
    guide: str = "fsr"
    guide_pixels: int = 1536
    guide_weight: float = 0.3
    flat_energy: float = 0.04
    guide_floor: float = 0.0
    guide_agree: float = 0.15
    group_margin: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.patch_size < 3 or self.patch_size % 2 == 0:
            raise ValueError(f"patch_size must be odd and >= 3, got {self.patch_size}")
        if not 1 <= self.components <= 3 * self.patch_size**2:
            raise ValueError(f"components must be in 1..{3 * self.patch_size**2}")
        if self.init not in ("onion", "telea", "fsr", "guide"):
            raise ValueError(f"init must be 'onion', 'telea', 'fsr' or 'guide', got "
                             f"{self.init!r}")
        if self.guide not in ("fsr", "telea", "none"):
            raise ValueError(f"guide must be 'fsr', 'telea' or 'none', got {self.guide!r}")
        if not 0 <= self.guide_weight < 1 or self.flat_energy < 0 or self.guide_pixels < 16:
            raise ValueError("guide_weight must be in [0, 1), flat_energy >= 0, "
                             "guide_pixels >= 16")
        if self.max_levels < 1:
            raise ValueError("max_levels must be >= 1")
        if self.final_vote not in ("mean", "best", "detail"):
            raise ValueError(f"final_vote must be 'mean' or 'best', got {self.final_vote!r}")
        if self.texture_weight < 0 or not 0 < self.vote_percentile <= 100:
            raise ValueError("texture_weight must be >= 0 and vote_percentile in (0, 100]")
        if min(self.em_iterations, self.finest_em_iterations, self.pm_iterations) < 1:
            raise ValueError("iteration counts must be >= 1")


DEFAULT_SETTINGS = PatchMatchSettings()


# --- helpers -----------------------------------------------------------------------------


def _hole_radius(hole: np.ndarray) -> float:
    """Largest distance from a hole pixel to the nearest known pixel (0 for no hole)."""
    import cv2

    if not hole.any():
        return 0.0
    if hole.all():
        return float(max(hole.shape))
    return float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())


def _downsample(image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    h, w = hole.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    # cv2.resize takes at most 4 channels: colour and texture features go separately
    small = np.concatenate([
        cv2.resize(np.ascontiguousarray(image[:, :, c : c + 3]), size,
                   interpolation=cv2.INTER_AREA).reshape(size[1], size[0], -1)
        for c in range(0, image.shape[2], 3)], axis=2)
    # any trace of a fine hole pixel makes a coarse hole: masked content never leaks
    small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 1e-6
    return small, small_hole


class _Level:
    """One pyramid level: its hole, valid sources, target patches and their descriptors."""

    def __init__(self, image: np.ndarray, hole: np.ndarray,
                 settings: PatchMatchSettings) -> None:
        import cv2

        self.image = image  # known pixels of this level (hole content is meaningless)
        self.hole = hole
        self.h, self.w = hole.shape
        self.p = settings.patch_size
        self.r = self.p // 2
        box = np.ones((self.p, self.p), np.uint8)
        known = (~hole).astype(np.uint8)
        self.valid = cv2.erode(known, box, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
        self.vy, self.vx = (a.astype(np.int32) for a in np.nonzero(self.valid))
        targets = cv2.dilate(hole.astype(np.uint8), box) > 0
        self.ty, self.tx = (a.astype(np.int32) for a in np.nonzero(targets))
        self.n = self.ty.size
        pad = max(_STEPS)
        self.tid = np.full((self.h + 2 * pad, self.w + 2 * pad), -1, np.int32)
        self.tid[self.ty + pad, self.tx + pad] = np.arange(self.n, dtype=np.int32)
        self.pad = pad
        # bounding box of the target patches, for recomputing their descriptors
        self.box = (max(0, int(self.ty.min()) - self.r), max(0, int(self.tx.min()) - self.r),
                    min(self.h, int(self.ty.max()) + self.r + 1),
                    min(self.w, int(self.tx.max()) + self.r + 1)) if self.n else (0, 0, 0, 0)
        self.basis = dct_basis(self.p, settings.components)
        dc = np.full(self.p, 1.0 / np.sqrt(self.p), np.float32)
        # texture feature channels: their patch mean (DC term) joins the descriptor
        self.basis += [(c, dc, dc) for c in range(3, image.shape[2])]
        self.src_desc: np.ndarray | None = None
        if self.vy.size:
            self.src_desc = self._descriptors(image)
        self.hole_yx = np.nonzero(hole)

    @property
    def has_sources(self) -> bool:
        return self.vy.size > 0

    def _descriptors(self, image: np.ndarray) -> np.ndarray:
        """(H*W, k) low-frequency DCT coefficients of the patch centred on every pixel."""
        return patch_descriptors(image, self.basis)

    def target_descriptors(self, image: np.ndarray) -> np.ndarray:
        """(N, k) descriptors of the target patches of the current estimate ``image``."""
        y0, x0, y1, x1 = self.box
        desc = self._descriptors(image[y0:y1, x0:x1])
        return desc[(self.ty - y0) * (x1 - x0) + (self.tx - x0)]

    def random_sources(self, count: int, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                             np.ndarray]:
        i = rng.integers(0, self.vy.size, count)
        return self.vy[i].copy(), self.vx[i].copy()

    def distances(self, sy: np.ndarray, sx: np.ndarray, tgt: np.ndarray) -> np.ndarray:
        assert self.src_desc is not None
        diff = self.src_desc[sy * self.w + sx] - tgt
        return np.einsum("ij,ij->i", diff, diff)

    def _try(self, cy: np.ndarray, cx: np.ndarray, nny: np.ndarray, nnx: np.ndarray,
             dist: np.ndarray, tgt: np.ndarray) -> None:
        """Keep the candidates ``(cy, cx)`` that are valid sources and closer (in place).

        Candidates off the crop are clipped onto it: still a legitimate (random) candidate.
        """
        np.clip(cy, 0, self.h - 1, out=cy)
        np.clip(cx, 0, self.w - 1, out=cx)
        d = self.distances(cy, cx, tgt)
        better = (d < dist) & self.valid[cy, cx]
        nny[better] = cy[better]
        nnx[better] = cx[better]
        dist[better] = d[better]

    def patchmatch_pass(self, nny: np.ndarray, nnx: np.ndarray, dist: np.ndarray,
                        tgt: np.ndarray, rng: np.random.Generator, coarsest: bool) -> None:
        """One PatchMatch pass for all targets at once: propagation, then random search.

        On the coarsest level the search spans the crop; finer levels start from the
        upsampled field, so they propagate over shorter steps and search locally.
        """
        pad = self.pad
        steps = _STEPS if coarsest else _STEPS[1:]
        for step in steps:
            if step >= max(self.h, self.w):
                continue
            for sy, sx in ((0, step), (0, -step), (step, 0), (-step, 0)):
                j = self.tid[self.ty + sy + pad, self.tx + sx + pad]
                has = j >= 0
                cy = np.where(has, nny[j] - sy, nny)
                cx = np.where(has, nnx[j] - sx, nnx)
                self._try(cy, cx, nny, nnx, dist, tgt)
        gy, gx = self.random_sources(self.n, rng)
        self._try(gy, gx, nny, nnx, dist, tgt)
        radius = max(self.h, self.w) // 2 if coarsest else min(max(self.h, self.w) // 4, 32)
        while radius >= 1:
            cy = nny + rng.integers(-radius, radius + 1, self.n, dtype=np.int32)
            cx = nnx + rng.integers(-radius, radius + 1, self.n, dtype=np.int32)
            self._try(cy, cx, nny, nnx, dist, tgt)
            radius //= 2

    def vote(self, image: np.ndarray, nny: np.ndarray, nnx: np.ndarray,
             dist: np.ndarray, percentile: float = 75.0, best: bool = False) -> np.ndarray:
        """Wexler's M-step: each hole pixel = similarity-weighted mean of its votes.

        Dense over the targets' bounding box: for each of the patch's offsets one
        ``cv2.remap`` (nearest, exact integer maps) fetches the source pixel every target
        proposes there, and a shifted slice adds it where it lands.
        """
        import cv2

        sigma2 = float(np.percentile(dist, percentile)) if dist.size else 1.0
        weight = np.exp(-dist / (2.0 * sigma2 + 1e-12)).astype(np.float32)
        weight = np.maximum(weight, np.float32(1e-8))  # never 0/0 on a lone bad match
        y0, x0 = int(self.ty.min()), int(self.tx.min())
        bh, bw = int(self.ty.max()) - y0 + 1, int(self.tx.max()) - x0 + 1
        iy, ix = self.ty - y0, self.tx - x0
        map_y = np.full((bh, bw), float(self.vy[0]), np.float32)
        map_x = np.full((bh, bw), float(self.vx[0]), np.float32)
        map_y[iy, ix] = nny
        map_x[iy, ix] = nnx
        wd = np.zeros((bh, bw), np.float32)
        wd[iy, ix] = weight
        wd3 = wd[:, :, None]
        r = self.r
        acc = np.zeros((bh + 2 * r, bw + 2 * r, image.shape[2]), np.float32)
        wsum = np.zeros((bh + 2 * r, bw + 2 * r), np.float32)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                vals = cv2.remap(image, map_x + np.float32(dx), map_y + np.float32(dy),
                                 cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
                win = (slice(r + dy, r + dy + bh), slice(r + dx, r + dx + bw))
                if best:
                    take = wd > wsum[win]
                    acc[win][take] = vals[take]
                    wsum[win][take] = wd[take]
                else:
                    acc[win] += vals * wd3
                    wsum[win] += wd
        out = image.copy()
        hy, hx = self.hole_yx
        ay, ax = hy - y0 + r, hx - x0 + r
        out[hy, hx] = acc[ay, ax] if best else acc[ay, ax] / wsum[ay, ax][:, None]
        self.last_proposal = (acc, wsum, y0 - r, x0 - r)
        return out

    def seam_residual(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3): on the known rim of the hole, the known colour minus what the last
        mean vote's patches proposed there; 0 elsewhere."""
        acc, wsum, oy, ox = self.last_proposal
        res = np.zeros((self.h, self.w, 3), np.float32)
        ys, xs = np.nonzero(wsum > 0)
        gy, gx = ys + oy, xs + ox
        keep = (gy >= 0) & (gy < self.h) & (gx >= 0) & (gx < self.w)
        ys, xs, gy, gx = ys[keep], xs[keep], gy[keep], gx[keep]
        rim = ~self.hole[gy, gx]
        ys, xs, gy, gx = ys[rim], xs[rim], gy[rim], gx[rim]
        proposal = acc[ys, xs, :3] / wsum[ys, xs, None]
        res[gy, gx] = image[gy, gx, :3] - proposal
        return res

    def upsample_field(self, coarse: _Level, cny: np.ndarray, cnx: np.ndarray,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """This level's NNF from the coarser level's: same offsets, scaled."""
        fy, fx = self.h / coarse.h, self.w / coarse.w
        cy = np.minimum((self.ty / fy).astype(np.int32), coarse.h - 1)
        cx = np.minimum((self.tx / fx).astype(np.int32), coarse.w - 1)
        j = coarse.tid[cy + coarse.pad, cx + coarse.pad]
        has = j >= 0
        ny = self.ty + np.rint((cny[j] - cy) * fy).astype(np.int32)
        nx = self.tx + np.rint((cnx[j] - cx) * fx).astype(np.int32)
        ok = has & (ny >= 0) & (ny < self.h) & (nx >= 0) & (nx < self.w)
        ok[ok] = self.valid[ny[ok], nx[ok]]
        ry, rx = self.random_sources(int((~ok).sum()), rng)
        ny[~ok] = ry
        nx[~ok] = rx
        return ny, nx


def _seamless(level: _Level, image: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Shift the fill by a smooth correction so it meets the rim exactly: the mismatch
    between the known rim and what the copied patches proposed there, spread into the hole
    by Telea (a cheap membrane / Poisson-style blend). Patches keep their texture; only
    their brightness and colour drift across the seam goes."""
    res = np.clip(level.seam_residual(image), -SEAM_LIMIT, SEAM_LIMIT)
    corr = telea_fill(res + np.float32(1.0), level.hole) - np.float32(1.0)
    out = filled.copy()
    hole = level.hole
    out[:, :, :3][hole] = np.clip(filled[:, :, :3][hole] + corr[hole], 0.0, 1.0)
    return out


def _detail_vote(level: _Level, image: np.ndarray, nny: np.ndarray, nnx: np.ndarray,
                 dist: np.ndarray, settings: PatchMatchSettings) -> np.ndarray:
    """The weighted-mean vote's low frequencies plus the best-patch vote's fine detail:
    the mean keeps smooth areas clean, the detail restores the grain averaging removes."""
    import cv2

    best = level.vote(image, nny, nnx, dist, settings.vote_percentile, best=True)
    mean = level.vote(image, nny, nnx, dist, settings.vote_percentile)  # the last: seams
    out = mean.copy()
    for c in range(3):
        low_mean = cv2.GaussianBlur(mean[:, :, c], (0, 0), 1.0)
        low_best = cv2.GaussianBlur(best[:, :, c], (0, 0), 1.0)
        out[:, :, c] = low_mean + (best[:, :, c] - low_best)
    out[:, :, :3] = np.clip(out[:, :, :3], 0.0, 1.0)
    out[~level.hole] = image[~level.hole]
    return out


def _build_pyramid(image: np.ndarray, hole: np.ndarray,
                   settings: PatchMatchSettings) -> list[tuple[np.ndarray, np.ndarray]]:
    """Finest first; stops when the hole is about one patch thick or the crop too small."""
    levels = [(image, hole)]
    while True:
        img, h = levels[-1]
        if _hole_radius(h) <= settings.patch_size:
            break
        if min(h.shape) // 2 < settings.min_side or len(levels) >= settings.max_levels:
            break
        small, small_hole = _downsample(img, h)
        if small_hole.all():
            break
        levels.append((small, small_hole))
    return levels


# --- the fill ----------------------------------------------------------------------------


def patchmatch_fill(image: np.ndarray, hole: np.ndarray, ctx: RunContext,
                    settings: PatchMatchSettings | None = None) -> np.ndarray:
    """Fill ``hole`` in ``image`` with patches of its surroundings (a ``FillFn``).

    ``image``: float32 HxWx3 RGB in [0, 1] (the crop :func:`ml.engines.inpaint.fill_patch`
    passes); ``hole``: bool HxW, True = fill. Returns a new float32 HxWx3 array whose
    pixels outside the hole are exactly those of ``image``. Reports progress through
    ``ctx.report`` (and so raises :class:`ml.types.Cancelled` when cancelled). When the
    crop has no patch-sized known area to copy from, the Telea fill is returned instead.
    """
    settings = settings or DEFAULT_SETTINGS
    image = np.ascontiguousarray(image, dtype=np.float32)
    hole = np.asarray(hole, dtype=bool)
    if image.ndim != 3 or image.shape[2] != 3 or hole.shape != image.shape[:2]:
        raise ValueError(f"expected HxWx3 image and HxW hole, got {image.shape}, {hole.shape}")
    if not hole.any():
        ctx.report(1.0, "nothing to fill")
        return image.copy()
    if hole.all():
        # nothing to copy from: a flat grey is the honest answer
        ctx.report(1.0, "no known pixels")
        return np.full_like(image, 0.5)
    boxes = hole_groups(hole, settings.group_margin) if settings.split else [
        (0, 0, hole.shape[0], hole.shape[1])]
    if len(boxes) == 1 and boxes[0] == (0, 0) + hole.shape:
        return _fill_group(image, hole, ctx, settings)
    out = image.copy()
    sizes = [float(hole[y0:y1, x0:x1].sum()) for y0, x0, y1, x1 in boxes]
    total, done = sum(sizes), 0.0
    for (y0, x0, y1, x1), size in zip(boxes, sizes):
        sub = ctx.sub(done / total, (done + size) / total)
        out[y0:y1, x0:x1] = _fill_group(image[y0:y1, x0:x1], hole[y0:y1, x0:x1], sub,
                                        settings)
        done += size
    return out


def _fill_group(image: np.ndarray, hole: np.ndarray, ctx: RunContext,
                settings: PatchMatchSettings) -> np.ndarray:
    """:func:`patchmatch_fill` of one group of hole parts (the whole crop as one)."""
    rng = np.random.default_rng(settings.seed)
    ctx.report(0.0, "PatchMatch: building the pyramid")
    work_image = image
    if settings.texture_weight > 0:
        depth = len(_build_pyramid(image[:, :, :1], hole, settings))
        features = texture_features(image, hole, 2 ** (depth - 1))
        features *= np.float32(np.sqrt(settings.texture_weight))
        work_image = np.concatenate([image, features], axis=2)
    pyramid = _build_pyramid(work_image, hole, settings)
    levels: list[_Level] = []
    for img, h in pyramid:
        level = _Level(img, h, settings)
        if not level.has_sources:
            break
        levels.append(level)
        ctx.cancel.check()
    if not levels:
        ctx.report(1.0, "too little known area for patches: Telea fill")
        out = telea_fill(image, hole)
        out[~hole] = image[~hole]
        return out

    passes = [settings.finest_em_iterations] + [settings.em_iterations] * (len(levels) - 1)
    work = [p * lv.n for p, lv in zip(passes, levels)]
    total = float(sum(work)) or 1.0
    done = 0.0

    import cv2

    guide = None if settings.guide == "none" else guide_fill(
        image, hole, settings.guide, settings.guide_pixels)

    def level_guide(level: _Level) -> np.ndarray:
        assert guide is not None
        if level.h == hole.shape[0]:
            return guide
        return cv2.resize(guide, (level.w, level.h), interpolation=cv2.INTER_AREA)

    # coarsest level: initial guess and a random field
    coarsest = levels[-1]
    if settings.init == "guide" and guide is not None:
        current = telea_fill(coarsest.image, coarsest.hole)
        current[:, :, :3] = level_guide(coarsest)
    elif settings.init == "onion":
        current = onion_peel_fill(coarsest.image, coarsest.hole, coarsest.valid,
                                  settings.patch_size, rng, ctx.cancel.check)
    else:
        init = fsr_fill if settings.init == "fsr" else telea_fill
        current = init(coarsest.image, coarsest.hole)
    current[~coarsest.hole] = coarsest.image[~coarsest.hole]
    nny, nnx = coarsest.random_sources(coarsest.n, rng)
    previous: _Level | None = None
    count = len(levels)
    for depth in range(count - 1, -1, -1):
        level = levels[depth]
        if previous is not None:
            nny, nnx = level.upsample_field(previous, nny, nnx, rng)
            up = np.concatenate([
                cv2.resize(np.ascontiguousarray(current[:, :, c : c + 3]), (level.w, level.h),
                           interpolation=cv2.INTER_LINEAR).reshape(level.h, level.w, -1)
                for c in range(0, current.shape[2], 3)], axis=2)
            current = level.image.copy()
            current[level.hole] = up[level.hole]
        first = previous is None
        for em in range(passes[depth]):
            if guide is not None and settings.guide_weight > 0 and depth > 0:
                # a weak guidance term: ||s - c||² (1 - β) + β ||s - g||² is, up to a
                # constant, the distance to the blend (1 - β) c + β g (linear descriptors)
                steer = current.copy()
                beta = np.float32(settings.guide_weight)
                hy, hx = level.hole_yx
                steer[hy, hx, :3] = ((1 - beta) * current[hy, hx, :3]
                                     + beta * level_guide(level)[hy, hx])
                tgt = level.target_descriptors(steer)
            else:
                tgt = level.target_descriptors(current)
            dist = level.distances(nny, nnx, tgt)
            for _ in range(settings.pm_iterations * (2 if first and em == 0 else 1)):
                ctx.cancel.check()
                level.patchmatch_pass(nny, nnx, dist, tgt, rng, coarsest=first)
            last = depth == 0 and em == passes[depth] - 1
            if last and settings.final_vote == "detail":
                result = _detail_vote(level, current, nny, nnx, dist, settings)
            else:
                result = level.vote(current, nny, nnx, dist, settings.vote_percentile,
                                    best=last and settings.final_vote == "best")
            if last and settings.seamless:
                if settings.final_vote == "best":  # the rim proposal comes from a mean vote
                    level.vote(current, nny, nnx, dist, settings.vote_percentile)
                result = _seamless(level, current, result)
            current = result
            done += level.n
            ctx.report(done / total, f"PatchMatch: scale {count - depth}/{count}, "
                                     f"pass {em + 1}/{passes[depth]}")
        previous = level
    out = np.ascontiguousarray(current[:, :, :3])
    out[~hole] = image[~hole]
    if guide is not None and settings.flat_energy > 0:
        out = flat_blend(out, guide, hole, settings.flat_energy, settings.guide_floor,
                         settings.guide_agree)
    return out


def make_patchmatch_fill(**overrides: object) -> Callable[[np.ndarray, np.ndarray, RunContext],
                                                          np.ndarray]:
    """A ``FillFn`` running :func:`patchmatch_fill` with some settings changed, e.g.
    ``make_patchmatch_fill(init="fsr", seed=3)``; unknown names raise ``TypeError``."""
    settings = replace(DEFAULT_SETTINGS, **overrides)

    def fill(image: np.ndarray, hole: np.ndarray, ctx: RunContext) -> np.ndarray:
        return patchmatch_fill(image, hole, ctx, settings)

    return fill
