"""Random-weight checkpoints in the published formats, for spandrel round-trip tests."""

from __future__ import annotations

import torch


def _conv(sd: dict, name: str, cin: int, cout: int, gen: torch.Generator) -> None:
    sd[name + ".weight"] = torch.randn(cout, cin, 3, 3, generator=gen) * 0.02
    sd[name + ".bias"] = torch.zeros(cout)


def realesrgan_rrdbnet(scale: int = 4, nf: int = 16, nb: int = 1, seed: int = 0) -> dict:
    """Real-ESRGAN's RRDBNet keys (conv_first, body.N.rdbK.convI, conv_up1...), tiny.

    ×2 models take a pixel-unshuffled input (12 channels), like RealESRGAN_x2plus.pth.
    Grow channels are fixed at 32: that is what the published files (and spandrel) use.
    """
    gen = torch.Generator().manual_seed(seed)
    gc = 32
    sd: dict = {}
    _conv(sd, "conv_first", 3 * {4: 1, 2: 4, 1: 16}[scale], nf, gen)
    for b in range(nb):
        for r in (1, 2, 3):
            for i in range(1, 6):
                _conv(sd, f"body.{b}.rdb{r}.conv{i}", nf + (i - 1) * gc, gc if i < 5 else nf, gen)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        _conv(sd, name, nf, nf, gen)
    _conv(sd, "conv_last", nf, 3, gen)
    return sd


def srvgg_compact(scale: int = 4, nf: int = 16, nc: int = 2, seed: int = 0) -> dict:
    """SRVGGNetCompact keys (body.i conv / PReLU), like realesr-general-x4v3.pth."""
    gen = torch.Generator().manual_seed(seed)
    sd: dict = {}
    i = 0
    _conv(sd, f"body.{i}", 3, nf, gen)
    i += 1
    for _ in range(nc + 1):
        sd[f"body.{i}.weight"] = torch.full((nf,), 0.25)
        i += 1
        if _ < nc:
            _conv(sd, f"body.{i}", nf, nf, gen)
            i += 1
    _conv(sd, f"body.{i}", nf, 3 * scale * scale, gen)
    return sd
