"""A failed save never damages the existing file and leaves no temp file behind."""

from __future__ import annotations

import errno

import numpy as np
import pytest

import editor.io.images as images_mod
import editor.io.ora as ora_mod
from editor.io import FileError, atomic_write, export_image, load_image, read_ora, save_ora
from tests.io.conftest import layered_document


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_writer_failure_keeps_old_file_and_cleans_up(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"precious")

    def writer(f):
        f.write(b"half of the new conten")
        _disk_full()

    with pytest.raises(OSError) as info:
        atomic_write(target, writer)
    assert info.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_successful_write_replaces_and_keeps_permissions(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, lambda f: f.write(b"new"))
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_ora_save_failing_mid_write_keeps_old_project(tmp_path, rng, monkeypatch):
    path = tmp_path / "p.ora"
    save_ora(layered_document(rng), path)
    before = path.read_bytes()
    calls = {"n": 0}
    real = ora_mod._png_bytes

    def fail_on_second_layer(px, level):
        calls["n"] += 1
        if calls["n"] == 2:  # after one layer is already in the archive
            _disk_full()
        return real(px, level)

    monkeypatch.setattr(ora_mod, "_png_bytes", fail_on_second_layer)
    with pytest.raises(FileError, match="p.ora.*No space left"):
        save_ora(layered_document(np.random.default_rng(9)), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.ora"]
    monkeypatch.undo()
    assert len(read_ora(path).layers) == 3


def test_image_export_failing_mid_write_keeps_old_image(tmp_path, rng, monkeypatch):
    path = tmp_path / "out.png"
    doc = layered_document(rng, 16)
    export_image(doc, path)
    before = path.read_bytes()

    def partial_then_full(pixels, **kwargs):
        _disk_full()

    monkeypatch.setattr(images_mod, "encode_png16", partial_then_full)
    with pytest.raises(FileError, match="out.png"):
        export_image(doc, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    monkeypatch.undo()
    assert load_image(path).depth == 16


def test_save_into_missing_folder_is_a_file_error(tmp_path, rng):
    with pytest.raises(FileError, match="x.ora"):
        save_ora(layered_document(rng), tmp_path / "no" / "such" / "x.ora")
