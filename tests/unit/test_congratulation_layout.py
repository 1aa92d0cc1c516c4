"""The 喜报's layout, checked by its own measurements (no OCR here): whatever the lengths of
the name, post, unit, issuer and 事迹 (up to what the records hold), every text is laid out
whole, every line within its box, every box within the gold frame, no two overlapping; Chinese
line-breaking rules; longer 事迹 than a profile holds cut at a sentence's end, never more."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.showcase import congratulations as c
from jixiao.showcase.models import ACHIEVEMENTS_MAX

pytest.importorskip("PIL.ImageFont")
try:
    c.font_file()
except Exception:  # noqa: BLE001 - no CJK font: the setup installs one
    pytest.skip("no CJK font installed", allow_module_level=True)

# Chinese, Latin words, digits, the marks a line must not start or end with, spaces.
ALPHABET = (
    "王李欧阳明月阿依古丽买提·科室副主任局镇街道办事处党群工作部（）《》“”，。、；：？！…—ABCxyz0123456789 -/"
)
URL = "https://jixiao.example.gov.cn/exemplars/2025H1/Abc-def_GHIjk/"


def texts(min_size: int, max_size: int):
    """Texts of any length in the range, long ones as often as short ones."""
    return (
        st.integers(min_size, max_size)
        .flatmap(lambda n: st.text(alphabet=ALPHABET, min_size=n, max_size=n))
        .filter(lambda text: len(c.normalized(text)) >= min_size)
    )


def congratulation(**fields) -> c.Congratulation:
    values = {
        "unit": "市财政局",
        "period": "2025年上半年",
        "name": "王伟",
        "post": "预算科科长",
        "route": "排名前10%",
        "achievements": "",
        "issuer": "中共市财政局党组",
        "issued_on": "2025年10月11日",
        "url": URL,
    }
    return c.Congratulation(**{**values, **fields})


def solid(text: str) -> str:
    """The text without its spaces: what must be on the image, character by character."""
    return "".join(c.normalized(text).split())


def drawn(placed: c.Layout, role: str) -> str:
    block = placed.text(role)
    return "".join("".join(block.lines).split()) if block else ""


def check(placed: c.Layout) -> None:
    """Inside the frame, no overlaps, every line within its box and measured truly."""
    regions = placed.regions()
    for name, box in regions:
        assert box.inside(c.SAFE), (name, box)
    for i, (first, a) in enumerate(regions):
        for second, b in regions[i + 1 :]:
            assert not a.overlaps(b), (first, a, second, b)
    for block in placed.texts:
        assert block.lines, block.role
        face = c.font(block.size)
        for line, box in zip(block.lines, block.line_boxes(), strict=True):
            assert box.inside(block.box) and box.inside(c.SAFE), (block.role, line, box, block.box)
            # The width laid out is the width drawn.
            assert abs(c.measure(line, block.size) - face.getlength(line)) < 0.01
            # The glyphs' ink (as drawn: from the line's middle) stays within the line.
            left, top, right, bottom = face.getbbox(line, anchor="lm")
            middle = box.y + box.height // 2
            assert box.y <= middle + top and middle + bottom <= box.bottom, (block.role, line)
            assert c.SAFE.x <= box.x + left and box.x + right <= c.SAFE.right, (block.role, line)
    for inner, outer in (
        ("route", placed.badge),
        ("achievements_label", placed.panel),
        ("achievements", placed.panel),
    ):
        if placed.text(inner):
            assert placed.text(inner).box.inside(outer), inner


@settings(max_examples=60)
@given(
    unit=texts(1, 100),
    name=texts(1, 50),
    post=texts(0, 100),
    issuer=texts(1, 100),
    achievements=texts(0, ACHIEVEMENTS_MAX),
    special=st.booleans(),
)
def test_every_text_is_laid_out_whole_inside_the_frame(unit, name, post, issuer, achievements, special):
    given_ = congratulation(
        unit=unit,
        name=name,
        post=post,
        issuer=issuer,
        route="突出贡献" if special else "排名前10%",
        achievements=achievements if special else "",
    )
    placed = c.layout(given_)
    check(placed)
    assert not placed.shortened
    assert drawn(placed, "unit") == solid(unit)
    assert drawn(placed, "name") == solid(name)
    assert drawn(placed, "post") == solid(post)
    assert drawn(placed, "issuer") == solid(issuer)
    assert drawn(placed, "achievements") == (solid(achievements) if special else "")
    assert drawn(placed, "route") == ("突出贡献" if special else "排名前10%")
    assert drawn(placed, "awarded") == "荣获2025年上半年"
    assert drawn(placed, "honour") == "绩效标兵" and drawn(placed, "title") == "喜报"
    assert drawn(placed, "date") == "2025年10月11日"
    assert placed.photo.width * 4 == placed.photo.height * 3


def test_every_field_at_its_longest_still_fits_whole():
    longest = congratulation(
        unit="某" * 100,
        name="阿依古丽·" * 10,
        post="四级主任科员（主持全面工作）" * 8,
        issuer="中共某某市某某区某某街道工作委员会" * 6,
        route="突出贡献",
        achievements="牵头完成全市营商环境评价迎检工作，相关指标进入全省前列。" * 18,
    )
    assert len(longest.achievements) >= ACHIEVEMENTS_MAX
    longest = c.Congratulation(
        **{**longest.__dict__, "achievements": longest.achievements[:ACHIEVEMENTS_MAX]}
    )
    placed = c.layout(longest)
    check(placed)
    assert not placed.shortened and placed.scale < 1
    assert drawn(placed, "achievements") == solid(longest.achievements)


def test_a_short_text_is_set_large_with_the_photo_above_the_name():
    placed = c.layout(congratulation())
    check(placed)
    assert placed.scale == 1 and not placed.side_by_side
    assert placed.photo.height == c.PHOTO_MAX
    assert placed.text("name").lines == ("王\u3000伟",) and placed.text("name").size == c.NAME_SIZES[0]
    assert placed.photo.bottom < placed.text("name").box.y


def test_achievements_put_the_photo_beside_the_name():
    placed = c.layout(
        congratulation(route="突出贡献", achievements="该同志牵头完成全市预算绩效管理改革。" * 6)
    )
    check(placed)
    assert placed.side_by_side and placed.panel is not None
    assert placed.photo.right < placed.text("name").box.x
    assert placed.text("achievements").size == c.ACHIEVEMENTS_SIZES[0]


@settings(max_examples=10)
@given(st.integers(ACHIEVEMENTS_MAX + 1, 3000))
def test_achievements_longer_than_a_profile_holds_are_cut_at_a_sentence(length):
    text = ("上半年完成门诊诊疗三千余人次，成功抢救危重患者十二名。" * 120)[:length]
    placed = c.layout(congratulation(route="突出贡献", achievements=text))
    check(placed)
    shown = drawn(placed, "achievements")
    if not placed.shortened:  # what fits is shown whole
        assert shown == text
        return
    assert len(shown) < length and shown.endswith(("。", "…"))
    assert text.startswith(shown.removesuffix("…"))


def test_a_very_long_reason_is_cut():
    placed = c.layout(congratulation(route="突出贡献", achievements="成功抢救危重患者十二名。" * 250))
    check(placed)
    assert placed.shortened and drawn(placed, "achievements").endswith("。")


def test_lines_break_by_the_chinese_rules():
    text = "该同志（主持全面工作）带领团队完成“数字财政”建设，获评2025年度全省先进。" * 3
    lines = c.wrap(c.normalized(text), 40, 400)
    assert "".join(lines) == c.normalized(text)
    for line in lines:
        assert line[0] not in c.CLOSING, line
        assert line[-1] not in c.OPENING, line
        assert c.measure(line, 40) <= 400
    # A number or Latin word is not split between lines.
    assert all("202" not in line or "2025" in line for line in lines)


def test_a_word_wider_than_a_line_is_broken_between_its_letters():
    lines = c.wrap("x" * 200, 40, 300)
    assert "".join(lines) == "x" * 200 and all(c.measure(line, 40) <= 300 for line in lines)


@given(st.text(max_size=60))
def test_file_names_are_safe_on_every_system(text):
    name = c.safe_name(text)
    assert name and not set(name) & set('\\/:*?"<>|') and all(ord(ch) >= 32 for ch in name)
    assert not name.endswith((".", " "))
