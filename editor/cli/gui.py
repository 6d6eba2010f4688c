"""``retouch [FILE...]``: open the editor window."""

from __future__ import annotations

import difflib
import os
import traceback
from collections.abc import Iterable

from editor.cli.common import CliError


def cmd_gui(paths: list[str], debug: bool) -> int:
    """Run the editor with ``paths`` open; exit 1 when this build has no window."""
    try:
        from editor.ui.app import run_app
    except ImportError as exc:
        if debug:
            traceback.print_exc()
        raise CliError(f"the editor window is not available in this build ({exc})",
                       code=1) from None
    return int(run_app(paths) or 0)


def check_gui_files(paths: list[str], commands: Iterable[str]) -> None:
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
        close = difflib.get_close_matches(path, list(commands), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "see retouch --help"
        raise CliError(f"{path!r} is not a file or a command ({hint})")
