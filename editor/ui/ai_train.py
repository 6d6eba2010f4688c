"""Filter ▸ Train Latent Model…: train a VAE or a GAN on a folder of your images.

The run goes to the *background* lane (editor.jobs), so sliders, previews and edits stay
live while it trains. The dialog is modeless and kept by the window: close it and the
training goes on; open it again and it shows the same run. Cancel keeps the checkpoint —
Start with the same name resumes. When the run ends, the model is an engine of the
``latent`` task (``retouch edit --model NAME``).
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.jobs.latent import TrainRequest, run_training
from editor.jobs.runner import LANE_BACKGROUND
from editor.ui.ai_style import to_qimage
from editor.ui.dialog_memory import remember
from editor.ui.filters import FilterAction, register_filter

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.ui.host import Host

LOSS_COLOURS = ("#4aa3ff", "#ff8a3d", "#6ad46a", "#d86ad4")


class LossPlot(QWidget):
    """The loss history of a run, one line per loss term, each scaled to its own range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: dict[str, list[float]] = {}
        self.setMinimumSize(260, 120)

    def add(self, losses: dict[str, float]) -> None:
        for name, value in losses.items():
            self.history.setdefault(name, []).append(float(value))
        self.update()

    def clear(self) -> None:
        self.history = {}
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h, pad = self.width(), self.height(), 6
        for i, (name, values) in enumerate(sorted(self.history.items())):
            colour = QColor(LOSS_COLOURS[i % len(LOSS_COLOURS)])
            p.setPen(QPen(colour, 1.5))
            p.drawText(pad, pad + 12 * (i + 1), f"{name} {values[-1]:.4g}")
            if len(values) < 2:
                continue
            lo, hi = min(values), max(values)
            span = (hi - lo) or 1.0
            pts = [QPointF(pad + (w - 2 * pad) * k / (len(values) - 1),
                           h - pad - (h - 2 * pad) * (v - lo) / span)
                   for k, v in enumerate(values)]
            for a, b in pairwise(pts):
                p.drawLine(a, b)
        p.end()


class TrainDialog(QDialog):
    """Pick a folder and the model's shape, start/cancel the run, watch samples and losses."""

    def __init__(self, host: Host, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else host)  # type: ignore[arg-type]
        self.host = host
        self.job: JobHandle | None = None
        self.model_path: str | None = None
        self.setWindowTitle("Train Latent Model")
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a folder of your images (at least 16)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow("Images", row)
        self.name = QLineEdit("my-faces")
        form.addRow("Model name", self.name)
        self.kind = QComboBox()
        self.kind.addItem("VAE (encodes your photos; smooth edits)", "vae")
        self.kind.addItem("GAN (sharper samples; edits by inversion)", "gan")
        form.addRow("Kind", self.kind)
        self.size = QComboBox()
        for s in (64, 128):
            self.size.addItem(f"{s} × {s} px", s)
        form.addRow("Resolution", self.size)
        self.latent = QSpinBox()
        self.latent.setRange(4, 512)
        self.latent.setValue(32)
        form.addRow("Latent size", self.latent)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(10)
        form.addRow("Epochs", self.epochs)
        self.samples = QLabel("Samples appear here while it trains")
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.samples.setMinimumSize(256, 160)
        self.plot = LossPlot()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        close = QPushButton("Close")
        close.setToolTip("Training goes on in the background")
        close.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.samples, 1)
        lay.addWidget(self.plot)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        for w, key in ((self.folder, "folder"), (self.name, "name"), (self.kind, "kind"),
                       (self.size, "size"), (self.latent, "latent"), (self.epochs, "epochs")):
            w.setObjectName(key)
        self.memory = remember(self, "train-latent", host, [  # stored on Start
            self.folder, self.name, self.kind, self.size, self.latent, self.epochs])

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Training images", self.folder.text())
        if path:
            self.folder.setText(path)

    def request(self, **overrides: Any) -> TrainRequest:
        values: dict[str, Any] = {
            "kind": self.kind.currentData(), "data": self.folder.text().strip(),
            "name": self.name.text(), "size": int(self.size.currentData()),
            "latent": self.latent.value(), "epochs": self.epochs.value()}
        values.update(overrides)
        return TrainRequest(**values)

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.finished

    def start(self, **overrides: Any) -> JobHandle | None:
        """Submit the run (``overrides``: TrainRequest fields, e.g. a smaller batch)."""
        if self.running:
            return self.job
        req = self.request(**overrides)
        if not req.data:
            self.status.setText("Choose a folder of images first.")
            return None
        self.plot.clear()
        self.model_path = None
        self.status.setText(f"Training {req.name}…")
        self.job = self.host.submit_job(
            req, run_training, f"Train {req.name}", lane=LANE_BACKGROUND, document=False,
            on_progress=self._progress, on_done=self._done, on_error=self._failed,
            on_cancelled=self._cancelled)
        self.memory.save()
        self._sync_buttons()
        return self.job

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()

    def _sync_buttons(self) -> None:
        self.start_button.setEnabled(not self.running)
        self.cancel_button.setEnabled(self.running)

    def _progress(self, p) -> None:
        payload = p.payload or {}
        if payload.get("losses"):
            self.plot.add(payload["losses"])
        grid = payload.get("samples")
        if grid is not None:
            pm = QPixmap.fromImage(to_qimage(grid))
            self.samples.setPixmap(pm.scaled(
                self.samples.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        self.status.setText(p.stage)

    def _done(self, path: str) -> None:
        self.model_path = path
        self.status.setText(f"Done: {path}. It is now a latent engine "
                            f"(retouch edit --model {self.request().name}).")
        self._sync_buttons()

    def _failed(self, message: str) -> None:
        self.status.setText(f"Training failed: {message}")
        self._sync_buttons()

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; the checkpoint is kept — Start resumes it.")
        self._sync_buttons()


def train_dialog(host: Host) -> TrainDialog:
    """The window's one training dialog (made on first use, kept while training runs)."""
    dlg = getattr(host, "_train_dialog", None)
    if dlg is None:
        dlg = TrainDialog(host)
        host._train_dialog = dlg  # type: ignore[attr-defined]
    return dlg


def _callback(host: Host) -> None:
    dlg = train_dialog(host)
    dlg.show()
    dlg.raise_()


register_filter(FilterAction(
    "train-latent", "Train Latent Model…", _callback, icon="filter", group="ai",
    tooltip="Train a VAE or GAN on a folder of your images (runs in the background)",
))


class DirectionDialog(QDialog):
    """Name an attribute and pick two folders (with it / without it) for a trained model;
    the learned direction becomes a slider of that model in the Latent panel."""

    def __init__(self, host: Host, parent: QWidget | None = None) -> None:
        from editor.jobs.latent import trained_models

        super().__init__(parent if parent is not None else host)  # type: ignore[arg-type]
        self.host = host
        self.job: JobHandle | None = None
        self.result: dict[str, Any] | None = None
        self.setWindowTitle("Learn Latent Direction")
        form = QFormLayout()
        self.model = QComboBox()
        for model_id in trained_models():
            self.model.addItem(model_id, model_id)
        form.addRow("Model", self.model)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. smile, glasses, beard")
        form.addRow("Attribute", self.name)
        self.with_folder = QLineEdit()
        self.without_folder = QLineEdit()
        for label, edit in (("Images with it", self.with_folder),
                            ("Images without it", self.without_folder)):
            browse = QPushButton("Browse…")
            browse.clicked.connect(lambda _c=False, e=edit: self._browse(e))
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(browse)
            form.addRow(label, row)
        self.status = QLabel("" if self.model.count() else
                             "Train a model first (Filter ▸ Train Latent Model…).")
        self.status.setWordWrap(True)
        self.learn_button = QPushButton("Learn")
        self.learn_button.clicked.connect(self.learn)
        self.learn_button.setEnabled(self.model.count() > 0)
        close = QPushButton("Close")
        close.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addWidget(self.learn_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        for w, key in ((self.model, "model"), (self.with_folder, "with"),
                       (self.without_folder, "without")):
            w.setObjectName(key)
        self.memory = remember(self, "latent-direction", host, [  # stored on Learn
            self.model, self.with_folder, self.without_folder])

    def _browse(self, edit: QLineEdit) -> None:
        path = QFileDialog.getExistingDirectory(self, "Images", edit.text())
        if path:
            edit.setText(path)

    def learn(self) -> JobHandle | None:
        from editor.jobs.latent import DirectionRequest, run_learn_direction

        if self.model.count() == 0:
            return None
        req = DirectionRequest(self.model.currentData(), self.name.text(),
                               self.with_folder.text().strip(),
                               self.without_folder.text().strip())
        self.memory.save()
        self.status.setText("Learning…")
        self.learn_button.setEnabled(False)
        self.job = self.host.submit_job(
            req, run_learn_direction, f"Learn direction {req.name}", lane=LANE_BACKGROUND,
            document=False, on_done=self._done, on_error=self._failed,
            on_cancelled=lambda: self._failed("cancelled"))
        return self.job

    def _done(self, result: dict[str, Any]) -> None:
        self.result = result
        self.status.setText(
            f"Learned {result['name']!r} from {int(result.get('with', 0))} + "
            f"{int(result.get('without', 0))} images (the groups split "
            f"{result.get('fit_accuracy', 0.0):.0%} correctly along it); pick the model in "
            "the Latent panel again to see its slider.")
        self.learn_button.setEnabled(True)

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not learn the direction: {message}")
        self.learn_button.setEnabled(True)


def _direction_callback(host: Host) -> None:
    dlg = DirectionDialog(host)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.show()


register_filter(FilterAction(
    "learn-latent-direction", "Learn Latent Direction…", _direction_callback, icon="filter",
    group="ai", tooltip="A slider for a trained model from two groups of your images",
))
