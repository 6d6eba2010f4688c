"""What goes into the Retouch bundle and what stays out, as plain data.

``retouch.spec`` (PyInstaller) and ``tests/packaging`` both load this file by path, so the
lists are checked in ``make test`` without running a build. It must not import PyInstaller,
torch or Qt. (``packaging/`` is deliberately not a Python package: the name would shadow
the ``packaging`` library that pip and pytest import.)
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP_NAME = "retouch"
APP_ID = "io.github.retouch.Retouch"
ENTRY_SCRIPT = REPO / "packaging" / "retouch_main.py"
RTHOOK_TORCHVISION_CPU = REPO / "packaging" / "rthooks" / "torchvision_cpu.py"
FLAVOURS = ("cpu", "cuda")

# ---- Qt ---------------------------------------------------------------------------------
#: Qt modules the app uses. QtDBus/QtSvg are needed by the xcb platform plugin and the svg
#: icon engine; everything else PySide6-Essentials ships is left out.
QT_KEEP = ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtDBus")

#: Every PySide6 module we know of that is not in QT_KEEP (Essentials and Addons).
QT_EXCLUDE = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtAxContainer", "QtBluetooth", "QtCanvasPainter", "QtCharts", "QtConcurrent",
    "QtDataVisualization", "QtDesigner", "QtGraphs", "QtGraphsWidgets", "QtHelp",
    "QtHttpServer", "QtLabsStyleKit", "QtLocation", "QtMultimedia", "QtMultimediaWidgets",
    "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets", "QtPdf",
    "QtPdfWidgets", "QtPositioning", "QtPrintSupport", "QtQml", "QtQmlFeatures", "QtQuick",
    "QtQuick3D", "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects",
    "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql",
    "QtStateMachine", "QtSvgWidgets", "QtTest", "QtTextToSpeech", "QtUiTools",
    "QtWebChannel", "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets",
    "QtWebSockets", "QtWebView", "QtXml",
)

# ---- Python modules ---------------------------------------------------------------------
#: Never needed at run time: test/dev tools, other Qt bindings, notebooks and plotting.
PY_EXCLUDE = (
    "tkinter", "_tkinter", "turtle", "idlelib", "pydoc_data", "lib2to3",
    "pytest", "_pytest", "pytestqt", "importlinter", "grimp", "ruff", "setuptools", "pip",
    "IPython", "jupyter", "notebook", "matplotlib", "tensorboard", "torch.utils.tensorboard",
    "PyQt5", "PyQt6", "PySide2",
    "tests", "benchmarks",
)

#: Packages imported by name at run time (engine registry, CLI subcommands), collected
#: whole so nothing is missed by the static import scan.
HIDDEN_PACKAGES = ("editor", "ml")

#: Third-party packages whose data files (fonts, configs) are collected.
DATA_PACKAGES = ("qtawesome", "superqt", "spandrel")

# ---- Data files -------------------------------------------------------------------------
#: Resource folders the app needs; all of resources/ ships (minus EXCLUDE_RESOURCE_GLOBS)
#: and these must be among it.
REQUIRED_RESOURCE_DIRS = ("catalog", "icons", "models")

#: Files under resources/ that never ship.
EXCLUDE_RESOURCE_GLOBS = (
    "*.pyc", "__pycache__", ".DS_Store", "*.part", "*.tmp", "*~", ".gitkeep", "*.xcf",
)

# ---- Filters applied to PyInstaller's collected files (dest names, '/'-separated) -------
#: Dropped from every flavour: headers, build files, type stubs, tests, Qt leftovers.
DROP_GLOBS = (
    "torch/include/*", "torch/share/*", "torch/test/*", "torch/testing/_internal/data/*",
    "torch/bin/*", "torch/lib/libtorchbind_test.so", "torch/lib/libjitbackend_test.so",
    "torch/lib/libbackend_with_compiler.so", "torch/lib/libaoti_custom_ops.so",
    "torch/_inductor/codegen/*.h", "torchvision/include/*",
    "*.h", "*.hpp", "*.cuh", "*.cpp", "*.c", "*.pyi", "*.cmake", "*.a", "*.lib",
    "*/__pycache__/*", "*.pyc.*",
    "PySide6/Qt/translations/*", "PySide6/Qt/qml/*", "PySide6/Qt/resources/qtwebengine*",
    "PySide6/Qt/plugins/qmltooling/*", "PySide6/Qt/plugins/designer/*",
    "PySide6/Qt/plugins/sqldrivers/*", "PySide6/Qt/plugins/printsupport/*",
    "PySide6/Qt/plugins/tls/*", "PySide6/Qt/plugins/networkinformation/*",
    "PySide6/Qt/plugins/multimedia/*", "PySide6/Qt/plugins/position/*",
    "PySide6/typesystems/*", "PySide6/glue/*", "PySide6/include/*", "PySide6/scripts/*",
    "PySide6/Qt/lib/cmake/*", "PySide6/Qt/metatypes/*", "PySide6/Qt/modules/*",
    "cv2/data/*",  # Haar cascades: face detection is not done with OpenCV here
)

#: Kept even though a DROP_GLOBS pattern matches: ``import torch`` checks this helper exists.
KEEP_ALWAYS = ("torch/bin/torch_shm_manager",)

#: Dropped from the CPU flavour only: CUDA runtime libraries and GPU-only extensions.
CUDA_LIB_RE = re.compile(
    r"(^|/)(lib)?(cu(da|dart|blas|blasLt|dnn|fft|file|rand|solver|sparse|pti)|nvrtc|nvjpeg"
    r"|nvJitLink|nvToolsExt|nccl|nvshmem|cusparseLt|torch_cuda|c10_cuda|caffe2_nvrtc"
    r"|triton)[^/]*\.so",
    re.IGNORECASE,
)
CPU_DROP_GLOBS = ("nvidia/*", "triton/*", "torchvision.libs/libcudart*",
                  "torchvision.libs/libnvjpeg*")

#: Platform plugins the bundle must contain (Linux): the real display and headless runs.
REQUIRED_QT_PLUGINS_LINUX = (
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
)


def qt_module_excludes() -> list[str]:
    """Dotted names for PyInstaller's ``excludes`` covering every unused Qt module."""
    return [f"PySide6.{name}" for name in QT_EXCLUDE]


def python_excludes() -> list[str]:
    """All module names PyInstaller must not collect."""
    return [*PY_EXCLUDE, *qt_module_excludes()]


def _resource_excluded(rel: Path) -> bool:
    return any(fnmatch.fnmatch(part, glob) for part in rel.parts for glob in EXCLUDE_RESOURCE_GLOBS)


def resource_datas(repo: Path = REPO) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs for resources/, as PyInstaller ``datas``.

    Files land under ``resources/`` inside the bundle, where ``ml.resources.resource_path``
    looks when ``sys._MEIPASS`` is set.
    """
    root = repo / "resources"
    pairs: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not _resource_excluded(rel):
            pairs.append((str(path), str(Path("resources") / rel.parent)))
    return pairs


def keep_entry(dest: str, flavour: str) -> bool:
    """Whether a collected file (its destination name in the bundle) stays in ``flavour``."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown bundle flavour {flavour!r}; expected one of {FLAVOURS}")
    dest = dest.replace("\\", "/")
    if dest in KEEP_ALWAYS:
        return True
    if any(fnmatch.fnmatch(dest, glob) for glob in DROP_GLOBS):
        return False
    cpu_only_drop = bool(CUDA_LIB_RE.search(dest)) or any(
        fnmatch.fnmatch(dest, g) for g in CPU_DROP_GLOBS)
    return not (flavour == "cpu" and cpu_only_drop)


def needs_cuda(binary: Path) -> bool:
    """True if a shared library links against CUDA torch (it cannot load beside CPU torch)."""
    try:
        data = binary.read_bytes()
    except OSError:
        return False
    return b"libtorch_cuda" in data or b"libc10_cuda" in data
