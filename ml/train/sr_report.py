"""Compare built-in SR models against bicubic on held-out photos: a table and a contact sheet.

``python -m ml.train.sr_report --heldout train_data/sr/heldout
--model sr-small=resources/models/sr-small-x{scale}.safetensors
--model sr-res=resources/models/sr-res/sr-res-x{scale}.safetensors
--scales 2 4 --table docs/sr/quality-table.md --sheet docs/sr/contact-sheet.png``

Every model is scored with :func:`ml.train.sr.evaluate` (the same protocol as training:
PIL bicubic LR, Y-channel PSNR/SSIM, ``scale`` border pixels shaved). The table has one
row per photo and scale with bicubic and each model's PSNR/SSIM and gain over bicubic, and
a mean row per scale. The contact sheet shows, per scale, the same crop of one held-out
photo as the original, bicubic, and each model (pixels doubled, nearest neighbour, so
the detail is visible at 100 %).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ml.train.sr import IMAGE_SUFFIXES, evaluate, upscale_with


def load_models(specs: list[str], scale: int) -> dict[str, object]:
    """``name=path`` specs (``{scale}`` in the path is replaced) → loaded nets."""
    from ml.archs.sr_small import load_sr_model

    models = {}
    for spec in specs:
        name, _, pattern = spec.partition("=")
        if not pattern:
            raise ValueError(f"--model {spec!r}: expected NAME=PATH")
        models[name] = load_sr_model(pattern.replace("{scale}", str(scale)))
    return models


def score(models: dict[str, object], heldout: Path, scale: int) -> dict[str, dict]:
    """photo → {"bicubic": (psnr, ssim), name: (psnr, ssim), ...} (and a "mean" photo)."""
    table: dict[str, dict] = {}
    for name, model in models.items():
        for photo, row in evaluate(model, heldout, scale).items():
            entry = table.setdefault(photo, {"bicubic": (row["bicubic_psnr"],
                                                         row["bicubic_ssim"])})
            entry[name] = (row["model_psnr"], row["model_ssim"])
    return table


def markdown(tables: dict[int, dict[str, dict]], names: list[str]) -> str:
    """The per-scale tables as one markdown table."""
    head = ["scale", "photo", "bicubic PSNR"]
    for n in names:
        head += [f"{n} PSNR", f"{n} gain"]
    head += ["bicubic SSIM"] + [f"{n} SSIM" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for scale, table in tables.items():
        for photo, entry in table.items():
            bic_p, bic_s = entry["bicubic"]
            label = "**mean**" if photo == "mean" else photo
            cells = [f"×{scale}", label, f"{bic_p:.2f}"]
            for n in names:
                gain = f"{entry[n][0] - bic_p:+.2f}"
                cells += [f"{entry[n][0]:.2f}", f"**{gain}**" if photo == "mean" else gain]
            cells += [f"{bic_s:.4f}"] + [f"{entry[n][1]:.4f}" for n in names]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def contact_sheet(
    models_by_scale: dict[int, dict[str, object]], photo: Path, box: tuple[int, int, int, int]
) -> Image.Image:
    """One row per scale: original crop, bicubic, each model (``box`` in HR pixels, its
    size a multiple of every scale), each tile doubled with nearest neighbour."""
    with Image.open(photo) as im:
        hr_full = im.convert("RGB")
    x0, y0, x1, y1 = box
    tiles: list[list[tuple[str, Image.Image]]] = []
    for scale, models in models_by_scale.items():
        # the LR of the whole photo (cropped to a multiple of the scale), as evaluate does
        w, h = hr_full.width - hr_full.width % scale, hr_full.height - hr_full.height % scale
        hr = hr_full.crop((0, 0, w, h))
        lr = hr.resize((w // scale, h // scale), Image.BICUBIC)
        row = [("original", hr.crop(box)),
               (f"bicubic x{scale}", lr.resize((w, h), Image.BICUBIC).crop(box))]
        # the model sees a margin of LR context around the crop, like a tile
        m = 8
        lbox = (max(0, x0 // scale - m), max(0, y0 // scale - m),
                min(lr.width, x1 // scale + m), min(lr.height, y1 // scale + m))
        low = np.asarray(lr.crop(lbox), np.float32) / 255.0
        for name, model in models.items():
            out = upscale_with(model, low)
            sub = Image.fromarray((out * 255 + 0.5).astype(np.uint8))
            ox, oy = x0 - lbox[0] * scale, y0 - lbox[1] * scale
            row.append((f"{name} x{scale}", sub.crop((ox, oy, ox + x1 - x0, oy + y1 - y0))))
        tiles.append(row)
    tw, th = (x1 - x0) * 2, (y1 - y0) * 2
    label_h = 16
    cols = max(len(r) for r in tiles)
    sheet = Image.new("RGB", (cols * (tw + 4) + 4, len(tiles) * (th + label_h + 4) + 4),
                      (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(tiles):
        for c, (label, tile) in enumerate(row):
            x, y = 4 + c * (tw + 4), 4 + r * (th + label_h + 4)
            draw.text((x + 2, y + 2), label, fill=(235, 235, 235))
            sheet.paste(tile.resize((tw, th), Image.NEAREST), (x, y + label_h))
    return sheet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", type=Path, required=True, help="held-out photos")
    parser.add_argument("--model", action="append", required=True,
                        help="NAME=PATH ({scale} in PATH is replaced by the scale)")
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--table", type=Path, help="write the markdown table here")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet PNG here")
    parser.add_argument("--sheet-photo", default="", help="held-out photo for the sheet")
    parser.add_argument("--sheet-box", type=int, nargs=4, default=[200, 120, 296, 216],
                        metavar=("X0", "Y0", "X1", "Y1"), help="crop in HR pixels")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(max(1, args.threads))
    try:
        models = {s: load_models(args.model, s) for s in args.scales}
        tables = {s: score(models[s], args.heldout, s) for s in args.scales}
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"sr_report: {exc}\n")
        return 1
    names = list(next(iter(models.values())))
    text = markdown(tables, names)
    sys.stdout.write(text)
    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(text)
    if args.sheet:
        photos = sorted(p for p in args.heldout.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        photo = args.heldout / args.sheet_photo if args.sheet_photo else photos[0]
        args.sheet.parent.mkdir(parents=True, exist_ok=True)
        contact_sheet(models, photo, tuple(args.sheet_box)).save(args.sheet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
