"""Help ▸ Keyboard Shortcuts lists every shortcut of the window, and README keeps up."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

from editor.ui.shortcuts_dialog import ShortcutsDialog, shortcut_rows

README = Path(__file__).resolve().parents[2] / "README.md"


def open_dialog(window, qtbot) -> ShortcutsDialog:
    act = window.actions_by_id["help.shortcuts"]
    assert act in window.menus["Help"].actions()
    act.trigger()
    dlg = window.shortcuts_dialog
    qtbot.waitExposed(dlg)
    return dlg


def test_dialog_lists_the_retouching_tools_and_searches(window, qtbot):
    dlg = open_dialog(window, qtbot)
    rows = {(r.title, r.keys) for r in dlg.rows}
    for row in (("Healing Brush", "J"), ("Spot Healing Brush", "Shift+J"),
                ("Clone Stamp", "S"), ("Crop", "C"), ("Undo", "Ctrl+Z")):
        assert row in rows
    qtbot.keyClicks(dlg.search, "heal")
    shown = dlg.visible_titles()
    assert "Healing Brush" in shown and "Spot Healing Brush" in shown
    assert "Crop" not in shown and "Brush" not in shown
    dlg.search.clear()
    assert len(dlg.visible_titles()) == len(dlg.rows)
    qtbot.keyClicks(dlg.search, "ctrl+z")  # keys are searchable too
    assert dlg.visible_titles() == ["Undo"]
    dlg.close()


def test_an_action_added_later_by_any_module_appears(window, qtbot):
    act = QAction("Frobnicate", window)
    act.setShortcut(QKeySequence("Ctrl+Alt+F"))
    window.menus["Image"].addAction(act)
    rows = shortcut_rows(window)
    assert any(r.title == "Frobnicate" and r.keys == "Ctrl+Alt+F" and r.where == "Image"
               for r in rows)


def test_readme_lists_every_shortcut_of_the_window(window):
    """README's table must name each action with its keys: regenerate it with
    ``QT_QPA_PLATFORM=offscreen python -m editor.ui.shortcuts_dialog`` when this fails."""
    text = README.read_text(encoding="utf-8")
    start = text.index("### Keyboard shortcuts")
    section = text[start:text.index("\n## ", start)]
    missing = [f"{r.title}: {r.keys}" for r in shortcut_rows(window)
               if f"| {r.title.replace('|', chr(92) + '|')} | `{r.keys}` |" not in section]
    assert not missing, f"README's Keyboard shortcuts table lacks {missing}"
