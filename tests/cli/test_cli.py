from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

from editor.cli import ProgressPrinter, main
from ml import engines as registry
from ml.engines import InpaintEngine, StyleEngine, UpscaleEngine
from ml.types import Param


class NearestUpscale(UpscaleEngine):
    id = "cli-test-nearest"
    name = "Nearest (test)"
    scales = (2, 4)
    params = (Param("tile", "Tile", "int", 0, 0, 4096),)

    def upscale(self, image, scale, ctx, **params):
        ctx.report(0.5, "tile 1/2")
        ctx.report(1.0, "tile 2/2")
        return image.repeat(scale, axis=0).repeat(scale, axis=1)


class MeanFill(InpaintEngine):
    id = "cli-test-fill"
    name = "Mean fill (test)"

    def inpaint(self, image, mask, ctx, **params):
        out = image.copy()
        out[mask > 0.5] = image[mask <= 0.5].mean(axis=0)
        return out


class Invert(StyleEngine):
    id = "cli-test-invert"
    name = "Invert (test)"
    needs_style_image = False
    params = (Param("strength", "Strength", "float", 1.0, 0.0, 1.0),)

    def stylize(self, content, style, ctx, **params):
        s = params["strength"]
        return content * (1 - s) + (1.0 - content) * s


class NeedsModel(UpscaleEngine):
    id = "cli-test-needs-model"
    name = "Needs a model (test)"
    model_id = "realesrgan-x4plus"

    def available(self):
        return "model realesrgan-x4plus is not installed"


class Interrupts(UpscaleEngine):
    id = "cli-test-interrupt"
    name = "Interrupted (test)"

    def upscale(self, image, scale, ctx, **params):
        raise KeyboardInterrupt


TEST_ENGINES = [NearestUpscale(), MeanFill(), Invert(), NeedsModel(), Interrupts()]


@pytest.fixture(autouse=True)
def test_engines():
    for e in TEST_ENGINES:
        registry.register(e)
    yield
    for e in TEST_ENGINES:
        registry.unregister(e.id)


def _png(path: Path, w=12, h=10, mode="RGBA", seed=0) -> Path:
    rng = np.random.default_rng(seed)
    channels = {"RGBA": 4, "RGB": 3}[mode]
    Image.fromarray(rng.integers(0, 256, (h, w, channels), dtype=np.uint8), mode).save(path)
    return path


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_upscale_writes_the_enlarged_image_and_leaves_the_input(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    before = src.read_bytes()
    out = tmp_path / "out.png"
    code = main(["upscale", str(src), str(out), "--scale", "2", "--engine", NearestUpscale.id,
                 "--tile", "64", "--device", "cpu"])
    assert code == 0
    with Image.open(out) as im:
        assert im.size == (24, 20)
    assert src.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".*"))


def test_progress_is_plain_lines_when_not_a_terminal(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    main(["upscale", str(src), str(tmp_path / "o.png"), "--engine", NearestUpscale.id])
    err = capsys.readouterr().err
    assert "100%" in err and "\r" not in err


def test_progress_bar_on_a_terminal_redraws_one_line(tmp_path):
    import io

    from ml.types import Progress

    buf = io.StringIO()
    bar = ProgressPrinter(buf, tty=True)
    bar(Progress(0.5, "tile 1/2"))
    bar(Progress(1.0, "tile 2/2"))
    bar.finish()
    text = buf.getvalue()
    assert text.count("\r") == 2 and "100%" in text and text.endswith("\n")


def test_unreadable_image_is_exit_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"definitely not a png")
    code = main(["upscale", str(bad), str(tmp_path / "o.png"), "--engine", NearestUpscale.id])
    assert code == 2
    line = _error_line(capsys)
    assert line.startswith("error: ") and "broken.png" in line
    assert not (tmp_path / "o.png").exists()


def test_missing_input_is_exit_2(tmp_path, capsys):
    code = main(["upscale", str(tmp_path / "nope.png"), str(tmp_path / "o.png"),
                 "--engine", NearestUpscale.id])
    assert code == 2
    assert "nope.png" in _error_line(capsys)


def test_debug_shows_the_traceback(tmp_path, capsys):
    code = main(["--debug", "upscale", str(tmp_path / "nope.png"), str(tmp_path / "o.png"),
                 "--engine", NearestUpscale.id])
    assert code == 2
    assert "Traceback" in capsys.readouterr().err


def test_unknown_engine_is_exit_2(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    assert main(["upscale", str(src), str(tmp_path / "o.png"), "--engine", "nope"]) == 2
    assert "unknown engine 'nope'" in _error_line(capsys)


def test_missing_model_says_how_to_install_it(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    code = main(["upscale", str(src), str(tmp_path / "o.png"), "--engine", NeedsModel.id])
    assert code == 2
    assert "retouch models install realesrgan-x4plus" in _error_line(capsys)


def test_unsupported_scale_is_exit_2(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    code = main(["upscale", str(src), str(tmp_path / "o.png"), "--engine", NearestUpscale.id,
                 "--scale", "3"])
    assert code == 2
    assert "supports scale 2, 4, not 3" in _error_line(capsys)


def test_inpaint_fills_only_the_white_part_of_the_mask(tmp_path):
    src = _png(tmp_path / "in.png", mode="RGB")
    mask = np.zeros((10, 12), np.uint8)
    mask[2:5, 3:7] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    out = tmp_path / "out.png"
    assert main(["inpaint", str(src), str(tmp_path / "mask.png"), str(out),
                 "--engine", MeanFill.id]) == 0
    a = np.asarray(Image.open(src).convert("RGB")).astype(int)
    b = np.asarray(Image.open(out).convert("RGB")).astype(int)
    keep = mask == 0
    np.testing.assert_array_equal(a[keep], b[keep])
    assert (a[~keep] != b[~keep]).any()


def test_inpaint_without_an_engine_uses_the_content_aware_fill(tmp_path, capsys):
    src = _png(tmp_path / "in.png", mode="RGB")
    mask = np.zeros((10, 12), np.uint8)
    mask[2:5, 3:7] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    assert main(["inpaint", str(src), str(tmp_path / "mask.png"), str(tmp_path / "o.png")]) == 0
    assert "(patchmatch)" in capsys.readouterr().out


def test_inpaint_mask_of_another_size_is_exit_2(tmp_path, capsys):
    src = _png(tmp_path / "in.png", 12, 10)
    mask = _png(tmp_path / "mask.png", 8, 8)
    out = tmp_path / "out.png"
    assert main(["inpaint", str(src), str(mask), str(out), "--engine", MeanFill.id]) == 2
    line = _error_line(capsys)
    assert "mask.png" in line and "8x8" in line and "12x10" in line
    assert not out.exists()


def test_stylize_with_a_preset_engine_and_strength(tmp_path):
    src = _png(tmp_path / "in.png")
    out = tmp_path / "out.png"
    assert main(["stylize", str(src), str(out), "--engine", Invert.id, "--strength", "1"]) == 0
    a = np.asarray(Image.open(src)).astype(int)
    b = np.asarray(Image.open(out)).astype(int)
    np.testing.assert_array_equal(b[..., :3], 255 - a[..., :3])
    np.testing.assert_array_equal(b[..., 3], a[..., 3])


def test_stylize_strength_out_of_range_is_exit_2(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    code = main(["stylize", str(src), str(tmp_path / "o.png"), "--engine", Invert.id,
                 "--strength", "3"])
    assert code == 2
    assert "--strength" in _error_line(capsys)


def test_stylize_preset_names_the_install_command_until_installed(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    out = tmp_path / "out.png"
    assert main(["stylize", str(src), str(out), "--preset", "candy"]) == 2
    assert "retouch models install fast-neural-style-candy" in _error_line(capsys)
    assert main(["stylize", str(src), str(out), "--preset", "nosuch"]) == 2
    line = _error_line(capsys)
    assert "unknown preset 'nosuch'" in line and "mosaic" in line
    assert not out.exists()


def test_stylize_preset_runs_an_installed_fast_model(tmp_path):
    import os

    import torch

    from ml.archs.transformer_net import TransformerNet

    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    torch.save(TransformerNet().state_dict(), root / "mosaic.pth")
    (root / "index.json").write_text(json.dumps({"version": 1, "models": {
        "fast-neural-style-mosaic": {"file": "mosaic.pth", "sha256": "",
                                     "size": (root / "mosaic.pth").stat().st_size,
                                     "verified": False, "source": "test"}}}))
    src = _png(tmp_path / "in.png")
    out = tmp_path / "out.png"
    assert main(["stylize", str(src), str(out), "--preset", "mosaic", "--strength", "0.5"]) == 0
    assert Image.open(out).size == Image.open(src).size


def test_ctrl_c_cancels_without_leaving_output(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    out = tmp_path / "out.png"
    code = main(["upscale", str(src), str(out), "--engine", Interrupts.id, "--scale", "2"])
    assert code == 130
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def test_engines_json_lists_engines_with_availability(capsys):
    assert main(["engines", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["device_label"].startswith(("CPU", "CUDA", "Apple"))
    rows = {r["id"]: r for r in data["engines"]}
    assert rows[NearestUpscale.id]["available"] is True
    assert rows[NeedsModel.id]["available"] is False
    assert "not installed" in rows[NeedsModel.id]["reason"]


def test_engines_text_names_the_device(capsys):
    assert main(["engines", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("device: CPU (") and NearestUpscale.id in out


def test_models_list_json_shows_the_catalog(capsys):
    assert main(["models", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ids = {m["id"]: m for m in data["models"]}
    assert "realesrgan-x4plus" in ids and ids["realesrgan-x4plus"]["installed"] is False


def test_models_install_unknown_id_is_exit_2(capsys):
    assert main(["models", "install", "no-such-model"]) == 2
    assert "retouch models list" in _error_line(capsys)


def test_models_with_an_unreadable_index_is_a_failure_not_bad_input(capsys):
    from ml.store import ModelStore

    store = ModelStore()
    store.root.mkdir(parents=True, exist_ok=True)
    store.index_path.write_text("{ not json")
    for command in (["models", "remove", "x"], ["models", "verify"]):
        assert main(command) == 1, command
        assert "index" in _error_line(capsys).lower()


def test_models_import_verify_remove_round_trip(tmp_path, capsys):
    import torch
    from spandrel.architectures.Compact import Compact

    ckpt = tmp_path / "mine_x2.pth"
    torch.save({"params_ema": Compact(num_feat=8, num_conv=2, upscale=2).state_dict()}, ckpt)
    assert main(["models", "import", str(ckpt)]) == 0
    assert "imported imported-mine_x2: upscale (Compact, x2)" in capsys.readouterr().out
    assert main(["models", "verify"]) == 0
    assert "ok   imported-mine_x2" in capsys.readouterr().out
    assert main(["models", "remove", "imported-mine_x2"]) == 0
    assert main(["models", "remove", "imported-mine_x2"]) == 2


def test_models_import_of_a_malicious_pickle_is_refused(tmp_path, capsys):
    import os
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(Evil()))
    assert main(["models", "import", str(path)]) == 2
    assert "refused to load" in _error_line(capsys)
    assert not marker.exists()


def test_convert_changes_format(tmp_path):
    src = _png(tmp_path / "in.png", mode="RGB")
    out = tmp_path / "out.jpg"
    assert main(["convert", str(src), str(out), "--quality", "90"]) == 0
    with Image.open(out) as im:
        assert im.format == "JPEG" and im.size == (12, 10)


def test_self_test_runs_each_available_engine(capsys):
    code = main(["self-test", "--device", "cpu", "--only", NearestUpscale.id,
                 "--only", MeanFill.id, "--only", NeedsModel.id, "--only", Invert.id])
    out = capsys.readouterr().out
    assert f"ok   upscale/{NearestUpscale.id}" in out
    assert f"ok   inpaint/{MeanFill.id}" in out
    assert f"ok   style/{Invert.id}" in out
    assert NeedsModel.id not in out
    assert "ok   model catalog" in out
    assert "ok   headless Qt window" in out and code == 0


def test_unknown_option_is_exit_2(capsys):
    assert main(["upscale", "--bogus"]) == 2


# ----------------------------------------------------------- usage errors, GUI routing


@pytest.mark.parametrize("argv, prog", [
    (["upscale", "--bogus"], "retouch upscale"),
    (["upscale", "only-one.png"], "retouch upscale"),
    (["convert", "a.png", "b.png", "--quality", "abc"], "retouch convert"),
    (["models", "frobnicate"], "retouch models"),
    (["--device", "cpu", "upscale", "a.png", "b.png", "--scale", "5"], "retouch upscale"),
])
def test_usage_errors_are_one_error_line_with_a_help_hint(argv, prog, capsys):
    assert main(argv) == 2
    line = _error_line(capsys)
    assert line.startswith("error: ") and line.endswith(f"(see {prog} --help)")
    assert "usage:" not in line


@pytest.mark.parametrize("quality", ["0", "101", "500", "-3"])
def test_convert_quality_outside_1_to_100_is_refused(tmp_path, quality, capsys):
    src = _png(tmp_path / "in.png", mode="RGB")
    out = tmp_path / "out.jpg"
    assert main(["convert", str(src), str(out), f"--quality={quality}"]) == 2
    line = _error_line(capsys)
    assert "--quality" in line and "between 1 and 100" in line
    assert not out.exists()


def test_a_mistyped_subcommand_is_refused_without_starting_the_editor(tmp_path, capsys,
                                                                      monkeypatch):
    from editor import cli

    def no_gui(paths, debug):
        raise AssertionError("the GUI was started")

    monkeypatch.setattr(cli, "cmd_gui", no_gui)
    src = _png(tmp_path / "a.png")
    assert main(["upscal", str(src), str(tmp_path / "b.png")]) == 2
    assert _error_line(capsys) == (
        "error: 'upscal' is not a file or a command (did you mean 'upscale'?)")
    assert main(["mdoels", "list"]) == 2
    assert "did you mean 'models'?" in _error_line(capsys)
    assert main([str(tmp_path)]) == 2  # a folder
    assert "is a folder" in _error_line(capsys)


def test_a_missing_image_file_is_left_to_the_window_to_report(tmp_path, monkeypatch):
    # From a launcher (`retouch %F`) there is no terminal: the window says it, not stderr.
    from editor import cli

    opened = []
    monkeypatch.setattr(cli, "cmd_gui", lambda paths, debug: opened.append(paths) or 0)
    src = _png(tmp_path / "a.png")
    missing = str(tmp_path / "gone.jpg")
    assert main([str(src), missing]) == 0
    assert opened == [[str(src), missing]]


def test_long_options_are_not_abbreviated(tmp_path, capsys):
    src = _png(tmp_path / "a.png")
    assert main(["--dev", "cpu", "upscale", str(src), str(tmp_path / "b.png")]) == 2
    assert "--dev" in _error_line(capsys)
    assert main(["upscale", str(src), str(tmp_path / "b.png"), "--sca", "2"]) == 2


def test_existing_files_still_open_the_editor(tmp_path, monkeypatch):
    from editor import cli

    opened = []
    monkeypatch.setattr(cli, "cmd_gui", lambda paths, debug: opened.append(paths) or 0)
    src = _png(tmp_path / "a.png")
    assert main(["--device", "cpu", str(src)]) == 0
    assert opened == [[str(src)]]


def test_global_device_option_before_the_subcommand(tmp_path):
    src = _png(tmp_path / "in.png")
    out = tmp_path / "o.png"
    assert main(["--device", "cpu", "upscale", str(src), str(out), "--scale", "2",
                 "--engine", NearestUpscale.id]) == 0
    assert out.exists()


# ------------------------------------------------- unwritable outputs: same in every command


def _no_space(*args, **kwargs):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def _run_cmd(kind: str, src: Path, out: str) -> int:
    if kind == "convert":
        return main(["convert", str(src), out])
    if kind == "upscale":
        return main(["upscale", str(src), out, "--scale", "2", "--engine", NearestUpscale.id])
    return main(["stylize", str(src), out, "--engine", Invert.id])


@pytest.mark.parametrize("kind", ["convert", "upscale", "stylize"])
def test_missing_output_folder_is_exit_2_naming_the_path_as_typed(tmp_path, kind, capsys,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = _png(tmp_path / "ok.png")
    assert _run_cmd(kind, src, "nodir/o.png") == 2
    line = _error_line(capsys)
    assert line.startswith("error: nodir/o.png: ") and "does not exist" in line


@pytest.mark.parametrize("kind", ["convert", "upscale", "stylize"])
def test_a_failed_write_during_save_is_exit_1_in_every_command(tmp_path, kind, capsys,
                                                              monkeypatch):
    import editor.io.images

    monkeypatch.setattr(editor.io.images, "encode_image", _no_space)
    src = _png(tmp_path / "ok.png")
    out = tmp_path / "out.png"
    assert _run_cmd(kind, src, str(out)) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]  # after the progress lines
    assert line.startswith(f"error: {out}: could not be saved") and "No space" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.png"]


@pytest.mark.parametrize("kind", ["convert", "upscale", "stylize"])
def test_read_only_output_folder_is_exit_2_before_any_work(tmp_path, kind, capsys,
                                                          monkeypatch):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path, mode, *a, **kw):  # as for a non-root user on a 0o555 folder
        if Path(path) == locked and mode & os.W_OK:
            return False
        return real_access(path, mode, *a, **kw)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(NearestUpscale, "upscale", _no_space)  # ran = exit 1, not 2
    monkeypatch.setattr(Invert, "stylize", _no_space)
    src = _png(tmp_path / "ok.png")
    assert _run_cmd(kind, src, str(locked / "o.png")) == 2
    line = _error_line(capsys)
    assert str(locked / "o.png") in line and "read-only or permission denied" in line


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root may write in a read-only folder")
def test_read_only_output_folder_for_real(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        src = _png(tmp_path / "ok.png")
        assert _run_cmd("upscale", src, str(locked / "o.png")) == 2
        assert "read-only or permission denied" in _error_line(capsys)
    finally:
        locked.chmod(0o755)


def test_convert_bad_input_is_exit_2_naming_the_path_as_typed(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "junk.png").write_bytes(b"not an image")
    assert main(["convert", "sub/junk.png", "o.jpg"]) == 2
    assert _error_line(capsys).startswith("error: sub/junk.png: ")


# ------------------------------------------------------------- OpenRaster in and out


def test_upscale_reads_and_writes_openraster(tmp_path):
    from editor.io import read_ora

    src = _png(tmp_path / "in.bmp", mode="RGB")
    ora = tmp_path / "big.ora"
    assert main(["upscale", str(src), str(ora), "--scale", "2",
                 "--engine", NearestUpscale.id]) == 0
    doc = read_ora(ora)
    assert (doc.width, doc.height) == (24, 20) and len(doc.layers) == 1
    back = tmp_path / "bigger.png"
    assert main(["upscale", str(ora), str(back), "--scale", "2",
                 "--engine", NearestUpscale.id]) == 0
    a = np.asarray(Image.open(src).convert("RGBA"))
    b = np.asarray(Image.open(back).convert("RGBA"))
    np.testing.assert_array_equal(b, a.repeat(4, axis=0).repeat(4, axis=1))


def test_inpaint_and_stylize_accept_openraster(tmp_path):
    src = _png(tmp_path / "in.png", mode="RGB")
    ora = tmp_path / "in.ora"
    assert main(["convert", str(src), str(ora)]) == 0
    mask = np.zeros((10, 12), np.uint8)
    mask[2:5, 3:7] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    assert main(["inpaint", str(ora), str(tmp_path / "mask.png"), str(tmp_path / "f.ora"),
                 "--engine", MeanFill.id]) == 0
    assert main(["stylize", str(ora), str(tmp_path / "s.ora"), "--engine", Invert.id]) == 0
    from editor.io import read_ora

    styled = read_ora(tmp_path / "s.ora").composite()
    a = np.asarray(Image.open(src).convert("RGBA")).astype(int)
    np.testing.assert_array_equal(styled[..., :3], 255 - a[..., :3])


# ------------------------------------------------------ models: exit code by what failed


@pytest.fixture
def local_catalog(monkeypatch):
    """A one-entry catalog whose URL points at a local HTTP server (or a closed port)."""
    import hashlib
    import http.server
    import threading

    import ml.store
    from ml.store import CatalogEntry

    payload = b"weights" * 100
    routes = {"/good.pth": payload}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def entry(model_id, url, sha256):
        return CatalogEntry(id=model_id, task="upscale", architecture="Compact", url=url,
                            size=len(payload), sha256=sha256, licence="test",
                            commercial_use=True, scale=2, format="pth", description="")

    import socket

    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    entries = [
        entry("t-ok", f"{base}/good.pth", hashlib.sha256(payload).hexdigest()),
        entry("t-bad-hash", f"{base}/good.pth", "0" * 64),
        entry("t-404", f"{base}/missing.pth", "0" * 64),
        entry("t-refused", f"http://127.0.0.1:{closed}/x.pth", "0" * 64),
    ]
    monkeypatch.setattr(ml.store, "load_catalog", lambda folder=None: list(entries))
    yield
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("model_id, words", [
    ("t-refused", "unreachable"),  # "Connection refused" once read as bad input (2)
    ("t-404", "HTTP 404"),
    ("t-bad-hash", "does not match"),
])
def test_models_install_network_and_checksum_failures_are_exit_1(local_catalog, model_id,
                                                                 words, capsys):
    assert main(["models", "install", model_id]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("error: ") and words in line


def test_models_install_from_the_local_server_and_unknown_id(local_catalog, capsys):
    assert main(["models", "install", "t-ok"]) == 0
    assert "installed t-ok" in capsys.readouterr().out
    assert main(["models", "install", "t-nope"]) == 2
    assert "unknown model 't-nope'" in _error_line(capsys)


@pytest.mark.parametrize("name, content, words", [
    ("empty.pth", b"", "is empty"),
    ("junk.pth", b"\x00\x01 not a checkpoint" * 10, ""),  # wording is the loader's
    ("junk.safetensors", b"garbage" * 10, "safetensors"),
    ("weights.txt", b"hello", "cannot import"),
])
def test_models_import_of_an_empty_or_junk_file_is_exit_2(tmp_path, name, content, words,
                                                          capsys):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["models", "import", str(path)]) == 2
    line = _error_line(capsys)
    assert str(path) in line and words in line
    assert main(["models", "import", str(tmp_path / "absent.pth")]) == 2
    assert "no such file" in _error_line(capsys)


def test_models_help_documents_the_exit_codes(capsys):
    assert main(["models", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Exit codes: 2 when the ID is unknown" in out and "checksum" in out


def test_self_test_leaves_the_users_settings_and_data_alone(tmp_path, monkeypatch, capsys):
    config, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv("RETOUCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("RETOUCH_DATA_DIR", str(data))
    assert main(["self-test", "--device", "cpu", "--only", NearestUpscale.id]) == 0
    assert "ok   headless Qt window" in capsys.readouterr().out
    for folder in (config, data):
        assert not folder.exists() or not any(folder.rglob("*")), list(folder.rglob("*"))
    import os

    assert os.environ["RETOUCH_CONFIG_DIR"] == str(config)


# --------------------------------------------------------------- stylize: dialog options


class Recording(StyleEngine):
    """Declares the style dialog's own parameters and records what it was given."""

    id = "cli-test-recording"
    name = "Recording (test)"
    needs_style_image = False
    seen: ClassVar[list] = []

    @property
    def params(self):
        from ml.engines.style import COMMON_PARAMS

        return COMMON_PARAMS

    def stylize(self, content, style, ctx, **params):
        Recording.seen.append(params)
        return 1.0 - content


@pytest.fixture
def recording():
    Recording.seen = []
    registry.register(Recording())
    yield Recording.seen
    registry.unregister(Recording.id)


def test_stylize_keep_colors_and_style_scale_reach_the_engine(tmp_path, recording):
    src = _png(tmp_path / "in.png")
    out = tmp_path / "o.png"
    assert main(["stylize", str(src), str(out), "--engine", Recording.id]) == 0
    assert recording[-1]["keep_colors"] is False and recording[-1]["style_scale"] == 1.0
    assert main(["stylize", str(src), str(out), "--engine", Recording.id, "--keep-colors",
                 "--style-scale", "2.5", "--strength", "0.5"]) == 0
    assert recording[-1] == {"strength": 0.5, "keep_colors": True, "style_scale": 2.5}


def test_stylize_style_scale_outside_the_engine_range_is_exit_2(tmp_path, recording, capsys):
    src = _png(tmp_path / "in.png")
    for bad, words in (("9", "above the maximum 4"), ("0", "--style-scale must be above 0")):
        assert main(["stylize", str(src), str(tmp_path / "o.png"), "--engine", Recording.id,
                     "--style-scale", bad]) == 2
        line = _error_line(capsys)
        assert "style_scale" in line.replace("-", "_") and words in line
    assert recording == []


def test_stylize_keep_colors_with_the_colour_transfer_engine(tmp_path):
    """A real engine: keep-colours keeps the input's chroma, so the result differs."""
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(tmp_path / "c.png")
    style = np.zeros((16, 16, 3), np.uint8)
    style[..., 0] = 220  # a red style image
    Image.fromarray(style).save(tmp_path / "s.png")
    plain, kept = tmp_path / "plain.png", tmp_path / "kept.png"
    args = ["stylize", str(tmp_path / "c.png"), str(tmp_path / "s.png")]
    assert main([*args, str(plain), "--engine", "color-transfer"]) == 0
    assert main([*args, str(kept), "--engine", "color-transfer", "--keep-colors"]) == 0
    a = np.asarray(Image.open(plain).convert("RGB")).astype(int)
    b = np.asarray(Image.open(kept).convert("RGB")).astype(int)
    assert a[..., 0].mean() - a[..., 1].mean() > 50  # turned red
    assert abs(b[..., 0].mean() - b[..., 1].mean()) < 30  # kept its own (grey-ish) colours


def test_stylize_mask_restricts_the_change_to_the_white_part(tmp_path):
    src = _png(tmp_path / "in.png")
    mask = np.zeros((10, 12), np.uint8)
    mask[2:6, 4:9] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    out = tmp_path / "o.png"
    assert main(["stylize", str(src), str(out), "--engine", Invert.id,
                 "--mask", str(tmp_path / "mask.png")]) == 0
    a = np.asarray(Image.open(src)).astype(int)
    b = np.asarray(Image.open(out)).astype(int)
    on = mask > 0
    np.testing.assert_array_equal(b[~on], a[~on])
    np.testing.assert_array_equal(b[on][:, :3], 255 - a[on][:, :3])


def test_stylize_mask_of_another_size_or_empty_is_exit_2(tmp_path, capsys):
    src = _png(tmp_path / "in.png", 12, 10)
    out = tmp_path / "o.png"
    small = _png(tmp_path / "small.png", 8, 8)
    assert main(["stylize", str(src), str(out), "--engine", Invert.id,
                 "--mask", str(small)]) == 2
    line = _error_line(capsys)
    assert "small.png" in line and "8x8" in line and "12x10" in line
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / "black.png")
    assert main(["stylize", str(src), str(out), "--engine", Invert.id,
                 "--mask", str(tmp_path / "black.png")]) == 2
    assert "the mask is empty" in _error_line(capsys)
    assert not out.exists()
