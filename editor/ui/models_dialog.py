"""Edit ▸ Models…: the model store in a window, as `retouch models` is on the command line.

Every catalog entry (and every imported model) is one row: name, task, what uses it
("Used by": the engines that need it or use it when installed, from each engine's
``requires`` and optional ``uses``; "(coming)" in grey for an entry no feature uses yet,
e.g. the face-restoration models), size, licence, notes ("non-commercial", "unverified
hash") and state (installed, not installed, partly
downloaded, queued, a progress bar while downloading). Install, Verify and Import run as
background jobs on the window's :class:`editor.jobs.JobRunner`, so the status bar shows
their progress and its Cancel button works too; a cancelled or interrupted download keeps
its ``.part`` file and Install resumes it. Nothing is fetched unless the user clicks
Install, and a non-commercial model asks first, naming its licence.

The jobs go through the window's one submit path on the background lane as jobs of no
document (``document=False``): a download must not be tied to the current tab (dropped
when no tab is open, cancelled when it closes) the way a filter is. Their rows, requests
and worker side are :mod:`editor.ai.store`.

Engines check the store each time they are asked (``Engine.available()`` reads the
index), and the AI dialogs build their engine lists when they open, so an install or a
removal shows in the next filter dialog. The one registration that is made at start-up,
an upscale engine per imported model, is redone here after an import or a removal.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.ai.store import (
    IMPORTED,
    INSTALLED,
    NON_COMMERCIAL,
    PARTIAL,
    UNVERIFIED,
    ImportRequest,
    InstallRequest,
    ModelRow,
    VerifyRequest,
    human_size,
    model_rows,
    run_import,
    run_install,
    run_verify,
)
from editor.jobs.engines import (
    ModelStore,
    StoreError,
    engines_for,
    register_imported_models,
    task_specs,
    unregister_engine,
)
from editor.ui.jobs_controller import LANE_BACKGROUND

if TYPE_CHECKING:
    from editor.jobs import JobHandle
    from editor.jobs.engines import Progress
    from editor.ui.host import Host

COLUMNS = ("Model", "Task", "Used by", "Size", "Licence", "Notes", "Status")
COL_MODEL, COL_TASK, COL_USED, COL_SIZE, COL_LICENCE, COL_NOTES, COL_STATUS = range(len(COLUMNS))
#: the "Used by" text of a catalog entry no feature uses yet
COMING = "(coming)"

IMPORT_FILTER = "Checkpoints (*.pth *.safetensors *.ckpt *.pt);;All files (*)"

_GREEN = QColor(110, 200, 110)
_ORANGE = QColor(240, 150, 60)
_GREY = QColor(150, 150, 150)


# --- what uses each model --------------------------------------------------------------


def model_users() -> dict[str, list[str]]:
    """Store id → "Task: engine" of every engine that needs it (``requires``) or uses it
    when installed (an engine's optional ``uses``), in registration order."""
    users: dict[str, list[str]] = {}
    for spec in task_specs():
        for engine in engines_for(spec.name):
            ids = tuple(getattr(engine, "uses", ()) or ()) or engine.requires
            for mid in ids:
                users.setdefault(mid, []).append(f"{spec.title}: {engine.name}")
    return users


# --- the dialog ---------------------------------------------------------------------------


class ModelsDialog(QDialog):
    """The model manager. ``store`` defaults to the user's store and the bundled catalog."""

    def __init__(self, host: Host, store: ModelStore | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else
                         (host if isinstance(host, QWidget) else None))
        self.host = host
        self.store = store if store is not None else ModelStore()
        self.setWindowTitle("Models")
        self.setObjectName("models-dialog")
        self._rows: list[ModelRow] = []
        self._users: dict[str, list[str]] = {}
        self._jobs: dict[str, JobHandle] = {}  # model id -> its install job
        self._fractions: dict[str, tuple[float, str]] = {}
        self._other_jobs: list[JobHandle] = []  # verify / import

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(COL_LICENCE, QHeaderView.ResizeMode.Stretch)
        head.setStretchLastSection(False)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setMinimumHeight(48)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()  # until there is something to say
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setStyleSheet("color: #999")

        self.install_button = QPushButton("Install")
        self.cancel_button = QPushButton("Cancel Download")
        self.remove_button = QPushButton("Remove…")
        self.verify_button = QPushButton("Verify")
        self.import_button = QPushButton("Import File…")
        self.folder_button = QPushButton("Open Models Folder")
        self.close_button = QPushButton("Close")
        self.install_button.setToolTip("Download, check and install the selected model")
        self.cancel_button.setToolTip("Stop the download; Install resumes it later")
        self.verify_button.setToolTip("Re-check the installed file's SHA-256")
        self.import_button.setToolTip("Add a local .pth/.safetensors/.ckpt checkpoint")
        self.install_button.clicked.connect(lambda: self.install())
        self.cancel_button.clicked.connect(lambda: self.cancel_download())
        self.remove_button.clicked.connect(lambda: self.remove())
        self.verify_button.clicked.connect(lambda: self.verify())
        self.import_button.clicked.connect(self.import_file_dialog)
        self.folder_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.close)

        row_buttons = QHBoxLayout()
        for b in (self.install_button, self.cancel_button, self.remove_button,
                  self.verify_button):
            row_buttons.addWidget(b)
        row_buttons.addStretch(1)
        for b in (self.import_button, self.folder_button, self.close_button):
            row_buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.details)
        lay.addWidget(self.message)
        lay.addWidget(self.folder_label)
        lay.addLayout(row_buttons)
        self.resize(1040, 640)
        # a queued download's row turns into a progress bar when the worker starts it
        host.jobs.started.connect(self._job_started)
        self.refresh()

    # --- rows ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the store and redraw every row (the selection is kept)."""
        keep = self.selected_id()
        self._users = model_users()
        try:
            self._rows = model_rows(self.store)
        except StoreError as exc:  # a broken catalog or index: say so, show nothing
            self._rows = []
            self.show_error(str(exc))
        self.folder_label.setText(f"Models folder: {self.store.root}")
        self.table.setRowCount(len(self._rows))
        for i, row in enumerate(self._rows):
            self._fill_row(i, row)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(COL_STATUS, max(200, self.table.columnWidth(COL_STATUS)))
        self.table.setColumnWidth(COL_MODEL, min(300, self.table.columnWidth(COL_MODEL)))
        self.table.setColumnWidth(COL_USED, min(260, self.table.columnWidth(COL_USED)))
        if keep is not None:
            self.select(keep)
        self._update_buttons()

    def _fill_row(self, i: int, row: ModelRow) -> None:
        def item(text: str, tip: str = "") -> QTableWidgetItem:
            it = QTableWidgetItem(text)
            if tip:
                it.setToolTip(tip)
            return it

        desc = row.entry.description if row.entry else (
            f"imported {row.record.get('architecture', '?')} model" if row.record else "")
        name = item(row.id, desc)
        name.setData(Qt.ItemDataRole.UserRole, row.id)
        self.table.setItem(i, COL_MODEL, name)
        self.table.setItem(i, COL_TASK, item(row.task))
        users = self.used_by(row.id)
        used = item(", ".join(users) if users else COMING if row.entry else "",
                    "\n".join(users) if users else
                    "No feature of this Retouch uses this model yet" if row.entry else "")
        if not users:
            used.setForeground(QBrush(_GREY))
        self.table.setItem(i, COL_USED, used)
        size = item(row.size_text, "approximate: no published size and checksum"
                    if row.approximate_size else "")
        size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(i, COL_SIZE, size)
        self.table.setItem(i, COL_LICENCE, item(row.licence, row.licence))
        notes = item(", ".join(row.notes), self._notes_tip(row))
        if NON_COMMERCIAL in row.notes:
            notes.setForeground(QBrush(_ORANGE))
            font = notes.font()
            font.setBold(True)
            notes.setFont(font)
        self.table.setItem(i, COL_NOTES, notes)
        self.table.removeCellWidget(i, COL_STATUS)
        status = item("")
        self.table.setItem(i, COL_STATUS, status)
        job = self._jobs.get(row.id)
        if job is not None and job.state == "running":
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(True)
            fraction, stage = self._fractions.get(row.id, (0.0, ""))
            self._set_bar(bar, fraction, stage)
            self.table.setCellWidget(i, COL_STATUS, bar)
        else:
            text, colour = self._status_text(row, job)
            status.setText(text)
            if colour is not None:
                status.setForeground(QBrush(colour))

    @staticmethod
    def _notes_tip(row: ModelRow) -> str:
        tips = []
        if NON_COMMERCIAL in row.notes:
            tips.append(f"Licence: {row.licence}. Not for commercial use.")
        if UNVERIFIED in row.notes:
            tips.append("No published checksum: the SHA-256 is recorded on the first download "
                        "and Verify checks it from then on.")
        if IMPORTED in row.notes:
            tips.append("Imported from a local file; its licence is not known to Retouch.")
        return "\n".join(tips)

    def _status_text(self, row: ModelRow, job: JobHandle | None) -> tuple[str, QColor | None]:
        if job is not None and job.state == "queued":
            return "Queued", None
        if row.state == INSTALLED:
            return "Installed", _GREEN
        if row.state == PARTIAL:
            of = f" of {human_size(row.size)}" if row.size else ""
            return f"Partly downloaded ({human_size(row.partial_bytes)}{of})", _ORANGE
        return "Not installed", _GREY

    @staticmethod
    def _set_bar(bar: QProgressBar, fraction: float, stage: str) -> None:
        bar.setValue(round(fraction * 1000))
        # "downloading big-lama: 12.3/205.7 MB" -> "12.3/205.7 MB  6%"
        amount = stage.rsplit(": ", 1)[-1] if stage else ""
        bar.setFormat(f"{amount}  %p%" if amount else "%p%")

    def used_by(self, model_id: str) -> list[str]:
        """The features that use ``model_id`` (empty: none yet, or an import no engine
        took)."""
        return list(self._users.get(model_id, ()))

    def row_of(self, model_id: str) -> int:
        """The table row of a model id (-1 when not listed)."""
        return next((i for i, r in enumerate(self._rows) if r.id == model_id), -1)

    def row_info(self, model_id: str) -> ModelRow | None:
        i = self.row_of(model_id)
        return self._rows[i] if i >= 0 else None

    def status_text(self, model_id: str) -> str:
        """What the Status cell shows (the progress bar's text while downloading)."""
        i = self.row_of(model_id)
        bar = self.table.cellWidget(i, COL_STATUS)
        if isinstance(bar, QProgressBar):
            return f"Downloading {bar.text()}"
        return self.table.item(i, COL_STATUS).text()

    def progress_bar(self, model_id: str) -> QProgressBar | None:
        bar = self.table.cellWidget(self.row_of(model_id), COL_STATUS)
        return bar if isinstance(bar, QProgressBar) else None

    def select(self, model_id: str) -> bool:
        i = self.row_of(model_id)
        if i < 0:
            return False
        self.table.selectRow(i)
        return True

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        it = self.table.item(rows[0].row(), COL_MODEL)
        return it.data(Qt.ItemDataRole.UserRole) if it is not None else None

    def _update_buttons(self) -> None:
        mid = self.selected_id()
        row = self.row_info(mid) if mid else None
        job = self._jobs.get(mid) if mid else None
        busy = job is not None or (row is not None and self._sibling_busy(row))
        can_install = (row is not None and row.entry is not None and row.state != INSTALLED
                       and not busy)
        self.install_button.setEnabled(can_install)
        if row is not None and row.state == PARTIAL:
            self.install_button.setText("Resume Download")
        elif can_install and row.size:
            self.install_button.setText(f"Install ({row.size_text})")
        else:
            self.install_button.setText("Install")
        self.cancel_button.setEnabled(job is not None)
        self.remove_button.setEnabled(row is not None and row.state == INSTALLED and not busy)
        self.verify_button.setEnabled(row is not None and row.state == INSTALLED)
        self.details.setText(self._details(row) if row is not None else
                             "Select a model to install, remove or verify it.")

    def _sibling_busy(self, row: ModelRow) -> bool:
        """Another entry of the same zip is downloading (they install together)."""
        if row.entry is None or not row.entry.archive_member:
            return False
        for mid in self._jobs:
            other = self.row_info(mid)
            if other is not None and other.entry is not None and other.entry.url == row.entry.url:
                return True
        return False

    def _details(self, row: ModelRow) -> str:
        parts = []
        if row.entry is not None:
            e = row.entry
            parts.append(f"<b>{e.id}</b> — {_esc(e.description)}")
            parts.append(f"Architecture: {_esc(e.architecture)}"
                         + (f", ×{e.scale}" if e.scale > 1 else "")
                         + f". Licence: {_esc(e.licence)}"
                         + ("" if e.commercial_use else " — <b>non-commercial use only</b>"))
            users = self.used_by(e.id)
            parts.append("Used by: " + (_esc(", ".join(users)) if users else
                                        "nothing yet (coming in a later version)"))
            if e.archive_member:
                parts.append("Comes in one archive with the other presets: installing one "
                             "installs them all.")
        elif row.record is not None:
            rec = row.record
            parts.append(f"<b>{row.id}</b> — imported {_esc(rec.get('architecture', '?'))} "
                         f"model ({row.task}, ×{rec.get('scale', 1)}) from "
                         f"{_esc(rec.get('original', '?'))}")
        if row.state == INSTALLED and row.record is not None:
            parts.append(f"File: {_esc(str(self.store.root / row.record['file']))}")
        return "<br>".join(parts)

    # --- messages ---------------------------------------------------------------------

    def show_info(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.message.show()
        self.host.show_message(text)

    def show_error(self, text: str) -> None:
        """An expected failure (network, hash, disk, bad file): a line here, the status
        bar and a non-blocking message box. Never a traceback."""
        self.message.setStyleSheet("color: #e06c60")
        self.message.setText(text)
        self.message.show()
        self.host.show_message(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Models", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _confirm(self, title: str, text: str, ok: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self)
        yes = box.addButton(ok, QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.exec()
        return box.clickedButton() is yes

    # --- install / cancel ---------------------------------------------------------------

    def install(self, model_id: str | None = None) -> JobHandle | None:
        """Start (or resume) the download of a catalog model as a background job; a
        non-commercial model asks first. Returns the job, or None when nothing started."""
        model_id = model_id or self.selected_id()
        row = self.row_info(model_id) if model_id else None
        if row is None or row.entry is None or row.state == INSTALLED:
            return None
        if model_id in self._jobs or self._sibling_busy(row):
            return None
        e = row.entry
        if not e.commercial_use and not self._confirm(
                "Non-commercial model",
                f"{e.id} is licensed “{e.licence}”: it may be used for non-commercial "
                f"purposes only.\n\nDownload it ({row.size_text}) from {_host(e.url)}?",
                "Download"):
            return None
        title = f"Download {model_id}"
        job = self.host.submit_job(
            InstallRequest(self.store, model_id), run_install, title, lane=LANE_BACKGROUND,
            document=False, uses_device=False,
            on_done=lambda result, m=model_id: self._install_done(m, result),
            on_error=lambda msg, m=model_id: self._install_failed(m, msg),
            on_cancelled=lambda m=model_id: self._install_cancelled(m),
            on_progress=lambda p, m=model_id: self._install_progress(m, p))
        self._jobs[model_id] = job
        self._fractions[model_id] = (0.0, "")
        self.message.setText(f"{title}…")
        self.message.show()
        self.refresh()
        return job

    def _job_started(self, job: JobHandle) -> None:
        if job in self._jobs.values():
            self.refresh()

    def _install_progress(self, model_id: str, p: Progress) -> None:
        self._fractions[model_id] = (p.fraction, p.stage)
        bar = self.progress_bar(model_id)
        if bar is None:  # first report: the row still says Queued
            self.refresh()
        else:
            self._set_bar(bar, p.fraction, p.stage)

    def _forget(self, model_id: str) -> None:
        self._jobs.pop(model_id, None)
        self._fractions.pop(model_id, None)

    def _install_done(self, model_id: str, result: Any) -> None:
        self._forget(model_id)
        self.refresh()
        if result is None:
            self.show_info(f"{model_id} is installed")
            return
        also = (f" (and {', '.join(result.also_installed)} from the same download)"
                if result.also_installed else "")
        notice = f"\n{result.notice}" if result.notice else ""
        self.show_info(f"Installed {model_id}{also}: {result.path}{notice}")

    def _install_failed(self, model_id: str, message: str) -> None:
        self._forget(model_id)
        self.refresh()
        self.show_error(f"Could not install {model_id}: {message}")

    def _install_cancelled(self, model_id: str) -> None:
        self._forget(model_id)
        self.refresh()
        kept = self.store.partial_size(model_id) if self.row_of(model_id) >= 0 else 0
        more = (f"; {human_size(kept)} kept, Resume Download continues from there"
                if kept else "")
        self.show_info(f"Download of {model_id} cancelled{more}")

    def cancel_download(self, model_id: str | None = None) -> None:
        job = self._jobs.get(model_id or self.selected_id() or "")
        if job is not None:
            job.cancel()

    def busy(self) -> bool:
        """Whether a download, import or verification started here is still going."""
        return bool(self._jobs) or any(not j.finished for j in self._other_jobs)

    # --- remove / verify ----------------------------------------------------------------

    def remove(self, model_id: str | None = None, ask: bool = True) -> bool:
        model_id = model_id or self.selected_id()
        row = self.row_info(model_id) if model_id else None
        if row is None or row.state != INSTALLED or model_id in self._jobs:
            return False
        if ask and not self._confirm(
                "Remove model", f"Delete {model_id} ({human_size(row.size)}) from "
                f"{self.store.root}?\n\nAI filters that use it become unavailable until it "
                "is installed again.", "Remove"):
            return False
        try:
            path = self.store.remove(model_id)
        except StoreError as exc:
            self.show_error(str(exc))
            return False
        if row.entry is None:  # an imported model registered an engine of its own
            unregister_engine(model_id)
        self.refresh()
        self.show_info(f"Removed {model_id} ({path})")
        return True

    def verify(self, model_id: str | None = None) -> JobHandle | None:
        """Re-hash an installed model in the background; the result is a message."""
        model_id = model_id or self.selected_id()
        row = self.row_info(model_id) if model_id else None
        if row is None or row.state != INSTALLED:
            return None
        def done(result) -> None:
            if result.ok:
                self.show_info(f"{result.id}: {result.message}")
            else:
                self.show_error(f"{result.id} failed verification: {result.message}. "
                                "Remove it and install it again.")

        job = self.host.submit_job(
            VerifyRequest(self.store, model_id), run_verify, f"Verify {model_id}",
            lane=LANE_BACKGROUND, document=False, uses_device=False,
            on_done=done, on_error=lambda msg: self.show_error(f"Verify failed: {msg}"))
        self._other_jobs.append(job)
        return job

    # --- import / folder ----------------------------------------------------------------

    def import_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a model file", str(Path.home()),
                                              IMPORT_FILTER)
        if path:
            self.import_path(path)

    def import_path(self, path: str | Path) -> JobHandle:
        """Import a local checkpoint (spandrel detects what it is) in the background."""
        def done(record: dict) -> None:
            register_imported_models()
            self.refresh()
            self.select(record["id"])
            self.show_info(f"Imported {record['id']}: {record['task']} "
                           f"({record['architecture']}, ×{record['scale']})")

        job = self.host.submit_job(
            ImportRequest(self.store, str(path)), run_import, f"Import {Path(path).name}",
            lane=LANE_BACKGROUND, document=False, uses_device=False,
            on_done=done, on_error=lambda msg: self.show_error(f"Could not import: {msg}"))
        self._other_jobs.append(job)
        return job

    def open_folder(self) -> bool:
        root = self.store.root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_error(f"Cannot create {root}: {exc}")
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(root))):
            self.show_error(f"Could not open a file manager; the models are in {root}")
            return False
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()  # the CLI or another window may have changed the store


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _host(url: str) -> str:
    from urllib.parse import urlparse

    return urlparse(url).netloc or url


def open_models_dialog(host: Host) -> ModelsDialog:
    """Show the window's models dialog (one per window, kept while downloads run)."""
    dlg = host.findChild(ModelsDialog) if isinstance(host, QWidget) else None
    if dlg is None:
        dlg = ModelsDialog(host)
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg
