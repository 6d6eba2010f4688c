"""Types shared by every engine: progress, cancellation, parameters.

Image convention at the engine boundary (the one place it is written down):

* images are ``float32`` numpy arrays, shape ``(H, W, 3)``, RGB, values in ``[0, 1]``;
* masks are ``float32`` arrays, shape ``(H, W)``, ``1`` = the region to change, ``0`` = keep;
* alpha never reaches an engine: the runtime (:mod:`ml.imageconv`) splits it off and
  carries it through (or resizes it separately), and converts 8/16-bit ints both ways.

No Qt and no editor imports here; torch is imported lazily by the engines that need it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Cancelled(Exception):
    """Raised inside an engine when its cancel token was set; the caller discards the job."""


class EngineError(Exception):
    """An expected failure with a message fit for the user (bad model file, bad input...)."""


class EngineUnavailable(EngineError):
    """The engine cannot run here (model not installed, library missing); says why."""


class CancelToken:
    """Cooperative cancellation: the caller sets it, the engine checks between tiles/steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """One progress report: ``fraction`` in [0, 1], a short stage text, optional preview.

    ``preview`` follows the engine image convention (float32 RGB HWC in [0, 1]).
    ``payload`` is optional structured data for the caller (training: a dict such as
    ``{"step": 120, "losses": {"recon": 0.02}, "samples": <float32 RGB grid>}``); it must
    not be mutated after it is reported (it crosses threads).
    """

    fraction: float
    stage: str = ""
    preview: np.ndarray | None = None
    payload: Any = None


ProgressCallback = Callable[[Progress], None]


def _ignore_progress(_: Progress) -> None:
    return None


@dataclass
class RunContext:
    """What an engine gets besides its inputs: where to report, how to stop, which device.

    ``device`` is a torch device string ("cpu", "cuda", "cuda:0", "mps"); engines that do
    not use torch ignore it.
    """

    progress: ProgressCallback = _ignore_progress
    cancel: CancelToken = field(default_factory=CancelToken)
    device: str = "cpu"

    def report(
        self,
        fraction: float,
        stage: str = "",
        preview: np.ndarray | None = None,
        payload: Any = None,
    ) -> None:
        """Check for cancellation, then report progress (clamped to [0, 1])."""
        self.cancel.check()
        self.progress(Progress(min(1.0, max(0.0, float(fraction))), stage, preview, payload))

    def sub(self, start: float, end: float) -> RunContext:
        """A context whose fractions 0..1 map onto ``start..end`` of this one (for stages)."""
        parent = self.progress

        def scaled(p: Progress) -> None:
            parent(Progress(start + (end - start) * p.fraction, p.stage, p.preview, p.payload))

        return RunContext(progress=scaled, cancel=self.cancel, device=self.device)


@dataclass(frozen=True)
class Param:
    """A user-settable engine parameter, described as data so UI and CLI build from it.

    ``kind`` is one of "int", "float", "bool", "choice". ``special``: what the minimum
    of a number means when it is not a number to the user (e.g. tile 0 = "Auto").
    """

    name: str
    label: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    special: str = ""

    def coerce(self, value: Any) -> Any:
        """Convert and validate a value (e.g. from the CLI's NAME=VALUE); raise ValueError."""
        if self.kind == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(f"{self.name}: expected true/false, got {value!r}")
            return bool(value)
        if self.kind == "choice":
            if str(value) not in self.choices:
                raise ValueError(f"{self.name}: expected one of {', '.join(self.choices)}")
            return str(value)
        number = int(value) if self.kind == "int" else float(value)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.name}: {number} is below the minimum {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"{self.name}: {number} is above the maximum {self.maximum}")
        return number
