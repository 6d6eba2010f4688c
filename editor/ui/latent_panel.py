"""The Latent dock: edit an image region through a latent model's directions.

Pick a model (the built-in cartoon-face VAE, the face-shape warp, or — once its
non-commercial weights are installed — the StyleGAN2 FFHQ portrait model), **Encode** the
selection (or the active layer) — for face-shape: find the face on the active layer; for
the portrait model **Invert face** (:mod:`editor.ui.latent_portrait`) —
or **Sample** one (VAE), then move the sliders (one per named direction, ±3 × its
scale, and the top principal directions), edit raw latent entries in the one-row table,
keep two latents in slots A/B and blend between them. The preview in the panel follows
every change through the preview lane (one key: the newest request wins, the GUI never
waits; face-shape previews are warped at half size while a slider is dragged).
**Apply as new layer** renders the edit at full size and adds it as ONE undo step; the
layer carries ``{"retouch.latent": {...}}`` metadata, and selecting such a layer later
restores its latent here so editing continues from it.

The state and maths live in :mod:`editor.ai.latent` (Qt-free); models are reached
through :mod:`editor.jobs.latent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.ai import latent as al
from editor.ai import regions
from editor.ai.watch import DocumentWatch
from editor.document import Rect
from editor.jobs import latent as jl
from editor.ui.latent_portrait import PortraitControls, inverted_text, progress_text

if TYPE_CHECKING:
    from editor.document import Document, Layer
    from editor.ui.host import Host

PREVIEW_KEY = "latent-preview"
PREVIEW_SIZE = 192
SLIDER_STEPS = 100  # slider ticks per unit
#: latents longer than this get no raw-entry table (a W+ code has 9216 entries)
TABLE_MAX = 256
#: models whose latent edits a face found on the whole source layer
FACE_KINDS = (jl.KIND_FACE, jl.KIND_PORTRAIT)


def _pixmap(image: np.ndarray) -> QPixmap:
    a = np.ascontiguousarray(image)
    h, w = a.shape[:2]
    fmt = QImage.Format.Format_RGBA8888 if a.shape[2] == 4 else QImage.Format.Format_RGB888
    return QPixmap.fromImage(QImage(a.data, w, h, a.strides[0], fmt).copy())


class _ModelCombo(QComboBox):
    """The model list, refreshed each time it opens (installs happen meanwhile)."""

    def __init__(self, refresh: Any) -> None:
        super().__init__()
        self._refresh = refresh

    def showPopup(self) -> None:
        self._refresh()
        super().showPopup()


class LatentPanel(QWidget):
    """The dock's widget (see the module docstring)."""

    def __init__(self, host: Host, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.session: al.LatentSession | None = None
        self.specs: dict[str, jl.LatentSpec] = {}
        self.sliders: dict[str, QSlider] = {}
        self.value_labels: dict[str, QLabel] = {}
        self.preview_image: np.ndarray | None = None
        self.previews_shown = 0
        self._doc: Document | None = None
        self._source: Layer | None = None
        self._face_pixels: np.ndarray | None = None
        self._face_small: np.ndarray | None = None
        self._syncing = False
        self._restoring: str | None = None

        self.model = _ModelCombo(self.refresh_models)
        self.refresh_models()
        self.model.currentIndexChanged.connect(lambda _i: self._model_changed())
        self.encode_button = QPushButton("Encode")
        self.encode_button.setToolTip("Encode the selection (or the active layer); "
                                      "face shape: find the face on the active layer")
        self.encode_button.clicked.connect(self.encode)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setPrefix("seed ")
        self.sample_button = QPushButton("Sample")
        self.sample_button.clicked.connect(self.sample)
        self.reset_button = QPushButton("Reset")
        self.reset_button.clicked.connect(self.reset)
        self.apply_button = QPushButton("Apply as new layer")
        self.apply_button.clicked.connect(self.apply)
        self.portrait = PortraitControls()
        self.portrait.mode.currentIndexChanged.connect(lambda _i: self._mode_changed())

        self.preview = QLabel("Encode or sample to start")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(PREVIEW_SIZE)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.slider_box = QWidget()
        self.slider_form = QFormLayout(self.slider_box)
        self.slider_form.setContentsMargins(0, 0, 0, 0)

        self.table = QTableWidget(1, 0)
        self.table.setVerticalHeaderLabels(["z"])
        self.table.horizontalHeader().setDefaultSectionSize(46)
        self.table.setFixedHeight(62)
        self.table.setToolTip("the raw latent: edit an entry to move it directly")
        self.table.itemChanged.connect(self._entry_edited)

        self.store_a = QPushButton("Store A")
        self.store_b = QPushButton("Store B")
        self.store_a.clicked.connect(lambda: self.store("A"))
        self.store_b.clicked.connect(lambda: self.store("B"))
        self.mix = QSlider(Qt.Orientation.Horizontal)
        self.mix.setRange(0, 100)
        self.mix.setToolTip("blend between slot A (left) and slot B (right)")
        self.mix.valueChanged.connect(self._mix_moved)
        self.mix.sliderReleased.connect(self.request_preview)

        top = QGridLayout()
        top.addWidget(QLabel("Model"), 0, 0)
        top.addWidget(self.model, 0, 1, 1, 3)
        top.addWidget(self.encode_button, 1, 0, 1, 2)
        top.addWidget(self.seed, 1, 2)
        top.addWidget(self.sample_button, 1, 3)
        top.addWidget(self.reset_button, 2, 0, 1, 2)
        top.addWidget(self.apply_button, 2, 2, 1, 2)
        ab = QHBoxLayout()
        ab.addWidget(self.store_a)
        ab.addWidget(QLabel("A"))
        ab.addWidget(self.mix, 1)
        ab.addWidget(QLabel("B"))
        ab.addWidget(self.store_b)
        # the controls scroll: a tall dock must not push the window past the screen
        inner = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        lay = QVBoxLayout(inner)
        lay.addLayout(top)
        lay.addWidget(self.portrait)
        lay.addWidget(self.preview)
        lay.addWidget(self.slider_box)
        lay.addWidget(self.table)
        lay.addLayout(ab)
        lay.addWidget(self.status)
        lay.addStretch(1)

        tabs = getattr(host, "tabs", None)
        if tabs is not None:  # the main window: follow the current tab's document
            tabs.currentChanged.connect(lambda _i: self.bind_document())
        self.bind_document()
        self._model_changed()

    def refresh_models(self) -> None:
        """List the models again (a model installed from Edit ▸ Models… — the portrait
        generator — appears); the current choice is kept when it is still there."""
        keep = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        for m in jl.list_models():
            self.model.addItem(m.name, m.id)
            if m.reason:
                i = self.model.count() - 1
                self.model.model().item(i).setEnabled(False)
                self.model.setItemData(i, m.reason, Qt.ItemDataRole.ToolTipRole)
        self.model.setCurrentIndex(max(0, self.model.findData(keep)))
        self.model.blockSignals(False)
        if keep is not None and self.model.currentData() != keep:
            self._model_changed()

    # --- the document ------------------------------------------------------------------

    def bind_document(self) -> None:
        doc = self.host.document
        if doc is self._doc:
            return
        if self._doc is not None:
            self._doc.events.disconnect(self._on_event)
        self._doc = doc
        self._clear_session()
        if doc is not None:
            doc.events.connect(self._on_event)
            self._maybe_restore()

    def _on_event(self, ev: Any) -> None:
        if ev.kind in ("active-changed", "layer-added", "layer-removed"):
            self._maybe_restore()

    def _clear_session(self) -> None:
        self.session = None
        self._source = None
        self._face_pixels = self._face_small = None
        self._rebuild()

    # --- state ---------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return str(self.model.currentData())

    @property
    def kind(self) -> str:
        return jl.model_kind(self.model_id)

    def _model_changed(self) -> None:
        self.sample_button.setEnabled(self.kind == jl.KIND_VAE)
        self.seed.setEnabled(self.kind == jl.KIND_VAE)
        portrait = self.kind == jl.KIND_PORTRAIT
        self.portrait.setVisible(portrait)
        self.encode_button.setText("Invert face" if portrait else "Encode")
        if self.session is not None and self.session.spec.id != self.model_id:
            self._clear_session()
        self._update_enabled()

    def _update_enabled(self) -> None:
        has = self.session is not None
        for w in (self.reset_button, self.apply_button, self.store_a, self.store_b):
            w.setEnabled(has)
        self.mix.setEnabled(has and self.session.can_interpolate)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # --- encode / sample -----------------------------------------------------------------

    def _target(self) -> tuple[Document, Layer, Rect] | None:
        doc = self.host.document
        layer = doc.active_layer if doc is not None else None
        if doc is None or layer is None:
            self._say("Open an image first")
            return None
        if self.kind in FACE_KINDS:
            return doc, layer, layer.bounds
        mask = regions.mask_array(doc, regions.MASK_SELECTION)
        box = regions.mask_bounds(mask)
        rect = (box if box is not None else layer.bounds).intersect(doc.rect)
        if rect.w < 2 or rect.h < 2:
            self._say("The region to encode is empty")
            return None
        return doc, layer, rect

    def encode(self) -> None:
        target = self._target()
        if target is None:
            return
        doc, layer, rect = target
        if self.kind == jl.KIND_PORTRAIT:
            pixels = np.array(layer.pixels, copy=True)
            box = regions.mask_bounds(regions.mask_array(doc, regions.MASK_SELECTION))
            sel = None if box is None else (box.x - rect.x, box.y - rect.y,
                                            box.x + box.w - rect.x, box.y + box.h - rect.y)
            req = al.EncodeRequest(self.model_id, pixels, rect, selection=sel,
                                   steps=self.portrait.steps.value())
            self._submit_encode(req, layer, pixels)
            return
        if self.kind == jl.KIND_FACE:
            pixels = np.array(layer.pixels, copy=True)
        else:
            pixels = regions.layer_region(doc, layer, rect)
        self._submit_encode(al.EncodeRequest(self.model_id, pixels, rect), layer, pixels)

    def sample(self) -> None:
        target = self._target()
        if target is None or self.kind != jl.KIND_VAE:
            return
        _doc, layer, rect = target
        self._submit_encode(al.EncodeRequest(self.model_id, None, rect, self.seed.value()),
                            layer, None)

    def _submit_encode(self, req: al.EncodeRequest, layer: Layer,
                       pixels: np.ndarray | None) -> None:
        doc = self.host.document
        self._say({jl.KIND_FACE: "Finding the face…", jl.KIND_PORTRAIT: "Inverting the face…"}
                  .get(self.kind, "Encoding…"))

        def done(res: al.EncodeResult) -> None:
            self.portrait.running(None)
            if self.host.document is not doc:
                return
            self.specs[res.spec.id] = res.spec
            self._source = layer
            if res.spec.kind in FACE_KINDS:
                self._set_face_pixels(pixels)
            self.session = al.LatentSession(res.spec, res.latent, res.region, res.face)
            self.session.mode = self.portrait.mode_key
            self._rebuild()
            self._say(inverted_text(res.spec, res.face) if res.spec.kind == jl.KIND_PORTRAIT
                      else f"{res.spec.name}: {len(self.session.sliders)} directions")
            self.request_preview()

        def failed(message: str) -> None:
            self.portrait.running(None)
            self._say(message)

        def cancelled() -> None:
            self.portrait.running(None)
            self._say("Inversion cancelled: nothing changed")

        job = self.host.submit_job(req, al.run_encode_request, "Latent encode",
                                   key="latent-encode", lane="edit", document=False,
                                   on_done=done, on_error=failed, on_cancelled=cancelled,
                                   on_progress=self._encode_progress)
        if self.kind == jl.KIND_PORTRAIT:
            self.portrait.running(job)

    def _encode_progress(self, p: Any) -> None:
        self._say(progress_text(p))
        if p.preview is not None:
            img = np.rint(np.clip(p.preview, 0, 1) * 255).astype(np.uint8)
            self._show_image(img)

    def _set_face_pixels(self, pixels: np.ndarray | None) -> None:
        self._face_pixels = pixels
        self._face_small = (None if pixels is None or self.kind != jl.KIND_FACE
                            else jl.shrink_pixels(pixels, al.DRAG_PREVIEW_SCALE))

    def _mode_changed(self) -> None:
        if self.session is not None and self.session.spec.kind == jl.KIND_PORTRAIT:
            self.session.mode = self.portrait.mode_key
            self.request_preview()

    # --- restore from a layer --------------------------------------------------------------

    def _maybe_restore(self) -> None:
        doc = self.host.document
        layer = doc.active_layer if doc is not None else None
        entry = al.latent_entry(layer.metadata if layer is not None else None)
        if entry is None:
            return
        if self.session is not None and np.array_equal(
                self.session.current, np.asarray(entry["latent"], np.float32)) \
                and self.session.spec.id == entry["model"]:
            return  # the layer this panel just made: nothing to restore
        model_id = str(entry["model"])
        spec = self.specs.get(model_id)
        if spec is not None:
            self._restore(doc, layer, spec, entry)
            return
        if self._restoring == model_id:
            return
        self._restoring = model_id

        def done(spec: jl.LatentSpec) -> None:
            self._restoring = None
            self.specs[spec.id] = spec
            if self.host.document is doc and doc.active_layer is layer:
                self._restore(doc, layer, spec, entry)

        def failed(message: str) -> None:
            self._restoring = None
            self._say(message)

        self.host.submit_job(model_id, al.run_spec_request, "Latent model", key="latent-spec",
                             lane="edit", document=False, on_done=done, on_error=failed)

    def _restore(self, doc: Document, layer: Layer, spec: jl.LatentSpec,
                 entry: dict) -> None:
        try:
            session = al.session_from_metadata(spec, entry)
        except ValueError as exc:
            self._say(str(exc))
            return
        i = doc.layers.index(layer)
        # the layer the edit was made from sits below the one it made
        self._source = doc.layers[i - 1] if i > 0 else layer
        self._syncing = True
        self.model.setCurrentIndex(max(0, self.model.findData(spec.id)))
        self._syncing = False
        self.session = session
        if spec.kind in FACE_KINDS:
            self._set_face_pixels(np.array(self._source.pixels, copy=True))
            self.portrait.set_mode(session.mode)
        self._rebuild()
        self._say(f"Restored the latent of “{layer.name}”")
        self.request_preview()

    # --- the sliders and the table -------------------------------------------------------

    def _rebuild(self) -> None:
        while self.slider_form.rowCount():
            self.slider_form.removeRow(0)
        self.sliders.clear()
        self.value_labels.clear()
        s = self.session
        self.table.blockSignals(True)
        table = s is not None and s.spec.latent_dim <= TABLE_MAX
        self.table.setVisible(s is None or table)
        self.table.setColumnCount(s.spec.latent_dim if table else 0)
        if s is not None and table:
            self.table.setHorizontalHeaderLabels(list(s.spec.axis_names))
            for i, d in enumerate(s.spec.directions if s.spec.kind == jl.KIND_FACE else ()):
                self.table.horizontalHeaderItem(i).setToolTip(d.title)
            self.table.resizeColumnsToContents()
        if s is not None:
            for d in s.sliders:
                slider = QSlider(Qt.Orientation.Horizontal)
                slider.setRange(round(d.minimum * SLIDER_STEPS), round(d.maximum * SLIDER_STEPS))
                slider.setToolTip(d.description or f"{d.title}: one unit = {d.scale:.3g} "
                                  "along its direction")
                slider.valueChanged.connect(lambda v, n=d.name: self._slider_moved(n, v))
                slider.sliderReleased.connect(self.request_preview)
                label = QLabel("0.00")
                label.setMinimumWidth(36)
                row = QHBoxLayout()
                row.addWidget(slider, 1)
                row.addWidget(label)
                self.slider_form.addRow(d.title, row)
                self.sliders[d.name] = slider
                self.value_labels[d.name] = label
        else:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("Encode or sample to start")
            self.preview_image = None
        self.table.blockSignals(False)
        self._sync()

    def _sync(self) -> None:
        """Widgets ← session (signals blocked: the session is the truth)."""
        s = self.session
        self._syncing = True
        try:
            if s is not None:
                for name, slider in self.sliders.items():
                    v = s.values.get(name, 0.0)
                    slider.blockSignals(True)
                    slider.setValue(round(v * SLIDER_STEPS))
                    slider.blockSignals(False)
                    self.value_labels[name].setText(f"{v:+.2f}")
                self.table.blockSignals(True)
                for i, x in enumerate(s.current if self.table.columnCount() else ()):
                    item = self.table.item(0, i)
                    if item is None:
                        item = QTableWidgetItem()
                        self.table.setItem(0, i, item)
                    item.setText(f"{x:.2f}")
                self.table.blockSignals(False)
                self.mix.blockSignals(True)
                self.mix.setValue(round(s.mix * 100))
                self.mix.blockSignals(False)
        finally:
            self._syncing = False
        self._update_enabled()

    def _slider_moved(self, name: str, value: int) -> None:
        if self.session is None or self._syncing:
            return
        self.session.set_value(name, value / SLIDER_STEPS)
        self._sync()
        self.request_preview(dragging=self.sliders[name].isSliderDown())

    def set_slider(self, name: str, amount: float) -> None:
        """Move a direction's slider as a user would (tests, scripts)."""
        self.sliders[name].setValue(round(amount * SLIDER_STEPS))

    def _entry_edited(self, item: QTableWidgetItem) -> None:
        if self.session is None or self._syncing:
            return
        try:
            value = float(item.text())
        except ValueError:
            self._sync()
            return
        self.session.set_entry(item.column(), value)
        self._sync()
        self.request_preview()

    def store(self, slot: str) -> None:
        if self.session is None:
            return
        self.session.store(slot)
        self._say(f"Stored the current latent in {slot}")
        self._update_enabled()

    def _mix_moved(self, value: int) -> None:
        if self.session is None or self._syncing or not self.session.can_interpolate:
            return
        self.session.interpolate(value / 100)
        self._sync()
        self.request_preview(dragging=self.mix.isSliderDown())

    def reset(self) -> None:
        if self.session is None:
            return
        self.session.reset()
        self._sync()
        self.request_preview()

    # --- preview and apply -----------------------------------------------------------------

    def request_preview(self, dragging: bool = False) -> None:
        s = self.session
        if s is None:
            return
        req = s.preview_request(dragging, self._face_pixels, self._face_small)
        self.host.submit_job(req, al.run_preview_request, "Latent preview", key=PREVIEW_KEY,
                             lane="preview", document=False, on_done=self._show_preview,
                             on_error=lambda m: self._say(m))

    def _show_preview(self, res: al.PreviewResult) -> None:
        self.preview_image = res.image
        self.previews_shown += 1
        self._show_image(res.image)

    def _show_image(self, image: np.ndarray) -> None:
        pm = _pixmap(image).scaled(
            PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pm)

    def apply(self) -> None:
        s = self.session
        doc = self.host.document
        if s is None or doc is None or s.region is None:
            return
        source = self._source if self._source in doc.layers else doc.active_layer
        if source is None:
            return
        if s.spec.kind in FACE_KINDS:
            if self._face_pixels is None:
                self._say("Encode a face first")
                return
            pixels = self._face_pixels
            region = source.bounds
            s.region = Rect(region.x, region.y, region.w, region.h)
            mask = None
        else:
            pixels = regions.layer_region(doc, source, s.region)
            sel = regions.mask_array(doc, regions.MASK_SELECTION)
            mask = None
            if sel is not None:
                r = s.region
                mask = sel[r.y:r.y + r.h, r.x:r.x + r.w]
                if not mask.any():
                    mask = None
        req = s.apply_request(pixels, mask, source_index=doc.layers.index(source))
        watch = DocumentWatch(doc, source)

        def land(res: al.ApplyResult) -> None:
            al.apply_latent_layer(doc, res, watch)

        self.host.submit_job(req, al.run_apply_request, "Latent edit", land, watch=watch)


def latent_dock(host: Any) -> QWidget:
    return LatentPanel(host)
