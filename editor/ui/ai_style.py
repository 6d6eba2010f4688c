"""Filter ▸ Style Transfer…: paint the image in the style of another picture, or a preset.

Flow: :class:`StyleDialog` (style image from a file, another open document or a layer of
this one; engine or installed preset; strength; keep original colours; style scale;
optionally the AI mask / selection; engine parameters) → :func:`build_style` makes a
frozen :class:`~editor.ai.requests.StyleRequest` (copies of the content and style pixels, the mask as a blend
alpha) → :func:`start_style` submits it through the host's ``submit_job`` (status-bar progress
and Cancel) → the result lands as ONE undo step: a new layer above the source, clipped to
the mask when one is used, in the document's bit depth with the source's alpha.

Fast engines (colour transfer, the fast presets, AdaIN) get a live low-resolution preview
inside the dialog: a debounced timer submits a small job with a fixed key to the preview
lane, so a newer
preview supersedes the older one and the GUI thread never waits. Slow engines (Gatys)
show their intermediate results in a small :class:`StyleProgress` window with Cancel.

Everything the worker sees is a copy (``editor.ai.requests.Snapshot`` and a style pixel
copy); a cancelled or failed job leaves the document untouched. The document side is
:mod:`editor.ai.style`; this module holds the dialogs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from editor.ai.regions import default_mask_source, mask_array, mask_bounds
from editor.ai.requests import (
    MASK_AI,
    MASK_TITLES,
    PREVIEW_SIDE,
    SOURCE_MERGED,
    StyleRequest,
    preview_request,
    run_preview,
    run_style_request,
)
from editor.ai.style import (
    FAST_PREFIX,
    STYLE_DOCUMENT,
    STYLE_FILE,
    STYLE_LAYER,
    TASK,
    apply_style,
    build_style,
    live_preview,
    style_pixels,
)
from editor.jobs.engines import engines_for, get_engine
from editor.ui import ai_common as ac
from editor.ui.dialog_memory import remember
from editor.ui.filters import FilterAction, register_filter
from editor.ui.jobs_controller import LANE_PREVIEW
from editor.ui.style_options import EngineOptions

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.jobs.engines import Progress
    from editor.ui.host import Host

PREVIEW_KEY = "style-preview"
PREVIEW_DEBOUNCE_MS = 250
#: parameters the dialog shows itself (not in the engine's parameter form)
OWN_PARAMS = ("strength", "keep_colors", "style_scale")


def start_style(host: Host, req: StyleRequest) -> JobHandle:
    """Submit ``req`` for the host's current document; the result applies itself. Slow
    engines also open a :class:`StyleProgress` window with intermediate previews."""
    job = ac.submit_edit(host, req, run_style_request, apply_style)
    engine = get_engine(req.engine_id, TASK)
    if engine.has_preview and not job.finished:
        StyleProgress(host, job).show()
    return job


# --- previews ----------------------------------------------------------------------------


def to_qimage(rgb: np.ndarray) -> QImage:
    """float RGB [0, 1] or uint8/uint16 RGB(A) → an RGB888 QImage (owns its copy)."""
    a = np.asarray(rgb)
    if a.dtype == np.uint16:
        a = (a >> 8).astype(np.uint8)
    elif a.dtype != np.uint8:
        a = np.rint(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)
    a = np.ascontiguousarray(a[..., :3])
    h, w = a.shape[:2]
    return QImage(a.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class StyleProgress(QDialog):
    """Non-modal window for a slow style job: progress bar, the latest intermediate
    preview, Cancel. Closes itself when the job ends."""

    def __init__(self, host: Host, job: JobHandle) -> None:
        super().__init__(ac.parent_widget(host))
        self.setWindowTitle(job.title or "Style transfer")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("style.progress")
        self.job = job
        self.previews = 0
        self.image = QLabel("Intermediate results appear here…")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.stage = QLabel("Starting…")
        self.stage.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        lay = QVBoxLayout(self)
        lay.addWidget(self.image)
        lay.addWidget(self.stage)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        runner = host.jobs
        runner.progress.connect(self._progress)
        for sig in (runner.finished, runner.failed, runner.cancelled):
            sig.connect(self._ended)

    def cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")

    def _progress(self, job, p: Progress) -> None:
        if job is not self.job:
            return
        self.bar.setValue(round(p.fraction * 1000))
        if p.stage:
            self.stage.setText(p.stage)
        if p.preview is not None:
            pix = QPixmap.fromImage(to_qimage(p.preview)).scaled(
                PREVIEW_SIDE, PREVIEW_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            self.image.setPixmap(pix)
            self.previews += 1

    def _ended(self, job, *_args) -> None:
        if job is self.job:
            self.close()

    def closeEvent(self, event) -> None:
        runner = self.job._runner if hasattr(self.job, "_runner") else None
        if runner is not None:
            for sig, slot in ((runner.progress, self._progress), (runner.finished, self._ended),
                              (runner.failed, self._ended), (runner.cancelled, self._ended)):
                try:
                    sig.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        if not self.job.finished:
            self.job.cancel()  # closing the window is the same as Cancel
        super().closeEvent(event)


# --- the dialog -----------------------------------------------------------------------


class StyleDialog(QDialog):
    """Style image, engine / preset, strength, keep colours, style scale, mask, engine
    parameters; a live low-resolution preview for fast engines."""

    def __init__(self, host: Host, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else ac.parent_widget(host))
        self.host = host
        self.doc = host.document
        assert self.doc is not None
        self.setWindowTitle("Style Transfer")
        self._preview_job: JobHandle | None = None
        self._style_cache: tuple[tuple, np.ndarray] | None = None
        self.previews_shown = 0

        self.engine = ac.EngineCombo(TASK, self, prefer="color-transfer")
        self.preset = QComboBox()
        self.preset.setToolTip("Styles trained into a model from the store (fast presets)")
        self._fill_presets()
        self.style_source = QComboBox()
        self.style_source.setObjectName("style.source")
        self.browse = QPushButton("File…")
        self._fill_style_sources()
        style_row = QHBoxLayout()
        style_row.addWidget(self.style_source, 1)
        style_row.addWidget(self.browse)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setObjectName("strength")
        self.strength.setRange(0, 100)
        self.strength.setValue(100)
        self.strength_label = QLabel("100 %")
        strength_row = QHBoxLayout()
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(self.strength_label)
        self.keep_colors = QCheckBox("Keep original colours (luminance only)")
        self.keep_colors.setObjectName("keep_colors")
        self.style_scale = QDoubleSpinBox()
        self.style_scale.setObjectName("style_scale")
        self.style_scale.setRange(0.25, 4.0)
        self.style_scale.setSingleStep(0.25)
        self.style_scale.setValue(1.0)
        self.style_scale.setSuffix(" ×")
        self.style_scale.setToolTip("size of the brush strokes relative to the image")
        self.source = ac.source_combo(self.doc, self)
        # restricting is the user's choice: a mask left over from an earlier fill must
        # not silently limit the style (the info line says what will be processed)
        self.restrict = QCheckBox("Only inside")
        self.restrict.setObjectName("style.restrict")
        self.mask_source = ac.mask_source_combo(self.doc, self)
        self.restrict.setEnabled(default_mask_source(self.doc) is not None)
        self.mask_source.setEnabled(self.restrict.isEnabled())
        mask_row = QHBoxLayout()
        mask_row.addWidget(self.restrict)
        mask_row.addWidget(self.mask_source, 1)
        self.params = EngineOptions(self, skip=OWN_PARAMS)  # simple mode + Advanced
        self.preview = QLabel()
        self.preview.setObjectName("style.preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.info = QLabel()
        self.info.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Engine", self.engine)
        form.addRow("Preset", self.preset)
        form.addRow("Style image", style_row)
        form.addRow("Strength", strength_row)
        form.addRow("", self.keep_colors)
        form.addRow("Style scale", self.style_scale)
        form.addRow("Apply to", self.source)
        form.addRow("Restrict", mask_row)
        form.addRow("", self.params)
        self.buttons = ac.ok_cancel(self, "Apply")
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.info)
        left.addStretch(1)
        left.addWidget(self.buttons)
        right = QVBoxLayout()
        right.addWidget(QLabel("Preview"))
        right.addWidget(self.preview, 1)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 1)
        lay.addLayout(right, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh_preview)

        self.engine.engine_changed.connect(self._engine_changed)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.browse.clicked.connect(self._browse)
        self.strength.valueChanged.connect(self._strength_changed)
        for sig in (self.keep_colors.toggled, self.restrict.toggled, self.params.changed):
            sig.connect(self._changed)
        for box in (self.style_source, self.source, self.mask_source):
            box.currentIndexChanged.connect(lambda _i: self._changed())
        self.style_scale.valueChanged.connect(lambda _v: self._changed())
        self.finished.connect(lambda _r: self._stop_preview())
        self.shows_mask = ac.ShowsAIMask(self, host, self.doc,
                                         lambda: self.mask_choice() == MASK_AI)
        self.restrict.toggled.connect(lambda _on: self.shows_mask.sync())
        self.mask_source.currentIndexChanged.connect(lambda _i: self.shows_mask.sync())
        self._engine_changed(self.engine.engine())
        # the engine and its options as last applied; the style image, what to apply to
        # and Only inside follow the document at hand
        self.memory = remember(self, "style", host, [
            self.engine, self.params, self.strength, self.keep_colors, self.style_scale])

    # --- choices ---------------------------------------------------------------------

    def _fill_presets(self) -> None:
        self.preset.addItem("— none —", None)
        installed = 0
        for e in engines_for(TASK):
            if e.id.startswith(FAST_PREFIX) and e.available() is None:
                self.preset.addItem(e.name.replace("Fast style: ", ""), e.id)
                installed += 1
        if installed == 0:
            self.preset.setItemText(0, "— none installed —")
            self.preset.setToolTip("Install one with `retouch models install "
                                   "fast-neural-style-candy` (or mosaic, udnie, rain-princess)")

    def _fill_style_sources(self) -> None:
        box = self.style_source
        others = [v for v in self.host.views() if v.document is not self.doc]
        if not others:
            # nothing but this image's own layers: never default to stylising the image
            # with itself (Apply stays disabled until a style image is chosen)
            box.addItem("— choose a style image: File… —", None)
        for view in others:
            box.addItem(f"Document: {view.title}", (STYLE_DOCUMENT, view.document))
        for i, layer in enumerate(self.doc.layers):
            box.addItem(f"Layer: {layer.name}", (STYLE_LAYER, i))
        # another open document is the likeliest style image
        box.setCurrentIndex(0 if box.count() else -1)

    def style_is_target(self) -> bool:
        """Whether the chosen style image is the image being stylised: the active layer
        when applying to it, or the only layer when applying to the merged image."""
        choice = self.style_choice()
        if choice is None or choice[0] != STYLE_LAYER:
            return False
        if self.source.currentData() == SOURCE_MERGED:
            return len(self.doc.layers) == 1
        return int(choice[1]) == self.doc.active_index

    def add_style_file(self, path: str) -> None:
        """Add ``path`` to the style choices and select it."""
        data = (STYLE_FILE, str(path))
        for i in range(self.style_source.count()):
            item = self.style_source.itemData(i)
            if item is not None and tuple(item) == data:
                self.style_source.setCurrentIndex(i)
                return
        self.style_source.insertItem(0, f"File: {Path(path).name}", data)
        self.style_source.setCurrentIndex(0)

    def _browse(self) -> None:
        from editor.ui.files import OPEN_FILTER

        path, _ = QFileDialog.getOpenFileName(self, "Style image", "", OPEN_FILTER)
        if path:
            self.add_style_file(path)

    def style_choice(self) -> tuple[str, Any] | None:
        data = self.style_source.currentData()
        return tuple(data) if data is not None else None

    def style_array(self) -> np.ndarray | None:
        """The chosen style image's pixels (cached per choice while the dialog is open)."""
        choice = self.style_choice()
        if choice is None:
            return None
        kind, ref = choice
        key = (kind, id(ref) if kind == STYLE_DOCUMENT else ref)
        if self._style_cache is not None and self._style_cache[0] == key:
            return self._style_cache[1]
        px = style_pixels(self.doc, kind, ref)
        self._style_cache = (key, px)
        return px

    def _engine_changed(self, engine) -> None:
        self.params.set_engine(engine)
        needs = engine is None or engine.needs_style_image
        self.style_source.setEnabled(needs)
        self.browse.setEnabled(needs)
        self.preset.blockSignals(True)
        i = self.preset.findData(engine.id if engine is not None else None)
        self.preset.setCurrentIndex(max(0, i))
        self.preset.blockSignals(False)
        self._changed()

    def _preset_changed(self, _i: int) -> None:
        engine_id = self.preset.currentData()
        if engine_id is not None:
            self.engine.select(engine_id)

    def _strength_changed(self, value: int) -> None:
        self.strength_label.setText(f"{value} %")
        self._changed()

    def values(self) -> dict[str, Any]:
        out = dict(self.params.values())
        out.update(strength=self.strength.value() / 100.0,
                   keep_colors=self.keep_colors.isChecked(),
                   style_scale=self.style_scale.value())
        return out

    def mask_choice(self) -> str | None:
        return self.mask_source.currentData() if self.restrict.isChecked() else None

    def request(self, step_delay: float = 0.0) -> StyleRequest:
        engine = self.engine.engine()
        if engine is None:
            raise ValueError("no style engine can run")
        style = self.style_array() if engine.needs_style_image else None
        return build_style(self.doc, engine.id, style, self.values(),
                           source=self.source.currentData(), mask_source=self.mask_choice(),
                           step_delay=step_delay)

    def area_text(self) -> str:
        """What will be processed, for the info line: the whole image, or the mask's box."""
        d = self.doc
        choice = self.mask_choice()
        if choice is None:
            text = f"Processes the whole image, {d.width}×{d.height} ({d.width * d.height / 1e6:.1f} MP)"
            if self.restrict.isEnabled():
                text += " (tick Only inside to limit it to a mask)"
            return text
        box = mask_bounds(mask_array(d, choice))
        size = f": {box.w}×{box.h} px at ({box.x}, {box.y})" if box is not None else ""
        return f"Processes only inside the {MASK_TITLES[choice]}{size}"

    # --- state and preview ------------------------------------------------------------

    def _changed(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        engine = self.engine.engine()
        problem = None
        if engine is None:
            problem = "No style engine can run."
        elif engine.needs_style_image and self.style_choice() is None:
            problem = "Choose a style image: File…, another open document, or a layer."
        elif engine.needs_style_image and self.style_is_target():
            problem = ("The style image is the image being stylised: choose a file (File…), "
                       "another open document or another layer.")
        elif self.restrict.isChecked() and mask_array(self.doc, self.mask_choice()) is None:
            problem = "The chosen mask is empty: paint the AI mask or select first."
        ok.setEnabled(problem is None)
        if problem is not None:
            self.info.setText(problem)
            self._stop_preview()
            self.preview.setText("No preview")
            return
        assert engine is not None
        speed = ("live preview on the right" if live_preview(engine.id) else
                 "slow: progress and intermediate results show in a window with Cancel")
        self.info.setText(f"{self.area_text()}; the result is a new layer. "
                          f"{engine.name}: {speed}.")
        if live_preview(engine.id):
            self.timer.start()
        else:
            self._stop_preview()
            self.preview.setText("No live preview for this engine:\nApply shows its "
                                 "progress.")

    def _stop_preview(self) -> None:
        self.timer.stop()
        if self._preview_job is not None and not self._preview_job.finished:
            self._preview_job.cancel()
        self._preview_job = None

    def refresh_preview(self) -> JobHandle | None:
        """Submit a low-resolution preview job (superseding the previous one)."""
        try:
            req = preview_request(self.request())
        except Exception as exc:  # noqa: BLE001 - ValueError/EngineError/FileError: a message
            self.preview.setText(f"No preview: {exc}")
            return None
        self.preview.setText("Working…")
        job = self.host.submit_job(req, run_preview, "Style preview", key=PREVIEW_KEY,
                                   lane=LANE_PREVIEW, document=False,
                                   on_done=self._show_preview,
                                   on_error=lambda msg: self.preview.setText(
                                       f"No preview: {msg}"))
        self._preview_job = job
        return job

    def _show_preview(self, rgb: np.ndarray) -> None:
        pix = QPixmap.fromImage(to_qimage(rgb)).scaled(
            PREVIEW_SIDE, PREVIEW_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pix)
        self.previews_shown += 1


def _callback(host: Host) -> None:
    if host.document is None:
        host.show_message("Style Transfer: open an image first")
        return
    req = ac.ask_request(host, StyleDialog(host), "Style Transfer")
    if req is not None:
        start_style(host, req)


register_filter(FilterAction(
    "style", "Style Transfer…", _callback, icon="filter", group="ai",
    tooltip="Paint the image in the style of another picture (or a preset), as a new layer",
))
