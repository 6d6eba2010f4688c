"""Engine registry: every AI (and classic) filter, grouped by task.

Tasks and the method each engine of that task implements (images follow the
convention in :mod:`ml.types`: float32 RGB HWC in [0, 1], masks HW with 1 = change):

* ``upscale``  -- ``UpscaleEngine.upscale(image, scale, ctx, **params) -> image``
* ``inpaint``  -- ``InpaintEngine.inpaint(image, mask, ctx, **params) -> image``
* ``style``    -- ``StyleEngine.stylize(content, style, ctx, **params) -> image``
  (``style`` is None for preset engines that carry their style in their weights)
* ``latent``   -- see :mod:`ml.engines.latent` once it exists.

Engines register themselves when their task module (``ml/engines/<task>.py``) is
imported; :func:`load_all` imports every task module. An engine that needs a model from
the store names it in ``model_id``; ``available()`` returns ``None`` when it can run and
a human reason (with the command that fixes it) when not.
"""

from __future__ import annotations

import importlib
from abc import ABC
from collections.abc import Iterable

import numpy as np

from ml.types import EngineError, Param, RunContext

TASKS = ("upscale", "inpaint", "style", "latent")
_TASK_MODULES = {task: f"ml.engines.{task}" for task in TASKS}

_REGISTRY: dict[str, Engine] = {}


class Engine(ABC):
    """Base of every engine. Subclasses set the class attributes and one task method."""

    id: str = ""
    name: str = ""
    task: str = ""
    description: str = ""
    #: catalog id of the model this engine needs from the store, or None (built in)
    model_id: str | None = None
    #: user-settable parameters, described as data for the UI and CLI
    params: tuple[Param, ...] = ()
    #: "any" (CPU or GPU), "cpu" (never moves to a GPU), or "gpu-preferred"
    device_policy: str = "any"
    #: True when a run can report intermediate previews worth showing
    has_preview: bool = False

    def available(self) -> str | None:
        """None when the engine can run now, else the reason it cannot."""
        return None

    def release(self, device: str) -> None:
        """Drop weights this engine caches on ``device`` (called after out-of-memory
        there, before the run is retried on the CPU); engines without a cache ignore it."""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve_params(self, values: dict | None = None) -> dict:
        """Defaults overlaid with ``values`` (coerced and validated); unknown names fail."""
        out = {p.name: p.default for p in self.params}
        for key, value in (values or {}).items():
            try:
                out[key] = self.param(key).coerce(value)
            except KeyError:
                known = ", ".join(p.name for p in self.params) or "none"
                raise EngineError(
                    f"engine {self.id!r} has no parameter {key!r} (known: {known})"
                ) from None
            except ValueError as exc:
                raise EngineError(str(exc)) from None
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


class UpscaleEngine(Engine):
    task = "upscale"
    #: scales this engine supports
    scales: tuple[int, ...] = (2, 3, 4)

    def upscale(self, image: np.ndarray, scale: int, ctx: RunContext, **params) -> np.ndarray:
        raise NotImplementedError


class InpaintEngine(Engine):
    task = "inpaint"

    def inpaint(
        self, image: np.ndarray, mask: np.ndarray, ctx: RunContext, **params
    ) -> np.ndarray:
        raise NotImplementedError


class StyleEngine(Engine):
    task = "style"
    #: False for preset engines (the style lives in the weights)
    needs_style_image: bool = True

    def stylize(
        self, content: np.ndarray, style: np.ndarray | None, ctx: RunContext, **params
    ) -> np.ndarray:
        raise NotImplementedError


def register(engine: Engine) -> Engine:
    """Add an engine instance to the registry (ids are unique across tasks)."""
    if engine.task not in TASKS:
        raise ValueError(f"unknown task {engine.task!r}")
    if not engine.id:
        raise ValueError("engine needs an id")
    _REGISTRY[engine.id] = engine
    return engine


def unregister(engine_id: str) -> None:
    """Remove an engine from the registry (tests and plug-ins that go away); no-op if absent."""
    _REGISTRY.pop(engine_id, None)


def load_all() -> None:
    """Import every task module so its engines register (missing modules are skipped)."""
    for module in _TASK_MODULES.values():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def imported_records(task: str) -> dict[str, dict]:
    """The store's records of models the user imported (not catalog entries) for ``task``,
    by id; empty when the store cannot be read (a broken index is reported elsewhere)."""
    from ml.store import ModelStore, StoreError

    try:
        store = ModelStore()
        records = store.records()
        catalog_ids = {e.id for e in store.catalog()}
    except StoreError:
        return {}
    return {
        model_id: rec
        for model_id, rec in records.items()
        if model_id not in catalog_ids and rec.get("task") == task
    }


def register_imported() -> list[Engine]:
    """(Re-)register an engine for every model the user imported into the store, of
    every task (upscalers, inpainting); call after ``ModelStore.import_file``."""
    load_all()
    out: list[Engine] = []
    for module in _TASK_MODULES.values():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        hook = getattr(mod, "register_imported", None)
        if hook is not None:
            out.extend(hook())
    return out


def engines(task: str | None = None) -> list[Engine]:
    """Registered engines, optionally of one task, in registration order."""
    load_all()
    return [e for e in _REGISTRY.values() if task is None or e.task == task]


def get(engine_id: str, task: str | None = None) -> Engine:
    """The engine with this id; EngineError naming the known ids when there is none."""
    load_all()
    engine = _REGISTRY.get(engine_id)
    if engine is None or (task is not None and engine.task != task):
        known = ", ".join(e.id for e in engines(task))
        raise EngineError(f"unknown engine {engine_id!r}; known: {known}")
    return engine


def default(task: str) -> Engine:
    """The first available engine of a task (built-in engines register first)."""
    candidates: Iterable[Engine] = engines(task)
    for engine in candidates:
        if engine.available() is None:
            return engine
    raise EngineError(f"no {task} engine is available")
