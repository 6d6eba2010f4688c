"""StyleGAN2 FFHQ behind the latent-model interface, W+ flattened.

The latent of a :class:`PortraitModel` is a W+ code, ``(n_latent, style_dim)`` rows
flattened to ``latent_dim = n_latent · style_dim`` (18 × 512 = 9216 for the FFHQ 1024
model), so every part of :mod:`ml.latent` (directions, ``edit``, ``apply_delta``) and the
editor's latent session work on it unchanged. :meth:`PortraitModel.encode` runs the e4e
encoder when one is installed, otherwise optimisation (:mod:`ml.portrait.invert`).

Checkpoints (loaded with ``torch.load(weights_only=True)`` through
:func:`ml.loading.load_state_dict`; a pickle that carries code is refused):

* generator — rosinality's ``{"g_ema": state_dict, "latent_avg": (512,), "g": …, "d": …}``
  (only ``g_ema`` and ``latent_avg`` are read; size and widths come from the weights);
* e4e — ``{"state_dict": {"encoder.*", "decoder.*"}, "latent_avg", "opts"}``; its W+ row
  count must match the generator's (an encoder for 1024 px does not fit a 256 px model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ml.latent.base import Direction, LatentModel
from ml.types import EngineError, RunContext

#: the model store ids of the portrait pack (resources/catalog/portrait.toml)
GENERATOR_ID = "stylegan2-ffhq-1024"
ENCODER_ID = "e4e-ffhq-encode"
INTERFACEGAN_IDS = {"age": "e4e-direction-age", "smile": "e4e-direction-smile",
                    "pose": "e4e-direction-pose"}
GANSPACE_ID = "ganspace-ffhq-pca"
PACK_IDS = (GENERATOR_ID, ENCODER_ID, *INTERFACEGAN_IDS.values(), GANSPACE_ID)


class PortraitModel(LatentModel):
    """A StyleGAN2 generator (+ optional e4e encoder); latents are flattened W+ codes."""

    arch = "stylegan2"

    def __init__(self, generator: Any, latent_avg: Any, encoder: Any = None,
                 encoder_avg: Any = None, model_id: str = GENERATOR_ID,
                 name: str = "StyleGAN2 FFHQ", device: str = "cpu") -> None:
        import torch

        self.generator = generator
        self.encoder = encoder
        d = generator.config.style_dim
        avg = torch.as_tensor(latent_avg, dtype=torch.float32).reshape(-1, d)
        self.latent_avg = avg[:1].reshape(d)
        eavg = None if encoder_avg is None else torch.as_tensor(encoder_avg, dtype=torch.float32)
        if eavg is not None:
            eavg = eavg.reshape(-1, d)
            if eavg.shape[0] == 1:
                eavg = eavg.repeat(generator.n_latent, 1)
        self.encoder_avg = eavg
        #: steps of the optimisation inversion (when no encoder is installed)
        self.invert_steps = 100
        super().__init__(model_id, name, device)

    # --- LatentModel ----------------------------------------------------------------------

    @property
    def n_latent(self) -> int:
        return int(self.generator.n_latent)

    @property
    def style_dim(self) -> int:
        return int(self.generator.config.style_dim)

    @property
    def latent_dim(self) -> int:
        return self.n_latent * self.style_dim

    @property
    def resolution(self) -> int:
        return int(self.generator.size)

    def modules(self) -> dict[str, Any]:
        mods = {"generator": self.generator}
        if self.encoder is not None:
            mods["encoder"] = self.encoder
        return mods

    def config_dict(self) -> dict[str, Any]:
        return self.generator.config.to_dict()

    def wplus(self, z: Any) -> Any:
        """Torch ``(n, latent_dim)`` → ``(n, n_latent, style_dim)``."""
        return z.reshape(z.shape[0], self.n_latent, self.style_dim)

    def _decode_t(self, z: Any, max_res: int | None = None) -> Any:
        img = self.generator.synthesis(self.wplus(z), max_res)
        return (img + 1) / 2

    def _prior(self, n: int, generator: Any) -> Any:
        import torch

        z = torch.randn(n, self.style_dim, generator=generator)
        with torch.no_grad():
            w = self.generator.mapping(z.to(self._device)).cpu()
        return w[:, None].repeat(1, self.n_latent, 1).reshape(n, -1)

    def average_latent(self) -> np.ndarray:
        """The mean face's W+ (``latent_avg`` on every row), float32 ``(latent_dim,)``."""
        return self.latent_avg.repeat(self.n_latent).numpy().astype(np.float32)

    def decode_at(self, z: np.ndarray, max_res: int | None = None) -> np.ndarray:
        """Like :meth:`decode`, stopping at ``max_res`` px (a quick, coarser preview)."""
        import torch

        z = self.check_latents(z)
        with torch.inference_mode():
            t = torch.from_numpy(z).to(self._device)
            img = self._decode_t(t, max_res).clamp(0, 1).permute(0, 2, 3, 1)
            return img.float().cpu().numpy()

    def encode(self, images: np.ndarray, ctx: RunContext | None = None,
               steps: int | None = None) -> np.ndarray:
        """W+ codes ``(n, latent_dim)`` of aligned face crops: e4e when installed (one
        forward pass), otherwise :func:`ml.portrait.invert.invert` (``steps`` Adam steps)."""
        if self.encoder is not None:
            return self.encode_e4e(images, ctx)
        from ml.portrait.invert import invert

        return invert(self, images, ctx, steps=steps or self.invert_steps)

    def encode_e4e(self, images: np.ndarray, ctx: RunContext | None = None) -> np.ndarray:
        """e4e's W+ for aligned crops (resized to 256², scaled to [−1, 1])."""
        import torch
        import torch.nn.functional as F

        from ml.archs.e4e import INPUT_SIZE

        if self.encoder is None:
            raise EngineError("no e4e encoder is installed")
        ctx = ctx or RunContext()
        ctx.report(0.0, "encoding (e4e)")
        a = np.asarray(images, np.float32)
        a = a[None] if a.ndim == 3 else a
        t = torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).to(self._device)
        if t.shape[-1] != INPUT_SIZE or t.shape[-2] != INPUT_SIZE:
            mode = "area" if t.shape[-1] > INPUT_SIZE else "bilinear"
            t = F.interpolate(t, size=(INPUT_SIZE, INPUT_SIZE), mode=mode)
        with torch.inference_mode():
            w = self.encoder(t * 2 - 1)
            if self.encoder_avg is not None:
                w = w + self.encoder_avg.to(w.device)
        ctx.report(1.0, "encoding (e4e)")
        return w.reshape(w.shape[0], -1).float().cpu().numpy()

    def to(self, device: str) -> PortraitModel:
        super().to(device)
        return self

    # --- directions --------------------------------------------------------------------

    def add_directions(self, directions: list[Direction]) -> None:
        """Add directions (checked for size) after the ones the model has."""
        self.set_directions({**self.directions, **{d.name: d for d in directions}})


# --- loading ---------------------------------------------------------------------------


def _checkpoint(path: str | Path, what: str) -> dict:
    from ml.loading import ModelFileError, load_state_dict

    try:
        return load_state_dict(path)
    except ModelFileError as exc:
        raise EngineError(f"the {what} cannot be loaded: {exc}") from None


def load_generator_file(path: str | Path, expect_size: int | None = None) -> tuple[Any, Any]:
    """``(Generator, latent_avg)`` from a rosinality checkpoint; EngineError naming the
    file when it is something else, or (``expect_size``) a generator of another size."""
    import torch

    from ml.archs.stylegan2 import CheckpointMismatch, load_generator

    ckpt = _checkpoint(path, "StyleGAN2 generator")
    state = ckpt.get("g_ema")
    if not isinstance(state, dict):
        keys = ", ".join(sorted(str(k) for k in ckpt)[:6])
        raise EngineError(f"{path} is not a rosinality StyleGAN2 checkpoint: it has no "
                          f"'g_ema' generator (keys: {keys or 'none'})")
    try:
        gen = load_generator(state)
    except (CheckpointMismatch, ValueError) as exc:
        raise EngineError(f"{path}: the StyleGAN2 weights do not fit ({exc})") from None
    if expect_size is not None and gen.size != expect_size:
        raise EngineError(f"{path} is a {gen.size} px StyleGAN2 ({gen.n_latent} W+ layers); "
                          f"{expect_size} px ({2 * int(np.log2(expect_size)) - 2} layers) is "
                          "needed here")
    avg = ckpt.get("latent_avg")
    if avg is None:
        avg = gen.mean_latent()
    avg = torch.as_tensor(avg, dtype=torch.float32)
    if avg.numel() % gen.config.style_dim:
        raise EngineError(f"{path}: latent_avg has {avg.numel()} values, not a multiple of "
                          f"{gen.config.style_dim}")
    return gen, avg


def load_encoder_file(path: str | Path, generator: Any) -> tuple[Any, Any]:
    """``(Encoder4Editing, latent_avg or None)`` from a pSp/e4e checkpoint, checked
    against ``generator`` (same W+ rows and style size)."""
    from ml.archs.e4e import encoder_state, load_encoder
    from ml.archs.stylegan2 import CheckpointMismatch

    ckpt = _checkpoint(path, "e4e encoder")
    try:
        enc = load_encoder(encoder_state(ckpt))
    except CheckpointMismatch as exc:
        raise EngineError(f"{path}: not an e4e encoder checkpoint ({exc})") from None
    if enc.n_latent != generator.n_latent or enc.style_dim != generator.config.style_dim:
        size = 2 ** ((enc.n_latent + 2) // 2)
        raise EngineError(
            f"{path}: this e4e encoder was trained for a {size} px generator ({enc.n_latent} "
            f"W+ layers of {enc.style_dim}); the installed StyleGAN2 is {generator.size} px "
            f"({generator.n_latent} layers of {generator.config.style_dim})")
    opts = ckpt.get("opts") if isinstance(ckpt.get("opts"), dict) else {}
    avg = ckpt.get("latent_avg") if opts.get("start_from_latent_avg", True) else None
    return enc, avg


def load_portrait(generator_path: str | Path, encoder_path: str | Path | None = None,
                  device: str = "cpu", expect_size: int | None = None,
                  model_id: str = GENERATOR_ID) -> PortraitModel:
    """A :class:`PortraitModel` from a generator file (and an e4e file)."""
    gen, avg = load_generator_file(generator_path, expect_size)
    enc = eavg = None
    if encoder_path is not None:
        enc, eavg = load_encoder_file(encoder_path, gen)
    name = f"StyleGAN2 FFHQ ({gen.size} px{', e4e' if enc is not None else ''})"
    model = PortraitModel(gen, avg, enc, eavg, model_id=model_id, name=name, device="cpu")
    model.info = {"size": gen.size, "n_latent": gen.n_latent, "encoder": enc is not None,
                  "licence": "NVIDIA Source Code License-NC (non-commercial)"}
    return model.to(device)


def load_from_store(device: str = "cpu", store: Any = None) -> PortraitModel:
    """The installed portrait pack: the generator, the e4e encoder if installed and every
    installed direction file (plus the user's direction files, see
    :func:`ml.portrait.directions.user_directions`). EngineUnavailable when the generator
    is not installed; a direction that does not fit is left out and named in
    ``model.info["skipped"]``."""
    from ml.portrait.directions import store_directions
    from ml.store import ModelStore, missing_models
    from ml.types import EngineUnavailable

    store = store or ModelStore()
    reason = missing_models((GENERATOR_ID,), store)
    if reason:
        raise EngineUnavailable(f"the StyleGAN2 FFHQ generator is {reason}")
    enc_path = store.path(ENCODER_ID) if store.installed(ENCODER_ID) else None
    model = load_portrait(store.path(GENERATOR_ID), enc_path, device)
    dirs, skipped = store_directions(model, store)
    model.add_directions(dirs)
    model.info["skipped"] = skipped
    return model
