"""The ``retouch`` command: the editor by default, headless subcommands otherwise.

Exit codes: 0 done; 2 bad usage or bad input (one ``error: ...`` line naming the file, as
typed, and the problem), decided before any work: unreadable inputs, an OUT whose format
is unknown or whose folder is missing or not writable, an unknown model id, a model file
the loader refuses; 1 any other failure (a save failing midway, e.g. disk full; network,
HTTP and checksum errors of ``models install``); 130 cancelled with Ctrl+C (no output
written). ``--debug`` shows tracebacks. Outputs are written atomically (temp file +
rename); ``.ora`` works as IN (flattened) and OUT (a one-layer project) everywhere.

One module per subcommand group: :mod:`~editor.cli.common` (errors, parser, progress,
image I/O, engine look-up), :mod:`~editor.cli.tasks` (the AI subcommands, generated
from the task specs in ``ml/engines/<task>.py``, and ``engines``),
:mod:`~editor.cli.models`, :mod:`~editor.cli.convert`, :mod:`~editor.cli.train`, :mod:`~editor.cli.selftest`,
:mod:`~editor.cli.gui`. All output goes through these modules; ``main`` is the console
script's entry.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from editor.cli.common import CliError, Parser, ProgressPrinter
from editor.cli.convert import cmd_convert, quality
from editor.cli.gui import check_gui_files, cmd_gui
from editor.cli.models import MODELS_EPILOG, cmd_models
from editor.cli.selftest import cmd_self_test
from editor.cli.tasks import add_task_parsers, cmd_engines, task_commands
from editor.cli.train import add_train_parser

__all__ = ["FIXED_COMMANDS", "CliError", "ProgressPrinter", "build_parser", "cmd_gui", "main",
           "subcommands"]

#: the subcommands that are not AI tasks (those come from the task specs)
FIXED_COMMANDS = ("engines", "models", "convert", "self-test", "train")


def subcommands() -> tuple[str, ...]:
    """Every subcommand: one per AI task spec, then the fixed ones."""
    return (*task_commands(), *FIXED_COMMANDS)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand (the task ones generated from the task specs)."""
    # SUPPRESS defaults: a global option given before the subcommand is not reset by the
    # subcommand's own copy of it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks on errors")
    common.add_argument("--device", default=argparse.SUPPRESS,
                        help="auto, cpu, cuda, cuda:N or mps (default: $RETOUCH_DEVICE or auto)")
    p = Parser(
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

    add_task_parsers(sub, common)

    s = sub.add_parser("engines", parents=[common], help="list engines and availability")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_engines)

    s = sub.add_parser("models", parents=[common], help="the model store",
                       epilog=MODELS_EPILOG)
    s.add_argument("action", choices=("list", "install", "import", "verify", "remove"))
    s.add_argument("id", nargs="?", metavar="ID|FILE")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_models)

    s = sub.add_parser("convert", parents=[common], help="convert an image file")
    s.add_argument("input", metavar="IN")
    s.add_argument("output", metavar="OUT")
    s.add_argument("--quality", type=quality, metavar="1..100",
                   help="JPEG/WebP quality (WebP 100 = lossless)")
    s.set_defaults(handler=cmd_convert)

    s = sub.add_parser("self-test", parents=[common], help="run every built-in engine and a "
                       "headless window; exit 0 when all pass")
    s.add_argument("--only", action="append", metavar="ID",
                   help="check only this engine (repeatable)")
    s.set_defaults(handler=cmd_self_test)

    add_train_parser(sub, common)
    return p


def _gui_parser() -> argparse.ArgumentParser:
    p = Parser(prog="retouch", add_help=False)
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``retouch`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    first = _first_positional(argv)
    wants_help = any(a in ("-h", "--help") for a in argv)
    try:
        if first not in subcommands() and not wants_help:
            known, rest = _gui_parser().parse_known_args(argv)
            if rest:
                raise CliError(f"unknown option {rest[0]!r} (see retouch --help)")
            check_gui_files(known.files, subcommands())
            if known.device:
                os.environ["RETOUCH_DEVICE"] = known.device
            return cmd_gui(known.files, debug)
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help printed (errors raise CliError, see Parser)
            return 0 if exc.code == 0 else 2
        if args.command in ("models",) and args.action in ("install", "import", "remove") \
                and not args.id:
            raise CliError(f"retouch models {args.action} needs "
                           f"{'a FILE' if args.action == 'import' else 'an ID'}")
        args.debug = debug
        args.device = getattr(args, "device", None)
        handler = getattr(args, "handler", None)
        if handler is None:
            raise CliError("name a command (see retouch --help)")
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
