"""Locate files under ``resources/`` from the source tree or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The ``resources`` folder: ``sys._MEIPASS/resources`` when frozen, else the repo's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a resource file or folder, e.g. ``resource_path("catalog", "upscale.toml")``."""
    return resources_root().joinpath(*parts)
