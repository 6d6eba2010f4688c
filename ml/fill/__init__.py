"""Built-in fills that need no model download (numpy + OpenCV only).

* :func:`ml.fill.patchmatch.patchmatch_fill` -- multi-scale PatchMatch completion
  (Wexler et al. 2007, Barnes et al. 2009): copies whole patches of the surroundings into
  the hole, so textures and straight edges carry across it. A ``FillFn`` for
  :func:`ml.engines.inpaint.fill_patch`.
"""

from __future__ import annotations

from ml.fill.patchmatch import PatchMatchSettings, make_patchmatch_fill, patchmatch_fill

__all__ = ["PatchMatchSettings", "make_patchmatch_fill", "patchmatch_fill"]
