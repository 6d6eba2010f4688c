"""Edit ▸ Preferences…: the compute device for AI filters, the undo history limit and the
autosave interval, kept in ``retouch.ini`` (``MainWindow.settings()``).

The device follows the same rule as the ``retouch`` command: ``$RETOUCH_DEVICE`` wins
when it is set, then this setting, then ``auto`` (CUDA, then Apple MPS, then the CPU).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.document.undo import DEFAULT_UNDO_LIMIT
from editor.jobs.engines import DEVICE_ENV_VAR as ENV_VAR

#: (setting value, menu text); "auto" first, as in ``retouch --device``
DEVICES: tuple[tuple[str, str], ...] = (
    ("auto", "Automatic (CUDA, then Apple MPS, then CPU)"),
    ("cuda", "CUDA (NVIDIA GPU)"),
    ("mps", "Apple MPS (Metal GPU)"),
    ("cpu", "CPU"),
)
UNDO_LIMIT_RANGE = (1, 1000)
AUTOSAVE_MINUTES_RANGE = (0, 60)  # 0: off


@dataclass(frozen=True)
class Preferences:
    """What the Preferences dialog sets; :meth:`load` never fails (bad values → defaults)."""

    device: str = "auto"
    undo_limit: int = DEFAULT_UNDO_LIMIT
    autosave_minutes: int = 3

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        d = cls()
        device = str(settings.value("ai/device", d.device)).strip().lower()

        def number(key: str, default: int, lo: int, hi: int) -> int:
            try:
                return min(hi, max(lo, int(settings.value(key, default))))
            except (TypeError, ValueError):
                return default

        return cls(
            device=device if device in dict(DEVICES) else d.device,
            undo_limit=number("history/undo_limit", d.undo_limit, *UNDO_LIMIT_RANGE),
            autosave_minutes=number("autosave/interval_minutes", d.autosave_minutes,
                                    *AUTOSAVE_MINUTES_RANGE),
        )

    def save(self, settings: QSettings) -> None:
        settings.setValue("ai/device", self.device)
        settings.setValue("history/undo_limit", self.undo_limit)
        settings.setValue("autosave/interval_minutes", self.autosave_minutes)
        settings.sync()


def env_device() -> str | None:
    """``$RETOUCH_DEVICE`` when set (it overrides the setting), else None."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    return value or None


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet("color: palette(placeholder-text)")
    return label


class PreferencesDialog(QDialog):
    """The settings form; :meth:`values` gives the edited :class:`Preferences`."""

    def __init__(self, prefs: Preferences, availability: dict[str, str | None], *,
                 current_device: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferences")

        self.device = QComboBox()
        self.device.setObjectName("preferences.device")
        model = self.device.model()
        assert isinstance(model, QStandardItemModel)
        reasons = []
        for value, text in DEVICES:
            reason = availability.get(value)
            self.device.addItem(text if reason is None else f"{text} — not available", value)
            item = model.item(self.device.count() - 1)
            if reason is not None:
                item.setEnabled(False)
                item.setToolTip(reason[0].upper() + reason[1:])
                reasons.append(f"{text.split(' (')[0]}: {reason}.")
        self.device.setCurrentIndex(max(0, self.device.findData(prefs.device)))
        env = env_device()
        self.env_overrides = bool(env)
        # Normal text, not a grey note: it says why the choice above has no effect now.
        self.env_note = QLabel(f"{ENV_VAR}={env} (or retouch --device {env}) is set and "
                               "overrides this choice while it is set." if env else "")
        self.env_note.setObjectName("preferences.env_note")
        self.env_note.setWordWrap(True)
        now = [f"In use now: {current_device}."] if current_device else []
        self.device_note = _note("\n".join(now + reasons))
        self.device_note.setObjectName("preferences.device_note")

        self.undo_limit = QSpinBox()
        self.undo_limit.setObjectName("preferences.undo_limit")
        self.undo_limit.setRange(*UNDO_LIMIT_RANGE)
        self.undo_limit.setSuffix(" steps")
        self.undo_limit.setValue(prefs.undo_limit)

        self.autosave = QSpinBox()
        self.autosave.setObjectName("preferences.autosave")
        self.autosave.setRange(*AUTOSAVE_MINUTES_RANGE)
        self.autosave.setSuffix(" min")
        self.autosave.setSpecialValueText("Never")
        self.autosave.setValue(prefs.autosave_minutes)

        ai = QGroupBox("AI filters")
        form = QFormLayout(ai)
        form.addRow("Compute &device:", self.device)
        if env:
            form.addRow("", self.env_note)
        form.addRow("", self.device_note)
        history = QGroupBox("History")
        form = QFormLayout(history)
        form.addRow("&Undo history:", self.undo_limit)
        form.addRow("", _note("Per document, for open and new documents. Older steps are "
                              "dropped first; fewer steps use less memory."))
        autosave = QGroupBox("Autosave")
        form = QFormLayout(autosave)
        form.addRow("&Save every:", self.autosave)
        form.addRow("", _note("A recovery copy of unsaved changes, offered again after a "
                              "crash; your files are only written when you save."))
        # Spin boxes keep their size (a number field across the dialog reads oddly); the
        # labels of the three groups share one width so the fields line up.
        for spin in (self.undo_limit, self.autosave):
            spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            spin.setMinimumWidth(110)
        forms = [box.layout() for box in (ai, history, autosave)]
        labels = [f.itemAt(r, QFormLayout.ItemRole.LabelRole).widget()
                  for f in forms for r in range(f.rowCount())
                  if f.itemAt(r, QFormLayout.ItemRole.LabelRole) is not None]
        width = max(label.sizeHint().width() for label in labels)
        for f in forms:
            f.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            f.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for label in labels:
            label.setMinimumWidth(width)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults)
        self.buttons = buttons

        lay = QVBoxLayout(self)
        for w in (ai, history, autosave):
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(buttons)
        self.setMinimumWidth(520)

    def restore_defaults(self) -> None:
        d = Preferences()
        self.device.setCurrentIndex(self.device.findData(d.device))
        self.undo_limit.setValue(d.undo_limit)
        self.autosave.setValue(d.autosave_minutes)

    def values(self) -> Preferences:
        return Preferences(device=str(self.device.currentData()),
                           undo_limit=self.undo_limit.value(),
                           autosave_minutes=self.autosave.value())
