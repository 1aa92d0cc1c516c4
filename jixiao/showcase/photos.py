"""Exemplar photos: an upload checked and re-encoded, and generated placeholder portraits.

Every photo the public sees went through :func:`portrait_from_upload`: decoded by Pillow
(JPEG, PNG and WebP only, whatever the file name says), turned upright by its EXIF
orientation, converted to sRGB, flattened onto white, cropped to the portrait ratio and
written anew as a plain JPEG. Nothing of the uploaded file survives but its pixels: no
EXIF (GPS, camera, owner), no ICC or XMP blocks, no comments, no bytes appended after the
image.
"""

import contextlib
import hashlib
import io
import random
import threading
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageCms, ImageDraw, ImageFile, ImageOps, UnidentifiedImageError

from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused

# MPO is how Pillow names a JPEG carrying a second picture (the HDR gain map of recent
# phones): its first picture is the photo.
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP")
ORIENTATION_TAG = 0x0112
QUARTER_TURNS = {5, 6, 7, 8}  # EXIF orientations that turn the picture on its side
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more is a decompression bomb, not a portrait
# A 一寸 ID photo (295×413 at 300 dpi) is the smallest that still prints on a poster card.
MIN_WIDTH, MIN_HEIGHT = 240, 320
# The portrait ratio of every card: 3 wide, 4 high.
RATIO_W, RATIO_H = 3, 4
# Large enough for a card on a 4K screen or an A3 poster at 300 dpi, small enough to send.
MAX_WIDTH, MAX_HEIGHT = 900, 1200
JPEG_QUALITY = 85


class CropFocus(StrEnum):
    """Where the person is in the picture, so the crop keeps them."""

    AUTO = "auto"
    TOP = "top"
    CENTER = "center"
    BOTTOM = "bottom"
    LEFT = "left"
    RIGHT = "right"


# (horizontal, vertical) share of the excess cut away before the kept window. The default
# keeps faces: centred across, and from a tall picture it cuts a fifth of the excess above
# and four fifths below, since heads sit high in portraits and full-length shots alike.
FOCUS_OFFSETS = {
    CropFocus.AUTO: (0.5, 0.2),
    CropFocus.TOP: (0.5, 0.0),
    CropFocus.CENTER: (0.5, 0.5),
    CropFocus.BOTTOM: (0.5, 1.0),
    CropFocus.LEFT: (0.0, 0.2),
    CropFocus.RIGHT: (1.0, 0.2),
}


@dataclass(frozen=True)
class PortraitImage:
    """A re-encoded portrait: JPEG bytes and what is known of them."""

    data: bytes
    width: int
    height: int
    source_format: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def portrait_crop_box(
    width: int, height: int, focus: CropFocus = CropFocus.AUTO
) -> tuple[int, int, int, int]:
    """The largest 3:4 window inside a ``width`` × ``height`` picture, placed by ``focus``
    (left, upper, right, lower)."""
    across, down = FOCUS_OFFSETS[focus]
    if width * RATIO_H > height * RATIO_W:  # too wide: cut the sides
        kept = height * RATIO_W // RATIO_H
        left = round((width - kept) * across)
        return (left, 0, left + kept, height)
    kept = width * RATIO_H // RATIO_W  # too tall (or exact): cut above and below
    upper = round((height - kept) * down)
    return (0, upper, width, upper + kept)


def check_upload_size(size: int) -> None:
    """Refuse an empty file or one over the limit (before reading it, for an upload)."""
    if size == 0:
        raise ShowcaseRefused(ShowcaseRefusal.PHOTO_EMPTY)
    if size > MAX_UPLOAD_BYTES:
        raise ShowcaseRefused(
            ShowcaseRefusal.PHOTO_TOO_LARGE,
            size_mb=f"{size / 1024 / 1024:.1f}",
            limit_mb=MAX_UPLOAD_BYTES // 1024 // 1024,
        )


def portrait_from_upload(data: bytes, focus: CropFocus = CropFocus.AUTO) -> PortraitImage:
    """Check an uploaded photo and return it re-encoded as a 3:4 JPEG without metadata.

    Refused (``ShowcaseRefused``): empty, over 10 MB, not a picture, not JPEG/PNG/WebP, more
    than 50 million pixels, smaller than 240×320 when upright, or damaged. The picture is
    cropped and scaled before its colours are converted, so a large one costs little memory.
    """
    check_upload_size(len(data))
    try:
        # Any format Pillow knows, so a GIF or TIFF is named as such rather than "unreadable".
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ShowcaseRefused(
            ShowcaseRefusal.PHOTO_TOO_MANY_PIXELS,
            megapixels=f"{2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f}+",
            limit=MAX_PIXELS // 1_000_000,
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ShowcaseRefused(ShowcaseRefusal.PHOTO_NOT_AN_IMAGE) from None
    with image:
        if image.format not in ACCEPTED_FORMATS:
            raise ShowcaseRefused(ShowcaseRefusal.PHOTO_WRONG_FORMAT, format=image.format or "?")
        source_format = image.format
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ShowcaseRefused(
                ShowcaseRefusal.PHOTO_TOO_MANY_PIXELS,
                megapixels=f"{width * height / 1e6:.0f}",
                limit=MAX_PIXELS // 1_000_000,
            )
        try:
            if image.getexif().get(ORIENTATION_TAG) in QUARTER_TURNS:
                width, height = height, width
        except (OSError, ValueError, SyntaxError):
            pass  # unreadable EXIF: taken as it is stored
        if width < MIN_WIDTH or height < MIN_HEIGHT:
            raise ShowcaseRefused(
                ShowcaseRefusal.PHOTO_TOO_SMALL,
                width=width,
                height=height,
                min_width=MIN_WIDTH,
                min_height=MIN_HEIGHT,
            )
        try:
            with truncated_images_refused():
                if image.format in ("JPEG", "MPO"):
                    # Decode at the smallest JPEG scale (1/2, 1/4, 1/8) still large enough.
                    image.draft("RGB", (MAX_HEIGHT, MAX_HEIGHT))
                image.load()
            upright = ImageOps.exif_transpose(image)
            cropped = _eight_bit(upright.crop(portrait_crop_box(upright.width, upright.height, focus)))
            if cropped.width > MAX_WIDTH:
                cropped = cropped.resize((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
            rgb = _to_srgb(cropped)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise ShowcaseRefused(ShowcaseRefusal.PHOTO_DAMAGED) from None
    return PortraitImage(encode_jpeg(rgb), rgb.width, rgb.height, source_format)


def _eight_bit(image: Image.Image) -> Image.Image:
    """Modes that scale smoothly: palettes unpacked, 16-bit grey brought to 8 bits (a plain
    conversion would clip it to white)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("P", "PA"):
        return image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


_truncation_setting = threading.Lock()


@contextlib.contextmanager
def truncated_images_refused():
    """Pillow's ``LOAD_TRUNCATED_IMAGES`` off while an upload decodes. WeasyPrint switches
    it on for the whole process when imported, which would let a cut-off photo through
    with its missing part painted grey. (Only the upload's own, complete, portraits are
    read by WeasyPrint meanwhile, so its renders in other threads are not affected.)"""
    with _truncation_setting:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: an embedded colour profile applied, transparency laid on white."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode == "CMYK" and not icc:
        # Without a profile, Pillow's plain conversion is the usual reading of CMYK JPEGs.
        return image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = image.mode if image.mode in ("RGB", "CMYK", "L") else "RGB"
            return ImageCms.profileToProfile(
                image.convert(mode), source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are read sRGB-ish anyway
    return image.convert("RGB")


def encode_jpeg(image: Image.Image) -> bytes:
    """Only the pixels: Pillow would carry a comment, EXIF or ICC block over from the
    picture's ``info`` (a crop keeps it), so the copy written has an empty one."""
    clean = image.copy()
    clean.info = {}
    buffer = io.BytesIO()
    clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------
# Placeholder portraits, for the demo and for nobody's real face
# ----------------------------------------------------------------------------------------

# Soft backdrop colours of studio portraits (top, bottom of the gradient).
BACKDROPS = (
    ((214, 228, 245), (120, 150, 196)),
    ((236, 226, 214), (170, 140, 112)),
    ((222, 236, 226), (118, 160, 136)),
    ((238, 222, 226), (176, 124, 136)),
    ((228, 228, 236), (130, 132, 160)),
)
SUITS = ((38, 48, 68), (52, 52, 56), (30, 44, 84), (70, 58, 50))
SHIRTS = ((245, 245, 245), (226, 234, 244))
SKIN = ((236, 202, 176), (222, 186, 156), (240, 212, 190), (210, 170, 140))
HAIR = ((28, 24, 22), (44, 36, 30), (20, 20, 24))


def placeholder_portrait(seed: str, *, long_hair: bool = False) -> bytes:
    """A generated head-and-shoulders silhouette in a suit on a studio backdrop, 600×800,
    the same for the same ``seed``: clearly a drawing, never a real person's face."""
    rng = random.Random(seed)
    width, height = 600, 800
    top, bottom = rng.choice(BACKDROPS)
    mask = Image.linear_gradient("L").resize((width, height))
    image = ImageOps.colorize(mask, black=top, white=bottom).convert("RGB")
    draw = ImageDraw.Draw(image)
    skin, hair, suit = rng.choice(SKIN), rng.choice(HAIR), rng.choice(SUITS)
    cx = width // 2 + rng.randint(-12, 12)
    head_w, head_h = rng.randint(150, 172), rng.randint(196, 218)
    head_top = rng.randint(170, 200)
    head = (cx - head_w // 2, head_top, cx + head_w // 2, head_top + head_h)
    shoulders_top = head[3] + 40
    if long_hair:  # hair falling behind the shoulders
        draw.rounded_rectangle((head[0] - 24, head[1] - 16, head[2] + 24, head[3] + 70), radius=80, fill=hair)
    draw.rounded_rectangle((cx - 270, shoulders_top, cx + 270, height + 120), radius=150, fill=suit)
    collar = [(cx - 62, shoulders_top), (cx + 62, shoulders_top), (cx, shoulders_top + 200)]
    draw.polygon(collar, fill=rng.choice(SHIRTS))
    draw.rectangle((cx - 38, head[3] - 20, cx + 38, shoulders_top + 10), fill=skin)  # neck
    # The hair is a larger oval behind the head; the face covers all but its crown and sides.
    draw.ellipse((head[0] - 10, head[1] - 22, head[2] + 10, head[3] - head_h // 3), fill=hair)
    draw.ellipse((head[0], head[1] + head_h // 5, head[2], head[3]), fill=skin)
    draw.ellipse(
        (head[0] - 9, head[1] + head_h // 3, head[0] + 13, head[1] + head_h // 3 + 46), fill=skin
    )  # ears
    draw.ellipse((head[2] - 13, head[1] + head_h // 3, head[2] + 9, head[1] + head_h // 3 + 46), fill=skin)
    return encode_jpeg(image)
