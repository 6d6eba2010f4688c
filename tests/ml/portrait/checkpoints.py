"""Random-weight portrait-pack files in the published formats, and a store installer.

* :func:`stylegan_file` — rosinality's ``{"g_ema", "latent_avg", "g", "d"}`` ``.pt``;
  ``narrow`` models keep the layout (every key and shape rule) with small widths so
  tests run fast; ``narrow=False`` is rosinality's real config (channel_multiplier 2).
* :func:`e4e_file` — pSp/e4e's ``{"state_dict": {"encoder.*", "decoder.*"}, "latent_avg",
  "opts"}``.
* :func:`interfacegan_file` (a bare tensor) and :func:`ganspace_file` (``mean``, ``comp``,
  ``std``) as in e4e's ``editings/`` folder.
* :func:`install` — record a file in the temp model store's ``index.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from ml.archs.e4e import Encoder4Editing
from ml.archs.stylegan2 import Generator, StyleGANConfig, rosinality_channels

NARROW_STYLE = 32


def narrow_config(size: int = 64) -> StyleGANConfig:
    chans = {r: max(8, 32 // max(1, r // 32)) for r in (2 ** i for i in range(2, 11)) if r <= size}
    return StyleGANConfig(size=size, style_dim=NARROW_STYLE, n_mlp=2, channels=chans)


def make_generator(size: int = 64, narrow: bool = True, seed: int = 0) -> Generator:
    torch.manual_seed(seed)
    config = narrow_config(size) if narrow else StyleGANConfig(size, 512, 8,
                                                               rosinality_channels(size, 2))
    return Generator(config).eval()


def stylegan_file(path: Path, size: int = 64, narrow: bool = True, seed: int = 0,
                  with_avg: bool = True) -> Path:
    g = make_generator(size, narrow, seed)
    ckpt = {"g_ema": g.state_dict(), "g": g.state_dict(),
            "d": {"convs.0.0.weight": torch.randn(4, 3, 1, 1)}}
    if with_avg:
        ckpt["latent_avg"] = g.mean_latent(512)[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, path)
    return path


def e4e_file(path: Path, generator_size: int = 64, style_dim: int = NARROW_STYLE,
             widths: tuple[int, int, int, int] = (16, 16, 32, 32), seed: int = 0) -> Path:
    torch.manual_seed(seed)
    n_latent = 2 * (generator_size.bit_length() - 1) - 2
    enc = Encoder4Editing(n_latent, widths, style_dim)
    with torch.no_grad():  # a BatchNorm with running stats as a trained one has
        for m in enc.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_var.uniform_(0.5, 1.5)
    dec = make_generator(generator_size, style_dim == NARROW_STYLE, seed)
    state = {f"encoder.{k}": v for k, v in enc.state_dict().items()}
    state.update({f"decoder.{k}": v for k, v in dec.state_dict().items()})
    ckpt = {"state_dict": state, "latent_avg": torch.randn(n_latent, style_dim) * 0.1,
            "opts": {"stylegan_size": generator_size, "start_from_latent_avg": True,
                     "encoder_type": "Encoder4Editing", "lpips_lambda": 0.8}}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, path)
    return path


def interfacegan_file(path: Path, rows: int = 0, style_dim: int = NARROW_STYLE,
                      seed: int = 1) -> Path:
    g = torch.Generator().manual_seed(seed)
    shape = (1, rows, style_dim) if rows else (1, style_dim)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(torch.randn(*shape, generator=g), path)
    return path


def ganspace_file(path: Path, style_dim: int = NARROW_STYLE, n: int = 80, seed: int = 2) -> Path:
    g = torch.Generator().manual_seed(seed)
    comp = torch.nn.functional.normalize(torch.randn(n, 1, style_dim, generator=g), dim=-1)
    data = {"mean": torch.randn(1, style_dim, generator=g), "comp": comp,
            "std": torch.rand(n, generator=g) + 0.5}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(data, path)
    return path


def install(model_id: str, file: Path) -> Path:
    """Record ``file`` in the (temp) model store's index as an install would."""
    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    index = root / "index.json"
    data = json.loads(index.read_text()) if index.exists() else {"version": 1, "models": {}}
    target = root / f"{model_id}{file.suffix}"
    target.write_bytes(file.read_bytes())
    data["models"][model_id] = {"file": target.name, "sha256": "", "size": target.stat().st_size,
                                "verified": False, "source": "test"}
    index.write_text(json.dumps(data))
    return target
