"""Engine registry: every AI (and classic) filter, grouped by task.

Each task is described by one :class:`~ml.taskspec.TaskSpec` declared in its task
module ``ml/engines/<task>.py`` (its inputs, output, int-pixels runner, CLI wiring), and
its engines subclass the spec's engine base class. The built-in tasks and the method
each engine implements (images follow the convention in :mod:`ml.types`: float32 RGB
HWC in [0, 1], masks HW with 1 = change):

* ``upscale``  -- ``UpscaleEngine.upscale(image, scale, ctx, **params) -> image``
* ``inpaint``  -- ``InpaintEngine.inpaint(image, mask, ctx, **params) -> image``
* ``style``    -- ``StyleEngine.stylize(content, style, ctx, **params) -> image``
  (``style`` is None for preset engines that carry their style in their weights)

:data:`REGISTRY` holds the specs and the engines. Importing a task module adds its spec
and its built-in engines and reads no file; engines that come from the model store
(catalog entries, models the user imported) are found by the spec's ``discover`` hook
the first time anyone asks for that task's engines (:meth:`Registry.engines`,
:meth:`Registry.get`), and again after :func:`register_imported`. Engine ids are unique
across tasks: registering a taken id is an error (``replace=True`` to swap one on
purpose). ``available()`` returns ``None`` when an engine can run and a human reason
(with the command that fixes it) when not. :data:`TASKS` is the tuple of registered
task names.
"""

from __future__ import annotations

import importlib
import logging
import threading
from abc import ABC
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ml.taskspec import CliOption, CliSpec, TaskInput, TaskSpec
from ml.types import EngineError, Param, RunContext

log = logging.getLogger(__name__)

#: task modules shipped with Retouch; each adds its TaskSpec when imported
BUILTIN_TASK_MODULES = ("ml.engines.upscale", "ml.engines.inpaint", "ml.engines.style",
                        "ml.engines.latent")

__all__ = [
    "BUILTIN_TASK_MODULES",
    "REGISTRY",
    "CliOption",
    "CliSpec",
    "Engine",
    "InpaintEngine",
    "Registry",
    "RegistrySnapshot",
    "StyleEngine",
    "TaskInput",
    "TaskSpec",
    "UpscaleEngine",
    "default",
    "engines",
    "get",
    "imported_records",
    "load_all",
    "register",
    "register_imported",
    "unregister",
]


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
    #: True when a run is fast enough (well under a second on a small image) for a live
    #: preview that reruns on every parameter change
    live_preview: bool = False

    @property
    def requires(self) -> tuple[str, ...]:
        """Store ids of every model this engine needs (default: ``model_id``, if any)."""
        return (self.model_id,) if self.model_id else ()

    def available(self) -> str | None:
        """None when the engine can run now, else the reason it cannot (the default:
        every model in :attr:`requires` is installed, else the command that installs it)."""
        from ml.store import missing_models

        return missing_models(self.requires)

    def needs_input(self, name: str) -> bool:
        """Whether a run needs the task input ``name`` (an optional input of the task may
        be one this engine does without, e.g. a preset style engine and ``style``)."""
        return True

    def release(self, device: str) -> None:
        """Drop weights cached on ``device`` (called after out-of-memory there, before
        the run is retried on the CPU): every model :data:`ml.modelcache.MODELS` holds
        for that device."""
        from ml.modelcache import MODELS

        MODELS.release(device)

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


#: activations per input pixel of a spandrel SR net (RRDB/Swin blocks keep several wide
#: feature maps alive per input pixel); sizes the tiles and the memory estimate alike
SR_FEATURES = 64


def model_bytes_per_pixel(native: int, features: int = SR_FEATURES) -> int:
    """Device bytes per input pixel of a store SR model at its native scale (fp32)."""
    return 4 * (16 * features + 2 * features * native * native)


class UpscaleEngine(Engine):
    task = "upscale"
    #: scales this engine supports
    scales: tuple[int, ...] = (2, 3, 4)

    def upscale(self, image: np.ndarray, scale: int, ctx: RunContext, **params) -> np.ndarray:
        raise NotImplementedError

    def native_scale_for(self, scale: int) -> int:
        """The scale the network actually runs at to produce ``scale`` (then resampled)."""
        return int(getattr(self, "native_scale", scale) or scale)

    def activation_bytes(self, in_pixels: int, native: int) -> int:
        """Memory of the network's activations for one tile (tiles are capped by the
        CPU budget, so this never exceeds it)."""
        from ml.tiling import CPU_BUDGET_BYTES

        return min(CPU_BUDGET_BYTES, in_pixels * model_bytes_per_pixel(native))

    def working_bytes(self, in_w: int, in_h: int, scale: int, alpha: bool = False) -> int:
        """Estimated memory of upscaling one ``in_w``×``in_h`` layer by ``scale``,
        besides the int result: the float input, the network's float output (at its
        native scale), the resampled output when the native scale differs, the output's
        alpha plane when the layer has transparency (``alpha``), and the activations."""
        in_px = int(in_w) * int(in_h)
        out_px = in_px * scale * scale
        native = self.native_scale_for(scale)
        work = in_px * 4 * 4 + in_px * native * native * 3 * 4  # float RGB(A) in, RGB out
        if alpha:
            work += out_px * 4
        if native != scale:
            work += out_px * 3 * 4  # resampled to the asked scale
        return int(work + self.activation_bytes(in_px, native))


class InpaintEngine(Engine):
    task = "inpaint"
    #: context around the mask's bounding box that a fill reads: this fraction of the
    #: box's larger side, at least ``min_context`` pixels
    context_fraction: float = 0.5
    min_context: int = 32

    def inpaint(
        self, image: np.ndarray, mask: np.ndarray, ctx: RunContext, **params
    ) -> np.ndarray:
        raise NotImplementedError

    def context_margin(self, bbox_w: int, bbox_h: int, feather: int = 0) -> int:
        """Pixels to add on every side of a ``bbox_w``×``bbox_h`` mask box so the crop
        handed to the engine holds everything it reads: the ``feather`` (the fill area is
        the mask grown by it) plus the engine's context around the grown box, plus one."""
        import math

        feather = max(0, int(feather))
        side = max(int(bbox_w), int(bbox_h)) + 2 * feather
        return feather + max(self.min_context, math.ceil(self.context_fraction * side)) + 1


class StyleEngine(Engine):
    task = "style"
    #: False for preset engines (the style lives in the weights)
    needs_style_image: bool = True
    #: True when stylize() takes a ``mask=`` (float HW, 1 = stylise) and applies it itself
    takes_mask: bool = False

    def needs_input(self, name: str) -> bool:
        if name == "style":
            return self.needs_style_image
        return True

    def stylize(
        self, content: np.ndarray, style: np.ndarray | None, ctx: RunContext, **params
    ) -> np.ndarray:
        raise NotImplementedError


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class RegistrySnapshot:
    """What :meth:`Registry.snapshot` saves and :meth:`Registry.restore` puts back."""

    specs: tuple[tuple[str, TaskSpec], ...]
    engines: tuple[tuple[str, Engine], ...]
    discovered_tasks: frozenset[str]
    discovered_ids: frozenset[str]


class Registry:
    """Task specs and their engines. Thread-safe; nothing is read from disk until a
    task's engines are first asked for (then its ``discover`` hook runs once)."""

    def __init__(self, task_modules: Iterable[str] = ()) -> None:
        self.task_modules = tuple(task_modules)
        self._lock = threading.RLock()
        self._specs: dict[str, TaskSpec] = {}
        self._engines: dict[str, Engine] = {}
        self._discovered_tasks: set[str] = set()
        self._discovered_ids: set[str] = set()
        self._loaded = False

    # ----------------------------------------------------------------- tasks
    def add_task(self, spec: TaskSpec) -> TaskSpec:
        """Add a task; ValueError when another spec already has its name (or command)."""
        with self._lock:
            old = self._specs.get(spec.name)
            if old is not None and old is not spec:
                raise ValueError(f"task {spec.name!r} is already registered")
            if spec.cli is not None:
                for other in self._specs.values():
                    if other is not spec and other.cli is not None \
                            and other.cli.command == spec.cli.command:
                        raise ValueError(f"task {spec.name!r}: the command "
                                         f"{spec.cli.command!r} belongs to {other.name!r}")
            self._specs[spec.name] = spec
            return spec

    def remove_task(self, name: str) -> None:
        """Remove a task and its engines (tests, plug-ins that go away); no-op if absent."""
        with self._lock:
            self._specs.pop(name, None)
            self._discovered_tasks.discard(name)
            for engine_id in [i for i, e in self._engines.items() if e.task == name]:
                self.unregister(engine_id)

    def load(self) -> None:
        """Import the task modules (each adds its spec and built-in engines); once.
        A module that does not exist is skipped."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for module in self.task_modules:
                try:
                    importlib.import_module(module)
                except ModuleNotFoundError as exc:
                    if exc.name != module:
                        self._loaded = False
                        raise

    def specs(self) -> list[TaskSpec]:
        """Every task spec, in registration order."""
        self.load()
        with self._lock:
            return list(self._specs.values())

    def tasks(self) -> tuple[str, ...]:
        """The names of every registered task."""
        return tuple(s.name for s in self.specs())

    def spec(self, task: str | TaskSpec) -> TaskSpec:
        """The spec of ``task``; EngineError naming the known tasks when unknown."""
        if isinstance(task, TaskSpec):
            return task
        self.load()
        with self._lock:
            spec = self._specs.get(task)
            if spec is None:
                known = ", ".join(self._specs) or "none"
                raise EngineError(f"unknown task {task!r}; known: {known}")
            return spec

    # --------------------------------------------------------------- engines
    def register(self, engine: Engine, replace: bool = False) -> Engine:
        """Add an engine of a registered task. A taken id is a ValueError unless
        ``replace`` (then the new engine takes the old one's place)."""
        if not engine.id:
            raise ValueError("engine needs an id")
        with self._lock:
            if engine.task not in self._specs:
                self.load()  # the task module may not be imported yet
            spec = self._specs.get(engine.task)
            if spec is None:
                raise ValueError(f"unknown task {engine.task!r}")
            if not isinstance(engine, spec.engine_class):
                raise TypeError(f"engine {engine.id!r} is not a {spec.engine_class.__name__}")
            old = self._engines.get(engine.id)
            if old is not None and old is not engine and not replace:
                raise ValueError(
                    f"engine id {engine.id!r} is already registered ({old!r}); "
                    "unregister it first or pass replace=True")
            self._engines[engine.id] = engine
            self._discovered_ids.discard(engine.id)
            return engine

    def unregister(self, engine_id: str) -> None:
        """Remove an engine; no-op if absent."""
        with self._lock:
            self._engines.pop(engine_id, None)
            self._discovered_ids.discard(engine_id)

    def _discover(self, spec: TaskSpec) -> list[Engine]:
        """Run the spec's discover hook; its engines replace those it found before
        (and those it no longer finds go). An id taken by another engine is skipped."""
        found = list(spec.discover()) if spec.discover is not None else []
        with self._lock:
            self._discovered_tasks.add(spec.name)
            for engine_id in [i for i in self._discovered_ids
                              if self._engines.get(i) is not None
                              and self._engines[i].task == spec.name]:
                self._engines.pop(engine_id, None)
                self._discovered_ids.discard(engine_id)
            out = []
            for engine in found:
                if engine.id in self._engines:
                    log.warning("model %r skipped: the engine id is taken by %r",
                                engine.id, self._engines[engine.id])
                    continue
                self._engines[engine.id] = engine
                self._discovered_ids.add(engine.id)
                out.append(engine)
            return out

    def _ensure_discovered(self, task: str | None) -> None:
        for spec in self.specs():
            if (task is None or spec.name == task) and spec.name not in self._discovered_tasks:
                self._discover(spec)

    def rediscover(self, task: str | None = None) -> list[Engine]:
        """Look in the model store again (after an import or removal) for ``task`` or
        every task; returns the engines found."""
        out: list[Engine] = []
        for spec in self.specs():
            if task is None or spec.name == task:
                out.extend(self._discover(spec))
        return out

    def engines(self, task: str | None = None) -> list[Engine]:
        """Registered engines, optionally of one task, in registration order."""
        self._ensure_discovered(task)
        with self._lock:
            return [e for e in self._engines.values() if task is None or e.task == task]

    def get(self, engine_id: str, task: str | None = None) -> Engine:
        """The engine with this id; EngineError naming the known ids when there is none."""
        self._ensure_discovered(task)
        with self._lock:
            engine = self._engines.get(engine_id)
        if engine is None or (task is not None and engine.task != task):
            known = ", ".join(e.id for e in self.engines(task))
            raise EngineError(f"unknown engine {engine_id!r}; known: {known}")
        return engine

    def default(self, task: str) -> Engine:
        """The first available engine of a task (built-in engines register first)."""
        for engine in self.engines(task):
            if engine.available() is None:
                return engine
        raise EngineError(f"no {task} engine is available")

    # ------------------------------------------------------------ save/restore
    def snapshot(self) -> RegistrySnapshot:
        """Everything registered now (after loading the task modules, so a module first
        imported later cannot be lost by a :meth:`restore`)."""
        self.load()
        with self._lock:
            return RegistrySnapshot(tuple(self._specs.items()), tuple(self._engines.items()),
                                    frozenset(self._discovered_tasks),
                                    frozenset(self._discovered_ids))

    def restore(self, snap: RegistrySnapshot) -> None:
        """Put the registry back as :meth:`snapshot` saw it."""
        with self._lock:
            self._specs = dict(snap.specs)
            self._engines = dict(snap.engines)
            self._discovered_tasks = set(snap.discovered_tasks)
            self._discovered_ids = set(snap.discovered_ids)


#: the registry of this process
REGISTRY = Registry(BUILTIN_TASK_MODULES)


def register(engine: Engine, replace: bool = False) -> Engine:
    """:meth:`Registry.register` on :data:`REGISTRY`."""
    return REGISTRY.register(engine, replace=replace)


def unregister(engine_id: str) -> None:
    """Remove an engine from the registry (tests and plug-ins that go away); no-op if absent."""
    REGISTRY.unregister(engine_id)


def load_all() -> None:
    """Import every task module so its spec and built-in engines register."""
    REGISTRY.load()


def add_task(spec: TaskSpec) -> TaskSpec:
    """:meth:`Registry.add_task` on :data:`REGISTRY`."""
    return REGISTRY.add_task(spec)


def engines(task: str | None = None) -> list[Engine]:
    """Registered engines, optionally of one task, in registration order."""
    return REGISTRY.engines(task)


def get(engine_id: str, task: str | None = None) -> Engine:
    """The engine with this id; EngineError naming the known ids when there is none."""
    return REGISTRY.get(engine_id, task)


def default(task: str) -> Engine:
    """The first available engine of a task (built-in engines register first)."""
    return REGISTRY.default(task)


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
    """Look in the model store again for every task (after ``ModelStore.import_file`` or
    a removal) so new imports show up without a restart; returns the engines found."""
    return REGISTRY.rediscover()


def __getattr__(name: str):
    # TASKS follows the registered specs (a module-level tuple would be stale)
    if name == "TASKS":
        return REGISTRY.tasks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
