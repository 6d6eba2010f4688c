"""The two latent model families: a VAE (has an encoder) and a DCGAN (inversion only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ml.latent.base import Direction, LatentModel
from ml.types import RunContext


class VAELatentModel(LatentModel):
    """A :class:`ml.archs.vae.ConvVAE` behind the :class:`LatentModel` interface.

    :meth:`encode` returns the posterior mean (one forward pass); :meth:`invert` can
    refine it by optimisation (``init=model.encode(images)``)."""

    arch = "latent-vae"

    def __init__(self, net: Any, model_id: str = "vae", name: str = "VAE", device: str = "cpu") -> None:
        self.net = net
        super().__init__(model_id, name, device)

    @classmethod
    def from_config(cls, config: dict[str, Any], **kwargs: Any) -> VAELatentModel:
        """A freshly initialised model from an architecture config dict."""
        from ml.archs.vae import ConvVAE, VAEConfig

        return cls(ConvVAE(VAEConfig(**config)), **kwargs)

    @property
    def latent_dim(self) -> int:
        return self.net.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.net.config.resolution

    def modules(self) -> dict[str, Any]:
        return {"vae": self.net}

    def config_dict(self) -> dict[str, Any]:
        return self.net.config.to_dict()

    def _decode_t(self, z: Any) -> Any:
        return self.net.decode(z)

    def fit_prior(self, latents: np.ndarray) -> None:
        """Sample from a Gaussian fitted to ``latents`` (the training images' posterior
        means: "ex-post density estimation", Ghosh et al. 2020) instead of N(0, I),
        which a VAE's aggregate posterior rarely fills; stored in :attr:`info`."""
        lat = np.asarray(latents, np.float64)
        if lat.ndim != 2 or lat.shape[1] != self.latent_dim or lat.shape[0] < 2:
            raise ValueError("fit_prior needs latents of shape (n, latent_dim), n >= 2")
        self.info["prior_mean"] = [float(x) for x in lat.mean(axis=0)]
        cov = np.cov(lat, rowvar=False) + 1e-6 * np.eye(self.latent_dim)
        self.info["prior_chol"] = np.linalg.cholesky(cov).tolist()

    def _prior(self, n: int, generator: Any) -> Any:
        import torch

        eps = torch.randn(n, self.latent_dim, generator=generator)
        mean, chol = self.info.get("prior_mean"), self.info.get("prior_chol")
        if mean is None or chol is None:
            return eps
        return eps @ torch.tensor(chol, dtype=torch.float32).T + torch.tensor(mean, dtype=torch.float32)

    def encode(self, images: np.ndarray, ctx: RunContext | None = None, batch: int = 64) -> np.ndarray:
        """Posterior means ``(n, d)`` of the images (reports progress per batch)."""
        import torch

        ctx = ctx or RunContext()
        n = np.asarray(images).shape[0] if np.asarray(images).ndim == 4 else 1
        out = np.empty((n, self.latent_dim), np.float32)
        arr = np.asarray(images, np.float32).reshape((n, *np.asarray(images).shape[-3:]))
        with torch.inference_mode():
            for i in range(0, n, batch):
                ctx.report(i / n, "encoding")
                mu, _ = self.net.encode(self._images_t(arr[i : i + batch]))
                out[i : i + batch] = mu.float().cpu().numpy()
        ctx.report(1.0, "encoding")
        return out


class GANLatentModel(LatentModel):
    """A DCGAN generator behind the :class:`LatentModel` interface; :meth:`encode` is
    optimisation-based inversion (:meth:`LatentModel.invert`). Principal directions
    follow GANSpace: PCA of the generator's first feature map, carried back to ``z`` by
    linear regression."""

    arch = "latent-dcgan"

    def __init__(self, generator: Any, model_id: str = "dcgan", name: str = "DCGAN",
                 device: str = "cpu") -> None:
        self.generator = generator
        super().__init__(model_id, name, device)

    @classmethod
    def from_config(cls, config: dict[str, Any], **kwargs: Any) -> GANLatentModel:
        """A freshly initialised generator from an architecture config dict."""
        from ml.archs.dcgan import GANConfig, Generator

        return cls(Generator(GANConfig(**config)), **kwargs)

    @property
    def latent_dim(self) -> int:
        return self.generator.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.generator.config.resolution

    def modules(self) -> dict[str, Any]:
        return {"generator": self.generator}

    def config_dict(self) -> dict[str, Any]:
        return self.generator.config.to_dict()

    def _decode_t(self, z: Any) -> Any:
        return self.generator(z)

    def encode(self, images: np.ndarray, ctx: RunContext | None = None, steps: int = 200) -> np.ndarray:
        """Latents by optimisation (``steps`` Adam steps; progress and cancel via ctx)."""
        return self.invert(images, ctx, steps=steps)

    def compute_principal(
        self, latents: np.ndarray | None = None, k: int = 10, n: int = 2000, seed: int = 0
    ) -> list[Direction]:
        """GANSpace: PCA of the stem features of ``n`` sampled (or the given) latents;
        each component becomes the ``z`` direction that linearly predicts its
        coordinate; ``scale`` = the std of the latents along that direction."""
        import torch

        from ml.latent.base import latent_scale

        z = latents if latents is not None else self.sample(n, seed)
        with torch.inference_mode():
            feats = self.generator.features(torch.from_numpy(z).to(self._device))
            h = feats.flatten(1).float().cpu().numpy().astype(np.float64)
        h -= h.mean(axis=0)
        _, _, vt = np.linalg.svd(h, full_matrices=False)
        k = min(k, vt.shape[0])
        coords = h @ vt[:k].T  # (n, k)
        zc = z.astype(np.float64) - z.mean(axis=0)
        # z ≈ coords @ B: B[i] is the z direction that moves component i
        b, *_ = np.linalg.lstsq(coords, zc, rcond=None)
        out = []
        for i in range(k):
            v = b[i]
            if v[np.argmax(np.abs(v))] < 0:
                v = -v
            out.append(Direction(f"pc{i + 1}", v, latent_scale(z, v), "principal", f"Principal {i + 1}"))
        self.principal = out
        return out
