"""Edit ▸ Models…: install, cancel/resume, hash mismatch, remove, verify, import through the
real model store, downloading from the 127.0.0.1 test server (tests/ml/conftest.py)."""

from __future__ import annotations

import hashlib
import os
import socket
import time

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from editor.ui.ai_common import EngineCombo
from editor.ui.models_dialog import COL_NOTES, COL_SIZE, COL_USED, ModelsDialog, human_size
from ml.store import ModelStore, load_catalog
from tests.ml.conftest import compact_checkpoint, http_server  # noqa: F401 - fixtures
from tests.ml.test_store import _entry
from tests.ui.test_window import answer_prompt

# ruff: noqa: F811 - the fixtures imported above are used as argument names


class SlowBytes(bytes):
    """File contents the test server sends slowly: its handler writes ``body[i:i+4096]``,
    and every slice of these bytes takes 3 ms (a ~1.3 MB/s line), so a test can press
    Cancel while a download is really under way."""

    def __getitem__(self, key):
        if isinstance(key, slice):
            time.sleep(0.003)
            return SlowBytes(super().__getitem__(key))
        return super().__getitem__(key)


def _dialog(window, qtbot, *entries) -> ModelsDialog:
    # the default root: $RETOUCH_MODELS_DIR (a temp dir per test), the same folder the
    # engines look in, so "the engine becomes available" is checked for real
    dlg = ModelsDialog(window, ModelStore(catalog=list(entries)))
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _wait_idle(dlg, qtbot, timeout=10_000) -> None:
    qtbot.waitUntil(lambda: not dlg.busy(), timeout=timeout)


def _error_boxes(dlg) -> list[str]:
    return [b.text() for b in dlg.findChildren(QMessageBox) if b.isVisible()]


def _install(dlg, qtbot, model_id: str) -> None:
    assert dlg.select(model_id)
    assert dlg.install_button.isEnabled()
    dlg.install_button.click()


def test_human_size():
    assert [human_size(n) for n in (0, 232_589, 4_885_111, 67_040_989, 1_500_000_000)] == [
        "?", "233 kB", "4.9 MB", "67 MB", "1.5 GB"]


def test_menu_entry_lists_the_real_catalog_and_downloads_nothing(window, qtbot):
    window.actions_by_id["edit.models"].trigger()  # enabled without any document open
    dlg = window.findChild(ModelsDialog)
    assert dlg is not None and dlg.isVisible()
    catalog = load_catalog()
    assert dlg.table.rowCount() == len(catalog)
    for e in catalog:
        row = dlg.row_info(e.id)
        assert dlg.status_text(e.id) == "Not installed"
        assert ("non-commercial" in row.notes) == (not e.commercial_use), e.id
        assert ("unverified hash" in row.notes) == (not e.verified), e.id
    assert "non-commercial" in dlg.table.item(dlg.row_of("stylegan2-ffhq-1024"), COL_NOTES).text()
    assert dlg.table.item(dlg.row_of("big-lama"), COL_SIZE).text() == "206 MB"
    root = ModelStore().root
    assert not root.exists() or not any(root.iterdir())
    window.actions_by_id["edit.models"].trigger()  # a second time: the same dialog
    assert window.findChildren(ModelsDialog) == [dlg]


def test_install_downloads_through_the_store_and_the_inpaint_engine_appears(
        window, qtbot, http_server):
    data = os.urandom(50_000)
    http_server.files["migan.pt"] = data
    entry = _entry(http_server.url("migan.pt"), data, id="migan-512", task="inpaint",
                   architecture="MI-GAN", format="torchscript", scale=1)
    dlg = _dialog(window, qtbot, entry)
    assert "not installed" in EngineCombo("inpaint").reason("migan")
    _install(dlg, qtbot, "migan-512")
    _wait_idle(dlg, qtbot)
    assert dlg.status_text("migan-512") == "Installed"
    store = ModelStore()
    assert store.installed("migan-512") and store.path("migan-512").read_bytes() == data
    assert "Installed migan-512" in dlg.message.text()
    assert "Installed migan-512" in window.statusBar().currentMessage()
    # a filter dialog opened now builds its engine list afresh and offers MI-GAN
    combo = EngineCombo("inpaint")
    assert combo.reason("migan") is None and combo.select("migan")
    assert not dlg.install_button.isEnabled() and dlg.remove_button.isEnabled()


def test_cancel_mid_download_keeps_the_partial_and_resume_finishes(window, qtbot, http_server):
    data = os.urandom(1_000_000)
    http_server.files["big.pth"] = SlowBytes(data)
    dlg = _dialog(window, qtbot, _entry(http_server.url("big.pth"), data, id="big"))
    _install(dlg, qtbot, "big")
    # progress shows in the row and in the window's status bar
    qtbot.waitUntil(lambda: dlg.progress_bar("big") is not None
                    and dlg.progress_bar("big").value() > 0, timeout=5000)
    assert "MB" in dlg.status_text("big")
    assert window.progress.isVisible() and window.cancel_button.isVisible()
    assert dlg.cancel_button.isEnabled() and not dlg.install_button.isEnabled()
    dlg.cancel_button.click()
    _wait_idle(dlg, qtbot)
    store = dlg.store
    assert store.root == ModelStore().root  # the folder the engines read
    assert not store.installed("big") and store.record("big") is None
    kept = store.partial_size("big")
    assert 0 < kept < len(data)
    assert dlg.status_text("big").startswith("Partly downloaded")
    assert dlg.install_button.text() == "Resume Download"
    assert "cancelled" in dlg.message.text()
    http_server.files["big.pth"] = data  # full speed for the rest
    dlg.install_button.click()
    _wait_idle(dlg, qtbot)
    assert http_server.requests[-1] == ("/big.pth", f"bytes={kept}-")
    assert store.path("big").read_bytes() == data
    assert dlg.status_text("big") == "Installed"


def test_hash_mismatch_is_a_message_and_nothing_is_installed(window, qtbot, http_server):
    data = os.urandom(20_000)
    http_server.files["x.pth"] = data
    dlg = _dialog(window, qtbot, _entry(http_server.url("x.pth"), data, sha256="0" * 64))
    _install(dlg, qtbot, "tiny-x2")
    _wait_idle(dlg, qtbot)
    assert "does not match the catalog's 0000" in dlg.message.text()
    assert any("file was deleted" in t for t in _error_boxes(dlg))
    assert "Traceback" not in dlg.message.text()
    store = dlg.store
    assert not store.installed("tiny-x2") and store.partial_size("tiny-x2") == 0
    assert dlg.status_text("tiny-x2") == "Not installed"


def test_unreachable_server_is_a_message(window, qtbot):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    dlg = _dialog(window, qtbot, _entry(f"http://127.0.0.1:{port}/x.pth", b"x"))
    _install(dlg, qtbot, "tiny-x2")
    _wait_idle(dlg, qtbot)
    assert "unreachable" in dlg.message.text() and "network" in dlg.message.text()
    assert dlg.status_text("tiny-x2") == "Not installed"


def test_non_commercial_entry_is_marked_and_asks_naming_its_licence(window, qtbot,
                                                                    http_server):
    data = os.urandom(10_000)
    http_server.files["nc.pt"] = data
    entry = _entry(http_server.url("nc.pt"), data, id="nc-model", commercial_use=False,
                   licence="CC BY-NC 4.0")
    dlg = _dialog(window, qtbot, entry)
    assert dlg.row_info("nc-model").notes == ["non-commercial"]
    assert dlg.table.item(dlg.row_of("nc-model"), COL_NOTES).text() == "non-commercial"
    assert dlg.select("nc-model")
    prompt = answer_prompt("Cancel")
    dlg.install_button.click()
    prompt.stop()
    assert prompt.seen and "CC BY-NC 4.0" in prompt.seen[0] and "non-commercial" in prompt.seen[0]
    assert http_server.requests == [] and not dlg.busy()  # declined: nothing fetched
    prompt = answer_prompt("Download")
    dlg.install_button.click()
    prompt.stop()
    _wait_idle(dlg, qtbot)
    assert ModelStore().installed("nc-model")


def test_used_by_names_the_feature_of_each_entry_and_marks_unused_ones_coming(window, qtbot):
    dlg = _dialog(window, qtbot, *load_catalog())

    def used(mid: str) -> str:
        return dlg.table.item(dlg.row_of(mid), COL_USED).text()

    assert used("realesrgan-x4plus").startswith("Upscale: ")
    assert used("big-lama") == "Remove / Inpaint: LaMa (big-lama)"
    assert "Neural style" in used("vgg19-torchvision")  # optional: Gatys uses it if there
    for mid in ("stylegan2-ffhq-1024", "e4e-ffhq-encode", "e4e-direction-pose",
                "ganspace-ffhq-pca"):
        assert used(mid) == "Latent Edit: StyleGAN2 FFHQ portrait (non-commercial)", mid
    # nothing uses the face-restoration or the other face-detection models yet
    for mid in ("gfpgan-1.4", "restoreformer", "yunet-2023mar", "retinaface-resnet50"):
        assert used(mid) == "(coming)", mid
        assert "No feature" in dlg.table.item(dlg.row_of(mid), COL_USED).toolTip()
    dlg.select("gfpgan-1.4")
    assert "Used by: nothing yet" in dlg.details.text()
    dlg.select("stylegan2-ffhq-1024")
    assert "Used by: Latent Edit" in dlg.details.text()
    assert "non-commercial use only" in dlg.details.text()


def test_the_portrait_generator_asks_before_download_and_says_non_commercial(window, qtbot):
    dlg = _dialog(window, qtbot, *load_catalog())
    assert dlg.select("stylegan2-ffhq-1024")
    prompt = answer_prompt("Cancel")
    qtbot.mouseClick(dlg.install_button, Qt.MouseButton.LeftButton)
    prompt.stop()
    assert prompt.seen and "non-commercial" in prompt.seen[0]
    assert "NVIDIA Source Code License-NC" in prompt.seen[0]
    assert not dlg.busy() and not ModelStore().installed("stylegan2-ffhq-1024")


def test_remove_asks_then_deletes_and_the_engine_is_unavailable_again(window, qtbot,
                                                                      http_server):
    data = os.urandom(10_000)
    http_server.files["migan.pt"] = data
    dlg = _dialog(window, qtbot, _entry(http_server.url("migan.pt"), data, id="migan-512",
                                        task="inpaint", format="torchscript", scale=1))
    _install(dlg, qtbot, "migan-512")
    _wait_idle(dlg, qtbot)
    path = ModelStore().path("migan-512")
    prompt = answer_prompt("Cancel")
    dlg.remove_button.click()
    prompt.stop()
    assert path.exists()  # declined
    prompt = answer_prompt("Remove")
    dlg.remove_button.click()
    prompt.stop()
    assert prompt.seen and "migan-512" in prompt.seen[0]
    assert not path.exists() and not ModelStore().installed("migan-512")
    assert dlg.status_text("migan-512") == "Not installed"
    assert "not installed" in EngineCombo("inpaint").reason("migan")


def test_verify_reports_ok_then_a_tampered_file(window, qtbot, http_server):
    data = os.urandom(10_000)
    http_server.files["v.pth"] = data
    dlg = _dialog(window, qtbot, _entry(http_server.url("v.pth"), data))
    _install(dlg, qtbot, "tiny-x2")
    _wait_idle(dlg, qtbot)
    dlg.verify_button.click()
    _wait_idle(dlg, qtbot)
    assert dlg.message.text() == "tiny-x2: ok"
    ModelStore().path("tiny-x2").write_bytes(b"tampered")
    dlg.verify_button.click()
    _wait_idle(dlg, qtbot)
    assert "failed verification" in dlg.message.text()
    assert hashlib.sha256(b"tampered").hexdigest() in dlg.message.text()


def test_import_adds_an_upscaler_and_refuses_other_files(window, qtbot, compact_checkpoint,
                                                         tmp_path):
    from ml.engines import engines

    dlg = _dialog(window, qtbot)
    dlg.import_path(compact_checkpoint("my_x4.safetensors", scale=4))
    _wait_idle(dlg, qtbot, timeout=20_000)
    assert dlg.selected_id() == "imported-my_x4"
    assert dlg.status_text("imported-my_x4") == "Installed"
    assert dlg.row_info("imported-my_x4").notes == ["imported"]
    upscalers = {e.id: e for e in engines("upscale")}
    try:
        assert upscalers["imported-my_x4"].available() is None  # no restart needed
        assert EngineCombo("upscale").select("imported-my_x4")
    finally:
        assert dlg.remove("imported-my_x4", ask=False)
    assert "imported-my_x4" not in {e.id for e in engines("upscale")}
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"x")
    dlg.import_path(onnx)
    _wait_idle(dlg, qtbot)
    assert "cannot import .onnx" in dlg.message.text()
    assert dlg.table.rowCount() == 0


def test_open_models_folder_hands_the_folder_to_the_desktop(window, qtbot):
    class Opener(QObject):
        def __init__(self):
            super().__init__()
            self.urls: list[QUrl] = []

        @Slot(QUrl)
        def open(self, url):
            self.urls.append(url)

    opener = Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        dlg = _dialog(window, qtbot)
        dlg.folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    root = ModelStore().root
    assert [u.toLocalFile() for u in opener.urls] == [str(root)]
    assert root.is_dir()


def test_closing_the_dialog_keeps_the_download_going(window, qtbot, http_server):
    data = os.urandom(400_000)
    http_server.files["bg.pth"] = SlowBytes(data)
    dlg = _dialog(window, qtbot, _entry(http_server.url("bg.pth"), data, id="bg"))
    _install(dlg, qtbot, "bg")
    dlg.close()
    assert not dlg.isVisible()
    _wait_idle(dlg, qtbot)
    assert ModelStore().installed("bg")
    assert "Installed bg" in window.statusBar().currentMessage()
