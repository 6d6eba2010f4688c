"""The face-shape latent: its API, the warp's locality (bit-identical outside the mask in 8
and 16 bit), what each named direction moves, and the metadata round trip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ml.face.detect import FaceNotFound
from ml.face.shape import DIRECTIONS, LIMITS, FaceShapeModel
from ml.types import EngineError

MODEL = FaceShapeModel()
EXTREMES = {d.name: (d.maximum if i % 2 else d.minimum) for i, d in enumerate(DIRECTIONS)}


def _shift(before: np.ndarray, after: np.ndarray, at, radius: int = 12) -> np.ndarray:
    """How far the content of the window around ``at`` moved (phase correlation, px)."""
    x, y = (round(float(v)) for v in at)
    win = cv2.createHanningWindow((2 * radius, 2 * radius), cv2.CV_32F)

    def gray(a: np.ndarray) -> np.ndarray:
        patch = a[y - radius:y + radius, x - radius:x + radius]
        return cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY).astype(np.float32)

    (dx, dy), _ = cv2.phaseCorrelate(gray(before), gray(after), win)
    return np.array([dx, dy])


def test_model_describes_itself():
    assert MODEL.id == "face-shape"
    assert MODEL.name
    names = [d.name for d in MODEL.directions]
    assert len(set(names)) == len(names) == MODEL.latent_size
    assert {"smile", "eye_size", "face_width", "head_roll"} <= set(names)
    for d in MODEL.directions:
        assert d.minimum < d.default == 0 < d.maximum and d.label and d.description
    for word in ("age", "glasses", "hair", "texture", "portrait pack"):
        assert word in LIMITS and word in MODEL.limits
    vec = MODEL.latent_vector({"smile": 1.5, "head_roll": -1})
    assert vec.shape == (MODEL.latent_size,) and vec[names.index("smile")] == 1.5
    assert MODEL.latent_values(vec)["head_roll"] == -1


def test_analyse_detects_and_starts_from_zero(astronaut, astronaut_face):
    shape = MODEL.analyse(astronaut)
    assert shape.latent == {d.name: 0.0 for d in DIRECTIONS}
    np.testing.assert_allclose(shape.face.points, astronaut_face.points)
    x0, y0, x1, y1 = shape.region
    bx0, by0, bx1, by1 = shape.face.box
    assert x0 <= bx0 and y0 <= by0 and bx1 <= x1 and by1 <= y1
    assert (x1 - x0) * (y1 - y0) < 0.25 * astronaut.shape[0] * astronaut.shape[1]
    assert shape.measurements["eye_distance_px"] == pytest.approx(astronaut_face.eye_distance)
    assert abs(shape.measurements["roll_degrees"]) < 10
    assert 0.7 < shape.measurements["mouth_width"] < 1.4


def test_analyse_blank_image_is_a_clear_error():
    with pytest.raises(FaceNotFound, match="no face"):
        MODEL.analyse(np.zeros((200, 200, 3), np.uint16))


def test_zero_edit_is_the_identity(astronaut, astronaut_shape):
    out = MODEL.apply(astronaut, astronaut_shape, {})
    assert out is not astronaut and np.array_equal(out, astronaut)
    assert np.array_equal(MODEL.apply(astronaut, astronaut_shape, {"smile": 0.0}), astronaut)


@pytest.mark.parametrize("depth", [8, 16])
def test_pixels_outside_the_mask_are_bit_identical(astronaut, astronaut_shape, depth):
    if depth == 8:
        pixels = astronaut
    else:
        rgb = astronaut.astype(np.uint16) * 257 + np.uint16(3)  # not a plain 8-bit copy
        alpha = np.full(astronaut.shape[:2] + (1,), 65535, np.uint16)
        pixels = np.concatenate([rgb, alpha], axis=2)
    out = MODEL.apply(pixels, astronaut_shape, EXTREMES)
    assert out.dtype == pixels.dtype and out.shape == pixels.shape
    outside = astronaut_shape.mask() == 0
    assert outside.mean() > 0.75
    assert np.array_equal(out[outside], pixels[outside])
    x0, y0, x1, y1 = astronaut_shape.region
    beyond = np.ones(outside.shape, bool)
    beyond[y0:y1, x0:x1] = False
    assert np.array_equal(out[beyond], pixels[beyond])
    changed = (out != pixels).any(axis=2)
    assert changed[~outside].mean() > 0.2  # the edit did something inside
    assert not changed[outside].any()


def test_apply_region_is_the_changed_box_of_apply(astronaut, astronaut_shape):
    values = {"face_width": -2, "eye_size": 1}
    region, patch = MODEL.apply_region(astronaut, astronaut_shape, values)
    x0, y0, x1, y1 = region
    assert region == astronaut_shape.region and patch.dtype == astronaut.dtype
    assert np.array_equal(MODEL.apply(astronaut, astronaut_shape, values)[y0:y1, x0:x1], patch)


def test_smile_moves_the_mouth_corners_up_and_out_and_keeps_the_eyes(astronaut,
                                                                       astronaut_shape):
    face = astronaut_shape.face
    d = MODEL.displacement(astronaut_shape, {"smile": 3}, face.points)
    eyes, nose, (left, right) = d[:2], d[2], d[3:]
    up = -astronaut_shape.frame.ey  # "up the face" in image coordinates
    assert left @ up > 3 and right @ up > 3  # 4.5 % of ~44 px per step, 3 steps
    assert left[0] < -1 and right[0] > 1  # outward
    assert np.abs(eyes).max() < 0.05 and np.abs(nose).max() < 0.05
    # and the pixels follow: the photo's mouth corners move up, the eyes do not
    out = MODEL.apply(astronaut, astronaut_shape, {"smile": 3})
    for corner in face.points[3:]:
        moved = _shift(astronaut, out, corner)
        assert moved[1] < -2.5
    for eye in face.points[:2]:
        assert np.abs(_shift(astronaut, out, eye)).max() < 0.3
    # negative smile turns the corners down
    down = MODEL.displacement(astronaut_shape, {"smile": -3}, face.points[3:])
    assert (down @ up < -3).all()


def test_eye_size_scales_about_the_eye_centres(astronaut_shape):
    names = astronaut_shape.control_names
    ring = [i for i, n in enumerate(names) if n.startswith("eye_left_ring")]
    centre = astronaut_shape.face.points[0]
    pts = astronaut_shape.control_points[ring]
    d = MODEL.displacement(astronaut_shape, {"eye_size": 2}, pts)
    radial = ((pts - centre) * d).sum(axis=1)
    assert (radial > 0).all()  # every ring point moves outward
    np.testing.assert_allclose(np.linalg.norm(d, axis=1),
                               0.14 * np.linalg.norm(pts - centre, axis=1), rtol=1e-6)
    assert np.abs(MODEL.displacement(astronaut_shape, {"eye_size": 2}, [centre])).max() < 1e-6


def test_face_width_moves_the_jaw_outward_and_chin_length_moves_the_chin_down(astronaut_shape):
    names = list(astronaut_shape.control_names)
    pts = astronaut_shape.control_points
    jaw_l, jaw_r = pts[names.index("jaw2_left")], pts[names.index("jaw2_right")]
    d = MODEL.displacement(astronaut_shape, {"face_width": -3}, [jaw_l, jaw_r])
    ex = astronaut_shape.frame.ex
    assert d[0] @ ex > 3 and d[1] @ ex < -3  # slimmer: both sides move in
    chin = pts[names.index("chin")]
    d = MODEL.displacement(astronaut_shape, {"chin_length": 2}, [chin])[0]
    assert d @ astronaut_shape.frame.ey > 3


def test_head_roll_rotates_the_face(astronaut_shape):
    pts = astronaut_shape.face.points
    d = MODEL.displacement(astronaut_shape, {"head_roll": 1}, pts[:2])
    # clockwise on screen about a centre below the eyes: both eyes move right, and the
    # image-left eye (further from the centre along x) moves up, the right one down
    assert d[0, 0] > 0.5 and d[1, 0] > 0.5
    assert d[0, 1] < d[1, 1]
    # the spline reproduces the rotation at its control points: 2° per step
    centre = (pts[0] + pts[1]) / 2 + astronaut_shape.frame.ey * 0.6 * \
        astronaut_shape.stretch * astronaut_shape.frame.scale
    r = pts[0] - centre
    np.testing.assert_allclose(d[0], np.radians(2) * np.array([-r[1], r[0]]), atol=1e-6)


def test_values_are_checked_and_clamped(astronaut, astronaut_shape):
    with pytest.raises(EngineError, match="unknown face-shape direction 'age'"):
        MODEL.apply(astronaut, astronaut_shape, {"age": 1})
    with pytest.raises(EngineError, match="finite"):
        MODEL.apply(astronaut, astronaut_shape, {"smile": float("nan")})
    assert np.array_equal(MODEL.apply(astronaut, astronaut_shape, {"smile": 10}),
                          MODEL.apply(astronaut, astronaut_shape, {"smile": 3}))
    with pytest.raises(EngineError, match="analysed on a 512×512"):
        MODEL.apply(astronaut[:100], astronaut_shape, {"smile": 1})


def test_float_pixels_and_gray_work(astronaut, astronaut_shape):
    f = astronaut.astype(np.float32) / 255
    out = MODEL.apply(f, astronaut_shape, {"smile": 2})
    ref = MODEL.apply(astronaut, astronaut_shape, {"smile": 2}).astype(np.float32) / 255
    assert out.dtype == np.float32
    assert np.abs(out - ref).max() < 1 / 255 + 1e-6
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    g = MODEL.apply(gray, astronaut_shape, {"smile": 2})
    assert g.shape == gray.shape and not np.array_equal(g, gray)


def test_metadata_round_trip(astronaut, astronaut_shape):
    data = astronaut_shape.to_metadata()
    import json

    again = MODEL.from_metadata(json.loads(json.dumps(data)))
    assert again.region == astronaut_shape.region
    values = {"smile": 1, "nose_width": -1}
    assert np.array_equal(MODEL.apply(astronaut, again, values),
                          MODEL.apply(astronaut, astronaut_shape, values))
    with pytest.raises(EngineError, match="bad face-shape metadata"):
        MODEL.from_metadata({"box": [0, 0, 1, 1]})


def test_face_at_the_image_edge_is_clamped(astronaut, astronaut_face):
    crop = np.ascontiguousarray(astronaut[70:, 160:])  # the face near the top-left edge
    shape = MODEL.from_face(astronaut_face.translated(-160, -70), crop.shape[:2])
    x0, y0, x1, y1 = shape.region
    assert x0 == 0 and y0 == 0 and x1 <= crop.shape[1] and y1 <= crop.shape[0]
    out = MODEL.apply(crop, shape, EXTREMES)
    outside = shape.mask() == 0
    assert np.array_equal(out[outside], crop[outside])


def test_directions_follow_the_head_roll(astronaut, astronaut_face, astronaut_shape):
    rot = cv2.getRotationMatrix2D((224, 120), -15, 1.0)  # 15° clockwise on screen
    tilted = cv2.warpAffine(astronaut, rot, (512, 512), borderMode=cv2.BORDER_REFLECT)
    shape = MODEL.analyse(tilted)
    roll = shape.measurements["roll_degrees"] - astronaut_shape.measurements["roll_degrees"]
    assert roll == pytest.approx(15, abs=3)
    # the smile still lifts the corners "up the face", which is now tilted
    d = MODEL.displacement(shape, {"smile": 3}, shape.face.points[3:])
    up = -shape.frame.ey
    assert (d @ up > 3).all()
    assert abs(np.degrees(np.arctan2(up[0], -up[1]))) == pytest.approx(
        abs(shape.measurements["roll_degrees"]), abs=1e-6)
