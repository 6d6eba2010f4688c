"""The ``retouch`` command: the editor by default, headless AI subcommands otherwise.

Exit codes: 0 done; 2 bad usage or bad input (one ``error: ...`` line naming the file, as
typed, and the problem), decided before any work: unreadable inputs, an OUT whose format
is unknown or whose folder is missing or not writable, an unknown model id, a model file
the loader refuses; 1 any other failure (a save failing midway, e.g. disk full; network,
HTTP and checksum errors of ``models install``); 130 cancelled with Ctrl+C (no output
written). ``--debug`` shows tracebacks. Outputs are written atomically (temp file +
rename); ``.ora`` works as IN (flattened) and OUT (a one-layer project) everywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

SUBCOMMANDS = ("upscale", "inpaint", "stylize", "edit", "engines", "models", "convert",
               "self-test")


class CliError(Exception):
    """An expected failure: ``code`` 2 = bad usage/input, 1 = anything else."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error: ...`` line (exit 2), not usage + error.

    Subparsers inherit the class (add_subparsers uses the parent's type), so every
    ``retouch COMMAND`` error points at that command's own --help."""

    def __init__(self, *args, **kwargs) -> None:
        # No prefixes of long options (`--dev` for `--device`): the GUI/subcommand split
        # below reads options by their full names.
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


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# ------------------------------------------------------------------------ image I/O
# One place to read and write images, so switching between editor.io and Pillow is local.


ZIP_MAGIC = b"PK\x03\x04"


def _is_project(path: str) -> bool:
    """An OpenRaster project (by extension, or by content: ORA is a zip)."""
    if Path(path).suffix.lower() == ".ora":
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == ZIP_MAGIC
    except OSError:
        return False  # the image reader reports the problem


def _named(exc, *typed: str) -> str:
    """The file a FileError concerns, as the user typed it (else its full path)."""
    for path in typed:
        if os.path.abspath(path) == os.path.abspath(exc.path):
            return path
    return str(exc.path)


def read_image(path: str) -> tuple[np.ndarray, dict]:
    """(h, w, 4) RGBA uint8/uint16 pixels and metadata; CliError naming the file if bad.

    An OpenRaster project is flattened with the document compositor (as ``convert`` does)."""
    try:
        from editor.io.images import load_image
    except ImportError:
        load_image = None
    if load_image is not None:
        from editor.io.errors import FileError

        try:
            if _is_project(path):
                from editor.io import open_document

                doc = open_document(path)
                meta = {k: doc.metadata.get(k) for k in ("icc_profile", "exif")}
                return doc.composite(), meta
            data = load_image(path)
        except FileError as exc:
            raise CliError(f"{path}: {exc.problem}") from None
        return data.pixels, {"icc_profile": data.icc_profile, "exif": data.exif}
    return _pillow_read(path), {}


def _pillow_read(path: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            return np.asarray(im.convert("RGBA"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CliError(f"{path}: not a readable image ({exc})") from None


def check_writable(path: str) -> None:
    """Fail (exit 2) before any work when OUT cannot be written: unknown format, missing
    folder, or a folder we may not write in (read-only, no permission)."""
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
        from editor.io.errors import FileError
        from editor.io.images import format_for_path
    except ImportError:
        from PIL import Image

        ext = target.suffix.lower()
        if ext not in Image.registered_extensions():
            raise CliError(f"{path}: unknown image format {ext or '(no extension)'}") from None
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
    meta = meta or {}
    try:
        from editor.io.images import save_image
    except ImportError:
        save_image = None
    if save_image is not None:
        from editor.io.errors import FileError

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
        return
    _pillow_write(pixels, path, quality)


def _pillow_write(pixels: np.ndarray, path: str, quality: int | None) -> None:
    from PIL import Image

    target = Path(path)
    arr = pixels if pixels.dtype == np.uint8 else (pixels >> 8).astype(np.uint8)
    im = Image.fromarray(np.ascontiguousarray(arr))
    if target.suffix.lower() in (".jpg", ".jpeg"):
        im = im.convert("RGB")
    fd, tmp = tempfile.mkstemp(dir=target.resolve().parent, prefix=f".{target.name}.",
                               suffix=target.suffix)
    os.close(fd)
    try:
        kwargs = {"quality": quality} if quality else {}
        im.save(tmp, **kwargs)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- engines


def _context(device: str | None, printer: ProgressPrinter):
    from ml.devices import DeviceError, resolve_device
    from ml.types import RunContext

    try:
        dev = resolve_device(device)
    except DeviceError as exc:
        raise CliError(str(exc)) from None
    return RunContext(progress=printer, device=dev)


def _engine(task: str, engine_id: str | None):
    from ml import engines as registry
    from ml.types import EngineError

    try:
        engine = registry.get(engine_id, task) if engine_id else registry.default(task)
    except EngineError as exc:
        raise CliError(str(exc)) from None
    reason = engine.available()
    if reason is not None:
        hint = ""
        if engine.model_id and "retouch models install" not in reason:
            hint = f"; run `retouch models install {engine.model_id}`"
        raise CliError(f"engine {engine.id!r} is not available: {reason}{hint}")
    return engine


def _params(engine, values: dict) -> dict:
    """Keep only the values the engine declares (CLI flags that do not apply are dropped)."""
    from ml.types import EngineError

    known = {p.name for p in engine.params}
    chosen = {k: v for k, v in values.items() if v is not None and k in known}
    try:
        return engine.resolve_params(chosen)
    except EngineError as exc:
        raise CliError(str(exc)) from None


def _run(work: Callable[[], np.ndarray], printer: ProgressPrinter) -> np.ndarray:
    from ml.types import EngineError, EngineUnavailable

    try:
        return work()
    except EngineUnavailable as exc:
        raise CliError(str(exc)) from None
    except EngineError as exc:
        raise CliError(str(exc), code=1) from None
    finally:
        printer.finish()


def _check_not_same(inputs: list[str], out: str) -> None:
    # the input is overwritten only when OUT names it explicitly, which is allowed;
    # but a mask or style image as OUT is almost surely a typo
    for extra in inputs[1:]:
        if os.path.abspath(extra) == os.path.abspath(out):
            raise CliError(f"{out}: refusing to overwrite an input other than the image")


def cmd_upscale(args) -> int:
    engine = _engine("upscale", args.engine)
    scale = args.scale or (4 if 4 in engine.scales else max(engine.scales))
    if scale not in engine.scales:
        raise CliError(f"engine {engine.id!r} supports scale "
                       f"{', '.join(map(str, engine.scales))}, not {scale}")
    check_writable(args.output)
    pixels, meta = read_image(args.input)
    printer = ProgressPrinter()
    ctx = _context(args.device, printer)
    params = _params(engine, {"tile": args.tile})
    if args.tile and "tile" not in params:
        sys.stderr.write(f"note: engine {engine.id!r} does not tile; --tile ignored\n")
    from ml.runtime import run_upscale

    out = _run(lambda: run_upscale(engine, pixels, scale, ctx, **params), printer)
    write_image(out, args.output, meta)
    _out(f"{args.output}: {out.shape[1]}x{out.shape[0]} ({engine.id}, x{scale})")
    return 0


def _mask_from_pixels(mask_px: np.ndarray) -> np.ndarray:
    """White or any non-zero colour = fill; a uniform-colour mask uses its alpha instead."""
    top = np.iinfo(mask_px.dtype).max
    rgb = mask_px[..., :3]
    alpha = mask_px[..., 3]
    if (alpha < top).any() and (rgb == rgb.reshape(-1, 3)[0]).all():
        return alpha > 0
    return (rgb > 0).any(axis=2) & (alpha > 0)


def _read_mask(mask_path, image_path, shape: tuple[int, ...], purpose: str) -> np.ndarray:
    """The mask file as bool (h, w), checked against the image's size and for emptiness."""
    mask_px, _ = read_image(mask_path)
    if mask_px.shape[:2] != shape[:2]:
        raise CliError(
            f"{mask_path}: mask is {mask_px.shape[1]}x{mask_px.shape[0]} but {image_path} is "
            f"{shape[1]}x{shape[0]}"
        )
    mask = _mask_from_pixels(mask_px)
    if not mask.any():
        raise CliError(f"{mask_path}: the mask is empty (paint the area to {purpose} in white)")
    return mask


def cmd_inpaint(args) -> int:
    engine = _engine("inpaint", args.engine)
    _check_not_same([args.input, args.mask], args.output)
    check_writable(args.output)
    pixels, meta = read_image(args.input)
    mask = _read_mask(args.mask, args.input, pixels.shape, "fill")
    printer = ProgressPrinter()
    ctx = _context(args.device, printer)
    from ml.runtime import run_inpaint

    params = _params(engine, {})
    out = _run(lambda: run_inpaint(engine, pixels, mask, ctx, **params), printer)
    write_image(out, args.output, meta)
    _out(f"{args.output}: filled {int(mask.sum())} pixels ({engine.id})")
    return 0


def _preset_engine(name: str) -> str:
    """The style engine id for ``--preset NAME`` (``candy`` or ``fast-candy``)."""
    from ml import engines as registry

    presets = [e.id for e in registry.engines("style") if not e.needs_style_image]
    for candidate in (name, f"fast-{name}"):
        if candidate in presets:
            return candidate
    names = ", ".join(p.removeprefix("fast-") for p in presets) or "none"
    raise CliError(f"unknown preset {name!r}; known: {names}")


def cmd_stylize(args) -> int:
    if len(args.paths) == 3:
        content_path, style_path, output = args.paths
    elif len(args.paths) == 2:
        (content_path, output), style_path = args.paths, None
    else:
        raise CliError("usage: retouch stylize IN [STYLE] OUT (STYLE may be left out with "
                       "--preset)")
    engine_id = args.engine
    if args.preset:
        preset_id = _preset_engine(args.preset)
        if engine_id is not None and engine_id != preset_id:
            raise CliError(f"--preset {args.preset} is the engine {preset_id!r}; leave out "
                           f"--engine {engine_id}")
        engine_id = preset_id
    engine = _engine("style", engine_id)
    if style_path is None and getattr(engine, "needs_style_image", True):
        raise CliError(f"engine {engine.id!r} needs a STYLE image: retouch stylize IN STYLE OUT")
    if args.strength is not None and not 0.0 <= args.strength <= 1.0:
        raise CliError(f"--strength must be between 0 and 1, not {args.strength}")
    if args.style_scale is not None and not args.style_scale > 0:
        raise CliError(f"--style-scale must be above 0, not {args.style_scale}")
    extra = [p for p in (style_path, args.mask) if p]
    _check_not_same([content_path, *extra], output)
    check_writable(output)
    # the same engine parameters as the editor's style dialog (ai_style.OWN_PARAMS)
    chosen = {"strength": args.strength, "keep_colors": args.keep_colors,
              "style_scale": args.style_scale, "max_size": args.max_size}
    params = _params(engine, chosen)
    for name, flag in (("keep_colors", "--keep-colors"), ("style_scale", "--style-scale"),
                       ("max_size", "--max-size")):
        if chosen[name] is not None and name not in params:
            sys.stderr.write(f"note: engine {engine.id!r} has no {name}; {flag} ignored\n")
    content, meta = read_image(content_path)
    style = read_image(style_path)[0] if style_path else None
    mask = None
    if args.mask:
        mask = _read_mask(args.mask, content_path, content.shape, "stylise")
    printer = ProgressPrinter()
    ctx = _context(args.device, printer)
    from ml.runtime import run_style

    out = _run(lambda: run_style(engine, content, style, ctx, **params), printer)
    if mask is not None:
        out = _restrict(out, content, mask)
    write_image(out, output, meta)
    _out(f"{output}: {out.shape[1]}x{out.shape[0]} ({engine.id})")
    return 0


def _restrict(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The result where the mask is set, the original pixels exactly elsewhere (as the
    editor clips a style layer to its mask)."""
    if result.shape[:2] != mask.shape:
        # an engine that returns another size: bring mask and original to the result's
        from PIL import Image

        size = (result.shape[1], result.shape[0])
        mask = np.asarray(Image.fromarray(mask).resize(size, Image.Resampling.NEAREST))
        original = np.stack([
            np.asarray(Image.fromarray(np.ascontiguousarray(original[..., c]))
                       .resize(size, Image.Resampling.BILINEAR))
            for c in range(original.shape[2])], axis=2)
    return np.where(mask[..., None], result, original.astype(result.dtype))


def cmd_edit(args) -> int:
    from ml import engines as registry

    latent = registry.engines("latent")
    if not latent:
        raise CliError(
            "attribute editing is not available yet: no latent (portrait) engine is installed "
            f"in this build (asked for model {args.model!r})"
        )
    match = [e for e in latent if args.model in (e.id, e.model_id)]
    if not match:
        raise CliError(f"unknown attribute-editing model {args.model!r}; known: "
                       f"{', '.join(e.id for e in latent)}")
    engine = match[0]
    reason = engine.available()
    if reason is not None:
        raise CliError(f"engine {engine.id!r} is not available: {reason}")
    values = {}
    for item in args.set or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise CliError(f"--set {item!r}: expected NAME=VALUE")
        values[name.strip()] = value.strip()
    params = _params(engine, {}) | _coerce_all(engine, values)
    if not hasattr(engine, "edit"):
        raise CliError(f"engine {engine.id!r} has no headless edit entry", code=1)
    check_writable(args.output)
    pixels, meta = read_image(args.input)
    printer = ProgressPrinter()
    ctx = _context(args.device, printer)
    from ml.imageconv import from_engine, to_engine

    def work():
        rgb, alpha = to_engine(pixels)
        result = np.asarray(engine.edit(rgb, ctx, **params), dtype=np.float32)
        if alpha is not None and alpha.shape != result.shape[:2]:
            alpha = None
        return from_engine(result, alpha, pixels.dtype)

    out = _run(work, printer)
    write_image(out, args.output, meta)
    _out(f"{args.output}: edited with {engine.id}")
    return 0


def _coerce_all(engine, values: dict) -> dict:
    from ml.types import EngineError

    try:
        return {k: v for k, v in engine.resolve_params(values).items() if k in values}
    except EngineError as exc:
        raise CliError(str(exc)) from None


def cmd_engines(args) -> int:
    from ml import engines as registry
    from ml.devices import DeviceError, device_label, resolve_device

    try:
        dev = resolve_device(args.device)
    except DeviceError as exc:
        raise CliError(str(exc)) from None
    rows = []
    for e in registry.engines():
        reason = e.available()
        rows.append({
            "id": e.id, "name": e.name, "task": e.task, "available": reason is None,
            "reason": reason or "", "model_id": e.model_id, "device_policy": e.device_policy,
            "scales": list(getattr(e, "scales", ())) or None,
            "params": [{"name": p.name, "kind": p.kind, "default": p.default,
                        "min": p.minimum, "max": p.maximum, "choices": list(p.choices)}
                       for p in e.params],
        })
    if args.json:
        _out(json.dumps({"device": dev, "device_label": device_label(dev), "engines": rows},
                        indent=2))
        return 0
    _out(f"device: {device_label(dev)}")
    if not rows:
        _out("no engines are registered")
    for r in rows:
        state = "ok " if r["available"] else "n/a"
        extra = "" if r["available"] else f"  ({r['reason']})"
        _out(f"{state} {r['task']:<8} {r['id']:<28} {r['name']}{extra}")
    return 0


# --------------------------------------------------------------------------- models


# Exit codes of `retouch models`, by what went wrong rather than by the words of the
# message: what the user named (an id, a file) is checked first and is exit 2 when bad;
# anything the store then fails at (network, DNS, HTTP, a download whose hash does not
# match, a full disk, an unreadable index) is exit 1, a failure, not bad input.
MODELS_EPILOG = (
    "Exit codes: 2 when the ID is unknown or not installed, or the imported FILE is missing, "
    "empty, of the wrong type or not a checkpoint Retouch recognises; 1 when the network, "
    "the server (HTTP error), the download's checksum or the disk fails."
)
IMPORT_SUFFIXES = (".pth", ".ckpt", ".safetensors")


def _check_import_file(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise CliError(f"{path}: no such file")
    if not p.is_file():
        raise CliError(f"{path}: is not a file")
    if p.suffix.lower() not in IMPORT_SUFFIXES:
        raise CliError(f"{path}: cannot import {p.suffix or 'extension-less'} files; use a "
                       f"{', '.join(IMPORT_SUFFIXES)} checkpoint")
    if p.stat().st_size == 0:
        raise CliError(f"{path}: the file is empty")


def cmd_models(args) -> int:
    from ml.loading import ModelFileError
    from ml.store import ModelStore, StoreError

    store = ModelStore()
    try:
        # bad input first: each of these raises StoreError only for what the user named
        if args.action == "install":
            try:
                store.entry(args.id)
            except StoreError as exc:  # an unknown id
                raise CliError(str(exc)) from None
        elif args.action == "remove" and args.id not in store.records():
            # (an unreadable index raises StoreError here: a failure, exit 1 below)
            raise CliError(f"model {args.id!r} is not installed; see `retouch models list`")
        if args.action == "import":
            _check_import_file(args.id)
        return _models_action(store, args)
    except StoreError as exc:
        # the store wraps the loader's refusal of the file itself (junk, pickled code,
        # unknown architecture); Python keeps it as the context even with ``from None``
        bad_file = args.action == "import" and isinstance(exc.__context__, ModelFileError)
        raise CliError(str(exc), code=2 if bad_file else 1) from None


def _models_action(store, args) -> int:
    if args.action == "list":
        return _models_list(store, args.json)
    if args.action == "install":
        printer = ProgressPrinter()
        try:
            result = store.install(args.id, progress=printer)
        finally:
            printer.finish()
        if args.json:
            _out(json.dumps({"id": result.id, "path": str(result.path),
                             "sha256": result.sha256, "verified": result.verified,
                             "notice": result.notice,
                             "also_installed": result.also_installed}))
        else:
            if result.notice:
                _out(f"notice: {result.notice}")
            _out(f"installed {result.id}: {result.path}")
            for other in result.also_installed:
                _out(f"installed {other} (same download)")
        return 0
    if args.action == "import":
        rec = store.import_file(args.id)
        if args.json:
            _out(json.dumps(rec))
        else:
            _out(f"imported {rec['id']}: {rec['task']} ({rec['architecture']}, "
                 f"x{rec['scale']}) -> {store.root / rec['file']}")
        return 0
    if args.action == "verify":
        results = store.verify()
        if args.json:
            _out(json.dumps([r.__dict__ for r in results]))
        else:
            if not results:
                _out("no models installed")
            for r in results:
                _out(f"{'ok  ' if r.ok else 'FAIL'} {r.id}: {r.message}")
        return 0 if all(r.ok for r in results) else 1
    if args.action == "remove":
        path = store.remove(args.id)
        _out(f"removed {args.id} ({path})")
        return 0
    raise CliError(f"unknown models action {args.action!r}")


def _human_size(n: int) -> str:
    if not n:
        return "?"
    if n < 1_000_000:
        return f"{n / 1e3:.0f} kB"
    return f"{n / 1e6:.0f} MB"


def _models_list(store, as_json: bool) -> int:
    rows = store.as_json()
    if as_json:
        _out(json.dumps({"root": str(store.root), "models": rows}, indent=2))
        return 0
    _out(f"model folder: {store.root}")
    for r in rows:
        mark = "installed" if r.get("installed") else "-"
        size = _human_size(r.get("size") or 0)
        flags = []
        if not r.get("commercial_use", True):
            flags.append("NON-COMMERCIAL")
        if r.get("source") != "import" and not r.get("verified", True):
            flags.append("unverified")
        extra = f" [{', '.join(flags)}]" if flags else ""
        _out(f"{mark:<10} {r.get('task', ''):<8} {r['id']:<32} {size:>7}  "
             f"{r.get('licence', '')}{extra}")
    return 0


# ---------------------------------------------------------------------- convert/test


def cmd_convert(args) -> int:
    try:
        from editor.io import convert
    except ImportError:
        convert = None
    if convert is None:
        check_writable(args.output)
        pixels, meta = read_image(args.input)
        write_image(pixels, args.output, meta, quality=args.quality)
    else:
        from editor.io.errors import FileError

        check_writable(args.output)
        try:
            convert(args.input, args.output, quality=args.quality)
        except FileError as exc:
            # OUT was checked above, so a FileError about it is a failed write (disk full,
            # I/O error): exit 1 like the other subcommands; one about IN is bad input
            is_out = os.path.abspath(exc.path) == os.path.abspath(args.output)
            raise CliError(f"{_named(exc, args.input, args.output)}: {exc.problem}",
                           code=1 if is_out else 2) from None
    _out(f"{args.output}: written")
    return 0


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
    from ml import engines as registry
    from ml.runtime import run_inpaint, run_style, run_upscale
    from ml.types import RunContext

    failures = 0

    def check(label: str, fn: Callable[[], str]) -> None:
        nonlocal failures
        start = time.perf_counter()
        try:
            detail = fn()
            _out(f"ok   {label:<36} {time.perf_counter() - start:6.2f}s  {detail}")
        except Exception as exc:  # noqa: BLE001 - every failure is one FAIL line
            failures += 1
            _out(f"FAIL {label:<36} {type(exc).__name__}: {exc}")
            if args.debug:
                traceback.print_exc()

    try:
        from ml.devices import device_label, resolve_device

        dev = resolve_device(args.device)
    except Exception as exc:  # noqa: BLE001
        raise CliError(str(exc)) from None
    _out(f"device: {device_label(dev)}")
    image = _test_image()
    ran = 0
    only = set(args.only or [])
    for engine in registry.engines():
        if only and engine.id not in only:
            continue
        if engine.available() is not None or engine.task == "latent":
            continue
        ran += 1
        ctx = RunContext(device=dev)
        quick = _quick_params(engine)

        def one(engine=engine, ctx=ctx, quick=quick) -> str:
            if engine.task == "upscale":
                scale = min(engine.scales)
                out = run_upscale(engine, image, scale, ctx, **quick)
                expected = (image.shape[0] * scale, image.shape[1] * scale, 4)
            elif engine.task == "inpaint":
                mask = np.zeros(image.shape[:2], bool)
                mask[12:24, 16:30] = True
                out = run_inpaint(engine, image, mask, ctx, **quick)
                expected = image.shape
            else:
                style = _test_image(32, 32)[:, ::-1].copy()
                out = run_style(engine, image, style, ctx, **quick)
                expected = None
            if out.dtype != image.dtype or (expected and out.shape != expected):
                raise AssertionError(f"got {out.dtype} {out.shape}, expected {expected}")
            if not np.isfinite(out.astype(np.float32)).all():
                raise AssertionError("non-finite output")
            return f"{out.shape[1]}x{out.shape[0]}"

        check(f"{engine.task}/{engine.id}", one)
    if ran == 0:
        _out("note: no built-in engine is registered yet")

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
    _out("all checks passed" if failures == 0 else f"{failures} check(s) failed")
    return 0 if failures == 0 else 1


def cmd_gui(paths: list[str], debug: bool) -> int:
    try:
        from editor.ui.app import run_app
    except ImportError as exc:
        if debug:
            traceback.print_exc()
        raise CliError(f"the editor window is not available in this build ({exc})",
                       code=1) from None
    return int(run_app(paths) or 0)


# ------------------------------------------------------------------------- parsing


def _quality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number 1..100, not {text!r}") \
            from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 1 and 100, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    # SUPPRESS defaults: a global option given before the subcommand is not reset by the
    # subcommand's own copy of it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks on errors")
    common.add_argument("--device", default=argparse.SUPPRESS,
                        help="auto, cpu, cuda, cuda:N or mps (default: $RETOUCH_DEVICE or auto)")
    p = _Parser(
        prog="retouch", parents=[common],
        description="Offline image editor with local AI tools. Without a subcommand, "
                    "opens the editor (with FILEs, if given).",
        epilog="Exit codes: 0 done, 2 bad usage or input (caught before any work: a missing "
               "or unreadable input, an output folder that is missing or read-only, an "
               "unknown model id or a file that is not a model), 1 other failure (a save "
               "that fails midway, e.g. disk full; network, HTTP or checksum errors of "
               "`retouch models install`), 130 cancelled.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("upscale", parents=[common], help="enlarge an image")
    s.add_argument("input", metavar="IN")
    s.add_argument("output", metavar="OUT")
    s.add_argument("--scale", type=int, choices=(2, 3, 4))
    s.add_argument("--engine", metavar="ID")
    s.add_argument("--tile", type=int, metavar="N", help="tile size in input pixels")

    s = sub.add_parser("inpaint", parents=[common],
                       help="fill the masked area (MASK: white/non-zero = fill)")
    s.add_argument("input", metavar="IN")
    s.add_argument("mask", metavar="MASK")
    s.add_argument("output", metavar="OUT")
    s.add_argument("--engine", metavar="ID")

    s = sub.add_parser("stylize", parents=[common], help="apply a painting style",
                       usage="retouch stylize IN [STYLE] OUT [options]")
    s.add_argument("paths", nargs="+", metavar="IN [STYLE] OUT")
    s.add_argument("--engine", metavar="ID")
    s.add_argument("--preset", metavar="NAME")
    s.add_argument("--strength", type=float, metavar="0..1",
                   help="blend with the original: 0 = unchanged, 1 = full effect")
    s.add_argument("--keep-colors", action="store_true", default=None, dest="keep_colors",
                   help="keep the image's own colours (luminance-only transfer)")
    s.add_argument("--style-scale", type=float, metavar="F", dest="style_scale",
                   help="size of the style's strokes relative to the image (2 = twice as "
                        "big; 0.25..4)")
    s.add_argument("--mask", metavar="FILE",
                   help="change only where FILE is white/non-zero (same size as IN)")
    s.add_argument("--max-size", type=int, metavar="N", dest="max_size")

    s = sub.add_parser("edit", parents=[common], help="portrait attribute editing")
    s.add_argument("input", metavar="IN")
    s.add_argument("output", metavar="OUT")
    s.add_argument("--model", required=True, metavar="ID")
    s.add_argument("--set", action="append", metavar="NAME=VALUE")

    s = sub.add_parser("engines", parents=[common], help="list engines and availability")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("models", parents=[common], help="the model store",
                       epilog=MODELS_EPILOG)
    s.add_argument("action", choices=("list", "install", "import", "verify", "remove"))
    s.add_argument("id", nargs="?", metavar="ID|FILE")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("convert", parents=[common], help="convert an image file")
    s.add_argument("input", metavar="IN")
    s.add_argument("output", metavar="OUT")
    s.add_argument("--quality", type=_quality, metavar="1..100",
                   help="JPEG/WebP quality (WebP 100 = lossless)")

    s = sub.add_parser("self-test", parents=[common], help="run every built-in engine and a "
                       "headless window; exit 0 when all pass")
    s.add_argument("--only", action="append", metavar="ID",
                   help="check only this engine (repeatable)")
    return p


def _gui_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="retouch", add_help=False)
    p.add_argument("--debug", action="store_true")
    p.add_argument("--device")
    p.add_argument("files", nargs="*")
    return p


def _first_positional(argv: list[str]) -> str | None:
    """The first word that is not an option or an option's value (``--device cpu``)."""
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--device":
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def _check_gui_files(paths: list[str]) -> None:
    """``retouch FILE...`` opens files. A word that is neither a file nor a path-like name
    (no folder, no extension: a mistyped subcommand) is refused before Qt starts; a
    missing file with a real file name is left to the window, which says so in a message
    (a launcher's ``retouch %F`` has no terminal to print to)."""
    for path in paths:
        if os.path.exists(path):
            if os.path.isdir(path):
                raise CliError(f"{path}: is a folder, not an image file")
            continue
        if os.sep in path or "/" in path or os.path.splitext(path)[1]:
            continue
        close = difflib.get_close_matches(path, SUBCOMMANDS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "see retouch --help"
        raise CliError(f"{path!r} is not a file or a command ({hint})")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``retouch`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    first = _first_positional(argv)
    wants_help = any(a in ("-h", "--help") for a in argv)
    try:
        if first not in SUBCOMMANDS and not wants_help:
            known, rest = _gui_parser().parse_known_args(argv)
            if rest:
                raise CliError(f"unknown option {rest[0]!r} (see retouch --help)")
            _check_gui_files(known.files)
            if known.device:
                os.environ["RETOUCH_DEVICE"] = known.device
            return cmd_gui(known.files, debug)
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help printed (errors raise CliError, see _Parser)
            return 0 if exc.code == 0 else 2
        if args.command in ("models",) and args.action in ("install", "import", "remove") \
                and not args.id:
            raise CliError(f"retouch models {args.action} needs "
                           f"{'a FILE' if args.action == 'import' else 'an ID'}")
        args.debug = debug
        args.device = getattr(args, "device", None)
        handler = {
            "upscale": cmd_upscale, "inpaint": cmd_inpaint, "stylize": cmd_stylize,
            "edit": cmd_edit, "engines": cmd_engines, "models": cmd_models,
            "convert": cmd_convert, "self-test": cmd_self_test,
        }[args.command]
        return handler(args)
    except CliError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        # outputs are only ever renamed into place when complete, so nothing partial remains
        sys.stderr.write("\ncancelled\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: one line, not a traceback
        from ml.types import Cancelled

        if isinstance(exc, Cancelled):
            sys.stderr.write("cancelled\n")
            return 130
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
