"""Network architectures we write ourselves (community checkpoints load through spandrel).

* :mod:`ml.archs.sr_small` -- ``SRSmall``, the built-in super-resolution CNN trained by
  :mod:`ml.train.sr`; ``load_sr_small(path)`` reads its safetensors file.
"""
