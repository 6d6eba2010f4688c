"""The built-in latent model: a small VAE trained by us on synthetic cartoon faces.

It ships in ``resources/models/latent/cartoon-faces/`` (fp16 weights + JSON with the
named directions smile, glasses, hair, eye size, face width, skin, background and ten
principal directions); see ``resources/models/latent/PROVENANCE.md``. It knows cartoon
faces only: on a photo, use :func:`ml.latent.apply.apply_delta` (low-frequency change)
or, for cartoon-like content, :func:`ml.latent.apply.apply_replace`.
"""

from __future__ import annotations

from pathlib import Path

from ml.latent.base import LatentModel
from ml.resources import resource_path
from ml.types import EngineError, EngineUnavailable

BUILTIN_ID = "cartoon-faces-vae"
BUILTIN_NAME = "Cartoon faces (built-in VAE)"


def builtin_path() -> Path:
    """The shipped model's folder (it may be missing in a stripped install)."""
    return resource_path("models", "latent", "cartoon-faces")


def builtin_available() -> str | None:
    """None when the built-in model can be loaded, else the reason it cannot."""
    folder = builtin_path()
    if not (folder / "model.json").is_file() or not (folder / "model.safetensors").is_file():
        return f"the built-in latent model is missing from {folder}"
    return None


def load_builtin(device: str = "cpu") -> LatentModel:
    """Load the built-in cartoon-face VAE onto ``device``; EngineUnavailable when absent."""
    from ml.latent.io import load_latent_model

    reason = builtin_available()
    if reason:
        raise EngineUnavailable(reason)
    try:
        return load_latent_model(builtin_path(), device=device, expect_arch="latent-vae")
    except EngineUnavailable:
        raise
    except EngineError as exc:
        raise EngineUnavailable(f"the built-in latent model cannot be loaded: {exc}") from None
