"""Edit ▸ Cut / Copy / Copy Merged / Paste / Paste as New Image / Clear, through the
system clipboard.

Copy puts the selection's pixels (the document side, :mod:`editor.document.copy_paste`,
masks them by the selection) on the system clipboard as an 8-bit RGBA image, so other
programs can paste them. Retouch also keeps the copy itself, full precision (16-bit
stays 16-bit), with a marker in the clipboard's MIME data: a paste that finds its own
marker uses that copy, anything else on the clipboard (a screenshot, an image copied in a
browser or GIMP) is read as a QImage (16-bit formats stay 16-bit).

Paste adds a new layer ("Pasted Layer", one undo step) above the active one, centred on
the selection, else (in the image it was copied from) where the pixels were copied from,
else centred on the view; the tool stays as it was (as in GIMP and Krita), and Ctrl+T
then transforms the pasted layer. Cut is one undo step (copying changes nothing).
"""

from __future__ import annotations

import uuid
import weakref
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QByteArray, QMimeData, QPointF
from PySide6.QtGui import QGuiApplication, QImage

from editor.document import Document
from editor.document.copy_paste import (
    Clip,
    clear_selection,
    copy_selection,
    cut_selection,
    paste_position,
)

if TYPE_CHECKING:
    from editor.ui.main_window import MainWindow

#: MIME type of the marker that says "this clipboard image is Retouch's own copy"
MARKER_MIME = "application/x-retouch-clip"

#: (marker token, the copy, the document it came from)
_internal: tuple[str, Clip, weakref.ref] | None = None


def array_to_qimage(pixels: np.ndarray) -> QImage:
    """Straight-alpha ``(h, w, 4)`` uint8/uint16 → an 8-bit ``Format_RGBA8888`` QImage
    (a copy: the array may go away)."""
    px = pixels
    if px.dtype == np.uint16:
        px = ((px.astype(np.uint32) + 128) // 257).astype(np.uint8)
    px = np.ascontiguousarray(px, dtype=np.uint8)
    h, w = px.shape[:2]
    return QImage(px.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()


def qimage_to_array(image: QImage) -> np.ndarray:
    """A QImage of any format → straight-alpha ``(h, w, 4)``: uint16 for deep formats
    (16 bits per channel), uint8 otherwise."""
    deep = image.depth() > 32
    fmt = QImage.Format.Format_RGBA64 if deep else QImage.Format.Format_RGBA8888
    img = image.convertToFormat(fmt)
    w, h = img.width(), img.height()
    dtype = np.uint16 if deep else np.uint8
    itemsize = 2 if deep else 1
    row = img.bytesPerLine() // itemsize
    buf = np.frombuffer(img.constBits(), dtype=dtype, count=row * h)
    return buf.reshape(h, row)[:, : w * 4].reshape(h, w, 4).copy()


def put_clip(clip: Clip, source: Document | None = None) -> None:
    """Put ``clip`` on the system clipboard (8-bit image) and keep it in full precision;
    ``source`` is the document it was copied from (a paste there puts it back in place)."""
    global _internal
    token = uuid.uuid4().hex
    _internal = (token, clip, weakref.ref(source) if source is not None else (lambda: None))
    data = QMimeData()
    data.setImageData(array_to_qimage(clip.pixels))
    data.setData(MARKER_MIME, QByteArray(token.encode()))
    QGuiApplication.clipboard().setMimeData(data)


def get_clip() -> tuple[Clip, Document | None] | None:
    """What a paste would paste and the document it was copied from: Retouch's own copy
    when the clipboard still holds it, else the clipboard's image (no source), else None."""
    data = QGuiApplication.clipboard().mimeData()
    if data is None:
        return None
    if _internal is not None and data.hasFormat(MARKER_MIME) \
            and bytes(data.data(MARKER_MIME).data()).decode(errors="replace") == _internal[0]:
        return _internal[1], _internal[2]()
    if not data.hasImage():
        return None
    image = data.imageData()
    if not isinstance(image, QImage):
        image = QImage(image)
    if image.isNull():
        return None
    return Clip(qimage_to_array(image)), None


# --- the Edit menu commands (called from the window's command slots) -----------------


def copy(window: MainWindow, merged: bool = False) -> None:
    clip = window._guard(lambda d: copy_selection(d, merged=merged), "Copy")
    if clip is not None:
        put_clip(clip, window.document)
        h, w = clip.pixels.shape[:2]
        window.show_message(f"Copied {w} × {h} px{' (merged)' if merged else ''}", 3000)


def cut(window: MainWindow) -> None:
    clip = window._guard(cut_selection, "Cut")
    if clip is not None:
        put_clip(clip, window.document)


def clear(window: MainWindow) -> None:
    window._guard(clear_selection, "Clear")


def _view_centre(window: MainWindow) -> tuple[float, float] | None:
    c = window.canvas
    if c is None:
        return None
    p = c.to_doc(QPointF(c.width() / 2, c.height() / 2))
    return p.x(), p.y()


def paste(window: MainWindow) -> None:
    """Edit ▸ Paste: the clipboard image as a new layer above the active one."""
    doc = window.document
    if doc is None:
        paste_new_image(window)
        return
    got = get_clip()
    if got is None:
        window.show_message("Paste: the clipboard holds no image")
        return
    clip, source = got
    h, w = clip.pixels.shape[:2]
    # Back in place only in the image it came from (GIMP); elsewhere centred in the view.
    origin = (clip.x, clip.y) if source is doc else None
    x, y = paste_position((w, h), doc.size, doc.selection.bounds(), _view_centre(window), origin)
    window._guard(lambda d: d.add_layer_with_pixels(clip.pixels, "Pasted Layer",
                                                     "Paste", x, y), "Paste")


def paste_new_image(window: MainWindow) -> None:
    """Edit ▸ Paste as New Image: a new document the size of the clipboard image, at the
    image's own depth (16-bit when Retouch copied from a 16-bit image)."""
    got = get_clip()
    if got is None:
        window.show_message("Paste as New Image: the clipboard holds no image")
        return
    doc = Document.from_pixels(got[0].pixels, "Pasted")
    doc.undo.clear()
    doc.undo.set_unsaved()  # nothing on disk matches it: closing asks to save
    window.add_document(doc, None, "Pasted")
