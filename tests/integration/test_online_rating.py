"""Online rating with one-time codes (考核码), through its actions on the real database:
a round is opened, codes issued (bound and anonymous), raters save drafts and submit, a lost
code is re-issued, the round is counted through the import action, and afterwards nothing
links a code or its holder to the scores.

The city (tests.files.assessment_city): 一般干部 of 市财政局 are 张三 and 李四, scored on 德
and 能 (full marks 100 each) by 领导评价 60 / 同事互评 40, trimmed from 3 raters.
"""

import datetime

import pytest
from django.utils import timezone

from jixiao.assessment import formula
from jixiao.assessment.models import Period, RaterGroup, RaterScore, RosterEntry, SchemeTotal
from jixiao.assessment.schemes import formula_scheme
from jixiao.core.audit import verify
from jixiao.core.models import AuditEntry
from jixiao.core.refusals import Refused
from jixiao.imports.actions import import_file
from jixiao.imports.assessment_scores import INDICATOR_SCORE_COLUMNS
from jixiao.imports.models import ImportRecord
from jixiao.imports.source import open_source
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, Unit
from jixiao.rating import actions, codes
from jixiao.rating.errors import RatingRefusal
from jixiao.rating.models import CodeGuesses, DraftScore, RatingCode, RoundState
from tests.files import assessment_city, write_csv

pytestmark = pytest.mark.django_db

OFFICE = Operator("rating office")
ADDRESS = "192.0.2.10"


@pytest.fixture
def city(tmp_path, capsys):
    return assessment_city(tmp_path, capsys)


@pytest.fixture
def finance_round(city):
    now = timezone.now()
    return actions.create_round(
        period=Period.objects.get(),
        category=Category.objects.get(name="一般干部"),
        unit=Unit.objects.get(name="市财政局"),
        name="财政局上半年测评",
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(hours=2),
        acting_user=OFFICE,
    )


def group(name: str) -> RaterGroup:
    return RaterGroup.objects.get(name=name)


def entry(staff_id: str) -> RosterEntry:
    return RosterEntry.objects.get(person__staff_id=staff_id)


def indicators(city) -> dict[str, int]:
    return {i.name: i.pk for i in city["一般干部"].indicators.all()}


def score_all(code_text: str, scores: dict[str, dict[str, int]], city) -> RatingCode:
    """Open the code, save each person's scores (hundredths) as drafts, submit."""
    code = actions.open_code(code_text, address=ADDRESS)
    ids = indicators(city)
    actions.save_draft(
        code,
        {(entry(staff).pk, ids[name]): cents for staff, row in scores.items() for name, cents in row.items()},
    )
    actions.submit(code)
    return code


def test_codes_are_forty_random_bits_without_look_alikes():
    assert len(codes.ALPHABET) ** codes.LENGTH == 2**codes.BITS == 2**40
    assert not set("0O1Il") & set(codes.ALPHABET)
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    code = made.pop()
    assert codes.normalize(f" {code[:4].lower()}-{code[4:]} ") == code
    assert codes.normalize("ＡＢＣＤ２３４５") == "ABCD2345"
    assert codes.normalize("ABCD0345") is None
    assert codes.normalize("ABC2345") is None
    assert codes.code_hash(code) != code and len(codes.code_hash(code)) == 64


def test_a_round_scored_online_becomes_the_periods_rater_scores(city, finance_round, tmp_path):
    objective = write_csv(
        tmp_path / "指标得分.csv", [["工号", "重点工作", "日常工作"], ["000101", 85, 45], ["000102", 90, 40]]
    )
    import_file(
        "indicator-scores",
        Period.objects.get(),
        open_source(objective, INDICATOR_SCORE_COLUMNS),
        acting_user=OFFICE,
    )
    leaders = actions.issue_codes(finance_round, group=group("领导评价"), count=3, acting_user=OFFICE)
    colleagues = actions.issue_codes(
        finance_round,
        group=group("同事互评"),
        holders=[Person.objects.get(staff_id="000101"), Person.objects.get(staff_id="000102")],
        acting_user=OFFICE,
    )
    assert [i.code.slip_number for i in leaders + colleagues] == [1, 2, 3, 4, 5]
    # Only hashes are stored.
    stored = set(RatingCode.objects.values_list("code_hash", flat=True))
    assert not {i.text for i in leaders + colleagues} & stored

    for issued, (de, neng) in zip(leaders, [(9000, 8000), (8500, 9500), (7000, 6000)], strict=True):
        score_all(issued.text, {"000101": {"德": de, "能": neng}, "000102": {"德": neng, "能": de}}, city)
    # A colleague's code scores everyone but its holder.
    zhang = actions.open_code(colleagues[0].text, address=ADDRESS)
    sheet = actions.save_draft(zhang, {})
    assert [p.person.staff_id for p in sheet.people] == ["000102"]
    score_all(colleagues[0].text, {"000102": {"德": 8800, "能": 8200}}, city)

    counted = actions.count_round(finance_round, acting_user=OFFICE)
    assert (counted.submitted, counted.issued, counted.scores) == (4, 5, 14)
    finance_round.refresh_from_db()
    assert finance_round.state == RoundState.COUNTED
    record = ImportRecord.objects.get(kind="rater-scores")
    assert record.summary["new_scores"] == 14 and finance_round.import_record == record

    stored_scores = RaterScore.objects.filter(entry=entry("000102"), group=group("领导评价"))
    assert sorted(s.score_cents for s in stored_scores if s.indicator.name == "德") == [6000, 8000, 9500]
    # The totals follow, as the formula gives them for the scores entered on the phones.
    ids = indicators(city)
    leaders_id, colleagues_id = group("领导评价").pk, group("同事互评").pk
    li_inputs = formula.Inputs(
        rater_scores={
            (ids["德"], 1, leaders_id): [8000, 9500, 6000],
            (ids["能"], 1, leaders_id): [9000, 8500, 7000],
            (ids["德"], 1, colleagues_id): [8800],
            (ids["能"], 1, colleagues_id): [8200],
        },
        direct_scores={(ids["重点工作"], 1): 9000, (ids["日常工作"], 1): 4000},
    )
    expected = formula.person_total(formula_scheme(city["一般干部"]), li_inputs)
    assert expected.total_cents is not None
    assert SchemeTotal.objects.get(entry=entry("000102")).total_cents == expected.total_cents
    # 同事互评 never scored 张三 (李四 holds no code): the leaders' scores alone count.
    zhang_inputs = formula.Inputs(
        rater_scores={
            (ids["德"], 1, leaders_id): [9000, 8500, 7000],
            (ids["能"], 1, leaders_id): [8000, 9500, 6000],
        },
        direct_scores={(ids["重点工作"], 1): 8500, (ids["日常工作"], 1): 4500},
    )
    expected = formula.person_total(formula_scheme(city["一般干部"]), zhang_inputs)
    assert SchemeTotal.objects.get(entry=entry("000101")).total_cents == expected.total_cents

    # Nothing left links a code, a slip or a holder to a score.
    assert DraftScore.objects.count() == 0
    assert set(RatingCode.objects.values_list("rater_token", flat=True)) == {""}
    tokens = set(RaterScore.objects.values_list("rater", flat=True))
    assert len(tokens) == 4
    slips = {str(n) for n in RatingCode.objects.values_list("slip_number", flat=True)}
    staff_ids = set(Person.objects.values_list("staff_id", flat=True))
    assert not tokens & (slips | staff_ids)
    for entry_ in AuditEntry.objects.all():
        text = f"{entry_.summary} {entry_.before} {entry_.after}"
        assert "张三" not in text and "000101" not in text and "8800" not in text
    assert verify() == []

    # Counted rounds no longer change, and their codes no longer open.
    with pytest.raises(Refused) as refused:
        actions.open_code(colleagues[1].text, address=ADDRESS)
    assert refused.value.code == RatingRefusal.ROUND_CLOSED
    with pytest.raises(Refused):
        actions.issue_codes(finance_round, group=group("领导评价"), count=1, acting_user=OFFICE)


def test_a_lost_code_is_reissued_and_the_old_one_dies(city, finance_round):
    (lost,) = actions.issue_codes(finance_round, group=group("领导评价"), count=1, acting_user=OFFICE)
    code = actions.open_code(lost.text, address=ADDRESS)
    actions.save_draft(code, {(entry("000101").pk, indicators(city)["德"]): 7000})
    new = actions.reissue_code(finance_round, lost.code.slip_number, acting_user=OFFICE)
    assert new.code.slip_number == lost.code.slip_number and new.text != lost.text
    with pytest.raises(Refused) as refused:
        actions.open_code(lost.text, address=ADDRESS)
    assert refused.value.code == RatingRefusal.CODE_UNKNOWN
    # The finder's draft went with the old code; the old session cannot save or submit.
    with pytest.raises(Refused):
        actions.save_draft(code, {(entry("000101").pk, indicators(city)["德"]): 100})
    reopened = actions.open_code(new.text, address=ADDRESS)
    assert actions.save_draft(reopened, {}).scores == {}


def test_submission_needs_every_score_and_keeps_the_top_mark_share(city, finance_round):
    scheme = city["一般干部"]
    scheme.top_mark_share = 50
    scheme.top_mark_from = 90
    scheme.save()
    (issued,) = actions.issue_codes(finance_round, group=group("领导评价"), count=1, acting_user=OFFICE)
    code = actions.open_code(issued.text, address=ADDRESS)
    ids = indicators(city)
    zhang, li = entry("000101").pk, entry("000102").pk
    actions.save_draft(code, {(zhang, ids["德"]): 9500, (zhang, ids["能"]): 8000})
    with pytest.raises(Refused) as refused:
        actions.submit(code)
    assert refused.value.code == RatingRefusal.NOT_COMPLETE and refused.value.params == {"count": 2}
    actions.save_draft(code, {(li, ids["德"]): 9000, (li, ids["能"]): 8999})
    with pytest.raises(Refused) as refused:
        actions.submit(code)  # two of two people have 90 or more on 德: one is allowed
    assert refused.value.code == RatingRefusal.TOO_MANY_TOP_MARKS
    assert refused.value.params["given"] == 2 and refused.value.params["allowed"] == 1
    with pytest.raises(Refused) as refused:
        actions.save_draft(code, {(li, ids["德"]): 10001})
    assert refused.value.code == RatingRefusal.SCORE_OUT_OF_RANGE
    actions.save_draft(code, {(li, ids["德"]): 8950})
    actions.submit(code)
    with pytest.raises(Refused) as refused:
        actions.submit(code)
    assert refused.value.code == RatingRefusal.CODE_USED
    with pytest.raises(Refused) as refused:
        actions.open_code(issued.text, address=ADDRESS)
    assert refused.value.code == RatingRefusal.CODE_USED


def test_guessing_codes_is_limited_per_address_and_round(city, finance_round):
    (issued,) = actions.issue_codes(finance_round, group=group("领导评价"), count=1, acting_user=OFFICE)
    for _ in range(30):
        with pytest.raises(Refused) as refused:
            actions.open_code(codes.new_code(), address=ADDRESS, round_key=finance_round.key)
        assert refused.value.code == RatingRefusal.CODE_UNKNOWN
    # Locked out, even with the right code; another address or round is not.
    with pytest.raises(Refused) as refused:
        actions.open_code(issued.text, address=ADDRESS, round_key=finance_round.key)
    assert refused.value.code == RatingRefusal.TOO_MANY_GUESSES
    assert "15" in refused.value.message or "14" in refused.value.message
    assert actions.open_code(issued.text, address="192.0.2.11", round_key=finance_round.key)
    assert actions.open_code(issued.text, address=ADDRESS)
    # A new window starts when the old one has ended.
    CodeGuesses.objects.update(window_start=timezone.now() - datetime.timedelta(minutes=16))
    assert actions.open_code(issued.text, address=ADDRESS, round_key=finance_round.key)


def test_nobody_holds_two_codes_of_a_group_or_scores_themself(city, finance_round):
    zhang = Person.objects.get(staff_id="000101")
    actions.issue_codes(finance_round, group=group("同事互评"), holders=[zhang], acting_user=OFFICE)
    with pytest.raises(Refused) as refused:
        actions.issue_codes(finance_round, group=group("同事互评"), holders=[zhang], acting_user=OFFICE)
    assert refused.value.code == RatingRefusal.ALREADY_HOLDS_CODE
    # Listed to score only themself: nobody to score.
    with pytest.raises(Refused) as refused:
        actions.issue_codes(
            finance_round,
            group=group("领导评价"),
            holders=[zhang],
            scope="listed",
            rated=[entry("000101")],
            acting_user=OFFICE,
        )
    assert refused.value.code == RatingRefusal.NOBODY_TO_RATE
