"""The ``labels.csv`` format: one row per image, column ``file`` + one column per attribute.

Attribute values are numbers; a column whose values are all 0/1 is a binary attribute,
anything else is numeric. Empty cells are missing values (NaN). File names are relative
to the CSV's folder unless another image folder is given.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ml.types import EngineError


def write_labels(
    path: str | Path, files: Sequence[str], labels: dict[str, np.ndarray]
) -> Path:
    """Write ``files`` and their attribute values as ``labels.csv``; returns the path."""
    path = Path(path)
    names = list(labels)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", *names])
        for i, name in enumerate(files):
            w.writerow([name, *(f"{float(labels[k][i]):.6g}" for k in names)])
    return path


def read_labels(
    path: str | Path, image_dir: str | Path | None = None, check_files: bool = True
) -> tuple[list[Path], dict[str, np.ndarray]]:
    """Read a labels CSV: the image paths and a float32 array per attribute column.

    Raises EngineError naming the CSV for a missing file, no ``file`` column, no
    attribute column, a non-numeric value, or (``check_files``) rows whose images do
    not exist (the first few missing names are listed)."""
    path = Path(path)
    base = Path(image_dir) if image_dir is not None else path.parent
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except OSError as exc:
        raise EngineError(f"cannot read the labels file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise EngineError(f"{path} is not a text CSV file") from None
    if not rows:
        raise EngineError(f"the labels file {path} is empty")
    header = [h.strip() for h in rows[0]]
    if "file" not in header:
        raise EngineError(f"{path}: no 'file' column (the header is {', '.join(header)})")
    fcol = header.index("file")
    attrs = [(i, h) for i, h in enumerate(header) if i != fcol and h]
    if not attrs:
        raise EngineError(f"{path}: no attribute columns besides 'file'")
    files: list[Path] = []
    values: dict[str, list[float]] = {h: [] for _, h in attrs}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= fcol or not row[fcol].strip():
            raise EngineError(f"{path}, line {line}: no file name")
        files.append(base / row[fcol].strip())
        for i, h in attrs:
            cell = row[i].strip() if i < len(row) else ""
            try:
                values[h].append(float(cell) if cell else float("nan"))
            except ValueError:
                raise EngineError(
                    f"{path}, line {line}: {h} = {cell!r} is not a number"
                ) from None
    if not files:
        raise EngineError(f"the labels file {path} has a header but no rows")
    if check_files:
        missing = [p.name for p in files if not p.is_file()]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise EngineError(
                f"{path} names {len(missing)} image(s) that are not in {base}: {shown}"
            )
    return files, {h: np.asarray(v, dtype=np.float32) for h, v in values.items()}


def is_binary(values: np.ndarray) -> bool:
    """True when every non-missing value is 0 or 1 (and both occur)."""
    v = values[~np.isnan(values)]
    return v.size > 0 and bool(np.all((v == 0) | (v == 1))) and 0 < v.sum() < v.size
