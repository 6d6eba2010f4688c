"""Latent models: decode/encode latency at panel resolution, inversion, training speed.

Rows (CPU unless RETOUCH_DEVICE says otherwise), all with the built-in cartoon-face VAE
(``resources/models/latent/cartoon-faces``; a fresh VAE of the same shape when absent):

* decode, 64 px, batch 1 — baseline: a DCGAN generator of the same latent size and
  resolution (random weights; speed does not depend on them);
* a slider preview: decode ``z`` and ``z_edit`` and apply the delta to a 512×512 region
  (:func:`ml.latent.apply.apply_delta`) — baseline: the plain decode;
* encode (VAE posterior mean), batch 1 — baseline: decode;
* optimisation inversion, 100 Adam steps, batch 1 — baseline: encode;
* training, one epoch of 512 synthetic faces at batch 32 (the shipped config) — no baseline.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np


def _model(device: str):
    from ml.latent.builtin import builtin_available, load_builtin
    from ml.latent.models import VAELatentModel

    if builtin_available() is None:
        return load_builtin(device), "built-in"
    return VAELatentModel.from_config({"resolution": 64, "latent_dim": 32, "base": 32}).to(device), "fresh"


def rows() -> list[dict]:
    import torch

    from benchmarks.common import median_time, row
    from ml.data.cartoon_faces import generate
    from ml.devices import resolve_device
    from ml.latent.apply import apply_delta
    from ml.latent.models import GANLatentModel
    from ml.train.latent import LatentTrainConfig, train_vae
    from ml.types import RunContext

    device = resolve_device(os.environ.get("RETOUCH_DEVICE") or None)
    vae, which = _model(device)
    torch.manual_seed(0)
    gan = GANLatentModel.from_config({"resolution": 64, "latent_dim": vae.latent_dim}).to(device)
    z = vae.sample(1, seed=0)
    z_edit = z + 0.5
    faces, _ = generate(512, seed=1)
    face = faces[:1].astype(np.float32) / 255
    region = np.random.default_rng(0).random((512, 512, 3), dtype=np.float32)
    region_z = vae.encode(region)
    out: list[dict] = []

    t_gan = median_time(lambda: gan.decode(z), repeat=20, warmup=3)
    t_dec = median_time(lambda: vae.decode(z), repeat=20, warmup=3)
    out.append(row("dcgan decode 64px batch 1", t_gan, notes=f"random weights, {device}"))
    out.append(row(f"vae decode 64px batch 1 ({which})", t_dec, "dcgan decode", t_gan,
                   notes=f"{device}"))
    t_prev = median_time(lambda: apply_delta(region, vae, region_z, z_edit), repeat=10, warmup=2)
    out.append(row("slider preview: 2 decodes + delta on 512² region", t_prev, "vae decode", t_dec,
                   notes=f"{device}"))
    t_enc = median_time(lambda: vae.encode(face), repeat=20, warmup=3)
    out.append(row("vae encode 64px batch 1", t_enc, "vae decode", t_dec, notes=f"{device}"))
    t_inv = median_time(lambda: vae.invert(face, RunContext(device=device), steps=100), repeat=3)
    out.append(row("inversion 100 Adam steps batch 1", t_inv, "vae encode", t_enc,
                   notes=f"{t_inv * 10:.1f} ms/step, {device}"))

    def one_epoch() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            config = LatentTrainConfig(size=64, latent=32, base=32, epochs=1, batch=32,
                                       report_every=1000)
            train_vae(faces, tmp, config, RunContext(device=device))

    t_ep = median_time(one_epoch, repeat=1, warmup=0)
    out.append(row("vae train 1 epoch, 512 faces, batch 32", t_ep,
                   notes=f"{t_ep / 16 * 1000:.0f} ms/step incl. epoch-end save/PCA, "
                         f"{torch.get_num_threads()} threads, {device}"))
    return out
