"""Built-in (no download) style helpers, numpy + OpenCV only, no torch.

* :mod:`ml.style.color` -- colour transfer in Oklab with strength, "preserve luminance"
  and gamut-safe chroma compression;
* :mod:`ml.style.paint` -- the classical painterly stylisation (edge-preserving
  Kuwahara regions, the style's palette, brush-stroke texture along the image's edges).

Images follow :mod:`ml.types`: float32 RGB HWC in [0, 1].
"""
