"""The jobs side of the bridge to ``ml/``: what the widgets need from the engines, the
runtime, the model store and the devices. ``editor/ui`` imports these names from here and
never ``ml`` itself, so the arrows stay ui → jobs → ml (DESIGN.md; an import-linter
contract in pyproject.toml keeps it so).

Every task runs through one call, :func:`run_task_pixels` (``ml.runtime.run_task``: the
task's spec checks the inputs, converts at the boundary and handles out-of-memory), e.g.
``run_task_pixels("upscale", engine_id, ctx, image=pixels, scale=2)``. What the dialogs
used to compute themselves is engine API, reachable here:
:func:`inpaint_context_margin` (``InpaintEngine.context_margin``),
:func:`upscale_working_bytes` (``UpscaleEngine.working_bytes``), :func:`live_preview`
(``Engine.live_preview``), :func:`mask_bbox` (``ml.imageconv.mask_bbox``), and the task
descriptors (:func:`task_specs`, :func:`task_spec`).

Nothing here imports torch: ``ml.types``, ``ml.store``, ``ml.devices``, ``ml.tiling`` and
the engine registry are light, and the runtime's torch parts are imported when a job
first runs, on the worker thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ml.devices import ENV_VAR as DEVICE_ENV_VAR
from ml.devices import device_availability, device_label, resolve_device
from ml.engines import Engine, InpaintEngine, StyleEngine, UpscaleEngine
from ml.imageconv import mask_bbox
from ml.resources import resource_path
from ml.store import CatalogEntry, ModelStore, StoreError, install_command, missing_models
from ml.taskspec import TaskInput, TaskSpec
from ml.tiling import CPU_BUDGET_BYTES
from ml.types import Cancelled, CancelToken, EngineError, EngineUnavailable, Progress, RunContext

__all__ = [
    "CPU_BUDGET_BYTES",
    "DEVICE_ENV_VAR",
    "CancelToken",
    "Cancelled",
    "CatalogEntry",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "InpaintEngine",
    "ModelStore",
    "Progress",
    "RunContext",
    "StoreError",
    "StyleEngine",
    "TaskInput",
    "TaskSpec",
    "UpscaleEngine",
    "cpu_only",
    "device_availability",
    "device_label",
    "engines_for",
    "get_engine",
    "inpaint_context_margin",
    "install_command",
    "live_preview",
    "mask_bbox",
    "missing_models",
    "register_imported_models",
    "resolve_device",
    "resource_path",
    "run_task_pixels",
    "task_spec",
    "task_specs",
    "unregister_engine",
    "upscale_working_bytes",
]


def engines_for(task: str) -> list[Engine]:
    """Every registered engine of a task (available or not), in registration order."""
    from ml.engines import engines

    return engines(task)


def get_engine(engine_id: str, task: str) -> Engine:
    """The registered engine ``engine_id`` of ``task``; EngineError naming the known ids."""
    from ml.engines import get

    return get(engine_id, task)


def unregister_engine(engine_id: str) -> None:
    """Drop an engine (e.g. one for an imported model that was just removed)."""
    from ml.engines import unregister

    unregister(engine_id)


def register_imported_models() -> None:
    """(Re)register engines for the models the user imported into the store (every task:
    upscalers, inpainting checkpoints)."""
    from ml.engines import register_imported

    register_imported()


def task_specs() -> list[TaskSpec]:
    """Every AI task's descriptor (name, title, inputs, engine base class), in order."""
    from ml.engines import REGISTRY

    return REGISTRY.specs()


def task_spec(task: str) -> TaskSpec:
    """The descriptor of one task; EngineError naming the known tasks when unknown."""
    from ml.engines import REGISTRY

    return REGISTRY.spec(task)


def _engine(engine: Engine | str, task: str) -> Engine:
    return get_engine(engine, task) if isinstance(engine, str) else engine


def inpaint_context_margin(engine: Engine | str, bbox_w: int, bbox_h: int,
                           feather: int = 0) -> int:
    """Pixels around a ``bbox_w``×``bbox_h`` mask box that a fill with ``engine`` (an
    inpaint Engine or its id) reads, the ``feather`` included."""
    return _engine(engine, "inpaint").context_margin(bbox_w, bbox_h, feather)


def upscale_working_bytes(engine: Engine | str, in_w: int, in_h: int, scale: int,
                          alpha: bool = False) -> int:
    """Estimated working memory of upscaling one ``in_w``×``in_h`` layer by ``scale``
    with ``engine`` (an upscale Engine or its id), besides the result; ``alpha``: the
    layer has transparency."""
    return _engine(engine, "upscale").working_bytes(in_w, in_h, scale, alpha=alpha)


def cpu_only(engine: Engine | str, task: str) -> bool:
    """Whether ``engine`` (an Engine, or an id of ``task``) runs on the CPU whatever the
    device setting (the built-in OpenCV / NumPy fills): its jobs need no device lookup,
    which would import torch."""
    return _engine(engine, task).device_policy == "cpu"


def live_preview(engine: Engine | str, task: str = "style") -> bool:
    """Whether ``engine`` (an Engine, or an id of ``task``) is fast enough for a live
    preview that reruns on every change."""
    return bool(_engine(engine, task).live_preview)


def run_task_pixels(task: str, engine_id: str, ctx: RunContext, **inputs_and_params: Any
                    ) -> np.ndarray:
    """Run any task on int pixels: its inputs by name (``image=``, ``mask=``, ``scale=``,
    ``style=`` ... as its :class:`TaskSpec` lists them), the rest engine parameters."""
    from ml.runtime import run_task

    return run_task(task, get_engine(engine_id, task), ctx, **inputs_and_params)

