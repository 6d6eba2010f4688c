"""FFHQ-style alignment: the similarity it computes, the crop, and the paste-back round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.face.align import (
    align_face,
    feather_mask,
    ffhq_matrix,
    ffhq_quad,
    paste_back,
    transform_points,
)
from ml.types import EngineError

# an upright synthetic face: eyes 64 px apart, mouth 70 px below them
POINTS = np.array([[208, 200], [272, 200], [240, 236], [212, 270], [268, 270]], np.float32)


def _smooth_image(h: int = 480, w: int = 520) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([0.5 + 0.4 * np.sin(xx / 9 + yy / 13), 0.5 + 0.4 * np.cos(yy / 7),
                     0.5 + 0.3 * np.sin((xx - yy) / 17)], axis=2)


def _dots(points: np.ndarray, h: int = 480, w: int = 520, sigma: float = 2.0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w), np.float32)
    for x, y in points:
        img += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))
    return np.repeat(img[:, :, None], 3, axis=2)


def _centroid(img: np.ndarray, at: np.ndarray, radius: int) -> np.ndarray:
    x, y = round(at[0]), round(at[1])
    win = img[y - radius:y + radius + 1, x - radius:x + radius + 1, 0].astype(np.float64)
    yy, xx = np.mgrid[y - radius:y + radius + 1, x - radius:x + radius + 1]
    return np.array([(win * xx).sum() / win.sum(), (win * yy).sum() / win.sum()])


def test_ffhq_square_is_centred_and_upright_for_an_upright_face():
    quad = ffhq_quad(POINTS)
    side = np.linalg.norm(quad[3] - quad[0])
    assert np.linalg.norm(quad[1] - quad[0]) == pytest.approx(side)
    # eye distance 64, eye-to-mouth 70: the square's side is max(4·64, 3.6·70) = 256
    assert side == pytest.approx(256, rel=1e-6)
    assert quad.mean(axis=0) == pytest.approx([240, 200 + 0.1 * 70])
    crop_pts = transform_points(ffhq_matrix(POINTS, 1024), POINTS)
    # symmetric about the crop's vertical centre line, eyes above the mouth
    assert crop_pts[0, 0] + crop_pts[1, 0] == pytest.approx(1023, abs=1e-6)
    assert crop_pts[0, 1] == pytest.approx(crop_pts[1, 1])
    assert crop_pts[0, 1] < crop_pts[2, 1] < crop_pts[3, 1]


def test_alignment_is_invariant_to_rotation_scale_and_shift():
    a = math.radians(30)
    rot = 1.7 * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    moved = POINTS @ rot.T + np.array([55.0, -20.0])
    np.testing.assert_allclose(transform_points(ffhq_matrix(moved, 256), moved),
                               transform_points(ffhq_matrix(POINTS, 256), POINTS), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.uint16])
def test_align_then_paste_back_round_trips_the_interior(dtype):
    img = _smooth_image()
    if dtype != np.float32:
        top = np.iinfo(dtype).max
        img = np.rint(img * top).astype(dtype)
    aligned = align_face(img, POINTS, 256)  # scale ≈ 1: the crop resamples, nothing lost
    assert aligned.crop.shape == (256, 256, 3) and aligned.crop.dtype == dtype
    assert aligned.scale == pytest.approx(1.0)
    out = paste_back(img, aligned.crop, aligned)
    assert out.dtype == dtype and out.shape == img.shape
    unit = 1.0 if dtype == np.float32 else np.iinfo(dtype).max
    diff = np.abs(out.astype(np.float64) - img.astype(np.float64)) / unit
    # the interior of the face: two bilinear resamplings of a smooth image
    assert diff[150:300, 170:310].max() < 0.01
    # outside the square's footprint nothing is touched
    x0, y0, x1, y1 = aligned.photo_box()
    outside = np.ones(img.shape[:2], bool)
    outside[max(0, y0):y1, max(0, x0):x1] = False
    assert np.array_equal(out[outside], img[outside])


def test_landmarks_land_where_the_matrix_says_and_paste_back_returns_them():
    img = _dots(POINTS)
    aligned = align_face(img, POINTS, 512)  # scale ≈ 2
    expected = transform_points(aligned.matrix, POINTS)
    for p in expected:
        np.testing.assert_allclose(_centroid(aligned.crop, p, 10), p, atol=0.3)
    back = paste_back(np.zeros_like(img), aligned.crop, aligned, feather=0.02)
    for p in POINTS:
        np.testing.assert_allclose(_centroid(back, p, 6), p, atol=0.3)


def test_small_crop_of_a_big_face_is_prefiltered():
    img = _dots(POINTS * 1.0)
    aligned = align_face(img, POINTS, 64)  # scale 0.25: area-downsampled first
    assert aligned.scale == pytest.approx(0.25)
    peaks = [aligned.crop[round(y), round(x), 0]
             for x, y in transform_points(aligned.matrix, POINTS)]
    # each 2-px blob spreads over about a crop pixel but survives (no aliasing gap)
    assert min(peaks) > 0.1


def test_edited_crop_lands_feathered_and_masked():
    img = np.zeros((480, 520, 3), np.uint8)
    aligned = align_face(img, POINTS, 128)
    edited = np.full_like(aligned.crop, 200)
    out = paste_back(img, edited, aligned)
    centre = transform_points(aligned.inverse_matrix, [[63.5, 63.5]])[0]
    assert out[int(centre[1]), int(centre[0])].tolist() == [200, 200, 200]
    x0, y0, _, _ = aligned.photo_box()
    assert out[y0 + 3, x0 + 3].tolist() == [0, 0, 0]  # the feathered edge: 0 weight
    mask = np.zeros((128, 128), np.float32)  # the mask limits the blend further
    out2 = paste_back(img, edited, aligned, mask=mask)
    assert not out2.any()


def test_valid_marks_crop_pixels_outside_the_photo():
    img = _smooth_image()
    near_edge = POINTS - np.array([200, 0], np.float32)  # the left half falls off the photo
    aligned = align_face(img, near_edge, 128)
    assert aligned.valid[64, 0] == 0 and aligned.valid[64, 127] == 1


def test_feather_mask_and_errors():
    m = feather_mask(100, 0.1)
    assert m[50, 50] == 1 and m[0, 50] == 0 and 0 < m[5, 50] < 1
    img = _smooth_image()
    aligned = align_face(img, POINTS, 64)
    with pytest.raises(EngineError, match="64×64×3"):
        paste_back(img, np.zeros((32, 32, 3), np.float32), aligned)
    with pytest.raises(EngineError, match="degenerate"):
        ffhq_quad(np.zeros((5, 2)))
