"""Edit ▸ Preferences…: compute device, undo history limit and autosave interval, kept in
retouch.ini and applied to the window, its documents and the AI jobs."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from editor.paths import config_dir
from editor.ui.preferences import PreferencesDialog
from tests.ui.conftest import make_document


def run_dialog(window, act) -> None:
    """Open Edit ▸ Preferences… through its menu action and let ``act(dialog)`` drive it."""
    done = []

    def poll():
        d = QApplication.activeModalWidget()
        if isinstance(d, PreferencesDialog):
            done.append(True)
            act(d)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    window.actions_by_id["edit.preferences"].trigger()
    assert done, "the Preferences dialog did not open"


def ok(d: PreferencesDialog) -> None:
    d.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def ini() -> QSettings:
    return QSettings(str(config_dir() / "retouch.ini"), QSettings.Format.IniFormat)


def test_preferences_is_in_the_edit_menu_and_on_macos_in_the_app_menu(window):
    act = window.actions_by_id["edit.preferences"]
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert act in edit.actions()
    assert act.menuRole() == QAction.MenuRole.PreferencesRole
    assert act.isEnabled()  # no document needed


def test_devices_that_are_not_here_are_disabled_with_the_reason(window, qtbot):
    import torch

    seen = {}

    def inspect(d):
        combo = d.device
        for i in range(combo.count()):
            item = combo.model().item(i)
            seen[combo.itemData(i)] = (item.isEnabled(), item.toolTip(), combo.itemText(i))
        seen["note"] = d.device_note.text()
        seen["env_visible"] = d.env_note.isVisibleTo(d)
        d.reject()

    run_dialog(window, inspect)
    assert list(seen)[:4] == ["auto", "cuda", "mps", "cpu"]
    assert seen["auto"][0] and seen["cpu"][0]
    assert seen["cuda"][0] == torch.cuda.is_available()
    if sys.platform != "darwin":
        enabled, tip, text = seen["mps"]
        assert not enabled and "not available" in text
        assert tip == "Only on Macs with Apple silicon"
        assert "Apple MPS: only on Macs with Apple silicon." in seen["note"]
    if not torch.cuda.is_available():
        assert not seen["cuda"][0] and seen["cuda"][1]  # a reason is given
    assert "RETOUCH_DEVICE" not in seen["note"] and not seen["env_visible"]


def test_chosen_settings_are_stored_and_applied_to_documents_autosave_and_jobs(
        window, qtbot):
    view = window.add_document(make_document(), None, "a")
    doc = view.document
    for i in range(8):
        doc.set_layer_property(0, "opacity", 0.5 + i / 100, merge=False)
    assert doc.undo.count == 8 and window._autosave_timer.isActive()

    def choose(d):
        d.device.setCurrentIndex(d.device.findData("cpu"))
        d.undo_limit.setValue(3)
        d.autosave.setValue(0)
        assert d.autosave.text() == "Never"
        ok(d)

    run_dialog(window, choose)
    s = ini()
    assert (s.value("ai/device"), int(s.value("history/undo_limit")),
            int(s.value("autosave/interval_minutes"))) == ("cpu", 3, 0)
    assert doc.undo.limit == 3 and doc.undo.count == 3  # open documents: trimmed
    assert not window._autosave_timer.isActive()
    assert window.device == "cpu" and window.device_label.text().startswith("CPU (")
    assert "Edit ▸ Preferences: cpu" in window.device_label.toolTip()

    # New documents get the limit too.
    new = window.add_document(make_document(), None, "b").document
    assert new.undo.limit == 3

    # The AI jobs run on the chosen device.
    got = []
    job = window.submit_job(object(), lambda _r, ctx: got.append(ctx.device), "probe",
                            lambda _r: None)
    assert job.device == "cpu"
    qtbot.waitUntil(lambda: job.state == "done", timeout=3000)
    assert got == ["cpu"]

    # A later session reads them back.
    from editor.ui.main_window import MainWindow

    again = MainWindow()
    try:
        assert again.preferences == window.preferences
        assert again.device == "cpu" and not again._autosave_timer.isActive()
    finally:
        again.deleteLater()


def test_autosave_interval_sets_the_timer(window):
    run_dialog(window, lambda d: (d.autosave.setValue(7), ok(d)))
    assert window._autosave_timer.isActive()
    assert window._autosave_timer.interval() == 7 * 60 * 1000


def test_environment_variable_wins_and_the_dialog_says_so(window, qtbot, monkeypatch):
    monkeypatch.setenv("RETOUCH_DEVICE", "cpu")
    notes = []

    def choose(d):
        notes.append(d.env_note.text())
        assert d.env_note.isVisibleTo(d)
        d.device.setCurrentIndex(d.device.findData("auto"))  # would pick a GPU if any
        ok(d)

    ini().setValue("ai/device", "cpu")
    window.preferences = type(window.preferences)(device="cpu")
    run_dialog(window, choose)
    assert "RETOUCH_DEVICE=cpu" in notes[0] and "overrides this choice" in notes[0]
    assert window.preferences.device == "auto" and window.device == "cpu"
    assert "RETOUCH_DEVICE: cpu" in window.device_label.toolTip()


def test_a_stored_device_that_is_not_here_falls_back_to_the_cpu_visibly(window, qtbot):
    import torch

    if torch.backends.mps.is_available():
        pytest.skip("MPS is here")
    window.preferences = type(window.preferences)(device="mps")
    window.detect_device()
    assert window.device == "cpu"
    assert window.device_label.text() == "CPU (fallback)"
    assert "MPS" in window.device_label.toolTip()
    assert "AI filters use the CPU" in window.statusBar().currentMessage()


def test_restore_defaults(window):
    values = []

    def restore(d):
        d.undo_limit.setValue(5)
        d.autosave.setValue(30)
        d.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
        values.append(d.values())
        d.reject()

    run_dialog(window, restore)
    assert values[0] == type(window.preferences)()


def test_bad_values_in_the_ini_file_give_defaults(window):
    from editor.ui.preferences import Preferences

    s = ini()
    s.setValue("ai/device", "tpu")
    s.setValue("history/undo_limit", "lots")
    s.setValue("autosave/interval_minutes", 9999)
    assert Preferences.load(s) == Preferences(autosave_minutes=60)

