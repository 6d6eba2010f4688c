"""Network architectures we write ourselves (community checkpoints load through spandrel).

* :mod:`ml.archs.sr_small` -- ``SRSmall``, the built-in super-resolution CNN trained by
  :mod:`ml.train.sr`; ``load_sr_small(path)`` reads its safetensors file, and
  ``load_sr_model(path)`` reads any built-in SR file (sr-small or sr-res);
* :mod:`ml.archs.sr_res` -- ``SRRes``, the stronger built-in SR CNN: sr-small's stem plus
  residual blocks, grown from a trained sr-small (``SRRes.grown_from``).
"""
