"""The portrait pack: StyleGAN2 forward, e4e encode, optimisation inversion (issue 15).

Random weights in the real architectures (rosinality's config F, channel_multiplier 2;
e4e's IR-SE-50 with 18 style blocks): speed does not depend on the weights, and the real
ones are non-commercial and never on this machine. CPU unless RETOUCH_DEVICE says
otherwise; every absolute time is labelled with the device.

* generator forward 256 px (14 W+ rows), batch 1 — no baseline;
* generator forward 1024 px (18 rows), ONE forward — baseline: the 256 px forward;
* the 1024 px model stopped at 256 px (the panel's slider preview) — baseline: its full
  1024 px forward;
* e4e encode of a 256² crop (18 × 512 W+) — baseline: the 256 px generator forward;
* optimisation inversion at 256 px (:func:`ml.portrait.invert.invert`), timed over 3 Adam
  steps and given per 100 steps — baseline: 100 × one 256 px forward (what the steps cost
  beyond rendering is the backward pass).
"""

from __future__ import annotations

import os
import time

import numpy as np


def _once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rows() -> list[dict]:
    import torch

    from benchmarks.common import median_time, row
    from ml.archs.e4e import Encoder4Editing
    from ml.archs.stylegan2 import Generator, StyleGANConfig, rosinality_channels
    from ml.devices import resolve_device
    from ml.portrait.invert import invert
    from ml.portrait.model import PortraitModel

    device = resolve_device(os.environ.get("RETOUCH_DEVICE") or None)
    torch.manual_seed(0)
    out: list[dict] = []

    def model(size: int, encoder=None) -> PortraitModel:
        g = Generator(StyleGANConfig(size, 512, 8, rosinality_channels(size, 2)))
        return PortraitModel(g, g.mean_latent(256), encoder, device=device)

    m256 = model(256)
    z256 = m256.sample(1, seed=1)
    t256 = median_time(lambda: m256.decode(z256), repeat=1, warmup=1)
    out.append(row("stylegan2 forward 256px batch 1", t256,
                   notes=f"config F, channel_multiplier 2, random weights, {device}"))

    m1024 = model(1024)
    z1024 = m1024.sample(1, seed=1)
    m1024.decode_at(z1024, 16)  # warm-up of the first layers only
    t1024 = _once(lambda: m1024.decode(z1024))
    out.append(row("stylegan2 forward 1024px batch 1 (one forward)", t1024,
                   "stylegan2 forward 256px", t256, notes=f"30.4M params, {device}"))
    tprev = _once(lambda: m1024.decode_at(z1024, 256))
    out.append(row("stylegan2 1024px model stopped at 256px (slider preview)", tprev,
                   "stylegan2 forward 1024px", t1024, notes=f"{device}"))

    enc = Encoder4Editing(18, (64, 128, 256, 512), 512).eval().to(device)
    crop = np.random.default_rng(0).random((1, 256, 256, 3), dtype=np.float32)

    def encode():
        with torch.inference_mode():
            enc(torch.from_numpy(crop).permute(0, 3, 1, 2).to(device) * 2 - 1)

    t_enc = median_time(encode, repeat=1, warmup=1)
    params = sum(p.numel() for p in enc.parameters()) / 1e6
    out.append(row("e4e encode 256px crop (18x512 W+)", t_enc, "stylegan2 forward 256px", t256,
                   notes=f"IR-SE-50, {params:.0f}M params, random weights, {device}"))

    target = m256.decode(m256.sample(1, seed=2))
    steps = 3
    t_inv = _once(lambda: invert(m256, target, steps=steps, preview_every=0)) * (100 / steps)
    out.append(row("optimisation inversion 256px, per 100 steps", t_inv,
                   "100 x stylegan2 forward 256px", 100 * t256,
                   notes=f"timed over {steps} steps; pixel+gradient loss; {device}"))
    return out
