"""Dialogs remember their last used settings, as GIMP's do: the values are stored when
the dialog is confirmed (OK, Inpaint, Apply, Start…) and put back the next time it opens,
in this session and the next; Cancel leaves the remembered values as they were.

One mechanism for every dialog: the dialog names the widgets to remember (each needs an
``objectName``, the key) and calls :func:`remember` once they exist::

    self.memory = remember(self, "inpaint", host, [self.engine, self.params, self.feather])

They live in ``retouch.ini`` (``MainWindow.settings()``) under
``[dialogs]``, as ``<dialog>/<objectName>``. Combo boxes keep their item's data (or
text), check boxes and radio buttons whether they are checked (a radio button is only
ever switched on, its group switches the others off), spin boxes and sliders their
value, line edits their text. An item that no longer exists or is disabled (an engine
that became unavailable) is skipped and the dialog's own default stays.

A widget with ``memory_values()`` and ``set_memory(recall)`` (the engine parameter form
of :mod:`editor.ui.ai_common`) stores several values under its name: ``recall(key)``
gives the remembered value of one of them (None when there is none), so the form can
put back each engine's own parameters whenever the engine changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

GROUP = "dialogs"


def host_settings(host: Any) -> QSettings | None:
    """The settings of the window hosting a dialog (``MainWindow.settings()``), or None
    for a host that keeps none (nothing is remembered then)."""
    get = getattr(host, "settings", None)
    return get() if callable(get) else None


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def widget_value(w: QWidget) -> Any:
    """What is stored for a widget (None: nothing to store)."""
    if isinstance(w, QComboBox):
        if w.currentIndex() < 0:
            return None
        data = w.currentData()
        return w.currentText() if data is None else str(data)
    if isinstance(w, QAbstractButton):
        return w.isChecked() if w.isCheckable() else None
    if isinstance(w, (QSpinBox, QDoubleSpinBox, QAbstractSlider)):
        return w.value()
    if isinstance(w, QLineEdit):
        return w.text()
    raise TypeError(f"cannot remember a {type(w).__name__}")


def set_widget_value(w: QWidget, value: Any) -> None:
    """Put a stored value (INI gives strings back) into a widget; values that no longer
    fit (an item gone or disabled, a number out of range) leave it as it is."""
    if isinstance(w, QComboBox):
        model = w.model()
        for i in range(w.count()):
            data = w.itemData(i)
            if (w.itemText(i) if data is None else str(data)) != str(value):
                continue
            if isinstance(model, QStandardItemModel) and not model.item(i).isEnabled():
                return
            w.setCurrentIndex(i)
            return
    elif isinstance(w, QAbstractButton):
        if w.isCheckable() and (_truthy(value) or not isinstance(w, QRadioButton)):
            w.setChecked(_truthy(value))
    elif isinstance(w, QDoubleSpinBox):
        w.setValue(float(value))
    elif isinstance(w, (QSpinBox, QAbstractSlider)):
        w.setValue(round(float(value)))
    elif isinstance(w, QLineEdit):
        w.setText(str(value))


class DialogMemory:
    """The remembered values of one dialog's named widgets (see the module docstring)."""

    def __init__(self, name: str, settings: QSettings | None,
                 widgets: Sequence[QWidget]) -> None:
        self.name = name
        self.settings = settings
        self.widgets = list(widgets)
        for w in self.widgets:
            if not w.objectName():
                raise ValueError(f"{name}: a remembered {type(w).__name__} needs an objectName")

    def key(self, w: QWidget, sub: str = "") -> str:
        return f"{GROUP}/{self.name}/{w.objectName()}" + (f"/{sub}" if sub else "")

    def recall(self, w: QWidget, sub: str = "") -> Any | None:
        if self.settings is None:
            return None
        return self.settings.value(self.key(w, sub))

    def restore(self) -> None:
        """Put the remembered values back (composite widgets first, so that an engine
        restored afterwards finds its parameters)."""
        if self.settings is None:
            return
        for w in self.widgets:
            if hasattr(w, "set_memory"):
                w.set_memory(lambda sub, w=w: self.recall(w, sub))
        for w in self.widgets:
            if hasattr(w, "set_memory"):
                continue
            value = self.recall(w)
            if value is not None:
                try:
                    set_widget_value(w, value)
                except (TypeError, ValueError):
                    pass  # a hand-edited or outdated entry: keep the default

    def save(self) -> None:
        """Store the widgets' current values (the dialog was confirmed)."""
        s = self.settings
        if s is None:
            return
        for w in self.widgets:
            if hasattr(w, "memory_values"):
                for sub, value in w.memory_values().items():
                    s.setValue(self.key(w, sub), value)
            else:
                value = widget_value(w)
                if value is not None:
                    s.setValue(self.key(w), value)
        s.sync()


def remember(dialog: QDialog, name: str, host: Any, widgets: Sequence[QWidget],
             save_on: Any = None) -> DialogMemory:
    """Restore ``widgets`` of ``dialog`` from the host's settings now, and store them when
    the dialog is accepted (``save_on``: another signal to store on, e.g. a Start button's
    ``clicked``; the dialog may also call ``save()`` itself)."""
    memory = DialogMemory(name, host_settings(host), widgets)
    memory.restore()
    (save_on if save_on is not None else dialog.accepted).connect(lambda *_: memory.save())
    return memory
