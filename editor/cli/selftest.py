"""``retouch self-test``: run every available engine on a small image (inputs made from
each task's spec), read the model catalog, and open a headless main window; exit 0 when
every check passes."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

import numpy as np

from editor.cli.common import CliError, out


def _test_image(h: int = 40, w: int = 48) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 4), np.uint8)
    img[..., 0] = (xx * 255 // max(w - 1, 1)).astype(np.uint8)
    img[..., 1] = (yy * 255 // max(h - 1, 1)).astype(np.uint8)
    img[..., 2] = ((xx // 8 + yy // 8) % 2 * 200).astype(np.uint8)
    img[..., 3] = 255
    return img


_QUICK = ("iterations", "steps", "max_size")


def _quick_params(engine) -> dict:
    """The cheapest setting of iteration/size parameters: a smoke test, not a quality test."""
    return {p.name: p.minimum for p in engine.params
            if p.name in _QUICK and p.kind == "int" and p.minimum is not None}


@contextlib.contextmanager
def _environ(**values: str):
    """Set environment variables for the duration of the block, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def _quiet_qpa():
    """Drop the offscreen platform's "does not support propagateSizeHints()" warning
    (harmless, printed for every shown window); other Qt messages go through."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message):
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def cmd_self_test(args) -> int:
    """Run the checks; one ``ok``/``FAIL`` line each, exit 1 when any failed."""
    from editor.cli.tasks import test_inputs
    from ml import engines as registry
    from ml.runtime import run_task
    from ml.types import RunContext

    failures = 0

    def check(label: str, fn: Callable[[], str]) -> None:
        nonlocal failures
        start = time.perf_counter()
        try:
            detail = fn()
            out(f"ok   {label:<36} {time.perf_counter() - start:6.2f}s  {detail}")
        except Exception as exc:  # noqa: BLE001 - every failure is one FAIL line
            failures += 1
            out(f"FAIL {label:<36} {type(exc).__name__}: {exc}")
            if args.debug:
                traceback.print_exc()

    try:
        from ml.devices import device_label, resolve_device

        dev = resolve_device(args.device)
    except Exception as exc:  # noqa: BLE001
        raise CliError(str(exc)) from None
    out(f"device: {device_label(dev)}")
    image = _test_image()
    ran = 0
    only = set(args.only or [])
    for engine in registry.engines():
        if only and engine.id not in only:
            continue
        if engine.available() is not None:
            continue
        ran += 1
        ctx = RunContext(device=dev)
        quick = _quick_params(engine)

        def one(engine=engine, ctx=ctx, quick=quick) -> str:
            spec = registry.REGISTRY.spec(engine.task)
            result = run_task(spec, engine, ctx, **test_inputs(spec, engine, image), **quick)
            if result.dtype != image.dtype or result.ndim != 3 \
                    or result.shape[2] != image.shape[2]:
                raise AssertionError(f"got {result.dtype} {result.shape}, expected "
                                     f"{image.dtype} with {image.shape[2]} channels")
            if not np.isfinite(result.astype(np.float32)).all():
                raise AssertionError("non-finite output")
            return f"{result.shape[1]}x{result.shape[0]}"

        check(f"{engine.task}/{engine.id}", one)
    if ran == 0:
        out("note: no built-in engine is registered yet")

    def catalog() -> str:
        from ml.store import load_catalog

        return f"{len(load_catalog())} catalog entries"

    check("model catalog", catalog)

    def window() -> str:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        # the window saves its geometry, docks and recent files on close, and may autosave:
        # point the settings and data folders at a throwaway one so a self-test never
        # changes the user's own settings
        with tempfile.TemporaryDirectory(prefix="retouch-self-test-") as tmp, \
                _environ(RETOUCH_CONFIG_DIR=os.path.join(tmp, "config"),
                         RETOUCH_DATA_DIR=os.path.join(tmp, "data")), _quiet_qpa():
            from PySide6.QtWidgets import QApplication

            from editor.ui.app import create_main_window

            app = QApplication.instance() or QApplication(["retouch-self-test"])
            win = create_main_window()
            win.show()
            app.processEvents()
            title = win.windowTitle()
            win.close()
            app.processEvents()
            win.deleteLater()
            app.processEvents()
        return f"main window {title!r}"

    check("headless Qt window", window)
    out("all checks passed" if failures == 0 else f"{failures} check(s) failed")
    return 0 if failures == 0 else 1
