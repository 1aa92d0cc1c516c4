"""The text rules of exemplar profiles and cards: 事迹 length counted as a Chinese word
count, tidy line breaks, and 事迹 shortened for a card without losing its meaning."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.core.text import character_count
from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused
from jixiao.showcase.posters import PAPERS, paper_named, shorten
from jixiao.showcase.profiles import check_achievements, tidy_text

chinese_text = st.text(alphabet=st.sampled_from("绩效标兵担当作为群众满意。，；！？ \n\r\t"), max_size=800)


@given(chinese_text)
def test_character_count_ignores_whitespace_only(text):
    assert character_count(text) == sum(1 for c in text if not c.isspace())


@given(chinese_text)
def test_tidy_text_keeps_every_character_and_normalises_line_breaks(text):
    tidy = tidy_text(text)
    assert "\r" not in tidy
    assert tidy == tidy.strip()
    assert all(line == line.rstrip() for line in tidy.split("\n"))
    assert character_count(tidy) == character_count(text.replace("\r", ""))
    assert tidy_text(tidy) == tidy


@given(st.integers(0, 700))
def test_achievements_between_100_and_500_characters_are_accepted(length):
    text = "绩" * length
    if length == 0 or 100 <= length <= 500:
        check_achievements(text)
    else:
        with pytest.raises(ShowcaseRefused) as refused:
            check_achievements(text)
        assert refused.value.code == ShowcaseRefusal.ACHIEVEMENTS_LENGTH
        assert refused.value.params["length"] == length


@given(chinese_text, st.integers(10, 300))
def test_shortened_text_fits_and_is_a_prefix_of_the_text(text, limit):
    flat = " ".join(text.split())
    short = shorten(text, limit)
    assert len(short) <= limit
    if len(flat) <= limit:
        assert short == flat
    elif short.endswith("…"):
        assert flat.startswith(short[:-1])
    else:  # cut after a sentence's end
        assert short[-1] in "。！？；" and flat.startswith(short)
        assert len(short) >= limit * 2 // 3


def test_shorten_prefers_the_end_of_a_sentence():
    text = "上半年完成门诊诊疗三千余人次。成功抢救危重患者十二名，带领团队开展新技术三项。群众满意度达百分之九十八。"
    assert (
        shorten(text, 45) == "上半年完成门诊诊疗三千余人次。成功抢救危重患者十二名，带领团队开展新技术三项。"
    )
    assert shorten(text, 20) == "上半年完成门诊诊疗三千余人次。"
    # The sentence ends too early for 24 characters (before two thirds): cut with an ellipsis.
    assert shorten(text, 24) == "上半年完成门诊诊疗三千余人次。成功抢救危重患者…"


def test_papers_are_a4_and_a3_in_any_case():
    assert paper_named("a3") is PAPERS["A3"] and paper_named("") is PAPERS["A4"]
    assert PAPERS["A4"].per_page == 6 and PAPERS["A3"].per_page == 12
    with pytest.raises(ShowcaseRefused) as refused:
        paper_named("B5")
    assert refused.value.code == ShowcaseRefusal.UNKNOWN_PAPER
