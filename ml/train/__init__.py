"""Training scripts for the models we ship ourselves.

* ``python -m ml.train.prep_sr_data`` -- write the training photos (scikit-image's
  bundled public-domain/CC0 photos, optionally Debian lomiri-wallpapers' CC BY/CC0 photos)
  and the held-out evaluation photos to folders;
* ``python -m ml.train.sr`` -- train an :class:`ml.archs.sr_small.SRSmall` or
  :class:`ml.archs.sr_res.SRRes` and evaluate it (Y-channel PSNR/SSIM vs PIL bicubic) on
  held-out photos;
* ``python -m ml.train.sr_report`` -- compare SR model files against bicubic on the
  held-out photos: a markdown table and a contact sheet.

A trainer is also a job run function, ``train(config, ctx: RunContext)``: it checks the
cancel token between steps, reports progress with a payload (step, loss, learning rate)
and, given a checkpoint path, saves its whole state through :mod:`ml.train.checkpoint`
every N steps and when cancelled, and resumes from it -- so the editor runs it in the
background lane of :mod:`editor.jobs` and a cancelled run continues where it stopped.
"""
