"""The shipped cartoon-face VAE: it loads, reconstructs, and its directions edit the
attribute they are named after while the others stay put (judged on decoded images)."""

from __future__ import annotations

import numpy as np
import pytest

from ml.data.cartoon_faces import ATTRIBUTES, generate
from ml.latent.builtin import BUILTIN_ID, builtin_available, builtin_path, load_builtin
from ml.latent.evaluate import reconstruction_psnr
from ml.latent.judge import AttributeJudge, edit_effects


@pytest.fixture(scope="module")
def builtin():
    return load_builtin()


def test_builtin_model_is_shipped_and_complete(builtin):
    assert builtin_available() is None
    assert builtin.id == BUILTIN_ID and builtin.arch == "latent-vae"
    assert (builtin.latent_dim, builtin.resolution) == (32, 64)
    assert list(builtin.directions) == list(ATTRIBUTES)
    assert len(builtin.principal) == 10
    for d in builtin.directions.values():
        assert d.scale > 0 and set(d.conditioned_on) == set(ATTRIBUTES) - {d.name}
    size = sum(p.stat().st_size for p in builtin_path().iterdir())
    assert size < 5_000_000


def test_builtin_reconstructs_unseen_faces(builtin):
    images, _ = generate(64, seed=4242)
    assert reconstruction_psnr(builtin, images.astype(np.float32) / 255) > 28.0


def test_builtin_samples_look_like_training_faces(builtin):
    # decoded prior samples re-encode close to where they came from (on the data manifold)
    z = builtin.sample(32, seed=3)
    back = builtin.encode(builtin.decode(z))
    rel = np.linalg.norm(back - z, axis=1) / np.linalg.norm(z - z.mean(0), axis=1).mean()
    assert float(np.median(rel)) < 0.5


@pytest.mark.slow
def test_directions_move_their_attribute_and_little_else(builtin):
    faces, labels = generate(1200, seed=2024)
    faces = faces.astype(np.float32) / 255
    fit, held = slice(0, 1000), slice(1000, 1200)
    rec = builtin.decode(builtin.encode(faces[fit]))
    judge = AttributeJudge().fit(np.concatenate([faces[fit], rec]),
                                 {k: np.concatenate([v[fit], v[fit]]) for k, v in labels.items()})
    z = builtin.encode(faces[held])
    for name, kind in ATTRIBUTES.items():
        d = builtin.directions[name]
        for amount in (2.0, -2.0):
            m = edit_effects(builtin, judge, z, d, amount, binary=kind == "binary")
            assert m["success"] >= 0.85, (name, amount, m)
            assert m["drift"] < 0.25, (name, amount, m)
