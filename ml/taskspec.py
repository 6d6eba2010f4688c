"""Task descriptors: what an AI task takes and returns, as data.

Each task module (``ml/engines/<task>.py``) declares one :class:`TaskSpec` and adds it to
the registry (:data:`ml.engines.REGISTRY`). Everything that runs a task reads it from
there instead of keeping its own per-task code: :func:`ml.runtime.run_task` checks the
inputs and calls the spec's int-pixels runner, the ``retouch`` command builds one
subcommand per spec that has a :class:`CliSpec` (positional files from the image/mask
inputs, options from the int inputs and :class:`CliOption` entries), and ``retouch
self-test`` makes test inputs from the input kinds. A new task is therefore its task
module (spec, engine base class, runner, engines) plus its dialog.

Input kinds: ``"image"`` (int RGB(A) pixels, uint8/uint16), ``"mask"`` (HW bool or
0..255, non-zero = the region the task changes), ``"int"`` (a number such as the upscale
factor; ``choices`` lists every value the task knows, ``engine_values`` names the
engine attribute with the values one engine supports). The output is int pixels of the
first image input's dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

INPUT_KINDS = ("image", "mask", "int")


@dataclass(frozen=True)
class TaskInput:
    """One named input of a task.

    ``label``: the CLI metavar and the UI title (``IN``, ``MASK``, ``STYLE``);
    ``flag``: the CLI option that gives it (``--scale``, ``--mask``), empty for a
    positional file; ``purpose``: for masks, what the white part is for (``fill``), used
    in the "the mask is empty" message.
    """

    name: str
    kind: str
    label: str
    help: str = ""
    required: bool = True
    flag: str = ""
    choices: tuple[int, ...] = ()
    engine_values: str = ""
    purpose: str = ""

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"input {self.name!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class CliOption:
    """A ``retouch <command>`` option that sets one engine parameter.

    ``kind``: ``"int"``, ``"float"`` or ``"flag"`` (store_true). Bounds are checked
    before any work (exit 2): ``minimum``/``maximum`` both set give "must be between",
    ``above`` gives "must be above". ``ignored``: the note printed when the chosen engine
    has no such parameter (fields ``engine``, ``param``, ``flag``).
    """

    flag: str
    param: str
    kind: str = "int"
    metavar: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    ignored: str = "engine {engine!r} has no {param}; {flag} ignored"


@dataclass(frozen=True)
class CliSpec:
    """How a task appears as a ``retouch`` subcommand.

    ``summary``: the line printed on success; fields ``out``, ``width``, ``height``,
    ``engine`` (id), ``mask_pixels`` (set pixels of the mask input, if any) and every int
    input by name. ``presets``: the id prefix of engines that need none of the optional
    image inputs; adds ``--preset NAME`` (``NAME`` or ``<prefix>NAME``).
    ``engine_aliases``: more flags that mean ``--engine`` (``--model``). ``set_params``:
    adds ``--set NAME=VALUE`` (repeatable), any parameter of the chosen engine by name
    (an unknown name is an error naming the known ones).
    """

    command: str
    help: str
    options: tuple[CliOption, ...] = ()
    summary: str = "{out}: {width}x{height} ({engine})"
    presets: str | None = None
    usage_note: str = ""
    engine_aliases: tuple[str, ...] = ()
    set_params: bool = False


@dataclass(frozen=True)
class TaskSpec:
    """One AI task.

    ``engine_class``: the base class of its engines (``engine.task == name``);
    ``method``: the engine method the runner calls (documentation and checks);
    ``run(engine, ctx, **inputs, **params) -> int pixels``: converts at the boundary and
    runs the engine through :func:`ml.runtime.run_with_fallback`; ``run_patch`` (same
    arguments, optional, for tasks whose output has the input's size and changes only a
    region): ``(x, y, int patch)`` of the changed region or None, so a caller that owns
    the pixels pastes it in place instead of receiving a full copy; ``discover()``: engines
    found in the model store (catalog entries, user imports), called by the registry
    when first asked for engines, never at import.
    """

    name: str
    title: str
    engine_class: type
    method: str
    inputs: tuple[TaskInput, ...]
    run: Callable[..., Any]
    output: str = "image"
    description: str = ""
    cli: CliSpec | None = None
    discover: Callable[[], Iterable[Any]] | None = None
    run_patch: Callable[..., Any] | None = None

    def input(self, name: str) -> TaskInput:
        """The input called ``name``; KeyError when the task has none."""
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)
