"""Latent model files: a folder with ``model.safetensors`` (weights) + ``model.json``.

``model.json``::

    {"format": "retouch-latent", "version": 1, "arch": "latent-vae" | "latent-dcgan",
     "config": {...architecture...}, "id": "...", "name": "...",
     "directions": [Direction.to_dict(), ...], "principal": [...], "info": {...}}

The safetensors metadata repeats ``arch`` and ``config`` so the weights alone say what
they are. Weights may be stored as fp16 (``half=True``); they are loaded as fp32. Any
problem — a missing or damaged file, another architecture (e.g. an sr-small upscaler),
weights that do not fit the config — is an :class:`ml.types.EngineError` naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ml.latent.base import Direction, LatentModel
from ml.types import EngineError

FORMAT = "retouch-latent"
VERSION = 1
WEIGHTS_NAME = "model.safetensors"
META_NAME = "model.json"


def _registry() -> dict[str, type[LatentModel]]:
    from ml.latent.models import GANLatentModel, VAELatentModel

    return {VAELatentModel.arch: VAELatentModel, GANLatentModel.arch: GANLatentModel}


def model_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``(model.json, model.safetensors)`` for a model folder or either of its files."""
    p = Path(path)
    folder = p.parent if p.suffix.lower() in (".json", ".safetensors") else p
    return folder / META_NAME, folder / WEIGHTS_NAME


def save_latent_model(
    model: LatentModel, path: str | os.PathLike[str], half: bool = False
) -> Path:
    """Write ``model`` into the folder ``path`` (created); returns the folder.

    Both files are written to temporary names and moved into place, weights first."""
    import torch
    from safetensors.torch import save_file

    meta_path, weights_path = model_paths(path)
    folder = meta_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        state: dict[str, torch.Tensor] = {}
        for prefix, module in model.modules().items():
            for k, v in module.state_dict().items():
                t = v.detach().cpu().contiguous()
                if half and t.is_floating_point():
                    t = t.half()
                state[f"{prefix}.{k}"] = t
        tmp = weights_path.with_name(weights_path.name + ".tmp")
        save_file(state, str(tmp), metadata={"format": FORMAT, "arch": model.arch,
                                             "config": json.dumps(model.config_dict())})
        tmp.chmod(0o644)
        tmp.replace(weights_path)
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "arch": model.arch,
            "config": model.config_dict(),
            "id": model.id,
            "name": model.name,
            "directions": [d.to_dict() for d in model.directions.values()],
            "principal": [d.to_dict() for d in model.principal],
            "info": model.info,
        }
        write_json(meta_path, meta)
    except OSError as exc:
        raise EngineError(f"could not write the model to {folder}: {exc.strerror or exc}") from None
    return folder


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON beside ``path`` and move it into place (an interrupted write
    leaves the old file); OSError for the caller to word."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)


def read_tagged_json(path: Path, fmt: str, what: str) -> dict[str, Any]:
    """A JSON object whose ``"format"`` is ``fmt``; a clear :class:`EngineError` for an
    unreadable or damaged file ("... is damaged") or another kind of file ("... is not a
    Retouch <what>")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EngineError(f"{path} is damaged ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise EngineError(f"{path} is not a Retouch {what}")
    return data


def _read_meta(meta_path: Path, weights_path: Path) -> dict[str, Any]:
    if not meta_path.is_file():
        if weights_path.is_file():
            raise EngineError(f"{weights_path.parent} has weights but no {META_NAME}")
        raise EngineError(f"{meta_path.parent} is not a latent model (no {META_NAME})")
    meta = read_tagged_json(meta_path, FORMAT, "latent model description")
    if int(meta.get("version", 0)) > VERSION:
        raise EngineError(f"{meta_path} is format version {meta.get('version')}; this Retouch "
                          f"reads up to {VERSION}")
    return meta


def load_latent_model(
    path: str | os.PathLike[str], device: str = "cpu", expect_arch: str | None = None
) -> LatentModel:
    """Load a latent model from its folder (or a file in it) onto ``device``.

    ``expect_arch``: refuse any other architecture (e.g. ``"latent-vae"``)."""
    import torch
    from safetensors import SafetensorError, safe_open

    p = Path(path)
    if p.suffix.lower() == ".safetensors" and p.name != WEIGHTS_NAME and p.is_file():
        meta_path, weights_path = p.with_name(META_NAME), p
    else:
        meta_path, weights_path = model_paths(p)
    # the weights first: an upscaler's or another program's safetensors says what it is
    if weights_path.is_file():
        try:
            with safe_open(str(weights_path), framework="pt") as f:
                wmeta = f.metadata() or {}
                state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
        except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
            raise EngineError(f"{weights_path} is not a readable safetensors file ({exc})") from None
        if wmeta.get("format") != FORMAT:
            other = wmeta.get("arch")
            what = f"a {other} model" if other else "not a Retouch latent model"
            raise EngineError(f"{weights_path} is {what}, not a latent (VAE/GAN) model")
    elif meta_path.is_file():
        raise EngineError(f"{meta_path.parent} has no weights file {WEIGHTS_NAME}")
    else:
        raise EngineError(f"{p} is not a latent model (no {WEIGHTS_NAME} or {META_NAME})")
    meta = _read_meta(meta_path, weights_path)
    arch = meta.get("arch")
    if wmeta.get("arch") != arch:
        raise EngineError(f"{weights_path} holds {wmeta.get('arch')} weights but {meta_path} "
                          f"describes {arch}")
    if expect_arch is not None and arch != expect_arch:
        raise EngineError(f"{meta_path.parent} is a {arch} model, not {expect_arch}")
    cls = _registry().get(str(arch))
    if cls is None:
        raise EngineError(f"{meta_path} has an unknown architecture {arch!r}")
    try:
        model = cls.from_config(dict(meta["config"]), model_id=str(meta.get("id", arch)),
                                name=str(meta.get("name", arch)))
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"{meta_path}: bad architecture config ({exc})") from None
    for prefix, module in model.modules().items():
        sub = {k[len(prefix) + 1 :]: v.float() if v.is_floating_point() else v
               for k, v in state.items() if k.startswith(prefix + ".")}
        own = module.state_dict()
        sub = {k: v.to(own[k].dtype) if k in own else v for k, v in sub.items()}
        try:
            module.load_state_dict(sub, strict=True)
        except RuntimeError as exc:
            first = str(exc).splitlines()[0]
            raise EngineError(f"{weights_path} does not fit its config ({first})") from None
    try:
        model.set_directions([Direction.from_dict(d) for d in meta.get("directions", [])])
        model.principal = [Direction.from_dict(d) for d in meta.get("principal", [])]
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"{meta_path}: damaged directions ({exc})") from None
    if any(d.vector.shape != (model.latent_dim,) for d in model.principal):
        raise EngineError(f"{meta_path}: principal directions do not match the latent size")
    model.info = dict(meta.get("info", {}))
    del torch
    return model.to(device)
