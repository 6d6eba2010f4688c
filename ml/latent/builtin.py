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


def build_builtin(trained: str | Path, faces: str | Path, out: str | Path,
                  direction_images: int = 6000) -> LatentModel:
    """Turn a trained cartoon-face VAE folder into the shipped model folder ``out``:

    encode the training faces in ``faces`` (a folder with ``labels.csv``), fit the
    sampling prior and the principal directions to those latents, learn conditional
    directions for every labelled attribute from the first ``direction_images`` faces,
    and save fp16 weights + JSON (no checkpoint, no pictures)."""
    from ml.data.image_folder import load_files
    from ml.data.labels import read_labels
    from ml.latent.io import load_latent_model, save_latent_model
    from ml.train.directions import learn_directions

    model = load_latent_model(trained, expect_arch="latent-vae")
    files, labels = read_labels(Path(faces) / "labels.csv")
    images = load_files(files, model.resolution).astype("float32") / 255
    latents = model.encode(images)
    model.fit_prior(latents)
    model.compute_principal(latents, k=10)
    model.info["latent_std"] = [float(s) for s in latents.std(axis=0)]
    n = min(direction_images, len(files))
    model.set_directions(learn_directions(model, latents[:n], {k: v[:n] for k, v in labels.items()}))
    model.id, model.name = BUILTIN_ID, BUILTIN_NAME
    save_latent_model(model, out, half=True)
    return model


def main(argv: list[str] | None = None) -> int:
    """``python -m ml.latent.builtin TRAINED_MODEL FACES_DIR --out DIR`` (see
    :func:`build_builtin`)."""
    import argparse
    import sys

    p = argparse.ArgumentParser(description="Build the shipped cartoon-face latent model.")
    p.add_argument("trained")
    p.add_argument("faces")
    p.add_argument("--out", default=str(builtin_path()))
    p.add_argument("--direction-images", type=int, default=6000)
    args = p.parse_args(argv)
    try:
        model = build_builtin(args.trained, args.faces, args.out, args.direction_images)
    except EngineError as exc:
        sys.stderr.write(f"build: {exc}\n")
        return 1
    from ml.train.directions import report

    report(model.directions.values(), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
