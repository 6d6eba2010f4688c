"""Evaluate a latent model on labelled faces: reconstruction PSNR and direction edits.

``python -m ml.latent.evaluate MODEL --heldout DIR --judge-data DIR [--out metrics.json]``

* PSNR: ``decode(encode(x))`` against held-out images ``x`` (8-bit quantised, mean of
  per-image PSNR, dB);
* the judge (:class:`ml.latent.judge.AttributeJudge`, ridge regression on 32×32 pixels)
  is fitted on the ``--judge-data`` faces *and* the model's reconstructions of them
  (both with the faces' labels, so it reads crisp and blurred faces alike), and its R² is reported on the reconstructions of the held-out faces;
* each named direction: edits ``z + 2·scale·d`` (and −2) of the held-out latents,
  :func:`ml.latent.judge.edit_effects` (success rate, effect, drift of the others).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ml.latent.base import LatentModel
from ml.types import EngineError


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two float images in [0, 1] after 8-bit quantisation."""
    qa = np.round(np.clip(a, 0, 1) * 255)
    qb = np.round(np.clip(b, 0, 1) * 255)
    mse = float(np.mean((qa - qb) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)


def reconstruction_psnr(model: LatentModel, images: np.ndarray) -> float:
    """Mean per-image PSNR of ``decode(encode(images))`` (images float in [0, 1])."""
    rec = model.decode(model.encode(images))
    return float(np.mean([psnr(r, x) for r, x in zip(rec, images)]))


def evaluate(
    model: LatentModel,
    heldout: np.ndarray,
    heldout_labels: dict[str, np.ndarray],
    judge_images: np.ndarray,
    judge_labels: dict[str, np.ndarray],
    amount: float = 2.0,
) -> dict[str, Any]:
    """All metrics as a JSON-ready dict (see the module docstring)."""
    from ml.data.labels import is_binary
    from ml.latent.judge import AttributeJudge, edit_effects

    judge_rec = model.decode(model.encode(judge_images))
    both = {k: np.concatenate([v, v]) for k, v in judge_labels.items()}
    judge = AttributeJudge().fit(np.concatenate([judge_images, judge_rec]), both)
    z = model.encode(heldout)
    rec = model.decode(z)
    out: dict[str, Any] = {
        "psnr_db": float(np.mean([psnr(r, x) for r, x in zip(rec, heldout)])),
        "heldout_images": int(heldout.shape[0]),
        "judge": {"kind": "ridge regression on 32x32 pixels, fitted on faces + their reconstructions",
                  "fit_images": int(judge_images.shape[0]),
                  "r2_on_heldout_reconstructions": judge.r2(rec, heldout_labels),
                  "r2_on_heldout_originals": judge.r2(heldout, heldout_labels)},
        "directions": {},
    }
    for name, d in model.directions.items():
        if name not in judge.names:
            continue
        binary = is_binary(np.asarray(heldout_labels[name]))
        plus = edit_effects(model, judge, z, d, amount, binary=binary)
        minus = edit_effects(model, judge, z, d, -amount, binary=binary)
        out["directions"][name] = {"plus": plus, "minus": minus, "scale": d.scale}
    return out


def _load_set(folder: str | Path, size: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from ml.data.image_folder import load_files
    from ml.data.labels import read_labels

    files, labels = read_labels(Path(folder) / "labels.csv")
    return load_files(files, size).astype(np.float32) / 255, labels


def main(argv: list[str] | None = None) -> int:
    """Command line; prints a short table and writes the JSON with ``--out``."""
    from ml.latent.io import load_latent_model

    p = argparse.ArgumentParser(description="Evaluate a latent model on labelled faces.")
    p.add_argument("model")
    p.add_argument("--heldout", required=True, help="folder with images + labels.csv")
    p.add_argument("--judge-data", required=True, help="folder with images + labels.csv")
    p.add_argument("--judge-n", type=int, default=2000)
    p.add_argument("--amount", type=float, default=2.0)
    p.add_argument("--out", default="")
    args = p.parse_args(argv)
    try:
        model = load_latent_model(args.model)
        held, held_labels = _load_set(args.heldout, model.resolution)
        jimg, jlab = _load_set(args.judge_data, model.resolution)
    except EngineError as exc:
        sys.stderr.write(f"evaluate: {exc}\n")
        return 1
    n = min(args.judge_n, jimg.shape[0])
    metrics = evaluate(model, held, held_labels, jimg[:n], {k: v[:n] for k, v in jlab.items()},
                       args.amount)
    sys.stdout.write(f"PSNR {metrics['psnr_db']:.2f} dB on {metrics['heldout_images']} faces\n")
    for name, m in metrics["directions"].items():
        sys.stdout.write(
            f"{name:11s} +{args.amount:g}: success {m['plus']['success']:.3f} effect "
            f"{m['plus']['effect']:+.2f} drift {m['plus']['drift']:.3f} (max "
            f"{m['plus']['drift_max']:.3f}) | -{args.amount:g}: success "
            f"{m['minus']['success']:.3f} drift {m['minus']['drift']:.3f}\n")
    if args.out:
        Path(args.out).write_text(json.dumps(metrics, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
