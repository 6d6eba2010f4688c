"""Files of the main window: open, new, save / save as (asking before a flat file loses
layers), export, recent files and drag-and-drop. Mixed into ``MainWindow``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.document import Document

if TYPE_CHECKING:
    from editor.ui.main_window import DocumentView

log = logging.getLogger(__name__)

MAX_RECENT = 10
OPEN_FILTER = ("Images and projects (*.ora *.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif);;"
               "All files (*)")
SAVE_FILTER = ("OpenRaster project (*.ora);;PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp);;"
               "TIFF (*.tif *.tiff);;BMP (*.bmp)")


def _filter_suffix(name_filter: str) -> str:
    """".png" for "PNG (*.png)"; ".ora" when the filter names no pattern."""
    start = name_filter.find("*.")
    if start < 0:
        return ".ora"
    end = min((i for i in (name_filter.find(c, start) for c in " )") if i > 0),
              default=len(name_filter))
    return name_filter[start + 1:end]


def _filter_for_suffix(suffix: str) -> str:
    """The entry of SAVE_FILTER whose patterns include ``*<suffix>`` ("PNG (*.png)" for
    ".png", "JPEG (*.jpg *.jpeg)" for ".jpeg"); the OpenRaster entry when none does."""
    entries = SAVE_FILTER.split(";;")
    for entry in entries:
        patterns = entry[entry.find("(") + 1:entry.rfind(")")].split()
        if f"*{suffix.lower()}" in patterns:
            return entry
    return entries[0]


def save_dialog_choice(path: str | None, title: str, last_dir: str,
                       export: bool = False) -> tuple[str, str]:
    """(suggested file, selected name filter) for Save As or Export Flattened, both from
    one choice of file type so that they always agree. Save As keeps the file's own type
    when it can be written, else OpenRaster; Export keeps the image's own flat type when it
    can be written, else PNG (a new document, a project, a GIF)."""
    suffix = Path(path).suffix.lower() if path else ""
    writable = bool(path) and _can_write(path)
    if export:
        suffix = suffix if writable and suffix != ".ora" else ".png"
        start = str(Path(last_dir) / (Path(title).stem + suffix))
    elif writable:
        start = path
    else:
        suffix = ".ora"
        start = str(Path(last_dir) / (Path(title).stem + suffix))
    return start, _filter_for_suffix(suffix)


def _can_write(path: str) -> bool:
    """Whether Save can write this file type (else Save goes through Save As)."""
    from editor.io import FileError
    from editor.io.images import format_for_path

    if Path(path).suffix.lower() == ".ora":
        return True
    try:
        format_for_path(path)
    except FileError:
        return False
    return True


class FilesMixin:
    """open/save/export/recent for ``MainWindow`` (uses its views, tabs and messages)."""

    def open_paths(self, paths: list[str]) -> list[DocumentView]:
        """Open each file in a tab (or show its tab if it is open already). Every file that
        could not be opened, and every file that opened with changes, goes into one
        message at the end rather than a box per file."""
        from editor.io import FileError, open_document

        opened = []
        failed: list[str] = []
        changed: list[str] = []
        for p in paths:
            path = str(Path(p).expanduser().resolve())
            for v in self.views():  # already open: just show it
                if v.path == path:
                    self.tabs.setCurrentWidget(v)
                    break
            else:
                warnings: list[str] = []
                try:
                    doc = open_document(path, warnings=warnings)
                except FileError as exc:
                    failed.append(str(exc))
                    continue
                except (OSError, ValueError, MemoryError) as exc:
                    failed.append(f"{Path(path).name}: {exc}")
                    continue
                opened.append(self.add_document(doc, path))
                self.add_recent(path)
                if warnings:
                    changed.append(f"{Path(path).name} opened with changes to what is shown:\n"
                                   + "\n".join(warnings))
        parts = []
        if failed:
            head = ("Could not open this file:" if len(failed) == 1
                    else f"Could not open these {len(failed)} files:")
            parts.append(head + "\n" + "\n".join(f"• {f}" for f in failed))
        parts += changed
        if parts:
            self.show_error("\n\n".join(parts))
        return opened

    def new_document(self) -> None:
        from editor.ui.dialogs import SizeDialog

        dlg = SizeDialog("New Image", 1920, 1080, depth=8, parent=self)
        if dlg.exec():
            w, h, depth = dlg.values()
            doc = Document(w, h, depth)
            doc.add_layer("Background", pixels=np.ones((h, w, 4), np.float32))
            doc.undo.clear()
            doc.undo.set_clean()
            self.add_document(doc, None, "Untitled")

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open", self._last_dir(), OPEN_FILTER)
        if paths:
            self.open_paths(paths)

    def save(self) -> bool:
        v = self.view
        if v is None:
            return False
        if v.path is None or not _can_write(v.path):  # e.g. opened from a GIF
            return self.save_as()
        return self._save_to(v, v.path)

    def save_as(self) -> bool:
        v = self.view
        if v is None:
            return False
        start, selected = save_dialog_choice(v.path, v.title, self._last_dir())
        path, chosen = QFileDialog.getSaveFileName(self, "Save As", start, SAVE_FILTER,
                                                   selected)
        if not path:
            return False
        if not Path(path).suffix:  # "photo" → the chosen type's extension, as GIMP/Krita do
            path += _filter_suffix(chosen)
        return self._save_to(v, path)

    def ask_flatten(self, v: DocumentView, path: str, lost: list[str]) -> str:
        """A file type that cannot hold the document: "ora" (save a project instead),
        "flatten" (write it anyway) or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Save",
                          f"{Path(path).name} is a flat image and cannot keep "
                          f"{', '.join(lost)}.\n\nSave as an OpenRaster project (.ora) to "
                          "keep everything, or flatten it into this file?",
                          QMessageBox.StandardButton.NoButton, self)
        ora = box.addButton("Save as .ora…", QMessageBox.ButtonRole.AcceptRole)
        flat = box.addButton(f"Flatten into {Path(path).suffix.lstrip('.').upper()}",
                             QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(ora)
        box.exec()
        clicked = box.clickedButton()
        return "ora" if clicked is ora else "flatten" if clicked is flat else "cancel"

    def _save_to(self, v: DocumentView, path: str) -> bool:
        from editor.io import FileError, flatten_losses, save_document

        if v.document.stroke_active:
            v.document.end_stroke()
        try:
            lost = flatten_losses(v.document, path)
        except FileError as exc:
            self.show_error(str(exc))
            return False
        if lost:
            answer = self.ask_flatten(v, path, lost)
            if answer == "cancel":
                return False
            if answer == "ora":
                start = str(Path(path).with_suffix(".ora"))
                new, _ = QFileDialog.getSaveFileName(self, "Save As", start, SAVE_FILTER,
                                                     _filter_for_suffix(".ora"))
                if not new:
                    return False
                return self._save_to(v, new if Path(new).suffix else new + ".ora")
        try:
            save_document(v.document, path)
        except (FileError, OSError, ValueError) as exc:
            self.show_error(str(exc))
            return False
        v.path = path
        v.title = Path(path).name
        v.document.undo.set_clean()
        self._update_tab_title(v)
        self.add_recent(path)
        self._autosave().discard_key(v.autosave_key)
        note = " (flattened)" if lost else ""
        self.show_message(f"Saved {Path(path).name}{note}")
        return True

    def export(self) -> None:
        from editor.io import FileError, export_image

        v = self.view
        if v is None:
            return
        start, selected = save_dialog_choice(v.path, v.title, self._last_dir(), export=True)
        path, chosen = QFileDialog.getSaveFileName(self, "Export Flattened", start,
                                                   SAVE_FILTER, selected)
        if not path:
            return
        if not Path(path).suffix:
            path += _filter_suffix(chosen)
        try:
            export_image(v.document, path)
        except (FileError, OSError, ValueError) as exc:
            self.show_error(str(exc))
            return
        self.show_message(f"Exported {Path(path).name}")

    # recent files live in a small JSON next to the other settings
    def _recent_file(self) -> Path:
        from editor.paths import config_dir

        return config_dir() / "recent.json"

    def recent_files(self) -> list[str]:
        try:
            data = json.loads(self._recent_file().read_text("utf-8"))
            return [str(p) for p in data if isinstance(p, str)][:MAX_RECENT]
        except (OSError, ValueError):
            return []

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent_files() if p != path]
        try:
            from editor.io import atomic_write

            data = json.dumps(items[:MAX_RECENT], indent=1).encode()
            atomic_write(self._recent_file(), lambda f: f.write(data))
        except Exception as exc:  # noqa: BLE001 - recent files are a convenience
            log.warning("could not write recent files: %s", exc)
        # A disabled submenu never emits aboutToShow, so rebuild (and enable) it now.
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self.recent_files()
        for p in items:
            act = self.recent_menu.addAction(Path(p).name)
            act.setToolTip(p)
            act.triggered.connect(lambda _=False, path=p: self.open_paths([path]))
        self.recent_menu.setEnabled(bool(items))

    def _last_dir(self) -> str:
        items = self.recent_files()
        return str(Path(items[0]).parent) if items else str(Path.home())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)
