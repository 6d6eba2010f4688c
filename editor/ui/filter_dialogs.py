"""Filter ▸ Gaussian Blur, Sharpen (Unsharp Mask) and Noise Reduction: the ordinary
(non-AI) filters, on the same preview/Reset/OK base as the adjustments
(:class:`editor.ui.adjust_preview.AdjustDialog`), so they preview on the canvas, apply to
the active layer within the selection (reading context pixels around it) and land as one
undo step, in 8 and 16 bit. Registered in the Filter menu on import."""

from __future__ import annotations

from functools import partial

from editor.document.adjust import denoise, filter_margin, gaussian_blur, unsharp_mask
from editor.ui.adjust_dialogs import _SlidersDialog
from editor.ui.adjust_preview import PixelFunc, open_dialog
from editor.ui.filters import FilterAction, register_filter


class GaussianBlurDialog(_SlidersDialog):
    title = "Gaussian Blur…"
    SLIDERS = (("radius", "Radius (σ, px)", 0, 100, 2.0, 1),)

    def make(self, v: dict[str, float]) -> PixelFunc:
        return partial(gaussian_blur, radius=v["radius"])

    def func(self) -> PixelFunc | None:
        # The default radius is a useful blur, not a no-op: only 0 does nothing.
        return None if self.values()["radius"] == 0 else self.make(self.values())

    def margin(self) -> int:
        return filter_margin(self.values()["radius"])


class UnsharpMaskDialog(_SlidersDialog):
    title = "Sharpen (Unsharp Mask)…"
    SLIDERS = (("amount", "Amount (%)", 0, 500, 100, 0),
               ("radius", "Radius (px)", 0.1, 50, 1.0, 1),
               ("threshold", "Threshold (levels)", 0, 255, 0, 0))

    def make(self, v: dict[str, float]) -> PixelFunc:
        return partial(unsharp_mask, amount=v["amount"] / 100, radius=v["radius"],
                       threshold=v["threshold"] / 255)

    def func(self) -> PixelFunc | None:
        return None if self.values()["amount"] == 0 else self.make(self.values())

    def margin(self) -> int:
        return filter_margin(self.values()["radius"])


class NoiseReductionDialog(_SlidersDialog):
    """Edge-preserving guided filter (:func:`editor.document.adjust.denoise`): float32,
    the same path for 8 and 16 bit."""

    title = "Noise Reduction…"
    SLIDERS = (("strength", "Strength (%)", 1, 50, 8, 0),
               ("radius", "Radius (px)", 1, 10, 2, 0))

    def make(self, v: dict[str, float]) -> PixelFunc:
        return partial(denoise, strength=v["strength"] / 100, radius=int(v["radius"]))

    def func(self) -> PixelFunc | None:
        return self.make(self.values())

    def margin(self) -> int:
        return 2 * int(self.values()["radius"]) + 2  # two box passes of the radius


FILTER_DIALOGS = {
    "gaussian_blur": (GaussianBlurDialog, "blur", "Blur by a gaussian of the given radius"),
    "unsharp_mask": (UnsharpMaskDialog, "filter", "Sharpen edges: amount, radius, threshold"),
    "noise_reduction": (NoiseReductionDialog, "filter",
                        "Smooth noise in flat areas, keep edges (guided filter)"),
}

for _id, (_cls, _icon, _tip) in FILTER_DIALOGS.items():
    register_filter(FilterAction(_id, _cls.title, partial(open_dialog, cls=_cls), icon=_icon,
                                 tooltip=_tip, group="basic"))
