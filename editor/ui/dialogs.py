"""Small dialogs: new document, image/canvas size."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from editor.document.document import MAX_SIDE


class SizeDialog(QDialog):
    """Width × height (with an optional aspect lock) and, for new documents, bit depth."""

    def __init__(self, title: str, width: int, height: int, *, depth: int | None = None,
                 keep_aspect: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._ratio = width / max(1, height)
        self.w = QSpinBox()
        self.h = QSpinBox()
        for s, v in ((self.w, width), (self.h, height)):
            s.setRange(1, MAX_SIDE)
            s.setValue(v)
            s.setSuffix(" px")
        self.lock = QCheckBox("Keep aspect ratio")
        self.lock.setChecked(keep_aspect)
        self.w.valueChanged.connect(self._w_changed)
        self.h.valueChanged.connect(self._h_changed)
        form = QFormLayout(self)
        form.addRow("Width", self.w)
        form.addRow("Height", self.h)
        form.addRow("", self.lock)
        self.depth: QComboBox | None = None
        if depth is not None:
            self.depth = QComboBox()
            self.depth.addItem("8-bit", 8)
            self.depth.addItem("16-bit", 16)
            self.depth.setCurrentIndex(0 if depth == 8 else 1)
            form.addRow("Depth", self.depth)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _w_changed(self, v: int) -> None:
        if self.lock.isChecked():
            self.h.blockSignals(True)
            self.h.setValue(max(1, round(v / self._ratio)))
            self.h.blockSignals(False)

    def _h_changed(self, v: int) -> None:
        if self.lock.isChecked():
            self.w.blockSignals(True)
            self.w.setValue(max(1, round(v * self._ratio)))
            self.w.blockSignals(False)

    def values(self) -> tuple[int, int, int]:
        depth = self.depth.currentData() if self.depth is not None else 8
        return self.w.value(), self.h.value(), int(depth)


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK / Cancel buttons wired to ``dialog``'s accept and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
