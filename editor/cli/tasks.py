"""The AI task subcommands, generated from the task specs (:mod:`ml.taskspec`), and
``retouch engines``.

For every registered :class:`~ml.taskspec.TaskSpec` with a ``cli`` part this builds one
subcommand: its image and mask inputs without a flag are positional files (``IN``,
``MASK``, ``[STYLE]`` when optional) followed by ``OUT``; inputs with a flag become
options (``--scale`` from an int input, ``--mask FILE``); ``--engine ID``, ``--preset``
when the spec names presets, and one option per :class:`~ml.taskspec.CliOption`. The one
handler, :func:`run_task_command`, checks everything it can before any work (exit 2),
reads the inputs, runs :func:`ml.runtime.run_task` and writes OUT. A task module that
declares a spec therefore gets its ``retouch`` subcommand without a change here.
"""

from __future__ import annotations

import argparse
import functools
import json
from typing import Any

import numpy as np

from editor.cli.common import (
    CliError,
    ProgressPrinter,
    check_not_same,
    check_writable,
    context,
    engine_params,
    find_engine,
    note,
    out,
    read_image,
    read_mask,
    resolve_device,
    run_work,
    write_image,
)


def task_specs() -> list[Any]:
    """Every registered task spec that has a subcommand."""
    from ml.engines import REGISTRY

    return [s for s in REGISTRY.specs() if s.cli is not None]


def task_commands() -> tuple[str, ...]:
    """The subcommand names of the task specs (``upscale``, ``inpaint``, ``stylize``...)."""
    return tuple(s.cli.command for s in task_specs())


def _files(spec) -> list[Any]:
    """The inputs given as positional files, in order."""
    return [i for i in spec.inputs if i.kind in ("image", "mask") and not i.flag]


def _usage_words(spec) -> str:
    return " ".join(i.label if i.required else f"[{i.label}]" for i in _files(spec)) + " OUT"


def _dest(kind: str, name: str) -> str:
    return f"{kind}_{name}"


_TYPES = {"int": int, "float": float}


def add_task_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add one subparser per task spec to ``sub`` (``parents=[common]``)."""
    for spec in task_specs():
        cli = spec.cli
        files = _files(spec)
        if any(not i.required for i in files):
            words = _usage_words(spec)
            s = sub.add_parser(cli.command, parents=[common], help=cli.help,
                               usage=f"retouch {cli.command} {words} [options]")
            s.add_argument("paths", nargs="+", metavar=words)
        else:
            s = sub.add_parser(cli.command, parents=[common], help=cli.help)
            for item in files:
                s.add_argument(_dest("in", item.name), metavar=item.label,
                               help=item.help or None)
            s.add_argument("output", metavar="OUT")
        for item in spec.inputs:
            if not item.flag:
                continue
            if item.kind == "int":
                s.add_argument(item.flag, type=int, choices=item.choices or None,
                               dest=_dest("in", item.name), help=item.help or None)
            else:
                s.add_argument(item.flag, metavar=item.label, dest=_dest("in", item.name),
                               help=item.help or None)
        s.add_argument("--engine", *cli.engine_aliases, metavar="ID", dest="engine")
        if cli.set_params:
            s.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                           dest="set_params", type=_name_value,
                           help="set one engine parameter (repeatable; see retouch engines)")
        if cli.presets is not None:
            s.add_argument("--preset", metavar="NAME",
                           help="a preset engine by name (one that needs no "
                                + "/".join(i.label for i in files if not i.required) + ")")
        for opt in cli.options:
            if opt.kind == "flag":
                s.add_argument(opt.flag, action="store_true", default=None,
                               dest=_dest("param", opt.param), help=opt.help or None)
            else:
                s.add_argument(opt.flag, type=_TYPES[opt.kind], metavar=opt.metavar or None,
                               dest=_dest("param", opt.param), help=opt.help or None)
        s.set_defaults(handler=functools.partial(run_task_command, spec))


def _positional_paths(spec, args) -> tuple[dict[str, str | None], str]:
    """``{input name: path or None}`` and OUT from the parsed positionals."""
    files = _files(spec)
    if not hasattr(args, "paths"):
        return {i.name: getattr(args, _dest("in", i.name)) for i in files}, args.output
    paths = list(args.paths)
    required = sum(1 for i in files if i.required)
    extra = len(paths) - 1 - required
    if extra < 0 or extra > len(files) - required:
        note_text = f" ({spec.cli.usage_note})" if spec.cli.usage_note else ""
        raise CliError(f"usage: retouch {spec.cli.command} {_usage_words(spec)}{note_text}")
    given: dict[str, str | None] = {}
    rest = iter(paths[:-1])
    for item in files:
        if item.required:
            given[item.name] = next(rest)
        elif extra > 0:
            given[item.name] = next(rest)
            extra -= 1
        else:
            given[item.name] = None
    return given, paths[-1]


def _preset_engine(spec, name: str) -> str:
    """The engine id for ``--preset NAME`` (``NAME`` or ``<prefix>NAME``)."""
    from ml import engines as registry

    prefix = spec.cli.presets or ""
    optional = [i.name for i in spec.inputs if i.kind == "image" and not i.required]
    presets = [e.id for e in registry.engines(spec.name)
               if optional and not any(e.needs_input(n) for n in optional)]
    for candidate in (name, f"{prefix}{name}"):
        if candidate in presets:
            return candidate
    names = ", ".join(p.removeprefix(prefix) for p in presets) or "none"
    raise CliError(f"unknown preset {name!r}; known: {names}")


def _name_value(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` as ``(NAME, VALUE)`` (argparse type of ``--set``)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name.strip(), value.strip()


def _set_params(engine, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The ``--set`` values checked against the engine's parameters (CliError, exit 2:
    an unknown name, with the known ones, or a value out of range)."""
    known = {p.name: p for p in engine.params}
    chosen: dict[str, Any] = {}
    for name, value in pairs:
        if name not in known:
            names = ", ".join(known) or "none"
            raise CliError(f"engine {engine.id!r} has no parameter {name!r} "
                           f"(known: {names})")
        try:
            chosen[name] = known[name].coerce(value)
        except ValueError as exc:
            raise CliError(f"--set {name}={value}: {exc}") from None
    return chosen


def _check_bounds(opt, value: Any) -> None:
    if value is None or opt.kind == "flag":
        return
    low, high = opt.minimum, opt.maximum
    if low is not None and high is not None and not low <= value <= high:
        raise CliError(f"{opt.flag} must be between {low:g} and {high:g}, not {value}")
    if opt.above is not None and not value > opt.above:
        raise CliError(f"{opt.flag} must be above {opt.above:g}, not {value}")


def run_task_command(spec, args) -> int:
    """The handler of every task subcommand (see the module docstring)."""
    cli = spec.cli
    paths, output = _positional_paths(spec, args)
    for item in spec.inputs:
        if item.flag and item.kind != "int":
            paths[item.name] = getattr(args, _dest("in", item.name))
    engine_id = args.engine
    if cli.presets is not None and getattr(args, "preset", None):
        preset_id = _preset_engine(spec, args.preset)
        if engine_id is not None and engine_id != preset_id:
            raise CliError(f"--preset {args.preset} is the engine {preset_id!r}; leave out "
                           f"--engine {engine_id}")
        engine_id = preset_id
    engine = find_engine(spec.name, engine_id)
    for item in _files(spec):
        if paths.get(item.name) is None and engine.needs_input(item.name):
            words = " ".join(i.label for i in _files(spec))
            raise CliError(f"engine {engine.id!r} needs a {item.label} image: "
                           f"retouch {cli.command} {words} OUT")
    numbers: dict[str, int] = {}
    for item in spec.inputs:
        if item.kind != "int":
            continue
        allowed = tuple(getattr(engine, item.engine_values, ()) or item.choices)
        value = getattr(args, _dest("in", item.name), None)
        if value is None:
            value = max(allowed)
        if value not in allowed:
            raise CliError(f"engine {engine.id!r} supports {item.name} "
                           f"{', '.join(map(str, allowed))}, not {value}")
        numbers[item.name] = int(value)
    chosen = {}
    for opt in cli.options:
        value = getattr(args, _dest("param", opt.param))
        _check_bounds(opt, value)
        chosen[opt.param] = value
    given = [paths[i.name] for i in spec.inputs if paths.get(i.name)]
    check_not_same(given, output)
    check_writable(output)
    params = engine_params(engine, chosen)
    if cli.set_params:
        params.update(_set_params(engine, getattr(args, "set_params", None) or []))
    for opt in cli.options:
        if chosen[opt.param] is not None and opt.param not in params:
            note(opt.ignored.format(engine=engine.id, param=opt.param, flag=opt.flag))
    inputs: dict[str, Any] = dict(numbers)
    first = next(i for i in spec.inputs if i.kind == "image")
    pixels, meta = read_image(paths[first.name])
    inputs[first.name] = pixels
    mask_pixels = None
    for item in spec.inputs:
        path = paths.get(item.name)
        if item is first or item.kind == "int" or path is None:
            continue
        if item.kind == "image":
            inputs[item.name] = read_image(path)[0]
        else:
            inputs[item.name] = read_mask(path, paths[first.name], pixels.shape,
                                          item.purpose or "change")
            mask_pixels = int(inputs[item.name].sum())
    printer = ProgressPrinter()
    ctx = context(args.device, printer, engine)
    del pixels
    result = run_work(lambda: _run(spec, engine, ctx, inputs, params), printer)
    inputs.clear()  # the mask and other inputs are not needed for writing
    write_image(result, output, meta)
    out(cli.summary.format(out=output, width=result.shape[1], height=result.shape[0],
                           engine=engine.id, mask_pixels=mask_pixels, **numbers))
    return 0


def _run(spec, engine, ctx, inputs: dict[str, Any], params: dict[str, Any]) -> np.ndarray:
    """The task's result. A task that changes a region only (``spec.run_patch``) gets its
    patch pasted into the decoded pixels in place: no second full-size image."""
    from ml.runtime import paste_patch, run_task, run_task_patch

    if spec.run_patch is None:
        return run_task(spec, engine, ctx, **inputs, **params)
    first = next(i for i in spec.inputs if i.kind == "image")
    pixels = inputs[first.name]
    if not pixels.flags.writeable:
        pixels = inputs[first.name] = pixels.copy()
    return paste_patch(pixels, run_task_patch(spec, engine, ctx, **inputs, **params))


def cmd_engines(args) -> int:
    """``retouch engines``: every engine, its task and whether it can run here."""
    from ml import engines as registry
    from ml.devices import device_label

    dev = resolve_device(args.device)
    rows = []
    for e in registry.engines():
        reason = e.available()
        rows.append({
            "id": e.id, "name": e.name, "task": e.task, "available": reason is None,
            "reason": reason or "", "model_id": e.model_id, "device_policy": e.device_policy,
            "scales": list(getattr(e, "scales", ())) or None,
            "live_preview": bool(e.live_preview),
            "params": [{"name": p.name, "kind": p.kind, "default": p.default,
                        "min": p.minimum, "max": p.maximum, "choices": list(p.choices)}
                       for p in e.params],
        })
    if args.json:
        out(json.dumps({"device": dev, "device_label": device_label(dev), "engines": rows},
                       indent=2))
        return 0
    out(f"device: {device_label(dev)}")
    if not rows:
        out("no engines are registered")
    for r in rows:
        state = "ok " if r["available"] else "n/a"
        extra = "" if r["available"] else f"  ({r['reason']})"
        out(f"{state} {r['task']:<8} {r['id']:<28} {r['name']}{extra}")
    return 0


def test_inputs(spec, engine, image: np.ndarray) -> dict[str, Any]:
    """Small inputs for one run of ``engine`` (``retouch self-test``), from the input
    kinds: ``image`` for the first image, a mirrored copy for other required images
    (a 32×32 one for optional images the engine needs, e.g. a style), a rectangle for a
    required mask, the smallest supported number."""
    inputs: dict[str, Any] = {}
    first = True
    for item in spec.inputs:
        if item.kind == "image":
            if first:
                inputs[item.name] = image
                first = False
            elif item.required:
                inputs[item.name] = image[:, ::-1].copy()
            elif engine.needs_input(item.name):
                inputs[item.name] = image[:32, :32][:, ::-1].copy()
        elif item.kind == "mask" and item.required:
            mask = np.zeros(image.shape[:2], bool)
            mask[12:24, 16:30] = True
            inputs[item.name] = mask
        elif item.kind == "int":
            allowed = tuple(getattr(engine, item.engine_values, ()) or item.choices)
            inputs[item.name] = min(allowed)
    return inputs
