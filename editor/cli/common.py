"""What every ``retouch`` subcommand shares: the error type and exit codes, the
argparse subclass, the progress printer, stdout, image reading and writing, and the
engine look-up, parameters and run wrapper.

Outputs are written atomically (temp file + rename, by :mod:`editor.io`); ``.ora``
works as IN (flattened) and OUT (a one-layer project).
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np


class CliError(Exception):
    """An expected failure: ``code`` 2 = bad usage/input, 1 = anything else."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error: ...`` line (exit 2), not usage + error.

    Subparsers inherit the class (add_subparsers uses the parent's type), so every
    ``retouch COMMAND`` error points at that command's own --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No prefixes of long options (`--dev` for `--device`): the GUI/subcommand split
        # reads options by their full names.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise CliError(f"{message} (see {self.prog} --help)")


# --------------------------------------------------------------------------- output


class ProgressPrinter:
    """A progress bar on a terminal; plain, throttled lines otherwise (logs, pipes)."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._last_line = ("", -1)
        self._drawn = False

    def __call__(self, progress: Any) -> None:
        frac = float(getattr(progress, "fraction", 0.0))
        stage = str(getattr(progress, "stage", ""))
        pct = int(frac * 100)
        if self.tty:
            width = 30
            filled = int(frac * width)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r[{bar}] {pct:3d}% {stage[:60]:<60}")
            self.stream.flush()
            self._drawn = True
            return
        # plain lines: only when the stage text changes or every 10 %
        last_stage, last_pct = self._last_line
        step_stage = stage.split(":")[0] if stage.startswith("downloading") else stage
        if step_stage != last_stage and not stage.startswith("tile ") or pct // 10 != last_pct // 10:
            self.stream.write(f"{pct:3d}% {stage}\n")
            self.stream.flush()
            self._last_line = (step_stage, pct)

    def finish(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def out(text: str = "") -> None:
    """One line on stdout (the result of a command)."""
    sys.stdout.write(text + "\n")


def note(text: str) -> None:
    """One ``note: ...`` line on stderr (something the user asked for was ignored)."""
    sys.stderr.write(f"note: {text}\n")


def warn(text: str) -> None:
    """One ``warning: ...`` line on stderr (a file was read with a problem worked around)."""
    sys.stderr.write(f"warning: {text}\n")


# ------------------------------------------------------------------------ image I/O


ZIP_MAGIC = b"PK\x03\x04"


def is_project(path: str) -> bool:
    """An OpenRaster project (by extension, or by content: ORA is a zip)."""
    if Path(path).suffix.lower() == ".ora":
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == ZIP_MAGIC
    except OSError:
        return False  # the image reader reports the problem


def named(exc: Any, *typed: str) -> str:
    """The file a FileError concerns, as the user typed it (else its full path)."""
    for path in typed:
        if os.path.abspath(path) == os.path.abspath(exc.path):
            return path
    return str(exc.path)


def open_project(path: str):
    """``editor.io.open_document``; its warnings (when this version of it reports them
    through a ``warnings`` list) are printed as ``warning: ...`` lines."""
    from editor.io import open_document

    try:
        takes_warnings = "warnings" in inspect.signature(open_document).parameters
    except (TypeError, ValueError):
        takes_warnings = False
    if not takes_warnings:
        return open_document(path)
    warnings: list[str] = []
    doc = open_document(path, warnings=warnings)
    for text in warnings:
        warn(str(text))
    return doc


def read_image(path: str, gray: bool = False) -> tuple[np.ndarray, dict]:
    """(h, w, 4) RGBA uint8/uint16 pixels (writable, owned) and metadata; CliError naming
    the file if bad. ``gray``: an 8-bit grey file comes back as its (h, w) plane.

    An OpenRaster project is flattened with the document compositor (as ``convert`` does)."""
    from editor.io.errors import FileError
    from editor.io.images import load_image

    try:
        if is_project(path):
            doc = open_project(path)
            meta = {k: doc.metadata.get(k) for k in ("icc_profile", "exif")}
            return doc.composite(), meta
        data = load_image(path, gray=gray)
    except FileError as exc:
        raise CliError(f"{path}: {exc.problem}") from None
    return data.pixels, {"icc_profile": data.icc_profile, "exif": data.exif}


def check_writable(path: str) -> None:
    """Fail (exit 2) before any work when OUT cannot be written: unknown format, missing
    folder, or a folder we may not write in (read-only, no permission)."""
    from editor.io.errors import FileError
    from editor.io.images import format_for_path

    target = Path(path)
    parent = target.resolve().parent
    if target.is_dir():
        raise CliError(f"{path}: is a folder; name the output file")
    if not parent.exists():
        raise CliError(f"{path}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise CliError(f"{path}: {parent} is not a folder")
    # the output is written as a temp file in the folder and renamed, so the folder's
    # permission is what counts (an existing read-only OUT is replaced like any other)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"{path}: cannot write in the folder {parent} "
                       "(read-only or permission denied)")
    if target.suffix.lower() == ".ora":
        return
    try:
        format_for_path(path)
    except FileError as exc:
        raise CliError(f"{path}: {exc.problem}") from None


def write_image(pixels: np.ndarray, path: str, meta: dict | None = None,
                quality: int | None = None) -> None:
    """Atomically write RGBA pixels (temp file + rename); the format follows the extension
    (``.ora``: a one-layer OpenRaster project). A failure here is exit 1: the target was
    checked by :func:`check_writable` before the work, so this is a disk, not the input."""
    from editor.io.errors import FileError
    from editor.io.images import save_image

    meta = meta or {}
    try:
        if Path(path).suffix.lower() == ".ora":
            from editor.io import document_from_image, save_document

            kept = {k: v for k, v in meta.items() if v is not None}
            save_document(document_from_image(pixels, kept), path)
        else:
            save_image(pixels, path, quality=quality, icc_profile=meta.get("icc_profile"),
                       exif=meta.get("exif"))
    except FileError as exc:
        raise CliError(f"{path}: {exc.problem}", code=1) from None


def mask_from_pixels(mask_px: np.ndarray) -> np.ndarray:
    """White or any non-zero colour = on; a uniform-colour mask uses its alpha instead.
    A grey plane (h, w) has no alpha: non-zero = on."""
    if mask_px.ndim == 2:
        return mask_px > 0
    top = np.iinfo(mask_px.dtype).max
    rgb = mask_px[..., :3]
    alpha = mask_px[..., 3]
    if (alpha < top).any() and (rgb == rgb.reshape(-1, 3)[0]).all():
        return alpha > 0
    return (rgb > 0).any(axis=2) & (alpha > 0)


def read_mask(mask_path: str, image_path: str, shape: tuple[int, ...],
              purpose: str) -> np.ndarray:
    """The mask file as bool (h, w), checked against the image's size and for emptiness
    (a grey mask file is read as its plane, never widened to RGBA)."""
    mask_px, _ = read_image(mask_path, gray=True)
    if mask_px.shape[:2] != shape[:2]:
        raise CliError(
            f"{mask_path}: mask is {mask_px.shape[1]}x{mask_px.shape[0]} but {image_path} is "
            f"{shape[1]}x{shape[0]}"
        )
    mask = mask_from_pixels(mask_px)
    del mask_px
    if not mask.any():
        raise CliError(f"{mask_path}: the mask is empty (paint the area to {purpose} in white)")
    return mask


def check_not_same(inputs: list[str], output: str) -> None:
    """The image itself may be overwritten when OUT names it explicitly; a mask or style
    image as OUT is almost surely a typo."""
    for extra in inputs[1:]:
        if os.path.abspath(extra) == os.path.abspath(output):
            raise CliError(f"{output}: refusing to overwrite an input other than the image")


# --------------------------------------------------------------------------- engines


def resolve_device(device: str | None) -> str:
    """The device string for ``--device`` (or the default); exit 2 when it is unknown."""
    from ml.devices import DeviceError
    from ml.devices import resolve_device as resolve

    try:
        return resolve(device)
    except DeviceError as exc:
        raise CliError(str(exc)) from None


def context(device: str | None, printer: ProgressPrinter, engine: Any = None):
    """A RunContext reporting to ``printer`` on the resolved device. An ``engine`` that
    runs on the CPU only, with no ``--device`` asked for, runs there without asking
    torch which devices exist (importing torch costs seconds and hundreds of MB)."""
    from ml.types import RunContext

    if device is None and getattr(engine, "device_policy", None) == "cpu":
        return RunContext(progress=printer, device="cpu")
    return RunContext(progress=printer, device=resolve_device(device))


def find_engine(task: str, engine_id: str | None):
    """The engine ``engine_id`` of ``task`` (or the task's default) that can run now;
    CliError (exit 2) with the reason and the install command otherwise."""
    from ml import engines as registry
    from ml.store import install_command
    from ml.types import EngineError

    try:
        engine = registry.get(engine_id, task) if engine_id else registry.default(task)
    except EngineError as exc:
        raise CliError(str(exc)) from None
    reason = engine.available()
    if reason is not None:
        hint = ""
        if engine.model_id and "retouch models install" not in reason:
            hint = f"; run {install_command(engine.model_id)}"
        raise CliError(f"engine {engine.id!r} is not available: {reason}{hint}")
    return engine


def engine_params(engine: Any, values: dict) -> dict:
    """Keep only the values the engine declares (CLI flags that do not apply are dropped)."""
    from ml.types import EngineError

    known = {p.name for p in engine.params}
    chosen = {k: v for k, v in values.items() if v is not None and k in known}
    try:
        return engine.resolve_params(chosen)
    except EngineError as exc:
        raise CliError(str(exc)) from None


def run_work(work: Callable[[], np.ndarray], printer: ProgressPrinter) -> np.ndarray:
    """``work()`` with engine errors as CliErrors: unavailable = exit 2, failed = exit 1."""
    from ml.types import EngineError, EngineUnavailable

    try:
        return work()
    except EngineUnavailable as exc:
        raise CliError(str(exc)) from None
    except EngineError as exc:
        raise CliError(str(exc), code=1) from None
    finally:
        printer.finish()
