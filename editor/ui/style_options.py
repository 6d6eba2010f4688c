"""The style dialog's engine options: a simple mode with an "Advanced" group.

:class:`EngineOptions` replaces a plain :class:`~editor.ui.ai_common.ParamsForm` for the
style engines. It shows

* the engine's everyday parameters (those not in its ``advanced_params``);
* a **Detail** slider (0–100 %) for engines that offer ``detail_params(detail)``: moving
  it writes the technical values that detail level maps to (working size, iterations,
  smoothing, ...) into the advanced editors, so the two always agree and the advanced
  values are what runs;
* an **Advanced** collapsible group (superqt's QCollapsible, collapsed by default; a
  checkable group box where superqt is missing) with the technical parameters. Editing
  one by hand marks the Detail slider "custom".

It has ParamsForm's interface (``changed``, ``set_engine``, ``values``, ``set_value``,
``editor``), so the dialog code that reads or restores parameters does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from editor.ui.ai_common import ParamsForm

try:
    from superqt import QCollapsible
except ImportError:  # pragma: no cover - superqt is a declared dependency
    QCollapsible = None


class _Subset(ParamsForm):
    """A ParamsForm showing either only the engine's advanced parameters or only the
    others (``skip`` names are never shown)."""

    def __init__(self, parent: QWidget | None, skip: Sequence[str], advanced: bool) -> None:
        super().__init__(parent, skip=skip)
        self._always_skip = set(skip)
        self._advanced = advanced

    def set_engine(self, engine) -> None:
        names = set(getattr(engine, "advanced_params", ()) or ())
        params = engine.params if engine is not None else ()
        self._skip = self._always_skip | {p.name for p in params
                                          if (p.name in names) != self._advanced}
        super().set_engine(engine)

    def names(self) -> list[str]:
        return list(self._editors)


class _Group(QGroupBox):
    """Fallback collapsible: a checkable group box whose content hides when unchecked."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setCheckable(True)
        self.setChecked(False)
        self._lay = QVBoxLayout(self)
        self.toggled.connect(self._show)

    def addWidget(self, w: QWidget) -> None:
        self._lay.addWidget(w)
        w.setVisible(self.isChecked())

    def _show(self, on: bool) -> None:
        for i in range(self._lay.count()):
            item = self._lay.itemAt(i).widget()
            if item is not None:
                item.setVisible(on)

    def expand(self, animate: bool = False) -> None:
        self.setChecked(True)

    def collapse(self, animate: bool = False) -> None:
        self.setChecked(False)

    def isExpanded(self) -> bool:
        return self.isChecked()


class EngineOptions(QWidget):
    """Simple mode (the everyday parameters and one Detail slider) + an Advanced group."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, skip: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("params")  # the dialog memory's key, as for a ParamsForm
        self.engine = None
        self.basic = _Subset(self, skip, advanced=False)
        self.advanced = _Subset(self, skip, advanced=True)
        self.detail = QSlider(Qt.Orientation.Horizontal)
        self.detail.setObjectName("style.detail")
        self.detail.setRange(0, 100)
        self.detail.setValue(50)
        self.detail.setToolTip("coarse, flat and quick … fine, close to the photo")
        self.detail_label = QLabel("50 %")
        detail_row = QHBoxLayout()
        detail_row.setContentsMargins(0, 0, 0, 0)
        detail_row.addWidget(self.detail, 1)
        detail_row.addWidget(self.detail_label)
        self._detail_box = QWidget(self)
        self._detail_box.setLayout(detail_row)
        if QCollapsible is not None:
            self.advanced_group = QCollapsible("Advanced", self)
            self.advanced_group.setObjectName("style.advanced")
            self.advanced_group.addWidget(self.advanced)
            self.advanced_group.collapse(animate=False)
        else:
            self.advanced_group = _Group("Advanced", self)
            self.advanced_group.setObjectName("style.advanced")
            self.advanced_group.addWidget(self.advanced)
        self._form = QFormLayout()
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow("Detail", self._detail_box)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.basic)
        lay.addLayout(self._form)
        lay.addWidget(self.advanced_group)
        self.detail.valueChanged.connect(self._detail_moved)
        self.basic.changed.connect(self.changed)
        self.advanced.changed.connect(self._advanced_edited)

    # --- ParamsForm's interface ----------------------------------------------------

    def set_engine(self, engine) -> None:
        self.engine = engine
        self.basic.set_engine(engine)
        self.advanced.set_engine(engine)
        has_detail = self.detail_params(self.detail.value()) is not None
        self._form.setRowVisible(self._detail_box, has_detail)
        self.advanced_group.setVisible(bool(self.advanced.names()))
        if has_detail:
            default = float(getattr(engine, "default_detail", 0.5))
            self.detail.blockSignals(True)
            self.detail.setValue(round(default * 100))
            self.detail.blockSignals(False)
            self._apply_detail()
        self._update_label()

    # the dialog memory (editor.ui.dialog_memory): each engine's values, from both parts

    def memory_values(self) -> dict[str, Any]:
        out = self.basic.memory_values()
        out.update(self.advanced.memory_values())
        return out

    def set_memory(self, recall) -> None:
        self.basic.set_memory(recall)
        self.advanced.set_memory(recall)

    def values(self) -> dict[str, Any]:
        out = self.basic.values()
        out.update(self.advanced.values())
        return out

    def set_value(self, name: str, value: Any) -> None:
        form = self.advanced if name in self.advanced.names() else self.basic
        form.set_value(name, value)

    def editor(self, name: str) -> QWidget:
        form = self.advanced if name in self.advanced.names() else self.basic
        return form.editor(name)

    # --- simple mode ---------------------------------------------------------------

    def detail_params(self, value: int) -> dict[str, Any] | None:
        """What the engine maps the slider position ``value`` (0–100) to, or None."""
        fn = getattr(self.engine, "detail_params", None)
        return fn(value / 100.0) if fn is not None else None

    def is_custom(self) -> bool:
        """Whether the advanced values differ from what the Detail slider maps to."""
        mapped = self.detail_params(self.detail.value()) or {}
        current = self.advanced.values()
        return any(k in current and abs(float(current[k]) - float(v)) > 1e-6
                   for k, v in mapped.items())

    def _apply_detail(self) -> None:
        mapped = self.detail_params(self.detail.value()) or {}
        self.advanced.blockSignals(True)
        try:
            for name, value in mapped.items():
                if name in self.advanced.names():
                    self.advanced.set_value(name, value)
        finally:
            self.advanced.blockSignals(False)

    def _detail_moved(self, _value: int) -> None:
        self._apply_detail()
        self._update_label()
        self.changed.emit()

    def _advanced_edited(self) -> None:
        self._update_label()
        self.changed.emit()

    def _update_label(self) -> None:
        text = f"{self.detail.value()} %"
        self.detail_label.setText(text + (" (custom)" if self.is_custom() else ""))
