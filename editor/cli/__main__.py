"""``python -m editor.cli``: the same as the ``retouch`` console script."""

from __future__ import annotations

import sys

from editor.cli import main

sys.exit(main())
