"""Check a built bundle the way a user's machine would run it (`make bundle-test`).

    python3 packaging/check_bundle.py [--app dist/retouch] [--screenshot docs/screenshots/bundle.png]

1. contents: resources (catalog, icons, built-in models) present; no tests, headers or
   (CPU flavour) CUDA libraries inside;
2. `retouch self-test` from a fresh folder with an empty HOME, PATH=/usr/bin:/bin and no
   other environment (and no network where `unshare` allows it); the bundle must be left
   unchanged (user files go to the platform's user dirs, never into the bundle);
3. the editor window opens under Xvfb (Linux) with a test image; a screenshot of the
   window is saved;
4. size and start-up times, printed and written to dist/retouch-check.json.

Standard library only. Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WINDOW_LINE = re.compile(r'^\s*(0x[0-9a-f]+) "([^"]*)": \("([^"]*)" "([^"]*)"\)\s+(\d+)x(\d+)')


class CheckFailed(Exception):
    pass


def _internal(app: Path) -> Path:
    # PyInstaller >= 6 keeps everything but the executable in _internal/.
    return app / "_internal" if (app / "_internal").is_dir() else app


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def snapshot(path: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in path.rglob("*")
        if p.is_file() or p.is_dir()
    }


def check_contents(app: Path, flavour: str) -> dict:
    root = _internal(app)
    res = root / "resources"
    problems = []
    if not list((res / "catalog").glob("*.toml")):
        problems.append("no model catalog (resources/catalog/*.toml)")
    if not (res / "icons" / "retouch.svg").is_file():
        problems.append("no app icon (resources/icons/retouch.svg)")
    repo_models = sorted(p.name for p in (REPO / "resources" / "models").glob("*.safetensors"))
    shipped = sorted(p.name for p in (res / "models").glob("*.safetensors"))
    if repo_models != shipped:
        problems.append(f"built-in models differ: repo {repo_models}, bundle {shipped}")
    for bad in ("torch/include", "torch/test", "PySide6/Qt/translations", "PySide6/Qt/qml",
                "tests", "pytest", "_pytest"):
        if (root / bad).exists():
            problems.append(f"should not ship: {bad}")
    cuda = [p.name for p in root.rglob("*.so*") if re.search(r"torch_cuda|cudart|cudnn|cublas", p.name)]
    if flavour == "cpu" and cuda:
        problems.append(f"CUDA libraries in the CPU flavour: {cuda[:5]}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return {"models": shipped, "cuda_libs": len(cuda)}


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    if os.name == "nt":  # Windows cannot start processes without these
        env = {k: os.environ[k] for k in ("SYSTEMROOT", "TEMP", "TMP") if k in os.environ}
        env.update(USERPROFILE=str(home), PATH=r"C:\Windows\System32")
    env.update(extra)
    return env


def no_network_prefix() -> list[str]:
    """`unshare -rn` (a private, empty network namespace) if this kernel allows it."""
    if shutil.which("unshare"):
        ok = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode == 0
        if ok:
            return ["unshare", "-rn"]
    return []


def check_self_test(exe: Path, app: Path, timeout: float) -> dict:
    before = snapshot(app)
    with tempfile.TemporaryDirectory(prefix="retouch-check-") as tmp:
        home, cwd = Path(tmp) / "home", Path(tmp) / "cwd"
        home.mkdir()
        cwd.mkdir()
        prefix = no_network_prefix()
        env = clean_env(home, QT_QPA_PLATFORM="offscreen")
        start = time.monotonic()
        proc = subprocess.run([*prefix, str(exe), "self-test"], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        elapsed = time.monotonic() - start
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            raise CheckFailed(f"self-test exited {proc.returncode}:\n{output[-3000:]}")
        user_files = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    after = snapshot(app)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if changed:
        raise CheckFailed(f"self-test wrote inside the bundle: {sorted(changed)[:10]}")
    return {"self_test_s": round(elapsed, 2), "network_isolated": bool(prefix),
            "self_test_output": output[-2000:], "files_in_home": user_files[:20]}


def write_test_png(path: Path, width: int = 640, height: int = 420) -> None:
    """A colourful gradient with a disc, written with zlib only, to open in the editor."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            inside = (x - width * 0.62) ** 2 + (y - height * 0.45) ** 2 < (height * 0.22) ** 2
            if inside:
                row += bytes((250, 215, 90))
            else:
                row += bytes((40 + 150 * x // width, 90 + 100 * y // height, 200 - 120 * x // width))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def _find_window(display: str) -> tuple[str, str, int, int] | None:
    out = subprocess.run(["xwininfo", "-root", "-tree", "-display", display],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        m = WINDOW_LINE.match(line)
        if not m:
            continue
        wid, title, inst, cls = m.group(1), m.group(2), m.group(3), m.group(4)
        w, h = int(m.group(5)), int(m.group(6))
        if "retouch" not in (inst + cls).lower() or title.startswith("Qt ") or w < 200 or h < 150:
            continue
        state = subprocess.run(["xwininfo", "-id", wid, "-display", display],
                               capture_output=True, text=True, check=False).stdout
        if "IsViewable" in state:
            return wid, title, w, h
    return None


def check_window(exe: Path, screenshot: Path, timeout: float) -> dict:
    missing = [t for t in ("Xvfb", "xwininfo", "import") if not shutil.which(t)]
    if missing or not sys.platform.startswith("linux"):
        raise CheckFailed(f"window check needs Xvfb, xwininfo and ImageMagick's import "
                          f"(missing: {missing}); apt-get install xvfb x11-utils imagemagick")
    display_no = next(n for n in range(99, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                      and not Path(f"/tmp/.X{n}-lock").exists())
    display = f":{display_no}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app_proc = None
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{display_no}").exists():
            if time.monotonic() > deadline or xvfb.poll() is not None:
                raise CheckFailed("Xvfb did not start")
            time.sleep(0.1)
        with tempfile.TemporaryDirectory(prefix="retouch-window-") as tmp:
            env = clean_env(Path(tmp), DISPLAY=display, QT_QPA_PLATFORM="xcb")
            log = Path(tmp) / "app.log"
            image = Path(tmp) / "check.png"
            write_test_png(image)  # opened from the command line, as a file manager would
            with log.open("w") as log_file:
                start = time.monotonic()
                app_proc = subprocess.Popen([str(exe), str(image)], cwd=tmp, env=env,
                                            stdout=log_file, stderr=subprocess.STDOUT)
                found = None
                while found is None:
                    if app_proc.poll() is not None:
                        raise CheckFailed(f"editor exited {app_proc.returncode} before showing "
                                          f"a window:\n{log.read_text()[-3000:]}")
                    if time.monotonic() - start > timeout:
                        raise CheckFailed(f"no editor window after {timeout:.0f} s:\n"
                                          f"{log.read_text()[-3000:]}")
                    found = _find_window(display)
                    if found is None:
                        time.sleep(0.2)
                window_s = time.monotonic() - start
                time.sleep(3)  # let it finish painting before the screenshot
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(["import", "-display", display, "-window", found[0], str(screenshot)],
                               check=True, capture_output=True)
                if app_proc.poll() is not None:
                    raise CheckFailed(f"editor died after opening:\n{log.read_text()[-3000:]}")
        return {"window_s": round(window_s, 2), "window_title": found[1],
                "window_size": f"{found[2]}x{found[3]}", "screenshot": str(screenshot)}
    finally:
        for proc in (app_proc, xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=REPO / "dist" / "retouch")
    parser.add_argument("--screenshot", type=Path, default=REPO / "docs" / "screenshots" / "bundle.png")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per check")
    parser.add_argument("--no-window", action="store_true", help="skip the Xvfb window check")
    args = parser.parse_args(argv)

    app: Path = args.app.resolve()
    exe = app / ("retouch.exe" if os.name == "nt" else "retouch")
    if not exe.is_file():
        print(f"{exe}: no bundle here; run `make bundle` first", file=sys.stderr)
        return 2
    build_info_file = app.parent / "retouch-build.json"
    build_info = json.loads(build_info_file.read_text()) if build_info_file.is_file() else {}
    flavour = build_info.get("flavour", "cpu")
    report: dict = {"app": str(app), "flavour": flavour, "size_mib": round(dir_size(app) / 2**20, 1)}
    failed = []
    checks = [("contents", lambda: check_contents(app, flavour)),
              ("self-test", lambda: check_self_test(exe, app, args.timeout))]
    if not args.no_window:
        checks.append(("window", lambda: check_window(exe, args.screenshot.resolve(), args.timeout)))
    for name, check in checks:
        try:
            report.update(check())
            print(f"ok    {name}")
        except (CheckFailed, subprocess.SubprocessError, OSError) as exc:
            failed.append(name)
            print(f"FAIL  {name}: {exc}")
    report["failed"] = failed
    (app.parent / "retouch-check.json").write_text(json.dumps(report, indent=2))
    print(f"bundle {app}: {report['size_mib']} MiB ({flavour})")
    for key in ("self_test_s", "window_s"):
        if key in report:
            print(f"  {key.replace('_s', '')}: {report[key]} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
