"""The style dialog's engine options: simple mode (Detail) and the Advanced group."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox

from editor.jobs.engines import get_engine
from editor.ui import ai_style
from tests.ui.test_ai_style import content_pixels, open_doc, style_pixels


def _dialog(window, qtbot, engine_id):
    open_doc(window, style_pixels(), qtbot, "style")
    open_doc(window, content_pixels(), qtbot, "photo")
    dialog = ai_style.StyleDialog(window)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.engine.select(engine_id)
    return dialog


def _shown(options) -> bool:
    """Whether the Advanced editors take space on screen (open and not animating)."""
    group = options.advanced_group
    content = group.content() if hasattr(group, "content") else options.advanced
    return group.isExpanded() and options.advanced.isVisible() and content.height() > 20


def _expand_advanced(qtbot, options):
    group = options.advanced_group
    if hasattr(group, "toggleButton"):  # superqt: click its header button
        qtbot.mouseClick(group.toggleButton(), Qt.MouseButton.LeftButton)
    else:  # the QGroupBox fallback: its title check box
        group.setChecked(True)
    qtbot.waitUntil(lambda: _shown(options), timeout=3000)


def test_gatys_shows_detail_and_hides_its_technical_settings(window, qtbot):
    dialog = _dialog(window, qtbot, "gatys")
    options = dialog.params
    assert options.detail.isVisible()
    # none of the nine technical settings is in the simple form, and Advanced is closed
    assert options.basic.names() == []
    assert set(options.advanced.names()) == set(get_engine("gatys", "style").advanced_params)
    assert not _shown(options)
    _expand_advanced(qtbot, options)
    assert options.editor("max_size").isVisible()
    dialog.reject()


def test_detail_slider_maps_to_the_gatys_parameters(window, qtbot):
    dialog = _dialog(window, qtbot, "gatys")
    options = dialog.params
    engine = get_engine("gatys", "style")
    defaults = engine.resolve_params({})
    assert dialog.values()["max_size"] == defaults["max_size"]  # 50 % = the defaults
    options.detail.setFocus()
    qtbot.keyClick(options.detail, Qt.Key.Key_End)  # finest
    assert options.detail.value() == 100
    fine = engine.detail_params(1.0)
    values = dialog.values()
    for name, value in fine.items():
        assert values[name] == value, name
    qtbot.keyClick(options.detail, Qt.Key.Key_Home)  # coarsest
    assert dialog.values()["max_size"] == engine.detail_params(0.0)["max_size"] < \
        fine["max_size"]
    # the request carries them
    assert dict(dialog.request().params)["max_size"] == engine.detail_params(0.0)["max_size"]
    dialog.reject()


def test_editing_an_advanced_value_marks_detail_custom_and_wins(window, qtbot):
    dialog = _dialog(window, qtbot, "gatys")
    options = dialog.params
    _expand_advanced(qtbot, options)
    assert "custom" not in options.detail_label.text()
    box = options.editor("tv_weight")
    assert isinstance(box, QDoubleSpinBox)
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "9")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert dialog.values()["tv_weight"] == 9.0
    assert "custom" in options.detail_label.text()
    dialog.reject()


def test_paint_detail_slider_sets_its_detail(window, qtbot):
    dialog = _dialog(window, qtbot, "paint")
    options = dialog.params
    assert options.detail.isVisible()
    options.detail.setFocus()
    qtbot.keyClick(options.detail, Qt.Key.Key_PageUp)  # +10 %
    assert abs(dialog.values()["detail"] - options.detail.value() / 100) < 1e-9
    assert options.detail.value() == 60
    dialog.reject()


def test_colour_transfer_options_stay_in_the_simple_form(window, qtbot):
    dialog = _dialog(window, qtbot, "color-transfer")
    options = dialog.params
    assert not options.detail.isVisible()
    assert not options.advanced_group.isVisible()
    assert {"method", "preserve_luminance"} <= set(options.basic.names())
    assert options.editor("preserve_luminance").isVisible()
    dialog.reject()
