"""The face-shape latent: named geometric edits of a real photo, as a smooth local warp.

What it is (and is not). MTCNN gives 5 points (eye centres, nose tip, mouth corners). From
them we place a face frame (origin between the eyes, x along the eye line, unit = the eye
distance) and a small set of control points: the detected points themselves, rings around
the eyes, nose wings and lips placed relative to the detected nose and mouth, and a jaw line
and forehead from a fixed template scaled onto the face. Each **direction** is a
displacement of some of those control points (in eye-distance units); the **latent** is the
vector of direction coefficients. The edit is the thin-plate-spline warp that carries the
control points to their displaced positions, faded to zero by a feathered elliptical face
mask and applied with ``cv2.remap`` to the full-resolution pixels of the face region only.

* Identity, skin texture and lighting are the photo's own pixels, moved; the background
  outside the mask is bit-identical.
* It cannot change age, glasses, hair, make-up, expression beyond geometry (it cannot
  open a closed mouth or show teeth) or texture: those need the portrait pack or a model
  trained on your photos (:data:`LIMITS`).
* Units: one step of a direction is a fixed face-relative displacement (its
  ``description`` says how much, in % of the eye distance); the sliders run −3..3 steps.
  They are *not* population standard deviations: no landmark data set ships with the
  app to measure those, and 5 points cannot measure mouth opening or eye openness, so
  there is no PCA here and no direction claims to.
* Directions are defined relative to the face frame, so they follow the head's roll.
  The jaw, chin, forehead and eye rings come from the template, not from measurement:
  on a strongly turned face (see ``measurements["yaw_proxy"]``) they sit less well.

Typical use (this is the shape of the latent-model API; ``ml/latent`` will wrap it)::

    model = FaceShapeModel()
    shape = model.analyse(pixels)                     # detects; raises FaceNotFound / FaceTooSmall
    out = model.apply(pixels, shape, {"smile": 1.5})  # same dtype and shape; only shape.region changes
    box, patch = model.apply_region(pixels, shape, {"smile": 1.5})   # just the changed box (preview)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from ml.face.detect import Face, detect_face
from ml.types import EngineError, RunContext

LIMITS = (
    "Face shape edits move the photo's own pixels: smile, mouth and eye size, nose and face "
    "width, jaw, chin and head roll. They cannot change age, glasses, hair, make-up, skin "
    "texture or lighting, nor open a mouth or eyes: those need the portrait pack or a "
    "model trained on your photos."
)

# Faces whose eyes are closer than this (pixels) are refused: too few pixels to move.
MIN_EYE_DISTANCE = 16.0

# The feathered elliptical mask, in face-frame units (eye distance = 1), for an average
# eye-to-mouth distance of MOUTH_V; it stretches vertically with the face's own.
MOUTH_V = 1.15
MASK_CENTER_V = 0.6
MASK_AXES = (1.65, 1.8)
MASK_INNER = 0.75  # normalised radius where the fade to 0 starts (0 at radius 1)
ANCHORS = 20  # fixed points on the mask's edge keep the spline local


@dataclass(frozen=True)
class Direction:
    """One named edit: ``name`` (the latent key), ``label`` for a slider, its range in
    steps, and a description of what one step does."""

    name: str
    label: str
    minimum: float
    maximum: float
    description: str
    default: float = 0.0


DIRECTIONS: tuple[Direction, ...] = (
    Direction("smile", "Smile", -3, 3,
              "mouth corners up 4.5 % and out 3 % of the eye distance per step, cheeks "
              "lifted a little; negative turns the corners down"),
    Direction("mouth_width", "Mouth width", -3, 3,
              "each mouth corner 3.5 % of the eye distance outward per step"),
    Direction("eye_size", "Eye size", -3, 3,
              "each eye scaled 7 % per step about its centre (the eyes stay in place)"),
    Direction("nose_width", "Nose width", -3, 3,
              "each nose wing 2.2 % of the eye distance outward per step"),
    Direction("face_width", "Face width", -3, 3,
              "cheeks and jaw line up to 4 % of the eye distance outward per step; "
              "negative slims the face"),
    Direction("jaw_width", "Jaw width", -3, 3,
              "the lower jaw (jaw angles) up to 4.5 % of the eye distance outward per step"),
    Direction("chin_length", "Chin length", -3, 3,
              "the chin 4.5 % of the eye distance down per step (lower lip follows a little)"),
    Direction("head_roll", "Head roll", -3, 3,
              "the face rotated 2° per step about its centre, clockwise on screen for "
              "positive values (neck and background outside the mask stay)"),
)

_ROLL_DEG_PER_STEP = 2.0


# ---------------------------------------------------------------------------- the face frame


@dataclass(frozen=True)
class FaceFrame:
    """Face coordinates: origin between the eyes, ``ex`` along the eye line (image left eye
    → right eye), ``ey`` perpendicular (down the face), unit ``scale`` = eye distance px."""

    origin: np.ndarray
    ex: np.ndarray
    ey: np.ndarray
    scale: float

    @classmethod
    def from_points(cls, points: np.ndarray) -> FaceFrame:
        p = np.asarray(points, np.float64).reshape(5, 2)
        d = p[1] - p[0]
        scale = float(math.hypot(*d))
        if scale < 1e-6:
            raise EngineError("the eye landmarks coincide")
        ex = d / scale
        return cls((p[0] + p[1]) / 2, ex, np.array([-ex[1], ex[0]]), scale)

    def to_frame(self, xy: np.ndarray) -> np.ndarray:
        """Image ``(…, 2)`` pixel coordinates → face-frame ``(u, v)``."""
        rel = (np.asarray(xy, np.float64) - self.origin) / self.scale
        return np.stack([rel @ self.ex, rel @ self.ey], axis=-1)

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        """Face-frame ``(…, 2)`` → image pixel coordinates."""
        uv = np.asarray(uv, np.float64)
        return self.origin + self.scale * (uv[..., :1] * self.ex + uv[..., 1:] * self.ey)

    def vectors_to_image(self, duv: np.ndarray) -> np.ndarray:
        """Face-frame displacement vectors → image pixel displacements."""
        duv = np.asarray(duv, np.float64)
        return self.scale * (duv[..., :1] * self.ex + duv[..., 1:] * self.ey)


# ---------------------------------------------------------------------------- controls


def _controls(frame: FaceFrame, points: np.ndarray
              ) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], float]:
    """Control point names, their face-frame positions, each direction's displacements
    ``(K, 2)`` in face-frame units per step, and the vertical stretch ``k`` of the face."""
    f = frame.to_frame(points)
    nose, mouth_l, mouth_r = f[2], f[3], f[4]
    mouth_c = (mouth_l + mouth_r) / 2
    # half template, half measurement: MTCNN's mouth corners rise with a smile, the chin not
    k = float(np.clip(0.5 + 0.5 * mouth_c[1] / MOUTH_V, 0.75, 1.4))
    mv = MOUTH_V * k
    names: list[str] = []
    pos: list[tuple[float, float]] = []

    def add(name: str, u: float, v: float) -> None:
        names.append(name)
        pos.append((float(u), float(v)))

    ring = [(math.cos(a), math.sin(a)) for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)]
    for side, s in (("left", -1), ("right", 1)):
        add(f"eye_{side}", s * 0.5, 0.0)
        for i, (cu, cv) in enumerate(ring):
            add(f"eye_{side}_ring{i}", s * 0.5 + 0.22 * cu, 0.13 * cv)
        add(f"brow_{side}", s * 0.5, -0.35)
        add(f"temple_{side}", s * 0.95, -0.1)
        add(f"under_eye_{side}", s * 0.5, 0.38)
    add("nose_bridge", 0.0, 0.12)
    add("nose", *nose)
    for side, s in (("left", -1), ("right", 1)):
        add(f"nose_wing_{side}", nose[0] + s * 0.18, nose[1] - 0.05)
    add("mouth_left", *mouth_l)
    add("mouth_right", *mouth_r)
    add("lip_top", mouth_c[0], mouth_c[1] - 0.12)
    add("lip_bottom", mouth_c[0], mouth_c[1] + 0.14)
    for side, s in (("left", -1), ("right", 1)):
        add(f"cheek_{side}", s * 0.65, (nose[1] + mouth_c[1]) / 2)
        add(f"jaw1_{side}", s * 1.02, 0.3)
        add(f"jaw2_{side}", s * 0.97, 0.75 * mv)
        add(f"jaw3_{side}", s * 0.8, 1.13 * mv)
        add(f"jaw4_{side}", mouth_c[0] * 0.5 + s * 0.48, 1.48 * mv)
    add("chin", mouth_c[0] * 0.7, 1.62 * mv)
    add("forehead", 0.0, -0.6)
    add("forehead_left", -0.6, -0.55)
    add("forehead_right", 0.6, -0.55)
    cu, cv = 0.0, MASK_CENTER_V * k
    a, b = MASK_AXES[0], MASK_AXES[1] * k
    for i, t in enumerate(np.linspace(0, 2 * math.pi, ANCHORS, endpoint=False)):
        add(f"anchor{i}", cu + a * math.cos(t), cv + b * math.sin(t))

    P = np.array(pos)
    idx = {n: i for i, n in enumerate(names)}
    moves: dict[str, np.ndarray] = {d.name: np.zeros_like(P) for d in DIRECTIONS}

    def move(direction: str, name: str, du: float, dv: float) -> None:
        moves[direction][idx[name]] = (du, dv)

    for side, s in (("left", -1), ("right", 1)):
        move("smile", f"mouth_{side}", s * 0.03, -0.045)
        move("smile", f"cheek_{side}", s * 0.012, -0.02)
        move("mouth_width", f"mouth_{side}", s * 0.035, 0.0)
        move("mouth_width", f"cheek_{side}", s * 0.008, 0.0)
        centre = P[idx[f"eye_{side}"]]
        for i in range(len(ring)):
            du, dv = 0.07 * (P[idx[f"eye_{side}_ring{i}"]] - centre)
            move("eye_size", f"eye_{side}_ring{i}", du, dv)
        move("nose_width", f"nose_wing_{side}", s * 0.022, 0.0)
        for name, amount in (("jaw1", 0.025), ("jaw2", 0.04), ("jaw3", 0.04), ("jaw4", 0.02),
                             ("cheek", 0.015), ("temple", 0.01)):
            move("face_width", f"{name}_{side}", s * amount, 0.0)
        for name, amount in (("jaw2", 0.015), ("jaw3", 0.045), ("jaw4", 0.025)):
            move("jaw_width", f"{name}_{side}", s * amount, 0.0)
        move("chin_length", f"jaw4_{side}", 0.0, 0.025)
        move("chin_length", f"jaw3_{side}", 0.0, 0.008)
    move("smile", "lip_top", 0.0, -0.012)
    move("smile", "lip_bottom", 0.0, -0.008)
    move("chin_length", "chin", 0.0, 0.045)
    move("chin_length", "lip_bottom", 0.0, 0.008)
    theta = math.radians(_ROLL_DEG_PER_STEP)
    inner = np.array([not n.startswith("anchor") for n in names])
    rel = P - np.array([cu, cv])
    moves["head_roll"][inner] = theta * np.stack([-rel[inner, 1], rel[inner, 0]], axis=1)
    return names, P, moves, k


def _tps_kernel(r2: np.ndarray) -> np.ndarray:
    """Thin-plate spline radial function ``r² log r`` from squared distances."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 0.5 * r2 * np.log(r2)
    return np.where(r2 > 0, out, 0.0)


def _tps_design(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``[U(|x − c_k|) …, 1, u, v]`` rows for points ``x`` ``(N, 2)``."""
    d2 = (x * x).sum(axis=1)[:, None] + (centres * centres).sum(axis=1)[None, :] - 2 * x @ centres.T
    np.maximum(d2, 0.0, out=d2)
    return np.concatenate([_tps_kernel(d2), np.ones((len(x), 1)), x], axis=1)


def _tps_coefficients(centres: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Spline coefficients ``(K + 3, 2)`` interpolating ``values`` ``(K, 2)`` at ``centres``."""
    n = len(centres)
    L = np.zeros((n + 3, n + 3))
    L[:n] = _tps_design(centres, centres)
    L[n:, :n] = L[:n, n:].T
    rhs = np.zeros((n + 3, values.shape[1]))
    rhs[:n] = values
    return np.linalg.solve(L, rhs)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


# ---------------------------------------------------------------------------- the analysis


@dataclass
class FaceShape:
    """Everything :meth:`FaceShapeModel.apply` needs about one face in one image.

    ``region`` ``(x0, y0, x1, y1)``: the only pixels an edit can change (the mask's box plus
    a margin, clamped to the image). ``latent``: the direction values it starts from (all
    0). ``measurements``: quantities the 5 points do measure (eye distance in px, roll in
    degrees, mouth width and eye-to-mouth distance in eye distances, a yaw proxy, the mouth
    line's tilt against the eye line in degrees). ``control_points`` are in image pixels.
    """

    face: Face
    image_size: tuple[int, int]
    region: tuple[int, int, int, int]
    frame: FaceFrame
    control_names: tuple[str, ...]
    control_points: np.ndarray
    measurements: dict[str, float]
    latent: dict[str, float]
    stretch: float = 1.0
    _centres: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    _coeffs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _step: int = field(default=4, repr=False)
    _basis: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _mask: np.ndarray | None = field(default=None, repr=False)

    def mask_uv(self, uv: np.ndarray) -> np.ndarray:
        """The feathered face mask (1 = full edit, 0 = untouched) at face-frame points."""
        k = self.stretch
        a, b = MASK_AXES[0], MASK_AXES[1] * k
        rho = np.hypot(uv[..., 0] / a, (uv[..., 1] - MASK_CENTER_V * k) / b)
        return 1.0 - _smoothstep((rho - MASK_INNER) / (1.0 - MASK_INNER))

    def region_mask(self) -> np.ndarray:
        """The face mask over :attr:`region` (float32 ``(h, w)``; cached)."""
        if self._mask is None:
            x0, y0, x1, y1 = self.region
            xs = np.arange(x0, x1, dtype=np.float64)
            ys = np.arange(y0, y1, dtype=np.float64)
            # the frame is a rotation, so u and v are separable sums over x and y
            rx = (xs - self.frame.origin[0]) / self.frame.scale
            ry = (ys - self.frame.origin[1]) / self.frame.scale
            u = ry[:, None] * self.frame.ex[1] + rx[None, :] * self.frame.ex[0]
            v = ry[:, None] * self.frame.ey[1] + rx[None, :] * self.frame.ey[0]
            self._mask = self.mask_uv(np.stack([u, v], axis=-1)).astype(np.float32)
        return self._mask

    def mask(self) -> np.ndarray:
        """The face mask over the whole image (float32 ``image_size``; 0 outside region)."""
        out = np.zeros(self.image_size, np.float32)
        x0, y0, x1, y1 = self.region
        out[y0:y1, x0:x1] = self.region_mask()
        return out

    def to_metadata(self) -> dict:
        """JSON-able description (the detected face and image size) that
        :meth:`FaceShapeModel.from_metadata` rebuilds this analysis from, e.g. for layer
        metadata in a saved project."""
        return {"box": [float(v) for v in self.face.box], "score": self.face.score,
                "points": self.face.points.astype(float).tolist(),
                "image_size": list(self.image_size)}


def _measurements(frame: FaceFrame, points: np.ndarray) -> dict[str, float]:
    f = frame.to_frame(points)
    mouth_c = (f[3] + f[4]) / 2
    mouth_vec = f[4] - f[3]
    return {
        "eye_distance_px": frame.scale,
        "roll_degrees": math.degrees(math.atan2(frame.ex[1], frame.ex[0])),
        "mouth_width": float(math.hypot(*mouth_vec)),
        "eye_to_mouth": float(mouth_c[1]),
        "yaw_proxy": float(f[2][0] - mouth_c[0] / 2),
        "mouth_tilt_degrees": math.degrees(math.atan2(mouth_vec[1], mouth_vec[0])),
    }


# ---------------------------------------------------------------------------- the model


class FaceShapeModel:
    """The built-in "face-shape" latent model (no download; works on first launch).

    Same shape as a latent model: ``id``, ``name``, ``directions``, ``limits``,
    ``latent_size``; :meth:`analyse` plays the part of encode (photo → face + zero latent),
    :meth:`apply` of decode-and-paste (latent values → edited photo).
    """

    id = "face-shape"
    name = "Face shape (built-in warp)"
    directions: tuple[Direction, ...] = DIRECTIONS
    limits = LIMITS

    @property
    def latent_size(self) -> int:
        return len(self.directions)

    def direction(self, name: str) -> Direction:
        """The direction called ``name``; :class:`EngineError` if there is none."""
        for d in self.directions:
            if d.name == name:
                return d
        raise EngineError(f"unknown face-shape direction {name!r}; "
                          f"known: {', '.join(d.name for d in self.directions)}")

    def default_latent(self) -> dict[str, float]:
        """Every direction at its default (0)."""
        return {d.name: d.default for d in self.directions}

    def latent_vector(self, values: Mapping[str, float]) -> np.ndarray:
        """``values`` (missing names = 0) as a float32 vector in :attr:`directions` order."""
        checked = self._checked(values)
        return np.array([checked.get(d.name, 0.0) for d in self.directions], np.float32)

    def latent_values(self, vector: np.ndarray) -> dict[str, float]:
        """A latent vector (in :attr:`directions` order) as named values."""
        v = np.asarray(vector, np.float64).reshape(-1)
        if v.size != self.latent_size:
            raise EngineError(f"expected {self.latent_size} latent values, got {v.size}")
        return {d.name: float(x) for d, x in zip(self.directions, v)}

    # -- analysis -----------------------------------------------------------------------

    def analyse(self, image: np.ndarray, region: tuple[float, float, float, float] | None = None,
                *, device: str = "cpu", ctx: RunContext | None = None) -> FaceShape:
        """Detect the face (the largest, or the largest inside ``region`` = ``(x0, y0, x1,
        y1)``) and prepare its warp. ``image``: the editor's pixels or an engine image
        (``uint8``/``uint16``/float, gray/RGB/RGBA).

        Raises :class:`ml.face.detect.FaceNotFound` or :class:`~ml.face.detect.FaceTooSmall`
        (messages fit for the user).
        """
        a = np.asarray(image)
        face = detect_face(a, region, min_eye_distance=MIN_EYE_DISTANCE, device=device, ctx=ctx)
        return self.from_face(face, a.shape[:2])

    def from_face(self, face: Face, image_size: tuple[int, int]) -> FaceShape:
        """The analysis of an already detected face in an image of ``image_size`` (h, w)."""
        frame = FaceFrame.from_points(face.points)
        names, centres, moves, k = _controls(frame, face.points)
        h, w = int(image_size[0]), int(image_size[1])
        # the mask's bounding box, plus room for the largest backward displacement
        a, b = MASK_AXES[0], MASK_AXES[1] * k
        centre = frame.to_image(np.array([0.0, MASK_CENTER_V * k]))
        ang = math.atan2(frame.ex[1], frame.ex[0])
        half_w = frame.scale * math.hypot(a * math.cos(ang), b * math.sin(ang))
        half_h = frame.scale * math.hypot(a * math.sin(ang), b * math.cos(ang))
        margin = 0.25 * frame.scale + 2
        region = (max(0, math.floor(centre[0] - half_w - margin)),
                  max(0, math.floor(centre[1] - half_h - margin)),
                  min(w, math.ceil(centre[0] + half_w + margin) + 1),
                  min(h, math.ceil(centre[1] + half_h + margin) + 1))
        if region[2] <= region[0] or region[3] <= region[1]:
            raise EngineError("the face lies outside the image")
        shape = FaceShape(
            face=face, image_size=(h, w), region=region, frame=frame,
            control_names=tuple(names), control_points=frame.to_image(centres),
            measurements=_measurements(frame, face.points),
            latent=self.default_latent(), stretch=k,
        )
        shape._centres = centres
        names_d = list(moves)
        coeffs = _tps_coefficients(centres, np.concatenate([moves[d] for d in names_d], axis=1))
        shape._coeffs = {d: coeffs[:, 2 * i:2 * i + 2] for i, d in enumerate(names_d)}
        shape._step = int(max(2, round(frame.scale / 20)))
        self._build_basis(shape)
        return shape

    def from_metadata(self, data: Mapping) -> FaceShape:
        """Rebuild an analysis from :meth:`FaceShape.to_metadata` (no detection rerun)."""
        try:
            face = Face(tuple(float(v) for v in data["box"]), float(data["score"]),
                        np.asarray(data["points"], np.float32).reshape(5, 2))
            size = (int(data["image_size"][0]), int(data["image_size"][1]))
        except (KeyError, TypeError, ValueError) as exc:
            raise EngineError(f"bad face-shape metadata: {exc}") from exc
        return self.from_face(face, size)

    def _grid(self, shape: FaceShape) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Coarse nodes over the region: x, y pixel coordinates (region-relative) where
        ``cv2.resize`` by ``step`` puts its source samples."""
        x0, y0, x1, y1 = shape.region
        s = shape._step
        nx, ny = math.ceil((x1 - x0) / s), math.ceil((y1 - y0) / s)
        gx = (np.arange(nx) + 0.5) * s - 0.5
        gy = (np.arange(ny) + 0.5) * s - 0.5
        return gx, gy, nx, ny

    def _build_basis(self, shape: FaceShape) -> None:
        gx, gy, nx, ny = self._grid(shape)
        x0, y0 = shape.region[:2]
        xy = np.stack(np.meshgrid(gx + x0, gy + y0), axis=-1).reshape(-1, 2)
        uv = shape.frame.to_frame(xy)
        design = _tps_design(uv, shape._centres)
        weight = shape.mask_uv(uv)[:, None]
        names = list(shape._coeffs)
        fields = design @ np.concatenate([shape._coeffs[n] for n in names], axis=1)
        shape._basis = {
            name: (shape.frame.vectors_to_image(fields[:, 2 * i:2 * i + 2]) * weight)
            .reshape(ny, nx, 2).astype(np.float32)
            for i, name in enumerate(names)
        }

    # -- the edit -----------------------------------------------------------------------

    def _checked(self, values: Mapping[str, float]) -> dict[str, float]:
        out = {}
        for name, value in values.items():
            d = self.direction(name)
            v = float(value)
            if not math.isfinite(v):
                raise EngineError(f"{name} must be a finite number, not {value!r}")
            out[name] = min(d.maximum, max(d.minimum, v))
        return out

    def displacement(self, shape: FaceShape, values: Mapping[str, float],
                     points: np.ndarray) -> np.ndarray:
        """The forward displacement (pixels, ``(N, 2)``) the edit gives image points
        ``points`` ``(N, 2)``: where the content at each point moves (exact spline, mask
        applied; the pixels follow it up to the coarse grid's interpolation)."""
        checked = self._checked(values)
        p = np.asarray(points, np.float64).reshape(-1, 2)
        uv = shape.frame.to_frame(p)
        design = _tps_design(uv, shape._centres)
        total = np.zeros((len(p), 2))
        for name, v in checked.items():
            if v:
                total += v * (design @ shape._coeffs[name])
        return shape.frame.vectors_to_image(total) * shape.mask_uv(uv)[:, None]

    def _backward_map(self, shape: FaceShape, checked: Mapping[str, float]
                      ) -> tuple[np.ndarray, np.ndarray] | None:
        """``cv2.remap`` maps over the region (region-relative source coordinates), or
        None when the edit moves nothing."""
        active = {n: v for n, v in checked.items() if v}
        if not active:
            return None
        gx, gy, nx, ny = self._grid(shape)
        s = shape._step
        fwd = np.zeros((ny, nx, 2), np.float32)
        for name, v in active.items():
            fwd += np.float32(v) * shape._basis[name]
        # invert the forward field on the coarse grid: p = q − F(p), by fixed-point steps
        qx, qy = np.meshgrid(gx.astype(np.float32), gy.astype(np.float32))
        px, py = qx - fwd[..., 0], qy - fwd[..., 1]
        for _ in range(4):
            f = cv2.remap(fwd, (px + 0.5) / s - 0.5, (py + 0.5) / s - 0.5, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            px, py = qx - f[..., 0], qy - f[..., 1]
        back = np.stack([qx - px, qy - py], axis=-1)
        x0, y0, x1, y1 = shape.region
        w, h = x1 - x0, y1 - y0
        full = cv2.resize(back, (nx * s, ny * s), interpolation=cv2.INTER_LINEAR)[:h, :w]
        # the coarse field is already faded by the mask; apply_region keeps every pixel
        # outside the mask's support as it was
        map_x = np.arange(w, dtype=np.float32)[None, :] - full[..., 0]
        map_y = np.arange(h, dtype=np.float32)[:, None] - full[..., 1]
        return map_x, map_y

    def apply_region(self, pixels: np.ndarray, shape: FaceShape,
                     values: Mapping[str, float]) -> tuple[tuple[int, int, int, int], np.ndarray]:
        """The edited pixels of :attr:`FaceShape.region` only: ``(region, patch)``, the patch
        of ``pixels``' dtype and channels (what a live preview needs on a large photo)."""
        a = np.asarray(pixels)
        if a.shape[:2] != shape.image_size:
            raise EngineError(f"the face was analysed on a {shape.image_size[1]}×"
                              f"{shape.image_size[0]} image, not {a.shape[1]}×{a.shape[0]}")
        x0, y0, x1, y1 = shape.region
        patch = np.array(a[y0:y1, x0:x1], copy=True)
        maps = self._backward_map(shape, self._checked(values))
        if maps is None:
            return shape.region, patch
        src = patch if patch.ndim == 3 else patch[:, :, None]
        if src.dtype not in (np.uint8, np.uint16, np.float32):
            work = src.astype(np.float32)
        else:
            work = src
        parts = [cv2.remap(np.ascontiguousarray(work[:, :, c:c + 4]), maps[0], maps[1],
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                 .reshape(work.shape[0], work.shape[1], -1)
                 for c in range(0, work.shape[2], 4)]
        warped = np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0]
        inside = shape.region_mask() > 0
        np.copyto(src, warped.astype(src.dtype, copy=False), where=inside[:, :, None])
        return shape.region, patch

    def apply(self, pixels: np.ndarray, shape: FaceShape,
              values: Mapping[str, float]) -> np.ndarray:
        """``pixels`` with the edit ``values`` (direction name → steps; missing = 0) applied:
        a new array of the same dtype and shape, changed only inside the face mask (within
        :attr:`FaceShape.region`); every other pixel is bit-identical."""
        region, patch = self.apply_region(pixels, shape, values)
        out = np.array(pixels, copy=True)
        x0, y0, x1, y1 = region
        out[y0:y1, x0:x1] = patch
        return out
