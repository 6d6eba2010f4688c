"""Run every ``benchmarks/bench_*.py`` and write results/latest.{md,json} plus a dated copy."""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def environment() -> dict:
    import numpy
    import torch

    from ml.devices import device_label, resolve_device

    dev = resolve_device(None)
    return {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "device": dev,
        "device_label": device_label(dev),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def to_markdown(env: dict, rows: list[dict]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"- date: {env['date']}",
        f"- device: {env['device_label']}",
        f"- python {env['python']}, torch {env['torch']}, numpy {env['numpy']}",
        f"- platform: {env['platform']}",
        *([f"- run time: {env['run_s']:.0f} s (load average before/after: "
           f"{env.get('load_before', '?')} / {env.get('load_after', '?')}); per module: "
           + ", ".join(f"{k} {v:.0f} s" for k, v in env.get("module_s", {}).items())]
          if "run_s" in env else []),
        "",
        ("ratio = baseline time / this time, both measured in this run (> 1: faster than "
         "the baseline)."),
        "",
        "| module | name | median s | baseline | baseline median s | ratio | notes |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.get('module', '')} | {r['name']} | {_fmt(r['median_s'])} | "
            f"{r.get('baseline', '')} | {_fmt(r.get('baseline_median_s'))} | "
            f"{_fmt(r.get('ratio'), 2)} | {r.get('notes', '')} |"
        )
    return "\n".join(lines) + "\n"


def _carry_over(rows: list[dict], wanted: set[str]) -> list[dict]:
    """Rows of the modules not run this time, kept from the previous latest.json (marked
    with the date they were measured), so a partial run does not erase the others."""
    try:
        old = json.loads((RESULTS / "latest.json").read_text())
    except (OSError, ValueError):
        return []
    date = old.get("environment", {}).get("date", "?")
    kept = []
    for r in old.get("rows", []):
        if r.get("module") in wanted:
            continue
        r = dict(r)
        r.setdefault("measured", date)
        if "earlier run" not in str(r.get("notes", "")):
            r["notes"] = f"{r.get('notes', '')} (earlier run: {r['measured']})".strip()
        kept.append(r)
    return kept


def _load() -> str:
    """The 1/5/15-minute load averages (the machine may be shared while timing)."""
    try:
        return "/".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    wanted = set(argv)  # optional module names (e.g. bench_tiling) to run only those
    env = environment()
    env["load_before"] = _load()
    started = time.perf_counter()
    env["module_s"] = {}
    rows: list[dict] = []
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem
        if wanted and name not in wanted:
            continue
        sys.stderr.write(f"running {name} ...\n")
        module_start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for r in module.rows():
                rows.append({"module": name, **r})
        except Exception:  # noqa: BLE001 - one broken module must not hide the others
            failures += 1
            sys.stderr.write(traceback.format_exc())
            rows.append({"module": name, "name": "FAILED", "median_s": None,
                         "notes": traceback.format_exc().strip().splitlines()[-1]})
        env["module_s"][name] = time.perf_counter() - module_start
    env["run_s"] = time.perf_counter() - started
    env["load_after"] = _load()
    RESULTS.mkdir(exist_ok=True)
    if wanted:
        rows = _carry_over(rows, wanted) + rows
    payload = {"environment": env, "rows": rows}
    md = to_markdown(env, rows)
    stamp = env["date"].replace(":", "").replace("-", "")[:13]
    for stem in ("latest", f"{stamp}-{env['device']}"):
        (RESULTS / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n")
        (RESULTS / f"{stem}.md").write_text(md)
    sys.stdout.write(md)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
