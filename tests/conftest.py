"""Shared test set-up: headless Qt, and no user data touched outside a temp dir."""

from __future__ import annotations

import os

# Must be set before any Qt import anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep the model store, settings and autosaves of every test in a temp folder."""
    root = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("RETOUCH_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("RETOUCH_MODELS_DIR", str(root / "models"))
    monkeypatch.setenv("RETOUCH_CONFIG_DIR", str(root / "config"))
    monkeypatch.delenv("RETOUCH_DEVICE", raising=False)
    yield


@pytest.fixture(autouse=True)
def _engine_registry_restored():
    """Engines and task specs a test registers (imported models, fakes) don't leak into
    later tests. Only when the registry is already loaded, so document-only runs never
    import ml. The snapshot loads the built-in task modules first; engines found in the
    model store are looked up again after a restore, in the next test's own store."""
    import sys

    registry = sys.modules.get("ml.engines")
    snap = registry.REGISTRY.snapshot() if registry is not None else None
    yield
    if registry is not None and snap is not None:
        registry.REGISTRY.restore(snap)


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return  # don't pay for importing torch in Qt-only or document-only runs
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:  # noqa: BLE001 - torch missing or broken: every gpu test skips
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs CUDA (run on the device machine)")
    for item in gpu_items:
        item.add_marker(skip)
