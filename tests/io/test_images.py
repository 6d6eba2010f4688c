from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from editor.io import FileError, export_image, load_image, open_document, save_image
from editor.io.images import read_orientation
from tests.io.conftest import make_exif, random_rgba


@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("opaque", [False, True])
def test_16bit_rgba_round_trip_keeps_exact_values(tmp_path, rng, ext, opaque):
    px = random_rgba(rng, 9, 13, np.uint16)
    px[0, 0] = (0, 1, 65534, 65535)
    if opaque:
        px[..., 3] = 65535
    path = tmp_path / f"deep{ext}"
    save_image(px, path)
    img = load_image(path)
    assert img.pixels.dtype == np.uint16 and img.depth == 16
    np.testing.assert_array_equal(img.pixels, px)


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_16bit_document_load_save_load_is_exact(tmp_path, rng, ext):
    px = random_rgba(rng, 6, 5, np.uint16)
    src = tmp_path / f"a{ext}"
    save_image(px, src)
    doc = open_document(src)
    assert doc.depth == 16
    out = tmp_path / f"b{ext}"
    export_image(doc, out)
    np.testing.assert_array_equal(load_image(out).pixels, px)


def test_16bit_gray_png_from_pillow_opens_as_16bit(tmp_path, rng):
    g = rng.integers(0, 65536, (7, 5), dtype=np.int64).astype(np.uint16)
    path = tmp_path / "gray16.png"
    Image.fromarray(g).save(path)  # uint16 → mode I;16
    img = load_image(path)
    assert img.pixels.dtype == np.uint16
    for c in range(3):
        np.testing.assert_array_equal(img.pixels[..., c], g)
    assert (img.pixels[..., 3] == 65535).all()


def test_16bit_png_written_by_opencv_opens_in_rgb_order(tmp_path):
    import cv2

    bgr = np.zeros((2, 3, 3), np.uint16)
    bgr[..., 0] = 1000  # blue in OpenCV order
    bgr[..., 2] = 60000  # red
    path = tmp_path / "cv.png"
    cv2.imwrite(str(path), bgr)
    px = load_image(path).pixels
    assert tuple(px[0, 0]) == (60000, 0, 1000, 65535)


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        ("L", 77, (77, 77, 77, 255)),
        ("LA", (77, 10), (77, 77, 77, 10)),
        ("RGB", (1, 2, 3), (1, 2, 3, 255)),
        ("RGBA", (1, 2, 3, 4), (1, 2, 3, 4)),
        ("1", 1, (255, 255, 255, 255)),
    ],
)
def test_8bit_modes_open_as_rgba(tmp_path, mode, value, expected):
    path = tmp_path / f"m_{mode}.png"
    Image.new(mode, (3, 2), value).save(path)
    img = load_image(path)
    assert img.pixels.dtype == np.uint8 and img.pixels.shape == (2, 3, 4)
    assert tuple(img.pixels[1, 2]) == expected


def test_palette_with_transparency_keeps_alpha(tmp_path):
    im = Image.new("P", (2, 1))
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    im.putpixel((1, 0), 1)
    path = tmp_path / "pal.png"
    im.save(path, transparency=0)
    px = load_image(path).pixels
    assert px[0, 0, 3] == 0
    assert tuple(px[0, 1]) == (0, 255, 0, 255)


def test_cmyk_jpeg_is_converted_to_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (4, 4), (0, 255, 255, 0)).save(path, quality=100)
    px = load_image(path).pixels
    assert px.shape == (4, 4, 4)
    r, g, b, a = (int(v) for v in px[2, 2])
    assert r > 200 and g < 60 and b < 60 and a == 255


@pytest.mark.parametrize("ext", [".webp", ".bmp", ".tif", ".jpg"])
def test_other_formats_open(tmp_path, rng, ext):
    rgb = rng.integers(0, 256, (5, 6, 3), dtype=np.int64).astype(np.uint8)
    path = tmp_path / f"x{ext}"
    opts = {".jpg": {"quality": 100, "subsampling": 0}, ".webp": {"lossless": True}}
    Image.fromarray(rgb).save(path, **opts.get(ext, {}))
    px = load_image(path).pixels
    assert px.shape == (5, 6, 4)
    tol = 8 if ext == ".jpg" else 0
    assert np.abs(px[..., :3].astype(int) - rgb).max() <= tol


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_pillow(tmp_path, rng, orientation):
    rgb = rng.integers(0, 256, (4, 6, 3), dtype=np.int64).astype(np.uint8)
    path = tmp_path / "o.jpg"
    Image.fromarray(rgb).save(path, exif=make_exif(orientation), quality=100, subsampling=0)
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGBA"))
    img = load_image(path)
    np.testing.assert_array_equal(img.pixels, expected)
    if orientation >= 5:
        assert img.pixels.shape[:2] == (6, 4)
    # Upright now: the kept EXIF must not make a viewer rotate the export again.
    assert read_orientation(img.exif) == 1
    assert b"RetouchCam" in img.exif


def test_exif_orientation_applied_to_16bit_png(tmp_path, rng):
    px = random_rgba(rng, 3, 5, np.uint16)
    path = tmp_path / "o16.png"
    save_image(px, path, exif=make_exif(6))
    img = load_image(path)
    np.testing.assert_array_equal(img.pixels, np.rot90(px, -1))


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".tif"])
def test_icc_and_exif_survive_export(tmp_path, rng, srgb_icc, ext):
    src = tmp_path / "src.jpg"
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.int64).astype(np.uint8)).save(
        src, icc_profile=srgb_icc, exif=make_exif(1, "KeepMe")
    )
    doc = open_document(src)
    assert doc.metadata["icc_profile"] == srgb_icc
    out = tmp_path / f"out{ext}"
    export_image(doc, out)
    with Image.open(out) as im:
        assert im.info.get("icc_profile") == srgb_icc
        assert im.getexif().get(0x010F) == "KeepMe"


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_icc_survives_16bit_export(tmp_path, rng, srgb_icc, ext):
    path = tmp_path / f"deep{ext}"
    save_image(
        random_rgba(rng, 4, 4, np.uint16),
        path,
        icc_profile=srgb_icc,
        exif=make_exif(1, "Deep"),
    )
    img = load_image(path)
    assert img.icc_profile == srgb_icc
    assert b"Deep" in img.exif


def _rich_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "DeepCam"  # Make
    exif[0x0110] = "Model 16"  # Model
    exif.get_ifd(0x8769)[0x9003] = "2026:11:25 09:28:17"  # DateTimeOriginal
    exif.get_ifd(0x8769)[0x829A] = 0.004  # ExposureTime (rational)
    exif.get_ifd(0x8825)[0x0001] = "N"  # GPSLatitudeRef
    return exif.tobytes()


def test_16bit_tiff_keeps_exif_with_its_sub_ifds(tmp_path, rng):
    path = tmp_path / "deep.tif"
    px = random_rgba(rng, 5, 7, np.uint16)
    save_image(px, path, exif=_rich_exif())
    img = load_image(path)
    np.testing.assert_array_equal(img.pixels, px)
    with Image.open(path) as im:  # what other TIFF readers see
        ex = im.getexif()
        assert ex.get(0x010F) == "DeepCam" and ex.get(0x0110) == "Model 16"
        assert ex.get_ifd(0x8769).get(0x9003) == "2026:11:25 09:28:17"
        assert float(ex.get_ifd(0x8769).get(0x829A)) == pytest.approx(0.004)
        assert ex.get_ifd(0x8825).get(0x0001) == "N"
        assert im.tag_v2[256] == 7 and im.tag_v2[257] == 5  # its own layout tags won


@pytest.mark.parametrize("deep", [False, True])
def test_exif_of_a_tiff_is_read_and_written_back(tmp_path, rng, deep):
    src = tmp_path / "src.tif"
    if deep:
        save_image(random_rgba(rng, 4, 4, np.uint16), src, exif=_rich_exif())
    else:
        Image.fromarray(rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)).save(
            src, exif=_rich_exif()
        )
    doc = open_document(src)
    out = tmp_path / "out.jpg"
    export_image(doc, out)
    with Image.open(out) as im:
        ex = im.getexif()
        assert ex.get(0x010F) == "DeepCam"
        assert ex.get_ifd(0x8769).get(0x9003) == "2026:11:25 09:28:17"
        assert 256 not in ex  # the TIFF's layout tags are not EXIF


def test_jpeg_export_composites_transparency_onto_white(tmp_path):
    px = np.zeros((8, 8, 4), np.uint8)
    px[:4] = (0, 0, 0, 255)  # opaque black top half, transparent bottom half
    path = tmp_path / "w.jpg"
    save_image(px, path, quality=95)
    out = load_image(path).pixels
    assert out[6, 4, :3].min() >= 245 and out[1, 4, :3].max() <= 10


def test_16bit_to_8bit_export_rounds(tmp_path):
    px = np.full((2, 2, 4), 65535, np.uint16)
    px[..., 0] = 257 * 100 + 100  # nearest 8-bit value is 100
    path = tmp_path / "q.webp"
    save_image(px, path, quality=100)
    out = load_image(path).pixels
    assert out.dtype == np.uint8 and out[0, 0, 0] == 100


def test_jpeg_quality_changes_size(tmp_path, rng):
    px = random_rgba(rng, 32, 32)
    px[..., 3] = 255
    lo, hi = tmp_path / "lo.jpg", tmp_path / "hi.jpg"
    save_image(px, lo, quality=20)
    save_image(px, hi, quality=98)
    assert lo.stat().st_size < hi.stat().st_size


@pytest.mark.parametrize("quality", [95, 100])
def test_jpeg_of_noise_saves_although_it_overflows_the_optimised_buffer(tmp_path, rng, quality):
    # incompressible pixels make Pillow's optimize=True buffer (one byte per pixel) too
    # small ("Suspension not allowed here"); the save must still succeed
    px = random_rgba(rng, 300, 200)
    px[..., 3] = 255
    path = tmp_path / "noise.jpg"
    save_image(px, path, quality=quality)
    out = load_image(path).pixels
    assert out.shape == px.shape
    assert np.abs(out[..., :3].astype(int) - px[..., :3]).mean() < 20


def test_png_compression_level_changes_size(tmp_path):
    px = np.zeros((64, 64, 4), np.uint8)
    px[..., 3] = 255
    px[:, :, 0] = np.arange(64)[None, :] * 4
    fast, small = tmp_path / "0.png", tmp_path / "9.png"
    save_image(px, fast, compression=0)
    save_image(px, small, compression=9)
    assert small.stat().st_size < fast.stat().st_size
    np.testing.assert_array_equal(load_image(fast).pixels, load_image(small).pixels)


@pytest.mark.parametrize("name", ["x.gifx", "x.psd", "noext"])
def test_unsupported_extension_on_save_is_a_file_error(tmp_path, name):
    with pytest.raises(FileError) as info:
        save_image(np.zeros((2, 2, 4), np.uint8), tmp_path / name)
    assert name in str(info.value)
    assert not (tmp_path / name).exists()


def _camera_tiff(path, rng, orientation: int = 1) -> np.ndarray:
    """An 8-bit TIFF as a camera/Lightroom writes it: EXIF tags in its IFD, an Exif
    sub-IFD, optionally an orientation tag; returns its stored pixels."""
    rgb = rng.integers(0, 256, (20, 40, 3)).astype(np.uint8)
    exif = Image.Exif()
    exif[271] = "CamMaker"
    exif[305] = "Lightroom"
    if orientation != 1:
        exif[274] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2026:11:25 09:28:17"
    Image.fromarray(rgb).save(path, exif=exif.tobytes())
    with Image.open(path) as im:  # the source really is laid out that way
        assert im.getexif().get_ifd(0x8769) and im.tag_v2.get(274, 1) == orientation
    return rgb


def test_tiff_orientation_is_applied_once_and_survives_repeated_saves(tmp_path, rng):
    src = tmp_path / "rotated.tif"
    rgb = _camera_tiff(src, rng, orientation=6)
    upright = np.rot90(rgb, -1)  # orientation 6: turn 90° clockwise to view
    doc = open_document(src)
    np.testing.assert_array_equal(doc.composite()[..., :3], upright)
    assert read_orientation(doc.metadata.get("exif")) == 1
    for i, ext in enumerate((".tif", ".png", ".tif", ".jpg")):
        out = tmp_path / f"again{i}{ext}"
        export_image(doc, out, quality=100)
        back = open_document(out)
        assert back.size == (20, 40), ext  # no second turn, however often it is saved
        if ext != ".jpg":
            np.testing.assert_array_equal(back.composite()[..., :3], upright)
            doc = back
        with Image.open(out) as im:
            assert im.getexif().get(274, 1) == 1  # other viewers don't turn it again


@pytest.mark.parametrize("deep", [False, True])
def test_tiff_with_an_exif_sub_ifd_saves_as_tiff_keeping_it(tmp_path, rng, deep):
    src = tmp_path / "cam.tif"
    _camera_tiff(src, rng)
    doc = open_document(src)
    if deep:
        doc = open_document(src)
        px = doc.composite().astype(np.uint16) * 257
        save_image(px, tmp_path / "deep.tif", exif=doc.metadata["exif"])
        out = tmp_path / "deep.tif"
    else:
        out = tmp_path / "out.tif"
        export_image(doc, out)
    with Image.open(out) as im:
        ex = im.getexif()
        assert ex.get(271) == "CamMaker" and ex.get(305) == "Lightroom"
        assert ex.get_ifd(0x8769).get(0x9003) == "2026:11:25 09:28:17"


def test_exif_from_a_tiff_is_one_well_formed_block(tmp_path, rng):
    src = tmp_path / "cam.tif"
    _camera_tiff(src, rng)
    exif = load_image(src).exif
    assert exif.startswith(b"Exif\x00\x00") and exif[6:8] in (b"II", b"MM")
    assert b"Exif\x00\x00" not in exif[6:]  # not a block wrapped in a second header


def test_interop_sub_ifd_is_relinked_in_a_16bit_tiff(tmp_path, rng):
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:25 09:28:17"
    exif.get_ifd(0xA005)[0x0001] = "R98"
    exif.get_ifd(0x8769)[0xA005] = exif.get_ifd(0xA005)  # nested, as cameras write it
    jpg = tmp_path / "cam.jpg"
    Image.fromarray(rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)).save(
        jpg, exif=exif.tobytes()
    )
    with Image.open(jpg) as im:
        assert im.getexif().get_ifd(0xA005).get(0x0001) == "R98"
    path = tmp_path / "interop.tif"
    save_image(random_rgba(rng, 4, 4, np.uint16), path, exif=load_image(jpg).exif)
    with Image.open(path) as im:
        ex = im.getexif()
        assert ex.get_ifd(0xA005).get(0x0001) == "R98"


def test_16bit_tiff_orientation_from_opencv_is_not_applied_twice(tmp_path, rng):
    from editor.io.images import encode_tiff

    px = random_rgba(rng, 20, 40, np.uint16)
    px[..., 3] = 65535
    ex = Image.Exif()
    ex[276] = 6  # a spare SHORT tag, patched into Orientation (274) below: same sort slot
    data = bytearray(encode_tiff(px[..., :3], exif=ex.tobytes()))
    entry = data.find(b"\x14\x01\x03\x00\x01\x00\x00\x00\x06\x00")
    assert entry > 0
    data[entry : entry + 2] = b"\x12\x01"
    path = tmp_path / "rot16.tif"
    path.write_bytes(bytes(data))
    with Image.open(path) as im:
        assert im.tag_v2.get(274) == 6
    img = load_image(path)
    np.testing.assert_array_equal(img.pixels[..., :3], np.rot90(px[..., :3], -1))
