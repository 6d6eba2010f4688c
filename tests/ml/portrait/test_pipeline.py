"""Face → aligned crop → edit → paste back: the round trip, the bad inputs, the engine."""

from __future__ import annotations

import numpy as np
import pytest

from ml.face.align import align_face, transform_points
from ml.face.detect import Face, FaceNotFound, FaceTooSmall
from ml.face.paste import face_mask, match_colours, paste_face
from ml.portrait import pipeline as pp
from ml.portrait.model import load_portrait
from ml.types import EngineError, RunContext
from tests.ml.portrait.checkpoints import install, interfacegan_file, stylegan_file

# a tilted synthetic face: eyes 60 px apart, the mouth 66 px below them, rotated 12°
_UPRIGHT = np.array([[-30, 0], [30, 0], [0, 34], [-26, 66], [26, 66]], np.float64)
_A = np.radians(12)
_ROT = np.array([[np.cos(_A), -np.sin(_A)], [np.sin(_A), np.cos(_A)]])
POINTS = (_UPRIGHT @ _ROT.T + [250, 190]).astype(np.float32)


def _dots(points: np.ndarray, h: int, w: int, sigma: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w), np.float32)
    for x, y in points:
        img += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2))
    return img


def _centroid(img: np.ndarray, at: np.ndarray, r: int) -> np.ndarray:
    x, y = round(at[0]), round(at[1])
    win = img[y - r:y + r + 1, x - r:x + r + 1].astype(np.float64)
    yy, xx = np.mgrid[y - r:y + r + 1, x - r:x + r + 1]
    return np.array([(win * xx).sum() / win.sum(), (win * yy).sum() / win.sum()])


@pytest.mark.parametrize("size", [64, 256])
def test_a_feature_drawn_in_the_crop_lands_on_the_photo_within_a_pixel(size):
    h, w = 400, 480
    photo = np.zeros((h, w, 3), np.float32)
    aligned = align_face(photo, POINTS, size)
    # in the crop, draw the landmarks where the alignment says they are
    crop_pts = transform_points(aligned.matrix, POINTS)
    dots = _dots(crop_pts, size, size, sigma=max(1.5, size / 80))
    crop = np.repeat(dots[:, :, None], 3, axis=2)
    ones = np.ones((size, size), np.float32)
    box, patch, weight = paste_face(photo, crop, aligned, ones, feather=0.02)
    x0, y0 = box[:2]
    back = np.zeros((h, w), np.float32)
    back[y0:box[3], x0:box[2]] = patch[..., 0]
    for p in POINTS:
        assert np.linalg.norm(_centroid(back, p, 6) - p) < 1.0
    assert weight.max() == pytest.approx(1.0) and weight.min() == 0.0


def test_the_face_mask_covers_the_face_and_not_the_crop_corners():
    aligned = align_face(np.zeros((400, 480, 3), np.uint8), POINTS, 128)
    m = face_mask(aligned, POINTS)
    pts = transform_points(aligned.matrix, POINTS)
    for x, y in pts:
        assert m[round(y), round(x)] > 0.9
    assert m[0, 0] == 0 and m[-1, -1] == 0 and m[0, -1] == 0


def test_colour_matching_moves_the_mean_colour_to_the_photo():
    rng = np.random.default_rng(0)
    photo = np.clip(rng.normal([0.7, 0.5, 0.4], 0.05, (32, 32, 3)), 0, 1).astype(np.float32)
    generated = np.clip(rng.normal([0.4, 0.5, 0.7], 0.05, (32, 32, 3)), 0, 1).astype(np.float32)
    out = match_colours(generated, photo, np.ones((32, 32), np.float32))
    np.testing.assert_allclose(out.mean((0, 1)), photo.mean((0, 1)), atol=0.02)


@pytest.fixture
def model(tmp_path):
    return load_portrait(stylegan_file(tmp_path / "g.pt", size=64, seed=2))


@pytest.fixture(scope="module")
def face(request):
    from PIL import Image

    from tests.ml.face.conftest import DATA  # the committed astronaut portrait

    img = np.asarray(Image.open(DATA / "astronaut.jpg").convert("RGB"))
    rgba = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
    return rgba, pp.find_face(rgba)


def test_an_edit_of_zero_leaves_the_photo_bit_identical(model, face):
    rgba, found = face
    aligned = pp.align(rgba, found.face, model.resolution)
    z = model.average_latent()
    box, patch = pp.paste(rgba, aligned, found.face, model, z, z)
    x0, y0, x1, y1 = box
    region = rgba[y0:y1, x0:x1]
    opaque = patch[..., 3] > 0
    assert opaque.mean() > 0.2
    np.testing.assert_array_equal(patch[opaque], region[opaque])
    assert (patch[~opaque] == 0).all()


@pytest.mark.parametrize("mode", ["delta", "replace"])
def test_an_edit_changes_only_the_face_region(model, face, mode):
    rgba, found = face
    aligned = pp.align(rgba, found.face, model.resolution)
    z = model.average_latent()
    z_edit = z + np.random.default_rng(1).normal(0, 1, z.shape).astype(np.float32)
    box, patch = pp.paste(rgba, aligned, found.face, model, z, z_edit, mode)
    x0, y0, x1, y1 = box
    opaque = patch[..., 3] > 0
    changed = np.abs(patch[..., :3].astype(int) - rgba[y0:y1, x0:x1, :3]).max(-1) > 0
    assert (changed & opaque).mean() > 0.05
    # the face box of the detector lies inside what the patch covers
    fx0, fy0, fx1, fy1 = found.face.box
    assert x0 <= fx0 and y0 <= fy0 and x1 >= fx1 - 1 and y1 >= fy1 - 1


def test_no_face_is_a_clear_message():
    flat = np.full((200, 240, 3), 128, np.uint8)
    with pytest.raises(FaceNotFound, match="no face found"):
        pp.find_face(flat)


def test_a_face_too_small_is_a_clear_message(face):
    rgba, _found = face
    import cv2

    tiny = cv2.resize(rgba[..., :3], (128, 128), interpolation=cv2.INTER_AREA)
    with pytest.raises((FaceTooSmall, FaceNotFound), match="too small|no face"):
        pp.find_face(tiny, min_eye_distance=40)


def test_several_faces_pick_the_largest_with_a_note_or_the_one_in_the_selection(face):
    import cv2

    rgba, _found = face
    rgb = rgba[..., :3]
    small = cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_AREA)
    canvas = np.full((512, 512 + 256, 3), 200, np.uint8)
    canvas[:, :512] = rgb
    canvas[128:384, 512:] = small
    two = pp.find_face(canvas)
    assert two.count == 2 and "2 faces found: editing the largest" in two.note
    assert two.face.box[2] < 512  # the big one on the left
    right = pp.find_face(canvas, region=(512, 128, 768, 384), min_eye_distance=10)
    assert right.face.box[0] >= 500 and right.note == ""


def test_face_metadata_round_trips(face):
    _rgba, found = face
    back = pp.FoundFace.from_metadata(found.to_metadata())
    np.testing.assert_allclose(back.face.points, found.face.points)
    assert isinstance(back.face, Face) and back.count == found.count


@pytest.mark.slow
def test_the_engine_edits_the_face_and_nothing_else(tmp_path, face):
    from ml.engines import get
    from ml.engines.latent import run_latent_pixels

    install("stylegan2-ffhq-1024", stylegan_file(tmp_path / "g.pt", size=64))
    install("e4e-direction-smile", interfacegan_file(tmp_path / "smile.pt"))
    engine = get("stylegan2-ffhq-1024", "latent")
    assert engine.available() is None
    rgba, found = face
    out = run_latent_pixels(engine, RunContext(), rgba, smile=2.0, steps=3)
    assert out.shape == rgba.shape and out.dtype == np.uint8
    diff = np.abs(out.astype(int) - rgba.astype(int)).max(-1) > 0
    ys, xs = np.nonzero(diff)
    assert diff.any()
    x0, y0, x1, y1 = found.face.box
    w, h = x1 - x0, y1 - y0
    assert xs.min() > x0 - w and xs.max() < x1 + w and ys.min() > y0 - h and ys.max() < y1 + h
    with pytest.raises(EngineError, match="pose.*not installed"):
        run_latent_pixels(engine, RunContext(), rgba, pose=1.0, steps=2)


def test_the_engine_is_unavailable_until_the_generator_is_installed():
    from ml.engines import get

    assert "not installed" in get("stylegan2-ffhq-1024", "latent").available()
