"""The one exception editor.io raises for bad files, and the size limits it enforces."""

from __future__ import annotations

import os
from pathlib import Path

#: Largest image (width × height) we agree to decode: 200 megapixels, about 1.6 GB of
#: 16-bit RGBA. Checked from the file header before any pixel is decoded, so a
#: decompression bomb is refused without allocating. Override with $RETOUCH_MAX_PIXELS.
MAX_PIXELS = 200_000_000


def max_pixels() -> int:
    """The pixel limit in force: $RETOUCH_MAX_PIXELS when set to a positive int, else MAX_PIXELS."""
    env = os.environ.get("RETOUCH_MAX_PIXELS", "").strip()
    if env:
        try:
            value = int(env)
        except ValueError:
            return MAX_PIXELS
        if value > 0:
            return value
    return MAX_PIXELS


class FileError(Exception):
    """A file could not be read or written; the message names the file and the problem.

    ``path`` is the file concerned and ``problem`` the bare reason, for UIs that lay them
    out separately; ``str(err)`` is the one-line message to show.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name}: {problem}")


def check_size(path: str | os.PathLike[str], width: int, height: int, what: str = "image") -> None:
    """Raise FileError unless ``width × height`` is positive and within :func:`max_pixels`."""
    if width <= 0 or height <= 0:
        raise FileError(path, f"{what} has an invalid size {width}×{height}")
    limit = max_pixels()
    if width * height > limit:
        raise FileError(
            path,
            f"{what} is {width}×{height} = {width * height / 1e6:.0f} megapixels, more than the "
            f"limit of {limit / 1e6:g} MP (set RETOUCH_MAX_PIXELS to raise it)",
        )
