"""The portrait pack: a real face in a real photo edited through StyleGAN2 FFHQ.

* :mod:`ml.portrait.model` — :class:`~ml.portrait.model.PortraitModel`, the StyleGAN2
  generator (:mod:`ml.archs.stylegan2`, rosinality's ``.pt``) behind the
  :class:`ml.latent.base.LatentModel` interface with W+ flattened into the latent vector
  (``n_latent × 512``), plus the optional e4e encoder (:mod:`ml.archs.e4e`);
  :func:`~ml.portrait.model.load_portrait` reads the files, ``load_from_store`` finds them
  in the model store;
* :mod:`ml.portrait.invert` — optimisation-based inversion into W+ (when no e4e encoder is
  installed, or to refine one), with progress, preview and cancel;
* :mod:`ml.portrait.directions` — the e4e InterFaceGAN directions, GANSpace components
  with their layer ranges, and Retouch direction files (``ml.train.directions``);
* :mod:`ml.portrait.pipeline` — detect → align → invert → edit → paste back (numpy in/out).

Every generator found for this is licensed for non-commercial use only (NVIDIA Source
Code License-NC): nothing here is bundled; the user installs it from the model store.
No Qt, no editor imports.
"""
