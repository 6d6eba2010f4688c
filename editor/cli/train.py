"""``retouch train vae|gan DATA_DIR --out MODEL`` and ``retouch train directions MODEL
LABELS.csv --out FILE``: the latent-model trainers of :mod:`ml.train.latent` and
:mod:`ml.train.directions` (their options, their functions), with the CLI's exit codes:
a folder without enough images, a CSV naming missing files, a checkpoint from other
settings → ``error: ...`` exit 2; Ctrl+C → the checkpoint is saved, exit 130 (run the
same command again to resume). One progress line per report.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from editor.cli.common import CliError, out, resolve_device

#: the ml.train.latent options the subcommand takes (the rest keep their defaults there)
_TRAIN_OPTIONS = ("--size", "--latent", "--epochs", "--batch", "--lr", "--base",
                  "--kl-weight", "--seed", "--threads", "--half", "--name", "--id",
                  "--report-every")


def _copy_options(source: argparse.ArgumentParser, target: argparse.ArgumentParser,
                  flags: tuple[str, ...]) -> None:
    """Copy the named options of ``source`` (ml.train.latent.build_parser) onto ``target``."""
    for action in source._actions:
        if not action.option_strings or action.option_strings[0] not in flags:
            continue
        kwargs: dict[str, Any] = {"dest": action.dest, "default": action.default,
                                  "help": action.help}
        if isinstance(action, argparse._StoreTrueAction):
            kwargs["action"] = "store_true"
        else:
            kwargs.update(type=action.type, choices=action.choices, metavar=action.metavar)
        target.add_argument(*action.option_strings, **kwargs)


def add_train_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``train`` with its three subcommands, on the subparsers ``sub``."""
    from ml.train.latent import build_parser

    train = sub.add_parser("train", parents=[common], help="train a latent model or its "
                           "attribute directions")
    kinds = train.add_subparsers(dest="train_kind", metavar="KIND")
    source = build_parser()
    for kind, text in (("vae", "train a VAE on a folder of images"),
                       ("gan", "train a DCGAN on a folder of images")):
        s = kinds.add_parser(kind, parents=[common], help=text,
                             description=f"{text}; the same --out again resumes it")
        s.add_argument("data", metavar="DATA_DIR", help="folder of training images")
        s.add_argument("--out", required=True, metavar="MODEL",
                       help="model folder to write (resumes from its checkpoint)")
        _copy_options(source, s, _TRAIN_OPTIONS)
        s.set_defaults(handler=cmd_train_model, kind=kind)
    s = kinds.add_parser("directions", parents=[common],
                         help="learn attribute directions from labelled images")
    s.add_argument("model", metavar="MODEL", help="latent model folder")
    s.add_argument("labels", metavar="LABELS.csv",
                   help="CSV: column 'file' + one column per attribute")
    s.add_argument("--out", required=True, metavar="FILE", help="directions JSON to write")
    s.add_argument("--images", metavar="DIR", help="image folder (default: the CSV's)")
    s.add_argument("--raw", action="store_true", help="no conditioning on the other "
                   "attributes")
    s.add_argument("--columns", default="", help="comma-separated subset of attributes")
    s.add_argument("--into-model", action="store_true", help="also store them in the model")
    s.set_defaults(handler=cmd_train_directions)
    train.set_defaults(handler=_need_kind)


def _need_kind(args) -> int:
    raise CliError("name what to train: retouch train vae|gan|directions ...")


def _progress_line(start: float):
    def progress(p: Any) -> None:
        out(f"[{p.fraction * 100:5.1f}%] {p.stage} ({time.perf_counter() - start:.0f}s)")

    return progress


def cmd_train_model(args) -> int:
    """``retouch train vae|gan DATA_DIR --out MODEL [...]``."""
    from ml.train.latent import LatentTrainConfig, train_gan, train_vae
    from ml.types import Cancelled, EngineError, RunContext

    data = Path(args.data)
    if not data.is_dir():
        raise CliError(f"{args.data}: not a folder")
    config = LatentTrainConfig.from_dict(vars(args))
    if config.epochs < 1:
        raise CliError(f"--epochs must be at least 1, not {config.epochs}")
    if config.latent < 1:
        raise CliError(f"--latent must be at least 1, not {config.latent}")
    device = resolve_device(args.device)
    start = time.perf_counter()
    ctx = RunContext(progress=_progress_line(start), device=device)
    trainer = train_vae if args.kind == "vae" else train_gan
    try:
        result = trainer(data, args.out, config, ctx)
    except (KeyboardInterrupt, Cancelled):
        raise CliError(f"cancelled; the checkpoint is saved: run the same command again to "
                       f"resume {args.out}", code=130) from None
    except EngineError as exc:
        raise CliError(str(exc)) from None
    out(f"saved {result.out} ({result.epochs} epochs, {result.seconds:.0f}s)")
    return 0


def cmd_train_directions(args) -> int:
    """``retouch train directions MODEL LABELS.csv --out FILE [...]``."""
    from ml.latent.io import load_latent_model, save_latent_model
    from ml.train.directions import learn_from_csv, save_directions
    from ml.types import EngineError, RunContext

    if not Path(args.labels).is_file():
        raise CliError(f"{args.labels}: no such file")
    device = resolve_device(args.device)
    try:
        model = load_latent_model(args.model, device=device)
        cols = [c.strip() for c in args.columns.split(",") if c.strip()] or None
        dirs = learn_from_csv(model, args.labels, args.images, not args.raw, cols,
                              RunContext(progress=_progress_line(time.perf_counter()),
                                         device=device))
        save_directions(args.out, model, dirs)
        if args.into_model:
            model.set_directions({**model.directions, **dirs})
            save_latent_model(model, args.model, half=True)
    except EngineError as exc:
        raise CliError(str(exc)) from None
    for d in dirs.values():
        fit = ", ".join(f"{k} {v:.3f}" for k, v in d.metrics.items())
        out(f"{d.name}: scale {d.scale:.3f} ({fit})")
    out(f"saved {args.out}")
    return 0
