"""Where Retouch keeps its per-user files.

``RETOUCH_DATA_DIR`` and ``RETOUCH_CONFIG_DIR`` override the platform defaults (the test
suite points them at a temp folder); otherwise platformdirs picks the usual place for an
app called "Retouch" (``~/.local/share/Retouch`` on Linux, ``%LOCALAPPDATA%\\Retouch`` on
Windows, ``~/Library/Application Support/Retouch`` on macOS). Each function creates its
folder on first use so callers can write straight into it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Retouch"


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """The user data folder (model store, autosaves): $RETOUCH_DATA_DIR or the platform one."""
    env = os.environ.get("RETOUCH_DATA_DIR")
    if env:
        return _ensure(Path(env).expanduser())
    return _ensure(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def config_dir() -> Path:
    """The settings folder: $RETOUCH_CONFIG_DIR or the platform one."""
    env = os.environ.get("RETOUCH_CONFIG_DIR")
    if env:
        return _ensure(Path(env).expanduser())
    return _ensure(Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))


def autosave_dir() -> Path:
    """Where crash-recovery snapshots go: ``data_dir()/autosave``."""
    return _ensure(data_dir() / "autosave")
