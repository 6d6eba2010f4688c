"""Helpers shared by the benchmark modules: timing medians and peak-memory probes."""

from __future__ import annotations

import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any


def median_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_peak_bytes(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated through Python/numpy allocators while ``fn()`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cuda_peak_bytes(fn: Callable[[], Any], device: str = "cuda") -> int:
    """Peak CUDA memory allocated by torch while ``fn()`` runs."""
    import torch

    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    fn()
    torch.cuda.synchronize(device)
    return int(torch.cuda.max_memory_allocated(device))


def _rss_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_peak_bytes(fn: Callable[[], Any], interval: float = 0.005) -> int:
    """Peak resident-set growth (bytes above the starting RSS) while ``fn()`` runs.

    Sampled from a thread (/proc on Linux): torch CPU tensors bypass tracemalloc, and
    ru_maxrss cannot be reset between measurements.
    """
    base = _rss_bytes()
    peak = base
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_bytes())
            time.sleep(interval)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        fn()
    finally:
        done.set()
        t.join()
    peak = max(peak, _rss_bytes())
    return peak - base


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process; False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    """Peak resident set (VmHWM) of this process since start or :func:`reset_peak_rss`."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def row(name: str, median_s: float, baseline: str = "", baseline_median_s: float | None = None,
        notes: str = "", **extra: Any) -> dict:
    """One result row; ``ratio`` = baseline time / this time (> 1: this is faster)."""
    ratio = (baseline_median_s / median_s) if baseline_median_s and median_s else None
    return {"name": name, "median_s": median_s, "baseline": baseline,
            "baseline_median_s": baseline_median_s, "ratio": ratio, "notes": notes, **extra}
