from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ml.store import CatalogEntry, ModelStore, StoreError, load_catalog
from ml.types import Cancelled, CancelToken


def _entry(url: str, data: bytes | None, **kw) -> CatalogEntry:
    base = {
        "id": "tiny-x2", "task": "upscale", "architecture": "SRVGGNetCompact", "url": url,
        "size": len(data) if data else 0,
        "sha256": hashlib.sha256(data).hexdigest() if data else "",
        "verified": data is not None, "licence": "BSD-3-Clause", "commercial_use": True,
        "scale": 2, "format": "pth", "description": "random-weight test model",
    }
    base.update(kw)
    return CatalogEntry(**base)


@pytest.fixture
def checkpoint_bytes(compact_checkpoint):
    return compact_checkpoint("tiny_x2.pth").read_bytes()


def test_bundled_catalog_has_the_models_users_expect():
    ids = {e.id: e for e in load_catalog()}
    for wanted in ("realesrgan-x4plus", "realesrgan-x2plus", "realesrgan-x4plus-anime-6b",
                   "realesr-general-x4v3", "swinir-m-real-x4-gan", "swinir-l-real-x4-gan",
                   "big-lama", "migan-512", "fast-neural-style-candy", "adain-vgg",
                   "adain-decoder", "vgg19-torchvision", "stylegan2-ffhq-1024"):
        assert wanted in ids, wanted
    assert ids["realesrgan-x4plus"].sha256.startswith("4fa0d389")
    assert ids["realesrgan-x4plus"].size == 67040989
    assert ids["big-lama"].format == "torchscript"
    assert not ids["migan-512"].verified and ids["migan-512"].sha256 == ""
    assert not ids["stylegan2-ffhq-1024"].commercial_use
    for e in ids.values():
        assert urlsplit(e.url).scheme == "https"  # catalog data only; nothing is fetched
        assert e.verified == bool(e.sha256)


def test_models_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RETOUCH_MODELS_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("RETOUCH_DATA_DIR", str(tmp_path / "data"))
    assert ModelStore().root == tmp_path / "m"


def test_models_dir_follows_the_data_dir_when_only_that_is_set(tmp_path, monkeypatch):
    # packaging/README: RETOUCH_DATA_DIR moves every per-user file, the models included
    monkeypatch.delenv("RETOUCH_MODELS_DIR", raising=False)
    monkeypatch.setenv("RETOUCH_DATA_DIR", str(tmp_path / "data"))
    assert ModelStore().root == tmp_path / "data" / "models"


def test_models_dir_defaults_to_the_platform_data_dir(tmp_path, monkeypatch):
    from platformdirs import user_data_dir

    monkeypatch.delenv("RETOUCH_MODELS_DIR", raising=False)
    monkeypatch.delenv("RETOUCH_DATA_DIR", raising=False)
    expected = Path(user_data_dir("Retouch", appauthor=False)) / "models"
    assert ModelStore().root == expected


def test_install_downloads_verifies_and_records(tmp_path, http_server, checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    store = ModelStore(tmp_path / "store", [_entry(http_server.url("tiny.pth"), checkpoint_bytes)])
    fractions = []
    result = store.install("tiny-x2", progress=lambda p: fractions.append(p.fraction))
    assert result.verified and result.notice == ""
    assert store.installed("tiny-x2")
    assert store.path("tiny-x2").read_bytes() == checkpoint_bytes
    assert fractions and fractions[-1] == pytest.approx(1.0)
    index = json.loads((tmp_path / "store" / "index.json").read_text())
    assert index["models"]["tiny-x2"]["sha256"] == hashlib.sha256(checkpoint_bytes).hexdigest()
    assert not list((tmp_path / "store" / ".downloads").iterdir())
    from ml.loading import load_spandrel

    assert load_spandrel(store.path("tiny-x2")).scale == 2


def test_interrupted_download_resumes_with_a_range_request(tmp_path, http_server,
                                                           checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    http_server.cut_after["tiny.pth"] = 1000
    store = ModelStore(tmp_path, [_entry(http_server.url("tiny.pth"), checkpoint_bytes)])
    with pytest.raises(StoreError, match="run the install again to resume"):
        store.install("tiny-x2")
    part = tmp_path / ".downloads" / "tiny.pth.part"
    assert part.stat().st_size == 1000
    store.install("tiny-x2")
    assert http_server.requests[-1] == ("/tiny.pth", "bytes=1000-")
    assert store.path("tiny-x2").read_bytes() == checkpoint_bytes


def test_server_ignoring_range_restarts_cleanly(tmp_path, http_server, checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    http_server.ranges = False
    downloads = tmp_path / ".downloads"
    downloads.mkdir()
    (downloads / "tiny.pth.part").write_bytes(b"garbage" * 10)
    store = ModelStore(tmp_path, [_entry(http_server.url("tiny.pth"), checkpoint_bytes)])
    store.install("tiny-x2")
    assert store.path("tiny-x2").read_bytes() == checkpoint_bytes


def test_hash_mismatch_deletes_the_file_and_says_so(tmp_path, http_server, checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    entry = _entry(http_server.url("tiny.pth"), checkpoint_bytes, sha256="0" * 64)
    store = ModelStore(tmp_path / "store", [entry])
    with pytest.raises(StoreError, match="does not match the catalog's 0000.*file was deleted"):
        store.install("tiny-x2")
    assert not store.installed("tiny-x2")
    assert not any(p.is_file() for p in (tmp_path / "store").rglob("*.pth*"))


def test_unverified_entry_records_its_hash_with_a_notice(tmp_path, http_server,
                                                         checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    store = ModelStore(tmp_path, [_entry(http_server.url("tiny.pth"), None)])
    stages = []
    result = store.install("tiny-x2", progress=lambda p: stages.append(p.stage))
    digest = hashlib.sha256(checkpoint_bytes).hexdigest()
    assert not result.verified and digest in result.notice
    assert "no published checksum" in stages[-1]
    assert store.record("tiny-x2")["sha256"] == digest
    assert store.verify()[0].ok


def test_server_down_is_a_clear_error(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    store = ModelStore(tmp_path, [_entry(f"http://127.0.0.1:{port}/x.pth", b"x")])
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:\d+ is unreachable.*network"):
        store.install("tiny-x2")


def test_http_error_names_the_status(tmp_path, http_server):
    store = ModelStore(tmp_path, [_entry(http_server.url("missing.pth"), b"x")])
    with pytest.raises(StoreError, match="HTTP 404"):
        store.install("tiny-x2")


def test_cancel_keeps_the_partial_file_for_resume(tmp_path, http_server):
    data = os.urandom(300_000)
    http_server.files["big.pth"] = data
    store = ModelStore(tmp_path, [_entry(http_server.url("big.pth"), data)])
    token = CancelToken()

    def progress(p):
        if p.fraction > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        store.install("tiny-x2", progress=progress, cancel=token)
    part = tmp_path / ".downloads" / "big.pth.part"
    assert store.partial_path("tiny-x2") == part
    assert 0 < part.stat().st_size == store.partial_size("tiny-x2") < len(data)
    assert not store.installed("tiny-x2")
    result = store.install("tiny-x2")
    assert result.path.read_bytes() == data
    assert store.partial_size("tiny-x2") == 0  # the .part became the installed file


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_full_disk_is_a_clear_error(tmp_path, http_server, checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    downloads = tmp_path / ".downloads"
    downloads.mkdir()
    # every write to /dev/full fails with ENOSPC, exactly like a full disk
    (downloads / "tiny.pth.part").symlink_to("/dev/full")
    store = ModelStore(tmp_path, [_entry(http_server.url("tiny.pth"), checkpoint_bytes)])
    with pytest.raises(StoreError, match="disk full"):
        store.install("tiny-x2")


def test_zip_members_are_extracted_and_each_recorded(tmp_path, http_server, compact_checkpoint):
    a = compact_checkpoint("a.pth", seed=1).read_bytes()
    b = compact_checkpoint("b.pth", seed=2).read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("saved_models/candy.pth", a)
        zf.writestr("saved_models/mosaic.pth", b)
    http_server.files["saved_models.zip"] = buf.getvalue()
    url = http_server.url("saved_models.zip")
    entries = [
        _entry(url, None, id="style-candy", task="style", archive_member="candy.pth"),
        _entry(url, None, id="style-mosaic", task="style", archive_member="mosaic.pth"),
    ]
    store = ModelStore(tmp_path, entries)
    result = store.install("style-candy")
    assert result.also_installed == ["style-mosaic"]
    assert store.path("style-candy").read_bytes() == a
    assert store.path("style-mosaic").read_bytes() == b
    assert store.record("style-mosaic")["sha256"] == hashlib.sha256(b).hexdigest()


def test_import_detects_architecture_and_refuses_unknown_files(tmp_path, compact_checkpoint):
    store = ModelStore(tmp_path / "store", [])
    rec = store.import_file(compact_checkpoint("my_x4.safetensors", scale=4))
    assert (rec["id"], rec["task"], rec["architecture"], rec["scale"]) == (
        "imported-my_x4", "upscale", "Compact", 4)
    assert store.path("imported-my_x4").is_file()
    junk = tmp_path / "junk.pth"
    import torch

    torch.save({"nothing.weight": torch.zeros(2)}, junk)
    with pytest.raises(StoreError, match="unknown model architecture"):
        store.import_file(junk)
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"x")
    with pytest.raises(StoreError, match="cannot import .onnx"):
        store.import_file(onnx)


def test_verify_detects_a_tampered_file_and_remove_deletes(tmp_path, http_server,
                                                          checkpoint_bytes):
    http_server.files["tiny.pth"] = checkpoint_bytes
    store = ModelStore(tmp_path, [_entry(http_server.url("tiny.pth"), checkpoint_bytes)])
    path = store.install("tiny-x2").path
    assert [r.ok for r in store.verify()] == [True]
    path.write_bytes(b"tampered")
    assert [r.ok for r in store.verify()] == [False]
    store.remove("tiny-x2")
    assert not path.exists() and not store.installed("tiny-x2")
    with pytest.raises(StoreError, match="retouch models install tiny-x2"):
        store.path("tiny-x2")
    with pytest.raises(StoreError, match="not installed"):
        store.remove("tiny-x2")


def test_unknown_id_points_to_the_list(tmp_path):
    with pytest.raises(StoreError, match="retouch models list"):
        ModelStore(tmp_path, []).install("nope")


def test_google_drive_urls_get_a_file_per_entry_not_a_shared_uc(tmp_path, http_server,
                                                                compact_checkpoint):
    # Google Drive links end in /uc?export=download&id=...: the URL names no file, so two
    # such entries must not both become "uc" (one install would overwrite the other)
    a = compact_checkpoint("a.pth", seed=1).read_bytes()
    b = compact_checkpoint("b.pth", seed=2).read_bytes()
    http_server.files["uc?export=download&id=AAA"] = a
    http_server.files["uc?export=download&id=BBB"] = b
    store = ModelStore(tmp_path, [
        _entry(http_server.url("uc?export=download&id=AAA"), a, id="gan-a"),
        _entry(http_server.url("uc?export=download&id=BBB"), b, id="gan-b", format="torchscript"),
    ])
    assert store.entry("gan-a").file_name == "gan-a.pth"
    assert store.entry("gan-b").file_name == "gan-b.pt"
    assert store.partial_path("gan-a") != store.partial_path("gan-b")
    store.install("gan-a")
    store.install("gan-b")
    assert store.path("gan-a").read_bytes() == a
    assert store.path("gan-b").read_bytes() == b
    assert all(r.ok for r in store.verify())


def test_file_names_from_real_urls_are_kept(tmp_path):
    # installed files and kept partial downloads of earlier versions keep their names
    e = _entry("http://127.0.0.1:9/releases/download/v1/RealESRGAN_x4plus.pth", None)
    assert e.file_name == "RealESRGAN_x4plus.pth"
    assert ModelStore(tmp_path, [e]).partial_path("tiny-x2").name == "RealESRGAN_x4plus.pth.part"
    catalog = {c.id: c for c in load_catalog()}
    names = [c.file_name for c in catalog.values() if not c.archive_member]
    assert len(names) == len(set(names)), "two catalog entries would share an installed file"
    assert catalog["stylegan2-ffhq-1024"].file_name == "stylegan2-ffhq-1024.pth"


def _list_flags(row: dict) -> list[str]:
    # the marks `retouch models list` prints (editor/cli/models.py _models_list reads these keys)
    flags = []
    if not row.get("commercial_use", True):
        flags.append("NON-COMMERCIAL")
    return flags


def test_imported_model_has_an_unknown_licence_not_a_non_commercial_mark(
        tmp_path, compact_checkpoint):
    store = ModelStore(tmp_path, [])
    store.import_file(compact_checkpoint("mine_x2.pth"))
    row = next(r for r in store.as_json() if r["id"] == "imported-mine_x2")
    assert row["licence"] == "unknown (imported)"
    assert _list_flags(row) == []
    assert "commercial_use" not in store.record("imported-mine_x2")


def test_imports_recorded_by_older_versions_lose_the_false_non_commercial_claim(tmp_path):
    (tmp_path / "m.pth").write_bytes(b"x")
    old = {"file": "m.pth", "sha256": "0", "size": 1, "source": "import", "task": "upscale",
           "licence": "unknown (imported by the user)", "commercial_use": False}
    known_nc = {**old, "source": "catalog", "licence": "CC BY-NC 4.0"}
    (tmp_path / "index.json").write_text(json.dumps(
        {"version": 1, "models": {"imported-m": old, "nc": known_nc}}))
    rows = {r["id"]: r for r in ModelStore(tmp_path, []).as_json()}
    assert rows["imported-m"]["licence"] == "unknown (imported)"
    assert _list_flags(rows["imported-m"]) == []
    assert _list_flags(rows["nc"]) == ["NON-COMMERCIAL"]  # a known NC licence keeps its mark


def test_style_catalog_sizes_and_hashes():
    ids = {e.id: e for e in load_catalog()}
    vgg = ids["vgg19-torchvision"]
    assert vgg.size == 574673361 and vgg.verified
    assert vgg.sha256 == "dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44"
    assert vgg.sha256.startswith(vgg.sha256_prefix)
    presets = [e for e in ids.values() if e.archive_member and "saved_models.zip" in e.url]
    assert len(presets) == 4
    # one install downloads the whole zip of four ~6.7 MB models: size is the zip's
    assert {e.size for e in presets} == {presets[0].size} and presets[0].size > 4 * 6_000_000
    assert all(not e.verified and e.sha256 == "" for e in presets)
