"""Dialogs remember their last confirmed settings (editor.ui.dialog_memory), GIMP style:
stored on OK, put back on the next open in this session and after a restart (the same
retouch.ini), untouched by Cancel."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QSpinBox

from editor.ui import ai_style, ai_upscale
from editor.ui.dialog_memory import DialogMemory, remember
from tests.ui.test_ai_inpaint import _run_filter_dialog


@pytest.fixture
def ini(tmp_path, monkeypatch):
    """retouch.ini in this test's own folder (MainWindow.settings() reads it from here)."""
    monkeypatch.setenv("RETOUCH_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "retouch.ini"


def with_mask(window, qtbot):
    from tests.ui.conftest import make_document

    doc = make_document()
    m = np.zeros((90, 120), np.uint8)
    m[30:50, 40:60] = 255
    doc.set_ai_mask(m)
    window.add_document(doc, None, "memory")
    qtbot.wait(10)
    return doc


def click(qtbot, dialog, which) -> None:
    qtbot.mouseClick(dialog.buttons.button(which), Qt.MouseButton.LeftButton)


OK, CANCEL = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel


def pick(combo: QComboBox, data) -> None:
    combo.setCurrentIndex(combo.findData(data))
    assert combo.currentData() == data


def test_inpaint_remembers_engine_and_options_on_ok_not_on_cancel_and_after_restart(
        window, qtbot, ini):
    from editor.ui.app import create_main_window

    with_mask(window, qtbot)
    fresh = _run_filter_dialog(window, qtbot, lambda d: d.engine.engine_id())
    assert fresh == "patchmatch"  # nothing remembered yet: the default

    def choose(d):
        pick(d.engine, "navier-stokes")
        d.params.editor("radius").setValue(9)
        d.feather.setValue(11)
        qtbot.mouseClick(d.into_active, Qt.MouseButton.LeftButton)
        click(qtbot, d, OK)

    _run_filter_dialog(window, qtbot, choose)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)

    def seen(d):
        return (d.engine.engine_id(), d.params.values()["radius"], d.feather.value(),
                d.into_active.isChecked())

    assert _run_filter_dialog(window, qtbot, seen) == ("navier-stokes", 9, 11, True)

    def change_and_cancel(d):
        pick(d.engine, "telea")
        d.feather.setValue(2)
        click(qtbot, d, CANCEL)

    _run_filter_dialog(window, qtbot, change_and_cancel)
    assert _run_filter_dialog(window, qtbot, seen) == ("navier-stokes", 9, 11, True)

    # a restart: a new window reading the same retouch.ini
    assert ini.is_file() and "navier-stokes" in ini.read_text()
    again = create_main_window()
    try:
        again.show()
        with_mask(again, qtbot)
        assert _run_filter_dialog(again, qtbot, seen) == ("navier-stokes", 9, 11, True)
    finally:
        for v in again.views():
            again.close_view(v, ask=False)
        again.close()
        again.deleteLater()


def test_each_engine_gets_back_its_own_parameters(window, qtbot, ini):
    with_mask(window, qtbot)

    def choose(d):
        pick(d.engine, "patchmatch")
        d.params.editor("max_size").setValue(300)
        click(qtbot, d, OK)

    _run_filter_dialog(window, qtbot, choose)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)

    def other_engine_then_back(d):
        assert d.params.values()["max_size"] == 300
        pick(d.engine, "telea")
        assert "max_size" not in d.params.values()
        pick(d.engine, "patchmatch")
        return d.params.values()["max_size"]

    assert _run_filter_dialog(window, qtbot, other_engine_then_back) == 300


def test_upscale_and_style_remember_their_choices(window, qtbot, ini):
    with_mask(window, qtbot)

    def upscale(d):
        pick(d.engine, "lanczos")
        pick(d.scale, 3)
        click(qtbot, d, OK)

    _run_filter_dialog(window, qtbot, upscale, "upscale", ai_upscale.UpscaleDialog)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)
    assert _run_filter_dialog(window, qtbot, lambda d: (d.engine.engine_id(),
                                                        d.scale.currentData()),
                              "upscale", ai_upscale.UpscaleDialog) == ("lanczos", 3)

    def style(d):
        pick(d.engine, "color-transfer")
        d.strength.setValue(40)
        qtbot.mouseClick(d.keep_colors, Qt.MouseButton.LeftButton)
        d.add_style_file(__file__)  # enables Apply; the style file itself is not kept
        checked = d.keep_colors.isChecked()
        click(qtbot, d, OK)  # stored; the request then fails on this non-image: a message
        return checked

    assert _run_filter_dialog(window, qtbot, style, "style", ai_style.StyleDialog)
    shown = _run_filter_dialog(window, qtbot, lambda d: (
        d.engine.engine_id(), d.strength.value(), d.keep_colors.isChecked(),
        d.restrict.isChecked()), "style", ai_style.StyleDialog)
    assert shown == ("color-transfer", 40, True, False)  # Only inside: never remembered


def test_outdated_entries_leave_the_defaults(tmp_path):
    s = QSettings(str(tmp_path / "r.ini"), QSettings.Format.IniFormat)
    s.setValue("dialogs/t/box", "gone")
    s.setValue("dialogs/t/spin", "not a number")
    dialog = QDialog()
    box, spin = QComboBox(dialog), QSpinBox(dialog)
    box.setObjectName("box")
    spin.setObjectName("spin")
    box.addItem("A", "a")
    box.addItem("B", "b")
    box.setCurrentIndex(1)
    spin.setValue(5)
    DialogMemory("t", s, [box, spin]).restore()
    assert box.currentData() == "b" and spin.value() == 5
    with pytest.raises(ValueError, match="objectName"):
        remember(dialog, "t", None, [QSpinBox(dialog)])


def test_the_training_dialog_remembers_what_it_started_with(window, qtbot, ini, tmp_path):
    from editor.ui.ai_train import TrainDialog

    empty = tmp_path / "no-images"
    empty.mkdir()
    dlg = TrainDialog(window)
    dlg.folder.setText(str(empty))
    dlg.name.setText("my-cats")
    dlg.latent.setValue(24)
    pick(dlg.kind, "gan")
    fresh = TrainDialog(window)
    assert fresh.name.text() == "my-faces"  # nothing started yet: nothing remembered
    qtbot.mouseClick(dlg.start_button, Qt.MouseButton.LeftButton)
    assert dlg.job is not None  # stored on Start (the run itself fails: no images)
    qtbot.waitUntil(lambda: dlg.job.finished, timeout=60000)
    again = TrainDialog(window)
    assert (again.folder.text(), again.name.text(), again.latent.value(),
            again.kind.currentData()) == (str(empty), "my-cats", 24, "gan")
