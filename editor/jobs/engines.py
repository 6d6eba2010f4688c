"""The jobs side of the bridge to ``ml/``: what the widgets need from the engines, the
runtime, the model store and the devices. ``editor/ui`` imports these names from here and
never ``ml`` itself, so the arrows stay ui → jobs → ml (DESIGN.md; an import-linter
contract in pyproject.toml keeps it so).

Nothing here imports torch: ``ml.types``, ``ml.store``, ``ml.devices``, ``ml.tiling`` and
the engine registry are light, and the runtime (which pulls torch in) is imported when a
job first runs, on the worker thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ml.devices import ENV_VAR as DEVICE_ENV_VAR
from ml.devices import device_availability, device_label, resolve_device
from ml.engines import Engine
from ml.resources import resource_path
from ml.store import CatalogEntry, ModelStore, StoreError
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
    "ModelStore",
    "Progress",
    "RunContext",
    "StoreError",
    "device_availability",
    "device_label",
    "engines_for",
    "get_engine",
    "register_imported_models",
    "resolve_device",
    "resource_path",
    "run_inpaint_pixels",
    "run_style_pixels",
    "run_upscale_pixels",
    "unregister_engine",
]


def engines_for(task: str) -> list[Engine]:
    """Every registered engine of a task (available or not), in registration order."""
    from ml.engines import engines

    return engines(task)


def get_engine(engine_id: str, task: str) -> Engine:
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


def run_inpaint_pixels(
    engine_id: str, pixels: np.ndarray, mask: np.ndarray, ctx: RunContext, **params: Any
) -> np.ndarray:
    """Inpaint int RGBA ``pixels`` where ``mask`` is set (ml.runtime; alpha kept, same
    dtype and size back; unmasked pixels bit-exact)."""
    from ml.runtime import run_inpaint

    return run_inpaint(get_engine(engine_id, "inpaint"), pixels, mask, ctx, **params)


def run_upscale_pixels(
    engine_id: str, pixels: np.ndarray, scale: int, ctx: RunContext, **params: Any
) -> np.ndarray:
    """Upscale int RGBA ``pixels`` by ``scale`` (ml.runtime; alpha resized separately,
    same dtype back)."""
    from ml.runtime import run_upscale

    return run_upscale(get_engine(engine_id, "upscale"), pixels, scale, ctx, **params)


def run_style_pixels(
    engine_id: str,
    content: np.ndarray,
    style: np.ndarray | None,
    ctx: RunContext,
    **params: Any,
) -> np.ndarray:
    """Stylise int RGBA ``content`` (ml.runtime; alpha follows, same dtype back)."""
    from ml.runtime import run_style

    return run_style(get_engine(engine_id, "style"), content, style, ctx, **params)
