"""Select ▸ Feather… / Grow… / Shrink…: one small dialog asking for a radius in pixels,
remembering the last radius of each command for the session (as GIMP does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDoubleSpinBox, QFormLayout, QWidget

from editor.ui.dialogs import ok_cancel

if TYPE_CHECKING:
    from editor.ui.main_window import MainWindow

#: command id → (window title, history verb, default radius, decimals)
COMMANDS: dict[str, tuple[str, str, float, int]] = {
    "feather": ("Feather Selection", "Feather", 5.0, 1),
    "grow": ("Grow Selection", "Grow", 5.0, 0),
    "shrink": ("Shrink Selection", "Shrink", 5.0, 0),
}
MAX_RADIUS = 500.0
_last: dict[str, float] = {}


class RadiusDialog(QDialog):
    """A radius spin box (px) with OK / Cancel; ``radius()`` reads it."""

    def __init__(self, title: str, verb: str, value: float, decimals: int = 1,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.spin = QDoubleSpinBox()
        self.spin.setObjectName("radius")
        self.spin.setDecimals(decimals)
        self.spin.setRange(0.0 if decimals else 1.0, MAX_RADIUS)
        self.spin.setSuffix(" px")
        self.spin.setValue(value)
        self.spin.selectAll()
        form = QFormLayout(self)
        form.addRow(f"{verb} by", self.spin)
        form.addRow(ok_cancel(self))

    def radius(self) -> float:
        return float(self.spin.value())


def run(window: MainWindow, command: str) -> None:
    """Ask for the radius of ``command`` ("feather" | "grow" | "shrink") and apply it to
    the current document's selection (one undo step; nothing when cancelled)."""
    doc = window.document
    if doc is None:
        return
    if not doc.selection.active:
        window.show_message(f"{COMMANDS[command][1]}: make a selection first")
        return
    title, verb, default, decimals = COMMANDS[command]
    dlg = RadiusDialog(title, verb, _last.get(command, default), decimals, window)
    if not dlg.exec():
        return
    r = dlg.radius()
    _last[command] = r
    if command == "feather":
        window._guard(lambda d: d.selection.feather(r), verb)
    elif command == "grow":
        window._guard(lambda d: d.selection.grow(round(r)), verb)
    else:
        window._guard(lambda d: d.selection.shrink(round(r)), verb)
