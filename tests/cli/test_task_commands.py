"""A task spec registered at run time gets a working ``retouch`` subcommand: the CLI is
generated from the spec, with no edit to editor/cli."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.cli import main
from ml.engines import REGISTRY, CliOption, CliSpec, Engine, TaskInput, TaskSpec
from ml.types import Param


class TintEngine(Engine):
    """The engine base class of a made-up task: tint an image towards a colour image."""

    task = "cli-test-tint"

    def tint(self, image, colour, ctx, **params):
        raise NotImplementedError


class Blend(TintEngine):
    id = "cli-test-blend"
    name = "Blend (test)"
    params = (Param("amount", "Amount", "float", 1.0, 0.0, 1.0),)

    def tint(self, image, colour, ctx, **params):
        ctx.report(1.0, "tinting")
        return image * (1 - params["amount"]) + colour * params["amount"]


def run_tint(engine, ctx, image, colour, levels, **params):
    """The made-up task's runner, built from the runtime's public helpers."""
    from ml.imageconv import to_engine
    from ml.runtime import check_engine, run_image

    check_engine(engine, SPEC)
    colour_rgb, _ = to_engine(colour)
    resolved = engine.resolve_params(params)
    step = 1.0 / (levels - 1)
    return run_image(engine, image, ctx, lambda rgb, c: np.round(
        engine.tint(rgb, colour_rgb, c, **resolved) / step) * step)


SPEC = TaskSpec(
    name="cli-test-tint",
    title="Tint",
    engine_class=TintEngine,
    method="tint",
    inputs=(
        TaskInput("image", "image", "IN"),
        TaskInput("colour", "image", "COLOUR"),
        TaskInput("levels", "int", "levels", flag="--levels", choices=(2, 256),
                  engine_values="levels"),
    ),
    run=run_tint,
    cli=CliSpec("tint", "tint an image towards another",
                options=(CliOption("--amount", "amount", "float", "0..1",
                                   minimum=0.0, maximum=1.0),),
                summary="{out}: tinted {width}x{height} with {engine} ({levels} levels)"),
)


@pytest.fixture
def tint_task():
    REGISTRY.add_task(SPEC)
    engine = Blend()
    engine.levels = (2, 256)
    REGISTRY.register(engine)
    yield engine  # the registry fixture in tests/conftest.py takes both away again


def _png(path: Path, value: int) -> Path:
    Image.fromarray(np.full((6, 8, 4), value, np.uint8)).save(path)
    return path


def test_a_registered_spec_gets_a_working_subcommand(tmp_path, tint_task, capsys):
    src, colour = _png(tmp_path / "a.png", 0), _png(tmp_path / "c.png", 255)
    out = tmp_path / "o.png"
    assert main(["tint", str(src), str(colour), str(out), "--engine", Blend.id,
                 "--amount", "0.5"]) == 0
    assert capsys.readouterr().out.strip() == f"{out}: tinted 8x6 with {Blend.id} (256 levels)"
    px = np.asarray(Image.open(out))
    assert px.shape == (6, 8, 4) and abs(int(px[0, 0, 0]) - 128) <= 1
    assert main(["tint", str(src), str(colour), str(out), "--levels", "2",
                 "--amount", "0.4"]) == 0  # the task's default engine
    assert np.asarray(Image.open(out))[0, 0, 0] == 0  # 0.4 rounds down at 2 levels


def test_the_generated_subcommand_checks_its_options_and_files(tmp_path, tint_task, capsys):
    src, colour = _png(tmp_path / "a.png", 0), _png(tmp_path / "c.png", 255)
    out = tmp_path / "o.png"
    assert main(["tint", str(src), str(colour), str(out), "--amount", "3"]) == 2
    assert "--amount must be between 0 and 1, not 3.0" in capsys.readouterr().err
    assert main(["tint", str(src), str(out)]) == 2  # COLOUR missing: one file short
    assert "arguments are required: OUT" in capsys.readouterr().err
    assert main(["tint", str(src), str(colour), str(colour)]) == 2
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert not out.exists()
    assert main(["--help"]) == 0
    assert "tint an image towards another" in capsys.readouterr().out


def test_the_generated_subcommand_goes_when_its_spec_goes(tmp_path, capsys):
    assert "cli-test-tint" not in REGISTRY.tasks()
    code = main(["tint", str(tmp_path / "a.png")])
    # without the spec, "tint" is not a command: a word that is not a file is refused
    assert code == 2 and "not a file or a command" in capsys.readouterr().err


def test_self_test_makes_inputs_for_the_new_task_from_its_spec(tint_task, capsys):
    assert main(["self-test", "--device", "cpu", "--only", Blend.id]) == 0
    assert f"ok   cli-test-tint/{Blend.id}" in capsys.readouterr().out


def test_the_jobs_bridge_runs_the_new_task_too(tint_task):
    from editor.jobs.engines import RunContext, run_task_pixels

    img = np.zeros((3, 4, 4), np.uint16)
    colour = np.full((3, 4, 4), 65535, np.uint16)
    out = run_task_pixels("cli-test-tint", Blend.id, RunContext(), image=img, colour=colour,
                          levels=256, amount=1.0)
    assert out.dtype == np.uint16 and int(out[..., 0].min()) == 65535


def test_ora_warnings_of_open_document_are_printed(tmp_path, monkeypatch, capsys):
    # open_document reports problems it worked around through a ``warnings`` list once
    # editor.io has that keyword; the CLI prints each as "warning: ..."
    import editor.io

    real = editor.io.open_document
    src = tmp_path / "in.png"
    Image.fromarray(np.zeros((4, 4, 4), np.uint8)).save(src)
    ora = tmp_path / "in.ora"
    assert main(["convert", str(src), str(ora)]) == 0

    def open_document(path, warnings=None):
        doc = real(path)
        if warnings is not None:
            warnings.append("layer 'x': unknown blend mode svg:foo, drawn as normal")
        return doc

    monkeypatch.setattr(editor.io, "open_document", open_document)
    capsys.readouterr()
    assert main(["upscale", str(ora), str(tmp_path / "o.png"), "--engine", "lanczos",
                 "--scale", "2"]) == 0
    err = capsys.readouterr().err
    assert "warning: layer 'x': unknown blend mode svg:foo, drawn as normal" in err
