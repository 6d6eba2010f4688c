"""The Histogram panel: R, G, B or luminosity counts of the composite or the active layer.

Cheap by construction: it bins a sample of at most 1024 px on the long side
(:mod:`editor.document.overview`), at the document's own precision (a 16-bit image is
binned into 256 bins from its 16-bit values), a quarter second after the last edit and
never during a stroke (:class:`editor.ui.panel_follow.FollowingPanel`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from editor.document.adjust import histogram
from editor.document.overview import sampled_composite, sampled_region
from editor.ui.curves_widget import HistogramView
from editor.ui.panel_follow import FollowingPanel

#: long side of the sample the panel bins (about a million pixels at most)
SAMPLE_SIDE = 1024
CHANNEL_CHOICES = (("RGB", "rgb"), ("Luminosity", "luminosity"), ("Red", "red"),
                   ("Green", "green"), ("Blue", "blue"))


class HistogramPanel(FollowingPanel):
    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(host, parent)
        self.source = QComboBox()
        self.source.addItem("Image", "composite")
        self.source.addItem("Active layer", "layer")
        self.source.setToolTip("Count the merged image or only the active layer")
        self.channel = QComboBox()
        for label, key in CHANNEL_CHOICES:
            self.channel.addItem(label, key)
        self.view = HistogramView()
        self.info = QLabel()
        self.info.setStyleSheet("color: #999")
        top = QHBoxLayout()
        top.addWidget(self.source, 1)
        top.addWidget(self.channel, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.info)
        self.counts = np.zeros((4, 256), np.int64)
        self.source.currentIndexChanged.connect(lambda _i: self.refresh_now())
        self.channel.currentIndexChanged.connect(
            lambda _i: self.view.set_channels(self.channel.currentData()))
        self.view.set_channels("rgb")
        self.bind()

    def sample(self) -> tuple[np.ndarray, int] | None:
        """The pixels the panel bins and the sampling step, or None without a document."""
        doc = self.document
        if doc is None:
            return None
        if self.source.currentData() == "layer":
            layer = doc.active_layer
            if layer is None:
                return None
            px, _ = sampled_region(layer, layer.bounds, max_pixels=SAMPLE_SIDE * SAMPLE_SIDE)
            return px, max(1, round(layer.width / max(1, px.shape[1])))
        return sampled_composite(doc, SAMPLE_SIDE)

    def refresh(self) -> None:
        got = self.sample()
        if got is None or got[0].size == 0:
            self.counts = np.zeros((4, 256), np.int64)
            self.info.setText("")
        else:
            px, step = got
            self.counts = histogram(px, 256)
            n = int(self.counts[0].sum())
            every = f", 1 in {step}×{step} sampled" if step > 1 else ""
            depth = self.document.depth if self.document is not None else 8
            self.info.setText(f"{n:,} px counted{every} · {depth}-bit")
        self.view.set_counts(self.counts)
