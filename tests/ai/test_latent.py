"""The latent session's maths and metadata, without Qt (editor.ai.latent)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from editor.ai import latent as al
from editor.document import Document, Rect
from editor.jobs import latent as jl
from editor.jobs.engines import RunContext


def _dir(name: str, vector, scale: float, kind: str = "attribute") -> jl.DirectionInfo:
    v = np.asarray(vector, np.float32)
    return jl.DirectionInfo(name, name.title(), v / np.linalg.norm(v), scale, kind)


def make_spec() -> jl.LatentSpec:
    return jl.LatentSpec(
        "toy", "Toy", jl.KIND_VAE, 3, 8,
        (_dir("smile", [1, 0, 0], 2.0), _dir("hair", [0, 1, 1], 0.5)),
        (_dir("pc1", [0, 0, 1], 1.0, "principal"),),
        ("z0", "z1", "z2"),
    )


def test_current_is_base_plus_scaled_directions_and_reset_returns_to_origin() -> None:
    s = al.LatentSession(make_spec(), np.array([1.0, 2.0, 3.0]))
    s.set_value("smile", 1.5)
    s.set_value("hair", -2.0)
    h = -2.0 * 0.5 / np.sqrt(2)
    np.testing.assert_allclose(s.current, [1.0 + 3.0, 2.0 + h, 3.0 + h], rtol=1e-6)
    s.set_value("pc1", 9.0)  # clamped to the slider's +3
    assert s.values["pc1"] == 3.0
    s.set_entry(0, 10.0)  # a raw edit moves the base, the sliders stay
    assert s.current[0] == pytest.approx(10.0)
    assert s.values["smile"] == 1.5
    s.reset()
    np.testing.assert_array_equal(s.current, [1.0, 2.0, 3.0])
    assert all(v == 0 for v in s.values.values())


def test_interpolation_between_slots() -> None:
    s = al.LatentSession(make_spec(), np.zeros(3))
    with pytest.raises(ValueError, match="both A and B"):
        s.interpolate(0.5)
    s.set_value("smile", 1.0)  # current = (2, 0, 0)
    s.store("A")
    s.reset()
    s.set_entry(2, 4.0)  # current = (0, 0, 4)
    s.store("B")
    assert s.can_interpolate
    s.interpolate(0.25)
    np.testing.assert_allclose(s.current, [1.5, 0.0, 1.0], rtol=1e-6)
    assert all(v == 0 for v in s.values.values())
    s.interpolate(2.0)  # clamped: exactly B
    np.testing.assert_allclose(s.current, [0.0, 0.0, 4.0])
    with pytest.raises(KeyError):
        s.store("C")


def test_metadata_round_trip_through_json_and_a_layer() -> None:
    spec = make_spec()
    s = al.LatentSession(spec, np.array([0.5, -1.0, 0.25]), Rect(3, 4, 20, 10))
    s.set_value("smile", 0.75)
    s.set_value("pc1", -1.0)
    s.set_entry(1, 7.0)
    meta = json.loads(json.dumps(s.metadata()))
    entry = meta[al.METADATA_KEY]
    assert entry["model"] == "toy" and entry["region"] == [3, 4, 20, 10]
    assert entry["values"]["smile"] == 0.75
    doc = Document(32, 32)
    doc.add_layer("bg", np.zeros((32, 32, 4), np.uint8))
    res = al.ApplyResult(np.full((10, 20, 4), 200, np.uint8), 3, 4, meta, "Latent edit")
    layer = al.apply_latent_layer(doc, res)
    assert al.latent_entry(layer.metadata) is not None
    back = al.session_from_metadata(spec, layer.metadata)
    np.testing.assert_allclose(back.current, s.current, rtol=1e-6)
    assert back.values == s.values and back.region == Rect(3, 4, 20, 10)
    back.reset()  # the origin survived too
    np.testing.assert_allclose(back.current, [0.5, -1.0, 0.25], rtol=1e-6)
    doc.undo.undo()
    assert len(doc.layers) == 1
    with pytest.raises(ValueError, match="made with"):
        al.session_from_metadata(jl.LatentSpec("other", "O", jl.KIND_VAE, 3, 8, (), (), ()), meta)
    assert al.latent_entry({"something": 1}) is None


def test_requests_are_copies() -> None:
    s = al.LatentSession(make_spec(), np.zeros(3), Rect(0, 0, 4, 4))
    px = np.zeros((4, 4, 4), np.uint8)
    req = s.apply_request(px)
    px[:] = 9
    s.set_value("smile", 1.0)
    assert req.pixels.max() == 0 and req.latent.max() == 0
    assert s.preview_request().latent[0] == pytest.approx(2.0)


def test_builtin_vae_encode_preview_apply() -> None:
    if jl.list_models()[0].reason:
        pytest.skip("the built-in latent model is not installed")
    rng = np.random.default_rng(0)
    px = np.concatenate([rng.integers(0, 255, (40, 30, 3)), np.full((40, 30, 1), 255)], 2)
    px = px.astype(np.uint8)
    ctx = RunContext()
    res = al.run_encode_request(al.EncodeRequest(jl.VAE_ID, px, Rect(5, 6, 30, 40)), ctx)
    assert res.spec.latent_dim == res.latent.size
    names = [d.name for d in res.spec.directions]
    assert "smile" in names and len(res.spec.principal) == jl.PRINCIPAL_SLIDERS
    s = al.LatentSession(res.spec, res.latent, res.region)
    before = al.run_preview_request(s.preview_request(), ctx).image
    s.set_value("smile", 3.0)
    after = al.run_preview_request(s.preview_request(), ctx).image
    assert before.shape == (res.spec.resolution, res.spec.resolution, 3)
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 1.0
    out = al.run_apply_request(s.apply_request(px), ctx)
    assert out.pixels.shape == px.shape and (out.x, out.y) == (5, 6)
    assert out.pixels[20, 15, 3] == 255 and out.pixels[0, 0, 3] == 0  # feathered border
    assert out.metadata[al.METADATA_KEY]["values"]["smile"] == 3.0


def test_a_trained_model_is_offered_and_applied_as_a_low_frequency_change(tmp_path):
    import shutil

    import numpy as np

    from editor.jobs import latent as jl
    from ml.latent.builtin import builtin_path
    from ml.types import RunContext

    folder = jl.trained_models_dir() / "my-faces"
    shutil.copytree(builtin_path(), folder)
    assert "my-faces" in [m.id for m in jl.list_models()]
    assert jl.model_kind("my-faces") == jl.KIND_VAE
    rng = np.random.default_rng(0)
    photo = np.dstack([rng.integers(0, 256, (48, 40, 3), dtype=np.uint8),
                       np.full((48, 40), 255, np.uint8)])
    z = jl.encode_region("my-faces", photo, RunContext())
    same = jl.replace_region("my-faces", photo, z, None, 2.0, RunContext(), base=z)
    inner = (slice(8, 40), slice(8, 32))
    # no change of latent: the photo itself, its noise-like detail kept
    assert np.abs(same[inner][..., :3].astype(int) - photo[inner][..., :3]).max() <= 1
    drawn = jl.replace_region("my-faces", photo, z, None, 2.0, RunContext())
    assert np.abs(drawn[inner][..., :3].astype(int) - photo[inner][..., :3]).mean() > 20
