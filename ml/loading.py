"""Safe model-file loading: safetensors first, pickles only through a restricted unpickler.

* ``.safetensors`` -- :func:`safetensors.torch.load_file` (no code can run).
* ``.pth`` / ``.ckpt`` / non-TorchScript ``.pt`` -- ``torch.load(weights_only=True)``,
  torch's restricted unpickler: tensors, dicts, lists and numbers only. A pickle that
  names any other global (``os.system``, ``builtins.eval``...) is refused with
  :class:`ModelFileError` before anything in it runs.
* TorchScript -- only when the caller says the catalog entry is ``format = "torchscript"``
  (``allow_torchscript=True``); never guessed from the file.

Community checkpoints go through spandrel, which detects the architecture from the state
dict (:func:`load_spandrel`); our own architectures load their safetensors with
:func:`load_state_dict`.
"""

from __future__ import annotations

import pickle
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.types import EngineError

PICKLE_SUFFIXES = (".pth", ".ckpt", ".pt", ".bin")


class ModelFileError(EngineError):
    """A model file that cannot (or must not) be loaded; the message names the file."""


def _torch():
    import torch

    return torch


def load_state_dict(path: str | Path, device: str = "cpu") -> dict[str, Any]:
    """The tensors of a weights file (safetensors or a restricted-unpickled checkpoint).

    Nested checkpoints (``{"params_ema": {...}}``) are returned as stored; use
    :func:`spandrel.canonicalize_state_dict` or index them yourself.
    """
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p}: model file not found")
    suffix = p.suffix.lower()
    if suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(p), device=device)
        except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{p}: not a readable safetensors file ({exc})") from None
    if suffix in PICKLE_SUFFIXES:
        return _restricted_load(p, device)
    raise ModelFileError(
        f"{p}: unsupported model file type {suffix!r} (expected .safetensors, .pth, .ckpt)"
    )


#: words of torch's restricted-unpickler refusals that are about *what* a pickle builds
#: (a global, a class, a call): those files are real pickles with objects in them
_OBJECT_WORDS = ("global", "class", "reduce", "build", "persistent", "newobj", "call")
_TORCH_BOILERPLATE = ("Weights only load failed", "Please file an issue", "Check the documentation")


def _looks_like_checkpoint(p: Path) -> bool:
    """True when the header is one torch.save writes: a zip, a protocol ≥ 2 pickle
    (legacy format), or a tar (the oldest legacy format)."""
    try:
        with open(p, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return True
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    return head[257:262] == b"ustar"


def _not_a_checkpoint(p: Path, detail: str = "") -> ModelFileError:
    extra = f"; {detail}" if detail else ""
    return ModelFileError(
        f"{p}: not a PyTorch checkpoint (unreadable pickle/zip{extra}); the file is damaged, "
        "incomplete or of another kind"
    )


def _restricted_load(p: Path, device: str) -> dict[str, Any]:
    torch = _torch()
    try:
        with warnings.catch_warnings():
            # torch warns about pickle protocols before refusing; the refusal says enough
            warnings.simplefilter("ignore")
            data = torch.load(str(p), map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        # torch wraps the unpickler's reason in advice ("Weights only load failed...",
        # "Please file an issue...", "Check the documentation..."): keep the reason
        reasons = [line for line in lines if not line.startswith(_TORCH_BOILERPLATE)]
        about_objects = any(w in line.lower() for line in reasons for w in _OBJECT_WORDS)
        if not about_objects and not _looks_like_checkpoint(p):
            # garbage the unpickler choked on ("Unsupported operand 0" for a zero-filled
            # file) is a broken file, not one that tries to run code
            raise _not_a_checkpoint(p, reasons[0] if reasons else "") from None
        reason = next(
            (line for line in lines if "unsupported" in line.lower() or "global" in line.lower()),
            "not a plain weights pickle",
        )
        raise ModelFileError(
            f"{p}: refused to load: the file contains code or objects other than weights "
            f"({reason.strip()}). Only plain weight files are accepted; convert it to "
            ".safetensors with a tool you trust."
        ) from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "torchscript" in msg.lower() or "constants.pkl" in msg:
            raise ModelFileError(
                f"{p}: this is a TorchScript file; it is only loaded for catalog entries "
                "marked format = \"torchscript\""
            ) from None
        if not _looks_like_checkpoint(p):
            # torch's own text for these ("legacy .tar format ... weights_only=False will
            # likely succeed") would send the user the wrong way
            raise _not_a_checkpoint(p) from None
        raise ModelFileError(f"{p}: not a readable PyTorch checkpoint ({msg})") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{p}: expected a dictionary of weights, found {type(data).__name__}")
    return data


def load_torchscript(path: str | Path, device: str = "cpu", *, allow_torchscript: bool = False):
    """Load a TorchScript module; only when the catalog entry says ``format = "torchscript"``."""
    p = Path(path)
    if not allow_torchscript:
        raise ModelFileError(
            f"{p}: TorchScript files are only loaded for catalog entries marked "
            "format = \"torchscript\""
        )
    if not p.is_file():
        raise ModelFileError(f"{p}: model file not found")
    torch = _torch()
    try:
        with warnings.catch_warnings():
            # torch.jit is deprecated upstream but still the only way to read these files
            warnings.simplefilter("ignore", FutureWarning)
            return torch.jit.load(str(p), map_location=device).eval()
    except (RuntimeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(f"{p}: not a readable TorchScript file ({first})") from None


def load_spandrel(path: str | Path, device: str = "cpu", *, allow_torchscript: bool = False):
    """A spandrel ``ModelDescriptor`` (architecture detected from the weights), in eval mode.

    Pickles go through :func:`load_state_dict` (restricted); a TorchScript file (e.g.
    big-lama.pt) is read only with ``allow_torchscript=True`` and only for its weights.
    """
    import spandrel

    p = Path(path)
    if allow_torchscript:
        state = load_torchscript(p, "cpu", allow_torchscript=True).state_dict()
    else:
        state = load_state_dict(p)
    try:
        descriptor = spandrel.ModelLoader("cpu").load_from_state_dict(
            spandrel.canonicalize_state_dict(state)
        )
    except spandrel.UnsupportedModelError:
        raise ModelFileError(
            f"{p}: unknown model architecture (spandrel does not recognise these weights)"
        ) from None
    except (KeyError, RuntimeError, ValueError, AssertionError) as exc:
        raise ModelFileError(f"{p}: weights do not fit their detected architecture ({exc})") \
            from None
    return descriptor.to(device).eval()


@dataclass(frozen=True)
class ModelInfo:
    """What an imported file turned out to be."""

    task: str
    architecture: str
    scale: int
    purpose: str


_PURPOSE_TASK = {"SR": "upscale", "FaceSR": "upscale", "Restoration": "upscale",
                 "Inpainting": "inpaint"}


def describe(path: str | Path) -> ModelInfo:
    """Detect task and architecture of a community checkpoint (via spandrel)."""
    d = load_spandrel(path)
    task = _PURPOSE_TASK.get(str(d.purpose), "")
    if not task:
        raise ModelFileError(f"{path}: a {d.purpose} model, which Retouch has no tool for")
    return ModelInfo(task=task, architecture=str(d.architecture.id), scale=int(d.scale),
                     purpose=str(d.purpose))
