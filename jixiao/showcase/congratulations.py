"""喜报: one portrait image per published exemplar (1080×1920 PNG), for the unit's WeChat
groups and Moments, and a unit's batch of them zipped.

A 喜报 says, in fixed Chinese as the unit's other documents do: 喜报, the unit, the person's
name and post, their photo (a drawn placeholder without one), the honour 绩效标兵 of the
period with its route (排名前10% / 突出贡献, and for the latter the published 事迹), a
congratulation, the body that issued the list and the date it was published, and a QR code
to the person's public profile. It is made from :class:`jixiao.showcase.public.PublicExemplar`
rows only: what the public pages show, nothing else.

The work is in three steps, each testable alone:

``layout(Congratulation)``
    pure: every text wrapped at its box's width (CJK line-breaking rules: no line starts with
    a closing mark or ends with an opening one, Latin words and numbers kept whole) and set
    in the largest size that fits; the photo shrinks or moves beside the name, then the 事迹
    shrink, then everything, before anything is cut. Only 事迹 longer than a profile holds
    (500 characters) are ever shortened, at a sentence's end, the QR code leading to the
    whole text.
``draw(layout, photo)``
    Pillow, in the CJK font the setup installs (found through fontconfig).
``congratulation_png`` / ``unit_zip``
    from the database.
"""

import functools
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import segno
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from PIL import Image, ImageDraw, ImageFont, ImageOps

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.org.models import Unit
from jixiao.selection.models import Proposal, ProposalState, Route
from jixiao.showcase.models import Portrait
from jixiao.showcase.posters import exemplars_of, shorten
from jixiao.showcase.public import PublicExemplar
from jixiao.showcase.rendering import chinese_date, profile_url

WIDTH, HEIGHT = 1080, 1920
# The text stays this far from the left and right edges (inside the gold frame).
MARGIN_X = 100
CONTENT_WIDTH = WIDTH - 2 * MARGIN_X
TOP, BOTTOM = 84, HEIGHT - 84
# The QR code's side: at least 5 pixels a module for a profile's address.
QR_SIZE = 196

TITLE = "喜　报"
CHEER = "热烈祝贺"
HONOUR = glossary.EXEMPLAR
ACHIEVEMENTS_LABEL = "主要事迹"
CONGRATULATION = "特此喜报，以资鼓励。希望再接再厉，再创佳绩！"
SCAN = "扫码查看风采"


@dataclass(frozen=True)
class Congratulation:
    """What one 喜报 says (fixed Chinese)."""

    unit: str
    period: str  # 2025年上半年
    name: str
    post: str
    route: str  # 排名前10% / 突出贡献
    achievements: str  # the published 事迹 of an outstanding contribution ("" otherwise)
    issuer: str
    issued_on: str  # 2025年10月11日
    url: str  # the QR code's address: the person's public profile


# ----------------------------------------------------------------------------------------
# The font
# ----------------------------------------------------------------------------------------

# Tried in order; the first fontconfig knows is used (the setup installs WenQuanYi).
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei")


@functools.cache
def font_file() -> tuple[str, int]:
    """The file and face index of an installed CJK font."""
    if shutil.which("fc-match"):
        for family in CJK_FAMILIES:
            found = subprocess.run(
                ["fc-match", "-f", "%{family[0]}\n%{file}\n%{index}", family],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.splitlines()
            if len(found) == 3 and found[0] == family:
                return found[1], int(found[2] or 0)
    raise ImproperlyConfigured(
        "No CJK font is installed for the 喜报 images: install fonts-wqy-microhei (Debian) or Noto Sans CJK."
    )


@functools.lru_cache(maxsize=128)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels, laid out glyph after glyph (Chinese needs no shaping,
    and this is what makes a width the sum of its characters' advances)."""
    path, index = font_file()
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=65536)
def advance(ch: str, size: int) -> float:
    return font(size).getlength(ch)


def measure(text: str, size: int) -> float:
    """The width of the text drawn at ``size``: its characters' advances (the basic layout
    places each glyph at the previous one's advance; the CJK fonts have no kerning table)."""
    return sum(advance(ch, size) for ch in text)


def line_height(size: int) -> int:
    """1.3 times the size, rounded up: WenQuanYi's and Noto's ascent + descent are under 1.2,
    so a glyph's ink never leaves its line."""
    return -(-size * 13 // 10)


# ----------------------------------------------------------------------------------------
# Wrapping
# ----------------------------------------------------------------------------------------

# A line never starts with a closing mark nor ends with an opening one (避头尾).
CLOSING = set("，。、；：？！）》」』】〕〉…—～·”’%‰,.;:?!)]}")
OPENING = set("（《「『【〔〈“‘([{")
WORD = re.compile(r"[A-Za-z0-9@#&+\-_./'’]")


def normalized(text: str) -> str:
    """The text on one line: line breaks and runs of spaces (full-width ones too) become one
    space between two Latin words and none elsewhere (a 事迹's line break falls between
    sentences, a full-width space indents a paragraph)."""
    joined = ""
    for piece in text.split():
        if joined and WORD.match(joined[-1]) and WORD.match(piece[0]):
            joined += " "
        joined += piece
    return joined


def units_of(text: str) -> list[str]:
    """The pieces a line may break between: a Chinese character with the marks that cling
    to it, a Latin word or number, a space."""
    units: list[str] = []
    for ch in text:
        if ch == " ":
            units.append(ch)
        elif units and units[-1] != " " and (ch in CLOSING or units[-1][-1] in OPENING):
            units[-1] += ch
        elif units and WORD.match(ch) and WORD.match(units[-1][-1]):
            units[-1] += ch
        else:
            units.append(ch)
    return units


@functools.lru_cache(maxsize=4096)
def wrap(text: str, size: int, width: int) -> tuple[str, ...]:
    """The (normalised) text in lines no wider than ``width`` pixels at ``size``; a piece
    wider than a line (a very long word) is broken between its characters. Spaces where a
    line breaks are dropped; nothing else is."""
    lines: list[str] = []
    line, used = "", 0.0
    for unit in units_of(text):
        if unit == " ":
            if line:
                line, used = line + " ", used + advance(" ", size)
            continue
        needed = measure(unit, size)
        if used + needed <= width:
            line, used = line + unit, used + needed
            continue
        if line.strip():
            lines.append(line.rstrip())
        line, used = "", 0.0
        for ch in unit:  # the piece alone on a new line, broken only if it must be
            if line and used + advance(ch, size) > width:
                lines.append(line)
                line, used = "", 0.0
            line, used = line + ch, used + advance(ch, size)
    if line.strip():
        lines.append(line.rstrip())
    return tuple(lines)


@dataclass(frozen=True)
class Fitted:
    size: int
    lines: tuple[str, ...]

    @property
    def height(self) -> int:
        return len(self.lines) * line_height(self.size)

    @property
    def width(self) -> int:
        return max((round(measure(line, self.size)) for line in self.lines), default=0)


def fit(text: str, width: int, sizes: tuple[int, ...], max_lines: int) -> Fitted:
    """The largest size at which the text takes at most ``max_lines``; at the smallest size
    it takes what it needs."""
    for size in sizes:
        lines = wrap(text, size, width)
        if len(lines) <= max_lines:
            return Fitted(size, lines)
    return Fitted(sizes[-1], wrap(text, sizes[-1], width))


def spaced_name(name: str) -> str:
    """A two-character Chinese name with a full-width space between (王　伟), as lists of
    names set them."""
    if len(name) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name[0] + "\u3000" + name[1]
    return name


# ----------------------------------------------------------------------------------------
# Layout
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def inside(self, other: "Box") -> bool:
        return (
            self.x >= other.x
            and self.y >= other.y
            and self.right <= other.right
            and self.bottom <= other.bottom
        )

    def overlaps(self, other: "Box") -> bool:
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )


CANVAS = Box(0, 0, WIDTH, HEIGHT)
# Inside the gold frame: where everything is laid out.
SAFE = Box(MARGIN_X - 40, TOP - 24, CONTENT_WIDTH + 80, BOTTOM - TOP + 48)


@dataclass(frozen=True)
class TextBlock:
    """Lines of one text at one size, each centred (or aligned left or right) in ``box``."""

    role: str
    lines: tuple[str, ...]
    size: int
    box: Box
    align: str = "center"

    def line_boxes(self) -> list[Box]:
        """Where each line is drawn: its advance width, its line's height (the glyphs' ink
        stays within: ascent + descent is less than a line)."""
        step = line_height(self.size)
        boxes = []
        for number, line in enumerate(self.lines):
            width = round(measure(line, self.size))
            if self.align == "left":
                x = self.box.x
            elif self.align == "right":
                x = self.box.right - width
            else:
                x = self.box.x + (self.box.width - width) // 2
            boxes.append(Box(x, self.box.y + number * step, width, step))
        return boxes


@dataclass
class Layout:
    texts: list[TextBlock] = field(default_factory=list)
    photo: Box | None = None  # the picture itself (its gold frame is ``PHOTO_FRAME`` around)
    qr: Box | None = None
    badge: Box | None = None  # the route's pill, around its text
    panel: Box | None = None  # the 事迹 panel, around its label and text
    scale: float = 1.0
    side_by_side: bool = False  # the photo beside the name (to leave room for 事迹)
    shortened: bool = False  # the 事迹 were cut to fit (only beyond what a profile holds)

    def text(self, role: str) -> TextBlock | None:
        return next((t for t in self.texts if t.role == role), None)

    @property
    def framed_photo(self) -> Box:
        p, f = self.photo, PHOTO_FRAME
        return Box(p.x - f, p.y - f, p.width + 2 * f, p.height + 2 * f)

    def regions(self) -> list[tuple[str, Box]]:
        """What is drawn, each a region no other may overlap: the texts (those in the pill
        and the panel counted with them), the framed photo, the QR code."""
        inner = ("route", "achievements_label", "achievements")
        found = [(t.role, t.box) for t in self.texts if t.role not in inner]
        found += [("photo", self.framed_photo), ("qr", self.qr), ("badge", self.badge)]
        return found + ([("panel", self.panel)] if self.panel else [])


# Font sizes at scale 1 (a layout that does not fit is tried again smaller: ``SCALES``).
# Sizes tried for a text, largest first, and the lines it may take before a smaller size is
# tried (at the smallest it takes as many as it needs: nothing is cut).
TITLE_SIZE = 160
UNDER_TITLE = 44  # the ornament between the title and the unit
CHEER_SIZE = 38
HONOUR_SIZE = 84
ROUTE_SIZE = 34
AWARDED_SIZES = (40, 36, 32, 28)
LABEL_SIZE = 28
SCAN_SIZE = 24
UNIT_SIZES, UNIT_LINES = tuple(range(52, 27, -2)), 2
NAME_SIZES, NAME_LINES = tuple(range(100, 39, -4)), 1
POST_SIZES, POST_LINES = tuple(range(40, 25, -2)), 2
ISSUER_SIZES, ISSUER_LINES = tuple(range(38, 23, -2)), 2
CONGRATULATION_SIZES, CONGRATULATION_LINES = tuple(range(36, 25, -2)), 2
# 事迹: the largest size that fits, the photo first made smaller or set beside the name.
ACHIEVEMENTS_SIZES = (32, 30, 28, 26, 24, 22, 20)
PADDING = 28  # inside the 事迹 panel
PHOTO_FRAME = 12
UNDER_PHOTO = 12
PHOTO_MAX = 480  # the photo's height, 3:4
COLUMN_MIN_PHOTO = 400  # smaller than this, the photo goes beside the name
SIDE_PHOTOS = tuple(range(420, 279, -20))
SIDE_GAP = 40
GAP, MAX_GAP = 16, 56
SCALES = (1.0, 0.9, 0.8, 0.7)


@dataclass(frozen=True)
class Scale:
    factor: float

    def px(self, value: int) -> int:
        return max(1, round(value * self.factor))

    def sizes(self, sizes: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(dict.fromkeys(self.px(size) for size in sizes))


@dataclass(frozen=True)
class Text:
    """What a 喜报 says, normalised for layout."""

    unit: str
    name: str
    post: str
    awarded: str
    route: str
    achievements: str
    issuer: str
    issued_on: str

    @classmethod
    def of(cls, c: Congratulation) -> "Text":
        return cls(
            unit=normalized(c.unit),
            name=spaced_name(normalized(c.name)),
            post=normalized(c.post),
            awarded=f"荣获{normalized(c.period)}",
            route=normalized(c.route),
            achievements=normalized(c.achievements),
            issuer=normalized(c.issuer),
            issued_on=normalized(c.issued_on),
        )


@dataclass(frozen=True)
class Item:
    """One piece of the middle: a text, the photo, the route's pill, the 事迹 panel, or a
    row of the photo beside a column of items."""

    role: str
    height: int
    width: int
    fitted: Fitted | None = None
    column: tuple["Item", ...] = ()  # a row's items beside the photo
    photo: int = 0  # a row's photo height


def stacked(items) -> int:
    return sum(item.height for item in items) + GAP * max(len(items) - 1, 0)


def _text_item(role: str, fitted: Fitted, width: int) -> Item:
    return Item(role, fitted.height, width, fitted)


def _person(t: Text, s: Scale, width: int) -> list[Item]:
    """热烈祝贺, the name, the post, the period, 绩效标兵 and the route's pill."""
    items = [_text_item("cheer", Fitted(s.px(CHEER_SIZE), (CHEER,)), width)]
    items.append(_text_item("name", fit(t.name, width, s.sizes(NAME_SIZES), NAME_LINES), width))
    if t.post:
        items.append(_text_item("post", fit(t.post, width, s.sizes(POST_SIZES), POST_LINES), width))
    items.append(_text_item("awarded", fit(t.awarded, width, s.sizes(AWARDED_SIZES), 1), width))
    items.append(_text_item("honour", fit(HONOUR, width, (s.px(HONOUR_SIZE),), 1), width))
    route = fit(t.route, width - s.px(64), (s.px(ROUTE_SIZE),), 1)
    items.append(Item("route", route.height + s.px(16), route.width + s.px(64), route))
    return items


def _panel(deeds: Fitted, s: Scale) -> Item:
    label = line_height(s.px(LABEL_SIZE))
    return Item("panel", 2 * s.px(PADDING) + label + s.px(8) + deeds.height, CONTENT_WIDTH, deeds)


def _ending(t: Text, s: Scale, deeds: Fitted | None) -> list[Item]:
    congratulation = fit(CONGRATULATION, CONTENT_WIDTH, s.sizes(CONGRATULATION_SIZES), CONGRATULATION_LINES)
    return ([_panel(deeds, s)] if deeds else []) + [
        _text_item("congratulation", congratulation, CONTENT_WIDTH)
    ]


def _in_column(t: Text, s: Scale, room: int, deeds: Fitted | None) -> list[Item] | None:
    """The photo above the name, as large as fits (not under ``COLUMN_MIN_PHOTO``)."""
    rest = _person(t, s, CONTENT_WIDTH) + _ending(t, s, deeds)
    framed = 2 * PHOTO_FRAME + UNDER_PHOTO  # the frame, and a little air above the name
    photo = min(s.px(PHOTO_MAX), room - stacked(rest) - GAP - framed) // 4 * 4
    if photo < s.px(COLUMN_MIN_PHOTO):
        return None
    return [Item("photo", photo + framed, photo * 3 // 4 + 2 * PHOTO_FRAME), *rest]


def _side_by_side(t: Text, s: Scale, room: int, deeds: Fitted | None) -> list[Item] | None:
    """The photo at the left, the name and honour beside it: room for 事迹 below."""
    ending = _ending(t, s, deeds)
    for photo in dict.fromkeys(s.px(h) // 4 * 4 for h in SIDE_PHOTOS):
        framed_width = photo * 3 // 4 + 2 * PHOTO_FRAME
        column = _person(t, s, CONTENT_WIDTH - framed_width - s.px(SIDE_GAP))
        row = Item(
            "row",
            max(photo + 2 * PHOTO_FRAME, stacked(column)),
            CONTENT_WIDTH,
            column=tuple(column),
            photo=photo,
        )
        if stacked([row, *ending]) <= room:
            return [row, *ending]
    return None


def _header(t: Text, s: Scale, placed: Layout) -> int:
    """喜报 and the unit's name; returns where the middle starts."""
    title = Fitted(s.px(TITLE_SIZE), (TITLE,))
    y = TOP
    placed.texts.append(
        TextBlock("title", title.lines, title.size, Box(MARGIN_X, y, CONTENT_WIDTH, title.height))
    )
    y += title.height + s.px(UNDER_TITLE)
    unit = fit(t.unit, CONTENT_WIDTH, s.sizes(UNIT_SIZES), UNIT_LINES)
    placed.texts.append(
        TextBlock("unit", unit.lines, unit.size, Box(MARGIN_X, y, CONTENT_WIDTH, unit.height))
    )
    return y + unit.height + GAP


def _footer(t: Text, s: Scale, placed: Layout) -> int:
    """The QR code at the left, the issuer and the date at the right as a document is
    signed; returns where the middle ends (above the ornament)."""
    scan = Fitted(s.px(SCAN_SIZE), (SCAN,))
    issuer_width = CONTENT_WIDTH - QR_SIZE - 48
    issuer = fit(t.issuer, issuer_width, s.sizes(ISSUER_SIZES), ISSUER_LINES)
    date = fit(t.issued_on, issuer_width, (issuer.size,), 1)
    column = issuer.height + date.height
    height = max(QR_SIZE + 8 + scan.height, column)
    top = BOTTOM - height
    placed.qr = Box(MARGIN_X, top, QR_SIZE, QR_SIZE)
    scan_box = Box(MARGIN_X - 20, top + QR_SIZE + 8, QR_SIZE + 40, scan.height)
    placed.texts.append(TextBlock("scan", scan.lines, scan.size, scan_box))
    x, y = WIDTH - MARGIN_X - issuer_width, top + (height - column) // 2
    placed.texts.append(
        TextBlock("issuer", issuer.lines, issuer.size, Box(x, y, issuer_width, issuer.height), "right")
    )
    date_box = Box(x, y + issuer.height, issuer_width, date.height)
    placed.texts.append(TextBlock("date", date.lines, date.size, date_box, "right"))
    return top - 48


def _place_item(item: Item, x: int, y: int, s: Scale, placed: Layout, align: str) -> None:
    box = Box(x, y, item.width, item.height)
    if item.role == "photo":
        height = item.height - 2 * PHOTO_FRAME - UNDER_PHOTO
        placed.photo = Box(x + PHOTO_FRAME, y + PHOTO_FRAME, item.width - 2 * PHOTO_FRAME, height)
    elif item.role == "route":
        placed.badge = box
        text = Box(x, y + s.px(8), item.width, item.fitted.height)
        placed.texts.append(TextBlock("route", item.fitted.lines, item.fitted.size, text))
    elif item.role == "panel":
        placed.panel = box
        padding = s.px(PADDING)
        label_size = s.px(LABEL_SIZE)
        label = Box(x + padding, y + padding, item.width - 2 * padding, line_height(label_size))
        placed.texts.append(TextBlock("achievements_label", (ACHIEVEMENTS_LABEL,), label_size, label, "left"))
        text = Box(label.x, label.bottom + s.px(8), label.width, item.fitted.height)
        placed.texts.append(TextBlock("achievements", item.fitted.lines, item.fitted.size, text, "left"))
    elif item.role == "row":
        framed = item.photo + 2 * PHOTO_FRAME
        photo_y = y + (item.height - framed) // 2 + PHOTO_FRAME
        placed.photo = Box(x + PHOTO_FRAME, photo_y, item.photo * 3 // 4, item.photo)
        placed.side_by_side = True
        column_x = x + item.photo * 3 // 4 + 2 * PHOTO_FRAME + s.px(SIDE_GAP)
        column_y = y + (item.height - stacked(item.column)) // 2
        for inner in item.column:
            _place_item(inner, column_x, column_y, s, placed, "left")
            column_y += inner.height + GAP
    else:
        placed.texts.append(TextBlock(item.role, item.fitted.lines, item.fitted.size, box, align))


def _place(items: list[Item], top: int, bottom: int, s: Scale, placed: Layout) -> None:
    """The items down the middle, centred across; the spare height is shared between the
    gaps (up to ``MAX_GAP`` each), the rest above and below."""
    spare = bottom - top - stacked(items)
    gap = GAP + min(MAX_GAP - GAP, max(spare, 0) // max(len(items) - 1, 1))
    used = sum(item.height for item in items) + gap * (len(items) - 1)
    y = top + (bottom - top - used) // 2
    for item in items:
        _place_item(item, (WIDTH - item.width) // 2, y, s, placed, "center")
        y += item.height + gap


def _attempt(t: Text, s: Scale, deeds_sizes: tuple[int, ...]) -> Layout | None:
    placed = Layout(scale=s.factor)
    top = _header(t, s, placed)
    bottom = _footer(t, s, placed)
    room = bottom - top
    width = CONTENT_WIDTH - 2 * s.px(PADDING)
    for size in deeds_sizes or (0,):
        deeds = Fitted(size, wrap(t.achievements, size, width)) if size else None
        items = _in_column(t, s, room, deeds) or _side_by_side(t, s, room, deeds)
        if items is not None:
            _place(items, top, bottom, s, placed)
            return placed
    return None


def layout(c: Congratulation) -> Layout:
    """Where everything of the 喜报 goes on the 1080×1920 canvas.

    The header (喜报, the unit) and the footer (QR code, issuer, date) are set first, the
    middle gets what is left: the photo above the name, as large as fits; with 事迹, the
    photo beside the name and the 事迹 below, in the largest size that fits. Texts wrap
    and take a smaller size (down to each one's smallest) where long; if even then the
    whole does not fit, everything is drawn smaller (``SCALES``). Only 事迹 longer than a
    profile holds can still be too long: they are then cut at a sentence's end, the QR
    code leading to the whole (``Layout.shortened``).
    """
    t = Text.of(c)
    for factor in SCALES:
        s = Scale(factor)
        placed = _attempt(t, s, s.sizes(ACHIEVEMENTS_SIZES) if t.achievements else ())
        if placed is not None:
            return placed
    # Longer than a profile holds (a nomination's reason never edited): cut to what fits.
    s = Scale(SCALES[-1])
    smallest = s.sizes(ACHIEVEMENTS_SIZES)[-1:]
    low, high = 1, len(t.achievements)
    while low < high:
        keep = (low + high + 1) // 2
        if _attempt(replace(t, achievements=shorten(t.achievements, keep)), s, smallest) is not None:
            low = keep
        else:
            high = keep - 1
    placed = _attempt(replace(t, achievements=shorten(t.achievements, low)), s, smallest)
    placed.shortened = True
    return placed


# ----------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------

RED_TOP, RED_BOTTOM = (200, 24, 30), (142, 10, 18)
DEEP_RED = (120, 6, 12)
GOLD = (240, 198, 106)
GOLD_LIGHT = (255, 230, 164)
GOLD_DARK = (196, 146, 58)
CREAM = (255, 244, 222)
WHITE = (255, 255, 255)

# Role → (colour, stroke as a share of the size): the stroke thickens the one weight the
# font has.
STYLES = {
    "title": (GOLD_LIGHT, 1 / 50),
    "unit": (CREAM, 0),
    "cheer": (GOLD, 0),
    "name": (WHITE, 1 / 45),
    "post": (CREAM, 0),
    "awarded": (CREAM, 0),
    "honour": (GOLD_LIGHT, 1 / 40),
    "route": (DEEP_RED, 0),
    "achievements_label": (GOLD_DARK, 1 / 28),
    "achievements": ((92, 40, 20), 0),
    "congratulation": (GOLD_LIGHT, 0),
    "scan": (GOLD, 0),
    "issuer": (CREAM, 0),
    "date": (CREAM, 0),
}
# Gold text with a dark shadow under it.
SHADOWED = ("title", "honour")
SILHOUETTE = (176, 70, 52)


@functools.cache
def _paper() -> Image.Image:
    """The red paper with its gold frame, the same under every 喜报 (copied for each)."""
    mask = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    image = ImageOps.colorize(mask, black=RED_TOP, white=RED_BOTTOM)
    draw = ImageDraw.Draw(image)
    # Soft rings in the corners, a lighter red: the festive paper of a printed 喜报.
    for cx, cy in ((0, 0), (WIDTH, 0), (0, HEIGHT), (WIDTH, HEIGHT)):
        for radius in (300, 230, 160):
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(214, 52, 50), width=6)
    # The gold frame: a broad line and a thin one inside it, with square corner marks.
    draw.rectangle((28, 28, WIDTH - 29, HEIGHT - 29), outline=GOLD, width=8)
    draw.rectangle((46, 46, WIDTH - 47, HEIGHT - 47), outline=GOLD_DARK, width=2)
    for x, y in ((28, 28), (WIDTH - 29, 28), (28, HEIGHT - 29), (WIDTH - 29, HEIGHT - 29)):
        draw.rectangle((x - 16, y - 16, x + 16, y + 16), fill=GOLD)
        draw.rectangle((x - 8, y - 8, x + 8, y + 8), fill=RED_BOTTOM)
    return image


def _ornament(draw: ImageDraw.ImageDraw, y: int, width: int = 520) -> None:
    """A gold rule with a diamond in the middle."""
    cx = WIDTH // 2
    draw.line((cx - width // 2, y, cx - 26, y), fill=GOLD, width=3)
    draw.line((cx + 26, y, cx + width // 2, y), fill=GOLD, width=3)
    draw.polygon(((cx, y - 14), (cx + 14, y), (cx, y + 14), (cx - 14, y)), fill=GOLD)


def _draw_text(draw: ImageDraw.ImageDraw, block: TextBlock) -> None:
    colour, stroke_share = STYLES[block.role]
    face = font(block.size)
    stroke = int(block.size * stroke_share)
    for line, box in zip(block.lines, block.line_boxes(), strict=True):
        x, y = box.x, box.y + box.height // 2
        if block.role in SHADOWED:
            shadow = max(2, block.size // 36)
            draw.text(
                (x + shadow, y + shadow), line, font=face, fill=DEEP_RED, anchor="lm", stroke_width=stroke
            )
        draw.text((x, y), line, font=face, fill=colour, anchor="lm", stroke_width=stroke, stroke_fill=colour)


def _placeholder(width: int, height: int) -> Image.Image:
    """No photo published: a gold-brown silhouette on deep red, plainly a drawing."""
    image = Image.new("RGB", (width, height), DEEP_RED)
    draw = ImageDraw.Draw(image)
    cx = width / 2
    draw.ellipse(
        (cx - width * 0.17, height * 0.22, cx + width * 0.17, height * 0.22 + width * 0.36), fill=SILHOUETTE
    )
    draw.rounded_rectangle(
        (cx - width * 0.36, height * 0.62, cx + width * 0.36, height * 1.1),
        radius=int(width * 0.2),
        fill=SILHOUETTE,
    )
    return image


def _draw_photo(image: Image.Image, box: Box, photo: Image.Image | None) -> None:
    draw = ImageDraw.Draw(image)
    f = PHOTO_FRAME
    draw.rectangle((box.x - f, box.y - f, box.right + f - 1, box.bottom + f - 1), fill=GOLD)
    draw.rectangle((box.x - 4, box.y - 4, box.right + 3, box.bottom + 3), fill=GOLD_LIGHT)
    size = (box.width, box.height)
    picture = _placeholder(*size) if photo is None else ImageOps.fit(photo, size, Image.Resampling.LANCZOS)
    image.paste(picture, (box.x, box.y))


def _qr_image(url: str, size: int) -> Image.Image:
    """The QR code (medium error correction, a quiet zone of 2 modules) drawn with whole
    pixels per module, centred on white."""
    code = segno.make(url, error="m", micro=False)
    border = 2
    modules = len(code.matrix) + 2 * border
    scale = size // modules
    grid = Image.new("1", (modules, modules), 1)
    pixels = grid.load()
    for row, bits in enumerate(code.matrix):
        for column, bit in enumerate(bits):
            if bit:
                pixels[column + border, row + border] = 0
    drawn = grid.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).convert("RGB")
    square = Image.new("RGB", (size, size), WHITE)
    offset = (size - drawn.width) // 2
    square.paste(drawn, (offset, offset))
    return square


def draw(c: Congratulation, placed: Layout, photo: Image.Image | None) -> Image.Image:
    """The 喜报 as an RGB image, 1080×1920, laid out by :func:`layout`."""
    image = _paper().copy()
    _draw_photo(image, placed.photo, photo)
    paint = ImageDraw.Draw(image)
    title, unit = placed.text("title"), placed.text("unit")
    _ornament(paint, (title.box.bottom + unit.box.y) // 2)
    _ornament(paint, placed.qr.y - 26, width=CONTENT_WIDTH)
    badge = placed.badge
    paint.rounded_rectangle(
        (badge.x, badge.y, badge.right, badge.bottom), radius=badge.height // 2, fill=GOLD
    )
    if placed.panel is not None:
        panel = placed.panel
        paint.rounded_rectangle((panel.x, panel.y, panel.right, panel.bottom), radius=18, fill=CREAM)
        inner = (panel.x + 8, panel.y + 8, panel.right - 8, panel.bottom - 8)
        paint.rounded_rectangle(inner, radius=12, outline=GOLD, width=2)
    qr = placed.qr
    paint.rounded_rectangle((qr.x - 10, qr.y - 10, qr.right + 10, qr.bottom + 10), radius=12, fill=WHITE)
    image.paste(_qr_image(c.url, qr.width), (qr.x, qr.y))
    for block in placed.texts:
        _draw_text(paint, block)
    return image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def render(c: Congratulation, photo: Image.Image | None) -> bytes:
    return png_bytes(draw(c, layout(c), photo))


# ----------------------------------------------------------------------------------------
# From the published exemplars
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    issuer: str
    issued_on: str


def _issued(period: Period, unit_ids: set[int]) -> dict[int, Issued]:
    """Per unit: the body that issued its notice (else the unit) and the publication date."""
    rows = Proposal.objects.filter(period=period, state=ProposalState.PUBLISHED, unit_id__in=unit_ids).values(
        "unit_id", "unit__name", "notice__issuing_body", "published_at"
    )
    return {
        row["unit_id"]: Issued(
            row["notice__issuing_body"] or row["unit__name"],
            chinese_date(timezone.localdate(row["published_at"] or timezone.now())),
        )
        for row in rows
    }


def congratulation_of(
    period: Period, exemplar: PublicExemplar, issued: Issued, base_url: str
) -> Congratulation:
    with translation.override("zh-hans"):
        period_title = str(period.title)
    special = exemplar.route == Route.SPECIAL
    return Congratulation(
        unit=exemplar.unit,
        period=period_title,
        name=exemplar.name,
        post=exemplar.post,
        route=glossary.route(not special, exemplar.share),
        achievements=exemplar.achievements if special else "",
        issuer=issued.issuer,
        issued_on=issued.issued_on,
        url=profile_url(base_url, period, exemplar),
    )


def portrait(sha256: str, height: int = PHOTO_MAX) -> Image.Image | None:
    """The published portrait, decoded near the size it is drawn at (None without one)."""
    if not sha256:
        return None
    data = Portrait.objects.filter(sha256=sha256).values_list("image", flat=True).first()
    if data is None:
        return None
    with Image.open(io.BytesIO(bytes(data))) as image:
        image.draft("RGB", (height * 3 // 4, height))
        return image.convert("RGB")


def congratulation_png(period: Period, exemplar: PublicExemplar, base_url: str) -> bytes:
    """One exemplar's 喜报 (a published exemplar: a row of ``public.published_exemplars``)."""
    issued = _issued(period, {exemplar.unit_id})[exemplar.unit_id]
    return render(congratulation_of(period, exemplar, issued, base_url), portrait(exemplar.photo))


UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_name(text: str) -> str:
    """A piece of a file name every system accepts: no separators or characters Windows
    refuses, no dot or space at the end."""
    return UNSAFE.sub("_", normalized(text)).strip(" .") or "_"


def file_name(exemplar: PublicExemplar) -> str:
    """``市财政局-张三-喜报.png``."""
    return f"{safe_name(exemplar.unit)}-{safe_name(exemplar.name)}-喜报.png"


def unit_zip(
    period: Period, unit: Unit, base_url: str, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """Every published exemplar of the unit, one 喜报 each (``单位-姓名-喜报.png``; a second
    person of the same name gets ``-2``), zipped. Refused when nothing is published."""
    exemplars = exemplars_of(period, unit)
    issued = _issued(period, {unit.pk})[unit.pk]
    buffer = io.BytesIO()
    seen: dict[str, int] = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for done, exemplar in enumerate(exemplars, start=1):
            name = file_name(exemplar)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = name.removesuffix(".png") + f"-{seen[name]}.png"
            png = render(congratulation_of(period, exemplar, issued, base_url), portrait(exemplar.photo))
            # PNG is compressed already; a fixed date keeps the zip the same for the same data.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, png, compress_type=zipfile.ZIP_STORED)
            if progress is not None:
                progress(done, len(exemplars))
    return buffer.getvalue()


def zip_name(period: Period, unit: Unit) -> str:
    with translation.override("zh-hans"):
        period_title = str(period.title)
    return f"{safe_name(unit.name)}{period_title}{glossary.EXEMPLAR}喜报.zip"
