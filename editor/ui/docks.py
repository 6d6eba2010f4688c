"""The dock registry: the main window builds its docks from :func:`docks`, so a panel
(the built-in ones below, or an AI dock from an ``editor/ui/ai_*.py`` module) is one
:func:`register_dock` call and never window code.

A dock's ``factory(host)`` makes its widget; ``host`` is the main window (see
:class:`editor.ui.host.Host` for what an AI dock may use of it). ``height`` is the
dock's share of the right-hand column when the window first opens (0: Qt decides).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from editor.ui.registry import Registry

AREAS = {
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}


@dataclass(frozen=True)
class DockSpec:
    id: str
    title: str
    factory: Callable[[Any], QWidget]
    area: str = "right"
    height: int = 0
    #: id of a dock (registered earlier) to share a tabbed slot with; "" = its own slot
    tab_with: str = ""


def _check_area(spec: DockSpec) -> None:
    if spec.area not in AREAS:
        raise ValueError(f"unknown dock area {spec.area!r}; expected one of {tuple(AREAS)}")


_REGISTRY: Registry[DockSpec] = Registry("a dock", _check_area)
#: add (or replace, by id) a dock; windows built afterwards get it
register_dock = _REGISTRY.register
unregister_dock = _REGISTRY.unregister
#: registered docks in registration order
docks = _REGISTRY.entries


def _options(host: Any) -> QWidget:
    from editor.ui.panels import ToolOptionsPanel

    return ToolOptionsPanel(host.tool_state)


def _layers(_host: Any) -> QWidget:
    from editor.ui.panels import LayersPanel

    return LayersPanel()


def _history(_host: Any) -> QWidget:
    from editor.ui.panels import HistoryPanel

    return HistoryPanel()


register_dock(DockSpec("options", "Tool Options", _options, height=150))
register_dock(DockSpec("layers", "Layers", _layers, height=260))
register_dock(DockSpec("history", "History", _history, height=420))


def _latent(host: Any) -> QWidget:
    from editor.ui.latent_panel import LatentPanel

    return LatentPanel(host)


register_dock(DockSpec("latent", "Latent", _latent, tab_with="history"))


def _navigator(host: Any) -> QWidget:
    from editor.ui.navigator_panel import NavigatorPanel

    return NavigatorPanel(host)


def _histogram(host: Any) -> QWidget:
    from editor.ui.histogram_panel import HistogramPanel

    return HistogramPanel(host)


register_dock(DockSpec("navigator", "Navigator", _navigator, height=190))
register_dock(DockSpec("histogram", "Histogram", _histogram, tab_with="navigator"))
