"""Fixtures for the face tests: a real portrait (public domain, committed) and its detection,
computed once per session because detection is the slow part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """The NASA astronaut portrait (512×512 uint8 RGB), read-only."""
    a = np.asarray(Image.open(DATA / "astronaut.jpg").convert("RGB")).copy()
    a.setflags(write=False)
    return a


@pytest.fixture(scope="session")
def astronaut_face(astronaut):
    from ml.face.detect import detect_face

    return detect_face(astronaut)


@pytest.fixture(scope="session")
def astronaut_shape(astronaut, astronaut_face):
    from ml.face.shape import FaceShapeModel

    return FaceShapeModel().from_face(astronaut_face, astronaut.shape[:2])
