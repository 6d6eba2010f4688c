"""Edit directions for the portrait model's W+ space, as :class:`ml.latent.base.Direction`.

* InterFaceGAN (e4e's ``editings/interfacegan_directions/*.pt``): a tensor ``(1, 512)``
  (a W direction, added to every W+ row: age, smile) or ``(1, 18, 512)`` (W+: pose). e4e
  edits ``w + factor · direction``; here the flattened vector is normalised and its length
  becomes the direction's ``scale``, so one slider unit is ``factor = 1``.
* GANSpace (``ffhq_pca.pt``: ``mean (1, 512)``, ``comp (80, 1, 512)``, ``std (80,)``): the
  named edits of :data:`GANSPACE_EDITS` — component ``k`` on the W+ rows ``start:end``
  only; one unit is one standard deviation (``std[k]``) along it. GANSpace's own edit
  sets an absolute coordinate; this one moves relative to the inverted face.
* Retouch direction files (``ml.train.directions.save_directions``, part 1's tool) in
  :func:`user_directions_dir`: used where their latent size is ``style_dim`` (broadcast
  to every row) or the whole W+.

A direction whose shape does not fit the installed generator (e.g. pose's 18 rows on a
256 px model with 14) is skipped with a reason, never silently reshaped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ml.latent.base import Direction
from ml.types import EngineError

#: GANSpace edits shipped with e4e for FFHQ: name → (component, first row, end row)
GANSPACE_EDITS: dict[str, tuple[int, int, int]] = {
    "eye_openness": (54, 7, 8),
    "smile_gs": (46, 4, 5),
    "age_gs": (20, 6, 7),
    "yaw": (1, 0, 18),
    "gender": (0, 0, 18),
    "glasses": (12, 0, 4),
    "white_hair": (57, 7, 10),
}
GANSPACE_LABELS = {"eye_openness": "Eye openness", "smile_gs": "Smile (GANSpace)",
                   "age_gs": "Age (GANSpace)", "yaw": "Yaw", "gender": "Gender",
                   "glasses": "Glasses", "white_hair": "White hair"}
INTERFACEGAN_LABELS = {"age": "Age", "smile": "Smile", "pose": "Pose"}
#: where the user's direction files for the portrait model live (under the data dir)
USER_FOLDER = "portrait-directions"


def _tensor(obj: Any, what: str) -> np.ndarray:
    try:
        import torch

        if isinstance(obj, torch.Tensor):
            return obj.detach().float().cpu().numpy()
        return np.asarray(obj, np.float32)
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{what}: not a tensor ({exc})") from None


def wplus_vector(raw: np.ndarray, n_latent: int, style_dim: int, rows: slice | None = None,
                 what: str = "direction") -> np.ndarray:
    """A W (``style_dim``) or W+ (``n_latent × style_dim``) direction as a flat W+ vector;
    ``rows`` limits a W direction to those W+ rows (zeros elsewhere)."""
    v = np.asarray(raw, np.float32).reshape(-1)
    out = np.zeros((n_latent, style_dim), np.float32)
    if v.size == style_dim:
        out[rows if rows is not None else slice(None)] = v
    elif v.size == n_latent * style_dim and rows is None:
        out[:] = v.reshape(n_latent, style_dim)
    else:
        rows_of = v.size // style_dim if v.size % style_dim == 0 else None
        shape = f"{rows_of} W+ rows" if rows_of else f"{v.size} values"
        raise EngineError(f"{what} has {shape}; the generator has {n_latent} rows of "
                          f"{style_dim}")
    return out.reshape(-1)


def interfacegan_direction(data: Any, name: str, n_latent: int, style_dim: int) -> Direction:
    """One e4e InterFaceGAN direction (a tensor, or the file's dict holding one)."""
    if isinstance(data, dict):
        tensors = [v for v in data.values() if hasattr(v, "shape")]
        if len(tensors) != 1:
            raise EngineError(f"{name}: expected one direction tensor, found {len(tensors)}")
        data = tensors[0]
    v = wplus_vector(_tensor(data, name), n_latent, style_dim, what=f"the {name} direction")
    norm = float(np.linalg.norm(v))
    return Direction(name, v, norm, "attribute", INTERFACEGAN_LABELS.get(name, name.title()))


def ganspace_directions(data: dict, n_latent: int, style_dim: int,
                        edits: dict[str, tuple[int, int, int]] | None = None
                        ) -> tuple[list[Direction], list[str]]:
    """The GANSpace edits that fit ``n_latent`` rows: ``(directions, skipped reasons)``."""
    try:
        comp = _tensor(data["comp"], "GANSpace comp").reshape(-1, style_dim)
        std = _tensor(data["std"], "GANSpace std").reshape(-1)
    except (KeyError, ValueError) as exc:
        raise EngineError(f"not a GANSpace PCA file (needs comp and std: {exc})") from None
    out, skipped = [], []
    for name, (k, start, end) in (edits or GANSPACE_EDITS).items():
        if k >= comp.shape[0]:
            skipped.append(f"{name}: component {k} missing (the file has {comp.shape[0]})")
            continue
        end = min(end, n_latent)
        if start >= end:
            skipped.append(f"{name}: rows {start}–{end} lie beyond the generator's "
                           f"{n_latent} W+ rows")
            continue
        v = wplus_vector(comp[k], n_latent, style_dim, slice(start, end), f"GANSpace {name}")
        scale = float(std[k]) * float(np.linalg.norm(v)) / max(float(np.linalg.norm(comp[k])),
                                                                1e-12)
        out.append(Direction(name, v, scale if scale > 0 else 1.0, "attribute",
                             GANSPACE_LABELS.get(name, name), metrics={"component": float(k),
                             "first_row": float(start), "end_row": float(end)}))
    return out, skipped


def user_directions_dir() -> Path:
    """``$RETOUCH_DATA_DIR/portrait-directions`` (else the per-user data dir's)."""
    from ml.store import DATA_ENV_VAR

    data = os.environ.get(DATA_ENV_VAR)
    if data:
        return Path(data).expanduser() / USER_FOLDER
    from platformdirs import user_data_dir

    return Path(user_data_dir("Retouch", appauthor=False)) / USER_FOLDER


def user_directions(n_latent: int, style_dim: int, folder: Path | None = None
                    ) -> tuple[list[Direction], list[str]]:
    """Directions from Retouch direction files (``*.json``) whose size fits."""
    from ml.train.directions import load_directions

    folder = folder or user_directions_dir()
    out, skipped = [], []
    if not folder.is_dir():
        return out, skipped
    for path in sorted(folder.glob("*.json")):
        try:
            found = load_directions(path)
        except EngineError as exc:
            skipped.append(str(exc))
            continue
        for d in found.values():
            try:
                v = wplus_vector(d.vector * d.scale, n_latent, style_dim,
                                 what=f"{path.name}: {d.name}")
            except EngineError as exc:
                skipped.append(str(exc))
                continue
            out.append(Direction(d.name, v, float(np.linalg.norm(v)), d.kind, d.label,
                                 d.conditioned_on, d.metrics))
    return out, skipped


def store_directions(model: Any, store: Any) -> tuple[list[Direction], list[str]]:
    """Every installed direction file of the pack that fits ``model``, then the user's."""
    from ml.loading import ModelFileError, load_state_dict
    from ml.portrait.model import GANSPACE_ID, INTERFACEGAN_IDS

    n, d = model.n_latent, model.style_dim
    out: list[Direction] = []
    skipped: list[str] = []
    for name, mid in INTERFACEGAN_IDS.items():
        if not store.installed(mid):
            continue
        try:
            out.append(interfacegan_direction(_load_any(store.path(mid)), name, n, d))
        except (EngineError, ModelFileError) as exc:
            skipped.append(f"{name}: {exc}")
    if store.installed(GANSPACE_ID):
        try:
            found, why = ganspace_directions(load_state_dict(store.path(GANSPACE_ID)), n, d)
            out += found
            skipped += why
        except (EngineError, ModelFileError) as exc:
            skipped.append(f"GANSpace: {exc}")
    found, why = user_directions(n, d)
    return out + found, skipped + why


def _load_any(path: Path) -> Any:
    """A direction file: a bare tensor (torch.save(tensor)) or a dict of tensors, read with
    ``torch.load(weights_only=True)``."""
    import pickle
    import warnings

    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(str(path), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"{path}: not a plain tensor file ({first[:200]})") from None
