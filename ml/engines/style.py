"""Style-transfer engines.

Every engine takes ``content`` (and, unless it is a preset, ``style``) as float32 RGB HWC
in [0, 1] and returns an image of the content's size. Common parameters, applied the
same way for every engine through :func:`ml.style_ops.finish`:

* ``strength`` 0..1 -- blend with the original (0 returns the input exactly; colour
  transfer interpolates its colour statistics instead);
* ``keep_colors`` -- luminance-only transfer: the result's luminance, the input's chroma;
* ``style_scale`` -- stroke size relative to the image (2 = strokes twice as big);
* ``mask=`` (keyword, not a Param) -- float HW, 1 = stylise; 0 keeps the input exactly.

Engines:

* ``color-transfer`` -- instant colour transfer in Oklab with "preserve luminance"
  and gamut-safe chroma (:mod:`ml.style.color`).
* ``paint`` -- the built-in painterly stylisation (:mod:`ml.style.paint`): Kuwahara
  regions, the style's palette, brush strokes along the edges; seconds, no download.
* ``gatys`` -- optimisation-based neural style transfer with any style image. Uses the
  torchvision VGG-19 from the store (``vgg19-torchvision``) when installed, otherwise a
  seeded random-weight VGG-shaped network at half width (no download). Each style
  layer's Gram loss is divided by the mean square of its target Gram (He, Wang & Hopcroft
  2016: without it one layer dominates and random features give noise), the five style
  layers sit at five scales (the multi-scale idea of Ustyuzhaninov et al. 2017, here
  through pooling rather than one wide layer of big filters, which gave blocky output in
  our trials), and a total-variation term suppresses the pixel noise random filters
  invite. It optimises coarse to fine (128, 256, … up to ``max_size``) and brings the
  result to full size with :func:`ml.style_ops.detail_upsample`, so a 1 MP image costs a
  ~0.15 MP optimisation; previews are reported between L-BFGS steps.
* ``fast-candy``, ``fast-mosaic``, ``fast-udnie``, ``fast-rain-princess`` -- Johnson et
  al.'s feed-forward presets from the store, run tiled at full resolution.
* ``adain`` -- arbitrary-style feed-forward AdaIN (store: ``adain-vgg`` + ``adain-decoder``).

``color-transfer``, the fast presets and ``adain`` are quick enough for the style
dialog's live preview (``live_preview``). Loaded networks live in
:data:`ml.modelcache.MODELS`. :data:`SPEC` declares the task (inputs ``image``, the
optional ``style`` image and ``mask``; the ``retouch stylize`` subcommand).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ml import style_ops
from ml.engines import CliOption, CliSpec, StyleEngine, TaskInput, TaskSpec, add_task, register
from ml.engines.style_models import (
    ADAIN_MODELS,
    load_adain_model,
    load_fast_model,
    run_adain,
    run_transformer,
)
from ml.engines.style_models import read_weights as _read_weights
from ml.engines.style_models import to_numpy as _to_numpy
from ml.engines.style_models import to_tensor as _to_tensor
from ml.engines.style_models import working_shape as _working_shape
from ml.modelcache import MODELS, file_version
from ml.types import EngineError, Param, RunContext

#: the simple mode's Detail setting the engines' parameter defaults correspond to
DEFAULT_DETAIL = 0.5

COMMON_PARAMS: tuple[Param, ...] = (
    Param("strength", "Strength", "float", 1.0, 0.0, 1.0,
          help="blend with the original: 0 = unchanged, 1 = full effect"),
    Param("keep_colors", "Keep original colours", "bool", False,
          help="luminance-only transfer: keep the image's own colours"),
    Param("style_scale", "Style scale", "float", 1.0, 0.25, 4.0,
          help="size of the style's strokes relative to the image (2 = twice as big)"),
)


class _Style(StyleEngine):
    """Shared plumbing: parameter checks, strength/keep-colours/mask, the no-op shortcut."""

    takes_mask = True
    #: True when _run applies ``strength`` itself (finish then only applies the mask)
    own_strength = False
    #: parameters a dialog puts under "Advanced" (the simple mode shows the rest, the
    #: common strength and, where :meth:`detail_params` is given, one Detail slider)
    advanced_params: tuple[str, ...] = ()
    default_detail = DEFAULT_DETAIL

    def detail_params(self, detail: float) -> dict[str, Any] | None:
        """The technical parameter values for one "detail" setting 0..1 (coarse, flat
        and quick … fine, close to the photo), or None when the engine has no such
        simple control. At :data:`DEFAULT_DETAIL` they equal the parameters' defaults."""
        return None

    def resolve_params(self, values: dict | None = None) -> dict:
        # ``mask`` is an array, not a user parameter: let it pass through the runtime's
        # resolve step untouched so ``run_task("style", ..., mask=m)`` reaches stylize()
        values = dict(values or {})
        mask = values.pop("mask", None)
        out = super().resolve_params(values)
        if mask is not None:
            out["mask"] = mask
        return out

    def stylize(self, content: np.ndarray, style: np.ndarray | None, ctx: RunContext,
                **params: Any) -> np.ndarray:
        p = self.resolve_params(params)
        mask = p.pop("mask", None)
        content = style_ops.check_image(content, "content")
        m = style_ops.check_mask(mask, content.shape[:2])
        if p["strength"] <= 0.0 or (m is not None and not np.any(m > 0.0)):
            return content.copy()
        if self.needs_style_image:
            if style is None:
                raise EngineError(f"engine {self.id!r} needs a style image")
            style = style_ops.check_image(style, "style image")
        result = self._run(content, style, ctx, p)
        ctx.report(1.0, "done")
        strength = 1.0 if self.own_strength else p["strength"]
        return style_ops.finish(content, result, strength=strength,
                                keep_colors=p["keep_colors"], mask=m)

    def _run(self, content: np.ndarray, style: np.ndarray | None, ctx: RunContext,
             p: dict) -> np.ndarray:
        raise NotImplementedError


# ============================================================================ colour

class ColorTransferEngine(_Style):
    """Instant colour/tone transfer in Oklab (:mod:`ml.style.color`)."""

    id = "color-transfer"
    name = "Colour transfer"
    description = ("Give the image the colours and tones of the style image (instant; "
                   "no brush strokes).")
    device_policy = "cpu"
    live_preview = True
    # strength interpolates the colour statistics (half strength = half the shift in
    # Oklab), not an RGB cross-fade
    own_strength = True
    params = COMMON_PARAMS + (
        Param("method", "Method", "choice", "mean-std", choices=("mean-std", "histogram"),
              help="mean-std: match lightness and colour mean and spread (gentle); "
                   "histogram: match the lightness and chroma distributions (stronger)"),
        Param("preserve_luminance", "Preserve luminance", "bool", False,
              help="change only the colours: keep the image's own lightness"),
    )

    def _run(self, content, style, ctx, p):
        from ml.style.color import color_transfer

        # statistics only, so a small style copy is enough and keeps it instant
        style_small = style_ops.fit_long_side(style, 512)
        return color_transfer(content, style_small, strength=p["strength"],
                              preserve_luminance=p["preserve_luminance"], method=p["method"])


# ============================================================================ painting

class PaintEngine(_Style):
    """Classical painterly stylisation (:mod:`ml.style.paint`): no network, no download."""

    id = "paint"
    name = "Painting (built in, any image)"
    description = ("Paints the image with the style image's colours and brushwork: flat "
                   "painted regions with crisp edges and strokes that follow the forms. "
                   "Built in (no download), a few seconds.")
    device_policy = "cpu"
    live_preview = True
    params = COMMON_PARAMS + (
        Param("detail", "Detail", "float", DEFAULT_DETAIL, 0.0, 1.0,
              help="0 = broad flat regions and long strokes, 1 = small regions close to "
                   "the photo"),
        Param("palette_amount", "Palette pull", "float", 0.5, 0.0, 1.0,
              help="how strongly colours are pulled to the style image's main colours"),
        Param("stroke_amount", "Brush strokes", "float", 1.0, 0.0, 3.0,
              help="contrast of the brush-stroke texture (1 = as much as the style has)"),
        Param("seed", "Seed", "int", 0, 0, 2**31 - 1),
    )
    advanced_params = ("detail", "palette_amount", "stroke_amount", "seed")

    def detail_params(self, detail: float) -> dict[str, Any]:
        return {"detail": float(np.clip(detail, 0.0, 1.0))}

    def _run(self, content, style, ctx, p):
        from ml.style.paint import paint

        def report(fraction: float, stage: str) -> None:
            ctx.cancel.check()
            ctx.report(0.97 * fraction, stage)

        return paint(content, style, detail=p["detail"], style_scale=p["style_scale"],
                     seed=p["seed"], palette_amount=p["palette_amount"],
                     stroke_amount=p["stroke_amount"], report=report)


# ============================================================================ helpers

def _store():
    from ml.store import ModelStore

    return ModelStore()


def _missing(model_ids: tuple[str, ...]) -> str | None:
    """A reason naming every missing model and the command that installs each, or None."""
    from ml.store import missing_models

    return missing_models(model_ids)


def _cached(model_id: str, device: str, build: Callable[[], Any], version: Any = None) -> Any:
    """A loaded network from :data:`ml.modelcache.MODELS` (one per model, file version
    and device)."""
    return MODELS.get(model_id, device, build, version=version)


def release_device(device: str) -> None:
    """Forget every cached model that lives on ``device``."""
    MODELS.release(device)


# ============================================================================ Gatys

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu4_2"
VGG_MODEL_ID = "vgg19-torchvision"
#: channel width of the random-feature network relative to VGG-19. Half width is about
#: 4x cheaper per step; on real photos (astronaut, coffee) it gave the same look as the
#: full width (palette + mottled strokes, layout kept) at 38 s instead of 390 s for
#: 512² on a 2-core CPU. Trained weights keep VGG-19's real widths.
RANDOM_WIDTH = 0.5


def _gram(feat):
    n, c, h, w = feat.shape
    f = feat.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def _tv(x):
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).mean() + \
        ((x[..., :, 1:] - x[..., :, :-1]) ** 2).mean()


#: reflect margin added around images before the (zero-padded) VGG: no dark frames
PAD = 16


def _reflect(x):
    import torch.nn.functional as F

    p = min(PAD, x.shape[-1] - 1, x.shape[-2] - 1)
    return F.pad(x, (p, p, p, p), mode="reflect") if p > 0 else x


def level_sizes(long_side: int, finest: int) -> list[int]:
    """Coarse-to-fine long sides: 128, 256, … doubling, ending at ``finest``."""
    finest = max(32, int(finest))
    sizes = []
    s = 128
    while s < finest * 0.85:
        sizes.append(s)
        s *= 2
    sizes.append(finest)
    return sizes


class GatysEngine(_Style):
    """Optimisation-based neural style transfer (Gatys et al. 2016), any style image."""

    id = "gatys"
    name = "Neural style (any image)"
    description = ("Paints the image in the style of any picture by optimisation; slow "
                   "but built in. Uses the VGG-19 from the model store when installed, "
                   "otherwise a random-feature network that needs no download.")
    has_preview = True
    device_policy = "gpu-preferred"
    #: store models used when installed (none is required); the Models dialog lists them
    uses = (VGG_MODEL_ID,)
    params = COMMON_PARAMS + (
        Param("iterations", "Iterations", "int", 120, 1, 2000,
              help="L-BFGS iterations in total over all scales"),
        Param("max_size", "Working size", "int", 384, 16, 2048,
              help="long side (pixels) of the optimisation; larger = finer strokes, slower"),
        Param("style_weight", "Style weight", "float", 1.0, 0.0, 100.0,
              help="how strongly the style's textures are imposed"),
        Param("content_weight", "Content weight", "float", 1.0, 0.0, 100.0,
              help="how strongly the image's layout is kept"),
        Param("tv_weight", "Smoothness", "float", 4.0, 0.0, 1000.0,
              help="total-variation weight: suppresses pixel noise"),
        Param("detail_keep", "Detail kept", "float", 0.5, 0.0, 1.0,
              help="how much full-resolution detail of the original is added back when "
                   "the working size is smaller than the image"),
        Param("network", "Network", "choice", "auto", choices=("auto", "vgg19", "random"),
              help="auto: the installed VGG-19 if any, else random features"),
        Param("seed", "Seed", "int", 0, 0, 2**31 - 1),
        Param("preview_every", "Preview every", "int", 20, 1, 1000,
              help="iterations between intermediate previews"),
    )

    advanced_params = ("iterations", "max_size", "style_weight", "content_weight",
                       "tv_weight", "detail_keep", "network", "seed", "preview_every")

    def detail_params(self, detail: float) -> dict[str, Any]:
        # finer = a larger working size (finer strokes, slower), more iterations, more of
        # the photo's detail kept, less smoothing; 0.5 gives the parameters' defaults
        d = float(np.clip(detail, 0.0, 1.0))
        return {"max_size": round(192 + 384 * d), "iterations": round(60 + 120 * d),
                "detail_keep": round(0.25 + 0.5 * d, 3), "tv_weight": round(6.0 - 4.0 * d, 3)}

    def available(self) -> str | None:
        return None  # the random-feature fallback needs nothing

    def network_name(self, choice: str = "auto") -> str:
        """"vgg19" or "random": which feature network ``choice`` resolves to here."""
        if choice == "random":
            return "random"
        installed = _missing((VGG_MODEL_ID,)) is None
        if choice == "vgg19" and not installed:
            raise EngineError(
                f"the pretrained VGG-19 is not installed: run `retouch models install "
                f"{VGG_MODEL_ID}` (or use network=random)")
        return "vgg19" if installed else "random"

    def _net(self, kind: str, seed: int, device: str):
        from ml.archs.vgg import load_vgg19, random_vgg19

        if kind == "random":
            return _cached("gatys-random", device,
                           lambda: random_vgg19(seed, width=RANDOM_WIDTH).to(device),
                           version=(seed, RANDOM_WIDTH))
        path = _store().path(VGG_MODEL_ID)

        def build():
            try:
                return load_vgg19(_read_weights(path), source=str(path)).to(device)
            except ValueError as exc:
                raise EngineError(str(exc)) from None

        return _cached(VGG_MODEL_ID, device, build, version=file_version(path))

    def _run(self, content, style, ctx, p):
        from ml.torch_helpers import cancellable

        device = ctx.device
        kind = self.network_name(p["network"])
        net = self._net(kind, p["seed"], device)
        # a VGG pass at the finest level takes seconds on a CPU: cancel between layers
        with cancellable(net, ctx.cancel):
            return self._optimise(net, kind, content, style, ctx, p)

    def _optimise(self, net, kind, content, style, ctx, p):
        import torch

        device = ctx.device
        h, w = content.shape[:2]
        finest = min(int(p["max_size"]), max(h, w))
        sizes = level_sizes(max(h, w), finest)
        # more iterations where they are cheap: coarse levels set the layout
        weights = [1.0 + 0.35 * i for i in range(len(sizes))]
        iters = [max(1, round(p["iterations"] * wt / sum(weights))) for wt in weights]
        total = sum(iters)
        done = 0
        x = None
        gen = torch.Generator().manual_seed(int(p["seed"]))
        content_low = content
        for level, (side, n_iter) in enumerate(zip(sizes, iters)):
            shape = _working_shape(content.shape, side)
            content_low = style_ops.resize(content, shape[1], shape[0])
            style_low = style_ops.scale_style(style, shape, p["style_scale"],
                                              max_side=int(2 * side))
            c_t = _to_tensor(content_low, device)
            s_t = _to_tensor(style_low, device)
            with torch.no_grad():
                s_feats = net(_reflect(s_t), STYLE_LAYERS)
                targets = {k: _gram(v) for k, v in s_feats.items()}
                norms = {k: (g ** 2).mean().clamp_min(1e-12) for k, g in targets.items()}
                c_feat = net(_reflect(c_t), (CONTENT_LAYER,))[CONTENT_LAYER]
                c_norm = (c_feat ** 2).mean().clamp_min(1e-12)
                del s_feats
            if x is None:
                # start from the content plus a little seeded noise: keeps the layout and
                # breaks the symmetry of flat regions
                noise = torch.randn(c_t.shape, generator=gen).to(device) * 0.02
                start = (c_t + noise).clamp(0, 1)
            else:
                start = torch.nn.functional.interpolate(
                    x.detach(), size=shape, mode="bicubic", align_corners=False).clamp(0, 1)
            x = start.detach().clone().requires_grad_(True)
            opt = torch.optim.LBFGS([x], lr=1.0, max_iter=n_iter, history_size=20,
                                    tolerance_grad=1e-9, tolerance_change=1e-12,
                                    line_search_fn="strong_wolfe")
            sw = p["style_weight"] / len(STYLE_LAYERS)
            cw, tw = p["content_weight"], p["tv_weight"]
            counter = {"n": 0}
            stage = f"{'VGG-19' if kind == 'vgg19' else 'random features'}, " \
                    f"{shape[1]}×{shape[0]} (scale {level + 1}/{len(sizes)})"

            # L-BFGS calls closure() without arguments: bind this level's values now
            def closure(opt=opt, x=x, c_feat=c_feat, c_norm=c_norm, targets=targets,
                        norms=norms, cw=cw, sw=sw, tw=tw, shape=shape, counter=counter,
                        done=done, n_iter=n_iter, stage=stage):
                ctx.cancel.check()
                opt.zero_grad()
                feats = net(_reflect(x), STYLE_LAYERS + (CONTENT_LAYER,))
                loss = cw * ((feats[CONTENT_LAYER] - c_feat) ** 2).mean() / c_norm
                for k in STYLE_LAYERS:
                    loss = loss + sw * ((_gram(feats[k]) - targets[k]) ** 2).mean() / norms[k]
                loss = loss + tw * _tv(x) * (shape[0] * shape[1]) / 65536.0
                loss.backward()
                counter["n"] += 1
                n = done + min(counter["n"], n_iter)
                if counter["n"] % max(1, p["preview_every"]) == 0:
                    with torch.no_grad():
                        preview = _to_numpy(x)
                    ctx.report(0.98 * n / total, stage, preview)
                else:
                    ctx.report(0.98 * n / total, stage)
                return loss

            opt.step(closure)
            with torch.no_grad():
                x.clamp_(0, 1)
            done += n_iter
            if not torch.isfinite(x).all():
                raise EngineError("the optimisation diverged (NaN); try a lower style weight")
        # random (and even trained) features leave pixel speckle: a small Kuwahara pass
        # and edge-aware chroma smoothing turn it into flat painted regions
        from ml.style.paint import clean

        low = clean(_to_numpy(x), radius=max(2, round(max(x.shape[-2:]) / 160)))
        return style_ops.detail_upsample(low, content, content_low, p["detail_keep"])


# ============================================================================ fast presets

FAST_PRESETS = {
    "candy": "Candy",
    "mosaic": "Mosaic",
    "udnie": "Udnie (Picabia)",
    "rain-princess": "Rain princess (Afremov)",
}


class FastStyleEngine(_Style):
    """Johnson et al.'s feed-forward network for one trained style (from the store)."""

    needs_style_image = False
    device_policy = "any"
    live_preview = True
    params = COMMON_PARAMS

    def __init__(self, preset: str, title: str) -> None:
        self.preset = preset
        self.id = f"fast-{preset}"
        self.name = f"Fast style: {title}"
        self.model_id = f"fast-neural-style-{preset}"
        self.description = (f"One-click '{title}' style (Johnson et al. feed-forward net), "
                            "full resolution.")

    def model(self, device: str):
        path = _store().path(self.model_id)
        return _cached(self.model_id, device, lambda: load_fast_model(path, device),
                       version=file_version(path))

    def _run(self, content, style, ctx, p):
        net = self.model(ctx.device)
        return run_transformer(net, content, ctx, p["style_scale"])


# ============================================================================ AdaIN


class AdaINEngine(_Style):
    """Arbitrary-style feed-forward transfer (Huang & Belongie 2017) from the store."""

    id = "adain"
    name = "Fast style (any image, AdaIN)"
    description = "Any style image in a second: a VGG encoder and a trained decoder."
    model_id = "adain-decoder"
    has_preview = False
    live_preview = True
    requires = ADAIN_MODELS
    params = COMMON_PARAMS + (
        Param("alpha", "Style amount", "float", 1.0, 0.0, 1.0,
              help="blend of content (0) and style (1) features inside the network"),
        Param("max_size", "Working size", "int", 1024, 16, 4096,
              help="long side the network runs at; larger images get the detail back"),
    )

    def model(self, device: str):
        store = _store()
        vgg, dec = store.path(ADAIN_MODELS[0]), store.path(ADAIN_MODELS[1])
        return _cached("adain", device, lambda: load_adain_model(vgg, dec, device),
                       version=(*file_version(vgg), *file_version(dec)))

    def _run(self, content, style, ctx, p):
        return run_adain(self.model(ctx.device), content, style, ctx, p["alpha"],
                         p["style_scale"], p["max_size"])


# ============================================================================ the task


def run_style_pixels(engine: StyleEngine, ctx: RunContext, image: np.ndarray,
                     style: np.ndarray | None = None, mask: np.ndarray | None = None,
                     **params) -> np.ndarray:
    """The task runner: stylise int ``image`` (with ``style`` ints, or None for preset
    engines). With a ``mask`` (HW, non-zero = stylise) an engine that ``takes_mask``
    gets it, and the pixels where it is 0 come back exactly. The result has the engine's
    output size; alpha follows, resized where needed."""
    from ml.imageconv import mask_to_engine, to_engine
    from ml.runtime import check_engine, restrict_to_mask, run_image

    check_engine(engine, SPEC)
    style_rgb = None
    if style is not None:
        style_rgb, _ = to_engine(style)
    elif engine.needs_style_image:
        raise EngineError(f"engine {engine.id!r} needs a style image")
    resolved = engine.resolve_params(params)
    if mask is not None:
        if np.asarray(mask).shape[:2] != np.asarray(image).shape[:2]:
            raise EngineError("the mask and the image differ in size")
        if engine.takes_mask:
            resolved["mask"] = mask_to_engine(mask)
    out = run_image(engine, image, ctx,
                    lambda rgb, c: engine.stylize(rgb, style_rgb, c, **resolved))
    return out if mask is None else restrict_to_mask(out, image, mask)


SPEC = add_task(TaskSpec(
    name="style",
    title="Style transfer",
    engine_class=StyleEngine,
    method="stylize",
    description="apply a painting style",
    inputs=(
        TaskInput("image", "image", "IN", "the image to stylise"),
        TaskInput("style", "image", "STYLE", "the style image (not for presets)",
                  required=False),
        TaskInput("mask", "mask", "FILE",
                  "change only where FILE is white/non-zero (same size as IN)",
                  required=False, flag="--mask", purpose="stylise"),
    ),
    run=run_style_pixels,
    cli=CliSpec(
        command="stylize",
        help="apply a painting style",
        presets="fast-",
        usage_note="STYLE may be left out with --preset",
        # the same engine parameters as the editor's style dialog shows itself
        options=(
            CliOption("--strength", "strength", "float", "0..1",
                      "blend with the original: 0 = unchanged, 1 = full effect",
                      minimum=0.0, maximum=1.0),
            CliOption("--keep-colors", "keep_colors", "flag", "",
                      "keep the image's own colours (luminance-only transfer)"),
            CliOption("--style-scale", "style_scale", "float", "F",
                      "size of the style's strokes relative to the image (2 = twice as "
                      "big; 0.25..4)", above=0.0),
            CliOption("--max-size", "max_size", "int", "N",
                      "long side the engine works at"),
        ),
    ),
))

register(ColorTransferEngine())
register(PaintEngine())
register(GatysEngine())
for _preset, _title in FAST_PRESETS.items():
    register(FastStyleEngine(_preset, _title))
register(AdaINEngine())

__all__ = [
    "ADAIN_MODELS",
    "COMMON_PARAMS",
    "AdaINEngine",
    "ColorTransferEngine",
    "FastStyleEngine",
    "GatysEngine",
    "PaintEngine",
    "level_sizes",
    "load_adain_model",
    "load_fast_model",
    "run_adain",
    "run_transformer",
]
