"""The online rating's pure rules, against independent statements of them (hypothesis):
the top-mark share a rater may give, where a top mark starts, and how a typed code is read."""

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from jixiao.rating import codes, rules

shares = st.one_of(st.none(), st.integers(min_value=1, max_value=100))
people = st.integers(min_value=0, max_value=500)


@given(shares, people)
def test_the_allowance_is_the_largest_count_within_the_share(share, count):
    allowed = rules.top_mark_allowance(share, count)
    if share is None:
        assert allowed is None
        return
    # "Not more than share %": the largest whole number n with n / count <= share / 100.
    assert Fraction(allowed * 100) <= Fraction(share * count)
    assert Fraction((allowed + 1) * 100) > Fraction(share * count)
    assert 0 <= allowed <= count


@given(
    st.integers(min_value=100, max_value=100_000),
    st.decimals(min_value=1, max_value=100, places=2, allow_nan=False, allow_infinity=False),
)
def test_a_top_mark_starts_at_the_first_cent_at_or_above_the_line(full_cents, from_percent):
    floor = rules.top_mark_floor_cents(full_cents, from_percent)
    line = Fraction(full_cents) * Fraction(from_percent) / 100
    assert floor >= line and floor - 1 < line
    assert floor == math.ceil(line)


@given(
    st.dictionaries(st.tuples(st.integers(0, 9), st.sampled_from("AB")), st.integers(0, 10_000), max_size=20),
    shares,
)
def test_over_limit_names_exactly_the_indicators_with_too_many_top_marks(scores, share):
    floors = {"A": 9000, "B": 8000}
    over = rules.top_marks_over_limit(scores, people=10, floors=floors, share_percent=share)
    allowed = rules.top_mark_allowance(share, 10)
    for indicator, floor in floors.items():
        given_top = sum(1 for (_p, i), c in scores.items() if i == indicator and c >= floor)
        expected = share is not None and given_top > allowed
        assert any(o.indicator == indicator for o in over) == expected
        for o in over:
            if o.indicator == indicator:
                assert (o.given, o.allowed) == (given_top, allowed)


def test_the_share_of_the_common_rule():
    assert rules.top_mark_allowance(30, 10) == 3
    assert rules.top_mark_allowance(30, 9) == 2
    assert rules.top_mark_allowance(30, 3) == 0
    assert rules.top_mark_floor_cents(10_000, Decimal("90")) == 9000
    assert rules.top_mark_floor_cents(5000, Decimal("92.5")) == 4625


@given(st.text(alphabet=codes.ALPHABET, min_size=8, max_size=8), st.sampled_from(["", " ", "-", "　"]))
def test_a_code_is_read_however_it_is_typed(code, separator):
    typed = f"{code[:4].lower()}{separator}{code[4:]}"
    assert codes.normalize(typed) == code
    assert codes.normalize(codes.shown(code)) == code


@given(st.text(max_size=12))
def test_anything_else_is_no_code(text):
    read = codes.normalize(text)
    assert read is None or (len(read) == 8 and set(read) <= set(codes.ALPHABET))
