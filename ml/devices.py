"""Device choice for torch engines: ``auto`` = CUDA, then Apple MPS, then CPU.

The preference comes from (first match wins) the ``pref`` argument (the CLI's ``--device``
or the editor setting), the ``RETOUCH_DEVICE`` environment variable, then ``auto``.
Accepted values: ``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``. Asking explicitly for a
device that is not there is an error with a message (no silent fallback), because the user
asked for it by name.
"""

from __future__ import annotations

import os
import sys

ENV_VAR = "RETOUCH_DEVICE"


class DeviceError(ValueError):
    """The requested device is unknown or not present on this machine."""


def _torch():
    import torch

    return torch


def _mps_available(torch) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(pref: str | None = None) -> str:
    """The torch device string to use: ``"cuda"``/``"cuda:N"``, ``"mps"`` or ``"cpu"``.

    ``pref`` (or ``$RETOUCH_DEVICE`` when ``pref`` is None/empty) may be ``auto``; raises
    :class:`DeviceError` for an unknown name or a device this machine does not have.
    """
    choice = (pref or os.environ.get(ENV_VAR) or "auto").strip().lower()
    if choice == "cpu":
        return "cpu"
    torch = _torch()
    if choice == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if _mps_available(torch):
            return "mps"
        return "cpu"
    if choice == "cuda" or choice.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise DeviceError(f"device {choice!r} requested but CUDA is not available here")
        if ":" in choice:
            try:
                index = int(choice.split(":", 1)[1])
            except ValueError:
                raise DeviceError(f"bad device {choice!r}: expected cuda:N") from None
            if not 0 <= index < torch.cuda.device_count():
                raise DeviceError(
                    f"device {choice!r} requested but only {torch.cuda.device_count()} "
                    "CUDA device(s) exist"
                )
        return choice
    if choice == "mps":
        if not _mps_available(torch):
            raise DeviceError("device 'mps' requested but Apple MPS is not available here")
        return "mps"
    raise DeviceError(f"unknown device {choice!r}: use auto, cpu, cuda, cuda:N or mps")


def device_availability() -> dict[str, str | None]:
    """For each device choice (``auto``, ``cpu``, ``cuda``, ``mps``): None when it can be
    used here, else why not, in words for a settings dialog. Imports torch."""
    out: dict[str, str | None] = {"auto": None, "cpu": None}
    try:
        torch = _torch()
    except Exception:  # noqa: BLE001 - no torch (or a broken one): only the CPU path is sure
        out["cuda"] = out["mps"] = "PyTorch is not installed"
        return out
    if torch.cuda.is_available():
        out["cuda"] = None
    elif getattr(torch.version, "cuda", None) is None:
        out["cuda"] = "this PyTorch build has no CUDA support"
    else:
        out["cuda"] = "no NVIDIA GPU or driver found"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out["mps"] = None
    elif sys.platform != "darwin":
        out["mps"] = "only on Macs with Apple silicon"
    elif mps is None or not mps.is_built():
        out["mps"] = "this PyTorch build has no MPS support"
    else:
        out["mps"] = "needs Apple silicon and macOS 12.3 or later"
    return out


def device_label(dev: str) -> str:
    """A human name for the status bar and ``retouch engines``, e.g. ``CPU (2 cores)``."""
    if dev == "cpu":
        return f"CPU ({os.cpu_count() or 1} cores)"
    if dev.startswith("cuda"):
        torch = _torch()
        index = int(dev.split(":", 1)[1]) if ":" in dev else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        gib = props.total_memory / 2**30
        return f"CUDA: {props.name} ({gib:.0f} GiB)"
    if dev == "mps":
        return "Apple MPS (Metal GPU)"
    return dev


def half_ok(dev: str) -> bool:
    """True where fp16 inference is worth it and safe to try (CUDA only).

    The model must allow it too (spandrel's ``supports_half``); MPS fp16 is left off
    because several ops still fall back or lose accuracy there.
    """
    return dev.startswith("cuda")


def free_memory_bytes(dev: str) -> int | None:
    """Free memory on a CUDA device, or None where it cannot be asked (CPU, MPS)."""
    if not dev.startswith("cuda"):
        return None
    torch = _torch()
    try:
        free, _total = torch.cuda.mem_get_info(torch.device(dev))
    except RuntimeError:  # driver quirks: the caller falls back to a fixed estimate
        return None
    return int(free)
