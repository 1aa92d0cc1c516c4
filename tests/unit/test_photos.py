"""Exemplar photos: every upload re-encoded as a 3:4 JPEG without metadata, and every bad
file refused with its reason. The pictures are real files made with Pillow."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageCms

from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused
from jixiao.showcase.photos import (
    MAX_HEIGHT,
    MAX_UPLOAD_BYTES,
    MAX_WIDTH,
    MIN_HEIGHT,
    MIN_WIDTH,
    CropFocus,
    placeholder_portrait,
    portrait_crop_box,
    portrait_from_upload,
)

RED, BLUE, WHITE = (220, 20, 30), (20, 40, 220), (255, 255, 255)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refusal(data: bytes) -> ShowcaseRefusal:
    with pytest.raises(ShowcaseRefused) as refused:
        portrait_from_upload(data)
    return refused.value.code


def assert_portrait(data: bytes) -> Image.Image:
    image = opened(data)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert abs(image.width * 4 - image.height * 3) <= 4, image.size
    assert image.width <= MAX_WIDTH and image.height <= MAX_HEIGHT
    assert not image.getexif()
    assert "icc_profile" not in image.info and "exif" not in image.info
    return image


# ----------------------------------------------------------------------------------------
# The crop window
# ----------------------------------------------------------------------------------------


@given(
    width=st.integers(1, 12_000),
    height=st.integers(1, 12_000),
    focus=st.sampled_from(list(CropFocus)),
)
def test_crop_box_is_the_largest_portrait_window_inside_the_picture(width, height, focus):
    left, upper, right, lower = portrait_crop_box(width, height, focus)
    assert 0 <= left < right <= width or right - left == 0
    assert 0 <= upper <= lower <= height
    kept_w, kept_h = right - left, lower - upper
    # 3:4 up to the rounding of one side, and one whole side of the picture kept.
    assert kept_w == width or kept_h == height
    assert abs(kept_w * 4 - kept_h * 3) < 4


def test_default_crop_keeps_the_top_of_a_tall_picture_and_the_middle_of_a_wide_one():
    # 900×3000 (a full-length shot): 1200 high kept, a fifth of the 1800 cut above.
    assert portrait_crop_box(900, 3000) == (0, 360, 900, 1560)
    assert portrait_crop_box(900, 3000, CropFocus.TOP) == (0, 0, 900, 1200)
    assert portrait_crop_box(900, 3000, CropFocus.BOTTOM) == (0, 1800, 900, 3000)
    # 4000×3000 (landscape): 2250 wide kept, centred.
    assert portrait_crop_box(4000, 3000) == (875, 0, 3125, 3000)
    assert portrait_crop_box(4000, 3000, CropFocus.LEFT) == (0, 0, 2250, 3000)


# ----------------------------------------------------------------------------------------
# Accepted uploads
# ----------------------------------------------------------------------------------------


@given(
    width=st.integers(MIN_WIDTH, 1600),
    height=st.integers(MIN_HEIGHT, 1600),
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    mode=st.sampled_from(["RGB", "RGBA", "L", "P", "LA"]),
    focus=st.sampled_from(list(CropFocus)),
)
def test_every_accepted_upload_becomes_a_clean_portrait_jpeg(width, height, fmt, mode, focus):
    image = Image.new("RGB", (width, height), RED).convert(mode)
    if fmt == "JPEG" and mode not in ("RGB", "L"):
        image = image.convert("RGB")
    portrait = portrait_from_upload(encoded(image, fmt), focus)
    result = assert_portrait(portrait.data)
    assert (result.width, result.height) == (portrait.width, portrait.height)
    assert portrait.source_format == fmt
    assert len(portrait.sha256) == 64


def test_exif_orientation_is_applied_and_every_metadata_block_dropped():
    # Stored sideways (wide), with Orientation 6: the camera was turned a quarter to the right.
    sideways = Image.new("RGB", (800, 600), BLUE)
    sideways.paste(RED, (0, 0, 100, 600))  # the left edge is the picture's top
    exif = sideways.getexif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # GPS: north, 30°15'
    data = encoded(sideways, "JPEG", exif=exif, quality=95, comment=b"owner: someone")
    assert b"SecretCam" in data
    portrait = portrait_from_upload(data, CropFocus.TOP)
    result = assert_portrait(portrait.data)
    # Upright it is 600×800 (already 3:4): the red band is now along the top.
    assert (result.width, result.height) == (600, 800)
    assert result.getpixel((300, 20))[0] > 180 and result.getpixel((300, 780))[2] > 180
    for secret in (b"SecretCam", b"owner: someone", b"GPS", b"Exif"):
        assert secret not in portrait.data


def test_a_colour_profile_is_applied_and_not_kept():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (300, 400), RED)
    for icc in (srgb, profile):
        portrait = portrait_from_upload(encoded(image, "PNG", icc_profile=icc))
        assert_portrait(portrait.data)


def test_transparency_is_laid_on_white():
    image = Image.new("RGBA", (300, 400), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 200, 300, 400))
    result = assert_portrait(portrait_from_upload(encoded(image, "PNG")).data)
    assert min(result.getpixel((150, 50))) > 240  # was transparent: white
    assert result.getpixel((150, 350))[0] > 180


def test_a_cmyk_jpeg_is_converted():
    image = Image.new("CMYK", (300, 400), (0, 200, 200, 0))
    result = assert_portrait(portrait_from_upload(encoded(image, "JPEG")).data)
    assert result.getpixel((150, 200))[0] > 180


def test_large_photos_are_scaled_down_and_bytes_after_the_picture_are_gone():
    image = Image.new("RGB", (3000, 4000), BLUE)
    payload = b"PK\x03\x04" + b"hidden archive" * 100
    portrait = portrait_from_upload(encoded(image, "JPEG") + payload)
    result = assert_portrait(portrait.data)
    assert (result.width, result.height) == (MAX_WIDTH, MAX_HEIGHT)
    assert b"hidden archive" not in portrait.data


def test_the_smallest_id_photo_is_accepted():
    result = assert_portrait(portrait_from_upload(encoded(Image.new("RGB", (295, 413)), "JPEG")).data)
    assert result.width >= MIN_WIDTH and result.height >= MIN_HEIGHT


# ----------------------------------------------------------------------------------------
# Refused uploads
# ----------------------------------------------------------------------------------------


def test_refusals_name_their_reason_in_chinese():
    from django.utils import translation

    big_jpeg = b"\xff\xd8" + b"0" * MAX_UPLOAD_BYTES
    noisy_jpeg = encoded(Image.effect_noise((600, 800), 60).convert("RGB"), "JPEG")
    cases = {
        b"": ShowcaseRefusal.PHOTO_EMPTY,
        big_jpeg: ShowcaseRefusal.PHOTO_TOO_LARGE,
        "姓名,事迹\n张三,很好\n".encode(): ShowcaseRefusal.PHOTO_NOT_AN_IMAGE,
        encoded(Image.new("RGB", (300, 400)), "GIF"): ShowcaseRefusal.PHOTO_WRONG_FORMAT,
        encoded(Image.new("RGB", (300, 400)), "TIFF"): ShowcaseRefusal.PHOTO_WRONG_FORMAT,
        encoded(Image.new("RGB", (200, 260)), "PNG"): ShowcaseRefusal.PHOTO_TOO_SMALL,
        encoded(Image.new("RGB", (1000, 200)), "PNG"): ShowcaseRefusal.PHOTO_TOO_SMALL,
        # 60 megapixels of one-bit pixels: a small file that would decode to 180 MB.
        encoded(Image.new("1", (10_000, 6_000)), "PNG"): ShowcaseRefusal.PHOTO_TOO_MANY_PIXELS,
        noisy_jpeg[: len(noisy_jpeg) // 2]: ShowcaseRefusal.PHOTO_DAMAGED,
    }
    for data, code in cases.items():
        assert refusal(data) == code, code
    with translation.override("zh-hans"):
        with pytest.raises(ShowcaseRefused) as refused:
            portrait_from_upload(encoded(Image.new("RGB", (300, 400)), "GIF"))
        assert refused.value.message == "照片为 GIF 格式，只接受 JPEG、PNG 和 WebP 格式。"
        with pytest.raises(ShowcaseRefused) as refused:
            portrait_from_upload(encoded(Image.new("RGB", (200, 260)), "PNG"))
        assert "200×260" in refused.value.message and "240×320" in refused.value.message


def test_a_cut_off_photo_is_refused_even_after_weasyprint_allowed_truncated_images():
    import weasyprint  # noqa: F401  (switches PIL.ImageFile.LOAD_TRUNCATED_IMAGES on)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    noisy = encoded(Image.effect_noise((600, 800), 60).convert("RGB"), "JPEG")
    assert refusal(noisy[: len(noisy) // 2]) == ShowcaseRefusal.PHOTO_DAMAGED
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # put back for WeasyPrint


def test_a_phone_jpeg_with_a_second_picture_is_accepted():
    # Recent phones store an HDR gain map as a second picture: Pillow reads such a JPEG as MPO.
    first, second = Image.new("RGB", (600, 800), RED), Image.new("RGB", (300, 400), BLUE)
    data = encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    result = assert_portrait(portrait_from_upload(data).data)
    assert result.getpixel((300, 400))[0] > 180  # the first picture


def test_sixteen_bit_grey_keeps_its_grey():
    grey = Image.new("I;16", (300, 400), 32768)  # mid-grey on the 16-bit scale
    result = assert_portrait(portrait_from_upload(encoded(grey, "PNG")).data)
    assert 110 < result.getpixel((150, 200))[0] < 145


def test_a_huge_picture_is_refused_for_its_pixels_and_a_large_one_is_decoded_small():
    # Past Pillow's own bomb limit (it refuses to open it): still named as too many pixels.
    huge = encoded(Image.new("1", (20_000, 10_000)), "PNG")
    assert refusal(huge) == ShowcaseRefusal.PHOTO_TOO_MANY_PIXELS
    # A 24-megapixel JPEG is decoded at a reduced scale and comes out at the largest size.
    large = encoded(Image.new("RGB", (4000, 6000), BLUE), "JPEG")
    assert (assert_portrait(portrait_from_upload(large).data).size) == (MAX_WIDTH, MAX_HEIGHT)


# ----------------------------------------------------------------------------------------
# Placeholders
# ----------------------------------------------------------------------------------------


def test_placeholder_portraits_are_portrait_jpegs_the_same_for_the_same_seed():
    first = placeholder_portrait("F001")
    assert first == placeholder_portrait("F001")
    assert first != placeholder_portrait("F002")
    assert opened(first).size == (600, 800)
    # A placeholder goes through the upload path like any photo.
    assert_portrait(portrait_from_upload(placeholder_portrait("F003", long_hair=True)).data)
