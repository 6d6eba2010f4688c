"""Torch pieces shared by the engines: movable wrappers, cancel inside a forward, OOM.

* :class:`Clamped` and :class:`Rescaled` wrap a network as an ``nn.Module`` instead of a
  lambda, so :func:`ml.tiling.tiled_apply` can move (and cast) the weights with the tiles:
  to ``ctx.device`` at the start, to the CPU when it falls back after out-of-memory.
* :func:`cancellable` installs forward pre-hooks on every submodule that check the cancel
  token, so cancel stops a run between layers instead of after a whole tile or step
  (TorchScript modules take no hooks and are skipped).
* :func:`is_oom` / :func:`free_cache` recognise and clean up after device OOM.
* :func:`frozen` switches off ``requires_grad`` of modules' weights while a latent is
  optimised through them (inversion), and restores it afterwards.

Imports torch at module level: import this lazily, from code that runs a model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from ml.types import CancelToken


class Clamped(nn.Module):
    """``net(x).clamp(low, high)``: for nets whose output is not clamped (sr-small)."""

    def __init__(self, net: nn.Module, low: float = 0.0, high: float = 1.0) -> None:
        super().__init__()
        self.net = net
        self.low, self.high = float(low), float(high)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).clamp(self.low, self.high)


class Rescaled(nn.Module):
    """``(net(x * scale) / scale).clamp(0, 1)``: runs a 0..``scale`` net on [0, 1] tiles
    (the fast-neural-style TransformerNet works on 0..255)."""

    def __init__(self, net: nn.Module, scale: float = 255.0) -> None:
        super().__init__()
        self.net = net
        self.scale = float(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.net(x * self.scale) / self.scale).clamp(0.0, 1.0)


def torch_module(model: Any) -> nn.Module | None:
    """The ``nn.Module`` behind ``model`` (itself, or a spandrel descriptor's ``.model``)."""
    if isinstance(model, nn.Module):
        return model
    inner = getattr(model, "model", None)
    return inner if isinstance(inner, nn.Module) else None


def _scripted(module: nn.Module) -> bool:
    return isinstance(module, torch.jit.ScriptModule)


@contextmanager
def cancellable(model: Any, cancel: CancelToken) -> Iterator[int]:
    """While active, every submodule of ``model`` checks ``cancel`` before its forward and
    raises :class:`ml.types.Cancelled` when it is set; yields the number of hooks.

    A slow tile or optimisation step thus stops within one layer of the cancel, not at its
    end. The hooks are removed on exit whatever happens. TorchScript (sub)modules cannot
    take hooks: they are skipped (a run of a purely traced model stops between calls).
    """
    root = torch_module(model)
    handles = []

    def check(_module: nn.Module, _args: Any) -> None:
        cancel.check()

    if root is not None and not _scripted(root):
        for sub in root.modules():
            if not _scripted(sub):
                handles.append(sub.register_forward_pre_hook(check))
    try:
        yield len(handles)
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def frozen(modules: Any) -> Iterator[None]:
    """Inside: no weight of ``modules`` (an iterable of ``nn.Module``) needs a gradient;
    each parameter's own ``requires_grad`` comes back afterwards, even on an error."""
    params = [p for m in modules for p in m.parameters()]
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, f in zip(params, flags):
            p.requires_grad_(f)


def is_oom(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors (torch raises several flavours)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_cache(device: str) -> None:
    """Give the device's cached, unused blocks back after an out-of-memory error."""
    if device.startswith("cuda") and torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif device == "mps":
        mps = getattr(torch, "mps", None)
        if mps is not None and hasattr(mps, "empty_cache"):
            try:
                mps.empty_cache()
            except RuntimeError:  # MPS not initialised: nothing to free
                pass
