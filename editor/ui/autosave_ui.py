"""Autosave and crash recovery of the main window: a timer snapshots every document with
unsaved changes; on start, documents left by a crashed session are offered back.
Mixed into ``MainWindow``."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)


class AutosaveMixin:
    """Autosave/recovery for ``MainWindow`` (``_autosave_timer`` is made by the window)."""

    _autosave_store = None

    def _apply_autosave_interval(self) -> None:
        minutes = self.preferences.autosave_minutes
        if minutes <= 0:
            self._autosave_timer.stop()
        else:
            self._autosave_timer.start(minutes * 60 * 1000)

    def _autosave(self):
        if self._autosave_store is None:
            from editor.io import AutosaveStore

            self._autosave_store = AutosaveStore()
        return self._autosave_store

    def autosave(self) -> int:
        """Snapshot every document with unsaved changes; returns how many were written."""
        n = 0
        for v in self.views():
            if v.dirty and not v.document.stroke_active:
                try:
                    self._autosave().save(v.document, v.autosave_key, original_path=v.path,
                                          title=v.title)
                    n += 1
                except Exception as exc:  # noqa: BLE001 - autosave must never interrupt work
                    log.warning("autosave of %s failed: %s", v.title, exc)
        if n:
            self.show_message(f"Autosaved {n} document{'s' if n > 1 else ''}", 3000)
        return n

    def offer_recovery(self) -> int:
        """On start: offer documents left by a crashed session. Returns how many opened."""
        try:
            entries = self._autosave().pending()
        except Exception as exc:  # noqa: BLE001 - a damaged store must not block start-up
            log.warning("could not read autosaves: %s", exc)
            return 0
        if not entries:
            return 0
        names = "\n".join(f"• {e.title or e.key}" for e in entries[:10])
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          f"Retouch found unsaved work from an earlier session:\n\n{names}\n\n"
                          "Recover it?", QMessageBox.StandardButton.NoButton, self)
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        n = 0
        for e in entries:
            if clicked is recover:
                try:
                    doc = self._autosave().load(e)
                except Exception as exc:  # noqa: BLE001 - report it, recover the rest
                    self.show_error(f"Could not recover {e.title or e.key}: {exc}")
                    continue
                view = self.add_document(doc, None, f"{e.title or 'Untitled'} (recovered)")
                # Unsaved until the user saves it: closing asks, and the autosave stays
                # until then (a recovered document closed unasked would be lost again).
                view.document.undo.set_unsaved()
                view.autosave_key = e.key
                n += 1
            elif clicked is discard:
                self._autosave().discard(e)
        return n
