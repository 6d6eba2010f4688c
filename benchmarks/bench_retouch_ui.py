"""The retouching tools through the canvas on a 24 MP photo: one mouse move of a stroke
plus the repaint it causes, healing brush and clone stamp against the plain brush.

A 6000×4000 8-bit document in the real editor window (offscreen Qt), the canvas at
100 %. Each timed step is one ``QTest.mouseMove`` during a stroke (the tool, its dabs, the
document event, the dirty tiles) followed by a synchronous ``repaint()`` of the canvas, so
the number is what one pointer event costs the GUI thread. 200 moves of 6 px, brush
60 px (a dab every 9 px). Rows: ratio = brush / this (< 1: slower than the brush).

Run alone with ``python -m benchmarks.bench_retouch_ui``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import numpy as np

WIDTH, HEIGHT = 6000, 4000
MOVES = 200
SIZE = 60.0


def _move_times(window, canvas, tool: str, start: tuple[int, int]) -> list[float]:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest

    s = window.tool_state
    s.set("tool", tool)
    s.set("size", SIZE)
    s.set("hardness", 0.5)
    x0, y0 = start
    # The canvas shows the stroke's area at 100 %: screen = doc - (x0 - 100, y0 - 300).
    canvas.set_view(1.0, QPointF(-(x0 - 100), -(y0 - 300)))

    def screen(x: float, y: float) -> QPoint:
        q = canvas.to_screen(QPointF(x, y))
        return QPoint(round(q.x()), round(q.y()))

    if tool in ("heal", "clone"):
        src = screen(x0, y0 - 150)
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                         src)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     screen(x0, y0))
    canvas.repaint()
    times = []
    for i in range(1, MOVES + 1):
        p = screen(x0 + 6 * i, y0 + 40 * np.sin(i / 15))
        t = time.perf_counter()
        QTest.mouseMove(canvas, p)
        canvas.repaint()
        times.append(time.perf_counter() - t)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    window.document.undo.undo()
    return times


def rows() -> list[dict]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.mkdtemp(prefix="retouch-bench-")
    for var in ("RETOUCH_CONFIG_DIR", "RETOUCH_DATA_DIR"):
        os.environ.setdefault(var, os.path.join(tmp, var.lower()))
    from benchmarks.bench_heal import _photo
    from editor.document import Document
    from editor.ui.app import create_main_window

    window = create_main_window()
    window.resize(1400, 900)
    window.show()
    doc = Document.from_pixels(_photo(), "Photo")
    doc.undo.clear()
    view = window.add_document(doc, None, "24mp")
    canvas = view.canvas
    try:
        brush = _move_times(window, canvas, "brush", (2500, 2000))
        results = {t: _move_times(window, canvas, t, (2500, 2000)) for t in ("heal", "clone")}
    finally:
        from PySide6.QtWidgets import QApplication

        window.jobs.shutdown()
        window.close_view(view, ask=False)
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    b50 = statistics.median(brush)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = []
    for tool, title in (("heal", "healing brush"), ("clone", "clone stamp")):
        t = results[tool]
        t50 = statistics.median(t)
        out.append({
            "name": f"{title} tool on the canvas: mouse move + repaint (p50)",
            "median_s": t50,
            "baseline": "brush tool, same path (p50)",
            "baseline_median_s": b50,
            "ratio": b50 / t50,
            "p95_s": float(np.percentile(t, 95)),
            "notes": (f"{WIDTH}x{HEIGHT} (24 MP) 8-bit, 100 % zoom, offscreen Qt, {MOVES} moves "
                      f"of 6 px, {SIZE:g} px brush; p95 {np.percentile(t, 95) * 1e3:.1f} ms, "
                      f"brush p95 {np.percentile(brush, 95) * 1e3:.1f} ms; CPU, load average "
                      f"{load:.1f} on {os.cpu_count()} cores"),
        })
    return out


if __name__ == "__main__":
    for r in rows():
        print(f"{r['name']:<64} {r['median_s'] * 1e3:8.2f} ms   baseline "
              f"{r['baseline_median_s'] * 1e3:8.2f} ms   ratio {r['ratio']:5.2f}x   {r['notes']}")
