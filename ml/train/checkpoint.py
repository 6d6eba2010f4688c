"""Training checkpoints: written atomically, read back without running any pickled code.

Every trainer in :mod:`ml.train` saves its state through :func:`save_checkpoint` every N
steps (and when it is cancelled) and resumes from :func:`load_checkpoint`. A checkpoint is
a plain dict of tensors, numbers, strings, lists and dicts (model and optimiser
``state_dict``, step, RNG states, the config as a dict); it is read with
``torch.load(weights_only=True)``, so a tampered file cannot execute code.

A write goes to a temporary file beside the target and is moved into place with
:func:`os.replace`: an interrupted save (a crash, a full disk) leaves the previous
checkpoint intact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ml.types import EngineError


def save_checkpoint(path: str | os.PathLike[str], state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically; returns the path. Raises EngineError with
    a readable message when the folder cannot be written (full disk, permissions)."""
    import torch

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise EngineError(f"could not write the checkpoint {target}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The state saved at ``path``, or None when there is no checkpoint there yet.

    A file that is not a checkpoint (damaged, another program's, a pickle that wants to
    run code) is an EngineError naming the file, never an unpickled object."""
    import pickle

    import torch

    source = Path(path)
    if not source.is_file():
        return None
    try:
        state = torch.load(source, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        raise EngineError(f"{source} is not a readable training checkpoint ({exc})") from None
    if not isinstance(state, dict):
        raise EngineError(f"{source} is not a training checkpoint (no state dict inside)")
    return state
