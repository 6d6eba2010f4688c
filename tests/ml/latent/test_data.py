"""Synthetic cartoon faces, image-folder loading and the labels CSV format."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ml.data.cartoon_faces import ATTRIBUTES, generate, render_face, write_folder
from ml.data.image_folder import list_images, load_image_folder, load_square
from ml.data.labels import is_binary, read_labels, write_labels
from ml.types import EngineError


def test_generate_is_deterministic_and_labelled():
    a, la = generate(8, seed=5)
    b, lb = generate(8, seed=5)
    c, _ = generate(8, seed=6)
    assert a.shape == (8, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(la) == set(ATTRIBUTES)
    for k in la:
        assert np.array_equal(la[k], lb[k]) and la[k].shape == (8,)
    assert set(np.unique(generate(64, seed=1)[1]["glasses"])) == {0.0, 1.0}


def test_attributes_change_the_pixels_where_expected():
    attrs = {"smile": 0.0, "glasses": 0.0, "hair": 0.5, "eye_size": 0.5, "face_width": 0.5,
             "skin": 0.5, "background": 0.5}
    base = render_face(attrs, 64).astype(int)
    smile = render_face({**attrs, "smile": 1.0}, 64).astype(int)
    glasses = render_face({**attrs, "glasses": 1.0}, 64).astype(int)
    bg = render_face({**attrs, "background": 1.0}, 64).astype(int)
    changed = lambda x: np.abs(x - base).sum(axis=2) > 30
    ys, _ = np.nonzero(changed(smile))
    assert ys.size and ys.min() > 40  # the mouth is in the lower part of the face
    ys, _ = np.nonzero(changed(glasses))
    assert ys.size and 20 < ys.mean() < 45  # around the eyes
    assert changed(bg)[0, 0] and not changed(bg)[36, 32]  # background only
    assert render_face(attrs, 128).shape == (128, 128, 3)


def test_independent_attributes():
    _, labels = generate(2000, seed=0)
    x = np.stack([labels[k] for k in ATTRIBUTES])
    corr = np.corrcoef(x)
    off = corr[~np.eye(len(ATTRIBUTES), dtype=bool)]
    assert np.max(np.abs(off)) < 0.1


def test_write_folder_and_read_labels_round_trip(tmp_path):
    csv = write_folder(tmp_path / "faces", 12, seed=2)
    files, labels = read_labels(csv)
    assert [f.name for f in files] == [f"face_{i:05d}.png" for i in range(12)]
    _, expected = generate(12, seed=2)
    for k in ATTRIBUTES:
        np.testing.assert_allclose(labels[k], expected[k], atol=1e-5)
    assert is_binary(labels["glasses"]) and not is_binary(labels["smile"])
    images = load_image_folder(tmp_path / "faces", 64, min_images=12)  # labels.csv ignored
    assert images.shape == (12, 64, 64, 3)
    np.testing.assert_array_equal(images, generate(12, seed=2)[0])


def test_labels_csv_naming_missing_files_is_a_clear_error(tmp_path):
    write_folder(tmp_path, 3, seed=0)
    write_labels(tmp_path / "bad.csv", ["face_00000.png", "nope.png", "gone.jpg"],
                 {"smile": np.zeros(3)})
    with pytest.raises(EngineError, match=r"names 2 image\(s\).*nope\.png, gone\.jpg"):
        read_labels(tmp_path / "bad.csv")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("name,smile\na.png,1\n", "no 'file' column"),
        ("file\na.png\n", "no attribute columns"),
        ("file,smile\n", "no rows"),
        ("file,smile\na.png,big\n", r"line 2: smile = 'big' is not a number"),
    ],
)
def test_labels_csv_format_errors(tmp_path, text, message):
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "l.csv").write_text(text)
    with pytest.raises(EngineError, match=message):
        read_labels(tmp_path / "l.csv")


def test_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError, match=f"{tmp_path.name} is empty"):
        load_image_folder(tmp_path, 64)


def test_folder_of_non_images_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "data.csv").write_text("a,b")
    with pytest.raises(EngineError, match=r"contains no images \(2 other file\(s\)"):
        list_images(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError, match="is not a folder"):
        load_image_folder(tmp_path / "nothere", 64)


def test_unreadable_image_names_the_file(tmp_path):
    write_folder(tmp_path, 20, seed=0)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(EngineError, match=r"broken\.png is not a readable image"):
        load_image_folder(tmp_path, 64)


def test_too_few_images(tmp_path):
    write_folder(tmp_path, 3, seed=0)
    with pytest.raises(EngineError, match=r"only 3 image\(s\); at least 16"):
        load_image_folder(tmp_path, 64, min_images=16)


def test_load_square_centre_crops_and_resizes(tmp_path):
    wide = np.zeros((40, 100, 3), np.uint8)
    wide[:, 30:70] = 255  # the centre square is white, the sides black
    Image.fromarray(wide).save(tmp_path / "w.png")
    out = load_square(tmp_path / "w.png", 64)
    assert out.shape == (64, 64, 3)
    assert out[:, 4:60].min() > 200
