"""The Latent dock's portrait controls: how the edit lands, inversion steps, cancel.

Shown by :class:`editor.ui.latent_panel.LatentPanel` while the StyleGAN2 FFHQ portrait
model is picked (it is listed once its generator is installed from Edit ▸ Models…; the
weights are licensed for non-commercial use only, which the row's note says):

* **Invert face** (the panel's encode button) finds the face (the largest, or the one in
  the selection), aligns it and inverts it into W+ — e4e in one pass when its encoder is
  installed, otherwise optimisation for *Steps* steps; progress and the current render
  show here, and **Cancel** stops it (the document is untouched);
* **Mode**: "Keep photo detail" adds the generator's change to the photo (an edit of 0
  changes nothing); "Replace face" pastes the generated face, colour-matched;
* the sliders and **Apply as new layer** are the panel's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.jobs import portrait as jp

if TYPE_CHECKING:
    from editor.jobs import JobHandle

MODE_TITLES = {"delta": "Keep photo detail", "replace": "Replace face (colour-matched)"}
NON_COMMERCIAL_NOTE = ("StyleGAN2 FFHQ weights: NVIDIA Source Code License-NC — "
                       "non-commercial use only.")


class PortraitControls(QWidget):
    """Mode, inversion steps and a Cancel button for the running inversion."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: JobHandle | None = None
        self.mode = QComboBox()
        for key in jp.MODES:
            self.mode.addItem(MODE_TITLES[key], key)
        self.mode.setToolTip("Keep photo detail: add the change the generator makes to the "
                             "photo. Replace face: paste the generated face, colour-matched.")
        self.steps = QSpinBox()
        self.steps.setRange(1, 2000)
        self.steps.setValue(100)
        self.steps.setSingleStep(25)
        self.steps.setPrefix("steps ")
        self.steps.setToolTip("optimisation steps of the inversion (used when no e4e encoder "
                              "is installed)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("stop the inversion (nothing changes)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.licence = QLabel(NON_COMMERCIAL_NOTE)
        self.licence.setWordWrap(True)
        self.licence.setStyleSheet("color: #e0a050")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.steps, 1)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.mode)
        lay.addLayout(row)
        lay.addWidget(self.licence)

    @property
    def mode_key(self) -> str:
        return str(self.mode.currentData())

    def set_mode(self, key: str) -> None:
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(max(0, self.mode.findData(key)))
        self.mode.blockSignals(False)

    def running(self, job: JobHandle | None) -> None:
        """The inversion job now running (None when it ended)."""
        self.job = job
        self.cancel_button.setEnabled(job is not None)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()


def progress_text(p: Any) -> str:
    """"inverting the face (40/100) — loss 0.213" from a Progress."""
    text = p.stage or "working"
    payload = getattr(p, "payload", None)
    if isinstance(payload, dict) and "loss" in payload:
        text += f" — loss {payload['loss']:.3f}"
    return text


def inverted_text(spec: Any, face: dict | None) -> str:
    """The status line after an inversion: encoder, face note, left-out directions."""
    parts = [f"{spec.name}: {len(spec.directions)} directions"]
    if face:
        if face.get("encoder"):
            parts.append(f"inverted by {face['encoder']}")
        if face.get("note"):
            parts.append(str(face["note"]))
    if spec.notes:
        parts.append("left out: " + "; ".join(spec.notes))
    if not spec.directions:
        parts.append("install direction files (e4e-direction-*, ganspace-ffhq-pca) from "
                     "Edit ▸ Models… for sliders")
    return ". ".join(parts)
