"""What a unit's way from ranking to published exemplars reads (DESIGN.md rules 5–7): who
would be proposed, the frozen list's content hash, what keeps a list from publication, who
the exemplars are, and the city's progress board. The steps themselves are the actions of
``selection.actions``.

propose → the committee decides every candidate (the decided list is frozen with a content
hash) → publicity notice for N working days, objections resolved → the city publishes.
A later ranking that would change a decided list never edits it: it flags the proposal and
the unit reopens it for a new decision.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, RosterEntry, Score
from jixiao.org.models import Unit
from jixiao.selection.models import (
    KEPT,
    Candidate,
    NominationState,
    Outcome,
    Proposal,
    ProposalState,
    RankingResult,
    Resolution,
    Route,
    SpecialNomination,
    Verdict,
)
from jixiao.selection.ranking import stale_unit_ids

# ----------------------------------------------------------------------------------------
# Proposing
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedPerson:
    person_id: int
    name: str
    gender: str
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
    roster = {
        person_id: (name, gender, post)
        for person_id, name, gender, post in RosterEntry.objects.filter(period=period, unit=unit).values_list(
            "person_id", "name", "gender", "post"
        )
    }
    people = [
        ProposedPerson(
            r.person_id,
            *roster[r.person_id][:2],
            r.category_id,
            Route.BY_RANK,
            r.total,
            r.rank,
            r.group_size,
            roster[r.person_id][2],
        )
        for r in results.values()
        if r.outcome == Outcome.BY_RANK and r.person_id in roster
    ]
    for nomination in SpecialNomination.objects.filter(
        period=period, unit=unit, state=NominationState.PROPOSED
    ):
        result = results.get(nomination.person_id)
        if result is None or result.outcome != Outcome.NOT_SELECTED or result.person_id not in roster:
            continue
        people.append(
            ProposedPerson(
                result.person_id,
                *roster[result.person_id][:2],
                result.category_id,
                Route.SPECIAL,
                result.total,
                result.rank,
                result.group_size,
                roster[result.person_id][2],
                nomination.reason,
            )
        )
    return people


def candidate_snapshot(proposal: Proposal) -> list[dict]:
    """The decided list's content in a canonical order: what the hash covers."""
    rows = proposal.candidates.select_related("person").order_by("person__staff_id", "route")
    return [
        {
            "staff_id": c.person.staff_id,
            "name": c.name,
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
# Frozen lists and later changes
# ----------------------------------------------------------------------------------------


def list_changes(proposal: Proposal) -> tuple[list[str], list[str]]:
    """Names the current ranking would add to and take off the submitted list."""
    listed = list(proposal.candidates.all())
    current = current_candidates(proposal.period, proposal.unit)
    proposed = {(c.person_id, c.route) for c in listed}
    now = {(p.person_id, p.route) for p in current}
    names = {c.person_id: c.name for c in listed} | {p.person_id: p.name for p in current}
    added = sorted(names[pid] for pid, _r in now - proposed)
    removed = sorted(names[pid] for pid, _r in proposed - now)
    return added, removed


# ----------------------------------------------------------------------------------------
# Publicity and publication
# ----------------------------------------------------------------------------------------


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


def exemplars(period: Period):
    """The period's exemplars (rule 7): ``Candidate.objects.exemplars()`` of one period."""
    return Candidate.objects.exemplars().filter(proposal__period=period)


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
    stale = stale_unit_ids(period)
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
            kept=Count("id", filter=KEPT),
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
        elif progress.ranked and unit_id not in stale:
            progress.stage = Stage.RANKED
        elif progress.scored == progress.headcount and progress.headcount:
            progress.stage = Stage.SCORED
        elif progress.scored:
            progress.stage = Stage.SCORING
    return sorted(rows.values(), key=lambda p: (p.unit.sort_order, p.unit.pk))
