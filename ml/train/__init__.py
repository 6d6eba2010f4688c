"""Training scripts for the models we ship ourselves.

* ``python -m ml.train.prep_sr_data`` -- write the training photos (scikit-image's
  bundled public-domain/CC0 photos) and the held-out evaluation photos to folders;
* ``python -m ml.train.sr`` -- train an :class:`ml.archs.sr_small.SRSmall` and evaluate it
  (Y-channel PSNR/SSIM vs PIL bicubic) on held-out photos.
"""
