"""``retouch models``: list, install, import, verify and remove models in the store.

Exit codes are decided by what went wrong rather than by the words of the message (see
:data:`MODELS_EPILOG`).
"""

from __future__ import annotations

import json
from pathlib import Path

from editor.cli.common import CliError, ProgressPrinter, out

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
            out(json.dumps({"id": result.id, "path": str(result.path),
                             "sha256": result.sha256, "verified": result.verified,
                             "notice": result.notice,
                             "also_installed": result.also_installed}))
        else:
            if result.notice:
                out(f"notice: {result.notice}")
            out(f"installed {result.id}: {result.path}")
            for other in result.also_installed:
                out(f"installed {other} (same download)")
        return 0
    if args.action == "import":
        rec = store.import_file(args.id)
        if args.json:
            out(json.dumps(rec))
        else:
            out(f"imported {rec['id']}: {rec['task']} ({rec['architecture']}, "
                 f"x{rec['scale']}) -> {store.root / rec['file']}")
        return 0
    if args.action == "verify":
        results = store.verify()
        if args.json:
            out(json.dumps([r.__dict__ for r in results]))
        else:
            if not results:
                out("no models installed")
            for r in results:
                out(f"{'ok  ' if r.ok else 'FAIL'} {r.id}: {r.message}")
        return 0 if all(r.ok for r in results) else 1
    if args.action == "remove":
        path = store.remove(args.id)
        out(f"removed {args.id} ({path})")
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
        out(json.dumps({"root": str(store.root), "models": rows}, indent=2))
        return 0
    out(f"model folder: {store.root}")
    for r in rows:
        mark = "installed" if r.get("installed") else "-"
        size = _human_size(r.get("size") or 0)
        flags = []
        if not r.get("commercial_use", True):
            flags.append("NON-COMMERCIAL")
        if r.get("source") != "import" and not r.get("verified", True):
            flags.append("unverified")
        extra = f" [{', '.join(flags)}]" if flags else ""
        out(f"{mark:<10} {r.get('task', ''):<8} {r['id']:<32} {size:>7}  "
             f"{r.get('licence', '')}{extra}")
    return 0
