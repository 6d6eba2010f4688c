"""Train the built-in super-resolution CNN (:class:`ml.archs.sr_small.SRSmall`).

Degradation: PIL bicubic (antialiased) downscaling of high-resolution patches. Patches
are sampled from every image in ``--data`` (PNG/JPEG, any size), with a random rescale
in [0.5, 1] first (so the net sees several detail scales), random crops, flips and 90°
turns. L1 loss, Adam with cosine decay. After training the model is evaluated on the
photos in ``--eval`` (never used for training): Y-channel (BT.601) PSNR and SSIM of the
model and of PIL bicubic, borders of ``scale`` pixels shaved.

``python -m ml.train.sr --scale 2 --data train_data/sr/train --out
resources/models/sr-small-x2.safetensors --steps 2000 --eval train_data/sr/heldout``
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class TrainConfig:
    """Everything that defines a training run (recorded in the output's metadata)."""

    scale: int = 2
    data: str = ""
    out: str = ""
    steps: int = 2000
    batch: int = 16
    patch: int = 0  # LR patch edge; 0 = 48 at ×2, 40 at ×3, 32 at ×4
    lr: float = 1e-3
    channels: int = 48
    blocks: int = 6
    seed: int = 0
    threads: int = 2
    min_rescale: float = 0.5
    init: str = ""  # continue from these sr-small weights (same scale/size) instead of random

    def lr_patch(self) -> int:
        return self.patch or {2: 48, 3: 40, 4: 32}[self.scale]


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    metrics: dict = field(default_factory=dict)


def load_images(folder: str | Path) -> list[Image.Image]:
    """Every image in ``folder`` as an RGB PIL image; ValueError naming the folder if none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder of training images")
    images = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                with Image.open(path) as im:
                    images.append(im.convert("RGB"))
            except OSError as exc:
                raise ValueError(f"{path}: cannot read image ({exc})") from None
    if not images:
        raise ValueError(f"{folder}: contains no images")
    return images


class PatchSampler:
    """Random (LR, HR) patch pairs with the bicubic degradation and augmentation."""

    def __init__(
        self,
        images: list[Image.Image],
        scale: int,
        lr_patch: int,
        seed: int = 0,
        min_rescale: float = 0.5,
    ) -> None:
        self.images = images
        self.scale = scale
        self.lr_patch = lr_patch
        self.hr_patch = lr_patch * scale
        self.min_rescale = min_rescale
        self.rng = random.Random(seed)
        # sample images by area so large photos are not under-represented
        self.weights = [im.width * im.height for im in images]

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """One pair: LR (3, p, p) and HR (3, p·s, p·s), float32 in [0, 1]."""
        rng = self.rng
        im = rng.choices(self.images, weights=self.weights)[0]
        hr = self.hr_patch
        r = rng.uniform(self.min_rescale, 1.0)
        # a region that shrinks to hr×hr at rescale r (capped by the image size)
        src = min(math.ceil(hr / r), im.width, im.height)
        x = rng.randint(0, im.width - src)
        y = rng.randint(0, im.height - src)
        region = im.crop((x, y, x + src, y + src))
        if src != hr:
            region = region.resize((hr, hr), Image.BICUBIC)
        if rng.random() < 0.5:
            region = region.transpose(Image.FLIP_LEFT_RIGHT)
        turns = rng.randint(0, 3)
        if turns:
            region = region.transpose(
                (Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270)[turns - 1]
            )
        low = region.resize((self.lr_patch, self.lr_patch), Image.BICUBIC)
        to_chw = lambda p: np.asarray(p, dtype=np.float32).transpose(2, 0, 1) / 255.0
        return to_chw(low), to_chw(region)

    def batch(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.sample() for _ in range(n)]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def train(
    config: TrainConfig,
    log: Callable[[str], None] | None = None,
    images: list[Image.Image] | None = None,
):
    """Train a model; return ``(model, TrainResult)``. ``log`` receives progress lines."""
    import torch

    from ml.archs.sr_small import SRSmall

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    images = images if images is not None else load_images(config.data)
    sampler = PatchSampler(images, config.scale, config.lr_patch(), config.seed, config.min_rescale)
    model = SRSmall(config.scale, config.channels, config.blocks)
    if config.init:
        from ml.archs.sr_small import load_sr_small

        start_from = load_sr_small(config.init)
        if (start_from.scale, start_from.channels, start_from.blocks) != (
            config.scale,
            config.channels,
            config.blocks,
        ):
            raise ValueError(f"{config.init}: a different scale/size than --scale/--channels")
        model.load_state_dict(start_from.state_dict())
        model.train()
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, config.steps))
    result = TrainResult()
    start = time.perf_counter()
    window: list[float] = []
    for step in range(1, config.steps + 1):
        lo, hi = sampler.batch(config.batch)
        pred = model(torch.from_numpy(lo))
        loss = torch.nn.functional.l1_loss(pred, torch.from_numpy(hi))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        result.losses.append(loss.item())
        window.append(result.losses[-1])
        if log and (step % 100 == 0 or step == config.steps):
            log(
                f"step {step}/{config.steps} loss {np.mean(window):.5f} "
                f"lr {sched.get_last_lr()[0]:.2e} {time.perf_counter() - start:.0f}s"
            )
            window = []
    result.seconds = time.perf_counter() - start
    return model.eval(), result


# --- evaluation -------------------------------------------------------------------------


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma in [16, 235] from RGB in [0, 1] (the usual SR-benchmark convention)."""
    return 16.0 + rgb @ np.array([65.481, 128.553, 24.966], dtype=np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004: 11×11 Gaussian, σ 1.5) of two 2-D arrays in [0, 255]."""
    import cv2

    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)[5:-5, 5:-5]
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def upscale_with(model, low: np.ndarray) -> np.ndarray:
    """Run ``model`` on an HWC float image in [0, 1] (whole image, no tiling)."""
    import torch

    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(low.transpose(2, 0, 1)))[None]
        y = model(x)[0].clamp(0, 1).numpy().transpose(1, 2, 0)
    return y


def _eval_y(image: np.ndarray, shave: int) -> np.ndarray:
    # quantise like a saved image would be, then shave the border
    return rgb_to_y(np.round(image * 255) / 255)[shave:-shave, shave:-shave]


def evaluate(model, folder: str | Path, scale: int) -> dict:
    """Y-PSNR/SSIM of the model and of PIL bicubic on every photo in ``folder``."""
    rows = {}
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        with Image.open(path) as im:
            hr = im.convert("RGB")
        w, h = hr.width - hr.width % scale, hr.height - hr.height % scale
        hr = hr.crop((0, 0, w, h))
        lr = hr.resize((w // scale, h // scale), Image.BICUBIC)
        bic = np.asarray(lr.resize((w, h), Image.BICUBIC), dtype=np.float32) / 255.0
        sr = upscale_with(model, np.asarray(lr, dtype=np.float32) / 255.0)
        ref = np.asarray(hr, dtype=np.float32) / 255.0
        y_ref, y_bic, y_sr = (_eval_y(im, scale) for im in (ref, bic, sr))
        rows[path.name] = {
            "bicubic_psnr": psnr(y_ref, y_bic),
            "bicubic_ssim": ssim(y_ref, y_bic),
            "model_psnr": psnr(y_ref, y_sr),
            "model_ssim": ssim(y_ref, y_sr),
        }
    if rows:
        keys = next(iter(rows.values())).keys()
        rows["mean"] = {k: float(np.mean([r[k] for r in rows.values()])) for k in keys}
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the built-in SR CNN (sr-small).")
    parser.add_argument("--scale", type=int, choices=(2, 3, 4), required=True)
    parser.add_argument("--data", required=True, help="folder of training photos")
    parser.add_argument("--out", required=True, help="output .safetensors file")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--patch", type=int, default=0, help="LR patch edge (0 = by scale)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--channels", type=int, default=48)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--init", default="", help="continue from these sr-small weights")
    parser.add_argument("--eval", help="folder of held-out photos to evaluate on")
    parser.add_argument("--metrics-out", help="write training stats and metrics as JSON")
    args = parser.parse_args(argv)
    config = TrainConfig(
        **{k: v for k, v in vars(args).items() if k in TrainConfig.__dataclass_fields__}
    )
    out = lambda line: (sys.stdout.write(line + "\n"), sys.stdout.flush())
    try:
        model, result = train(config, log=out)
    except ValueError as exc:
        sys.stderr.write(f"train: {exc}\n")
        return 1
    from ml.archs.sr_small import save_sr_small

    if args.eval:
        result.metrics = evaluate(model, args.eval, config.scale)
        for name, row in result.metrics.items():
            out(
                f"{name}: bicubic {row['bicubic_psnr']:.2f} dB / {row['bicubic_ssim']:.4f}, "
                f"sr-small {row['model_psnr']:.2f} dB / {row['model_ssim']:.4f}"
            )
    extra = {
        "steps": str(config.steps),
        "train_seconds": f"{result.seconds:.0f}",
        "config": json.dumps(asdict(config)),
    }
    save_sr_small(model, config.out, extra)
    if args.metrics_out:
        Path(args.metrics_out).write_text(
            json.dumps(
                {
                    "config": asdict(config),
                    "seconds": result.seconds,
                    "final_loss": float(np.mean(result.losses[-100:])),
                    "metrics": result.metrics,
                },
                indent=2,
            )
        )
    out(f"saved {config.out} ({result.seconds:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
