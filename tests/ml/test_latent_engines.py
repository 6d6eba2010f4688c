"""The ``latent`` task: its spec, the built-in engines, trained models found in the data dir."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.engines import REGISTRY
from ml.engines.latent import (
    CartoonVAEEngine,
    FaceShapeEngine,
    LatentEngine,
    TrainedLatentEngine,
    latent_models_dir,
    register_trained,
)
from ml.runtime import run_task
from ml.types import EngineError, RunContext

ASTRONAUT = Path(__file__).parent / "face" / "data" / "astronaut.jpg"


def cartoon_scene() -> tuple[np.ndarray, np.ndarray]:
    """A 64² cartoon face on a 96×128 grey canvas, and a mask over the face."""
    from ml.data.cartoon_faces import render_face, sample_attributes

    attrs = {k: float(v[0]) for k, v in sample_attributes(1, seed=3).items()}
    attrs["smile"] = -0.5
    img = np.full((96, 128, 3), 40, np.uint8)
    img[16:80, 32:96] = render_face(attrs, size=64)
    mask = np.zeros((96, 128), bool)
    mask[16:80, 32:96] = True
    return img, mask


def test_spec_is_registered_with_its_cli():
    spec = REGISTRY.spec("latent")
    assert spec.engine_class is LatentEngine and spec.method == "edit"
    assert spec.cli.command == "edit" and spec.cli.set_params
    assert "--model" in spec.cli.engine_aliases
    assert not spec.input("mask").required
    ids = [e.id for e in REGISTRY.engines("latent")]
    assert ids[:2] == ["cartoon-faces-vae", "face-shape"]


def test_direction_params_are_floats_in_three_steps():
    vae = REGISTRY.get("cartoon-faces-vae", "latent")
    names = [p.name for p in vae.params]
    assert {"smile", "glasses", "hair", "pc1"} <= set(names)
    for p in vae.params:
        assert (p.kind, p.minimum, p.maximum, p.default) == ("float", -3.0, 3.0, 0.0)
    assert "smile" in [p.name for p in FaceShapeEngine().params]


def test_cartoon_vae_edits_inside_the_mask_only():
    img, mask = cartoon_scene()
    vae = CartoonVAEEngine()
    plain = run_task("latent", vae, RunContext(), image=img, mask=mask)
    smiling = run_task("latent", vae, RunContext(), image=img, mask=mask, smile=2.0)
    assert smiling.dtype == np.uint8 and smiling.shape == img.shape
    assert np.array_equal(smiling[~mask], img[~mask])
    diff = np.abs(smiling.astype(int) - plain.astype(int))[mask]
    assert diff.mean() > 2.0  # the direction changed the redrawn face


def test_unknown_direction_is_an_error():
    img, mask = cartoon_scene()
    with pytest.raises(EngineError, match="grin"):
        run_task("latent", CartoonVAEEngine(), RunContext(), image=img, mask=mask, grin=1.0)


def test_face_shape_moves_only_the_face():
    img = np.asarray(Image.open(ASTRONAUT).convert("RGB"))
    out = run_task("latent", FaceShapeEngine(), RunContext(), image=img, smile=2.0)
    changed = np.any(out != img, axis=2)
    assert changed.sum() > 100
    ys, xs = np.nonzero(changed)
    # the astronaut's face: the changed box is a small part of the 512² photo
    assert (xs.max() - xs.min()) * (ys.max() - ys.min()) < 0.15 * img.shape[0] * img.shape[1]


def test_trained_models_are_discovered_and_applied_as_a_delta():
    import shutil

    from ml.latent.builtin import builtin_path

    # a trained model is any latent model folder under the data dir: the built-in one,
    # copied there, changes visibly (a one-epoch model's change rounds away)
    folder = latent_models_dir() / "my-faces"
    shutil.copytree(builtin_path(), folder)
    (latent_models_dir() / "not-a-model").mkdir()
    found = register_trained()
    assert [e.id for e in found] == ["my-faces"]
    engine = REGISTRY.get("my-faces", "latent")
    assert isinstance(engine, TrainedLatentEngine) and engine.folder == folder
    assert {"smile", "pc1"} <= {p.name for p in engine.params}
    img, mask = cartoon_scene()
    out = run_task("latent", engine, RunContext(), image=img, mask=mask, smile=3.0)
    assert np.array_equal(out[~mask], img[~mask])
    assert np.abs(out.astype(int) - img.astype(int))[mask].max() > 10
    shutil.rmtree(folder)
    assert register_trained() == []


def test_face_shape_at_zero_needs_no_face():
    blank = np.full((40, 48, 3), 128, np.uint8)
    out = run_task("latent", FaceShapeEngine(), RunContext(), image=blank)
    assert np.array_equal(out, blank)
    with pytest.raises(EngineError, match="no face"):
        run_task("latent", FaceShapeEngine(), RunContext(), image=blank, smile=1.0)
