"""Training checkpoints: atomic writes, safe reads."""

from __future__ import annotations

import pickle

import pytest
import torch

from ml.train.checkpoint import load_checkpoint, save_checkpoint
from ml.types import EngineError


def test_checkpoint_round_trips_model_and_optimiser_state(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    path = save_checkpoint(tmp_path / "run" / "ckpt.pt", {
        "step": 7, "model": model.state_dict(), "opt": opt.state_dict(),
        "config": {"lr": 1e-3, "name": "x"},
    })
    state = load_checkpoint(path)
    assert state["step"] == 7 and state["config"] == {"lr": 1e-3, "name": "x"}
    assert torch.equal(state["model"]["weight"], model.weight.detach())
    opt2 = torch.optim.Adam(torch.nn.Linear(3, 2).parameters())
    opt2.load_state_dict(state["opt"])
    assert opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]


def test_missing_checkpoint_is_none(tmp_path):
    assert load_checkpoint(tmp_path / "nothing.pt") is None


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_checkpoint_with_code_in_it_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"step": _Evil()}))
    with pytest.raises(EngineError, match="not a readable training checkpoint"):
        load_checkpoint(path)


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "ckpt.pt", {"step": 1})

    def broken_save(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(EngineError, match="No space left"):
        save_checkpoint(path, {"step": 2})
    monkeypatch.undo()
    assert load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]
