"""The registry object, task specs, the model cache and the engine API the dialogs use."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ml.engines import REGISTRY, Registry, TaskInput, TaskSpec, UpscaleEngine, get
from ml.imageconv import mask_bbox
from ml.modelcache import ModelCache
from ml.types import EngineError, RunContext


class Doubling(UpscaleEngine):
    id = "registry-test-doubling"
    name = "Doubling (test)"
    scales = (2,)

    def upscale(self, image, scale, ctx, **params):
        return image.repeat(2, axis=0).repeat(2, axis=1)


def test_a_taken_engine_id_is_refused_unless_replaced_on_purpose():
    first = REGISTRY.register(Doubling())
    with pytest.raises(ValueError, match="already registered"):
        REGISTRY.register(Doubling())
    second = REGISTRY.register(Doubling(), replace=True)
    assert get(Doubling.id) is second is not first
    with pytest.raises(ValueError, match="already registered"):
        REGISTRY.register(type("Clash", (Doubling,), {"id": "lanczos"})())


def test_engines_of_an_unknown_task_or_the_wrong_class_are_refused():
    bad_task = type("NoTask", (UpscaleEngine,), {"id": "registry-test-x", "task": "nope"})
    with pytest.raises(ValueError, match="unknown task"):
        REGISTRY.register(bad_task())
    from ml.engines import InpaintEngine

    wrong = type("Wrong", (InpaintEngine,), {"id": "registry-test-y", "task": "upscale"})
    with pytest.raises(TypeError, match="not a UpscaleEngine"):
        REGISTRY.register(wrong())


def test_a_second_spec_of_a_task_or_a_taken_command_is_refused():
    upscale = REGISTRY.spec("upscale")
    assert REGISTRY.add_task(upscale) is upscale  # the same spec again is harmless
    with pytest.raises(ValueError, match="already registered"):
        REGISTRY.add_task(TaskSpec("upscale", "Other", UpscaleEngine, "upscale", (),
                                   run=lambda *a, **k: None))
    from ml.engines import CliSpec

    with pytest.raises(ValueError, match="belongs to 'inpaint'"):
        REGISTRY.add_task(TaskSpec("other", "Other", UpscaleEngine, "upscale", (),
                                   run=lambda *a, **k: None,
                                   cli=CliSpec("inpaint", "clash")))


def test_snapshot_and_restore_put_engines_and_tasks_back():
    snap = REGISTRY.snapshot()
    before = [e.id for e in REGISTRY.engines()]
    REGISTRY.register(Doubling())
    REGISTRY.unregister("lanczos")
    REGISTRY.add_task(TaskSpec("registry-test-task", "T", UpscaleEngine, "upscale", (),
                               run=lambda *a, **k: None))
    REGISTRY.restore(snap)
    assert [e.id for e in REGISTRY.engines()] == before
    assert "registry-test-task" not in REGISTRY.tasks()


def test_tasks_follow_the_registered_specs():
    import ml.engines

    assert set(ml.engines.TASKS) == set(REGISTRY.tasks()) == {"upscale", "inpaint", "style",
                                                              "latent"}
    with pytest.raises(EngineError, match="unknown task 'nope'"):
        REGISTRY.spec("nope")


def test_importing_the_task_modules_reads_nothing_from_the_model_store(tmp_path):
    # a fresh interpreter: count every ModelStore made while the task modules import,
    # then ask for engines (which must look in the store, finding the catalog entries)
    code = textwrap.dedent("""
        import ml.store as store
        made = []
        real_init = store.ModelStore.__init__
        def counting_init(self, *args, **kwargs):
            made.append(1)
            real_init(self, *args, **kwargs)
        store.ModelStore.__init__ = counting_init
        import ml.engines
        import ml.engines.inpaint, ml.engines.style, ml.engines.upscale, ml.runtime
        ml.engines.load_all()
        assert made == [], "the store was read at import"
        ids = [e.id for e in ml.engines.engines("upscale")]
        assert made, "engines() never looked in the store"
        assert "realesrgan-x4plus" in ids, ids
        print("ok")
    """)
    env = dict(os.environ, RETOUCH_MODELS_DIR=str(tmp_path / "models"))
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_a_fresh_registry_discovers_once_and_again_when_asked():
    calls = []

    class Found(UpscaleEngine):
        name = "found"

        def __init__(self, engine_id):
            self.id = engine_id

    def discover():
        calls.append(1)
        return [Found(f"found-{len(calls)}")]

    reg = Registry()
    reg.add_task(TaskSpec("upscale", "Upscale", UpscaleEngine, "upscale", (),
                          run=lambda *a, **k: None, discover=discover))
    assert calls == []
    assert [e.id for e in reg.engines("upscale")] == ["found-1"]
    assert [e.id for e in reg.engines()] == ["found-1"] and calls == [1]
    reg.rediscover("upscale")  # what it no longer finds goes, the new finds come
    assert [e.id for e in reg.engines("upscale")] == ["found-2"]


def test_run_task_checks_its_inputs_and_runs_any_task():
    from ml.runtime import run_task

    px = np.arange(4 * 5 * 4, dtype=np.uint8).reshape(4, 5, 4)
    out = run_task("upscale", get("lanczos"), RunContext(), image=px, scale=2)
    assert out.shape == (8, 10, 4) and out.dtype == np.uint8
    with pytest.raises(EngineError, match="the input 'scale' is missing"):
        run_task("upscale", "lanczos", RunContext(), image=px)
    mask = np.zeros((4, 5), bool)
    mask[1:3, 1:3] = True
    filled = run_task("inpaint", "telea", RunContext(), image=px, mask=mask)
    np.testing.assert_array_equal(filled[~mask], px[~mask])
    with pytest.raises(EngineError, match="is a upscale engine, not inpaint"):
        run_task("inpaint", get("lanczos"), RunContext(), image=px, mask=mask)


def test_run_style_with_a_mask_keeps_the_rest_exact_for_any_engine():
    from ml.engines import StyleEngine
    from ml.runtime import run_task

    class Invert(StyleEngine):
        id = "registry-test-invert"
        needs_style_image = False

        def stylize(self, content, style, ctx, **params):
            assert "mask" not in params  # it does not take one: the runtime restricts
            return 1.0 - content

    px = np.random.default_rng(0).integers(0, 65536, (6, 7, 4), dtype=np.uint16)
    mask = np.zeros((6, 7), np.uint8)
    mask[2:4, 1:5] = 255
    mask[5, 0] = 128  # soft: half way
    out = run_task("style", Invert(), RunContext(), image=px, style=None, mask=mask)
    off = mask == 0
    np.testing.assert_array_equal(out[off], px[off])
    on = mask == 255
    np.testing.assert_array_equal(out[on][:, :3], 65535 - px[on][:, :3])
    half = (px[5, 0, :3].astype(float) * (1 - 128 / 255)
            + (65535 - px[5, 0, :3].astype(float)) * 128 / 255)
    np.testing.assert_allclose(out[5, 0, :3], half, atol=1)


# ------------------------------------------------------------------ engine knowledge


def test_context_margin_is_the_feather_plus_the_engines_context():
    telea = get("telea", "inpaint")
    assert telea.context_margin(10, 10, 0) == 32 + 1  # at least min_context
    assert telea.context_margin(100, 40, 4) == 4 + 54 + 1  # half of (100 + 2 * 4)
    assert telea.context_margin(100, 40, -3) == telea.context_margin(100, 40, 0)


def test_the_fill_reads_nothing_outside_the_context_margin():
    telea = get("telea", "inpaint")
    h, w = 200, 240
    image = np.random.default_rng(1).random((h, w, 3), dtype=np.float32)
    mask = np.zeros((h, w), np.float32)
    mask[90:110, 100:140] = 1.0
    x0, y0, x1, y1 = mask_bbox(mask)
    margin = telea.context_margin(x1 - x0, y1 - y0)
    x, y, patch = telea.inpaint_patch(image, mask, RunContext())
    assert x >= x0 - margin and y >= y0 - margin
    assert x + patch.shape[1] <= x1 + margin and y + patch.shape[0] <= y1 + margin


def test_working_bytes_keeps_the_calibrated_figures():
    # 900x600 2x with sr-small: 311 MB estimated against 266 MB measured (the calibration)
    assert get("sr-small").working_bytes(900, 600, 2) == 311_040_000
    sr = get("sr-small")
    assert sr.working_bytes(900, 600, 3) > sr.working_bytes(900, 600, 4)  # 4x net + resample
    assert sr.working_bytes(900, 600, 2, alpha=True) - sr.working_bytes(900, 600, 2) \
        == 900 * 600 * 4 * 4
    assert get("lanczos").working_bytes(900, 600, 4) == 900 * 600 * (16 * 7 * 4 + 16)
    from ml.engines import model_bytes_per_pixel
    from ml.tiling import CPU_BUDGET_BYTES

    store = get("realesrgan-x4plus")
    small = store.working_bytes(10, 10, 4)
    assert small == 100 * 16 + 100 * 16 * 12 + 100 * model_bytes_per_pixel(4)
    huge = store.working_bytes(4000, 3000, 4)
    assert huge == 12_000_000 * 16 + 12_000_000 * 16 * 12 + CPU_BUDGET_BYTES


def test_live_preview_marks_the_fast_engines():
    fast = {e.id for e in REGISTRY.engines("style") if e.live_preview}
    assert {"color-transfer", "adain", "fast-candy", "fast-mosaic"} <= fast
    assert "gatys" not in fast
    assert not any(e.live_preview for e in REGISTRY.engines("inpaint"))


def test_not_installed_reasons_name_the_install_command():
    from ml.store import missing_models

    assert missing_models(()) is None
    assert get("lama").available() == "not installed: run `retouch models install big-lama`"
    assert get("realesrgan-x4plus").available() == (
        "not installed: run `retouch models install realesrgan-x4plus`")
    assert get("adain").available() == (
        "needs adain-vgg, adain-decoder (not installed): run `retouch models install "
        "adain-vgg` and `retouch models install adain-decoder`")


# ------------------------------------------------------------------------ model cache


def test_model_cache_is_keyed_by_model_and_device_and_releases_a_device():
    cache = ModelCache(capacity=2)
    built = []

    def build(tag):
        built.append(tag)
        return tag

    assert cache.get("a", "cuda", lambda: build("a-cuda")) == "a-cuda"
    assert cache.get("a", "cuda", lambda: build("again")) == "a-cuda"
    assert cache.get("a", "cpu", lambda: build("a-cpu")) == "a-cpu"
    assert built == ["a-cuda", "a-cpu"]
    cache.release("cuda")
    assert ("a", "cuda") not in cache and ("a", "cpu") in cache
    # a changed file (version) is loaded again
    assert cache.get("a", "cpu", lambda: build("v2"), version=2) == "v2"
    # least recently used goes past the capacity
    cache.get("b", "cpu", lambda: "b")
    cache.get("a", "cpu", lambda: "unused", version=2)
    cache.get("c", "cpu", lambda: "c")
    assert cache.keys() == [("a", "cpu"), ("c", "cpu")]


def test_a_failed_load_caches_nothing():
    cache = ModelCache()

    def broken():
        raise EngineError("bad file")

    with pytest.raises(EngineError):
        cache.get("m", "cpu", broken)
    assert cache.keys() == []


def test_mask_bbox_takes_any_mask_type():
    m = np.zeros((6, 8), np.float32)
    m[2:4, 3:7] = 0.5
    assert mask_bbox(m) == (3, 2, 7, 4)
    assert mask_bbox(m > 0) == (3, 2, 7, 4)
    assert mask_bbox(np.zeros((3, 3), np.uint8)) is None


def test_task_inputs_declare_their_kinds():
    spec = REGISTRY.spec("style")
    assert spec.input_names == ("image", "style", "mask")
    assert not spec.input("style").required and spec.input("mask").flag == "--mask"
    with pytest.raises(ValueError, match="unknown kind"):
        TaskInput("x", "tensor", "X")
