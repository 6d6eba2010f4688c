"""StyleGAN2's generator (config F) in plain PyTorch, in rosinality's checkpoint layout.

The module and parameter names follow rosinality/stylegan2-pytorch exactly, so the widely
used ``.pt`` checkpoints (``{"g_ema": state_dict, "latent_avg": tensor, ...}``, e.g. the
FFHQ 1024 model that e4e/pSp link to) load with ``load_state_dict(strict=True)``:

* ``style.{1..n_mlp}.{weight,bias}`` — the mapping network (PixelNorm first, no weights);
* ``input.input`` — the learned 4×4 constant;
* ``conv1.*``, ``to_rgb1.*`` — the 4×4 block;
* ``convs.{2k,2k+1}.*`` (an upsampling conv, then a plain one) and ``to_rgbs.k.*`` for
  each resolution 8 … size;
* ``noises.noise_{i}`` — the fixed per-layer noise images (used, so renders repeat).

No custom CUDA ops: modulated convolution is a grouped ``conv2d`` (the batch folded into
the groups), ``upfirdn2d`` is zero insertion + ``F.pad`` + a depthwise ``conv2d``, and the
fused leaky ReLU is ``leaky_relu(x + bias, 0.2) · √2``. Rosinality's CUDA kernels compute
the same functions.

Channel widths are read from the checkpoint (:func:`detect_config`), so rosinality's
configs (``channel_multiplier`` 1 or 2, any power-of-two ``size`` ≥ 8) and narrow test
models of the same layout all load. W+ has ``n_latent = 2·log2(size) − 2`` rows
(18 for 1024 px, 14 for 256 px). Images come out as ``(n, 3, S, S)`` in about [−1, 1].
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

BLUR_KERNEL = (1, 3, 3, 1)
SQRT2 = math.sqrt(2.0)


def n_latent_for(size: int) -> int:
    """W+ rows of a generator of ``size`` px: ``2·log2(size) − 2``."""
    return int(math.log2(size)) * 2 - 2


def rosinality_channels(size: int, channel_multiplier: int = 2) -> dict[int, int]:
    """rosinality's width per resolution (``Generator.channels``) up to ``size``."""
    cm = channel_multiplier
    table = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * cm, 128: 128 * cm, 256: 64 * cm,
             512: 32 * cm, 1024: 16 * cm, 2048: 8 * cm}
    return {r: c for r, c in table.items() if r <= size}


@dataclass(frozen=True)
class StyleGANConfig:
    """``size`` (px), ``style_dim`` (W's size), ``n_mlp`` (mapping layers) and
    ``channels`` (width per resolution, 4 … size)."""

    size: int = 1024
    style_dim: int = 512
    n_mlp: int = 8
    channels: dict[int, int] = field(default_factory=lambda: rosinality_channels(1024))

    def __post_init__(self) -> None:
        log = math.log2(self.size) if self.size > 0 else 0
        if self.size < 8 or log != int(log):
            raise ValueError(f"size must be a power of two ≥ 8, got {self.size}")
        chans = {int(k): int(v) for k, v in self.channels.items()}
        missing = [r for r in self.resolutions if r not in chans]
        if missing:
            raise ValueError(f"no channel width for resolutions {missing}")
        object.__setattr__(self, "channels", chans)

    @property
    def log_size(self) -> int:
        return int(math.log2(self.size))

    @property
    def resolutions(self) -> list[int]:
        return [2 ** i for i in range(2, self.log_size + 1)]

    @property
    def n_latent(self) -> int:
        return n_latent_for(self.size)

    @property
    def num_layers(self) -> int:
        """Noise inputs: one per styled conv."""
        return (self.log_size - 2) * 2 + 1

    @property
    def channel_multiplier(self) -> int | None:
        """rosinality's ``channel_multiplier`` when the widths are one of its configs."""
        for cm in (1, 2, 4):
            if self.channels == rosinality_channels(self.size, cm):
                return cm
        return None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = {str(k): v for k, v in self.channels.items()}
        return d


def make_kernel(k=BLUR_KERNEL) -> torch.Tensor:
    t = torch.tensor(k, dtype=torch.float32)
    if t.ndim == 1:
        t = t[None, :] * t[:, None]
    return t / t.sum()


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, down: int = 1,
              pad: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Upsample by zero insertion, pad (``pad`` = before/after, both axes), FIR-filter with
    ``kernel`` (true convolution: the kernel is flipped), downsample — per channel."""
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    p0, p1 = pad
    x = F.pad(x, [max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
    if p0 < 0 or p1 < 0:
        x = x[:, :, max(-p0, 0): x.shape[2] - max(-p1, 0), max(-p0, 0): x.shape[3] - max(-p1, 0)]
    k = torch.flip(kernel, [0, 1]).to(x.dtype)
    weight = k[None, None].expand(c, 1, *k.shape)
    x = F.conv2d(x, weight, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def fused_leaky_relu(x: torch.Tensor, bias: torch.Tensor, negative_slope: float = 0.2,
                     scale: float = SQRT2) -> torch.Tensor:
    """``leaky_relu(x + bias) · scale``, ``bias`` per channel (dim 1)."""
    shape = [1, -1] + [1] * (x.ndim - 2)
    return F.leaky_relu(x + bias.view(shape).to(x.dtype), negative_slope) * scale


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    """Linear layer with the equalised learning rate (weights stored / ``lr_mul``)."""

    def __init__(self, in_dim: int, out_dim: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activation: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.activation:
            return fused_leaky_relu(F.linear(x, self.weight * self.scale), self.bias * self.lr_mul)
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class Blur(nn.Module):
    def __init__(self, pad: tuple[int, int], upsample_factor: int = 1) -> None:
        super().__init__()
        self.register_buffer("kernel", make_kernel() * upsample_factor ** 2)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    def __init__(self, factor: int = 2) -> None:
        super().__init__()
        self.factor = factor
        kernel = make_kernel() * factor ** 2
        self.register_buffer("kernel", kernel)
        p = kernel.shape[0] - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class ModulatedConv2d(nn.Module):
    """Weight modulation by a style, demodulation, optional ×2 upsampling (transposed
    conv + blur), all as one grouped convolution over the batch."""

    def __init__(self, in_channel: int, out_channel: int, kernel_size: int, style_dim: int,
                 demodulate: bool = True, upsample: bool = False) -> None:
        super().__init__()
        self.in_channel, self.out_channel = in_channel, out_channel
        self.kernel_size = kernel_size
        self.upsample = upsample
        self.demodulate = demodulate
        if upsample:
            factor = 2
            p = (len(BLUR_KERNEL) - factor) - (kernel_size - 1)
            self.blur = Blur(((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)
        self.scale = 1 / math.sqrt(in_channel * kernel_size ** 2)
        self.padding = kernel_size // 2
        self.weight = nn.Parameter(torch.randn(1, out_channel, in_channel, kernel_size,
                                               kernel_size))
        self.modulation = EqualLinear(style_dim, in_channel, bias_init=1)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        batch, in_c, h, w = x.shape
        k = self.kernel_size
        s = self.modulation(style).view(batch, 1, in_c, 1, 1)
        weight = self.scale * self.weight * s
        if self.demodulate:
            demod = torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8)
            weight = weight * demod.view(batch, self.out_channel, 1, 1, 1)
        x = x.reshape(1, batch * in_c, h, w)
        if self.upsample:
            weight = weight.transpose(1, 2).reshape(batch * in_c, self.out_channel, k, k)
            out = F.conv_transpose2d(x, weight, padding=0, stride=2, groups=batch)
            out = out.view(batch, self.out_channel, *out.shape[2:])
            return self.blur(out)
        weight = weight.view(batch * self.out_channel, in_c, k, k)
        out = F.conv2d(x, weight, padding=self.padding, groups=batch)
        return out.view(batch, self.out_channel, *out.shape[2:])


class NoiseInjection(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return x + self.weight * noise.to(x.dtype)


class FusedLeakyReLU(nn.Module):
    def __init__(self, channel: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channel))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x, self.bias)


class StyledConv(nn.Module):
    def __init__(self, in_channel: int, out_channel: int, style_dim: int,
                 upsample: bool = False) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channel, out_channel, 3, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channel)

    def forward(self, x: torch.Tensor, style: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    def __init__(self, in_channel: int, style_dim: int, upsample: bool = True) -> None:
        super().__init__()
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(in_channel, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor,
                skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, style) + self.bias
        if skip is not None:
            out = out + self.upsample(skip)
        return out


class ConstantInput(nn.Module):
    def __init__(self, channel: int, size: int = 4) -> None:
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channel, size, size))


class Noises(nn.Module):
    """Holds the fixed noise images ``noise_0`` … (rosinality's ``noises`` module)."""


class Generator(nn.Module):
    """StyleGAN2's generator; :meth:`mapping` (z → w), :meth:`synthesis` (W+ → image)."""

    def __init__(self, config: StyleGANConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or StyleGANConfig()
        ch, sd = config.channels, config.style_dim
        self.style = nn.Sequential(PixelNorm(), *[
            EqualLinear(sd, sd, lr_mul=0.01, activation=True) for _ in range(config.n_mlp)])
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], sd)
        self.to_rgb1 = ToRGB(ch[4], sd, upsample=False)
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        self.noises = Noises()
        for i in range(config.num_layers):
            res = 2 ** ((i + 5) // 2)
            self.noises.register_buffer(f"noise_{i}", torch.randn(1, 1, res, res))
        in_c = ch[4]
        for res in config.resolutions[1:]:
            out_c = ch[res]
            self.convs.append(StyledConv(in_c, out_c, sd, upsample=True))
            self.convs.append(StyledConv(out_c, out_c, sd))
            self.to_rgbs.append(ToRGB(out_c, sd))
            in_c = out_c

    @property
    def n_latent(self) -> int:
        return self.config.n_latent

    @property
    def size(self) -> int:
        return self.config.size

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """W vectors ``(n, style_dim)`` for z ``(n, style_dim)``."""
        return self.style(z)

    def mean_latent(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """The mean W of ``n`` mapped samples, ``(1, style_dim)`` (when a checkpoint has
        no ``latent_avg``)."""
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.config.style_dim, generator=g).to(self.input.input.device)
        with torch.no_grad():
            return self.mapping(z).mean(0, keepdim=True)

    def synthesis(self, wplus: torch.Tensor, max_res: int | None = None) -> torch.Tensor:
        """Images ``(n, 3, R, R)`` (about [−1, 1]) for W+ ``(n, n_latent, style_dim)``.

        ``max_res``: stop at that resolution (a power of two ≤ size) and return the skip
        branch's RGB there — the same picture, coarser, for quick previews."""
        if wplus.ndim != 3 or wplus.shape[1] != self.n_latent:
            raise ValueError(f"W+ must be (n, {self.n_latent}, {self.config.style_dim}), "
                             f"got {tuple(wplus.shape)}")
        stop = self.size if max_res is None else max(4, min(int(max_res), self.size))
        noise = [getattr(self.noises, f"noise_{i}") for i in range(self.config.num_layers)]
        out = self.input.input.repeat(wplus.shape[0], 1, 1, 1)
        out = self.conv1(out, wplus[:, 0], noise[0])
        skip = self.to_rgb1(out, wplus[:, 1])
        i, res = 1, 4
        for k, to_rgb in enumerate(self.to_rgbs):
            if res * 2 > stop:
                break
            out = self.convs[2 * k](out, wplus[:, i], noise[i])
            out = self.convs[2 * k + 1](out, wplus[:, i + 1], noise[i + 1])
            skip = to_rgb(out, wplus[:, i + 2], skip)
            i += 2
            res *= 2
        return skip

    def forward(self, wplus: torch.Tensor, max_res: int | None = None) -> torch.Tensor:
        return self.synthesis(wplus, max_res)


# --------------------------------------------------------------------------- checkpoints


class CheckpointMismatch(ValueError):
    """A state dict that is not (or not wholly) a rosinality StyleGAN2 generator."""


def detect_config(state: dict[str, torch.Tensor]) -> StyleGANConfig:
    """The :class:`StyleGANConfig` of a rosinality ``g_ema`` state dict (size from the
    number of ``to_rgbs``, widths from the conv weights, mapping depth from ``style.*``)."""
    if "input.input" not in state or "conv1.conv.weight" not in state:
        raise CheckpointMismatch("no StyleGAN2 generator weights (input.input, conv1.*)")
    n_rgb = sum(1 for k in state if k.startswith("to_rgbs.") and k.endswith(".conv.weight"))
    size = 2 ** (2 + n_rgb)
    channels = {4: int(state["input.input"].shape[1])}
    for k in range(n_rgb):
        w = state.get(f"convs.{2 * k}.conv.weight")
        if w is None or w.ndim != 5:
            raise CheckpointMismatch(f"convs.{2 * k}.conv.weight is missing or malformed")
        channels[2 ** (3 + k)] = int(w.shape[1])
    n_mlp = sum(1 for k in state if k.startswith("style.") and k.endswith(".weight"))
    if n_mlp == 0:
        raise CheckpointMismatch("no mapping network (style.*) in the weights")
    style_dim = int(state["style.1.weight"].shape[0])
    return StyleGANConfig(size=size, style_dim=style_dim, n_mlp=n_mlp, channels=channels)


def load_generator(state: dict[str, torch.Tensor]) -> Generator:
    """A :class:`Generator` built from and loaded with a ``g_ema`` state dict (strict)."""
    config = detect_config(state)
    g = Generator(config)
    try:
        g.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        raise CheckpointMismatch(" ".join(first[:2])[:300]) from None
    return g.eval()
