"""The Layers panel: one row per layer (top layer first) with an eye and a lock toggle,
blend mode and opacity of the active layer, buttons and a right-click context menu.

The panel observes the document (``doc.events``) and rebuilds from it; it never holds
state of its own. While syncing from the model it blocks its widgets' signals, so a
refresh never echoes back as an edit (napari's pattern). Every action is one document
command (one undo step).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.document import BLEND_MODE_NAMES, BLEND_MODES, Document, Event
from editor.ui.canvas import to_display
from editor.ui.icons import icon

__all__ = [
    "LOCKED_ROLE",
    "SUBTITLE_ROLE",
    "THUMB",
    "DocumentListener",
    "LayerItemDelegate",
    "LayersPanel",
    "layer_subtitle",
    "layer_thumbnail",
]

THUMB = 40
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1  # "Soft Light · 60% · mask" under the name
LOCKED_ROLE = Qt.ItemDataRole.UserRole + 2  # bool: the lock at the row's right end


def layer_thumbnail(pixels: np.ndarray, max_value: int, size: int = THUMB) -> QPixmap:
    """A small checkerboard-backed preview of a layer (strided, so cheap at 4K)."""
    h, w = pixels.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / size)))
    small = np.ascontiguousarray(to_display(pixels[::step, ::step], max_value))
    sh, sw = small.shape[:2]
    img = QImage(small.data, sw, sh, sw * 4, QImage.Format.Format_RGBA8888_Premultiplied).copy()
    pm = QPixmap(size, size)
    pm.fill(QColor(0, 0, 0, 0))
    from PySide6.QtGui import QPainter

    p = QPainter(pm)
    x0, y0 = (size - sw) // 2, (size - sh) // 2
    cell = 5
    for yy in range(0, sh, cell):
        for xx in range(0, sw, cell):
            shade = 200 if ((xx // cell + yy // cell) % 2) == 0 else 150
            p.fillRect(x0 + xx, y0 + yy, min(cell, sw - xx), min(cell, sh - yy),
                       QColor(shade, shade, shade))
    p.drawImage(x0, y0, img)
    p.end()
    return pm


def _is_checked(index) -> bool:
    # The model hands the check state back as a plain int, not as the enum.
    state = index.data(Qt.ItemDataRole.CheckStateRole)
    return state in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)


class DocumentListener:
    """A panel that follows one document's events: ``set_document`` rebinds it (None:
    no document), then calls ``refresh``. Subclasses define ``_on_event`` and ``refresh``."""

    doc: Document | None = None

    def set_document(self, doc: Document | None) -> None:
        if self.doc is not None:
            self.doc.events.disconnect(self._on_event)
        self.doc = doc
        if doc is not None:
            doc.events.connect(self._on_event)
        self.refresh()

    def _on_event(self, ev: Event) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError


class LayerItemDelegate(QStyledItemDelegate):
    """Draws a row's check state as an eye (shown) or a crossed eye (hidden) in a column
    at the left, as Krita, GIMP and Photoshop do; a click there toggles visibility
    without changing the active layer. A lock at the right end (closed: locked, faint
    open lock: not) toggles the layer's lock the same way (``lock_clicked(row)``)."""

    EYE = 28
    LOCK = 26
    lock_clicked = Signal(int)

    def lock_rect(self, row_rect: QRect) -> QRect:
        return QRect(row_rect.right() - self.LOCK + 1, row_rect.top(), self.LOCK,
                     row_rect.height())

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator

    def eye_rect(self, row_rect: QRect) -> QRect:
        return QRect(row_rect.left(), row_rect.top(), self.EYE, row_rect.height())

    def paint(self, painter, option: QStyleOptionViewItem, index) -> None:
        full = QStyleOptionViewItem(option)
        self.initStyleOption(full, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The selection highlight spans the eye column too.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, full, painter, widget)
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.rect = option.rect.adjusted(self.EYE, 0, -self.LOCK, 0)
        name, item.text = item.text, ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        # Name, and below it what differs from a plain layer (blend, opacity, mask, lock).
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, item, widget)
        text_rect = text_rect.adjusted(4, 0, -2, 0)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        subtitle = index.data(SUBTITLE_ROLE) or ""
        painter.save()
        painter.setPen(option.palette.color(role))
        painter.setFont(option.font)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if subtitle:
            top, bottom = text_rect.adjusted(0, 2, 0, -text_rect.height() // 2), \
                text_rect.adjusted(0, text_rect.height() // 2, 0, -2)
            painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                             painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight,
                                                              top.width()))
            small = QFont(option.font)
            small.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.85))
            painter.setFont(small)
            dim = option.palette.color(role)
            dim.setAlpha(170)
            painter.setPen(dim)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                             painter.fontMetrics().elidedText(
                                 subtitle, Qt.TextElideMode.ElideRight, bottom.width()))
        else:
            painter.drawText(text_rect, flags, painter.fontMetrics().elidedText(
                name, Qt.TextElideMode.ElideRight, text_rect.width()))
        painter.restore()
        visible = _is_checked(index)
        eye = icon("eye" if visible else "eye-off", None if visible else "#777777")
        r = self.eye_rect(option.rect)
        side = 18
        eye.paint(painter, QRect(r.center().x() - side // 2 + 1, r.center().y() - side // 2,
                                 side, side))
        locked = bool(index.data(LOCKED_ROLE))
        lock = icon("lock", "#e0b050") if locked else icon("lock-open", "#5c5c5c")
        r = self.lock_rect(option.rect)
        side = 16
        lock.paint(painter, QRect(r.center().x() - side // 2, r.center().y() - side // 2,
                                  side, side))

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        s = super().sizeHint(option, index)
        return QSize(s.width() + self.EYE + self.LOCK, s.height())

    def updateEditorGeometry(self, editor, option: QStyleOptionViewItem, index) -> None:
        shifted = QStyleOptionViewItem(option)
        shifted.rect = option.rect.adjusted(self.EYE, 0, -self.LOCK, 0)
        super().updateEditorGeometry(editor, shifted, index)

    def editorEvent(self, event, model, option: QStyleOptionViewItem, index) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.MouseButtonDblClick) \
                and event.button() == Qt.MouseButton.LeftButton \
                and self.eye_rect(option.rect).contains(event.position().toPoint()):
            if kind == QEvent.Type.MouseButtonRelease:
                new = Qt.CheckState.Unchecked if _is_checked(index) else Qt.CheckState.Checked
                model.setData(index, new.value, Qt.ItemDataRole.CheckStateRole)
            return True  # swallow the press too: the eye does not select the row
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.MouseButtonDblClick) \
                and event.button() == Qt.MouseButton.LeftButton \
                and self.lock_rect(option.rect).contains(event.position().toPoint()):
            if kind == QEvent.Type.MouseButtonRelease:
                self.lock_clicked.emit(index.row())
            return True
        return super().editorEvent(event, model, option, index)


def layer_subtitle(layer) -> str:
    """What sets a layer apart from a plain one, for the line under its name."""
    parts = []
    if layer.blend_mode != "svg:src-over":
        parts.append(BLEND_MODE_NAMES.get(layer.blend_mode, layer.blend_mode))
    if round(layer.opacity * 100) != 100:
        parts.append(f"{round(layer.opacity * 100)}%")
    if layer.mask is not None:
        parts.append("mask")
    if layer.locked:
        parts.append("locked")
    return " · ".join(parts)


class LayersPanel(DocumentListener, QWidget):
    """Top layer first, as in every editor. Drag to reorder; double-click to rename."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc: Document | None = None
        self._syncing = False
        self._thumbs: dict[int, tuple[object, QIcon]] = {}
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(250)  # thumbnails lag a stroke a little, on purpose
        self._thumb_timer.timeout.connect(self._refresh_thumbs)

        self.blend = QComboBox()
        for mode in BLEND_MODES:
            self.blend.addItem(BLEND_MODE_NAMES.get(mode, mode), mode)
        self.blend.currentIndexChanged.connect(self._blend_changed)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.opacity.sliderReleased.connect(self._seal)
        self.opacity_label = QLabel("100%")
        self.opacity_label.setMinimumWidth(36)

        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.delegate = LayerItemDelegate(self.list)
        self.delegate.lock_clicked.connect(self._toggle_lock_row)
        self.list.setItemDelegate(self.delegate)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.context_menu: QMenu | None = None
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.currentRowChanged.connect(self._row_changed)
        self.list.itemChanged.connect(self._item_changed)
        self.list.model().rowsMoved.connect(self._rows_moved)

        top = QFormLayout()
        top.addRow("Blend", self.blend)
        orow = QHBoxLayout()
        orow.addWidget(self.opacity, 1)
        orow.addWidget(self.opacity_label)
        top.addRow("Opacity", orow)

        self.buttons: dict[str, QToolButton] = {}
        brow = QHBoxLayout()
        for key, tip in (("layer-add", "New layer"), ("layer-duplicate", "Duplicate layer"),
                         ("layer-up", "Raise layer"), ("layer-down", "Lower layer"),
                         ("layer-merge", "Merge down"), ("layer-delete", "Delete layer")):
            b = QToolButton()
            b.setIcon(icon(key))
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.clicked.connect(lambda _=False, k=key: self._button(k))
            self.buttons[key] = b
            brow.addWidget(b)
        brow.addStretch(1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.list, 1)
        lay.addLayout(brow)
        self.set_document(None)

    # --- binding --------------------------------------------------------------------

    def _on_event(self, ev: Event) -> None:
        if ev.kind == "pixels-changed":
            if ev.target in ("pixels", "mask"):
                self._thumb_timer.start()
            return
        if ev.kind in ("layer-added", "layer-removed", "layer-moved", "layer-changed",
                       "active-changed", "size-changed", "depth-changed"):
            self.refresh()

    def _row_of(self, index: int) -> int:
        assert self.doc is not None
        return len(self.doc.layers) - 1 - index

    def _index_of(self, row: int) -> int:
        assert self.doc is not None
        return len(self.doc.layers) - 1 - row

    def refresh(self) -> None:
        """Re-read the document, with signals blocked. Items are updated in place (a
        rename editor or a drag in progress keeps its item); only a change in the number
        of layers rebuilds the list."""
        doc = self.doc
        widgets = (self.list, self.blend, self.opacity)
        for w in widgets:
            w.blockSignals(True)
        # The model's signals must flow (the view listens to them); rowsMoved is
        # ignored through this flag instead.
        self._syncing = True
        try:
            enabled = doc is not None
            for w in (self.blend, self.opacity, *self.buttons.values()):
                w.setEnabled(enabled)
            if doc is None:
                self.list.clear()
                self._thumbs.clear()
                self.opacity.setValue(100)
                self.opacity_label.setText("")
                return
            layers = list(reversed(doc.layers))
            if self.list.count() != len(layers):
                self.list.clear()
                for _ in layers:
                    item = QListWidgetItem()
                    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
                                  | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable
                                  | Qt.ItemFlag.ItemIsDragEnabled)
                    self.list.addItem(item)
            alive = {id(layer) for layer in layers}
            for key in [k for k in self._thumbs if k not in alive]:
                del self._thumbs[key]
            for row, layer in enumerate(layers):
                item = self.list.item(row)
                if item.text() != layer.name:
                    item.setText(layer.name)
                state = Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
                tip = f"{layer.name} — {BLEND_MODE_NAMES.get(layer.blend_mode, layer.blend_mode)}"
                tip += f", {round(layer.opacity * 100)}%"
                if layer.mask is not None:
                    tip += ", has mask"
                if layer.locked:
                    tip += ", locked"
                tip += ("\nDouble-click to rename; drag to reorder; the eye shows or hides it, "
                        "the lock locks it; right-click for more")
                item.setToolTip(tip)
                item.setData(SUBTITLE_ROLE, layer_subtitle(layer))
                item.setData(LOCKED_ROLE, layer.locked)
                item.setIcon(self._thumb(layer))
            # Events arrive while the document is mid-update (layer-removed comes before
            # the active index is clamped, then active-changed follows): read defensively.
            n = len(doc.layers)
            ai = doc.active_index
            active = doc.layers[ai] if 0 <= ai < n else None
            if active is not None:
                self.list.setCurrentRow(self._row_of(ai))
                self.blend.setCurrentIndex(max(0, self.blend.findData(active.blend_mode)))
                if not self.opacity.isSliderDown():
                    self.opacity.setValue(round(active.opacity * 100))
                self.opacity_label.setText(f"{round(active.opacity * 100)}%")
            self.buttons["layer-delete"].setEnabled(n > 0)
            self.buttons["layer-duplicate"].setEnabled(n > 0)
            self.buttons["layer-merge"].setEnabled(active is not None and ai > 0)
            self.buttons["layer-up"].setEnabled(active is not None and ai < n - 1)
            self.buttons["layer-down"].setEnabled(active is not None and ai > 0)
            self.blend.setEnabled(n > 0)
            self.opacity.setEnabled(n > 0)
        finally:
            self._syncing = False
            for w in widgets:
                w.blockSignals(False)

    def _thumb(self, layer, fresh: bool = False) -> QIcon:
        """The layer's thumbnail, cached per layer object until its pixels change."""
        entry = self._thumbs.get(id(layer))
        if fresh or entry is None or entry[0] is not layer:
            assert self.doc is not None
            entry = (layer, QIcon(layer_thumbnail(layer.pixels, self.doc.max_value)))
            self._thumbs[id(layer)] = entry
        return entry[1]

    def _refresh_thumbs(self) -> None:
        if self.doc is None or self.list.count() != len(self.doc.layers):
            return
        self.list.blockSignals(True)
        try:
            for row in range(self.list.count()):
                layer = self.doc.layers[self._index_of(row)]
                self.list.item(row).setIcon(self._thumb(layer, fresh=True))
        finally:
            self.list.blockSignals(False)

    # --- user edits → document ------------------------------------------------------

    def _row_changed(self, row: int) -> None:
        if self.doc is not None and row >= 0:
            self.doc.active_index = self._index_of(row)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self.doc is None:
            return
        index = self._index_of(self.list.row(item))
        layer = self.doc.layers[index]
        visible = item.checkState() == Qt.CheckState.Checked
        if visible != layer.visible:
            self.doc.set_layer_property(index, "visible", visible, merge=False)
        elif item.text() != layer.name:
            name = item.text().strip()
            if name:
                self.doc.rename_layer(index, name)
            else:
                self.refresh()

    def _rows_moved(self, _parent, start: int, _end: int, _dest, dest_row: int) -> None:
        if self.doc is None or self._syncing:
            return
        # Qt reports the destination before removal; convert to the final row.
        final_row = dest_row - 1 if dest_row > start else dest_row
        old_index, new_index = self._index_of(start), self._index_of(final_row)
        # The list already moved the item; let the document's event rebuild it properly.
        if old_index != new_index:
            QTimer.singleShot(0, lambda: self._move(old_index, new_index))
        else:
            QTimer.singleShot(0, self.refresh)

    def _move(self, old_index: int, new_index: int) -> None:
        if self.doc is None:
            return
        try:
            self.doc.move_layer(old_index, new_index)
        except (ValueError, RuntimeError):  # e.g. a stroke in progress: show the truth
            self.refresh()

    def _blend_changed(self, i: int) -> None:
        if self.doc is not None and self.doc.active_layer is not None:
            self.doc.set_layer_property(self.doc.active_index, "blend_mode",
                                        self.blend.itemData(i), merge=False)

    def _opacity_changed(self, value: int) -> None:
        if self.doc is not None and self.doc.active_layer is not None:
            self.opacity_label.setText(f"{value}%")
            # Slider drags merge into one undo step; released → sealed.
            self.doc.set_layer_property(self.doc.active_index, "opacity", value / 100, merge=True)
            if not self.opacity.isSliderDown():
                self.doc.undo.seal()

    def _seal(self) -> None:
        if self.doc is not None:
            self.doc.undo.seal()

    def _button(self, key: str) -> None:
        doc = self.doc
        if doc is None:
            return
        i = doc.active_index
        if key == "layer-add":
            doc.add_layer()
        elif key == "layer-duplicate" and i >= 0:
            doc.duplicate_layer(i)
        elif key == "layer-delete" and i >= 0:
            doc.delete_layer(i)
        elif key == "layer-merge" and i > 0:
            doc.merge_down(i)
        elif key == "layer-up" and 0 <= i < len(doc.layers) - 1:
            doc.move_layer(i, i + 1)
        elif key == "layer-down" and i > 0:
            doc.move_layer(i, i - 1)

    # --- lock toggle and context menu ---------------------------------------------

    def _toggle_lock_row(self, row: int) -> None:
        if self.doc is None or not 0 <= row < len(self.doc.layers):
            return
        self.toggle_lock(self._index_of(row))

    def toggle_lock(self, index: int) -> None:
        """Lock or unlock layer ``index`` (one undo step, "Toggle lock")."""
        assert self.doc is not None
        layer = self.doc.layers[index]
        self._run(lambda d: d.set_layer_property(index, "locked", not layer.locked, merge=False))

    def _run(self, fn) -> None:
        doc = self.doc
        if doc is None:
            return
        try:
            fn(doc)
        except (ValueError, RuntimeError) as exc:  # locked layer, stroke in progress...
            window = self.window()
            show = getattr(window, "show_message", None)
            if show is not None:
                show(str(exc))

    def _context_menu(self, pos) -> None:
        """Right-click: the clicked row becomes the active layer (as in Krita), then a
        menu of what can be done to it."""
        doc = self.doc
        if doc is None:
            return
        item = self.list.itemAt(pos)
        if item is not None:
            doc.active_index = self._index_of(self.list.row(item))
        self.context_menu = menu = self.build_context_menu()
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def build_context_menu(self) -> QMenu:
        """The layer context menu for the active layer (object names ``layer-menu.*``)."""
        doc = self.doc
        assert doc is not None
        menu = QMenu(self)
        menu.setObjectName("layer-context-menu")
        i = doc.active_index
        layer = doc.active_layer
        n = len(doc.layers)

        def add(key: str, text: str, fn, enabled: bool = True, icon_name: str = "") -> QAction:
            act = menu.addAction(icon(icon_name) if icon_name else QIcon(), text)
            act.setObjectName(f"layer-menu.{key}")
            act.setEnabled(enabled)
            act.triggered.connect(lambda _=False: self._run(fn))
            return act

        has = layer is not None
        add("new", "New Layer", lambda d: d.add_layer(), icon_name="layer-add")
        add("duplicate", "Duplicate Layer", lambda d: d.duplicate_layer(i), has,
            "layer-duplicate")
        add("delete", "Delete Layer", lambda d: d.delete_layer(i), has, "layer-delete")
        menu.addSeparator()
        add("rename", "Rename…", lambda d: self._rename(i), has)
        add("properties", "Properties…", lambda d: self._properties(i), has)
        locked = bool(layer is not None and layer.locked)
        add("lock", "Unlock Layer" if locked else "Lock Layer",
            lambda d: self.toggle_lock(i), has, "lock-open" if locked else "lock")
        menu.addSeparator()
        add("merge", "Merge Down", lambda d: d.merge_down(i), has and i > 0, "layer-merge")
        add("flatten", "Flatten Image", lambda d: d.flatten(), n > 0, "flatten")
        menu.addSeparator()
        add("alpha", "Alpha to Selection", lambda d: d.selection.from_alpha(i), has)
        if layer is not None and layer.mask is not None:
            add("mask", "Remove Layer Mask", lambda d: d.remove_layer_mask(i))
        else:
            add("mask", "Add Layer Mask", lambda d: d.add_layer_mask(i), has)
        return menu

    def _rename(self, index: int) -> None:
        self.list.editItem(self.list.item(self._row_of(index)))

    def _properties(self, index: int) -> None:
        assert self.doc is not None
        from editor.ui.layer_dialogs import LayerPropertiesDialog

        dlg = LayerPropertiesDialog(self.doc.layers[index], self)
        if dlg.exec():
            for prop, value in dlg.values().items():
                self.doc.set_layer_property(index, prop, value, merge=False)

