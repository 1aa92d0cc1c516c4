"""A unit's way from ranking to published exemplars (DESIGN.md rules 5–7), on the real
database with no mocks: propose, the committee decides (the list frozen by its hash), a
later ranking flags a list it would change, reopen, publicity on the PRC working-day
calendar, objections, publication, the city's progress board — and every step in the
audit log, whose chain stays intact.

Units of 20 people of 一般干部 with totals 99, 98, … 80 (2 places each; the 4th person
vetoed) built through the ``jixiao`` command; see ``tests/workflow_city.py``.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from jixiao.core.audit import AuditAction, AuditEntry, verify
from jixiao.core.refusals import Refused
from jixiao.org.access import Operator
from jixiao.selection import actions, workflow
from jixiao.selection.models import (
    Candidate,
    Meeting,
    NominationState,
    Notice,
    Objection,
    Proposal,
    ProposalState,
    Resolution,
    Route,
    SpecialNomination,
    Verdict,
)
from jixiao.selection.notice_documents import notice_content
from tests.files import jixiao, jixiao_ok, scores_rows, write_csv
from tests.workflow_city import (
    NOTICE_END,
    NOTICE_START,
    PERIOD,
    REASON,
    SCORES_HEADER,
    UNIT_A,
    UNIT_B,
    VETO,
    UnitSpec,
    approve_all,
    build_city,
    meeting,
    notice_details,
    object_to,
    person_name,
    staff_id,
    to_publicity,
    total_of,
)

pytestmark = pytest.mark.django_db

D = datetime.date
DAY_AFTER_END = NOTICE_END + datetime.timedelta(days=1)


@pytest.fixture
def city(tmp_path, capsys):
    return build_city(tmp_path, capsys)


def unit_of(city, spec=UNIT_A):
    return city.units[spec.name]


def a(number: int) -> str:
    return staff_id(UNIT_A, number)


def b(number: int) -> str:
    return staff_id(UNIT_B, number)


def mark() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def actions_since(since: int, unit=None) -> list[str]:
    entries = AuditEntry.objects.filter(id__gt=since).order_by("id")
    if unit is not None:
        entries = entries.filter(unit=unit)
    return list(entries.values_list("action", flat=True))


def listed(proposal) -> list[tuple]:
    """The proposal's candidates as (staff ID, route, verdict), sorted."""
    return sorted(proposal.candidates.values_list("person__staff_id", "route", "verdict"))


def frozen(proposal) -> list[tuple]:
    """Everything stored about the proposal's candidates."""
    return sorted(
        proposal.candidates.values_list(
            "person__staff_id",
            "route",
            "total",
            "rank",
            "group_size",
            "post",
            "reason",
            "verdict",
            "rejection_reason",
            "removed_at",
        )
    )


def candidate(proposal, staff: str) -> Candidate:
    return proposal.candidates.select_related("person").get(person__staff_id=staff)


def city_refuses(city, rows) -> str:
    """A totals import the command refuses; what it says."""
    path = write_csv(city.file("scores"), scores_rows(rows, header=SCORES_HEADER))
    run = jixiao(city.capsys, "import", "scores", path, "--period", PERIOD)
    assert run.status != 0
    return run.err


def refused(call, *args, **kwargs) -> str:
    """The step is refused; its English message."""
    with translation.override("en"), pytest.raises(Refused) as refusal:
        call(*args, **kwargs)
    return str(refusal.value)


def raw_verdict(candidate_pk: int, verdict: str) -> None:
    """Change a verdict behind the application's back, as a hand edit of the database would."""
    table = connection.ops.quote_name(Candidate._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET verdict = %s WHERE id = %s", [verdict, candidate_pk])


# ----------------------------------------------------------------------------------------
# Proposing
# ----------------------------------------------------------------------------------------


def test_submit_refuses_a_stale_ranking(city):
    unit = unit_of(city)
    city.import_scores([[a(15), "80.5", ""]])
    since = mark()
    message = refused(actions.submit, city.period, unit, acting_user=Operator("assessor"))
    assert "run the ranking again" in message
    assert not Proposal.objects.filter(unit=unit).exists()
    assert actions_since(since) == []
    city.select()
    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.submitted_by == "assessor" and proposal.submitted_at is not None


def test_submit_refuses_a_unit_with_nobody_to_propose(tmp_path, capsys):
    small = UnitSpec("市档案馆", "G", "档案丙", size=5)  # 10 % of 5: no place; cap 10 % of 5: none
    city = build_city(tmp_path, capsys, (UNIT_A, small))
    since = mark()
    assert workflow.current_candidates(city.period, unit_of(city, small)) == []
    assert "nobody" in refused(
        actions.submit, city.period, unit_of(city, small), acting_user=Operator("assessor")
    )
    assert not Proposal.objects.filter(unit=unit_of(city, small)).exists()
    assert not Candidate.objects.exists()
    assert actions_since(since) == []


def test_the_candidates_are_the_top_share_and_the_special_nominations_still_outside_it(city):
    unit = unit_of(city)
    city.nominate(a(5))
    city.nominate(a(6))
    SpecialNomination.objects.filter(person__staff_id=a(6)).update(state=NominationState.WITHDRAWN)
    proposed = {(p.person_id, p.route, p.reason) for p in workflow.current_candidates(city.period, unit)}
    person = {n: city.person(a(n)).pk for n in (1, 2, 5)}
    assert proposed == {
        (person[1], Route.BY_RANK, ""),
        (person[2], Route.BY_RANK, ""),
        (person[5], Route.SPECIAL, REASON),
    }

    # 7th nominated (A's second place, the 6th being withdrawn), then vetoed; the 5th
    # nominee climbs into the top share: neither is a special candidate any more.
    city.nominate(a(7))
    city.import_scores([[a(5), "99.5", ""], [a(7), str(total_of(7)), VETO]])
    city.select()
    since = mark()
    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    assert frozen(proposal) == [
        (a(1), Route.BY_RANK, Decimal("99.00"), 2, 20, "科员", "", Verdict.PENDING, "", None),
        (a(5), Route.BY_RANK, Decimal("99.50"), 1, 20, "科员", "", Verdict.PENDING, "", None),
    ]
    # Submitting locks the unit's scores (rule 4 of the integrity issue), in the same action.
    assert actions_since(since) == [AuditAction.LOCK, AuditAction.SUBMISSION]
    entry = AuditEntry.objects.get(id__gt=since, action=AuditAction.SUBMISSION)
    assert entry.unit == unit and [c["staff_id"] for c in entry.after["candidates"]] == [a(1), a(5)]
    # Submitted once: the second time is refused.
    assert "already been submitted" in refused(
        actions.submit, city.period, unit, acting_user=Operator("assessor")
    )


# ----------------------------------------------------------------------------------------
# The committee's decision
# ----------------------------------------------------------------------------------------


def test_the_decision_must_be_complete_reasoned_and_quorate(city):
    city.nominate(a(5))
    proposal = actions.submit(city.period, unit_of(city), acting_user=Operator("assessor"))
    ids = {c.person.staff_id: c.pk for c in proposal.candidates.select_related("person")}
    approve = (Verdict.APPROVED, "")
    full = {pk: approve for pk in ids.values()}
    since = mark()

    without_one = {pk: v for pk, v in full.items() if pk != ids[a(5)]}
    assert person_name(UNIT_A, 5) in refused(
        actions.decide, proposal, meeting(), without_one, acting_user=Operator("s")
    )
    pending = {**full, ids[a(5)]: (Verdict.PENDING, "")}
    assert person_name(UNIT_A, 5) in refused(
        actions.decide, proposal, meeting(), pending, acting_user=Operator("s")
    )
    bare_rejection = {**full, ids[a(2)]: (Verdict.REJECTED, "   ")}
    message = refused(actions.decide, proposal, meeting(), bare_rejection, acting_user=Operator("s"))
    assert "needs a reason" in message and person_name(UNIT_A, 2) in message
    # More than half of the members must be present: 3 of 7 and 3 of 6 are not enough.
    for members, present in ((7, 3), (6, 3), (5, 0)):
        message = refused(
            actions.decide,
            proposal,
            meeting(members=members, present=present),
            full,
            acting_user=Operator("s"),
        )
        assert "Fewer than half" in message
    assert "More members present" in refused(
        actions.decide, proposal, meeting(members=7, present=8), full, acting_user=Operator("s")
    )

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED and proposal.decided_hash == ""
    assert not Meeting.objects.exists()
    assert {v for _s, _r, v in listed(proposal)} == {Verdict.PENDING}
    assert actions_since(since) == []

    verdicts = {**full, ids[a(2)]: (Verdict.REJECTED, "  近期受到通报批评。 ")}
    proposal = actions.decide(
        proposal, meeting(members=7, present=4), verdicts, acting_user=Operator("secretary")
    )
    assert proposal.state == ProposalState.DECIDED and proposal.decided_at is not None
    assert listed(proposal) == [
        (a(1), Route.BY_RANK, Verdict.APPROVED),
        (a(2), Route.BY_RANK, Verdict.REJECTED),
        (a(5), Route.SPECIAL, Verdict.APPROVED),
    ]
    assert candidate(proposal, a(2)).rejection_reason == "近期受到通报批评。"
    recorded = proposal.meetings.get()
    assert (recorded.members, recorded.present, recorded.recorded_by) == (7, 4, "secretary")
    assert actions_since(since) == [AuditAction.DECISION]
    assert "Only a list submitted" in refused(
        actions.decide, proposal, meeting(), full, acting_user=Operator("s")
    )


def test_the_decided_list_is_frozen_by_its_hash(city):
    proposal = approve_all(actions.submit(city.period, unit_of(city), acting_user=Operator("assessor")))
    assert proposal.decided_hash == workflow.content_hash(proposal)
    assert len(proposal.decided_hash) == 64
    assert workflow.decided_list_intact(proposal)
    entry = AuditEntry.objects.filter(action=AuditAction.DECISION).get()
    assert entry.after["hash"] == proposal.decided_hash

    second = candidate(proposal, a(2))
    raw_verdict(second.pk, Verdict.REJECTED)
    assert not workflow.decided_list_intact(proposal)
    assert workflow.content_hash(proposal) != proposal.decided_hash
    assert "does not match its hash" in refused(
        actions.open_publicity, proposal, notice_details(unit_of(city)), acting_user=Operator("assessor")
    )
    assert not Notice.objects.exists()
    raw_verdict(second.pk, Verdict.APPROVED)
    assert workflow.decided_list_intact(proposal)


def test_a_list_changed_behind_its_hash_is_not_published(city):
    proposal, _notice, _objection = to_publicity(city, unit_of(city))
    assert workflow.publication_blockers(proposal, DAY_AFTER_END) == []
    raw_verdict(candidate(proposal, a(1)).pk, Verdict.REJECTED)
    with translation.override("en"):
        assert workflow.publication_blockers(proposal, DAY_AFTER_END) == [
            "The decided list does not match its hash any more."
        ]
    since = mark()
    assert "does not match its hash" in refused(
        actions.publish, proposal, acting_user=Operator("city"), today=DAY_AFTER_END
    )
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PUBLICITY and proposal.published_at is None
    assert actions_since(since) == []


# ----------------------------------------------------------------------------------------
# Later changes
# ----------------------------------------------------------------------------------------


def test_a_later_ranking_that_changes_a_decided_list_flags_it_and_changes_nothing(city):
    unit, other = unit_of(city), unit_of(city, UNIT_B)
    proposal = approve_all(actions.submit(city.period, unit, acting_user=Operator("assessor")))
    other_proposal = approve_all(actions.submit(city.period, other, acting_user=Operator("assessor")))
    before, decided_hash = frozen(proposal), proposal.decided_hash

    # Both lists are submitted: their scores are locked, a change needs a reason.
    refusal = city_refuses(city, [[a(15), "85.5", ""]])
    assert "分数已锁定" in refusal and "--reason" in refusal

    # A change that leaves both lists as they are flags nothing; it ranks both units at once.
    since = mark()
    city.import_scores([[a(15), "85.5", ""], [b(12), "81", ""]], reason="复核更正")
    assert actions_since(since) == [
        AuditAction.SCORE_CHANGE,
        AuditAction.SCORE_CHANGE,
        AuditAction.IMPORT,
        AuditAction.RANKING,
    ]
    assert not Proposal.objects.filter(flagged_at__isnull=False).exists()

    # A's 3rd person overtakes both places' holders; A's 2nd falls out of the top share:
    # the import itself flags the list, before anyone ranks again.
    since = mark()
    city.import_scores([[a(3), "99.5", ""]], reason="党委复核后更正总分")
    assert actions_since(since) == [
        AuditAction.SCORE_CHANGE,
        AuditAction.IMPORT,
        AuditAction.RANKING,
        AuditAction.FLAG,
    ]
    proposal.refresh_from_db()
    assert proposal.flagged_at is not None
    added, removed = proposal.flag_reason.split("；")
    assert person_name(UNIT_A, 3) in added and person_name(UNIT_A, 2) not in added
    assert person_name(UNIT_A, 2) in removed and person_name(UNIT_A, 3) not in removed
    flag = AuditEntry.objects.get(action=AuditAction.FLAG)
    assert flag.unit == unit and flag.summary == proposal.flag_reason
    # The decided list itself is untouched.
    assert frozen(proposal) == before
    assert proposal.state == ProposalState.DECIDED and proposal.decided_hash == decided_hash
    assert workflow.decided_list_intact(proposal)
    other_proposal.refresh_from_db()
    assert other_proposal.flagged_at is None

    # A flagged list is neither publicised nor flagged twice.
    assert "needs a new decision" in refused(
        actions.open_publicity, proposal, notice_details(unit), acting_user=Operator("assessor")
    )
    since = mark()
    city.select()
    assert actions_since(since) == [AuditAction.RANKING]


def test_a_flagged_list_in_publicity_is_not_published_and_reopens_for_a_new_decision(city):
    unit = unit_of(city)
    proposal, _notice, _objection = to_publicity(city, unit, objection_against=a(1))
    assert "Only a list flagged" in refused(
        actions.reopen, proposal, acting_user=Operator("assessor"), reason="排名变化"
    )

    city.import_scores([[a(3), "99.5", ""]], reason="党委复核后更正总分")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PUBLICITY and proposal.flagged_at is not None
    with translation.override("en"):
        assert any(
            "needs a new decision" in b for b in workflow.publication_blockers(proposal, DAY_AFTER_END)
        )
    assert "needs a new decision" in refused(
        actions.publish, proposal, acting_user=Operator("city"), today=DAY_AFTER_END
    )

    since = mark()
    proposal = actions.reopen(proposal, acting_user=Operator("assessor"), reason="排名变化，重新推荐")
    assert actions_since(since) == [AuditAction.SUBMISSION]
    entry = AuditEntry.objects.get(id__gt=since)
    assert entry.before["state"] == ProposalState.PUBLICITY
    assert [c["staff_id"] for c in entry.before["candidates"]] == [a(1), a(2)]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT
    assert (proposal.decided_hash, proposal.flagged_at, proposal.flag_reason) == ("", None, "")
    assert not Notice.objects.filter(proposal=proposal).exists()
    assert not Objection.objects.exists()
    assert not proposal.candidates.exists()

    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    assert listed(proposal) == [
        (a(1), Route.BY_RANK, Verdict.PENDING),
        (a(3), Route.BY_RANK, Verdict.PENDING),
    ]
    proposal = approve_all(proposal)
    assert proposal.meetings.count() == 2
    assert workflow.decided_list_intact(proposal)
    notice = actions.open_publicity(proposal, notice_details(unit), acting_user=Operator("assessor"))
    assert [row.name for row in notice_content(notice).rows] == [
        person_name(UNIT_A, 3),
        person_name(UNIT_A, 1),
    ]


# ----------------------------------------------------------------------------------------
# Publicity
# ----------------------------------------------------------------------------------------


def test_the_notice_runs_working_days_on_the_official_calendar(city):
    unit = unit_of(city)
    proposal = approve_all(actions.submit(city.period, unit, acting_user=Operator("assessor")))
    since = mark()
    notice = actions.open_publicity(
        proposal, notice_details(unit, start=NOTICE_START), acting_user=Operator("assessor")
    )
    # 09-28 (a Sunday worked), 09-29, 09-30, then the National Day holiday to 10-08: 10-09, 10-10.
    assert (notice.start, notice.end, notice.working_days) == (D(2025, 9, 28), D(2025, 10, 10), 5)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PUBLICITY
    assert actions_since(since) == [AuditAction.NOTICE]
    entry = AuditEntry.objects.get(id__gt=since)
    assert entry.after["end"] == "2025-10-10" and "2025-10-10" in entry.summary

    # Three working days from a holiday: 10-09, 10-10 and Saturday 10-11, worked in exchange.
    other = unit_of(city, UNIT_B)
    other_proposal = approve_all(actions.submit(city.period, other, acting_user=Operator("assessor")))
    rules = city.period.rules
    rules.publicity_working_days = 3
    rules.save()
    other_notice = actions.open_publicity(
        other_proposal, notice_details(other, start=D(2025, 10, 1)), acting_user=Operator("a")
    )
    assert (other_notice.end, other_notice.working_days) == (D(2025, 10, 11), 3)


def test_publicity_needs_a_decided_unflagged_list_with_somebody_approved(city):
    unit, other = unit_of(city), unit_of(city, UNIT_B)
    draft = actions.proposal_for(city.period, unit)
    assert "once the committee has decided" in refused(
        actions.open_publicity, draft, notice_details(unit), acting_user=Operator("assessor")
    )
    submitted = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    assert "once the committee has decided" in refused(
        actions.open_publicity, submitted, notice_details(unit), acting_user=Operator("assessor")
    )
    nobody = approve_all(
        actions.submit(city.period, other, acting_user=Operator("assessor")),
        reject={b(1): "考勤不达标。", b(2): "群众评议不佳。"},
    )
    assert nobody.state == ProposalState.DECIDED
    assert "approved nobody" in refused(
        actions.open_publicity, nobody, notice_details(other), acting_user=Operator("assessor")
    )
    assert not Notice.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.NOTICE).exists()


def test_objections_are_taken_only_during_publicity_against_people_on_the_notice(city):
    unit, other = unit_of(city), unit_of(city, UNIT_B)
    city.nominate(a(5))
    proposal = approve_all(
        actions.submit(city.period, unit, acting_user=Operator("assessor")),
        reject={a(5): "事迹材料不够充分。"},
    )
    notice = actions.open_publicity(proposal, notice_details(unit), acting_user=Operator("assessor"))
    other_proposal, _other_notice, _ = to_publicity(city, other)
    since = mark()

    # B's candidate is not on A's notice, nor is A's rejected candidate.
    assert "not on this notice" in refused(object_to, notice, candidate(other_proposal, b(1)))
    assert "not on this notice" in refused(object_to, notice, candidate(proposal, a(5)))
    with translation.override("en"), pytest.raises(Refused, match="real name"):
        actions.record_objection(
            notice,
            candidate(proposal, a(1)),
            objector=" ",
            objector_phone="13800000000",
            received_at=datetime.datetime(2025, 9, 29, 9, 30, tzinfo=datetime.UTC),
            content="匿名反映。",
            acting_user=Operator("assessor"),
        )
    assert not Objection.objects.exists()
    assert actions_since(since) == []

    objection = object_to(notice, candidate(proposal, a(2)))
    assert actions_since(since) == [AuditAction.OBJECTION]
    actions.resolve_objection(objection, Resolution.UPHELD, "反映属实。", acting_user=Operator("assessor"))
    # Removed from the list: no further objection against them.
    assert "not on this notice" in refused(object_to, notice, candidate(proposal, a(2)))

    actions.publish(proposal, acting_user=Operator("city"), today=DAY_AFTER_END)
    notice.refresh_from_db()
    assert "while the notice runs" in refused(object_to, notice, candidate(proposal, a(1)))
    assert Objection.objects.count() == 1


def test_an_upheld_objection_removes_the_person_and_a_dismissed_one_keeps_them(city):
    unit = unit_of(city)
    city.nominate(a(5))
    proposal, notice, upheld = to_publicity(city, unit, objection_against=a(2))
    dismissed = object_to(notice, candidate(proposal, a(5)))
    on_notice = [row.name for row in notice_content(notice).rows]
    assert on_notice == [person_name(UNIT_A, n) for n in (1, 2, 5)]

    assert "needs its reason" in refused(
        actions.resolve_objection, upheld, Resolution.UPHELD, " ", acting_user=Operator("a")
    )
    assert "upheld or dismissed" in refused(
        actions.resolve_objection, upheld, Resolution.OPEN, "理由", acting_user=Operator("a")
    )
    since = mark()
    actions.resolve_objection(upheld, Resolution.UPHELD, "经查反映属实。", acting_user=Operator("secretary"))
    actions.resolve_objection(
        dismissed, Resolution.DISMISSED, "经查反映不属实。", acting_user=Operator("secretary")
    )
    assert actions_since(since, unit) == [AuditAction.OBJECTION_RESOLVED] * 2
    assert "already been resolved" in refused(
        actions.resolve_objection, dismissed, Resolution.UPHELD, "再议。", acting_user=Operator("a")
    )

    upheld.refresh_from_db()
    assert (upheld.resolution, upheld.resolution_reason, upheld.resolved_by) == (
        Resolution.UPHELD,
        "经查反映属实。",
        "secretary",
    )
    assert candidate(proposal, a(2)).removed_at is not None
    assert candidate(proposal, a(5)).removed_at is None
    kept = sorted(proposal.candidates.kept().values_list("person__staff_id", flat=True))
    assert kept == [a(1), a(5)]
    assert [row.name for row in notice_content(notice).rows] == [person_name(UNIT_A, n) for n in (1, 5)]
    # Removed, not rejected: the committee's decision stays as it was, and so does its hash.
    assert candidate(proposal, a(2)).verdict == Verdict.APPROVED
    assert workflow.decided_list_intact(proposal)


# ----------------------------------------------------------------------------------------
# Publication
# ----------------------------------------------------------------------------------------


def test_publishing_waits_for_the_end_of_the_notice_and_every_objection(city):
    unit, other = unit_of(city), unit_of(city, UNIT_B)
    city.nominate(a(5))
    proposal, _notice, objection = to_publicity(city, unit, objection_against=a(2))
    other_proposal, other_notice, _ = to_publicity(city, other)
    assert list(workflow.exemplars(city.period)) == []

    with translation.override("en"):
        assert workflow.publication_blockers(proposal, NOTICE_END) == [
            "The publicity runs until 2025-10-10.",
            "1 objections are not resolved.",
        ]
    since = mark()
    refused(actions.publish, proposal, acting_user=Operator("city"), today=NOTICE_START)
    refused(actions.publish, proposal, acting_user=Operator("city"), today=DAY_AFTER_END)
    actions.resolve_objection(
        objection, Resolution.UPHELD, "经查反映属实。", acting_user=Operator("assessor")
    )
    assert "runs until 2025-10-10" in refused(
        actions.publish, proposal, acting_user=Operator("city"), today=NOTICE_END
    )
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PUBLICITY

    published = actions.publish(proposal, acting_user=Operator("city"), today=DAY_AFTER_END)
    assert published.state == ProposalState.PUBLISHED
    assert published.published_by == "city" and published.published_at is not None
    assert actions_since(since) == [AuditAction.OBJECTION_RESOLVED, AuditAction.PUBLICATION]
    entry = AuditEntry.objects.get(action=AuditAction.PUBLICATION)
    assert entry.unit == unit and entry.after == {"exemplars": [a(1), a(5)]}
    assert "Only a list in publicity" in refused(
        actions.publish, published, acting_user=Operator("city"), today=DAY_AFTER_END
    )

    # Rule 7: approved (by rank and special), not removed, published — B is still in publicity.
    exemplars = workflow.exemplars(city.period)
    assert sorted(exemplars.values_list("person__staff_id", "route")) == [
        (a(1), Route.BY_RANK),
        (a(5), Route.SPECIAL),
    ]
    actions.publish(other_proposal, acting_user=Operator("city"), today=DAY_AFTER_END)
    assert workflow.exemplars(city.period).count() == 4
    assert other_notice.objections.count() == 0


# ----------------------------------------------------------------------------------------
# The city's progress board
# ----------------------------------------------------------------------------------------


def test_the_progress_board_shows_every_units_stage(tmp_path, capsys):
    specs = {
        "published": UnitSpec("市财政局", "A", "甲单位", size=10),
        "publicity": UnitSpec("城关镇", "B", "乙单位", size=10),
        "decided": UnitSpec("市教育局", "C", "丙单位", size=10),
        "submitted": UnitSpec("市卫健委", "D", "丁单位", size=10),
        "ranked": UnitSpec("市档案馆", "E", "戊单位", size=5),
        "no_scores": UnitSpec("市史志办", "F", "己单位", size=4, scored=0),
    }
    city = build_city(tmp_path, capsys, tuple(specs.values()))
    unit = {stage: city.units[spec.name] for stage, spec in specs.items()}
    actions.submit(city.period, unit["submitted"], acting_user=Operator("assessor"))
    approve_all(actions.submit(city.period, unit["decided"], acting_user=Operator("assessor")))
    to_publicity(city, unit["publicity"])
    proposal, _, objection = to_publicity(
        city, unit["published"], objection_against=staff_id(specs["published"], 1)
    )
    actions.resolve_objection(
        objection, Resolution.DISMISSED, "经查反映不属实。", acting_user=Operator("assessor")
    )
    actions.publish(proposal, acting_user=Operator("city"), today=DAY_AFTER_END)

    def board():
        return {row.unit.name: row for row in workflow.progress_board(city.period)}

    rows = board()
    assert {name: row.stage for name, row in rows.items()} == {
        specs["published"].name: ProposalState.PUBLISHED,
        specs["publicity"].name: ProposalState.PUBLICITY,
        specs["decided"].name: ProposalState.DECIDED,
        specs["submitted"].name: ProposalState.SUBMITTED,
        specs["ranked"].name: workflow.Stage.RANKED,
        specs["no_scores"].name: workflow.Stage.NO_SCORES,
    }
    published = rows[specs["published"].name]
    assert (published.headcount, published.scored, published.by_rank) == (10, 10, 1)
    assert (published.candidates, published.approved, published.exemplars) == (1, 1, 1)
    publicity = rows[specs["publicity"].name]
    assert (publicity.candidates, publicity.approved, publicity.exemplars) == (1, 1, 0)
    assert rows[specs["submitted"].name].approved == 0
    assert (rows[specs["no_scores"].name].headcount, rows[specs["no_scores"].name].scored) == (4, 0)
    assert [row.unit.name for row in workflow.progress_board(city.period)] == [s.name for s in specs.values()]

    # Half of one unit's scores come in after the ranking: it is scoring; the others' peer
    # groups (each unit's own) did not change, so their rankings are still current.
    no_scores = specs["no_scores"]
    city.import_scores([[staff_id(no_scores, 1), "90", ""], [staff_id(no_scores, 2), "91", ""]])
    rows = board()
    assert rows[no_scores.name].stage == workflow.Stage.SCORING and rows[no_scores.name].scored == 2
    assert rows[specs["ranked"].name].stage == workflow.Stage.RANKED
    assert rows[specs["decided"].name].stage == ProposalState.DECIDED
    # A change in the ranked unit makes its own ranking stale: scored, until ranked again.
    ranked = specs["ranked"]
    city.import_scores([[staff_id(ranked, 3), "99.9", ""]])
    assert board()[ranked.name].stage == workflow.Stage.SCORED
    jixiao_ok(city.capsys, "select", "--period", PERIOD, "--unit", ranked.name)
    assert board()[ranked.name].stage == workflow.Stage.RANKED


# ----------------------------------------------------------------------------------------
# The whole way, in the audit log
# ----------------------------------------------------------------------------------------


def test_every_step_is_in_the_audit_log_and_the_chain_holds(city):
    unit = unit_of(city)
    since = mark()
    city.nominate(a(5))
    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    proposal = approve_all(proposal, actor="secretary")
    city.import_scores([[a(3), "99.5", ""]], reason="党委复核后更正总分")
    proposal = actions.reopen(proposal, acting_user=Operator("assessor"), reason="排名变化，重新推荐")
    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    proposal = approve_all(proposal, actor="secretary")
    notice = actions.open_publicity(proposal, notice_details(unit), acting_user=Operator("assessor"))
    objection = object_to(notice, candidate(proposal, a(5)), actor="assessor")
    actions.resolve_objection(
        objection, Resolution.DISMISSED, "经查反映不属实。", acting_user=Operator("secretary")
    )
    actions.publish(proposal, acting_user=Operator("kaoheban"), today=DAY_AFTER_END)

    assert actions_since(since, unit) == [
        AuditAction.NOMINATION,
        AuditAction.LOCK,
        AuditAction.SUBMISSION,
        AuditAction.DECISION,
        AuditAction.SCORE_CHANGE,
        AuditAction.IMPORT,
        AuditAction.RANKING,
        AuditAction.FLAG,
        AuditAction.SUBMISSION,  # reopened
        AuditAction.SUBMISSION,
        AuditAction.DECISION,
        AuditAction.NOTICE,
        AuditAction.OBJECTION,
        AuditAction.OBJECTION_RESOLVED,
        AuditAction.PUBLICATION,
    ]
    actors = list(
        AuditEntry.objects.filter(id__gt=since, unit=unit).order_by("id").values_list("actor", flat=True)
    )
    assert actors[-1] == "kaoheban" and actors[3] == "secretary" and actors[2] == "assessor"
    assert AuditEntry.objects.get(action=AuditAction.PUBLICATION).after == {"exemplars": [a(3), a(1), a(5)]}
    assert workflow.exemplars(city.period).count() == 3
    assert verify() == []


def test_a_submitted_list_flagged_before_the_meeting_is_not_decided(city):
    unit = unit_of(city)
    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    city.import_scores([[a(3), "99.5", ""]], reason="党委复核后更正总分")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED and proposal.flagged_at is not None
    verdicts = {c.pk: (Verdict.APPROVED, "") for c in proposal.candidates.all()}
    assert "needs a new decision" in refused(
        actions.decide, proposal, meeting(), verdicts, acting_user=Operator("secretary")
    )
    assert not proposal.meetings.exists()
    # Reopened and submitted again, the current list is decided.
    actions.reopen(proposal, acting_user=Operator("assessor"), reason="排名变化，重新推荐")
    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    assert person_name(UNIT_A, 3) in {c.name for c in proposal.candidates.all()}
    verdicts = {c.pk: (Verdict.APPROVED, "") for c in proposal.candidates.all()}
    assert (
        actions.decide(proposal, meeting(), verdicts, acting_user=Operator("secretary")).state
        == ProposalState.DECIDED
    )
