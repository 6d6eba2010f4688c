"""Application entry: QApplication set-up, theme, icon, and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from editor.ui.main_window import MainWindow

#: packaging/linux/<this>.desktop (reverse-DNS, as Flathub and AppStream want)
DESKTOP_FILE_NAME = "io.github.retouch.Retouch"


def app_icon() -> QIcon:
    try:
        from editor.jobs.engines import resource_path

        folder = resource_path("icons")
    except Exception:  # noqa: BLE001 - resources helper missing: fall back to the source tree
        folder = Path(__file__).resolve().parents[2] / "resources" / "icons"
    icon = QIcon()
    for name in ("retouch.svg", "retouch.png"):
        if (folder / name).is_file():
            icon.addFile(str(folder / name))
    return icon


def _dark_palette() -> QPalette:
    """A neutral dark theme: colour judgement needs a grey surround (Krita/Photoshop)."""
    p = QPalette()
    base, window, text = QColor(42, 42, 42), QColor(53, 53, 53), QColor(220, 220, 220)
    for role, color in (
        (QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.ToolTipBase, QColor(30, 30, 30)),
        (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window), (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.Highlight, QColor(61, 118, 204)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Link, QColor(90, 150, 240)),
        (QPalette.ColorRole.PlaceholderText, QColor(130, 130, 130)),
    ):
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return p


def ensure_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with name, icon and theme."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName("Retouch")
    app.setOrganizationName("Retouch")
    app.setApplicationDisplayName("Retouch")
    # The app id Wayland compositors match to the installed .desktop file (its name less
    # ".desktop"): the icon and launcher grouping come from it.
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    app.setPalette(_dark_palette())
    return app


def create_main_window() -> MainWindow:
    """A ready main window (not shown); for ``retouch self-test`` and screenshots."""
    ensure_app()
    from editor.ui.filters import load_filter_modules

    load_filter_modules()  # the ai_* modules register their filters (and docks) on import

    w = MainWindow()
    w.setWindowIcon(app_icon())
    return w


def run_app(paths: list[str]) -> int:
    """Open the editor with ``paths`` (images or .ora); returns the exit code."""
    app = ensure_app([sys.argv[0], *paths] if sys.argv else paths)
    window = create_main_window()
    window.show()
    # torch takes seconds to import: let the window paint first.
    QTimer.singleShot(200, window.detect_device)
    window.offer_recovery()
    if paths:
        window.open_paths(list(paths))
    return int(app.exec())
