"""Inversion of an aligned face crop into W+ by optimisation (no encoder needed).

Adam over the W+ code, starting from the mean face (``latent_avg`` on every row) or a
given start (e.g. e4e's code, to refine it). The loss is honest about what is available
offline — no LPIPS/VGG weights ship with Retouch, so it is not a learned perceptual loss:

* a multiscale pixel term: L1 between render and target at full, ½ and ¼ resolution
  (coarse scales weigh colour and shape, the full scale detail);
* a multiscale gradient term: L1 between their horizontal and vertical differences (edges
  and texture, which pure L1 blurs away);
* a W+ spread regulariser: the rows' distance from their mean (e4e's idea: a code near W
  stays editable), and a weak pull towards ``latent_avg``.

The render is stopped at ``max_res`` (256 by default: the 1024 px model costs ~15× more per
step at full size), so the W+ rows of finer layers keep their start values. The noise
inputs are the checkpoint's fixed ones. Progress, a preview every ``preview_every`` steps
and cancel go through the :class:`ml.types.RunContext`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ml.types import RunContext

#: loss weights (pixel, gradient, W+ spread, pull to the mean face)
WEIGHTS = {"pixel": 1.0, "gradient": 1.0, "spread": 0.02, "average": 0.001}


def _grads(x: Any) -> tuple[Any, Any]:
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


def reconstruction_loss(x: Any, y: Any, scales: tuple[int, ...] = (1, 2, 4)) -> Any:
    """Multiscale L1 of pixels and of image gradients between ``x`` and ``y``
    (torch ``(n, 3, H, W)``), averaged over the scales."""
    import torch.nn.functional as F

    total = 0.0
    for s in scales:
        xs = F.avg_pool2d(x, s) if s > 1 else x
        ys = F.avg_pool2d(y, s) if s > 1 else y
        gx, gy = _grads(xs)
        hx, hy = _grads(ys)
        total = total + WEIGHTS["pixel"] * (xs - ys).abs().mean() \
            + WEIGHTS["gradient"] * ((gx - hx).abs().mean() + (gy - hy).abs().mean())
    return total / len(scales)


def working_size(model: Any, max_res: int | None) -> int:
    size = int(model.resolution)
    return size if max_res is None else max(8, min(size, int(max_res)))


def target_tensor(images: np.ndarray, size: int, device: str) -> Any:
    """Images ``(n, H, W, 3)`` [0, 1] → torch ``(n, 3, size, size)`` (area / bilinear)."""
    import torch
    import torch.nn.functional as F

    a = np.asarray(images, np.float32)
    a = a[None] if a.ndim == 3 else a
    t = torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).to(device)
    if t.shape[-1] != size or t.shape[-2] != size:
        mode = "area" if t.shape[-1] > size else "bilinear"
        t = F.interpolate(t, size=(size, size), mode=mode)
    return t.clamp(0, 1)


def invert(model: Any, images: np.ndarray, ctx: RunContext | None = None, steps: int = 100,
           lr: float = 0.02, init: np.ndarray | None = None, max_res: int | None = 256,
           preview_every: int = 10, history: list[float] | None = None) -> np.ndarray:
    """W+ codes ``(n, latent_dim)`` for aligned crops ``(n, H, W, 3)`` in [0, 1].

    ``history``: if given, the loss of every step is appended (for tests and plots).
    Raises :class:`ml.types.Cancelled` when the context is cancelled."""
    import torch

    from ml.torch_helpers import frozen

    ctx = ctx or RunContext()
    size = working_size(model, max_res)
    target = target_tensor(images, size, model.device)
    n = target.shape[0]
    if init is None:
        start = np.tile(model.average_latent(), (n, 1))
    else:
        start = model.check_latents(init)
    w = torch.from_numpy(np.ascontiguousarray(start)).to(model.device).requires_grad_(True)
    avg = torch.from_numpy(model.average_latent()).to(model.device)
    opt = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999))
    with frozen(model.modules().values()), torch.enable_grad():
        for step in range(steps):
            # cosine ramp-down of the step size over the last quarter
            t = step / max(1, steps)
            ramp = min(1.0, (1 - t) / 0.25)
            for group in opt.param_groups:
                group["lr"] = lr * (0.5 - 0.5 * np.cos(ramp * np.pi))
            render = model._decode_t(w, size if size < model.resolution else None)
            rows = model.wplus(w)
            loss = reconstruction_loss(render, target) \
                + WEIGHTS["spread"] * ((rows - rows.mean(1, keepdim=True)) ** 2).mean() \
                + WEIGHTS["average"] * ((w - avg) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = float(loss.detach())
            if history is not None:
                history.append(value)
            preview = None
            if preview_every and (step % preview_every == 0 or step == steps - 1):
                preview = render[0].detach().clamp(0, 1).permute(1, 2, 0).float().cpu().numpy()
            ctx.report((step + 1) / max(1, steps), f"inverting the face ({step + 1}/{steps})",
                       preview, {"step": step + 1, "loss": value})
    return w.detach().float().cpu().numpy().astype(np.float32)
