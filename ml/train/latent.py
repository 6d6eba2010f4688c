"""Train a latent model (VAE or DCGAN) on a folder of images, headless or as a job.

:func:`train_vae` / :func:`train_gan` take the data (a folder, or a uint8 array
``(n, S, S, 3)``), an output model folder, a :class:`LatentTrainConfig` and a
:class:`ml.types.RunContext`:

* cancel is checked every step; a cancelled (or interrupted) run saves a checkpoint at
  the step it reached and raises :class:`ml.types.Cancelled`;
* progress is reported every ``report_every`` steps with the payload
  ``{"epoch", "step", "losses": {...}, "samples": float32 RGB grid}``;
* after every epoch the model folder gets ``model.safetensors`` + ``model.json`` (a
  loadable model, see :mod:`ml.latent.io`), ``checkpoint.pt`` (through
  :mod:`ml.train.checkpoint`), ``samples.png`` and ``losses.png``;
* a second call with the same output folder resumes from the checkpoint (at the epoch
  and step it reached) and trains on up to ``config.epochs``.

The device is ``ctx.device``. :func:`main` is the command line
(``python -m ml.train.latent vae DATA_DIR --out MODEL [--size 64|128] [--latent N]
[--epochs N]``; ``gan`` likewise).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ml.types import Cancelled, EngineError, RunContext

CHECKPOINT_NAME = "checkpoint.pt"
SAMPLES_NAME = "samples.png"
LOSSES_NAME = "losses.png"


@dataclass
class LatentTrainConfig:
    """Everything that defines a training run (saved in the checkpoint and model info).

    ``base``: channel width of the VAE (and of both GAN nets). ``kl_weight``: the VAE's
    KL factor (warmed up linearly over ``kl_warmup_epochs``). ``report_every``: steps
    between progress payloads. ``threads``: torch CPU threads (0 = leave as is).
    ``half``: store the model weights as fp16."""

    size: int = 64
    latent: int = 32
    epochs: int = 10
    batch: int = 32
    lr: float = 0.0  # 0 = 1e-3 for the VAE, 2e-4 for the GAN
    base: int = 32
    kl_weight: float = 0.1
    kl_warmup_epochs: float = 1.0
    flip: bool = True
    seed: int = 0
    report_every: int = 50
    threads: int = 0
    min_images: int = 16
    half: bool = False
    model_id: str = ""
    name: str = ""

    # fields that must match for a checkpoint to be resumed
    ARCH_FIELDS = ("size", "latent", "base", "batch", "seed")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatentTrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class TrainResult:
    """What a finished run returns: the model, its folder, the loss history
    (``[{"epoch", "step", "losses"}]``), the epoch it started from (0 = fresh)."""

    model: Any
    out: Path
    history: list[dict[str, Any]] = field(default_factory=list)
    start_epoch: int = 0
    epochs: int = 0
    seconds: float = 0.0


# --- pictures -----------------------------------------------------------------------


def make_grid(images: np.ndarray, cols: int = 8, pad: int = 2) -> np.ndarray:
    """Tile images ``(n, H, W, 3)`` into one float32 RGB image with ``pad`` px gaps."""
    n, h, w, _ = images.shape
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    grid = np.ones((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), np.float32)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        grid[y : y + h, x : x + w] = im
    return grid


def save_rgb(image: np.ndarray, path: Path) -> None:
    """Save a float RGB image in [0, 1] as an 8-bit PNG (atomically)."""
    from PIL import Image

    tmp = path.with_name(path.name + ".tmp.png")
    Image.fromarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)).save(tmp)
    tmp.replace(path)


_COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14)]


def draw_loss_curve(history: list[dict[str, Any]], path: Path, size: tuple[int, int] = (640, 360)) -> None:
    """Draw every loss in ``history`` against the step (one panel per loss, own y-axis)
    with Pillow and save it as a PNG."""
    from PIL import Image, ImageDraw

    names = sorted({k for h in history for k in h["losses"]})
    w, h = size
    im = Image.new("RGB", (w, max(1, len(names)) * h // max(1, min(len(names), 2))), "white")
    d = ImageDraw.Draw(im)
    panel_h = im.height // max(1, len(names))
    steps = [hh["step"] for hh in history]
    x0, x1 = 60, w - 15
    smin, smax = (min(steps), max(steps)) if steps else (0, 1)
    for p, name in enumerate(names):
        top = p * panel_h
        y0, y1 = top + 20, top + panel_h - 25
        pts = [(hh["step"], hh["losses"][name]) for hh in history if name in hh["losses"]]
        vals = [v for _, v in pts if math.isfinite(v)]
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        d.rectangle((x0, y0, x1, y1), outline=(120, 120, 120))
        d.text((x0, top + 4), f"{name}  (last {vals[-1]:.4g})" if vals else name, fill=(0, 0, 0))
        d.text((4, y0), f"{hi:.3g}", fill=(80, 80, 80))
        d.text((4, y1 - 10), f"{lo:.3g}", fill=(80, 80, 80))
        d.text((x0, y1 + 4), f"step {smin}", fill=(80, 80, 80))
        d.text((x1 - 70, y1 + 4), f"step {smax}", fill=(80, 80, 80))
        xy = [
            (x0 + (x1 - x0) * (s - smin) / max(1, smax - smin), y1 - (y1 - y0) * (v - lo) / (hi - lo))
            for s, v in pts if math.isfinite(v)
        ]
        if len(xy) > 1:
            d.line(xy, fill=_COLOURS[p % len(_COLOURS)], width=2)
        elif xy:
            d.ellipse((xy[0][0] - 2, xy[0][1] - 2, xy[0][0] + 2, xy[0][1] + 2),
                      fill=_COLOURS[p % len(_COLOURS)])
    tmp = path.with_name(path.name + ".tmp.png")
    im.save(tmp)
    tmp.replace(path)


# --- data ---------------------------------------------------------------------------


def _load_data(data: str | Path | np.ndarray, config: LatentTrainConfig) -> np.ndarray:
    from ml.data.image_folder import load_image_folder

    if isinstance(data, np.ndarray):
        arr = data
        if arr.ndim != 4 or arr.shape[-1] != 3:
            raise EngineError(f"training images must be (n, H, W, 3), got shape {arr.shape}")
        if arr.dtype != np.uint8:
            arr = (np.clip(arr, 0, 1) * 255 + 0.5).astype(np.uint8)
        if arr.shape[1:3] != (config.size, config.size):
            from PIL import Image

            arr = np.stack([np.asarray(Image.fromarray(a).resize((config.size, config.size),
                                                                 Image.LANCZOS)) for a in arr])
        if arr.shape[0] < config.min_images:
            raise EngineError(f"only {arr.shape[0]} training images; at least "
                              f"{config.min_images} are needed")
        return arr
    return load_image_folder(data, config.size, config.min_images)


class _Batches:
    """Deterministic shuffled batches (per epoch from the seed) with random flips."""

    def __init__(self, images: np.ndarray, config: LatentTrainConfig, device: str) -> None:
        import torch

        self.data = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
        self.config = config
        self.device = device
        n = images.shape[0]
        self.per_epoch = max(1, n // config.batch) if n >= config.batch else 1

    def epoch(self, epoch: int, start: int = 0):
        import torch

        c = self.config
        rng = np.random.default_rng([c.seed, epoch])
        order = rng.permutation(self.data.shape[0])
        flips = rng.random(self.data.shape[0]) < 0.5
        for b in range(start, self.per_epoch):
            idx = order[b * c.batch : (b + 1) * c.batch]
            x = self.data[torch.from_numpy(idx)].to(self.device).float().div_(255)
            if c.flip:
                f = torch.from_numpy(flips[idx]).to(self.device)
                x = torch.where(f[:, None, None, None], x.flip(3), x)
            yield b, x


# --- the loop -----------------------------------------------------------------------


def _fixed_images(images: np.ndarray, k: int = 8) -> np.ndarray:
    idx = np.linspace(0, images.shape[0] - 1, k).astype(int)
    return images[idx].astype(np.float32) / 255


def _train(
    kind: str,
    data: str | Path | np.ndarray,
    out: str | Path,
    config: LatentTrainConfig | None,
    ctx: RunContext | None,
) -> TrainResult:
    import torch

    from ml.latent.io import save_latent_model
    from ml.train.checkpoint import load_checkpoint, save_checkpoint

    config = config or LatentTrainConfig()
    ctx = ctx or RunContext()
    out = Path(out)
    if config.threads:
        torch.set_num_threads(config.threads)
    images = _load_data(data, config)
    device = ctx.device
    torch.manual_seed(config.seed)
    lr = config.lr or (1e-3 if kind == "vae" else 2e-4)

    model_id = config.model_id or out.name or kind
    name = config.name or f"{kind.upper()} trained on {Path(str(data)).name if not isinstance(data, np.ndarray) else 'images'}"
    if kind == "vae":
        from ml.archs.vae import vae_loss
        from ml.latent.models import VAELatentModel

        model = VAELatentModel.from_config(
            {"resolution": config.size, "latent_dim": config.latent, "base": config.base},
            model_id=model_id, name=name)
        nets = {"vae": model.net}
        opts = {"vae": torch.optim.Adam(model.net.parameters(), lr=lr)}
    elif kind == "gan":
        from ml.archs.dcgan import Discriminator, GANConfig, d_loss, g_loss
        from ml.latent.models import GANLatentModel

        gcfg = {"resolution": config.size, "latent_dim": config.latent, "g_base": config.base,
                "d_base": config.base}
        model = GANLatentModel.from_config(gcfg, model_id=model_id, name=name)
        disc = Discriminator(GANConfig(**gcfg))
        nets = {"generator": model.generator, "discriminator": disc}
        opts = {k: torch.optim.Adam(v.parameters(), lr=lr, betas=(0.5, 0.999)) for k, v in nets.items()}
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    for net in nets.values():
        net.to(device)
    model._device = str(torch.device(device))

    batches = _Batches(images, config, device)
    ckpt_path = out / CHECKPOINT_NAME
    state = load_checkpoint(ckpt_path)
    epoch, start_batch, history = 0, 0, []
    if state is not None:
        saved = LatentTrainConfig.from_dict(state.get("config", {}))
        if state.get("kind") != kind:
            raise EngineError(f"{ckpt_path} is a {state.get('kind')} run, not {kind}; "
                              f"choose another output folder")
        diff = [f for f in LatentTrainConfig.ARCH_FIELDS if getattr(saved, f) != getattr(config, f)]
        if diff:
            raise EngineError(f"{ckpt_path} was trained with other settings "
                              f"({', '.join(f'{f}={getattr(saved, f)}' for f in diff)}); "
                              f"use the same ones or another output folder")
        try:
            for k, net in nets.items():
                net.load_state_dict(state["nets"][k])
                opts[k].load_state_dict(state["opts"][k])
        except (KeyError, RuntimeError, ValueError) as exc:
            raise EngineError(f"{ckpt_path} does not match this model ({exc})") from None
        epoch, start_batch = int(state["epoch"]), int(state["batch"])
        history = list(state.get("history", []))
        torch.set_rng_state(state["torch_rng"])
    start_epoch = epoch
    fixed_z = torch.from_numpy(model.sample(16, seed=config.seed + 1)).to(device)
    fixed_x = torch.from_numpy(_fixed_images(images)).permute(0, 3, 1, 2).to(device)
    total = config.epochs * batches.per_epoch
    warm = max(1.0, config.kl_warmup_epochs * batches.per_epoch)

    def snapshot() -> np.ndarray:
        for net in nets.values():
            net.eval()
        with torch.no_grad():
            if kind == "vae":
                rec = model.net.decode(model.net.encode(fixed_x)[0])
                pics = torch.cat([fixed_x, rec, model.net.decode(fixed_z)])
            else:
                pics = model.generator(fixed_z)
        for net in nets.values():
            net.train()
        return make_grid(pics.clamp(0, 1).permute(0, 2, 3, 1).float().cpu().numpy())

    def checkpoint(ep: int, b: int) -> None:
        save_checkpoint(ckpt_path, {
            "kind": kind, "epoch": ep, "batch": b, "config": asdict(config),
            "nets": {k: v.state_dict() for k, v in nets.items()},
            "opts": {k: v.state_dict() for k, v in opts.items()},
            "history": history, "torch_rng": torch.get_rng_state(),
        })

    started = time.perf_counter()
    window: dict[str, list[float]] = {}
    for net in nets.values():
        net.train()
    b = start_batch
    try:
        while epoch < config.epochs:
            for b, x in batches.epoch(epoch, start_batch):
                ctx.cancel.check()
                step = epoch * batches.per_epoch + b + 1
                if kind == "vae":
                    recon, mu, logvar = model.net(x)
                    beta = config.kl_weight * min(1.0, step / warm)
                    loss, parts = vae_loss(recon, x, mu, logvar, beta)
                    opts["vae"].zero_grad(set_to_none=True)
                    loss.backward()
                    opts["vae"].step()
                else:
                    z = torch.randn(x.shape[0], config.latent, device=device)
                    fake = model.generator(z)
                    ld = d_loss(disc(x), disc(fake.detach()))
                    opts["discriminator"].zero_grad(set_to_none=True)
                    ld.backward()
                    opts["discriminator"].step()
                    lg = g_loss(disc(fake))
                    opts["generator"].zero_grad(set_to_none=True)
                    lg.backward()
                    opts["generator"].step()
                    parts = {"d": ld.item(), "g": lg.item()}
                for k, v in parts.items():
                    window.setdefault(k, []).append(v)
                last = b == batches.per_epoch - 1
                if step % config.report_every == 0 or last:
                    losses = {k: float(np.mean(v)) for k, v in window.items()}
                    window = {}
                    history.append({"epoch": epoch + 1, "step": step, "losses": losses})
                    text = " ".join(f"{k} {v:.4g}" for k, v in losses.items())
                    ctx.report(step / total, f"epoch {epoch + 1}/{config.epochs}, step "
                               f"{step}/{total}: {text}",
                               payload={"epoch": epoch + 1, "step": step, "losses": losses,
                                        "samples": snapshot()})
            epoch += 1
            start_batch = 0
            b = 0
            _end_of_epoch(kind, model, images, config, history, started, epoch)
            save_latent_model(model, out, half=config.half)
            save_rgb(snapshot(), out / SAMPLES_NAME)
            draw_loss_curve(history, out / LOSSES_NAME)
            checkpoint(epoch, 0)
    except (Cancelled, KeyboardInterrupt):
        checkpoint(epoch, b)  # resume at the batch that did not finish
        raise
    for net in nets.values():
        net.eval()
    if state is not None and start_epoch >= config.epochs and not (out / "model.json").is_file():
        save_latent_model(model, out, half=config.half)
    from ml.latent.io import load_latent_model

    final = load_latent_model(out, device=device) if (out / "model.json").is_file() else model
    return TrainResult(final, out, history, start_epoch, epoch, time.perf_counter() - started)


def _end_of_epoch(kind: str, model: Any, images: np.ndarray, config: LatentTrainConfig,
                  history: list[dict[str, Any]], started: float, epoch: int) -> None:
    """Principal directions and the info block, recomputed after every epoch."""
    for m in model.modules().values():
        m.eval()
    idx = np.random.default_rng(config.seed).permutation(images.shape[0])[:2000]
    if kind == "vae":
        lat = model.encode(images[idx].astype(np.float32) / 255)
        model.compute_principal(lat, k=min(10, model.latent_dim))
        model.fit_prior(lat)
        model.info["latent_std"] = [float(s) for s in lat.std(axis=0)]
    else:
        model.compute_principal(k=min(10, model.latent_dim))
    model.info.update({
        "trained_epochs": epoch, "train_images": int(images.shape[0]),
        "train_config": asdict(config),
        "final_losses": history[-1]["losses"] if history else {},
    })
    for m in model.modules().values():
        m.train()


def train_vae(
    data: str | Path | np.ndarray,
    out: str | Path,
    config: LatentTrainConfig | None = None,
    ctx: RunContext | None = None,
) -> TrainResult:
    """Train (or resume training) a :class:`ml.latent.models.VAELatentModel` on ``data``
    (a folder of images or uint8 ``(n, S, S, 3)``), writing the model folder ``out``."""
    return _train("vae", data, out, config, ctx)


def train_gan(
    data: str | Path | np.ndarray,
    out: str | Path,
    config: LatentTrainConfig | None = None,
    ctx: RunContext | None = None,
) -> TrainResult:
    """Train (or resume training) a DCGAN (:class:`ml.latent.models.GANLatentModel`);
    otherwise like :func:`train_vae` (``config.latent`` is the noise size)."""
    return _train("gan", data, out, config, ctx)


# --- command line -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main` (for a CLI that embeds it)."""
    p = argparse.ArgumentParser(prog="retouch train", description="Train a latent model.")
    p.add_argument("kind", choices=("vae", "gan"))
    p.add_argument("data", help="folder of training images")
    p.add_argument("--out", required=True, help="model folder (resumes if it has a checkpoint)")
    p.add_argument("--size", type=int, choices=(64, 128), default=64)
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.0, help="0 = the default per model kind")
    p.add_argument("--base", type=int, default=32, help="channel width")
    p.add_argument("--kl-weight", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--half", action="store_true", help="store fp16 weights")
    p.add_argument("--name", default="")
    p.add_argument("--id", default="", dest="model_id")
    p.add_argument("--report-every", type=int, default=50)
    return p


def main(argv: list[str] | None = None) -> int:
    """Command line: train, printing one progress line per report; 0 on success."""
    args = build_parser().parse_args(argv)
    config = LatentTrainConfig.from_dict(vars(args))
    start = time.perf_counter()

    def progress(p: Any) -> None:
        sys.stdout.write(f"[{p.fraction * 100:5.1f}%] {p.stage} ({time.perf_counter() - start:.0f}s)\n")
        sys.stdout.flush()

    ctx = RunContext(progress=progress, device=args.device)
    try:
        result = (train_vae if args.kind == "vae" else train_gan)(args.data, args.out, config, ctx)
    except EngineError as exc:
        sys.stderr.write(f"train {args.kind}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"interrupted; run the same command again to resume from {args.out}\n")
        return 130
    sys.stdout.write(f"saved {result.out} ({result.epochs} epochs, {result.seconds:.0f}s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
