"""Help ▸ Keyboard Shortcuts: every shortcut of the window, searchable.

The list is generated, never written by hand: every QAction of the window (the action
table, the tools of the tool registry, anything another module adds to the window or its
menus) with a shortcut, plus the tool registry's tools, plus the mouse gestures and
in-tool keys of :data:`GESTURES`. README's "Keyboard shortcuts" table is the same list
(``python -m editor.ui.shortcuts_dialog`` prints it; a test checks README against it).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.ui.actions import ACTIONS
from editor.ui.tools import TOOLS


@dataclass(frozen=True)
class ShortcutRow:
    title: str
    keys: str  # several separated by ", "
    where: str  # the menu path, or the tool it belongs to


#: keys and gestures that are not QActions: (what, keys, where)
GESTURES: tuple[ShortcutRow, ...] = (
    ShortcutRow("Pan", "Space+drag, middle button", "Canvas"),
    ShortcutRow("Zoom", "Ctrl+wheel", "Canvas"),
    ShortcutRow("Scroll sideways", "Shift+wheel", "Canvas"),
    ShortcutRow("Compare before/after (hold)", "\\", "View"),
    ShortcutRow("Set the clone/heal source", "Ctrl+click, Alt+click",
                "Healing Brush, Clone Stamp"),
    ShortcutRow("Mask brush: subtract", "Alt+drag", "Mask Brush"),
    ShortcutRow("Selection: add / subtract / intersect", "Shift / Alt / Shift+Alt while dragging",
                "Selection tools"),
    ShortcutRow("Apply crop", "Enter", "Crop"),
    ShortcutRow("Cancel crop", "Esc", "Crop"),
    ShortcutRow("Straighten (draw the horizon)", "Ctrl+drag", "Crop"),
    ShortcutRow("Swap portrait / landscape", "X", "Crop"),
    ShortcutRow("Apply / cancel the transform", "Enter / Esc", "Free Transform"),
    ShortcutRow("Keep the aspect ratio; snap rotation to 15°", "Shift+drag", "Free Transform"),
)


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _menu_paths(window: QWidget) -> dict[int, str]:
    """id(action) -> "Edit ▸ Tools" for every action in the window's menus."""
    out: dict[int, str] = {}

    def walk(menu: QMenu, path: str) -> None:
        for act in menu.actions():
            sub = act.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {_clean(sub.title())}")
            elif not act.isSeparator():
                out.setdefault(id(act), path)

    bar = window.menuBar() if hasattr(window, "menuBar") else None
    if bar is not None:
        for act in bar.actions():
            menu = act.menu()
            if isinstance(menu, QMenu):
                walk(menu, _clean(menu.title()))
    return out


def _keys(act: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.PortableText)
                     for s in act.shortcuts() if not s.isEmpty())


def shortcut_rows(window: QWidget) -> list[ShortcutRow]:
    """Every shortcut of ``window``: its actions (menus included), the tool registry,
    then :data:`GESTURES`. Titles come from the action table where the action is one of
    its rows (Undo's text changes with the history; its title does not)."""
    titles = {spec.id: spec.title for spec in ACTIONS}
    paths = _menu_paths(window)
    actions: list[QAction] = list(window.actions())
    for menu in window.findChildren(QMenu):
        actions.extend(menu.actions())
    rows: list[ShortcutRow] = []
    seen: set[int] = set()
    covered: set[str] = set()
    for act in actions:
        if id(act) in seen or act.isSeparator():
            continue
        seen.add(id(act))
        keys = _keys(act)
        if not keys:
            continue
        name = act.objectName()
        covered.add(name)
        title = _clean(titles.get(name, act.text()))
        rows.append(ShortcutRow(title, keys, paths.get(id(act), "")))
    for t in TOOLS:  # tools with no action in this window still have their key
        if f"tool.{t.id}" not in covered and t.shortcut:
            rows.append(ShortcutRow(t.title, t.shortcut, "Tools"))
    rows.extend(GESTURES)
    return rows


def markdown_table(rows: list[ShortcutRow]) -> str:
    """README's "Keyboard shortcuts" table."""
    def cell(s: str) -> str:
        return s.replace("|", "\\|")

    lines = ["| action | shortcut | where |", "|---|---|---|"]
    lines += [f"| {cell(r.title)} | `{r.keys}` | {cell(r.where)} |" for r in rows]
    return "\n".join(lines)


class ShortcutsDialog(QDialog):
    """The searchable table of :func:`shortcut_rows`."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(620, 560)
        self.rows = shortcut_rows(window)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search actions, keys or menus…")
        self.search.setClearButtonEnabled(True)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut", "Where"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for i, r in enumerate(self.rows):
            for j, text in enumerate((r.title, r.keys, r.where)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.search)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.search.textChanged.connect(self.filter)
        self.search.setFocus()

    def filter(self, text: str) -> None:
        """Show only the rows whose action, keys or menu contain ``text`` (any case)."""
        needle = text.strip().lower()
        for i, r in enumerate(self.rows):
            hay = f"{r.title} {r.keys} {r.where}".lower()
            self.table.setRowHidden(i, bool(needle) and needle not in hay)

    def visible_titles(self) -> list[str]:
        return [r.title for i, r in enumerate(self.rows) if not self.table.isRowHidden(i)]


def main() -> None:
    """Print README's shortcuts table (run headless: QT_QPA_PLATFORM=offscreen)."""
    import sys

    from editor.ui.app import create_main_window

    window = create_main_window()
    sys.stdout.write(markdown_table(shortcut_rows(window)) + "\n")
    window.jobs.shutdown()


if __name__ == "__main__":
    main()
