"""Build the one-folder Retouch app in dist/retouch/ from a clean virtual environment.

    python3 packaging/build.py                      # CPU flavour (default)
    python3 packaging/build.py --flavour cuda       # CUDA flavour (PyPI's Linux torch)
    python3 packaging/build.py --keep-venv          # reuse build/venv-bundle (faster)

Steps: make a fresh venv under build/, install torch for the chosen flavour, install the
project (not editable) plus PyInstaller, then run packaging/retouch.spec. Only the standard
library is used here, so any Python 3.10+ can run it. The build runs at low priority
(``nice 10``) because torch's analysis keeps a CPU busy for minutes.

CPU torch comes from, in order: ``--torch-spec``; a local ``torch-*+cpu-*.whl`` in pip's
find-links folders (this is how an offline build machine provides it); the PyTorch CPU
index (https://download.pytorch.org/whl/cpu), which also has matching CPU torchvision.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "packaging" / "retouch.spec"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)  # type: ignore[arg-type]


def _venv_bin(venv: Path, name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return venv / sub / f"{name}{suffix}"


def _find_links_dirs(pip: Path) -> list[Path]:
    """Folders pip's find-links points at (environment and pip config)."""
    values = os.environ.get("PIP_FIND_LINKS", "").split()
    out = subprocess.run([str(pip), "config", "list"], capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith("find-links"):
            values += value.strip().strip("'\"").split()
    dirs = []
    for value in values:
        path = Path(value.removeprefix("file://"))
        if path.is_dir() and path not in dirs:
            dirs.append(path)
    return dirs


def _local_cpu_torch(pip: Path) -> str | None:
    """``torch==X+cpu`` for a local CPU wheel matching this Python, or None."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    for folder in _find_links_dirs(pip):
        for wheel in sorted(folder.glob(f"torch-*+cpu-{tag}-*.whl"), reverse=True):
            match = re.match(r"torch-([^-]+)-", wheel.name)
            if match:
                return f"torch=={match.group(1)}"
    return None


def install(venv: Path, flavour: str, torch_spec: str | None, torch_index: str | None) -> dict:
    pip = _venv_bin(venv, "pip")
    base = [pip, "install", "--disable-pip-version-check", "--quiet"]
    constraints = venv / "constraints.txt"
    if flavour == "cpu" and not torch_spec and not torch_index:
        torch_spec = _local_cpu_torch(pip)
        if torch_spec is None:
            torch_index = CPU_INDEX
    if torch_index:
        # Torch and torchvision from the same index so their C++ ops match.
        _run([*base, "--index-url", torch_index, torch_spec or "torch", "torchvision"])
        pins = subprocess.run([pip, "freeze"], capture_output=True, text=True, check=True)
        lines = [ln for ln in pins.stdout.splitlines() if ln.startswith(("torch==", "torchvision=="))]
        constraints.write_text("\n".join(lines) + "\n")
    elif torch_spec:
        # Pinning torch makes pip pick the torchvision release built for it.
        constraints.write_text(torch_spec + "\n")
        _run([*base, torch_spec])
    else:
        constraints.write_text("")
    _run([*base, "-c", constraints, str(REPO), "pyinstaller>=6.5"])
    freeze = subprocess.run([pip, "freeze"], capture_output=True, text=True, check=True).stdout
    (venv / "freeze.txt").write_text(freeze)
    versions = {}
    for line in freeze.splitlines():
        name, sep, version = line.partition("==")
        if sep:
            versions[name.lower().replace("_", "-")] = version
    wanted = ("torch", "torchvision", "pyside6-essentials", "spandrel", "pyinstaller")
    return {name: versions.get(name) for name in wanted}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavour", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--venv", type=Path, default=REPO / "build" / "venv-bundle")
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--keep-venv", action="store_true", help="reuse an existing build venv")
    parser.add_argument("--torch-spec", help="pip requirement for torch, e.g. 'torch==2.13.0+cpu'")
    parser.add_argument("--torch-index", help=f"index for torch+torchvision (cpu: {CPU_INDEX})")
    parser.add_argument("--no-nice", action="store_true", help="run at normal priority")
    args = parser.parse_args(argv)
    if sys.version_info < (3, 10):  # noqa: UP036 - run by the system python3, not the venv
        parser.error("Python 3.10 or newer is needed")

    if not args.no_nice and hasattr(os, "nice"):
        os.nice(10)  # children inherit it: pip builds and PyInstaller's analysis
    start = time.monotonic()
    venv: Path = args.venv
    info_file = venv / "bundle-info.json"
    if args.keep_venv and _venv_bin(venv, "pyinstaller").exists() and info_file.exists():
        info = json.loads(info_file.read_text())
        if info.get("flavour") != args.flavour:
            parser.error(f"{venv} holds the {info.get('flavour')} flavour; drop --keep-venv")
        # The project is installed as a copy: refresh it so the bundle has today's code.
        _run([_venv_bin(venv, "pip"), "install", "--quiet", "--disable-pip-version-check",
              "--no-deps", "--force-reinstall", str(REPO)])
    else:
        if venv.exists():
            shutil.rmtree(venv)
        _run([sys.executable, "-m", "venv", venv])
        info = {"flavour": args.flavour, "python": sysconfig.get_python_version()}
        info["versions"] = install(venv, args.flavour, args.torch_spec, args.torch_index)
        info_file.write_text(json.dumps(info, indent=2))
    installed = time.monotonic()

    env = dict(os.environ, RETOUCH_BUNDLE_FLAVOUR=args.flavour, PYTHONDONTWRITEBYTECODE="1")
    work = REPO / "build" / "pyinstaller"
    _run(
        [_venv_bin(venv, "pyinstaller"), "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", args.dist, "--workpath", work, SPEC],
        env=env, cwd=REPO,
    )
    done = time.monotonic()
    app = args.dist / "retouch"
    info.update(
        size_bytes=du(app),
        install_s=round(installed - start, 1),
        pyinstaller_s=round(done - installed, 1),
        built=time.strftime("%Y-%m-%d %H:%M:%S"),
    )
    (args.dist / "retouch-build.json").write_text(json.dumps(info, indent=2))
    print(
        f"built {app} ({args.flavour}): {info['size_bytes'] / 2**20:.0f} MiB, "
        f"venv {info['install_s']} s, PyInstaller {info['pyinstaller_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
