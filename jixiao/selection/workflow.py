"""A unit's way from ranking to published exemplars (DESIGN.md rules 5–7).

propose → the committee decides every candidate (the decided list is frozen with a content
hash) → publicity notice for N working days, objections resolved → the city publishes.
A later ranking that would change a decided list never edits it: it flags the proposal and
the unit reopens it for a new decision.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, PeriodState, RosterEntry, Score
from jixiao.core.audit import AuditAction, record
from jixiao.org.models import Person, Unit
from jixiao.selection.models import (
    Candidate,
    Meeting,
    NominationState,
    Notice,
    Objection,
    Outcome,
    Proposal,
    ProposalState,
    RankingResult,
    Resolution,
    Route,
    SelectionRules,
    SpecialNomination,
    Verdict,
)
from jixiao.selection.ranking import ranking_is_current
from jixiao.selection.signals import list_published


class WorkflowRefused(Exception):
    """A step the state of the proposal does not allow; the message says why, for the user."""


# ----------------------------------------------------------------------------------------
# Proposing
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedPerson:
    person_id: int
    category_id: int
    route: str
    total: object
    rank: int
    group_size: int
    post: str
    reason: str = ""


def current_candidates(period: Period, unit: Unit) -> list[ProposedPerson]:
    """Who the unit would propose now: everyone eligible by rank, and every proposed special
    nomination whose nominee is still outside the top share and not vetoed."""
    results = {
        r.person_id: r
        for r in RankingResult.objects.filter(period=period, unit=unit).exclude(outcome=Outcome.VETOED)
    }
    posts = dict(RosterEntry.objects.filter(period=period, unit=unit).values_list("person_id", "post"))
    people = [
        ProposedPerson(
            r.person_id,
            r.category_id,
            Route.BY_RANK,
            r.total,
            r.rank,
            r.group_size,
            posts.get(r.person_id, ""),
        )
        for r in results.values()
        if r.outcome == Outcome.BY_RANK
    ]
    for nomination in SpecialNomination.objects.filter(
        period=period, unit=unit, state=NominationState.PROPOSED
    ):
        result = results.get(nomination.person_id)
        if result is None or result.outcome != Outcome.NOT_SELECTED:
            continue
        people.append(
            ProposedPerson(
                result.person_id,
                result.category_id,
                Route.SPECIAL,
                result.total,
                result.rank,
                result.group_size,
                posts.get(result.person_id, ""),
                nomination.reason,
            )
        )
    return people


def closed_message(period: Period) -> str:
    return _("Period %(code)s is closed: its scores, rankings and nominations no longer change.") % {
        "code": period.code
    }


def proposal_for(period: Period, unit: Unit) -> Proposal:
    proposal, _created = Proposal.objects.get_or_create(period=period, unit=unit)
    return proposal


@transaction.atomic
def submit(period: Period, unit: Unit, *, actor: str) -> Proposal:
    """The assessor submits the unit's candidates to the committee."""
    if period.state == PeriodState.CLOSED:
        raise WorkflowRefused(closed_message(period))
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_for(period, unit).pk).get()
    if proposal.state != ProposalState.DRAFT:
        raise WorkflowRefused(_("The candidates have already been submitted to the committee."))
    if not ranking_is_current(period):
        raise WorkflowRefused(
            _("Scores changed after the last ranking: run the ranking again before submitting.")
        )
    people = current_candidates(period, unit)
    if not people:
        raise WorkflowRefused(_("There is nobody to propose: nobody is eligible by rank or nominated."))
    proposal.candidates.all().delete()
    Candidate.objects.bulk_create(
        Candidate(
            proposal=proposal,
            person_id=p.person_id,
            category_id=p.category_id,
            post=p.post,
            route=p.route,
            total=p.total,
            rank=p.rank,
            group_size=p.group_size,
            reason=p.reason,
        )
        for p in people
    )
    proposal.state = ProposalState.SUBMITTED
    proposal.submitted_by, proposal.submitted_at = actor, timezone.now()
    proposal.flagged_at, proposal.flag_reason = None, ""
    proposal.save()
    record(
        actor=actor,
        action=AuditAction.SUBMISSION,
        target=proposal,
        unit=unit,
        period=period,
        summary=_("%(count)s candidates submitted to the committee") % {"count": len(people)},
        after={"candidates": candidate_snapshot(proposal)},
    )
    return proposal


def candidate_snapshot(proposal: Proposal) -> list[dict]:
    """The decided list's content in a canonical order: what the hash covers."""
    rows = proposal.candidates.select_related("person").order_by("person__staff_id", "route")
    return [
        {
            "staff_id": c.person.staff_id,
            "name": c.person.name,
            "route": c.route,
            "verdict": c.verdict,
            "rejection_reason": c.rejection_reason,
            "reason": c.reason,
        }
        for c in rows
    ]


def content_hash(proposal: Proposal) -> str:
    meeting = proposal.meetings.first()
    content = {
        "period": proposal.period.code,
        "unit": proposal.unit.name,
        "meeting": None
        if meeting is None
        else [
            meeting.kind,
            meeting.date.isoformat(),
            meeting.minutes_number,
            meeting.members,
            meeting.present,
        ],
        "candidates": candidate_snapshot(proposal),
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def decided_list_intact(proposal: Proposal) -> bool:
    return not proposal.decided_hash or proposal.decided_hash == content_hash(proposal)


# ----------------------------------------------------------------------------------------
# The committee's decision
# ----------------------------------------------------------------------------------------


@dataclass
class MeetingRecord:
    kind: str
    date: datetime.date
    minutes_number: str
    members: int
    present: int
    absent_note: str = ""


@transaction.atomic
def decide(
    proposal: Proposal,
    meeting: MeetingRecord,
    verdicts: dict[int, tuple[str, str]],
    *,
    actor: str,
) -> Proposal:
    """Record the meeting and a decision for every candidate (candidate id → verdict and,
    for a rejection, its reason); then freeze the list with its content hash."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.SUBMITTED:
        raise WorkflowRefused(_("Only a list submitted to the committee can be decided."))
    if proposal.flagged_at is not None:
        # The committee would decide a list the ranking no longer supports.
        raise WorkflowRefused(
            _("The list needs a new decision first: %(why)s") % {"why": proposal.flag_reason}
        )
    problems = []
    if meeting.present > meeting.members:
        problems.append(_("More members present than the committee has."))
    # A committee decides with more than half of its members present.
    if meeting.present * 2 <= meeting.members:
        problems.append(_("Fewer than half of the members were present: the meeting cannot decide."))
    candidates = list(proposal.candidates.select_related("person"))
    for candidate in candidates:
        verdict, reason = verdicts.get(candidate.pk, (Verdict.PENDING, ""))
        if verdict not in (Verdict.APPROVED, Verdict.REJECTED):
            problems.append(_("No decision for %(name)s.") % {"name": candidate.person.name})
        elif verdict == Verdict.REJECTED and not reason.strip():
            problems.append(_("The rejection of %(name)s needs a reason.") % {"name": candidate.person.name})
    if problems:
        raise WorkflowRefused(" ".join(problems))
    Meeting.objects.create(
        proposal=proposal,
        kind=meeting.kind,
        date=meeting.date,
        minutes_number=meeting.minutes_number,
        members=meeting.members,
        present=meeting.present,
        absent_note=meeting.absent_note,
        recorded_by=actor,
    )
    for candidate in candidates:
        verdict, reason = verdicts[candidate.pk]
        candidate.verdict = verdict
        candidate.rejection_reason = reason.strip() if verdict == Verdict.REJECTED else ""
    Candidate.objects.bulk_update(candidates, ["verdict", "rejection_reason"])
    proposal.state = ProposalState.DECIDED
    proposal.decided_at = timezone.now()
    proposal.decided_hash = content_hash(proposal)
    proposal.save()
    approved = sum(1 for c in candidates if c.verdict == Verdict.APPROVED)
    record(
        actor=actor,
        action=AuditAction.DECISION,
        target=proposal,
        unit=proposal.unit,
        period=proposal.period,
        summary=_("%(approved)s of %(count)s candidates approved; %(meeting)s")
        % {
            "approved": approved,
            "count": len(candidates),
            "meeting": f"{meeting.date:%Y-%m-%d} {meeting.minutes_number}",
        },
        after={"hash": proposal.decided_hash, "candidates": candidate_snapshot(proposal)},
    )
    return proposal


# ----------------------------------------------------------------------------------------
# Frozen lists and later changes
# ----------------------------------------------------------------------------------------


def list_changes(proposal: Proposal) -> tuple[list[str], list[str]]:
    """Names the current ranking would add to and take off the submitted list."""
    proposed = {(c.person_id, c.route) for c in proposal.candidates.all()}
    now = {(p.person_id, p.route) for p in current_candidates(proposal.period, proposal.unit)}
    names = dict(Person.objects.filter(pk__in={pid for pid, _r in proposed ^ now}).values_list("pk", "name"))
    added = sorted(names[pid] for pid, _r in now - proposed)
    removed = sorted(names[pid] for pid, _r in proposed - now)
    return added, removed


def flag_changed_proposals(period: Period, *, actor: str) -> list[Proposal]:
    """After a new ranking: flag every submitted or decided list it would change."""
    flagged = []
    for proposal in Proposal.objects.filter(period=period, flagged_at__isnull=True).exclude(
        state=ProposalState.DRAFT
    ):
        added, removed = list_changes(proposal)
        if not (added or removed):
            continue
        parts = []
        if added:
            parts.append(_("now eligible: %(names)s") % {"names": "、".join(added)})
        if removed:
            parts.append(_("no longer eligible: %(names)s") % {"names": "、".join(removed)})
        proposal.flagged_at, proposal.flag_reason = timezone.now(), "；".join(parts)
        proposal.save(update_fields=["flagged_at", "flag_reason"])
        record(
            actor=actor,
            action=AuditAction.FLAG,
            target=proposal,
            unit=proposal.unit,
            period=period,
            summary=proposal.flag_reason,
        )
        flagged.append(proposal)
    return flagged


@transaction.atomic
def reopen(proposal: Proposal, *, actor: str) -> Proposal:
    """A flagged list goes back to the unit: re-proposed from the current ranking, it needs
    a new decision and, after that, a new publicity notice."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.flagged_at is None:
        raise WorkflowRefused(_("Only a list flagged by a later change is reopened."))
    before = {
        "state": proposal.state,
        "candidates": candidate_snapshot(proposal),
        "flag": proposal.flag_reason,
    }
    Notice.objects.filter(proposal=proposal).delete()
    proposal.candidates.all().delete()
    proposal.state = ProposalState.DRAFT
    proposal.decided_hash, proposal.decided_at = "", None
    proposal.published_at, proposal.published_by = None, ""
    proposal.flagged_at, proposal.flag_reason = None, ""
    proposal.save()
    record(
        actor=actor,
        action=AuditAction.SUBMISSION,
        target=proposal,
        unit=proposal.unit,
        period=proposal.period,
        summary=_("Reopened for a new decision after a change of the ranking"),
        before=before,
    )
    return proposal


# ----------------------------------------------------------------------------------------
# Publicity and publication
# ----------------------------------------------------------------------------------------


@dataclass
class NoticeDetails:
    start: datetime.date
    issuing_body: str
    issued_on: datetime.date
    receiving_body: str
    phone: str
    address: str = ""


@transaction.atomic
def open_publicity(proposal: Proposal, details: NoticeDetails, *, actor: str) -> Notice:
    from jixiao.selection.publicity import publicity_end

    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.DECIDED:
        raise WorkflowRefused(_("Publicity starts once the committee has decided the list."))
    if proposal.flagged_at is not None:
        raise WorkflowRefused(
            _("The list needs a new decision first: %(why)s") % {"why": proposal.flag_reason}
        )
    if not decided_list_intact(proposal):
        raise WorkflowRefused(
            _("The decided list does not match its hash any more; it must be decided again.")
        )
    if not proposal.candidates.filter(verdict=Verdict.APPROVED).exists():
        raise WorkflowRefused(_("The committee approved nobody: there is nothing to publicise."))
    working_days = SelectionRules.objects.get(period=proposal.period).publicity_working_days
    end = publicity_end(details.start, working_days)
    notice = Notice.objects.create(
        proposal=proposal,
        start=details.start,
        working_days=working_days,
        end=end,
        issuing_body=details.issuing_body,
        issued_on=details.issued_on,
        receiving_body=details.receiving_body,
        phone=details.phone,
        address=details.address,
        created_by=actor,
    )
    proposal.state = ProposalState.PUBLICITY
    proposal.save(update_fields=["state"])
    record(
        actor=actor,
        action=AuditAction.NOTICE,
        target=notice,
        unit=proposal.unit,
        period=proposal.period,
        summary=_("Publicity from %(start)s to %(end)s (%(days)s working days)")
        % {"start": details.start.isoformat(), "end": end.isoformat(), "days": working_days},
        after={
            "start": details.start.isoformat(),
            "end": end.isoformat(),
            "issuing_body": details.issuing_body,
        },
    )
    return notice


@transaction.atomic
def record_objection(
    notice: Notice,
    candidate: Candidate,
    *,
    objector: str,
    objector_phone: str,
    received_at: datetime.datetime,
    content: str,
    actor: str,
) -> Objection:
    if notice.proposal.state != ProposalState.PUBLICITY:
        raise WorkflowRefused(_("Objections are recorded while the notice runs."))
    # The notice names the approved candidates not removed after an objection (rule 6).
    if (
        candidate.proposal_id != notice.proposal_id
        or candidate.verdict != Verdict.APPROVED
        or candidate.removed_at is not None
    ):
        raise WorkflowRefused(_("That person is not on this notice."))
    if not (objector.strip() and objector_phone.strip() and content.strip()):
        raise WorkflowRefused(_("An objection is taken in real name, with a phone number and its content."))
    objection = Objection.objects.create(
        notice=notice,
        candidate=candidate,
        objector=objector.strip(),
        objector_phone=objector_phone.strip(),
        received_at=received_at,
        content=content.strip(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=AuditAction.OBJECTION,
        target=objection,
        unit=notice.proposal.unit,
        period=notice.proposal.period,
        summary=_("Objection against %(name)s") % {"name": candidate.person.name},
        after={"objector": objection.objector, "content": objection.content},
    )
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, resolution: str, reason: str, *, actor: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("candidate__person").get(pk=objection.pk)
    if objection.resolution != Resolution.OPEN:
        raise WorkflowRefused(_("This objection has already been resolved."))
    if resolution not in (Resolution.UPHELD, Resolution.DISMISSED):
        raise WorkflowRefused(_("Choose whether the objection is upheld or dismissed."))
    if not reason.strip():
        raise WorkflowRefused(_("A resolution needs its reason."))
    now = timezone.now()
    objection.resolution, objection.resolution_reason = resolution, reason.strip()
    objection.resolved_by, objection.resolved_at = actor, now
    objection.save()
    if resolution == Resolution.UPHELD:
        # An upheld objection takes the person off the list (rule 6).
        Candidate.objects.filter(pk=objection.candidate_id).update(removed_at=now)
    record(
        actor=actor,
        action=AuditAction.OBJECTION_RESOLVED,
        target=objection,
        unit=objection.notice.proposal.unit,
        period=objection.notice.proposal.period,
        summary=_("Objection against %(name)s %(resolution)s")
        % {"name": objection.candidate.person.name, "resolution": objection.get_resolution_display()},
        before={"resolution": Resolution.OPEN},
        after={"resolution": resolution, "reason": objection.resolution_reason},
    )
    return objection


def publication_blockers(proposal: Proposal, today: datetime.date | None = None) -> list[str]:
    """Why the list cannot be published yet (empty when it can)."""
    today = today or timezone.localdate()
    if proposal.state != ProposalState.PUBLICITY:
        return [_("Only a list in publicity can be published.")]
    blockers = []
    notice = proposal.notice
    if today <= notice.end:
        blockers.append(_("The publicity runs until %(end)s.") % {"end": notice.end.isoformat()})
    open_count = notice.objections.filter(resolution=Resolution.OPEN).count()
    if open_count:
        blockers.append(_("%(count)s objections are not resolved.") % {"count": open_count})
    if proposal.flagged_at is not None:
        blockers.append(_("The list needs a new decision first: %(why)s") % {"why": proposal.flag_reason})
    if not decided_list_intact(proposal):
        blockers.append(_("The decided list does not match its hash any more."))
    return blockers


@transaction.atomic
def publish(proposal: Proposal, *, actor: str, today: datetime.date | None = None) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    blockers = publication_blockers(proposal, today)
    if blockers:
        raise WorkflowRefused(" ".join(blockers))
    proposal.state = ProposalState.PUBLISHED
    proposal.published_by, proposal.published_at = actor, timezone.now()
    proposal.save()
    list_published.send(sender=Proposal, proposal=proposal)
    exemplars = list(exemplar_candidates(proposal).values_list("person__staff_id", flat=True))
    record(
        actor=actor,
        action=AuditAction.PUBLICATION,
        target=proposal,
        unit=proposal.unit,
        period=proposal.period,
        summary=_("%(count)s exemplars published") % {"count": len(exemplars)},
        after={"exemplars": exemplars},
    )
    return proposal


def exemplar_candidates(proposal: Proposal):
    """Approved and not removed by an objection: the exemplars once published (rule 7)."""
    return proposal.candidates.filter(verdict=Verdict.APPROVED, removed_at__isnull=True)


# How lists of candidates and exemplars read: by unit, by-rank before special, then by
# category and rank.
LIST_ORDER = (
    "proposal__unit__sort_order",
    "proposal__unit_id",
    "route",
    "category__sort_order",
    "category_id",
    "rank",
    "person__staff_id",
)


def exemplars_everywhere():
    """The exemplars of every period: on a published list, approved, not removed (rule 7)."""
    return Candidate.objects.filter(
        proposal__state=ProposalState.PUBLISHED, verdict=Verdict.APPROVED, removed_at__isnull=True
    )


def exemplars(period: Period):
    return exemplars_everywhere().filter(proposal__period=period)


# ----------------------------------------------------------------------------------------
# The city's progress board
# ----------------------------------------------------------------------------------------


class Stage:
    """Where a unit stands; ordered, so a board can be filtered by 'at least'."""

    NO_SCORES = "no_scores"
    SCORING = "scoring"
    SCORED = "scored"
    RANKED = "ranked"
    ORDER = [NO_SCORES, SCORING, SCORED, RANKED, *ProposalState.values]


@dataclass
class UnitProgress:
    unit: Unit
    headcount: int = 0
    scored: int = 0
    ranked: int = 0
    by_rank: int = 0
    special: int = 0
    candidates: int = 0
    approved: int = 0
    exemplars: int = 0
    proposal: Proposal | None = None
    stage: str = Stage.NO_SCORES
    notes: list[str] = field(default_factory=list)

    @property
    def stage_label(self) -> str:
        return stage_label(self.stage)

    @property
    def flagged(self) -> bool:
        return self.proposal is not None and self.proposal.flagged_at is not None


def stage_label(stage: str) -> str:
    labels = {
        Stage.NO_SCORES: _("no scores yet"),
        Stage.SCORING: _("scores coming in"),
        Stage.SCORED: _("scores in"),
        Stage.RANKED: _("ranked"),
        ProposalState.DRAFT: _("ranked"),
    }
    return labels.get(stage) or ProposalState(stage).label


def progress_board(period: Period) -> list[UnitProgress]:
    """Every unit on the period's roster with its counts and stage; a few grouped queries."""
    current = ranking_is_current(period)
    rows: dict[int, UnitProgress] = {}
    units = Unit.objects.in_bulk(
        list(RosterEntry.objects.filter(period=period).values_list("unit_id", flat=True).distinct())
    )
    for row in RosterEntry.objects.filter(period=period).values("unit_id").annotate(n=Count("id")).order_by():
        rows[row["unit_id"]] = UnitProgress(unit=units[row["unit_id"]], headcount=row["n"])
    for row in (
        Score.objects.filter(entry__period=period).values("entry__unit_id").annotate(n=Count("pk")).order_by()
    ):
        if row["entry__unit_id"] in rows:
            rows[row["entry__unit_id"]].scored = row["n"]
    for row in (
        RankingResult.objects.filter(period=period)
        .values("unit_id")
        .annotate(ranked=Count("person_id"), by_rank=Count("person_id", filter=Q(outcome=Outcome.BY_RANK)))
        .order_by()
    ):
        if row["unit_id"] in rows:
            rows[row["unit_id"]].ranked, rows[row["unit_id"]].by_rank = row["ranked"], row["by_rank"]
    for row in (
        SpecialNomination.objects.filter(period=period, state=NominationState.PROPOSED)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["unit_id"] in rows:
            rows[row["unit_id"]].special = row["n"]
    proposals = {p.unit_id: p for p in Proposal.objects.filter(period=period)}
    for row in (
        Candidate.objects.filter(proposal__period=period)
        .values("proposal__unit_id")
        .annotate(
            n=Count("id"),
            approved=Count("id", filter=Q(verdict=Verdict.APPROVED)),
            kept=Count("id", filter=Q(verdict=Verdict.APPROVED, removed_at__isnull=True)),
        )
        .order_by()
    ):
        progress = rows.get(row["proposal__unit_id"])
        if progress is None:
            continue
        progress.candidates, progress.approved = row["n"], row["approved"]
        if proposals[row["proposal__unit_id"]].state == ProposalState.PUBLISHED:
            progress.exemplars = row["kept"]
    for unit_id, progress in rows.items():
        progress.proposal = proposals.get(unit_id)
        if progress.proposal is not None and progress.proposal.state != ProposalState.DRAFT:
            progress.stage = progress.proposal.state
        elif current and progress.ranked:
            progress.stage = Stage.RANKED
        elif progress.scored == progress.headcount and progress.headcount:
            progress.stage = Stage.SCORED
        elif progress.scored:
            progress.stage = Stage.SCORING
    return sorted(rows.values(), key=lambda p: (p.unit.sort_order, p.unit.pk))
