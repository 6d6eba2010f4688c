"""Latent-space image models behind one interface (the ``latent`` task's ML side).

* :mod:`ml.latent.base` — :class:`~ml.latent.base.LatentModel` (sample, decode, encode,
  named and principal directions) and :class:`~ml.latent.base.Direction`;
* :mod:`ml.latent.models` — the VAE and DCGAN implementations;
* :mod:`ml.latent.io` — :func:`~ml.latent.io.load_latent_model` /
  :func:`~ml.latent.io.save_latent_model` (safetensors weights + a small JSON);
* :mod:`ml.latent.apply` — putting an edit back into a photo region;
* :mod:`ml.latent.builtin` — the shipped cartoon-face VAE;
* :mod:`ml.latent.judge` — attribute regressors used to evaluate directions.

Images follow the engine convention (float32 RGB in [0, 1]) with a leading batch axis:
``(n, H, W, 3)``; latents are float32 ``(n, latent_dim)``. Nothing here imports Qt.
"""
