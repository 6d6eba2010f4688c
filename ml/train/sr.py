"""Train a built-in super-resolution CNN: ``--arch sr-small``
(:class:`ml.archs.sr_small.SRSmall`, a plain conv stack) or ``--arch sr-res``
(:class:`ml.archs.sr_res.SRRes`: sr-small's stem plus ``--res-blocks`` residual blocks,
the stronger built-in; ``--grow SR_SMALL_FILE`` starts it as an exact copy of a trained
sr-small of the same scale, see :meth:`~ml.archs.sr_res.SRRes.grown_from`).

Degradation: PIL bicubic (antialiased) downscaling of high-resolution patches. Patches
are sampled from every image in ``--data`` (PNG/JPEG, any size), with a random rescale
in [0.5, 1] first (so the net sees several detail scales), random crops, flips and 90°
turns. L1 loss, Adam with cosine decay. After training the model is evaluated on the
photos in ``--eval`` (never used for training): Y-channel (BT.601) PSNR and SSIM of the
model and of PIL bicubic, borders of ``scale`` pixels shaved.

``python -m ml.train.sr --arch sr-res --grow resources/models/sr-small-x2.safetensors
--scale 2 --data train_data/sr/train --out resources/models/sr-res/sr-res-x2.safetensors
--steps 2000 --eval train_data/sr/heldout``

``--init FILE`` continues from trained weights of the same architecture, scale and size.

:func:`train` is a job run function (``train(config, ctx)``): it checks ``ctx.cancel``
before every step and reports progress every ``report_every`` steps with a payload
``{"step", "steps", "loss", "lr", "seconds"}``. With ``config.checkpoint`` set it saves
the whole training state (model, optimiser, scheduler, step, losses, the torch RNG and
the patch sampler's RNG) through :mod:`ml.train.checkpoint` every ``checkpoint_every``
steps and when it is cancelled, and resumes from that file when it exists: a run
cancelled and continued ends with the same weights as one never interrupted. From the
command line: ``--checkpoint FILE [--checkpoint-every N]``, Ctrl+C saves and stops,
``--resume`` continues.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ml.train.checkpoint import load_checkpoint, save_checkpoint
from ml.types import Cancelled, EngineError, Progress, RunContext

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class TrainConfig:
    """Everything that defines a training run (recorded in the output's metadata)."""

    scale: int = 2
    arch: str = "sr-small"  # "sr-small" or "sr-res" (ml.archs.sr_small.sr_arch)
    data: str = ""
    out: str = ""
    steps: int = 2000
    batch: int = 16
    patch: int = 0  # LR patch edge; 0 = 48 at ×2, 40 at ×3, 32 at ×4
    lr: float = 1e-3
    channels: int = 48
    blocks: int = 6
    res_blocks: int = 2  # sr-res only: residual blocks after the plain stem
    seed: int = 0
    threads: int = 2
    min_rescale: float = 0.5
    init: str = ""  # continue from these weights (same arch, scale and size) instead of random
    grow: str = ""  # sr-res only: start as an exact copy of these sr-small weights
    checkpoint: str = ""  # training-state file: saved every checkpoint_every steps and on
    # cancel, resumed from when it exists ("" = none)
    checkpoint_every: int = 500  # 0 = save only when cancelled
    report_every: int = 10  # progress (with the loss payload) every N steps

    def lr_patch(self) -> int:
        return self.patch or {2: 48, 3: 40, 4: 32}[self.scale]


# What must match for a checkpoint to continue this run (the data folder may move, the
# thread count and the checkpoint cadence may change).
RESUME_FIELDS = ("arch", "scale", "steps", "batch", "patch", "lr", "channels", "blocks",
                 "res_blocks", "seed", "min_rescale")
#: what a checkpoint written before a field existed had
RESUME_DEFAULTS = {"arch": "sr-small", "res_blocks": 2}


@dataclass
class TrainResult:
    """Per-step losses (from step 1, a resumed run included), training time, metrics."""

    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    metrics: dict = field(default_factory=dict)
    resumed_from: int = 0  # the step the checkpoint had reached; 0 = started fresh


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

    def rng_state(self) -> dict[str, Any]:
        """The sampler's RNG state as plain numbers (fits a weights-only checkpoint)."""
        version, internal, gauss = self.rng.getstate()
        return {"version": version, "internal": list(internal), "gauss": gauss}

    def set_rng_state(self, state: dict[str, Any]) -> None:
        """Restore a state from :meth:`rng_state`: the next patches are the ones the saved
        sampler would have drawn."""
        self.rng.setstate((state["version"], tuple(state["internal"]), state["gauss"]))


def train(
    config: TrainConfig,
    ctx: RunContext | None = None,
    images: list[Image.Image] | None = None,
    *,
    resume: bool = True,
):
    """Train a model on ``ctx.device``; return ``(model, TrainResult)`` (the model on the CPU,
    in eval mode).

    Cancel is checked before every step; progress goes to ``ctx`` every
    ``config.report_every`` steps (and after the last) with a payload ``{"step": n,
    "steps": total, "loss": mean L1 since the last report, "lr": float, "seconds": float}``.
    With ``config.checkpoint`` set, the training state is saved there every
    ``config.checkpoint_every`` steps and before :class:`ml.types.Cancelled` propagates,
    and (``resume``) training continues from it when the file exists. ValueError for
    unusable data or a checkpoint of a different run; EngineError for an unreadable or
    unwritable checkpoint."""
    import torch

    ctx = ctx if ctx is not None else RunContext()
    device = torch.device(ctx.device)
    torch.manual_seed(config.seed)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    images = images if images is not None else load_images(config.data)
    sampler = PatchSampler(images, config.scale, config.lr_patch(), config.seed, config.min_rescale)
    model = build_model(config)
    state = load_checkpoint(config.checkpoint) if config.checkpoint and resume else None
    if state is not None:
        _check_resumable(state, config)
    elif config.grow:
        model = grow_from(config)
    elif config.init:
        init_from(model, config)
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, config.steps))
    result = TrainResult()
    step = 0
    seconds_before = 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        sampler.set_rng_state(state["sampler_rng"])
        step = result.resumed_from = int(state["step"])
        result.losses = [float(v) for v in state["losses"]]
        seconds_before = float(state["seconds"])
    start = time.perf_counter()
    saved_at = step if state is not None else -1

    def save() -> None:
        nonlocal saved_at
        if not config.checkpoint or saved_at == step:
            return
        save_checkpoint(
            config.checkpoint,
            {
                "kind": "sr-small-training",
                "config": asdict(config),
                "step": step,
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "sampler_rng": sampler.rng_state(),
                "losses": list(result.losses),
                "seconds": seconds_before + time.perf_counter() - start,
            },
        )
        saved_at = step

    window: list[float] = []
    report_every = max(1, config.report_every)
    try:
        while step < config.steps:
            # Every step boundary is a consistent state: cancel here, save, resume here.
            ctx.cancel.check()
            lo, hi = sampler.batch(config.batch)
            pred = model(torch.from_numpy(lo).to(device))
            loss = torch.nn.functional.l1_loss(pred, torch.from_numpy(hi).to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            result.losses.append(loss.item())
            window.append(result.losses[-1])
            if config.checkpoint_every > 0 and step % config.checkpoint_every == 0:
                save()
            if step % report_every == 0 or step == config.steps:
                ctx.report(
                    step / config.steps,
                    f"step {step}/{config.steps}",
                    payload={
                        "step": step,
                        "steps": config.steps,
                        "loss": float(np.mean(window)),
                        "lr": float(sched.get_last_lr()[0]),
                        "seconds": seconds_before + time.perf_counter() - start,
                    },
                )
                window = []
    except Cancelled:
        save()
        raise
    result.seconds = seconds_before + time.perf_counter() - start
    return model.cpu().eval(), result


def build_model(config: TrainConfig):
    """A fresh net of ``config.arch`` (ValueError for an unknown one)."""
    from ml.archs.sr_small import sr_arch

    cls = sr_arch(config.arch)
    meta = {"scale": config.scale, "channels": config.channels, "blocks": config.blocks,
            "res_blocks": config.res_blocks}
    return cls.from_metadata(meta)


def grow_from(config: TrainConfig):
    """An sr-res net that starts as an exact copy of the sr-small file ``config.grow``;
    ValueError unless the config is sr-res of that file's scale and size."""
    from ml.archs.sr_res import SRRes
    from ml.archs.sr_small import SRSmallFileError, load_sr_small

    if config.arch != "sr-res":
        raise ValueError("--grow builds an sr-res net: pass --arch sr-res")
    try:
        small = load_sr_small(config.grow)
    except SRSmallFileError as exc:
        raise ValueError(str(exc)) from None
    if (small.scale, small.channels, small.blocks) != (config.scale, config.channels,
                                                       config.blocks):
        raise ValueError(
            f"{config.grow}: ×{small.scale}, {small.channels} channels × {small.blocks} "
            f"blocks, not --scale {config.scale} --channels {config.channels} "
            f"--blocks {config.blocks}"
        )
    return SRRes.grown_from(small, config.res_blocks)


def init_from(model, config: TrainConfig) -> None:
    """Load ``config.init`` into ``model``; ValueError for another architecture, scale or
    size (the message names the file)."""
    from ml.archs.sr_small import SRSmallFileError, load_sr_model

    try:
        start_from = load_sr_model(config.init, config.arch)
    except SRSmallFileError as exc:
        raise ValueError(str(exc)) from None
    if start_from.metadata() != model.metadata():
        raise ValueError(f"{config.init}: a different scale/size than --scale/--channels")
    model.load_state_dict(start_from.state_dict())


def _check_resumable(state: dict[str, Any], config: TrainConfig) -> None:
    where = config.checkpoint
    if state.get("kind") != "sr-small-training":
        raise ValueError(f"{where}: not an sr-small training checkpoint")
    saved = state.get("config", {})
    for name in RESUME_FIELDS:
        if saved.get(name, RESUME_DEFAULTS.get(name)) != getattr(config, name):
            raise ValueError(
                f"{where}: saved by a run with {name}={saved.get(name)!r}, not "
                f"{getattr(config, name)!r}; use the same settings or another checkpoint"
            )


# --- evaluation -------------------------------------------------------------------------


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma in [16, 235] from RGB in [0, 1] (the usual SR-benchmark convention)."""
    return 16.0 + rgb @ np.array([65.481, 128.553, 24.966], dtype=np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)


def ssim_map(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> np.ndarray:
    """The SSIM map (Wang et al. 2004: 11×11 Gaussian, σ 1.5, K1 0.01, K2 0.03) of two
    arrays with values in ``[0, peak]`` (2-D, or H×W×C: one map per channel)."""
    import cv2

    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return num / den


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two 2-D arrays in [0, 255], the 5-px border (half the window) left out."""
    return float(np.mean(ssim_map(a, b)[5:-5, 5:-5]))


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
    parser = argparse.ArgumentParser(description="Train a built-in SR CNN (sr-res, sr-small).")
    parser.add_argument("--scale", type=int, choices=(2, 3, 4), required=True)
    parser.add_argument("--arch", choices=("sr-small", "sr-res"), default="sr-small")
    parser.add_argument("--data", required=True, help="folder of training photos")
    parser.add_argument("--out", required=True, help="output .safetensors file")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--patch", type=int, default=0, help="LR patch edge (0 = by scale)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--channels", type=int, default=48)
    parser.add_argument("--blocks", type=int, default=6, help="plain conv layers")
    parser.add_argument("--res-blocks", type=int, default=2,
                        help="sr-res: residual blocks after the plain layers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--init", default="",
                        help="continue from these weights (same arch, scale and size)")
    parser.add_argument("--grow", default="",
                        help="sr-res: start as an exact copy of these sr-small weights")
    parser.add_argument("--checkpoint", default="",
                        help="training-state file, saved every --checkpoint-every steps and "
                             "on Ctrl+C")
    parser.add_argument("--checkpoint-every", type=int, default=500,
                        help="steps between checkpoints (0 = only on Ctrl+C)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from --checkpoint (same settings) instead of refusing "
                             "to overwrite it")
    parser.add_argument("--device", default="cpu", help="torch device (cpu, cuda, mps)")
    parser.add_argument("--eval", help="folder of held-out photos to evaluate on")
    parser.add_argument("--metrics-out", help="write training stats and metrics as JSON")
    args = parser.parse_args(argv)
    config = TrainConfig(
        **{k: v for k, v in vars(args).items() if k in TrainConfig.__dataclass_fields__}
    )
    err = lambda line: sys.stderr.write(f"train: {line}\n")
    if args.resume and not config.checkpoint:
        err("--resume needs --checkpoint FILE")
        return 1
    if config.checkpoint and Path(config.checkpoint).exists() and not args.resume:
        err(f"{config.checkpoint} exists: pass --resume to continue that run, or delete it")
        return 1
    out = lambda line: (sys.stdout.write(line + "\n"), sys.stdout.flush())
    printed = [0]

    def progress(p: Progress) -> None:
        info = p.payload or {}
        step, steps = info.get("step", 0), info.get("steps", 0)
        if step // 100 > printed[0] // 100 or step == steps:
            printed[0] = step
            out(f"step {step}/{steps} loss {info['loss']:.5f} lr {info['lr']:.2e} "
                f"{info['seconds']:.0f}s")

    ctx = RunContext(progress=progress, device=args.device)

    # Ctrl+C asks the trainer to stop at the next step boundary, so the checkpoint it
    # writes is a consistent one; a second Ctrl+C interrupts at once.
    def interrupt(_signum: int, _frame: object) -> None:
        ctx.cancel.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupt) if in_main else None
    try:
        model, result = train(config, ctx, resume=args.resume)
    except Cancelled:
        saved = f"; continue with --resume --checkpoint {config.checkpoint}" if (
            config.checkpoint) else " (no --checkpoint: nothing saved)"
        err(f"interrupted{saved}")
        return 130
    except (ValueError, EngineError) as exc:
        err(str(exc))
        return 1
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if result.resumed_from:
        out(f"resumed from step {result.resumed_from} of {config.checkpoint}")
    from ml.archs.sr_small import save_sr_model

    if args.eval:
        result.metrics = evaluate(model, args.eval, config.scale)
        for name, row in result.metrics.items():
            out(
                f"{name}: bicubic {row['bicubic_psnr']:.2f} dB / {row['bicubic_ssim']:.4f}, "
                f"{config.arch} {row['model_psnr']:.2f} dB / {row['model_ssim']:.4f}"
            )
    extra = {
        "steps": str(config.steps),
        "train_seconds": f"{result.seconds:.0f}",
        "config": json.dumps(asdict(config)),
    }
    save_sr_model(model, config.out, extra)
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
