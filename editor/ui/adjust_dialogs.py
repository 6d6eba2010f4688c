"""Image ▸ Adjustments: Levels, Curves, Brightness/Contrast, Hue/Saturation, Colour
Balance, White Balance and Exposure, each an :class:`editor.ui.adjust_preview.AdjustDialog`
(live preview on the canvas, Reset, Cancel, OK as one undo step) on the active layer
within the selection. The pixel maths is :mod:`editor.document.adjust` (8 and 16 bit, no
banding); these classes only turn controls into its parameters."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
)

from editor.document.adjust import (
    Levels,
    brightness_contrast,
    colour_balance,
    curves,
    exposure,
    histogram,
    hue_saturation,
    levels,
    white_balance,
)
from editor.document.events import Rect
from editor.document.overview import sampled_region
from editor.ui.adjust_preview import AdjustDialog, PixelFunc, ValueSlider, open_dialog
from editor.ui.curves_widget import CHANNEL_COLOURS, CurvesWidget, HistogramView

#: the channel choices of Levels and Curves: (label, histogram row name, parameter name)
CHANNELS = (("RGB", "luminosity", "master"), ("Red", "red", "red"),
            ("Green", "green", "green"), ("Blue", "blue", "blue"))


def layer_histogram(dlg: AdjustDialog) -> np.ndarray:
    """``(4, 256)`` counts of the dialog's layer inside the selection (all of it without
    one), from at most about a million sampled pixels at full precision."""
    doc, layer = dlg.document, dlg.layer
    area = layer.bounds
    mask = None
    if doc.selection.active:
        b = doc.selection.bounds()
        area = area.intersect(Rect(*b)) if b is not None else area
        if not area.empty:
            mask = doc.selection.mask[area.slices()]
    if area.empty:
        return np.zeros((4, 256), np.int64)
    px, m = sampled_region(layer, area, mask)
    return histogram(px, 256, m)


class _ChannelDialog(AdjustDialog):
    """Levels and Curves: a channel choice (RGB, Red, Green, Blue) over a histogram of
    the layer within the selection."""

    def add_channel_header(self, layout: QVBoxLayout) -> None:
        self.channel = QComboBox()
        for label, _row, _param in CHANNELS:
            self.channel.addItem(label)
        top = QHBoxLayout()
        top.addWidget(QLabel("Channel"))
        top.addWidget(self.channel, 1)
        layout.addLayout(top)
        self.hist = HistogramView()
        self.hist.set_counts(layer_histogram(self), "luminosity")

    def _param(self) -> str:
        return CHANNELS[self.channel.currentIndex()][2]


class LevelsDialog(_ChannelDialog):
    title = "Levels…"

    def build(self, layout: QVBoxLayout) -> None:
        self.add_channel_header(layout)
        self.hist.setMinimumSize(280, 140)
        layout.addWidget(self.hist)
        self.in_black = ValueSlider("Input black", 0, 255, 0)
        self.gamma = ValueSlider("Gamma", 0.1, 9.99, 1.0, decimals=2)
        self.in_white = ValueSlider("Input white", 0, 255, 255)
        self.out_black = ValueSlider("Output black", 0, 255, 0)
        self.out_white = ValueSlider("Output white", 0, 255, 255)
        self.sliders = (self.in_black, self.gamma, self.in_white, self.out_black, self.out_white)
        for s in self.sliders:
            layout.addWidget(s)
            s.value_changed.connect(self._slider_moved)
        self.values: dict[str, tuple[float, ...]] = {}
        self.channel.currentIndexChanged.connect(self._channel_changed)

    def _channel_changed(self, i: int) -> None:
        self.hist.set_channels(CHANNELS[i][1])
        self._load()

    def _load(self) -> None:
        vals = self.values.get(self._param(), tuple(s.default for s in self.sliders))
        for s, v in zip(self.sliders, vals):
            s.set_value(v)

    def _slider_moved(self, _v: float) -> None:
        self.values[self._param()] = tuple(s.value() for s in self.sliders)
        self.changed()

    def set_channel_values(self, param: str, in_black: float = 0, gamma: float = 1.0,
                           in_white: float = 255, out_black: float = 0,
                           out_white: float = 255) -> None:
        """Levels of one channel ("master", "red", ...) in 0..255 terms (scripts, tests)."""
        self.values[param] = (in_black, gamma, in_white, out_black, out_white)
        self._load()
        self.changed()

    def func(self) -> PixelFunc | None:
        kw = {}
        for param, (ib, g, iw, ob, ow) in self.values.items():
            lv = Levels(ib / 255, iw / 255, g, ob / 255, ow / 255)
            if lv != Levels():
                kw[param] = lv
        return partial(levels, **kw) if kw else None

    def reset_values(self) -> None:
        self.values.clear()
        self._load()


class CurvesDialog(_ChannelDialog):
    title = "Curves…"

    def build(self, layout: QVBoxLayout) -> None:
        self.add_channel_header(layout)
        self.curve = CurvesWidget()
        self.curve.histogram = self.hist
        layout.addWidget(self.curve, 1)
        hint = QLabel("Click to add a point, drag to move it, drag it out or right-click "
                      "to remove it.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #999")
        layout.addWidget(hint)
        self.points: dict[str, list[tuple[float, float]]] = {}
        self.curve.points_changed.connect(self._curve_moved)
        self.channel.currentIndexChanged.connect(self._channel_changed)

    def _channel_changed(self, i: int) -> None:
        row = CHANNELS[i][1]
        self.hist.set_channels(row)
        self.curve.colour = CHANNEL_COLOURS[row]
        self.curve.set_points(self.points.get(self._param(), [(0.0, 0.0), (1.0, 1.0)]))

    def _curve_moved(self) -> None:
        self.points[self._param()] = list(self.curve.points)
        self.changed()

    def func(self) -> PixelFunc | None:
        kw = {k: v for k, v in self.points.items() if v != [(0.0, 0.0), (1.0, 1.0)]}
        return partial(curves, **kw) if kw else None

    def reset_values(self) -> None:
        self.points.clear()
        self.curve.set_points([(0.0, 0.0), (1.0, 1.0)])


class _SlidersDialog(AdjustDialog):
    """A dialog that is a column of sliders: ``SLIDERS`` (attribute, label, lo, hi,
    default, decimals) and ``make(values) -> PixelFunc``."""

    SLIDERS: tuple[tuple[str, str, float, float, float, int], ...] = ()

    def build(self, layout: QVBoxLayout) -> None:
        self.sliders: dict[str, ValueSlider] = {}
        for attr, label, lo, hi, default, decimals in self.SLIDERS:
            s = ValueSlider(label, lo, hi, default, decimals)
            s.value_changed.connect(self.changed)
            layout.addWidget(s)
            self.sliders[attr] = s

    def values(self) -> dict[str, float]:
        return {k: s.value() for k, s in self.sliders.items()}

    def func(self) -> PixelFunc | None:
        vals = self.values()
        if all(vals[k] == s.default for k, s in self.sliders.items()):
            return None
        return self.make(vals)

    def make(self, v: dict[str, float]) -> PixelFunc:
        raise NotImplementedError

    def reset_values(self) -> None:
        for s in self.sliders.values():
            s.set_value(s.default)


class BrightnessContrastDialog(_SlidersDialog):
    title = "Brightness/Contrast…"
    SLIDERS = (("brightness", "Brightness", -100, 100, 0, 0),
               ("contrast", "Contrast", -100, 100, 0, 0))

    def make(self, v: dict[str, float]) -> PixelFunc:
        return partial(brightness_contrast, brightness=v["brightness"] / 100,
                       contrast=v["contrast"] / 100)


class HueSaturationDialog(_SlidersDialog):
    title = "Hue/Saturation…"
    SLIDERS = (("hue", "Hue", -180, 180, 0, 0),
               ("saturation", "Saturation", -100, 100, 0, 0),
               ("lightness", "Lightness", -100, 100, 0, 0))

    def make(self, v: dict[str, float]) -> PixelFunc:
        return partial(hue_saturation, hue=v["hue"], saturation=v["saturation"] / 100,
                       lightness=v["lightness"] / 100)


class ExposureDialog(_SlidersDialog):
    title = "Exposure…"
    SLIDERS = (("stops", "Exposure (EV)", -5, 5, 0, 2),
               ("offset", "Offset", -0.5, 0.5, 0, 3),
               ("gamma", "Gamma", 0.1, 5, 1, 2))

    def make(self, v: dict[str, float]) -> PixelFunc:
        return partial(exposure, stops=v["stops"], offset=v["offset"], gamma=v["gamma"])


class ColourBalanceDialog(AdjustDialog):
    title = "Colour Balance…"
    RANGES = ("shadows", "midtones", "highlights")

    def build(self, layout: QVBoxLayout) -> None:
        box = QGroupBox("Tone range")
        row = QHBoxLayout(box)
        self.range_group = QButtonGroup(self)
        for i, name in enumerate(self.RANGES):
            b = QRadioButton(name.capitalize())
            self.range_group.addButton(b, i)
            row.addWidget(b)
        self.range_group.button(1).setChecked(True)
        layout.addWidget(box)
        self.sliders = (ValueSlider("Cyan ↔ Red", -100, 100, 0),
                        ValueSlider("Magenta ↔ Green", -100, 100, 0),
                        ValueSlider("Yellow ↔ Blue", -100, 100, 0))
        for s in self.sliders:
            s.value_changed.connect(self._slider_moved)
            layout.addWidget(s)
        self.preserve = QCheckBox("Preserve luminosity")
        self.preserve.setChecked(True)
        self.preserve.toggled.connect(self.changed)
        layout.addWidget(self.preserve)
        self.shifts = {r: (0.0, 0.0, 0.0) for r in self.RANGES}
        self.range_group.idToggled.connect(lambda _i, on: on and self._load())

    def current_range(self) -> str:
        return self.RANGES[max(0, self.range_group.checkedId())]

    def _load(self) -> None:
        for s, v in zip(self.sliders, self.shifts[self.current_range()]):
            s.set_value(v)

    def _slider_moved(self, _v: float) -> None:
        self.shifts[self.current_range()] = tuple(s.value() for s in self.sliders)
        self.changed()

    def func(self) -> PixelFunc | None:
        if not any(any(v) for v in self.shifts.values()):
            return None
        kw = {r: tuple(v / 100 for v in self.shifts[r]) for r in self.RANGES}
        return partial(colour_balance, **kw, preserve_luminosity=self.preserve.isChecked())

    def reset_values(self) -> None:
        self.shifts = {r: (0.0, 0.0, 0.0) for r in self.RANGES}
        self.preserve.blockSignals(True)
        self.preserve.setChecked(True)
        self.preserve.blockSignals(False)
        self._load()


class WhiteBalanceDialog(AdjustDialog):
    """Click a neutral grey on the canvas (the layer's own pixels, 3×3 mean there)."""

    title = "White Balance…"

    def build(self, layout: QVBoxLayout) -> None:
        self.hint = QLabel("Click something that should be neutral grey on the canvas.")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.swatch = QLabel()
        self.swatch.setFixedHeight(24)
        layout.addWidget(self.swatch)
        self.picked: tuple[float, float, float] | None = None
        self.canvas.pick_handler = self.pick_at

    def pick_at(self, pos: QPointF) -> None:
        """Use the layer's colour around document point ``pos`` as the grey."""
        x, y = int(np.floor(pos.x())), int(np.floor(pos.y()))
        px = self.layer.region((x - 1, y - 1, 3, 3))
        keep = px[..., 3] > 0
        if not keep.any():
            self._say("Nothing on this layer there: pick a grey on the layer.")
            return
        rgb = px[keep][:, :3].astype(np.float64).mean(axis=0) / self.document.max_value
        if (rgb <= 0).any():
            self._say("That colour has a black channel: pick a lighter grey.")
            return
        self.picked = (float(rgb[0]), float(rgb[1]), float(rgb[2]))
        hexs = "".join(f"{round(v * 255):02x}" for v in self.picked)
        self.swatch.setStyleSheet(f"background: #{hexs}; border: 1px solid #888")
        self.hint.setText(f"Grey picked at {x}, {y}: #{hexs}. Click again to pick another.")
        self._preview_now()

    def func(self) -> PixelFunc | None:
        return None if self.picked is None else partial(white_balance, picked=self.picked)

    def reset_values(self) -> None:
        self.picked = None
        self.swatch.setStyleSheet("")
        self.hint.setText("Click something that should be neutral grey on the canvas.")

    def closing(self) -> None:
        if self.canvas.pick_handler == self.pick_at:
            self.canvas.pick_handler = None


#: Image ▸ Adjustments: id → dialog class (the action table's ``arg``)
ADJUSTMENTS: dict[str, type[AdjustDialog]] = {
    "levels": LevelsDialog,
    "curves": CurvesDialog,
    "brightness_contrast": BrightnessContrastDialog,
    "hue_saturation": HueSaturationDialog,
    "colour_balance": ColourBalanceDialog,
    "white_balance": WhiteBalanceDialog,
    "exposure": ExposureDialog,
}


def open_adjustment(host: Any, kind: str) -> AdjustDialog | None:
    """Open the Image ▸ Adjustments dialog ``kind`` (a key of :data:`ADJUSTMENTS`)."""
    return open_dialog(host, ADJUSTMENTS[kind])
