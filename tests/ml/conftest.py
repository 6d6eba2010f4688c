"""Fixtures for ML tests: random-weight checkpoints in real formats, a loopback HTTP server."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
import torch


def _compact(scale: int = 2, seed: int = 0):
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(seed)
    return Compact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=scale)


@pytest.fixture
def compact_checkpoint(tmp_path):
    """Factory: a random-weight SRVGGNetCompact saved like Real-ESRGAN (`params_ema`)."""

    def make(name: str = "compact_x2.pth", scale: int = 2, seed: int = 0) -> Path:
        path = tmp_path / name
        state = _compact(scale, seed).state_dict()
        if path.suffix == ".safetensors":
            from safetensors.torch import save_file

            save_file({k: v.contiguous() for k, v in state.items()}, str(path))
        else:
            torch.save({"params_ema": state}, path)
        return path

    return make


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files`` (name -> bytes) with Range support; counts requests."""

    def log_message(self, *args):  # keep test output clean
        return

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        data = srv.files.get(self.path.lstrip("/"))
        if data is None:
            self.send_error(404, "Not Found")
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and srv.ranges:
            start = int(rng[6:].split("-", 1)[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        limit = srv.cut_after.pop(self.path.lstrip("/"), None)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if limit is not None:
            # simulate a dropped connection part-way through
            self.wfile.write(body[:limit])
            self.wfile.flush()
            self.connection.close()
            return
        for i in range(0, len(body), 4096):
            self.wfile.write(body[i : i + 4096])


@pytest.fixture
def http_server():
    """A threaded HTTP server on 127.0.0.1; ``.files[name] = bytes``, ``.url(name)``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    server.files = {}
    server.requests = []
    server.cut_after = {}
    server.ranges = True
    server.url = lambda name: f"http://127.0.0.1:{server.server_address[1]}/{name}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def res_folder(tmp_path: Path) -> Path:
    """Random-weight sr-res ×2/×4 files with non-trivial residual blocks and tail."""
    from ml.archs.sr_res import SRRes
    from ml.archs.sr_small import save_sr_model

    for scale in (2, 4):
        torch.manual_seed(scale)
        model = SRRes(scale, channels=8, blocks=1, res_blocks=2)
        for block in model.res:
            torch.nn.init.normal_(block.conv2.weight, std=0.05)
        torch.nn.init.normal_(model.tail.weight, std=0.05)
        save_sr_model(model, tmp_path / f"sr-res-x{scale}.safetensors")
    return tmp_path
