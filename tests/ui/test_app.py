"""Application set-up: the desktop integration names match the packaging files."""

from __future__ import annotations

from pathlib import Path

from editor.ui.app import ensure_app

LINUX = Path(__file__).resolve().parents[2] / "packaging" / "linux"


def test_desktop_file_name_matches_the_installed_desktop_entry(qapp):
    # Wayland has no WM_CLASS: the compositor finds the launcher (icon, grouping in the
    # dock) by the app id, which Qt takes from desktopFileName.
    app = ensure_app()
    entries = sorted(p.name for p in LINUX.glob("*.desktop"))
    assert entries == [f"{app.desktopFileName()}.desktop"]
    text = (LINUX / entries[0]).read_text("utf-8")
    assert f"Icon={app.desktopFileName()}" in text
