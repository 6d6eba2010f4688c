"""``retouch convert IN OUT``: change an image's format (``.ora`` in and out)."""

from __future__ import annotations

import argparse
import os

from editor.cli.common import CliError, check_writable, named, out


def quality(text: str) -> int:
    """argparse type of ``--quality``: a whole number 1..100."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number 1..100, not {text!r}") \
            from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 1 and 100, not {value}")
    return value


def cmd_convert(args) -> int:
    """Convert IN to OUT with :func:`editor.io.convert` (metadata kept)."""
    from editor.io import convert
    from editor.io.errors import FileError

    check_writable(args.output)
    try:
        convert(args.input, args.output, quality=args.quality)
    except FileError as exc:
        # OUT was checked above, so a FileError about it is a failed write (disk full,
        # I/O error): exit 1 like the other subcommands; one about IN is bad input
        is_out = os.path.abspath(exc.path) == os.path.abspath(args.output)
        raise CliError(f"{named(exc, args.input, args.output)}: {exc.problem}",
                       code=1 if is_out else 2) from None
    out(f"{args.output}: written")
    return 0
