"""Optimisation inversion (loss falls, progress, preview, cancel) and the direction files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.latent.base import Direction
from ml.portrait.directions import (
    GANSPACE_EDITS,
    ganspace_directions,
    interfacegan_direction,
    user_directions,
    wplus_vector,
)
from ml.portrait.invert import invert, reconstruction_loss
from ml.portrait.model import load_from_store, load_portrait
from ml.types import Cancelled, CancelToken, EngineError, EngineUnavailable, RunContext
from tests.ml.portrait.checkpoints import (
    NARROW_STYLE,
    ganspace_file,
    install,
    interfacegan_file,
    stylegan_file,
)


@pytest.fixture
def model(tmp_path):
    return load_portrait(stylegan_file(tmp_path / "g.pt", size=32, seed=1))


def test_inversion_loss_falls_and_reports_progress_with_previews(model):
    target = model.decode(model.sample(1, seed=7))  # a face the generator can make
    history: list[float] = []
    reports = []
    ctx = RunContext(progress=reports.append)
    z = invert(model, target, ctx, steps=40, lr=0.05, history=history, preview_every=10)
    assert z.shape == (1, model.latent_dim)
    assert len(history) == 40
    assert np.mean(history[-5:]) < 0.6 * history[0]
    assert reports[-1].fraction == 1.0 and "40/40" in reports[-1].stage
    previews = [r.preview for r in reports if r.preview is not None]
    assert len(previews) == 5 and previews[0].shape == (32, 32, 3)
    assert all("loss" in r.payload for r in reports)
    # the result renders closer to the target than the mean face does
    err = np.abs(model.decode(z) - target).mean()
    assert err < np.abs(model.decode(model.average_latent()[None]) - target).mean()


def test_inversion_stops_when_cancelled_and_leaves_the_weights_frozen_state_alone(model):
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p)
        if len(seen) == 3:
            token.cancel()

    flags = [p.requires_grad for p in model.generator.parameters()]
    with pytest.raises(Cancelled):
        invert(model, model.decode(model.sample(1)), RunContext(progress, token), steps=50)
    assert len(seen) == 3
    assert [p.requires_grad for p in model.generator.parameters()] == flags


def test_the_reconstruction_loss_is_zero_only_for_equal_images():
    x = torch.rand(1, 3, 16, 16)
    assert float(reconstruction_loss(x, x)) == 0.0
    assert float(reconstruction_loss(x, x.flip(-1))) > 0.05


def test_interfacegan_w_and_w_plus_directions_move_every_row_by_factor(model):
    n, d = model.n_latent, model.style_dim
    raw = torch.randn(1, d)
    age = interfacegan_direction(raw, "age", n, d)
    z = model.average_latent()
    moved = age.apply(z, 2.0).reshape(n, d)
    np.testing.assert_allclose(moved - z.reshape(n, d), np.tile(2 * raw.numpy(), (n, 1)),
                               rtol=1e-4, atol=1e-5)
    pose = interfacegan_direction(torch.randn(1, n, d), "pose", n, d)
    assert pose.vector.shape == (n * d,) and pose.title == "Pose"
    with pytest.raises(EngineError, match="18 W\\+ rows; the generator has 8 rows"):
        interfacegan_direction(torch.randn(1, 18, d), "pose", n, d)


def test_ganspace_edits_touch_only_their_layer_range_and_skip_what_does_not_fit(tmp_path, model):
    data = torch.load(ganspace_file(tmp_path / "pca.pt"), weights_only=True)
    dirs, skipped = ganspace_directions(data, model.n_latent, model.style_dim)
    names = {d.name for d in dirs}
    # 32 px: 8 W+ rows, so white_hair (rows 7-10) keeps row 7 and all fit
    assert names == set(GANSPACE_EDITS)
    glasses = next(d for d in dirs if d.name == "glasses")
    rows = glasses.vector.reshape(model.n_latent, -1)
    assert np.abs(rows[:4]).sum() > 0 and np.abs(rows[4:]).sum() == 0
    # one unit is one standard deviation of the component, on each edited row
    step = glasses.apply(np.zeros(model.latent_dim, np.float32), 1.0).reshape(model.n_latent, -1)
    comp = data["comp"][12, 0].numpy()
    np.testing.assert_allclose(step[0], float(data["std"][12]) * comp, rtol=1e-4, atol=1e-6)
    dirs, skipped = ganspace_directions(data, 6, model.style_dim)
    assert "eye_openness" not in {d.name for d in dirs}
    assert any("eye_openness" in s and "beyond" in s for s in skipped)


def test_directions_learned_with_the_latent_tool_are_used_where_their_size_fits(tmp_path, model):
    from ml.train.directions import save_directions

    w = Direction("beard", np.random.default_rng(0).standard_normal(NARROW_STYLE), 2.0)
    other = Direction("other", np.ones(5), 1.0)

    class Fake:
        id, latent_dim = "x", NARROW_STYLE

    save_directions(tmp_path / "dirs" / "beard.json", Fake(), {"beard": w, "other": other})
    found, skipped = user_directions(model.n_latent, model.style_dim, tmp_path / "dirs")
    assert [d.name for d in found] == ["beard"]
    assert any("other" in s and "5 values" in s for s in skipped)
    # same step per row as the W direction had
    step = found[0].apply(np.zeros(model.latent_dim, np.float32), 1.0).reshape(model.n_latent, -1)
    np.testing.assert_allclose(step[3], 2.0 * w.vector, rtol=1e-5, atol=1e-6)


def test_wplus_vector_refuses_a_shape_it_cannot_place():
    with pytest.raises(EngineError, match="7 values"):
        wplus_vector(np.ones(7), 4, 8)


def test_the_store_pack_loads_with_its_installed_directions(tmp_path):
    with pytest.raises(EngineUnavailable, match="not installed"):
        load_from_store()
    install("stylegan2-ffhq-1024", stylegan_file(tmp_path / "g.pt", size=32))
    install("e4e-direction-age", interfacegan_file(tmp_path / "age.pt"))
    install("e4e-direction-pose", interfacegan_file(tmp_path / "pose.pt", rows=18))
    install("ganspace-ffhq-pca", ganspace_file(tmp_path / "pca.pt"))
    model = load_from_store()
    assert model.encoder is None
    assert "age" in model.directions and "glasses" in model.directions
    assert "pose" not in model.directions
    assert any(s.startswith("pose:") and "18 W+ rows" in s for s in model.info["skipped"])
    z = model.edit(model.average_latent(), {"age": 1.5, "glasses": -1.0})
    assert z.shape == (1, model.latent_dim)
