"""The interface every latent model implements, and named directions in its latent space.

A :class:`LatentModel` maps latents ``z`` (float32 ``(n, d)``) to square RGB images
(float32 ``(n, S, S, 3)`` in [0, 1], ``S`` = :attr:`LatentModel.resolution`) and back:

* :meth:`~LatentModel.sample` — latents from the prior, deterministic from a seed;
* :meth:`~LatentModel.decode` — images from latents;
* :meth:`~LatentModel.encode` — latents from images (an encoder where the model has one,
  otherwise :meth:`~LatentModel.invert`, optimisation with progress and cancel);
* :attr:`~LatentModel.directions` — named attribute directions (``"smile"`` …) and
  :attr:`~LatentModel.principal` — principal directions (GANSpace-style PCA), each a
  :class:`Direction` whose ``scale`` is the latent standard deviation along it, so an
  edit ``z + amount · scale · vector`` with ``amount`` in ±3 is a natural slider range.

Torch is used inside; inputs and outputs are numpy. ``device`` is a torch device string.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ml.types import EngineError, RunContext


@dataclass(frozen=True)
class Direction:
    """A unit direction in latent space with a name and a natural step size.

    ``vector``: float32 ``(d,)``, unit length. ``scale``: the standard deviation of the
    latents along it (one slider unit). ``kind``: ``"attribute"`` (learned from labels)
    or ``"principal"`` (PCA). ``label``: text for a slider. ``conditioned_on``: the
    attributes whose directions were projected out (conditional directions).
    ``metrics``: optional evaluation numbers (e.g. ``{"success": 0.97}``).
    """

    name: str
    vector: np.ndarray
    scale: float = 1.0
    kind: str = "attribute"
    label: str = ""
    conditioned_on: tuple[str, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        v = np.asarray(self.vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(v))
        if not math.isfinite(norm) or norm == 0:
            raise ValueError(f"direction {self.name!r} has no length")
        object.__setattr__(self, "vector", v / norm)
        object.__setattr__(self, "conditioned_on", tuple(self.conditioned_on))

    @property
    def title(self) -> str:
        """The slider text: ``label`` or the name with underscores as spaces."""
        return self.label or self.name.replace("_", " ")

    def apply(self, z: np.ndarray, amount: float) -> np.ndarray:
        """``z + amount · scale · vector`` (``amount`` in standard deviations)."""
        return (np.asarray(z, np.float32) + np.float32(amount * self.scale) * self.vector).astype(
            np.float32
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the inverse of :meth:`from_dict`)."""
        return {
            "name": self.name,
            "vector": [float(x) for x in self.vector],
            "scale": float(self.scale),
            "kind": self.kind,
            "label": self.label,
            "conditioned_on": list(self.conditioned_on),
            "metrics": {k: float(v) for k, v in self.metrics.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Direction:
        """Rebuild a direction from :meth:`to_dict` output; ValueError when malformed."""
        return cls(
            name=str(data["name"]),
            vector=np.asarray(data["vector"], dtype=np.float32),
            scale=float(data.get("scale", 1.0)),
            kind=str(data.get("kind", "attribute")),
            label=str(data.get("label", "")),
            conditioned_on=tuple(data.get("conditioned_on", ())),
            metrics={k: float(v) for k, v in dict(data.get("metrics", {})).items()},
        )


def latent_scale(latents: np.ndarray, vector: np.ndarray) -> float:
    """Standard deviation of ``latents`` projected on ``vector`` (1.0 when undefined)."""
    proj = np.asarray(latents, np.float64) @ (np.asarray(vector, np.float64) / np.linalg.norm(vector))
    std = float(proj.std()) if proj.size > 1 else 0.0
    return std if std > 1e-8 else 1.0


def pca_directions(
    latents: np.ndarray, k: int = 10, prefix: str = "pc"
) -> list[Direction]:
    """The top ``k`` principal directions of ``latents`` ``(n, d)`` (largest variance
    first); ``scale`` = the standard deviation along each. Sign: the larger loading is
    positive, so the result does not depend on the SVD's arbitrary sign."""
    x = np.asarray(latents, np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError("PCA needs at least two latents of shape (n, d)")
    x = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    out = []
    for i in range(min(k, vt.shape[0])):
        v = vt[i]
        if v[np.argmax(np.abs(v))] < 0:
            v = -v
        std = float(s[i] / math.sqrt(x.shape[0] - 1))
        out.append(Direction(f"{prefix}{i + 1}", v, std if std > 1e-8 else 1.0, "principal",
                             f"Principal {i + 1}"))
    return out


def _as_batch(images: np.ndarray) -> np.ndarray:
    a = np.asarray(images, dtype=np.float32)
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[-1] != 3:
        raise EngineError(f"expected RGB images (n, H, W, 3), got shape {a.shape}")
    return a


class LatentModel(ABC):
    """A generative model with a latent space: sample, decode, encode, directions.

    Subclasses set :attr:`arch` and implement :meth:`_decode_t`, :meth:`_prior` and
    :meth:`encode`; :meth:`config_dict` / :meth:`weights` feed :mod:`ml.latent.io`.

    Attributes: ``id`` (stable model id, stored in layer metadata), ``name`` (for
    people), ``directions`` (named attribute directions, insertion-ordered),
    ``principal`` (principal directions, largest variance first), ``info`` (free-form
    provenance/metrics from the model file).
    """

    arch: ClassVar[str] = ""

    def __init__(self, model_id: str, name: str, device: str = "cpu") -> None:
        self.id = model_id
        self.name = name
        self.directions: dict[str, Direction] = {}
        self.principal: list[Direction] = []
        self.info: dict[str, Any] = {}
        self._device = "cpu"
        self.to(device)

    # --- what subclasses provide -------------------------------------------------------

    @property
    @abstractmethod
    def latent_dim(self) -> int:
        """Size of a latent vector."""

    @property
    @abstractmethod
    def resolution(self) -> int:
        """Native (square) image size in pixels."""

    @abstractmethod
    def modules(self) -> dict[str, Any]:
        """The torch modules that make up the model, by name (moved by :meth:`to`)."""

    @abstractmethod
    def _decode_t(self, z: Any) -> Any:
        """Torch: latents ``(n, d)`` → images ``(n, 3, S, S)`` in [0, 1] (differentiable)."""

    @abstractmethod
    def config_dict(self) -> dict[str, Any]:
        """The architecture config (JSON-ready) that rebuilds the modules."""

    @abstractmethod
    def encode(self, images: np.ndarray, ctx: RunContext | None = None) -> np.ndarray:
        """Latents ``(n, d)`` for images ``(n, H, W, 3)`` (any size: resized to the
        model's resolution, centre-cropped to a square first when not square)."""

    def _prior(self, n: int, generator: Any) -> Any:
        import torch

        return torch.randn(n, self.latent_dim, generator=generator)

    # --- shared behaviour --------------------------------------------------------------

    @property
    def device(self) -> str:
        """The torch device the modules live on ("cpu", "cuda", "mps", …)."""
        return self._device

    def to(self, device: str) -> LatentModel:
        """Move the modules to ``device``; returns self. EngineError if it is not usable."""
        import torch

        try:
            dev = torch.device(device)
            for m in self.modules().values():
                m.to(dev).eval()
        except (RuntimeError, AssertionError) as exc:
            raise EngineError(f"cannot use the device {device!r}: {exc}") from None
        self._device = str(dev)
        return self

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` latents from the model's prior (float32 ``(n, d)``), the same for the same
        seed; N(0, I) unless the model fitted its own (see ``VAELatentModel.fit_prior``)."""
        import torch

        g = torch.Generator().manual_seed(int(seed))
        return self._prior(int(n), g).numpy().astype(np.float32)

    def decode(self, z: np.ndarray, batch: int = 64) -> np.ndarray:
        """Images float32 ``(n, S, S, 3)`` RGB in [0, 1] for latents ``(n, d)`` (or ``(d,)``)."""
        import torch

        z = self.check_latents(z)
        out = np.empty((z.shape[0], self.resolution, self.resolution, 3), np.float32)
        with torch.inference_mode():
            for i in range(0, z.shape[0], batch):
                zt = torch.from_numpy(z[i : i + batch]).to(self._device)
                img = self._decode_t(zt).clamp(0, 1).permute(0, 2, 3, 1)
                out[i : i + batch] = img.float().cpu().numpy()
        return out

    def edit(self, z: np.ndarray, amounts: dict[str, float]) -> np.ndarray:
        """``z`` moved by ``amounts`` (direction name → standard deviations); names are
        looked up in :attr:`directions`, then among :attr:`principal` (``pc1`` …)."""
        out = np.array(self.check_latents(z), copy=True)
        pcs = {d.name: d for d in self.principal}
        for name, amount in amounts.items():
            d = self.directions.get(name) or pcs.get(name)
            if d is None:
                raise EngineError(f"{self.name} has no direction named {name!r}")
            out = d.apply(out, amount)
        return out

    def invert(
        self,
        images: np.ndarray,
        ctx: RunContext | None = None,
        steps: int = 200,
        lr: float = 0.05,
        init: np.ndarray | None = None,
        prior_weight: float = 1e-3,
    ) -> np.ndarray:
        """Latents found by optimisation: minimise the pixel MSE of ``decode(z)`` to the
        images (plus ``prior_weight`` × mean ``z²``), Adam for ``steps`` steps from
        ``init`` (default: the best of 16 prior samples per image). Progress and cancel
        through ``ctx`` every step (:class:`ml.types.Cancelled` when cancelled)."""
        import torch

        ctx = ctx or RunContext()
        target = self._images_t(images)
        n = target.shape[0]
        with torch.no_grad():
            if init is None:
                cand = torch.from_numpy(self.sample(16, seed=0)).to(self._device)
                imgs = self._decode_t(cand)
                err = ((imgs[None] - target[:, None]) ** 2).flatten(2).mean(2)  # (n, 16)
                start = cand[err.argmin(1)]
            else:
                start = torch.from_numpy(self.check_latents(init)).to(self._device)
                if start.shape[0] != n:
                    raise EngineError(f"init has {start.shape[0]} latents for {n} images")
        z = start.clone().requires_grad_(True)
        opt = torch.optim.Adam([z], lr=lr)
        from ml.torch_helpers import frozen

        with frozen(self.modules().values()), torch.enable_grad():
            for step in range(steps):
                ctx.report(step / max(1, steps), "inverting")
                loss = ((self._decode_t(z) - target) ** 2).mean() + prior_weight * (z**2).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        ctx.report(1.0, "inverting")
        return z.detach().float().cpu().numpy().astype(np.float32)

    def compute_principal(
        self, latents: np.ndarray | None = None, k: int = 10, n: int = 2000, seed: int = 0
    ) -> list[Direction]:
        """Principal directions from ``latents`` (e.g. encoded training images) or from
        ``n`` prior samples; stores them in :attr:`principal` and returns them."""
        source = latents if latents is not None else self.sample(n, seed)
        self.principal = pca_directions(source, k)
        return self.principal

    def set_directions(self, directions: dict[str, Direction] | list[Direction]) -> None:
        """Replace the named attribute directions (checking their size)."""
        items = directions.values() if isinstance(directions, dict) else directions
        checked: dict[str, Direction] = {}
        for d in items:
            if d.vector.shape != (self.latent_dim,):
                raise EngineError(
                    f"direction {d.name!r} has {d.vector.size} values; {self.name} has "
                    f"{self.latent_dim}-dimensional latents"
                )
            checked[d.name] = d
        self.directions = checked

    # --- helpers -----------------------------------------------------------------------

    def check_latents(self, z: np.ndarray) -> np.ndarray:
        """``z`` as contiguous float32 ``(n, d)`` (a single ``(d,)`` becomes ``(1, d)``);
        EngineError for a wrong size or non-finite values."""
        a = np.asarray(z, dtype=np.float32)
        if a.ndim == 1:
            a = a[None]
        if a.ndim != 2 or a.shape[1] != self.latent_dim:
            raise EngineError(
                f"{self.name} takes latents of size {self.latent_dim}, got shape {a.shape}"
            )
        if not np.all(np.isfinite(a)):
            raise EngineError("latents contain NaN or infinite values")
        return np.ascontiguousarray(a)

    def _images_t(self, images: np.ndarray) -> Any:
        """Images → torch ``(n, 3, S, S)`` on the device: centre-crop, area/bilinear resize."""
        import torch
        import torch.nn.functional as F

        a = _as_batch(images)
        h, w = a.shape[1:3]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        a = a[:, top : top + side, left : left + side]
        t = torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).to(self._device)
        if side > self.resolution:  # shrink: box average (exact for integer factors)
            t = F.interpolate(t, size=(self.resolution, self.resolution), mode="area")
        elif side < self.resolution:
            t = F.interpolate(t, size=(self.resolution, self.resolution), mode="bilinear",
                              align_corners=False)
        return t.clamp(0, 1)
