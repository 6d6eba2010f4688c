"""The PyInstaller spec and its data lists stay valid, without running a build."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import PACKAGING, REPO

SPEC = PACKAGING / "retouch.spec"


def _called_names(tree: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def test_spec_parses_and_builds_a_one_folder_app_from_the_config():
    tree = ast.parse(SPEC.read_text(), filename=str(SPEC))
    calls = _called_names(tree)
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    text = SPEC.read_text()
    assert "bundle_config.py" in text
    for use in ("cfg.python_excludes()", "cfg.resource_datas()", "cfg.keep_entry(",
                "exclude_binaries=True", "cfg.RTHOOK_TORCHVISION_CPU"):
        assert use in text, use


def test_entry_script_runs_the_retouch_console_command(cfg):
    tree = ast.parse(cfg.ENTRY_SCRIPT.read_text())
    imports = [(n.module, [a.name for a in n.names]) for n in ast.walk(tree)
               if isinstance(n, ast.ImportFrom)]
    assert ("editor.cli", ["main"]) in imports
    # the console script of pyproject.toml and the bundle start the same function
    assert 'retouch = "editor.cli:main"' in (REPO / "pyproject.toml").read_text()


def test_resources_ship_catalog_icons_and_every_builtin_model(cfg):
    datas = cfg.resource_datas()
    dests = {(Path(src).name, dest) for src, dest in datas}
    assert all(Path(src).is_file() for src, _ in datas)
    assert all(dest.replace("\\", "/").startswith("resources") for _, dest in datas)
    catalogs = sorted((REPO / "resources" / "catalog").glob("*.toml"))
    assert catalogs, "the model catalog is missing from resources/catalog"
    for path in catalogs:
        assert (path.name, str(Path("resources") / "catalog")) in dests
    for path in (REPO / "resources" / "models").glob("*.safetensors"):
        assert (path.name, str(Path("resources") / "models")) in dests
    for name in ("retouch.svg", "retouch-256.png", "retouch.ico", "retouch.icns"):
        assert (name, str(Path("resources") / "icons")) in dests
    assert not any("__pycache__" in src or src.endswith(".pyc") for src, _ in datas)


def test_unused_qt_modules_are_excluded(cfg):
    excludes = set(cfg.python_excludes())
    for module in ("QtWebEngineWidgets", "Qt3DCore", "QtQuick", "QtQml", "QtMultimedia",
                   "QtNetwork", "QtTest", "QtDesigner"):
        assert f"PySide6.{module}" in excludes
    assert not set(cfg.QT_KEEP) & set(cfg.QT_EXCLUDE)
    for dev_only in ("pytest", "tkinter", "PyQt5", "tests"):
        assert dev_only in excludes


def test_every_qt_module_the_code_imports_is_kept(cfg):
    used = set()
    for path in [*(REPO / "editor").rglob("*.py"), *(REPO / "ml").rglob("*.py")]:
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    excluded = used & set(cfg.QT_EXCLUDE)
    assert not excluded, f"editor/ml import Qt modules the bundle excludes: {sorted(excluded)}"
    assert used <= set(cfg.QT_KEEP), f"add to QT_KEEP: {sorted(used - set(cfg.QT_KEEP))}"


def test_filters_drop_headers_translations_and_cuda_only_from_the_cpu_flavour(cfg):
    keep = cfg.keep_entry
    for dropped in ("torch/include/ATen/ATen.h", "torch/share/cmake/Torch/TorchConfig.cmake",
                    "PySide6/Qt/translations/qtbase_de.qm", "PySide6/Qt/qml/QtQuick/qmldir",
                    "PySide6/Qt/plugins/qmltooling/libqmldbg_debugger.so",
                    "torch/bin/test_jit", "torch/lib/libtorchbind_test.so"):
        assert not keep(dropped, "cpu") and not keep(dropped, "cuda"), dropped
    for kept in ("torch/lib/libtorch_cpu.so", "torch/lib/libc10.so", "torch/bin/torch_shm_manager",
                 "PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/plugins/platforms/libqxcb.so",
                 "resources/models/sr-small-x2.safetensors", "qtawesome/fonts/fontawesome.ttf",
                 "cv2/cv2.abi3.so"):
        assert keep(kept, "cpu") and keep(kept, "cuda"), kept
    for cuda in ("torch/lib/libtorch_cuda.so", "torch/lib/libc10_cuda.so",
                 "nvidia/cudnn/lib/libcudnn.so.9", "nvidia/cu13/lib/libcublasLt.so.13",
                 "torchvision.libs/libcudart.faf08d9a.so.13", "libnvrtc-builtins.so.13.0",
                 "triton/_C/libtriton.so"):
        assert not keep(cuda, "cpu") and keep(cuda, "cuda"), cuda
    with pytest.raises(ValueError, match="flavour"):
        keep("torch/lib/libc10.so", "rocm")


def test_cuda_filter_matches_the_real_torch_install(cfg):
    """Every CUDA library of the dev venv's torch is recognised; none of its CPU ones are."""
    spec = importlib.util.find_spec("torch")
    lib = Path(spec.submodule_search_locations[0]) / "lib"
    names = sorted(p.name for p in lib.glob("*.so*"))
    assert "libtorch_cpu.so" in names
    for name in names:
        dest = f"torch/lib/{name}"
        is_cuda = bool(re.search(r"cuda|nvrtc|cudnn|cublas", name))
        assert cfg.keep_entry(dest, "cpu") is not is_cuda, name


def test_build_and_check_scripts_start(tmp_path):
    for script in ("build.py", "check_bundle.py"):
        out = subprocess.run([sys.executable, str(PACKAGING / script), "--help"],
                             capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 0 and "usage" in out.stdout
    missing = subprocess.run([sys.executable, str(PACKAGING / "check_bundle.py"),
                              "--app", str(tmp_path / "nope")], capture_output=True, text=True,
                             timeout=60, check=False)
    assert missing.returncode == 2 and "make bundle" in missing.stderr


def test_runtime_hook_and_helper_scripts_are_valid_python(cfg):
    for path in (cfg.RTHOOK_TORCHVISION_CPU, PACKAGING / "make_icons.py", cfg.ENTRY_SCRIPT):
        ast.parse(path.read_text(), filename=str(path))
