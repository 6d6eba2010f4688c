"""Dockable panels: History and Tool options (the Layers panel lives in
:mod:`editor.ui.layers_panel`; its names are re-exported here).

Panels observe the document (``doc.events``) or the :class:`ToolState` and rebuild from
them; they never hold state of their own. While syncing from the model they block their
widgets' signals, so a refresh never echoes back as an edit (napari's pattern).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSlider,
    QWidget,
)

from editor.document import Document, Event
from editor.ui.icons import icon
from editor.ui.layers_panel import (  # noqa: F401 - re-exported (older imports)
    SUBTITLE_ROLE,
    THUMB,
    DocumentListener,
    LayerItemDelegate,
    LayersPanel,
    layer_subtitle,
    layer_thumbnail,
)
from editor.ui.tools import SELECTION_TOOLS, TOOL_OPTIONS, TOOLS, ToolState


class HistoryPanel(DocumentListener, QListWidget):
    """Row 0 is the document as opened; row i is "after command i". Click to go there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc: Document | None = None
        self.setIconSize(QSize(16, 16))
        self.setToolTip("Click a step to go back to it; later steps stay until you edit")
        self.currentRowChanged.connect(self._jump)

    def _on_event(self, ev: Event) -> None:
        if ev.kind == "history-changed":
            self.refresh()

    def refresh(self) -> None:
        self.blockSignals(True)
        try:
            self.clear()
            if self.doc is None:
                return
            undo = self.doc.undo
            self.addItem(QListWidgetItem(icon("history"), "Original"))
            blank = QPixmap(self.iconSize())
            blank.fill(QColor(0, 0, 0, 0))
            for i in range(undo.count):
                item = QListWidgetItem(QIcon(blank), undo.text(i) or "Edit")
                if i >= undo.index:  # undone steps look greyed out, as in Photoshop
                    item.setForeground(QColor(130, 130, 130))
                self.addItem(item)
            self.setCurrentRow(undo.index)
            self.scrollToItem(self.currentItem())
        finally:
            self.blockSignals(False)

    def _jump(self, row: int) -> None:
        if self.doc is not None and row >= 0 and row != self.doc.undo.index:
            if self.doc.stroke_active:
                return
            self.doc.undo.set_index(row)


class ColorButton(QPushButton):
    color_picked = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(48, 24)
        self.clicked.connect(self._choose)
        self._rgb = (0.0, 0.0, 0.0)

    def set_rgb(self, rgb: tuple[float, float, float]) -> None:
        self._rgb = rgb
        c = QColor.fromRgbF(*rgb)
        self.setStyleSheet(f"background-color: {c.name()}; border: 1px solid #888;")
        self.setToolTip(f"Colour {c.name()}")

    def _choose(self) -> None:
        c = QColorDialog.getColor(QColor.fromRgbF(*self._rgb), self, "Brush colour")
        if c.isValid():
            self.color_picked.emit((c.redF(), c.greenF(), c.blueF()))


def _slider(lo: int, hi: int) -> QSlider:
    s = QSlider(Qt.Orientation.Horizontal)
    s.setRange(lo, hi)
    return s


class ToolOptionsPanel(QWidget):
    """Mirrors :class:`ToolState`; every widget writes straight back to it."""

    def __init__(self, state: ToolState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        self.size = _slider(1, 1000)
        self.size_label = QLabel()
        self.hardness = _slider(0, 100)
        self.opacity = _slider(0, 100)
        self.color = ColorButton()
        self.mask_target = QComboBox()
        self.mask_target.addItem("AI mask", "ai_mask")
        self.mask_target.addItem("Layer mask", "mask")
        self.mask_add = QRadioButton("Add")
        self.mask_sub = QRadioButton("Subtract")
        group = QButtonGroup(self)
        group.addButton(self.mask_add)
        group.addButton(self.mask_sub)
        self.tolerance = _slider(0, 255)
        self.contiguous = QCheckBox("Contiguous")
        self.select_mode = QComboBox()
        self.select_mode.setObjectName("select-mode")
        for mode, text in (("replace", "Replace"), ("add", "Add (Shift)"),
                           ("subtract", "Subtract (Alt)"), ("intersect", "Intersect (Shift+Alt)")):
            self.select_mode.addItem(text, mode)
        self.select_mode.setToolTip("How a new selection combines with the current one; "
                                    "Shift, Alt or both while dragging override it")
        self.feather = QDoubleSpinBox()
        self.feather.setObjectName("select-feather")
        self.feather.setRange(0.0, 500.0)
        self.feather.setDecimals(1)
        self.feather.setSuffix(" px")
        self.feather.setSpecialValueText("Off")
        self.feather.setToolTip("Soften the edge of each new selection by this radius")
        self.antialias = QCheckBox("Antialiasing")
        self.antialias.setObjectName("select-antialias")
        self.antialias.setToolTip("A smooth one-pixel edge on ellipses and lasso shapes")
        self.transform_hint = QLabel("Drag inside to move, a handle to scale (Shift keeps "
                                     "aspect), outside to rotate (Shift: 15° steps).\n"
                                     "Enter applies, Esc cancels.")
        self.transform_hint.setWordWrap(True)

        form = QFormLayout(self)
        form.addRow(self.title)
        srow = QHBoxLayout()
        srow.addWidget(self.size, 1)
        srow.addWidget(self.size_label)
        self._rows = {
            "size": ("Size", srow),
            "hardness": ("Hardness", self.hardness),
            "opacity": ("Opacity", self.opacity),
            "color": ("Colour", self.color),
            "mask_target": ("Paint on", self.mask_target),
            "mask_mode": ("Mode", self._pair(self.mask_add, self.mask_sub)),
            "tolerance": ("Tolerance", self.tolerance),
            "contiguous": ("", self.contiguous),
            "select_mode": ("Mode", self.select_mode),
            "select_feather": ("Feather", self.feather),
            "select_antialias": ("", self.antialias),
            "transform_hint": ("", self.transform_hint),
        }
        self._labels: dict[str, QLabel] = {}
        for key, (text, w) in self._rows.items():
            label = QLabel(text)
            self._labels[key] = label
            if isinstance(w, QHBoxLayout):
                holder = QWidget()
                holder.setLayout(w)
                w.setContentsMargins(0, 0, 0, 0)
                self._rows[key] = (text, holder)
                w = holder
            form.addRow(label, w)
        self._extra = {tid: factory(state) for tid, factory in TOOL_OPTIONS.items()}
        for w in self._extra.values():
            form.addRow(w)

        self.size.valueChanged.connect(lambda v: state.set("size", v))
        self.hardness.valueChanged.connect(lambda v: state.set("hardness", v / 100))
        self.opacity.valueChanged.connect(lambda v: state.set("opacity", v / 100))
        self.color.color_picked.connect(lambda c: state.set("color", c))
        self.mask_target.currentIndexChanged.connect(
            lambda i: state.set("mask_target", self.mask_target.itemData(i)))
        self.mask_sub.toggled.connect(lambda on: state.set("mask_subtract", on))
        self.tolerance.valueChanged.connect(lambda v: state.set("tolerance", v))
        self.contiguous.toggled.connect(lambda on: state.set("fill_contiguous", on))
        self.select_mode.currentIndexChanged.connect(
            lambda i: state.set("select_mode", self.select_mode.itemData(i)))
        self.feather.valueChanged.connect(lambda v: state.set("select_feather", v))
        self.antialias.toggled.connect(lambda on: state.set("select_antialias", on))
        state.changed.connect(lambda _name: self.refresh())
        self.refresh()

    @staticmethod
    def _pair(a: QWidget, b: QWidget) -> QWidget:
        w = QWidget()
        lay = QHBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(a)
        lay.addWidget(b)
        lay.addStretch(1)
        return w

    def refresh(self) -> None:
        s = self.state
        widgets = (self.size, self.hardness, self.opacity, self.color, self.mask_target,
                   self.mask_add, self.mask_sub, self.tolerance, self.contiguous,
                   self.select_mode, self.feather, self.antialias)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.title.setText(next(t.title for t in TOOLS if t.id == s.tool))
            self.size.setValue(round(s.size))
            self.size_label.setText(f"{round(s.size)} px")
            self.hardness.setValue(round(s.hardness * 100))
            self.opacity.setValue(round(s.opacity * 100))
            self.color.set_rgb(s.color)
            self.mask_target.setCurrentIndex(self.mask_target.findData(s.mask_target))
            self.mask_sub.setChecked(s.mask_subtract)
            self.mask_add.setChecked(not s.mask_subtract)
            self.tolerance.setValue(s.tolerance)
            self.contiguous.setChecked(s.fill_contiguous)
            self.select_mode.setCurrentIndex(self.select_mode.findData(s.select_mode))
            self.feather.setValue(s.select_feather)
            self.antialias.setChecked(s.select_antialias)
            selecting = s.tool in SELECTION_TOOLS
            brushy = s.tool in ("brush", "eraser", "mask-brush", "heal", "clone", "spot-heal")
            show = {
                "size": brushy, "hardness": brushy,
                "opacity": brushy and s.tool != "spot-heal" or s.tool == "fill",
                "color": s.tool in ("brush", "fill", "picker"),
                "mask_target": s.tool == "mask-brush", "mask_mode": s.tool == "mask-brush",
                "tolerance": s.tool == "fill", "contiguous": s.tool == "fill",
                "select_mode": selecting, "select_feather": selecting,
                "select_antialias": s.tool in ("ellipse-select", "lasso"),
                "transform_hint": s.tool == "transform",
            }
            for key, (_text, w) in self._rows.items():
                w.setVisible(show[key])
                self._labels[key].setVisible(show[key])
            for tid, w in self._extra.items():
                w.setVisible(tid == s.tool)
        finally:
            for w in widgets:
                w.blockSignals(False)
