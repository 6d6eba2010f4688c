"""Face detection: the pipeline's stages on synthetic input, then the whole cascade on a
real portrait (cross-checked against OpenCV's Haar cascade), errors and face choice."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ml.face.detect import (
    LANDMARK_NAMES,
    Face,
    FaceNotFound,
    FaceTooSmall,
    crop_square,
    detect_face,
    detect_faces,
    nms,
    pick_face,
    pnet_boxes,
    pyramid_scales,
    regress_boxes,
    square_boxes,
    to_rgb255,
)


def _iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


# ---------------------------------------------------------------------------- stages


def test_pyramid_scales():
    scales = pyramid_scales(500, min_face=20, factor=0.709)
    assert scales[0] == pytest.approx(12 / 20)
    assert np.allclose(np.diff(np.log(scales)), np.log(0.709))
    assert 500 * scales[-1] >= 12 > 500 * scales[-1] * 0.709
    assert pyramid_scales(10) == []  # smaller than one window at the first scale


def test_nms_union_and_min():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [2, 2, 6, 6]], float)
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    # IoU(0, 1) = 81/119 ≈ 0.68: suppressed at 0.5; the small nested box has IoU 0.16
    assert nms(boxes, scores, 0.5).tolist() == [3, 0, 2]
    # "min" overlap: the nested box is entirely inside box 0 -> it suppresses box 0 and 1
    assert nms(boxes, scores, 0.7, mode="min").tolist() == [3, 2]
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.5).size == 0
    with pytest.raises(ValueError):
        nms(boxes, scores, 0.5, mode="max")


def test_box_regression_and_squaring():
    out = regress_boxes([[10, 20, 30, 60]], [[0.1, -0.25, 0.5, 0.0]])
    assert out.tolist() == [[12, 10, 40, 60]]
    sq = square_boxes([[12, 10, 40, 60]])
    assert sq.tolist() == [[1, 10, 51, 60]]


def test_pnet_boxes_maps_cells_to_windows():
    prob = np.zeros((6, 8))
    prob[3, 5] = 0.9
    prob[1, 1] = 0.5  # below threshold
    offsets = np.zeros((4, 6, 8))
    offsets[:, 3, 5] = [0.1, 0.2, 0.3, 0.4]
    boxes, scores, offs = pnet_boxes(offsets, prob, scale=0.5, threshold=0.6)
    # cell (row 3, col 5) = the 12x12 window at (10, 6) of a half-size level
    assert boxes.tolist() == [[22, 14, 44, 36]]
    assert scores.tolist() == [0.9]
    assert offs.tolist() == [[0.1, 0.2, 0.3, 0.4]]


def test_crop_square_pads_outside_with_black():
    img = np.full((20, 20, 3), 200, np.uint8)
    crop = crop_square(img, (-10, -10, 10, 10), 4)
    assert crop.shape == (4, 4, 3)
    assert crop[0, 0].tolist() == [0, 0, 0] and crop[3, 3].tolist() == [200, 200, 200]


def test_to_rgb255_accepts_editor_pixels():
    u8 = np.full((2, 2, 4), 255, np.uint8)
    u16 = np.full((2, 2), 65535, np.uint16)
    f = np.full((2, 2, 3), 2.0, np.float32)  # out of range: clipped
    for a in (u8, u16, f):
        out = to_rgb255(a)
        assert out.shape == (2, 2, 3) and out.dtype == np.float32
        assert np.allclose(out, 255)


# ---------------------------------------------------------------------------- a real portrait


def test_finds_the_astronaut_with_plausible_landmarks(astronaut, astronaut_face):
    faces = detect_faces(astronaut)
    assert len(faces) == 1
    face = faces[0]
    assert face.score > 0.99
    np.testing.assert_allclose(face.points, astronaut_face.points)
    x0, y0, x1, y1 = face.box
    eye_l, eye_r, nose, mouth_l, mouth_r = (face.point(n) for n in LANDMARK_NAMES)
    for p in face.points:
        assert x0 < p[0] < x1 and y0 < p[1] < y1
    # image y grows downwards: eyes above the nose above the mouth
    assert max(eye_l[1], eye_r[1]) < nose[1] < min(mouth_l[1], mouth_r[1])
    assert eye_l[0] < nose[0] < eye_r[0]
    assert mouth_l[0] < nose[0] < mouth_r[0]
    # the face is about 90 px wide: the eyes are 30-60 px apart
    assert 30 < face.eye_distance < 60


def test_agrees_with_opencv_haar_cascade(astronaut_face, astronaut):
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    found = cascade.detectMultiScale(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY), 1.1, 5)
    assert len(found) == 1
    x, y, w, h = found[0]
    assert _iou(astronaut_face.box, (x, y, x + w, y + h)) > 0.5
    # both eyes inside the Haar box's upper half
    for p in astronaut_face.points[:2]:
        assert x < p[0] < x + w and y < p[1] < y + h / 2 + h * 0.1


def test_same_landmarks_for_16_bit_float_gray_and_rgba(astronaut, astronaut_face):
    u16 = astronaut.astype(np.uint16) * 257
    rgba = np.concatenate([astronaut, np.full(astronaut.shape[:2] + (1,), 255, np.uint8)], 2)
    for image in (u16, astronaut.astype(np.float32) / 255, rgba):
        face = detect_face(image)
        assert np.abs(face.points - astronaut_face.points).max() < 0.5
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert np.abs(detect_face(gray).points - astronaut_face.points).max() < 4


def test_large_photo_uses_a_downscaled_pyramid_and_full_resolution_landmarks(
        astronaut, astronaut_face):
    big = cv2.resize(astronaut, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    face = detect_face(big, max_side=512)
    # the ONet crop came from the 4x image: landmarks scale with it, to about a pixel of
    # the original's precision (4 px here)
    expected = (astronaut_face.points + 0.5) * 4 - 0.5
    assert np.abs(face.points - expected).max() < 6


def test_blank_image_has_no_face():
    blank = np.full((300, 400, 3), 0.5, np.float32)
    assert detect_faces(blank) == []
    with pytest.raises(FaceNotFound, match="no face found in the image"):
        detect_face(blank)
    assert detect_faces(np.zeros((8, 8, 3), np.uint8)) == []


def test_face_too_small_is_a_clear_error(astronaut):
    with pytest.raises(FaceTooSmall, match="too small.*px apart"):
        detect_face(astronaut, min_eye_distance=200)


# ---------------------------------------------------------------------------- several faces


@pytest.fixture(scope="module")
def two_faces(astronaut):
    """A 900x460 canvas with the astronaut's head at full size and at 0.55x."""
    head = np.ascontiguousarray(astronaut[20:240, 110:350])
    small = cv2.resize(head, None, fx=0.55, fy=0.55, interpolation=cv2.INTER_AREA)
    canvas = np.full((460, 900, 3), 180, np.uint8)
    canvas[30:30 + head.shape[0], 40:40 + head.shape[1]] = head
    canvas[200:200 + small.shape[0], 600:600 + small.shape[1]] = small
    return canvas, (40, 30, 40 + head.shape[1], 30 + head.shape[0]), \
        (600, 200, 600 + small.shape[1], 200 + small.shape[0])


def test_several_faces_sorted_largest_first_and_the_largest_picked(two_faces):
    canvas, big, small = two_faces
    found = detect_faces(canvas)
    assert [f.area for f in found] == sorted((f.area for f in found), reverse=True)
    # MTCNN's published thresholds also let through a weak, small candidate on the cut
    # edge of the space suit here (score 0.78); the two heads are certain
    faces = [f for f in found if f.score > 0.99]
    assert len(faces) == 2
    assert big[0] < faces[0].center[0] < big[2]
    assert small[0] < faces[1].center[0] < small[2]
    assert detect_face(canvas).center == faces[0].center
    assert pick_face(found).center == faces[0].center


def test_region_picks_the_face_inside_it(two_faces):
    canvas, _big, small = two_faces
    face = detect_face(canvas, region=small)
    assert small[0] < face.center[0] < small[2] and small[1] < face.center[1] < small[3]
    assert face.eye_distance < 35
    with pytest.raises(FaceNotFound, match="inside the selected region"):
        detect_face(canvas, region=(400, 0, 580, 150))


def test_pick_face_in_region_without_detection():
    pts = np.zeros((5, 2), np.float32)
    a = Face((0, 0, 100, 100), 0.99, pts)
    b = Face((200, 0, 250, 50), 0.99, pts)
    assert pick_face([b, a]) is a
    assert pick_face([a, b], region=(190, 0, 300, 100)) is b
    with pytest.raises(FaceNotFound):
        pick_face([])


def test_skimage_camera_man_is_found():
    data = pytest.importorskip("skimage.data")
    camera = data.camera()
    face = detect_face(camera)
    # the cameraman's head is in the upper middle of the photo
    assert 150 < face.center[0] < 300 and 80 < face.center[1] < 220


def test_a_tilted_portrait_keeps_its_landmarks(astronaut, astronaut_face):
    rot = cv2.getRotationMatrix2D((224, 120), -15, 1.0)  # 15° clockwise on screen
    tilted = cv2.warpAffine(astronaut, rot, (512, 512), borderMode=cv2.BORDER_REFLECT)
    face = detect_face(tilted)
    expected = astronaut_face.points @ rot[:, :2].T + rot[:, 2]
    assert np.abs(face.points - expected).max() < 3


def test_cancel_stops_detection(astronaut):
    from ml.types import Cancelled, RunContext

    ctx = RunContext()
    ctx.cancel.cancel()
    with pytest.raises(Cancelled):
        detect_faces(astronaut, ctx=ctx)
