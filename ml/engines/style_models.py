"""Model loading and running for :mod:`ml.engines.style`: the fast-style presets'
TransformerNet, the AdaIN encoder/decoder pair, and the tensor helpers they share.

A helper module, not a task module: it registers nothing (the engines live in
:mod:`ml.engines.style`, which re-exports these names) and is not in
:data:`ml.engines.BUILTIN_TASK_MODULES`. torch is imported inside the functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml import style_ops
from ml.types import EngineError, RunContext


def read_weights(path: Path) -> dict:
    from ml.loading import load_state_dict

    state = load_state_dict(path)
    # some re-saved checkpoints nest the weights one level down
    for key in ("state_dict", "model"):
        if key in state and isinstance(state[key], dict):
            state = state[key]
    return state


def to_tensor(image: np.ndarray, device: str):
    import torch

    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None].to(device)


def to_numpy(t) -> np.ndarray:
    return t[0].detach().float().clamp(0, 1).cpu().numpy().transpose(1, 2, 0).copy()


def working_shape(shape: tuple[int, ...], long_side: float, multiple: int = 1) -> tuple[int, int]:
    h, w = shape[:2]
    f = long_side / max(h, w)
    nh = max(multiple, round(h * f / multiple) * multiple)
    nw = max(multiple, round(w * f / multiple) * multiple)
    return nh, nw


def load_fast_model(path: str | Path, device: str = "cpu"):
    """A :class:`~ml.archs.transformer_net.TransformerNet` from a pytorch/examples ``.pth``.

    Legacy InstanceNorm running-stat keys are dropped; bad files raise EngineError
    naming the file.
    """
    from ml.archs.transformer_net import load_transformer_net

    p = Path(path)
    try:
        return load_transformer_net(read_weights(p), source=str(p)).to(device)
    except ValueError as exc:
        raise EngineError(str(exc)) from None


def run_transformer(net, content: np.ndarray, ctx: RunContext,
                    style_scale: float = 1.0) -> np.ndarray:
    """Run a TransformerNet on a [0, 1] image, tiled, at the scale that gives the stroke size.

    The network's strokes have a fixed size in pixels, so bigger strokes relative to the
    image mean running on a smaller copy (then :func:`~ml.style_ops.detail_upsample`);
    smaller strokes mean an enlarged copy (capped at 2×).
    """
    from ml.tiling import tiled_apply
    from ml.torch_helpers import Rescaled

    h, w = content.shape[:2]
    factor = min(2.0, 1.0 / max(style_scale, 1e-3))
    long_side = max(64.0, max(h, w) * factor)
    shape = (h, w) if abs(factor - 1.0) < 1e-3 else working_shape(content.shape, long_side)
    work = content if shape == (h, w) else style_ops.resize(content, shape[1], shape[0])

    # a module, not a closure: the tiler moves the weights with the tiles (to ctx.device,
    # and to the CPU after out-of-memory). fp32 always: activations of the 0..255 net
    # through InstanceNorm are not safe in fp16
    out = tiled_apply(Rescaled(net, 255.0), work, 1, ctx.sub(0.0, 0.97), overlap=32,
                      multiple=4, bytes_per_pixel=640)
    if out.shape[:2] == (h, w):
        return np.clip(out, 0.0, 1.0)
    if shape[0] < h:
        return style_ops.detail_upsample(out, content, work, 0.35)
    return style_ops.resize(out, w, h)


ADAIN_MODELS = ("adain-vgg", "adain-decoder")


def load_adain_model(vgg_path: str | Path, decoder_path: str | Path, device: str = "cpu"):
    """An :class:`~ml.archs.adain.AdaIN` from the published ``vgg_normalised.pth`` and
    ``decoder.pth``; bad files raise EngineError naming the file."""
    from ml.archs.adain import load_adain

    try:
        return load_adain(read_weights(Path(vgg_path)), read_weights(Path(decoder_path)),
                          str(vgg_path), str(decoder_path)).to(device)
    except ValueError as exc:
        raise EngineError(str(exc)) from None

def run_adain(model, content: np.ndarray, style: np.ndarray, ctx: RunContext,
              alpha: float = 1.0, style_scale: float = 1.0, max_size: int = 1024) -> np.ndarray:
    """Stylise with an AdaIN model at ≤ ``max_size`` (sides padded to a multiple of 8)."""
    import torch

    h, w = content.shape[:2]
    work = style_ops.fit_long_side(content, max_size)
    wh, ww = work.shape[:2]
    style_work = style_ops.scale_style(style, work.shape, style_scale, max_side=2 * max_size)
    from ml.torch_helpers import cancellable

    ctx.report(0.1, "encoding the style")
    with torch.inference_mode(), cancellable(model, ctx.cancel):
        s_t = to_tensor(style_work, ctx.device)
        s_t, _, _ = pad8(s_t)
        s_feat = model.style_features(s_t)
        ctx.report(0.4, "stylising")
        c_t, _, _ = pad8(to_tensor(work, ctx.device))
        out = model(c_t, s_feat, float(alpha))[..., :wh, :ww]
        low = to_numpy(out)
    if (wh, ww) == (h, w):
        return low
    return style_ops.detail_upsample(low, content, work, 0.5)


def pad8(t):
    import torch.nn.functional as F

    h, w = t.shape[-2:]
    ph, pw = (-h) % 8, (-w) % 8
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        t = F.pad(t, (0, pw, 0, ph), mode=mode)
    return t, ph, pw
