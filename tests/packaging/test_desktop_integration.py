"""Linux desktop entry, AppStream metadata and the app icons agree with each other."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET

from PIL import Image

from tests.packaging.conftest import PACKAGING, REPO

LINUX = PACKAGING / "linux"


def test_desktop_entry_launches_retouch_with_the_app_icon(cfg):
    path = LINUX / f"{cfg.APP_ID}.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == cfg.APP_NAME
    assert entry["Icon"] == cfg.APP_ID
    assert "Graphics" in entry["Categories"].split(";")
    assert "image/png" in entry["MimeType"].split(";")
    if shutil.which("desktop-file-validate"):
        out = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False)
        assert out.returncode == 0 and not out.stdout.strip(), out.stdout


def test_metainfo_names_the_desktop_entry_and_binary(cfg):
    root = ET.parse(LINUX / f"{cfg.APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == cfg.APP_ID
    assert root.findtext("launchable") == f"{cfg.APP_ID}.desktop"
    assert root.findtext("provides/binary") == cfg.APP_NAME
    assert root.findtext("project_license") == "BSD-3-Clause"
    assert root.find("description/p") is not None


def test_icon_pngs_have_their_named_sizes_and_an_alpha_channel():
    icons = REPO / "resources" / "icons"
    pngs = sorted(icons.glob("retouch-*.png"))
    assert len(pngs) >= 6
    for path in pngs:
        size = int(path.stem.split("-")[1])
        with Image.open(path) as im:
            assert im.size == (size, size), path.name
            assert im.mode == "RGBA"
            assert im.getpixel((0, 0))[3] == 0  # rounded corner is transparent
            assert im.getpixel((size // 2, size // 2))[3] == 255
    with Image.open(icons / "retouch.ico") as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    with Image.open(icons / "retouch.icns") as icns:
        assert icns.format == "ICNS"
    ET.parse(icons / "retouch.svg")  # well-formed SVG
