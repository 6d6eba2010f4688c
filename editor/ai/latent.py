"""The latent panel's state and requests, without Qt.

A :class:`LatentSession` is one latent being edited: the model (a
:class:`~editor.jobs.latent.LatentSpec`), the ``origin`` latent (encoded or sampled),
the ``base`` (origin plus raw edits of single entries, or a point between the A/B
slots) and the slider ``values`` (direction name → units). The edited latent is

    current = base + Σ values[name] · scale(name) · vector(name)

over the named and principal directions. For the face-shape model the latent is the
vector of direction steps (each direction a unit basis vector of scale 1), so the same
maths holds and ``current`` *is* the named values. For the portrait model the latent is
the face's flattened W+ code (``origin`` = the inverted photo) and ``mode`` says how the
edit lands: ``"delta"`` adds the generator's change to the photo, ``"replace"`` pastes the
generated face (colour-matched).

Requests (:class:`PreviewRequest`, :class:`ApplyRequest`, :class:`EncodeRequest`) are
frozen copies for the worker; ``run_*`` are their worker side (through
:mod:`editor.jobs.latent`). :func:`apply_latent_layer` lands a result as ONE undo step:
a new layer carrying :func:`LatentSession.metadata` under :data:`METADATA_KEY`, which
:func:`session_from_metadata` turns back into a session (continue editing the same
latent after reopening a project).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from editor.document.events import Rect
from editor.jobs import latent as jl
from editor.jobs import portrait as jp
from editor.jobs.engines import RunContext

METADATA_KEY = "retouch.latent"
#: soft edge (px) of a VAE result pasted over its region
DEFAULT_FEATHER = 6.0
#: face-shape previews while a slider is dragged are warped at this scale
DRAG_PREVIEW_SCALE = 0.5


class LatentSession:
    """One latent being edited (see the module docstring for the maths)."""

    def __init__(self, spec: jl.LatentSpec, origin: np.ndarray,
                 region: Rect | None = None, face: dict | None = None) -> None:
        self.spec = spec
        self.origin = self._check(origin)
        self.base = self.origin.copy()
        self.values: dict[str, float] = {d.name: 0.0 for d in self.sliders}
        self.region = region
        self.face = face
        self.slots: dict[str, np.ndarray | None] = {"A": None, "B": None}
        self.mix = 0.0
        #: portrait: "delta" (add the change to the photo) or "replace"
        self.mode = "delta"

    # --- the sliders ---------------------------------------------------------------

    @property
    def sliders(self) -> tuple[jl.DirectionInfo, ...]:
        return self.spec.directions + self.spec.principal

    def direction(self, name: str) -> jl.DirectionInfo:
        for d in self.sliders:
            if d.name == name:
                return d
        raise KeyError(f"{self.spec.name} has no direction {name!r}")

    def _check(self, z: np.ndarray) -> np.ndarray:
        a = np.asarray(z, np.float32).reshape(-1)
        if a.size != self.spec.latent_dim:
            raise ValueError(f"{self.spec.name} takes latents of size {self.spec.latent_dim}, "
                             f"got {a.size}")
        if not np.all(np.isfinite(a)):
            raise ValueError("the latent has NaN or infinite values")
        return a.copy()

    def offset(self) -> np.ndarray:
        """Σ values · scale · vector."""
        out = np.zeros(self.spec.latent_dim, np.float32)
        for d in self.sliders:
            v = self.values.get(d.name, 0.0)
            if v:
                out += np.float32(v * d.scale) * d.vector
        return out

    @property
    def current(self) -> np.ndarray:
        """The edited latent ``(d,)`` float32."""
        return (self.base + self.offset()).astype(np.float32)

    def set_value(self, name: str, amount: float) -> None:
        """Move one slider (clamped to its range)."""
        d = self.direction(name)
        self.values[name] = float(min(max(amount, d.minimum), d.maximum))

    def set_entry(self, index: int, value: float) -> None:
        """Set entry ``index`` of the *current* latent to ``value`` (the sliders keep
        their values: the base moves)."""
        if not 0 <= index < self.spec.latent_dim:
            raise IndexError(f"latent entry {index} out of range 0..{self.spec.latent_dim - 1}")
        self.base[index] += np.float32(float(value) - float(self.current[index]))

    def reset(self) -> None:
        """Back to the encoded (or sampled) latent: sliders at 0, raw edits undone."""
        self.base = self.origin.copy()
        self.values = {d.name: 0.0 for d in self.sliders}
        self.mix = 0.0

    def set_origin(self, z: np.ndarray, region: Rect | None = None,
                   face: dict | None = None) -> None:
        """A new starting latent (a new encode or sample); the sliders go back to 0."""
        self.origin = self._check(z)
        if region is not None:
            self.region = region
        if face is not None:
            self.face = face
        self.reset()

    # --- A/B -----------------------------------------------------------------------

    def store(self, slot: str) -> None:
        """Remember the current latent in slot "A" or "B"."""
        if slot not in self.slots:
            raise KeyError(f"no slot {slot!r}; slots are A and B")
        self.slots[slot] = self.current.copy()

    @property
    def can_interpolate(self) -> bool:
        return all(v is not None for v in self.slots.values())

    def interpolate(self, t: float) -> None:
        """``current = (1 − t)·A + t·B`` (t clamped to [0, 1]); the sliders go to 0 so
        they edit from that point."""
        a, b = self.slots["A"], self.slots["B"]
        if a is None or b is None:
            raise ValueError("store both A and B first")
        t = float(min(max(t, 0.0), 1.0))
        self.mix = t
        self.base = ((1.0 - t) * a + t * b).astype(np.float32)
        self.values = {d.name: 0.0 for d in self.sliders}

    # --- metadata ------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The layer metadata of a layer this session made (JSON data)."""
        entry: dict[str, Any] = {
            "model": self.spec.id,
            "latent": [float(x) for x in self.current],
            "base": [float(x) for x in self.base],
            "origin": [float(x) for x in self.origin],
            "values": {k: float(v) for k, v in self.values.items()},
            "region": None if self.region is None else [int(v) for v in self.region],
        }
        if self.face is not None:
            entry["face"] = dict(self.face)
        if self.spec.kind == jl.KIND_PORTRAIT:
            entry["mode"] = self.mode
        return {METADATA_KEY: entry}

    # --- requests ------------------------------------------------------------------

    def preview_request(self, dragging: bool = False, pixels: np.ndarray | None = None,
                        small: np.ndarray | None = None) -> PreviewRequest:
        """What the preview lane decodes now (face-shape: ``pixels`` is the source layer,
        ``small`` it at :data:`DRAG_PREVIEW_SCALE`, used while ``dragging``)."""
        face_px = None
        scale = 1.0
        if self.spec.kind == jl.KIND_FACE:
            if dragging and small is not None:
                face_px, scale = small, DRAG_PREVIEW_SCALE
            else:
                face_px = pixels
        elif self.spec.kind == jl.KIND_PORTRAIT:
            face_px = pixels
        return PreviewRequest(self.spec.id, self.spec.kind, self.current.copy(),
                              dict(self.values), self.face, face_px, scale,
                              self.origin.copy(), self.mode)

    def apply_request(self, pixels: np.ndarray, mask: np.ndarray | None = None,
                      feather: float = DEFAULT_FEATHER, source_index: int = 0) -> ApplyRequest:
        """A frozen request to render the edit at full size. VAE: ``pixels`` are the
        source layer over :attr:`region` and ``mask`` the selection over it (or None);
        face-shape: ``pixels`` is the whole source layer the face was found in."""
        if self.region is None:
            raise ValueError("encode or sample first: the edit has no region")
        return ApplyRequest(self.spec.id, self.spec.kind, self.current.copy(),
                            dict(self.values), self.region, np.array(pixels, copy=True),
                            None if mask is None else np.array(mask, copy=True), float(feather),
                            self.face, self.metadata(), source_index)


def session_from_metadata(spec: jl.LatentSpec, metadata: dict[str, Any]) -> LatentSession:
    """The session a layer's metadata describes (``metadata`` is the layer's whole
    metadata dict or its :data:`METADATA_KEY` entry); ValueError when it does not fit
    ``spec``."""
    entry = metadata.get(METADATA_KEY, metadata)
    if entry.get("model") != spec.id:
        raise ValueError(f"the layer was made with {entry.get('model')!r}, not {spec.id!r}")
    try:
        latent = np.asarray(entry["latent"], np.float32)
        region = entry.get("region")
        rect = None if region is None else Rect(*(int(v) for v in region))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"bad latent metadata: {exc}") from None
    s = LatentSession(spec, np.asarray(entry.get("origin", latent), np.float32), rect,
                      entry.get("face"))
    if entry.get("mode") in ("delta", "replace"):
        s.mode = str(entry["mode"])
    for name, v in dict(entry.get("values", {})).items():
        try:
            s.set_value(name, float(v))
        except KeyError:
            continue  # a direction this model no longer has: its move stays in the base
    # the base makes current equal the stored latent exactly, whatever the directions
    s.base = (latent - s.offset()).astype(np.float32)
    return s


def latent_entry(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    """The latent entry of a layer's metadata, or None."""
    if not metadata:
        return None
    entry = metadata.get(METADATA_KEY)
    return entry if isinstance(entry, dict) and "model" in entry and "latent" in entry else None


# --- frozen requests and their worker side ---------------------------------------------


@dataclass(frozen=True)
class EncodeRequest:
    """Encode ``pixels`` (RGBA of the region; face-shape and portrait: the whole source
    layer), or sample with ``seed`` when ``pixels`` is None (VAE only). Portrait:
    ``selection`` (x0, y0, x1, y1 in the layer's pixels) picks the face, ``steps`` the
    optimisation steps when no encoder is installed."""

    model_id: str
    pixels: np.ndarray | None
    region: Rect
    seed: int = 0
    selection: tuple[int, int, int, int] | None = None
    steps: int = 100


@dataclass(frozen=True)
class EncodeResult:
    spec: jl.LatentSpec
    latent: np.ndarray
    region: Rect
    face: dict | None = None


def run_encode_request(req: EncodeRequest, ctx: RunContext) -> EncodeResult:
    spec = jl.model_spec(req.model_id, ctx.device)
    if spec.kind == jl.KIND_FACE:
        if req.pixels is None:
            raise jl.EngineError("the face-shape model cannot sample: encode a face")
        face = jl.analyse_face(req.pixels, ctx)
        return EncodeResult(spec, np.zeros(spec.latent_dim, np.float32), req.region, face)
    if spec.kind == jl.KIND_PORTRAIT:
        z, face = jp.invert_face(req.pixels, req.selection, ctx, req.steps)
        return EncodeResult(spec, z, req.region, face)
    if req.pixels is None:
        z = jl.sample_latent(req.model_id, req.seed, ctx)
    else:
        z = jl.encode_region(req.model_id, req.pixels, ctx)
    return EncodeResult(spec, z, req.region)


def run_spec_request(model_id: str, ctx: RunContext) -> jl.LatentSpec:
    return jl.model_spec(model_id, ctx.device)


@dataclass(frozen=True)
class PreviewRequest:
    model_id: str
    kind: str
    latent: np.ndarray
    values: dict[str, float]
    face: dict | None = None
    pixels: np.ndarray | None = None
    scale: float = 1.0
    origin: np.ndarray | None = None
    mode: str = "delta"


@dataclass(frozen=True)
class PreviewResult:
    """``image``: uint8 RGB(A) for the panel; ``latent``: what it shows."""

    image: np.ndarray
    latent: np.ndarray
    scale: float = 1.0


def _to_u8(px: np.ndarray) -> np.ndarray:
    a = np.asarray(px)
    if a.dtype == np.uint16:
        return (a >> 8).astype(np.uint8)
    return a.astype(np.uint8, copy=False)


def run_preview_request(req: PreviewRequest, ctx: RunContext) -> PreviewResult:
    if req.kind == jl.KIND_FACE:
        if req.pixels is None or req.face is None:
            raise jl.EngineError("analyse a face first")
        _region, patch, _mask = jl.warp_face(req.pixels, req.face, req.values, ctx, req.scale)
        return PreviewResult(_to_u8(patch), req.latent, req.scale)
    if req.kind == jl.KIND_PORTRAIT:
        img = jp.preview_face(req.pixels, req.face, req.origin, req.latent, req.mode, ctx)
        return PreviewResult(img, req.latent)
    return PreviewResult(jl.decode_latent(req.model_id, req.latent, ctx), req.latent)


@dataclass(frozen=True)
class ApplyRequest:
    model_id: str
    kind: str
    latent: np.ndarray
    values: dict[str, float]
    region: Rect
    pixels: np.ndarray
    mask: np.ndarray | None
    feather: float
    face: dict | None
    metadata: dict[str, Any] = field(default_factory=dict)
    source_index: int = 0


@dataclass(frozen=True)
class ApplyResult:
    """RGBA pixels to add at document (``x``, ``y``) with ``metadata``."""

    pixels: np.ndarray
    x: int
    y: int
    metadata: dict[str, Any]
    name: str


def run_apply_request(req: ApplyRequest, ctx: RunContext) -> ApplyResult:
    if req.kind == jl.KIND_FACE:
        if req.face is None:
            raise jl.EngineError("analyse a face first")
        (x0, y0, _x1, _y1), patch, mask = jl.warp_face(req.pixels, req.face, req.values, ctx)
        out = np.array(patch, copy=True)
        out[..., 3] = np.where(mask > 0, out[..., 3], 0)
        out[out[..., 3] == 0] = 0
        # the face box is in the source layer's pixels: region.x/y is that layer's offset
        return ApplyResult(out, req.region.x + x0, req.region.y + y0, req.metadata,
                           "Face shape")
    if req.kind == jl.KIND_PORTRAIT:
        entry = req.metadata.get(METADATA_KEY, {})
        (x0, y0), patch = jp.apply_face(
            req.pixels, req.face, np.asarray(entry["origin"], np.float32), req.latent,
            str(entry.get("mode", "delta")), ctx)
        return ApplyResult(patch, req.region.x + x0, req.region.y + y0, req.metadata,
                           "Portrait edit")
    base = req.metadata.get(METADATA_KEY, {}).get("base")
    out = jl.replace_region(req.model_id, req.pixels, req.latent, req.mask, req.feather, ctx,
                            base=None if base is None else np.asarray(base, np.float32))
    return ApplyResult(out, req.region.x, req.region.y, req.metadata, "Latent edit")


def apply_latent_layer(doc: Any, result: ApplyResult, watch: Any | None = None) -> Any:
    """Add ``result`` as a new layer above the active one carrying its metadata: ONE
    undo step. ``watch`` (a :class:`~editor.ai.watch.DocumentWatch`) refuses a result
    whose document was resized or cropped meanwhile (ValueError)."""
    if watch is not None:
        watch.check_frame(result.name)
    return doc.add_layer_with_pixels(result.pixels, result.name, text=f"Add {result.name}",
                                     x=result.x, y=result.y, metadata=result.metadata)
