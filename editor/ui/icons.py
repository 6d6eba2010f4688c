"""Every icon the UI uses, named in one place (qtawesome Material Design Icons 6)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

ICONS: dict[str, str] = {
    "new": "mdi6.file-plus-outline",
    "open": "mdi6.folder-open-outline",
    "save": "mdi6.content-save-outline",
    "save-as": "mdi6.content-save-edit-outline",
    "export": "mdi6.export",
    "close": "mdi6.close",
    "quit": "mdi6.exit-to-app",
    "undo": "mdi6.undo",
    "redo": "mdi6.redo",
    "brush": "mdi6.brush",
    "eraser": "mdi6.eraser",
    "mask-brush": "mdi6.draw",
    "rect-select": "mdi6.selection",
    "ellipse-select": "mdi6.selection-ellipse",
    "lasso": "mdi6.lasso",
    "move": "mdi6.cursor-move",
    "picker": "mdi6.eyedropper",
    "fill": "mdi6.format-color-fill",
    "zoom-in": "mdi6.magnify-plus-outline",
    "zoom-out": "mdi6.magnify-minus-outline",
    "zoom-fit": "mdi6.fit-to-screen-outline",
    "zoom-100": "mdi6.numeric-1-box-outline",
    "layer-add": "mdi6.layers-plus",
    "layer-delete": "mdi6.layers-minus",
    "layer-duplicate": "mdi6.content-duplicate",
    "layer-merge": "mdi6.call-merge",
    "layer-up": "mdi6.arrow-up",
    "layer-down": "mdi6.arrow-down",
    "flatten": "mdi6.layers-triple",
    "eye": "mdi6.eye",
    "eye-off": "mdi6.eye-off",
    "lock": "mdi6.lock",
    "lock-open": "mdi6.lock-open-variant-outline",
    "cut": "mdi6.content-cut",
    "copy": "mdi6.content-copy",
    "paste": "mdi6.content-paste",
    "transform": "mdi6.vector-square",
    "blur": "mdi6.blur",
    "filter": "mdi6.auto-fix",
    "select-all": "mdi6.select-all",
    "select-none": "mdi6.select-off",
    "select-invert": "mdi6.select-inverse",
    "mask-clear": "mdi6.eraser-variant",
    "mask-from-selection": "mdi6.selection-drag",
    "crop": "mdi6.crop",
    "heal": "mdi6.bandage",
    "spot-heal": "mdi6.creation",
    "clone": "mdi6.stamper",
    "rotate-cw": "mdi6.rotate-right",
    "rotate-ccw": "mdi6.rotate-left",
    "rotate-180": "mdi6.rotate-3d-variant",
    "flip-horizontal": "mdi6.flip-horizontal",
    "flip-vertical": "mdi6.flip-vertical",
    "keyboard": "mdi6.keyboard-outline",
    "about": "mdi6.information-outline",
    "cancel": "mdi6.close-circle-outline",
    "history": "mdi6.history",
    "layers": "mdi6.layers-outline",
    "options": "mdi6.tune",
    "device": "mdi6.chip",
    "models": "mdi6.package-down",
}


@cache
def icon(name: str, color: str | None = None) -> QIcon:
    """The QIcon for a name of :data:`ICONS`; an empty icon if qtawesome cannot draw it."""
    try:
        import qtawesome

        kwargs = {"color": color} if color else {"color": "#dddddd"}
        return qtawesome.icon(ICONS[name], **kwargs)
    except Exception:  # noqa: BLE001 - a missing font must not stop the editor from starting
        return QIcon()
