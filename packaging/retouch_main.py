"""Entry point of the bundled app: the same ``retouch`` command as the console script."""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    # Frozen apps re-execute themselves for worker processes; without this a child
    # process would open a second editor window.
    multiprocessing.freeze_support()
    from editor.cli import main

    sys.exit(main())
