"""Entry point of the bundled app: the same ``retouch`` command as the console script."""

from __future__ import annotations

import multiprocessing
import os
import sys

if __name__ == "__main__":
    # Frozen apps re-execute themselves for worker processes; without this a child
    # process would open a second editor window.
    multiprocessing.freeze_support()
    if sys.platform.startswith("linux") and not any(
        os.environ.get(k) for k in ("LC_ALL", "LC_CTYPE", "LANG")
    ):
        # Started with no locale at all (env -i, some launchers): Qt wants UTF-8 and
        # would switch to it anyway, with a four-line warning.
        os.environ["LC_CTYPE"] = "C.UTF-8"
    from editor.cli import main

    sys.exit(main())
