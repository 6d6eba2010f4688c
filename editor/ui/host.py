"""What the AI dialogs and docks may use of the window that hosts them.

They are written against :class:`Host` rather than the whole ``MainWindow``: the
current document, the open views (for "another open document" choices and the canvas
overlay), messages, the one submit path and the compute device. ``jobs`` is there for
*observing* jobs (its signals); submitting goes through :meth:`Host.submit_job`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from editor.document import Document
    from editor.jobs import JobHandle, JobRunner


class Host(Protocol):
    jobs: JobRunner

    @property
    def document(self) -> Document | None: ...

    def views(self) -> list[Any]: ...

    def show_message(self, text: str, timeout_ms: int = 8000) -> None: ...

    def show_error(self, text: str) -> None: ...

    def compute_device(self) -> str: ...

    def submit_job(self, request: Any, run: Callable[[Any, Any], Any], title: str,
                   *args: Any, **kwargs: Any) -> JobHandle:
        """The one submit path: the parameters of
        :meth:`editor.ui.jobs_controller.JobsController.submit` (``apply``, ``key``, ``lane``,
        the ``on_*`` callbacks, ``watch`` ...), documented there once."""
        ...
