"""Learn named attribute directions in a latent model's space (InterFaceGAN-style).

For each attribute a linear model is fitted on latents: ridge-regularised linear
regression for a numeric attribute (the direction is the unit normal of its iso-value
hyperplane, towards larger values); for a binary one (0/1) logistic regression is fitted
for its accuracy and the direction is the difference of the class means (on separable
latents a logistic normal can be an arbitrary thin-margin plane that does not carry one
class onto the other). *Conditional* directions project the other attributes' normals out, so moving
along "smile" keeps the predicted glasses, hair… unchanged (to first order).

* :func:`learn_directions` — from images (encoded with the model) or latents + labels;
* :func:`direction_from_groups` — one named direction from two groups of images
  (with / without the attribute);
* :func:`save_directions` / :func:`load_directions` — a directions JSON file;
* :func:`main` — ``python -m ml.train.directions MODEL LABELS.csv --out FILE``.

numpy only (no scikit-learn).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ml.latent.base import Direction, LatentModel, latent_scale
from ml.types import EngineError, RunContext

DIRECTIONS_FORMAT = "retouch-latent-directions"


def fit_linear(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> tuple[np.ndarray, float, float]:
    """Ridge regression ``y ≈ x·w + b``; returns ``(w, b, R²)`` (R² on the same data).

    ``l2`` is relative to the mean feature variance, so it does not depend on scale."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    mx, my = x.mean(axis=0), y.mean()
    xc = x - mx
    lam = l2 * float(np.mean(xc.var(axis=0))) * x.shape[0]
    w = np.linalg.solve(xc.T @ xc + lam * np.eye(x.shape[1]), xc.T @ (y - my))
    pred = xc @ w + my
    var = float(y.var())
    r2 = 1.0 - float(np.mean((pred - y) ** 2)) / var if var > 0 else 0.0
    return w, float(my - mx @ w), r2


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-2, iters: int = 30
) -> tuple[np.ndarray, float, float]:
    """L2-regularised logistic regression by Newton's method (IRLS); returns
    ``(w, b, accuracy)``. ``y`` holds 0/1; ``l2`` is relative like :func:`fit_linear`."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    mx = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-12] = 1.0
    xs = np.hstack([(x - mx) / sd, np.ones((x.shape[0], 1))])
    reg = l2 * x.shape[0] * np.eye(xs.shape[1])
    reg[-1, -1] = 0.0
    w = np.zeros(xs.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(xs @ w, -30, 30)))
        grad = xs.T @ (p - y) + reg @ w
        hess = (xs * (p * (1 - p))[:, None]).T @ xs + reg + 1e-9 * np.eye(xs.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    acc = float(np.mean(((xs @ w) > 0) == (y > 0.5)))
    coef = w[:-1] / sd
    return coef, float(w[-1] - mx @ coef), acc


def _project_out(v: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    if not others:
        return v
    n = np.stack(others, axis=1)  # (d, k)
    q, _ = np.linalg.qr(n)
    out = v - q @ (q.T @ v)
    return out if np.linalg.norm(out) > 1e-6 * np.linalg.norm(v) else v


def _latents(model: LatentModel, data: np.ndarray, ctx: RunContext | None) -> np.ndarray:
    a = np.asarray(data)
    if a.ndim == 2:
        if a.shape[1] != model.latent_dim:
            raise EngineError(f"latents have size {a.shape[1]}; {model.name} uses {model.latent_dim}")
        return a.astype(np.float32)
    if a.ndim == 4:
        if a.dtype == np.uint8:
            a = a.astype(np.float32) / 255
        return model.encode(a, ctx)
    raise EngineError(f"expected images (n, H, W, 3) or latents (n, d), got shape {a.shape}")


def learn_directions(
    model: LatentModel,
    images_or_latents: np.ndarray,
    labels: dict[str, np.ndarray],
    conditional: bool = True,
    ctx: RunContext | None = None,
    l2: float = 1e-2,
) -> dict[str, Direction]:
    """One :class:`Direction` per label column (insertion order kept).

    ``images_or_latents``: images ``(n, H, W, 3)`` (float in [0, 1] or uint8; encoded
    with ``model.encode``) or latents ``(n, d)``. ``labels``: name → ``(n,)`` values; a
    column of only 0/1 is binary (logistic regression), anything else numeric (ridge);
    NaN = unknown (those rows are left out for that attribute). A binary attribute's
    direction is the difference of its class means (the logistic fit gives its
    ``fit_accuracy``); a numeric one's is the regression normal. ``conditional``: project
    the other attributes' normals out of each direction. ``scale`` of each direction =
    the std of the latents along it. ``metrics``: ``fit_r2`` or ``fit_accuracy``."""
    from ml.data.labels import is_binary

    z = _latents(model, images_or_latents, ctx)
    if not labels:
        raise EngineError("no attributes to learn directions for")
    raw: dict[str, np.ndarray] = {}
    metrics: dict[str, dict[str, float]] = {}
    for name, values in labels.items():
        y = np.asarray(values, np.float64).reshape(-1)
        if y.shape[0] != z.shape[0]:
            raise EngineError(f"attribute {name!r} has {y.shape[0]} values for {z.shape[0]} images")
        keep = ~np.isnan(y)
        if keep.sum() < 4:
            raise EngineError(f"attribute {name!r} has fewer than 4 known values")
        if float(np.std(y[keep])) == 0:
            raise EngineError(f"attribute {name!r} has the same value everywhere")
        if is_binary(y):
            # the classifier's accuracy is reported; the direction is the difference of
            # the class means: on separable data a logistic normal can be any separating
            # plane (often a thin margin), the mean difference carries one class onto
            # the other within the ±2 std slider range
            _, _, acc = fit_logistic(z[keep], y[keep], l2)
            zk, yk = z[keep].astype(np.float64), y[keep]
            w = zk[yk > 0.5].mean(axis=0) - zk[yk <= 0.5].mean(axis=0)
            metrics[name] = {"fit_accuracy": acc}
        else:
            w, _, r2 = fit_linear(z[keep], y[keep], l2)
            metrics[name] = {"fit_r2": r2}
        if not np.all(np.isfinite(w)) or np.linalg.norm(w) == 0:
            raise EngineError(f"could not fit a direction for {name!r}")
        raw[name] = w / np.linalg.norm(w)
    out: dict[str, Direction] = {}
    for name, v in raw.items():
        others = [u for k, u in raw.items() if k != name] if conditional else []
        vec = _project_out(v, others)
        out[name] = Direction(
            name, vec, latent_scale(z, vec), "attribute", name.replace("_", " ").capitalize(),
            tuple(k for k in raw if k != name) if conditional else (), metrics[name],
        )
    return out


def model_scale(model: LatentModel, vector: np.ndarray) -> float:
    """The latent std along ``vector`` implied by the model: the training latents' per-
    dimension std (``info["latent_std"]``, written by the VAE trainer) or the N(0, I)
    prior's 1.0."""
    std = model.info.get("latent_std")
    v = np.asarray(vector, np.float64)
    v = v / np.linalg.norm(v)
    if std is not None and len(std) == v.size:
        return float(np.sqrt(np.sum((v * np.asarray(std, np.float64)) ** 2)))
    return 1.0


def direction_from_groups(
    model: LatentModel,
    with_attribute: np.ndarray,
    without_attribute: np.ndarray,
    name: str,
    ctx: RunContext | None = None,
) -> Direction:
    """A direction from two groups of images (or latents): towards ``with_attribute``.

    The difference of the group means (with a handful of images per group a fitted
    classifier mostly fits noise; the mean difference is what it tends to under strong
    regularisation). ``metrics``: ``fit_accuracy`` (groups split at the midpoint along
    the direction) and the group sizes; ``scale`` from :func:`model_scale`."""
    a = _latents(model, with_attribute, ctx)
    b = _latents(model, without_attribute, ctx)
    if a.shape[0] < 1 or b.shape[0] < 1:
        raise EngineError("both groups need at least one image")
    w = a.astype(np.float64).mean(axis=0) - b.astype(np.float64).mean(axis=0)
    if not np.all(np.isfinite(w)) or np.linalg.norm(w) < 1e-8:
        raise EngineError(f"the two groups for {name!r} cannot be told apart")
    u = w / np.linalg.norm(w)
    mid = 0.5 * (a.mean(axis=0) + b.mean(axis=0)) @ u
    acc = float((np.sum(a @ u > mid) + np.sum(b @ u <= mid)) / (a.shape[0] + b.shape[0]))
    return Direction(name, u, model_scale(model, u), "attribute", name.replace("_", " ").capitalize(),
                     (), {"fit_accuracy": acc, "with": float(a.shape[0]), "without": float(b.shape[0])})


def save_directions(path: str | Path, model: LatentModel, directions: dict[str, Direction]) -> Path:
    """Write directions as JSON (with the model id and latent size they belong to)."""
    path = Path(path)
    data = {"format": DIRECTIONS_FORMAT, "model_id": model.id, "latent_dim": model.latent_dim,
            "directions": [d.to_dict() for d in directions.values()]}
    try:
        from ml.latent.io import write_json

        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, data)
    except OSError as exc:
        raise EngineError(f"could not write {path}: {exc.strerror or exc}") from None
    return path


def load_directions(path: str | Path, model: LatentModel | None = None) -> dict[str, Direction]:
    """Read a directions JSON; with ``model``, refuse one made for another latent size."""
    from ml.latent.io import read_tagged_json

    path = Path(path)
    data = read_tagged_json(path, DIRECTIONS_FORMAT, "directions file")
    if model is not None and int(data.get("latent_dim", -1)) != model.latent_dim:
        raise EngineError(f"{path} is for {data.get('latent_dim')}-dimensional latents; "
                          f"{model.name} has {model.latent_dim}")
    try:
        return {d["name"]: Direction.from_dict(d) for d in data.get("directions", [])}
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"{path}: damaged direction ({exc})") from None


def learn_from_csv(
    model: LatentModel,
    labels_csv: str | Path,
    image_dir: str | Path | None = None,
    conditional: bool = True,
    columns: Sequence[str] | None = None,
    ctx: RunContext | None = None,
) -> dict[str, Direction]:
    """:func:`learn_directions` on the images and labels a ``labels.csv`` names."""
    from ml.data.image_folder import load_files
    from ml.data.labels import read_labels

    files, labels = read_labels(labels_csv, image_dir)
    if columns:
        missing = [c for c in columns if c not in labels]
        if missing:
            raise EngineError(f"{labels_csv} has no column(s) {', '.join(missing)}")
        labels = {c: labels[c] for c in columns}
    images = load_files(files, model.resolution).astype(np.float32) / 255
    return learn_directions(model, images, labels, conditional, ctx)


def report(directions: Iterable[Direction], out: str | Path) -> None:
    """The command-line summary of learned directions: scale and fit metrics of each."""
    for d in directions:
        fit = ", ".join(f"{k} {v:.3f}" for k, v in d.metrics.items())
        sys.stdout.write(f"{d.name}: scale {d.scale:.3f} ({fit})\n")
    sys.stdout.write(f"saved {out}\n")


def main(argv: list[str] | None = None) -> int:
    """``retouch train directions MODEL LABELS.csv --out FILE [--images DIR] [--raw]
    [--columns a,b] [--into-model]``; 0 on success."""
    from ml.latent.io import load_latent_model, save_latent_model

    p = argparse.ArgumentParser(prog="retouch train directions",
                                description="Learn attribute directions from labelled images.")
    p.add_argument("model", help="latent model folder")
    p.add_argument("labels", help="CSV: column 'file' + one column per attribute")
    p.add_argument("--out", required=True, help="directions JSON to write")
    p.add_argument("--images", default=None, help="image folder (default: the CSV's folder)")
    p.add_argument("--raw", action="store_true", help="no conditioning on the other attributes")
    p.add_argument("--columns", default="", help="comma-separated subset of attributes")
    p.add_argument("--into-model", action="store_true", help="also store them in the model")
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    try:
        model = load_latent_model(args.model, device=args.device)
        cols = [c.strip() for c in args.columns.split(",") if c.strip()] or None
        dirs = learn_from_csv(model, args.labels, args.images, not args.raw, cols,
                              RunContext(device=args.device))
        save_directions(args.out, model, dirs)
        if args.into_model:
            model.set_directions({**model.directions, **dirs})
            save_latent_model(model, args.model, half=True)
    except EngineError as exc:
        sys.stderr.write(f"train directions: {exc}\n")
        return 1
    report(dirs.values(), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
