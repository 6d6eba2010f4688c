"""Every hostile file gives a FileError naming the file, never another exception."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from editor.io import FileError, convert, load_image, open_document
from tests.io.corpus import hostile

NAMES = sorted(hostile.build())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return hostile.write(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", NAMES)
def test_hostile_file_gives_file_error_naming_it(corpus, name):
    path = next(p for p in corpus if p.name == name)
    with pytest.raises(FileError) as info:
        open_document(path)
    message = str(info.value)
    assert name in message
    assert corpus[path].lower() in message.lower(), message
    assert "\n" not in message


@pytest.mark.parametrize("name", [n for n in NAMES if not n.endswith(".ora")])
def test_hostile_image_via_load_image_and_convert(corpus, tmp_path, name):
    path = next(p for p in corpus if p.name == name)
    with pytest.raises(FileError):
        load_image(path)
    out = tmp_path / "out.png"
    with pytest.raises(FileError, match=name.replace(".", r"\.")):
        convert(path, out)
    assert not out.exists()


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileError, match="nothere.png: no such file"):
        open_document(tmp_path / "nothere.png")
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(FileError, match="dir.png"):
        open_document(tmp_path / "dir.png")


def test_pixel_limit_is_overridable_by_environment(tmp_path, monkeypatch):
    path = tmp_path / "small.png"
    Image.new("RGB", (20, 10)).save(path)
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "199")
    with pytest.raises(FileError, match="RETOUCH_MAX_PIXELS"):
        open_document(path)
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "200")
    assert open_document(path).size == (20, 10)


def test_pixel_limit_applies_to_ora_layers(tmp_path, monkeypatch):
    from editor.document import Document, Layer
    from editor.io import save_ora

    path = tmp_path / "p.ora"
    save_ora(Document(10, 10, 8, layers=[Layer(np.zeros((10, 10, 4), np.uint8))]), path)
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "99")
    with pytest.raises(FileError, match="p.ora"):
        open_document(path)


def test_pillow_format_we_do_not_support_is_refused(tmp_path):
    path = tmp_path / "x.pcx"
    Image.new("RGB", (4, 4)).save(path, format="PCX")
    with pytest.raises(FileError, match="x.pcx"):
        open_document(path)


def test_pillow_global_limits_are_restored_after_decoding(corpus):
    before = (Image.MAX_IMAGE_PIXELS,)
    for path in corpus:
        try:
            open_document(path)
        except FileError:
            pass
    assert (Image.MAX_IMAGE_PIXELS,) == before and Image.MAX_IMAGE_PIXELS is not None
