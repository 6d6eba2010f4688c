"""Layer ▸ Properties…: name, opacity, blend mode, visibility and lock of one layer."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from editor.document import BLEND_MODE_NAMES, BLEND_MODES
from editor.ui.dialogs import ok_cancel


class LayerPropertiesDialog(QDialog):
    """Name, opacity, blend mode, visibility and lock of one layer; ``values()`` gives
    the changed ones."""

    def __init__(self, layer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Layer Properties")
        self.layer = layer
        self.name = QLineEdit(layer.name)
        self.opacity = QSpinBox()
        self.opacity.setRange(0, 100)
        self.opacity.setSuffix(" %")
        self.opacity.setValue(round(layer.opacity * 100))
        self.blend = QComboBox()
        for mode in BLEND_MODES:
            self.blend.addItem(BLEND_MODE_NAMES.get(mode, mode), mode)
        self.blend.setCurrentIndex(max(0, self.blend.findData(layer.blend_mode)))
        self.visible = QCheckBox("Visible")
        self.visible.setChecked(layer.visible)
        self.locked = QCheckBox("Locked")
        self.locked.setChecked(layer.locked)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Opacity", self.opacity)
        form.addRow("Blend mode", self.blend)
        form.addRow("", self.visible)
        form.addRow("", self.locked)
        form.addRow(ok_cancel(self))

    def values(self) -> dict:
        layer, out = self.layer, {}
        name = self.name.text().strip()
        if name and name != layer.name:
            out["name"] = name
        if self.opacity.value() != round(layer.opacity * 100):
            out["opacity"] = self.opacity.value() / 100
        if self.blend.currentData() != layer.blend_mode:
            out["blend_mode"] = self.blend.currentData()
        if self.visible.isChecked() != layer.visible:
            out["visible"] = self.visible.isChecked()
        if self.locked.isChecked() != layer.locked:
            out["locked"] = self.locked.isChecked()
        return out
