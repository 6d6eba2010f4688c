from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from editor.io import AutosaveStore
from editor.paths import autosave_dir
from tests.io.conftest import layered_document


def test_round_trip_in_the_user_autosave_dir(rng):
    store = AutosaveStore()
    doc = layered_document(rng, 16)
    entry = store.save(doc, "doc-1", original_path="/photos/cat.ora", title="cat.ora")
    assert entry.ora.parent == autosave_dir()
    listed = store.pending(include_current=True)
    assert [e.key for e in listed] == ["doc-1"]
    assert listed[0].original_path == "/photos/cat.ora" and listed[0].title == "cat.ora"
    back = store.load(listed[0])
    assert back.depth == 16
    for a, b in zip(doc.layers, back.layers, strict=True):
        np.testing.assert_array_equal(a.pixels, b.pixels)
        assert (a.name, a.opacity, a.offset) == (b.name, b.opacity, b.offset)
    assert back.metadata["autosave_original_path"] == "/photos/cat.ora"
    store.discard(listed[0])
    assert store.pending(include_current=True) == []
    assert list(autosave_dir().iterdir()) == []


def test_pending_lists_only_what_other_sessions_left(rng, tmp_path):
    store = AutosaveStore(tmp_path / "auto")
    mine = store.save(layered_document(rng), "mine")
    crashed = store.save(layered_document(rng), "crashed", title="Untitled 2")
    # Pretend a process that has exited (a crash) wrote the second snapshot.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    info = json.loads(crashed.sidecar.read_text())
    info["pid"] = gone.pid
    crashed.sidecar.write_text(json.dumps(info))
    assert [e.key for e in store.pending()] == ["crashed"]
    # Another Retouch that is still open (a live process) keeps its snapshots to itself.
    info["pid"] = os.getppid()
    crashed.sidecar.write_text(json.dumps(info))
    assert store.pending() == []
    info["pid"] = gone.pid
    crashed.sidecar.write_text(json.dumps(info))
    assert {e.key for e in store.pending(include_current=True)} == {"mine", "crashed"}
    store.discard_key("mine")
    assert not mine.ora.exists()


def test_saving_again_overwrites_one_snapshot_per_key(rng, tmp_path):
    store = AutosaveStore(tmp_path)
    store.save(layered_document(rng), "k")
    store.save(layered_document(rng), "k", title="second")
    entries = store.pending(include_current=True)
    assert len(entries) == 1 and entries[0].title == "second"
    assert len(list(tmp_path.iterdir())) == 2


def test_broken_sidecars_and_orphans_are_skipped(rng, tmp_path):
    store = AutosaveStore(tmp_path)
    good = store.save(layered_document(rng), "good")
    (tmp_path / "junk.json").write_text("{not json")
    orphan = store.save(layered_document(rng), "orphan")
    orphan.ora.unlink()
    assert [e.key for e in store.pending(include_current=True)] == [good.key]
