from __future__ import annotations

from pathlib import Path

from editor import paths


def test_env_overrides_are_used_and_created(tmp_path, monkeypatch):
    monkeypatch.setenv("RETOUCH_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("RETOUCH_CONFIG_DIR", str(tmp_path / "c"))
    assert paths.data_dir() == tmp_path / "d"
    assert paths.config_dir() == tmp_path / "c"
    assert paths.autosave_dir() == tmp_path / "d" / "autosave"
    assert (tmp_path / "d" / "autosave").is_dir() and (tmp_path / "c").is_dir()


def test_platform_dirs_named_after_the_app_without_env(tmp_path, monkeypatch):
    monkeypatch.delenv("RETOUCH_DATA_DIR")
    monkeypatch.delenv("RETOUCH_CONFIG_DIR")
    # Keep platformdirs inside the temp folder on Linux.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    data, config = paths.data_dir(), paths.config_dir()
    assert data.name == "Retouch" and config.name == "Retouch"
    assert Path(tmp_path) in data.parents and data.is_dir()
