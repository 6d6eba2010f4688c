"""The Filter menu's registry.

The built-in filters (Gaussian blur, unsharp mask, noise reduction) register from
:mod:`editor.ui.filter_dialogs`, loaded first by :func:`load_filter_modules`.

AI issues add entries with :func:`register_filter` (from their own module) without
touching window code; the main window builds the Filter menu from :func:`filters` each
time the menu opens, so late registrations appear too.

A filter's callback gets the host window (:class:`editor.ui.host.Host`). The usual shape
(see :mod:`editor.ui.ai_inpaint`): build a frozen request from *copies* of the pixels
(:mod:`editor.ai`), call ``host.submit_job(request, run, title, apply, watch=watch)`` and
apply the result in ``apply`` as one undo command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from editor.ui.registry import Registry

if TYPE_CHECKING:
    from editor.ui.host import Host


@dataclass(frozen=True)
class FilterAction:
    """One Filter-menu entry. ``icon`` is a key of :data:`editor.ui.icons.ICONS`.

    ``needs_mask``: disabled until the document's AI mask has something painted;
    ``needs_selection``: disabled without a selection. ``group`` separates menu sections.
    """

    id: str
    title: str
    callback: Callable[[Host], None]
    icon: str = "filter"
    needs_mask: bool = False
    needs_selection: bool = False
    shortcut: str = ""
    tooltip: str = ""
    group: str = "basic"


_REGISTRY: Registry[FilterAction] = Registry("a filter")
#: add (or replace, by id) a Filter-menu entry; returns it
register_filter = _REGISTRY.register
unregister_filter = _REGISTRY.unregister
#: registered filters in registration order
filters = _REGISTRY.entries


#: the built-in, non-AI filters (Gaussian blur, sharpen, noise reduction), listed first
BUILTIN_FILTER_MODULES = ("editor.ui.filter_dialogs",)


def load_filter_modules() -> list[str]:
    """Import the built-in filter modules, then every ``editor/ui/ai_*.py`` module, so
    their ``register_filter`` calls run.

    AI issues add a module there (e.g. ``ai_inpaint.py``) and never edit window code.
    A module that fails to import is logged and skipped: one broken filter must not
    stop the editor from starting. Returns the modules imported.
    """
    import importlib
    import logging
    import pkgutil

    import editor.ui as ui_pkg

    loaded = []
    names = [*BUILTIN_FILTER_MODULES, *(f"editor.ui.{info.name}" for info in
                                        pkgutil.iter_modules(ui_pkg.__path__)
                                        if info.name.startswith("ai_"))]
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception:
            logging.getLogger(__name__).exception("filter module %s failed to load", name)
    return loaded
