from __future__ import annotations

import os
import pickle
import warnings

import pytest
import torch

from ml.loading import (
    ModelFileError,
    describe,
    load_spandrel,
    load_state_dict,
    load_torchscript,
)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_torch_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"weight": torch.zeros(2), "payload": _RunsCode(marker)}, path)
    with pytest.raises(ModelFileError, match="refused to load") as info:
        load_state_dict(path)
    assert str(path) in str(info.value)
    assert "system" in str(info.value)
    assert not marker.exists()


def test_malicious_plain_pickle_is_refused_by_spandrel_path_too(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.ckpt"
    path.write_bytes(pickle.dumps(_RunsCode(marker)))
    with pytest.raises(ModelFileError, match="refused to load"):
        load_spandrel(path)
    assert not marker.exists()


def test_real_esrgan_layout_checkpoint_loads_through_spandrel(compact_checkpoint):
    path = compact_checkpoint("x2.pth", scale=2)
    d = load_spandrel(path)
    assert d.architecture.id == "Compact" and d.scale == 2
    out = d(torch.rand(1, 3, 8, 8))
    assert out.shape == (1, 3, 16, 16)


def test_safetensors_load_and_describe(compact_checkpoint):
    path = compact_checkpoint("x4.safetensors", scale=4)
    state = load_state_dict(path)
    assert "body.0.weight" in state
    info = describe(path)
    assert (info.task, info.architecture, info.scale) == ("upscale", "Compact", 4)


def test_unknown_architecture_is_a_clear_error(tmp_path):
    path = tmp_path / "odd.pth"
    torch.save({"foo.weight": torch.zeros(3, 3)}, path)
    with pytest.raises(ModelFileError, match="unknown model architecture"):
        load_spandrel(path)


def test_corrupt_and_missing_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ModelFileError, match="bad.pth"):
        load_state_dict(bad)
    with pytest.raises(ModelFileError, match="not found"):
        load_state_dict(tmp_path / "none.safetensors")
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"x")
    with pytest.raises(ModelFileError, match="unsupported model file type '.onnx'"):
        load_state_dict(onnx)


def test_torchscript_only_when_allowed(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.script(torch.nn.Conv2d(3, 3, 1))
    path = tmp_path / "net.pt"
    scripted.save(str(path))
    with pytest.raises(ModelFileError, match='format = "torchscript"'):
        load_torchscript(path)
    with pytest.raises(ModelFileError, match="TorchScript"):
        load_state_dict(path)
    module = load_torchscript(path, allow_torchscript=True)
    assert module(torch.rand(1, 3, 4, 4)).shape == (1, 3, 4, 4)


@pytest.mark.parametrize("size", [1, 100, 4096, 1 << 20])
def test_zero_filled_file_is_not_a_checkpoint_rather_than_code(tmp_path, size):
    # a failed copy or a pre-allocated download leaves zeros: that is a broken file, and
    # calling it "code" would frighten the user (small files used to get that message,
    # bigger ones torch's "legacy .tar format ... weights_only=False" advice)
    path = tmp_path / "zeros.pth"
    path.write_bytes(bytes(size))
    with pytest.raises(ModelFileError) as info:
        load_state_dict(path)
    msg = str(info.value)
    assert "not a PyTorch checkpoint (unreadable pickle/zip" in msg and str(path) in msg
    assert "contains code" not in msg and "weights_only" not in msg
    with pytest.raises(ModelFileError, match="not a PyTorch checkpoint"):
        load_spandrel(path)


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_malicious_pickles_of_every_protocol_are_still_refused_as_code(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(_RunsCode(marker), protocol=protocol))
    with pytest.raises(ModelFileError, match="refused to load: the file contains code"):
        load_state_dict(path)
    assert not marker.exists()
