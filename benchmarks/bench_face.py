"""Face detection and the face-shape warp, on a 1 MP and a 24 MP portrait.

The portrait is the astronaut (NASA, public domain; ``tests/ml/face/data/astronaut.jpg``)
resized to 1000×1000 (1 MP) and to 4000×4000 inside a 6000×4000 frame padded by
reflection (24 MP, the face about 700 px wide).

Rows:

* MTCNN detection on 1 MP against OpenCV's Haar frontal-face cascade on the same image
  (the detector that ships with OpenCV, boxes only, no landmarks);
* MTCNN detection on 24 MP (its pyramid starts from a copy at most 1280 px long; the 48×48
  landmark crops come from the full image) against the 1 MP detection;
* the face-shape edit on 24 MP uint8 RGBA (the editor's document pixels): the preview path
  (``apply_region``: the face box only) and ``apply`` (the whole edited photo returned, a
  24 MP copy included), each against a full-frame ``cv2.remap`` of the 24 MP photo (what
  warping without the face box would cost at least);
* FFHQ-style align to 512² + paste-back on the 24 MP photo.

``python -m benchmarks.bench_face`` prints the rows without touching ``results/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

PHOTO = Path(__file__).resolve().parent.parent / "tests" / "ml" / "face" / "data" / "astronaut.jpg"
VALUES = {"smile": 1.5, "face_width": -1.0, "eye_size": 0.5}


def _portraits() -> tuple[np.ndarray, np.ndarray]:
    import cv2
    from PIL import Image

    base = np.asarray(Image.open(PHOTO).convert("RGB"))
    one = cv2.resize(base, (1000, 1000), interpolation=cv2.INTER_CUBIC)
    big = cv2.resize(base, (4000, 4000), interpolation=cv2.INTER_CUBIC)
    big = cv2.copyMakeBorder(big, 0, 0, 1000, 1000, cv2.BORDER_REFLECT)
    return one, big


def rows() -> list[dict]:
    import cv2
    import torch

    from benchmarks.common import median_time, row
    from ml.face.align import align_face, paste_back
    from ml.face.detect import detect_faces, load_nets
    from ml.face.shape import FaceShapeModel

    device = "cpu"  # the detector's nets are tiny; the editor runs them on the CPU
    repeat = int(os.environ.get("RETOUCH_BENCH_FACE_REPEAT", "3"))
    one, big = _portraits()
    load_nets(device)
    out: list[dict] = []

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    gray = cv2.cvtColor(one, cv2.COLOR_RGB2GRAY)
    t_haar = median_time(lambda: cascade.detectMultiScale(gray, 1.1, 5, minSize=(20, 20)),
                         repeat=repeat)
    out.append(row("Haar cascade 1 MP (boxes only)", t_haar, notes="OpenCV, cpu"))
    faces = detect_faces(one)
    t_one = median_time(lambda: detect_faces(one), repeat=repeat)
    out.append(row("MTCNN detect 1 MP (box + 5 points)", t_one, "Haar cascade 1 MP", t_haar,
                   notes=f"{len(faces)} face(s), cpu, torch {torch.get_num_threads()} threads"))
    faces = detect_faces(big)
    t_big = median_time(lambda: detect_faces(big), repeat=repeat)
    out.append(row("MTCNN detect 24 MP (pyramid from ≤1280 px)", t_big,
                   "MTCNN detect 1 MP", t_one,
                   notes=f"{len(faces)} face(s), eye distance {faces[0].eye_distance:.0f} px, "
                         f"cpu, torch {torch.get_num_threads()} threads"))
    # the nets are tiny: on a busy 2-core machine OpenMP's thread sync dominates, so the
    # same detections with torch limited to one thread (restored afterwards)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t_one_1 = median_time(lambda: detect_faces(one), repeat=repeat)
        t_big_1 = median_time(lambda: detect_faces(big), repeat=repeat)
    finally:
        torch.set_num_threads(threads)
    out.append(row("MTCNN detect 1 MP, torch 1 thread", t_one_1, "MTCNN detect 1 MP", t_one,
                   notes="cpu"))
    out.append(row("MTCNN detect 24 MP, torch 1 thread", t_big_1, "MTCNN detect 24 MP",
                   t_big, notes="cpu"))

    model = FaceShapeModel()
    rgba = np.concatenate([big, np.full(big.shape[:2] + (1,), 255, np.uint8)], axis=2)
    t_prep = median_time(lambda: model.from_face(faces[0], rgba.shape[:2]), repeat=repeat)
    shape = model.from_face(faces[0], rgba.shape[:2])
    x0, y0, x1, y1 = shape.region
    box_mp = (x1 - x0) * (y1 - y0) / 1e6
    out.append(row("face-shape prepare (after detection) 24 MP", t_prep,
                   notes=f"face region {x1 - x0}×{y1 - y0} px, cpu"))

    t_full = _full_frame_remap(rgba, repeat)
    out.append(row("full-frame cv2.remap 24 MP RGBA uint8", t_full,
                   notes="maps precomputed, cpu"))
    counter = iter(range(10**6))

    def preview() -> None:  # a slider move: new values every call
        model.apply_region(rgba, shape, {**VALUES, "smile": 1.0 + next(counter) % 7 * 0.25})

    t_region = median_time(preview, repeat=max(repeat, 5))
    out.append(row("face-shape apply_region 24 MP RGBA uint8 (preview)", t_region,
                   "full-frame cv2.remap 24 MP", t_full,
                   notes=f"face box {box_mp:.2f} MP of 24 MP; cpu"))
    t_apply = median_time(lambda: model.apply(rgba, shape, VALUES), repeat=repeat)
    out.append(row("face-shape apply 24 MP RGBA uint8 (full copy returned)", t_apply,
                   "full-frame cv2.remap 24 MP", t_full, notes="cpu"))
    t_16 = _apply_region_16(model, shape, rgba, repeat)
    out.append(row("face-shape apply_region 24 MP RGBA uint16 (preview)", t_16,
                   "apply_region uint8", t_region, notes="cpu"))

    def align_round_trip() -> None:
        aligned = align_face(big, faces[0].points, 512)
        paste_back(big, aligned.crop, aligned)

    t_align = median_time(align_round_trip, repeat=repeat)
    out.append(row("FFHQ align 512² + paste-back 24 MP", t_align, notes="cpu"))
    return out


def _full_frame_remap(rgba: np.ndarray, repeat: int) -> float:
    """Median time of one cv2.remap over the whole photo (maps built beforehand)."""
    import cv2

    from benchmarks.common import median_time

    h, w = rgba.shape[:2]
    map_x = np.tile(np.arange(w, dtype=np.float32) + 0.25, (h, 1))
    map_y = np.tile(np.arange(h, dtype=np.float32)[:, None] + 0.25, (1, w))
    return median_time(lambda: cv2.remap(rgba, map_x, map_y, cv2.INTER_LINEAR), repeat=repeat)


def _apply_region_16(model, shape, rgba: np.ndarray, repeat: int) -> float:
    from benchmarks.common import median_time

    rgba16 = rgba.astype(np.uint16) * 257
    return median_time(lambda: model.apply_region(rgba16, shape, VALUES), repeat=repeat)


if __name__ == "__main__":
    for r in rows():
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") else "—"
        base = f"{r['baseline']} {r['baseline_median_s']:.3f} s" if r.get("baseline") else ""
        sys.stdout.write(f"| {r['name']} | {r['median_s']:.3f} | {base} | {ratio} | "
                         f"{r.get('notes', '')} |\n")
