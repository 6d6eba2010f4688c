from __future__ import annotations

import os

import pytest
import torch

from ml.devices import DeviceError, device_label, half_ok, resolve_device


def test_cpu_is_always_resolvable():
    assert resolve_device("cpu") == "cpu"


def test_auto_prefers_cuda_when_present():
    expected = "cuda" if torch.cuda.is_available() else None
    got = resolve_device("auto")
    if expected:
        assert got == expected
    else:
        assert got in ("mps", "cpu")


def test_environment_variable_is_used_when_no_argument(monkeypatch):
    monkeypatch.setenv("RETOUCH_DEVICE", "cpu")
    assert resolve_device(None) == "cpu"


def test_argument_beats_environment(monkeypatch):
    monkeypatch.setenv("RETOUCH_DEVICE", "bogus")
    assert resolve_device("cpu") == "cpu"


def test_unknown_device_is_a_clear_error():
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_missing_cuda_requested_explicitly_is_an_error():
    with pytest.raises(DeviceError, match="CUDA is not available"):
        resolve_device("cuda")


def test_cpu_label_names_core_count():
    assert device_label("cpu") == f"CPU ({os.cpu_count()} cores)"


def test_half_only_on_cuda():
    assert half_ok("cuda") and half_ok("cuda:1")
    assert not half_ok("cpu") and not half_ok("mps")


@pytest.mark.gpu
def test_cuda_label_names_the_gpu():
    label = device_label("cuda")
    assert label.startswith("CUDA: ") and torch.cuda.get_device_name(0) in label
