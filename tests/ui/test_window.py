"""The main window: first size on the screen, menus and icons, tabs, drag-and-drop, recent
files, and the unsaved-changes prompt (answered through the real message box)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from editor.ui.main_window import (
    ACTIONS,
    FRAME_ALLOWANCE,
    MENUS,
    PREFERRED_SIZE,
    initial_geometry,
)
from editor.ui.tools import TOOLS


class answer_prompt:
    """Click ``button`` in the next modal message box (polled from the event loop, as a
    user would answer it); ``seen`` collects the texts of the boxes answered."""

    def __init__(self, button: QMessageBox.StandardButton | str) -> None:
        self.button = button
        self.seen: list[str] = []
        self.tries = 0
        QTimer.singleShot(0, self._poll)

    def stop(self) -> None:
        self.tries = 10**6

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.seen.append(box.text())
            if isinstance(self.button, str):  # a custom button, by its text
                next(b for b in box.buttons() if b.text() == self.button).click()
            else:
                box.button(self.button).click()
        elif self.tries < 200:  # give up after ~2 s rather than hang the suite
            self.tries += 1
            QTimer.singleShot(10, self._poll)


def make_document(w: int = 120, h: int = 90):
    from editor.document import Document

    doc = Document(w, h)
    doc.add_layer("Background", pixels=np.full((h, w, 4), 255, np.uint8))
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


def edit(doc) -> None:
    doc.apply_patch(0, 0, 0, np.zeros((5, 5, 3), np.uint8), "Paint")


# --- size on screen -----------------------------------------------------------------


@pytest.mark.parametrize("available", [
    QRect(0, 0, 800, 600),  # small netbook / the offscreen platform
    QRect(0, 27, 1366, 741),  # laptop with a top panel
    QRect(1920, 0, 1280, 1024),  # a second monitor to the right
])
def test_initial_geometry_fits_inside_the_available_screen_area(available):
    geo = initial_geometry(available)
    # geo's corner is where the frame goes; the frame and title bar need room too.
    framed = QRect(geo.topLeft(), geo.size() + FRAME_ALLOWANCE)
    assert available.contains(framed)
    assert geo.width() <= PREFERRED_SIZE.width() and geo.height() <= PREFERRED_SIZE.height()


def test_initial_geometry_keeps_the_preferred_size_on_a_big_screen_centred():
    available = QRect(0, 0, 2560, 1440)
    geo = initial_geometry(available)
    assert geo.size() == PREFERRED_SIZE
    assert abs((geo.left() - available.left()) - (available.right() - geo.right() - 16)) <= 1


def test_new_window_is_clamped_to_its_screen(qtbot):
    from editor.ui.app import create_main_window

    w = create_main_window()
    try:
        avail = w.screen().availableGeometry()
        assert avail.width() < PREFERRED_SIZE.width()  # offscreen: 800×800, smaller
        w.show()
        qtbot.waitExposed(w)
        assert w.width() <= avail.width() and w.height() <= avail.height()
        assert avail.contains(w.frameGeometry())
        assert w.size() != QSize(PREFERRED_SIZE)
    finally:
        w.close()
        w.deleteLater()


# --- menus, toolbar, tabs -----------------------------------------------------------


def test_menus_and_toolbar_icons(window, view):
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == list(MENUS)
    for menu_action in window.menuBar().actions():
        menu_action.menu().aboutToShow.emit()
        assert menu_action.menu().actions(), menu_action.text()
    for spec in ACTIONS:
        act = window.actions_by_id[spec.id]
        assert act.icon().isNull() == (not spec.icon), spec.id  # qtawesome drew each one
    assert len(window.tools_toolbar.actions()) == len(TOOLS)  # one button per tool
    assert window.actions_by_id["view.fit"] in window.main_toolbar.actions()


def test_undo_action_names_the_step_and_title_marks_unsaved_changes(window, view):
    undo = window.actions_by_id["edit.undo"]
    assert not undo.isEnabled() and window.windowTitle() == "test — Retouch"
    edit(view.document)
    assert undo.isEnabled() and undo.text() == "&Undo Paint"
    assert window.windowTitle() == "test * — Retouch"
    assert window.tabs.tabText(window.tabs.indexOf(view)) == "test *"
    undo.trigger()
    assert window.windowTitle() == "test — Retouch" and not view.dirty


def test_tabs_bind_the_panels_to_the_current_document(window, view):
    other = window.add_document(make_document(64, 48), None, "other")
    assert window.document is other.document
    assert window.layers_panel.doc is other.document
    assert window.history_panel.doc is other.document
    assert window.size_label.text().startswith("64 × 48")
    window.tabs.setCurrentWidget(view)
    assert window.layers_panel.doc is view.document
    assert window.size_label.text().startswith("120 × 90")
    # Edits in a background tab do not leak into the panels of the shown one.
    other.document.add_layer("Only in other")
    assert window.layers_panel.list.count() == 1


# --- files: drag-and-drop, recent files ---------------------------------------------


# PySide6 flags QDragEnterEvent's only constructor (QPoint) as deprecated.
pytestmark_drop = pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")


def drop_files(window, paths) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return True


@pytestmark_drop
def test_dropped_files_open_in_tabs_and_join_recent_files(window, tmp_path):
    from PIL import Image

    paths = []
    for name, color in (("red.png", (255, 0, 0)), ("blue.png", (0, 0, 255))):
        Image.new("RGB", (32, 16), color).save(tmp_path / name)
        paths.append(tmp_path / name)
    assert drop_files(window, paths)
    assert [v.title for v in window.views()] == ["red.png", "blue.png"]
    assert window.document is window.views()[1].document
    assert tuple(window.views()[0].document.layers[0].pixels[0, 0]) == (255, 0, 0, 255)
    assert window.recent_files()[:2] == [str(paths[1].resolve()), str(paths[0].resolve())]

    window.recent_menu.aboutToShow.emit()
    recent = {a.text(): a for a in window.recent_menu.actions()}
    assert set(recent) == {"red.png", "blue.png"}
    recent["red.png"].trigger()  # already open: shown, not opened twice
    assert len(window.views()) == 2 and window.view.title == "red.png"
    window.close_view(window.view)
    recent["red.png"].trigger()
    assert [v.title for v in window.views()] == ["blue.png", "red.png"]


@pytestmark_drop
def test_drop_of_a_broken_file_shows_an_error_and_opens_nothing(window, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    assert drop_files(window, [bad])
    assert window.views() == []
    assert "broken.png" in window.statusBar().currentMessage()
    for box in window.findChildren(QMessageBox):
        box.close()


# --- the unsaved-changes prompt -----------------------------------------------------


def test_close_with_unsaved_changes_cancel_keeps_the_window(window, view, qtbot):
    edit(view.document)
    answer = answer_prompt(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert answer.seen == ["Save changes to “test” before closing?"]
    assert window.isVisible() and window.views() == [view] and view.dirty


def test_close_with_unsaved_changes_discard_closes_everything(window, view, qtbot):
    edit(view.document)
    answer = answer_prompt(QMessageBox.StandardButton.Discard)
    assert window.close()
    assert len(answer.seen) == 1 and not window.isVisible() and window.views() == []


def test_close_with_unsaved_changes_save_writes_the_file_first(window, view, tmp_path):
    from editor.io import open_document

    view.document.add_layer("Painted")
    view.path = str(tmp_path / "work.ora")
    answer = answer_prompt(QMessageBox.StandardButton.Save)
    assert window.close()
    assert len(answer.seen) == 1 and not window.isVisible()
    saved = open_document(tmp_path / "work.ora")
    assert [layer.name for layer in saved.layers] == ["Background", "Painted"]


def test_closing_a_tab_asks_only_when_it_has_unsaved_changes(window, view, qtbot):
    clean = window.add_document(make_document(), None, "clean")
    answer = answer_prompt(QMessageBox.StandardButton.Cancel)
    assert window.close_view(clean)
    qtbot.wait(30)
    answer.stop()
    assert answer.seen == []  # no prompt for a clean document
    edit(view.document)
    answer = answer_prompt(QMessageBox.StandardButton.Cancel)
    assert not window.close_view(view)
    assert len(answer.seen) == 1 and window.views() == [view]


def test_autosaved_work_is_offered_after_a_crash_and_stays_unsaved_until_saved(window, qtbot):
    from editor.ui.app import create_main_window

    view = window.add_document(make_document(), None, "cat")
    edit(view.document)
    assert window.autosave() == 1
    expected = view.document.composite()
    # A "crash": the snapshot now looks left behind by another (dead) process.
    import json

    from editor.paths import autosave_dir

    for sidecar in autosave_dir().glob("*.json"):
        info = json.loads(sidecar.read_text("utf-8"))
        sidecar.write_text(json.dumps(dict(info, pid=-1)), "utf-8")
    second = create_main_window()
    second.show()
    try:
        prompt = answer_prompt("Recover")
        assert second.offer_recovery() == 1
        assert prompt.seen and "cat" in prompt.seen[0]
        recovered = second.view
        assert recovered.title.startswith("cat") and "recovered" in recovered.title
        np.testing.assert_array_equal(recovered.document.composite(), expected)
        assert recovered.dirty  # closing asks; the work is not lost a second time
        prompt = answer_prompt(QMessageBox.StandardButton.Cancel)
        assert not second.close_view(recovered)
        assert prompt.seen
    finally:
        second.jobs.shutdown()
        for v in second.views():
            second.close_view(v, ask=False)
        second.close()


def test_save_of_a_layered_document_to_a_flat_file_asks_before_flattening(window, tmp_path):
    from PIL import Image

    from editor.io import open_document

    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (0, 128, 255)).save(path)
    before = path.read_bytes()
    (view,) = window.open_paths([str(path)])
    view.document.add_layer("Retouch")
    view.document.apply_patch(1, 0, 0, np.full((5, 5, 4), 255, np.uint8), "Paint")
    prompt = answer_prompt(QMessageBox.StandardButton.Cancel)
    assert not window.save()
    assert prompt.seen and "cannot keep 2 layers" in prompt.seen[0]
    assert path.read_bytes() == before and view.dirty  # nothing written, still unsaved
    prompt = answer_prompt("Flatten into PNG")
    assert window.save()
    assert prompt.seen and not view.dirty
    saved = open_document(path)
    assert len(saved.layers) == 1
    np.testing.assert_array_equal(saved.layers[0].pixels, view.document.composite())


def test_save_as_without_an_extension_uses_the_chosen_type(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    view = window.add_document(make_document(), None, "cat")
    edit(view.document)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "cat"), "PNG (*.png)"))
    assert window.save_as()
    assert (tmp_path / "cat.png").is_file() and view.path == str(tmp_path / "cat.png")


def test_filter_suffix():
    from editor.ui.main_window import _filter_suffix

    assert _filter_suffix("JPEG (*.jpg *.jpeg)") == ".jpg"
    assert _filter_suffix("OpenRaster project (*.ora)") == ".ora"
    assert _filter_suffix("") == ".ora"


def test_a_missing_file_on_the_command_line_is_a_message_and_the_others_open(window, tmp_path,
                                                                               qtbot):
    from PIL import Image

    path = tmp_path / "here.png"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(path)
    views = window.open_paths([str(tmp_path / "gone.jpg"), str(path)])
    assert [v.path for v in views] == [str(path.resolve())]
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "gone.jpg" in boxes[-1].text()
    for box in boxes:
        box.close()


def test_opening_a_krita_file_with_an_unknown_blend_mode_shows_a_warning(window, tmp_path):
    import re
    import zipfile

    from editor.document import Document, Layer
    from editor.io.ora import save_ora

    px = np.full((8, 8, 4), 255, np.uint8)
    save_ora(Document(8, 8, 8, layers=[Layer(px, "Base"), Layer(px.copy(), "Glow")]),
             tmp_path / "plain.ora")
    path = tmp_path / "krita.ora"
    with zipfile.ZipFile(tmp_path / "plain.ora") as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "stack.xml":
                data = re.sub(rb'(name="Glow"[^>]*?)composite-op="[^"]*"',
                              rb'\1composite-op="krita:linear_burn"', data)
            zout.writestr(item, data)
    views = window.open_paths([str(path)])
    assert len(views) == 1 and len(views[0].document.layers) == 2
    texts = [box.text() for box in window.findChildren(QMessageBox)]
    assert any('layer "Glow"' in t and "krita:linear_burn" in t for t in texts), texts
    for box in window.findChildren(QMessageBox):
        box.close()


# --- issue 17: the first hour ------------------------------------------------------


def test_open_recent_is_enabled_once_a_file_is_opened_in_the_first_session(window, tmp_path):
    from PIL import Image

    file_menu = window.menus["File"]
    assert window.recent_files() == [] and not window.recent_menu.isEnabled()
    path = tmp_path / "first.png"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(path)
    window.open_paths([str(path)])
    assert window.recent_menu.menuAction().isEnabled() and window.recent_menu.isEnabled()
    assert window.recent_menu.menuAction() in file_menu.actions()
    assert [a.text() for a in window.recent_menu.actions()] == ["first.png"]


def test_open_recent_is_enabled_at_start_up_when_recent_json_has_files(qtbot, tmp_path):
    import json

    from PIL import Image

    from editor.paths import config_dir
    from editor.ui.app import create_main_window

    path = tmp_path / "earlier.png"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(path)
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "recent.json").write_text(json.dumps([str(path)]), "utf-8")
    w = create_main_window()
    try:
        assert w.recent_menu.isEnabled()
        assert [a.text() for a in w.recent_menu.actions()] == ["earlier.png"]
    finally:
        w.jobs.shutdown()
        w.close()
        w.deleteLater()


def test_bad_files_on_the_command_line_give_one_message_listing_each(window, tmp_path):
    from PIL import Image

    good = tmp_path / "good.png"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(good)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    (tmp_path / "notes.txt").write_text("hello", "utf-8")
    bad = [tmp_path / "gone.jpg", tmp_path / "broken.png", tmp_path / "notes.txt"]
    window.open_paths([str(p) for p in (*bad, good)])  # what run_app does with argv
    assert [v.title for v in window.views()] == ["good.png"]
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert len(boxes) == 1, [b.text() for b in boxes]
    text = boxes[0].text()
    assert "3 files" in text
    for p in bad:
        assert p.name in text
    assert len([line for line in text.splitlines() if line.startswith("•")]) == 3
    for box in boxes:
        box.close()


@pytest.mark.parametrize(("path", "export", "name", "selected"), [
    (None, False, "cat.ora", "OpenRaster project (*.ora)"),
    (None, True, "cat.png", "PNG (*.png)"),
    ("/pics/cat.png", False, "/pics/cat.png", "PNG (*.png)"),
    ("/pics/cat.png", True, "cat.png", "PNG (*.png)"),
    ("/pics/cat.jpeg", True, "cat.jpeg", "JPEG (*.jpg *.jpeg)"),
    ("/pics/cat.ora", False, "/pics/cat.ora", "OpenRaster project (*.ora)"),
    ("/pics/cat.ora", True, "cat.png", "PNG (*.png)"),
    ("/pics/cat.gif", False, "cat.ora", "OpenRaster project (*.ora)"),
    ("/pics/cat.gif", True, "cat.png", "PNG (*.png)"),
])
def test_save_dialog_choice_suggests_a_name_of_the_selected_type(path, export, name, selected):
    from pathlib import Path

    from editor.ui.files import SAVE_FILTER, _filter_suffix, save_dialog_choice

    start, chosen = save_dialog_choice(path, "cat.png" if path else "cat", "/last", export)
    assert start == (name if name.startswith("/") else str(Path("/last") / name))
    assert chosen == selected and chosen in SAVE_FILTER.split(";;")
    assert Path(start).suffix in chosen and _filter_suffix(chosen) in chosen


def test_save_as_and_export_pass_one_choice_to_the_file_dialog(window, tmp_path, monkeypatch):
    from pathlib import Path

    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    asked = []

    def fake(parent, caption, start, filters, selected="", *a):
        asked.append((caption, Path(start).name, selected))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    window.add_document(make_document(), None, "Untitled")
    assert not window.save_as()
    window.export()
    photo = tmp_path / "photo.png"
    Image.new("RGB", (8, 6), (10, 20, 30)).save(photo)
    window.open_paths([str(photo)])
    assert not window.save_as()
    window.export()
    assert asked == [("Save As", "Untitled.ora", "OpenRaster project (*.ora)"),
                     ("Export Flattened", "Untitled.png", "PNG (*.png)"),
                     ("Save As", "photo.png", "PNG (*.png)"),
                     ("Export Flattened", "photo.png", "PNG (*.png)")]
