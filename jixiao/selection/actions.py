"""Every change of the selection: rules, rankings, nominations, a unit's way from proposal to
publication (DESIGN.md rules 1–7). One function a change.

Each action takes the actor as ``acting_user`` (a user account, or the command line's
``Operator``), runs in one transaction, checks that the period is open and that the actor
holds the role, refuses what the rules forbid with a ``Refused`` naming the rule, and writes
its own audit entry in that transaction. Views, commands and the admin call these.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.actions import guard_locked_change, lock_scores, require_open
from jixiao.assessment.changes import mark_period_changed
from jixiao.assessment.errors import AssessmentRefusal
from jixiao.assessment.models import Period, RosterEntry, Score, ScoreSource
from jixiao.assessment.totals import compute_totals
from jixiao.core.audit import AuditAction, record
from jixiao.core.refusals import Refused
from jixiao.core.text import clean_text, normalize_staff_id, plain_decimal
from jixiao.org.access import account_of, actor_name, require_city_admin, require_unit_role
from jixiao.org.models import RoleKind, Unit
from jixiao.selection import rules
from jixiao.selection.errors import SelectionRefusal
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
    RankingRun,
    Resolution,
    SelectionRules,
    SpecialNomination,
    Verdict,
)
from jixiao.selection.publicity import publicity_end
from jixiao.selection.ranking import peer_group_units, rank_period, ranking_is_current
from jixiao.selection.signals import list_published
from jixiao.selection.workflow import (
    candidate_snapshot,
    content_hash,
    current_candidates,
    decided_list_intact,
    list_changes,
    publication_blockers,
)

# Names the lock every ranking of a period takes on PostgreSQL (with the period's id).
RANKING_LOCK_KEY = 0x72616E6B  # "rank"


# ----------------------------------------------------------------------------------------
# Rules
# ----------------------------------------------------------------------------------------


@transaction.atomic
def change_rules(period: Period, changes: dict, *, acting_user) -> SelectionRules:
    """Set some of the period's rule settings (field name → value); the ranking is stale
    until computed again."""
    require_city_admin(acting_user)
    require_open(period)
    selection_rules = SelectionRules.objects.select_for_update().get(period=period)
    before = {name: getattr(selection_rules, name) for name in changes}
    changed = {name: value for name, value in changes.items() if before[name] != value}
    if not changed:
        return selection_rules
    for name, value in changed.items():
        setattr(selection_rules, name, value)
    try:
        selection_rules.full_clean()
    except ValidationError as error:
        raise Refused(SelectionRefusal.INVALID_RULES, problems=" ".join(error.messages)) from None
    selection_rules.save()
    mark_period_changed(period)
    labels = "、".join(str(SelectionRules._meta.get_field(name).verbose_name) for name in changed)
    record(
        actor=actor_name(acting_user),
        action=AuditAction.RULES,
        target=selection_rules,
        period=period,
        summary=_("Rules of %(code)s changed: %(fields)s") % {"code": period.code, "fields": labels},
        before={name: before[name] for name in changed},
        after=changed,
    )
    return selection_rules


def create_default_rules(sender, period: Period, **kwargs) -> None:
    """A new period gets the default rules (receiver of ``assessment.signals.period_created``,
    inside the period's creation)."""
    SelectionRules.objects.get_or_create(period=period)


# ----------------------------------------------------------------------------------------
# Ranking
# ----------------------------------------------------------------------------------------


def rank(period: Period, *, acting_user, unit: Unit | None = None, rate_limited: bool = True) -> RankingRun:
    """Compute the totals and the ranking of the unit's peer groups (the unit itself, its
    unit tree, or the whole city, as the period's peer scope says), or of the whole period
    without a unit; flag every submitted or decided list of those units that the new ranking
    would change. Rankings of one period run one at a time: the next waits for the first.
    A user account computes at most ``JIXIAO_RANKINGS_PER_MINUTE`` rankings a minute (a
    ranking another action makes for them, ``rate_limited=False``, is not refused)."""
    if rate_limited and account_of(acting_user) is not None:
        _check_ranking_rate(acting_user)
    try:
        return _rank(period, acting_user=acting_user, unit=unit)
    except OperationalError as error:
        # SQLite gave up waiting for the running one (its busy timeout).
        if "locked" in str(error):
            raise Refused(SelectionRefusal.RANKING_BUSY, period=period.code) from None
        raise


def _check_ranking_rate(acting_user) -> None:
    """Counted on the runs' own records, so every process of every machine sees the same."""
    limit = settings.JIXIAO_RANKINGS_PER_MINUTE
    recent = RankingRun.objects.filter(
        actor=actor_name(acting_user), ran_at__gte=timezone.now() - datetime.timedelta(minutes=1)
    ).count()
    if recent >= limit:
        raise Refused(SelectionRefusal.TOO_MANY_RANKINGS, count=recent, limit=limit)


def ranking_lock(period: Period) -> None:
    """Within a transaction: wait until no other ranking of the period runs, and keep the
    others waiting until this transaction ends. (SQLite runs one writing transaction at a
    time anyway: its transactions begin IMMEDIATE here.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RANKING_LOCK_KEY, int(period.pk)])


@transaction.atomic
def _rank(period: Period, *, acting_user, unit: Unit | None) -> RankingRun:
    if unit is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    ranking_lock(period)
    require_open(period)
    selection_rules = SelectionRules.objects.get(period=period)
    unit_ids = peer_group_units(unit, selection_rules.peer_scope)
    totals = compute_totals(period, unit_ids) if period.schemes.exists() else None
    actor = actor_name(acting_user)
    run = rank_period(period, actor=actor, unit=unit)
    scope = (
        _("the whole period")
        if run.unit_id is None
        else _("the peer groups of %(unit)s") % {"unit": unit.name}
    )
    record(
        actor=actor,
        action=AuditAction.RANKING,
        target=run,
        unit=run.unit,
        period=period,
        summary=_("%(count)s people ranked") % {"count": run.ranked} + f"（{scope}）",
        after={
            "ranked": run.ranked,
            "units": unit_ids,
            "peer_scope": selection_rules.peer_scope,
            "totals": None
            if totals is None
            else {"computed": totals.computed, "incomplete": totals.incomplete, "changed": totals.changed},
        },
    )
    # What the ranking computed and flagged, for the caller to tell the user.
    run.totals = totals
    run.flagged = flag_changed_proposals(period, actor=actor, unit_ids=unit_ids)
    return run


def flag_changed_proposals(
    period: Period, *, actor: str, unit_ids: list[int] | None = None
) -> list[Proposal]:
    """Within a ranking: flag every submitted or decided list (of these units) it would
    change. A decided list is never edited: it needs a new decision (rule 5)."""
    proposals = Proposal.objects.filter(period=period, flagged_at__isnull=True).exclude(
        state=ProposalState.DRAFT
    )
    if unit_ids is not None:
        proposals = proposals.filter(unit_id__in=unit_ids)
    flagged = []
    for proposal in proposals.select_related("unit", "period"):
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
def take_back_imported_total(entry: RosterEntry, *, acting_user, reason: str) -> Score | None:
    """An imported total overrides the scheme's until the unit takes it back: the person's
    total is then the scheme's again (or none, while the scheme's is incomplete). A veto
    imported with it stays. Where the unit's list is submitted (its scores locked), the
    unit is ranked again at once, so that a list the change alters is flagged."""
    require_unit_role(acting_user, entry.unit, RoleKind.ASSESSOR)
    require_open(entry.period)
    reason = reason.strip()
    if not reason:
        raise Refused(AssessmentRefusal.REASON_REQUIRED)
    ranking_lock(entry.period)
    score = Score.objects.select_for_update().filter(entry=entry).first()
    if score is None or score.source != ScoreSource.IMPORT:
        raise Refused(AssessmentRefusal.NO_OVERRIDE, name=entry.name)
    locked = guard_locked_change(
        entry.period,
        [entry.unit_id],
        acting_user=acting_user,
        reason=reason,
        what=_("imported total of %(name)s taken back") % {"name": entry.name},
        details={"staff_id": entry.person.staff_id, "total": format(score.total, "f")},
    )
    before = {"total": score.total, "source": score.source}
    Score.objects.filter(pk=score.pk).update(source=ScoreSource.SCHEME)
    compute_totals(entry.period, [entry.unit_id])
    mark_period_changed(entry.period, [entry.unit_id])
    record(
        actor=actor_name(acting_user),
        action=AuditAction.SCORE_CHANGE,
        target=entry,
        unit=entry.unit,
        period=entry.period,
        summary=_("The imported total of %(name)s was taken back: %(reason)s")
        % {"name": entry.name, "reason": reason},
        before=before,
        after=Score.objects.filter(entry=entry).values("total", "source").first(),
    )
    if locked:
        rank(entry.period, acting_user=acting_user, unit=entry.unit, rate_limited=False)
    return Score.objects.filter(entry=entry).first()


# ----------------------------------------------------------------------------------------
# Special nominations (rule 3)
# ----------------------------------------------------------------------------------------


@transaction.atomic
def nominate(
    period: Period, staff_id: str, reason: str, *, acting_user, unit: Unit | None = None
) -> SpecialNomination:
    """Nominate a person for an outstanding contribution, or refuse with the rule it breaks.

    Refused when the reason is shorter than the period's minimum, the person is not on the
    (unit's) roster or was not assessed, the ranking is out of date, the person is already
    eligible by rank or is vetoed, or the unit's cap of special nominations is reached.
    """
    if unit is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    selection_rules = SelectionRules.objects.get(period=period)
    staff_id = normalize_staff_id(staff_id)
    reason = reason.strip()
    if len(reason) < selection_rules.special_reason_min_length:
        raise Refused(
            SelectionRefusal.REASON_TOO_SHORT,
            minimum=selection_rules.special_reason_min_length,
            length=len(reason),
        )
    entry = (
        RosterEntry.objects.select_related("person", "unit")
        .filter(period=period, person__staff_id=staff_id)
        .first()
    )
    if entry is None:
        raise Refused(SelectionRefusal.NOT_ON_ROSTER, staff_id=staff_id, period=period.code)
    if unit is not None and entry.unit_id != unit.pk:
        raise Refused(
            SelectionRefusal.NOT_ON_UNIT_ROSTER, staff_id=staff_id, unit=unit.name, period=period.code
        )
    # One nomination at a time per unit, so two at once cannot both take the last place.
    Unit.objects.select_for_update().filter(pk=entry.unit_id).first()
    if not hasattr(entry, "score"):
        raise Refused(SelectionRefusal.NOT_ASSESSED, name=entry.name, period=period.code)
    if not ranking_is_current(period, entry.unit):
        raise Refused(SelectionRefusal.RANKING_OUT_OF_DATE, period=period.code)
    result = RankingResult.objects.get(period=period, person=entry.person)
    if result.outcome == Outcome.VETOED:
        raise Refused(SelectionRefusal.VETOED, name=entry.name, reason=result.reason)
    if result.outcome == Outcome.BY_RANK:
        raise Refused(SelectionRefusal.ELIGIBLE_BY_RANK, name=entry.name, reason=result.reason)
    if SpecialNomination.objects.filter(period=period, person=entry.person).exists():
        raise Refused(SelectionRefusal.ALREADY_NOMINATED, name=entry.name, period=period.code)
    headcount = RosterEntry.objects.filter(period=period, unit=entry.unit).count()
    cap = selection_rules.special_cap(headcount)
    used = SpecialNomination.objects.filter(
        period=period, unit=entry.unit, state=NominationState.PROPOSED
    ).count()
    if used + 1 > cap:
        raise Refused(
            SelectionRefusal.CAP_REACHED,
            unit=entry.unit.name,
            used=used,
            cap=cap,
            percent=plain_decimal(selection_rules.special_cap_percent),
            headcount=headcount,
        )
    actor = actor_name(acting_user)
    nomination = SpecialNomination.objects.create(
        period=period,
        person=entry.person,
        name=entry.name,
        unit=entry.unit,
        reason=reason,
        nominated_by=actor,
    )
    record(
        actor=actor,
        action=AuditAction.NOMINATION,
        target=nomination,
        unit=entry.unit,
        period=period,
        summary=f"{entry.person.staff_id} {entry.name}",
        after={"staff_id": entry.person.staff_id, "name": entry.name, "reason": reason},
    )
    return nomination


@transaction.atomic
def withdraw_nomination(nomination: SpecialNomination, *, acting_user) -> SpecialNomination:
    """The unit takes a special nomination back, while its list is not with the committee."""
    nomination = (
        SpecialNomination.objects.select_for_update().select_related("unit", "period").get(pk=nomination.pk)
    )
    require_unit_role(acting_user, nomination.unit, RoleKind.ASSESSOR)
    require_open(nomination.period)
    proposal = Proposal.objects.filter(period=nomination.period, unit=nomination.unit).first()
    if proposal is not None and proposal.state != ProposalState.DRAFT:
        raise Refused(SelectionRefusal.NOMINATION_AFTER_SUBMISSION)
    if nomination.state != NominationState.PROPOSED:
        raise Refused(SelectionRefusal.NOMINATION_NOT_PROPOSED, name=nomination.name)
    actor = actor_name(acting_user)
    nomination.state = NominationState.WITHDRAWN
    nomination.withdrawn_by, nomination.withdrawn_at = actor, timezone.now()
    nomination.save(update_fields=["state", "withdrawn_by", "withdrawn_at"])
    record(
        actor=actor,
        action=AuditAction.WITHDRAWAL,
        target=nomination,
        unit=nomination.unit,
        period=nomination.period,
        summary=_("Nomination of %(name)s withdrawn.") % {"name": nomination.name},
        before={"state": NominationState.PROPOSED},
        after={"state": NominationState.WITHDRAWN},
    )
    return nomination


# ----------------------------------------------------------------------------------------
# Proposal and the committee's decision (rule 5)
# ----------------------------------------------------------------------------------------


def proposal_for(period: Period, unit: Unit) -> Proposal:
    proposal, _created = Proposal.objects.get_or_create(period=period, unit=unit)
    return proposal


def proposal_to_act_on(proposal: Proposal, acting_user, *roles: str) -> Proposal:
    """Within an action: the proposal afresh, locked until the transaction ends, once the
    actor's role in its unit and the period's being open are checked."""
    proposal = Proposal.objects.select_for_update().select_related("unit", "period").get(pk=proposal.pk)
    require_unit_role(acting_user, proposal.unit, *roles)
    require_open(proposal.period)
    return proposal


@transaction.atomic
def submit(period: Period, unit: Unit, *, acting_user) -> Proposal:
    """The assessor submits the unit's candidates to the committee. From now on the unit's
    scores are locked: a change needs a reason and flags the list at once if it alters it."""
    require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_for(period, unit).pk).get()
    if proposal.state != ProposalState.DRAFT:
        raise Refused(SelectionRefusal.ALREADY_SUBMITTED)
    if not ranking_is_current(period, unit):
        raise Refused(SelectionRefusal.RANKING_STALE)
    people = current_candidates(period, unit)
    if not people:
        raise Refused(SelectionRefusal.NOBODY_TO_PROPOSE)
    proposal.candidates.all().delete()
    Candidate.objects.bulk_create(
        Candidate(
            proposal=proposal,
            person_id=p.person_id,
            name=p.name,
            gender=p.gender,
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
    actor = actor_name(acting_user)
    proposal.state = ProposalState.SUBMITTED
    proposal.submitted_by, proposal.submitted_at = actor, timezone.now()
    proposal.flagged_at, proposal.flag_reason = None, ""
    proposal.save()
    lock_scores(period, unit, acting_user=acting_user, summary=_("scores locked: the list was submitted"))
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
    acting_user,
) -> Proposal:
    """Record the meeting and a decision for every candidate (candidate id → verdict and,
    for a rejection, its reason); then freeze the list with its content hash."""
    proposal = proposal_to_act_on(proposal, acting_user, RoleKind.SECRETARY)
    if proposal.state != ProposalState.SUBMITTED:
        raise Refused(SelectionRefusal.NOT_SUBMITTED)
    if proposal.flagged_at is not None:
        # The committee would decide a list the ranking no longer supports.
        raise Refused(SelectionRefusal.NEEDS_NEW_DECISION, why=proposal.flag_reason)
    problems = []
    if meeting.date < proposal.period.start:
        # A date from years ago is a typing slip: the meeting decides this period's list.
        problems.append(
            _("The meeting date %(date)s is before %(period)s began (%(start)s).")
            % {"date": meeting.date, "period": proposal.period.code, "start": proposal.period.start}
        )
    if meeting.present > meeting.members:
        problems.append(_("More members present than the committee has."))
    elif not rules.has_quorum(meeting.members, meeting.present):
        problems.append(_("Fewer than half of the members were present: the meeting cannot decide."))
    candidates = list(proposal.candidates.all())
    for candidate in candidates:
        verdict, reason = verdicts.get(candidate.pk, (Verdict.PENDING, ""))
        if verdict not in (Verdict.APPROVED, Verdict.REJECTED):
            problems.append(_("No decision for %(name)s.") % {"name": candidate.name})
        elif verdict == Verdict.REJECTED and not reason.strip():
            problems.append(_("The rejection of %(name)s needs a reason.") % {"name": candidate.name})
    if problems:
        raise Refused(SelectionRefusal.DECISION_INCOMPLETE, problems=" ".join(problems))
    actor = actor_name(acting_user)
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


@transaction.atomic
def reopen(proposal: Proposal, *, acting_user, reason: str) -> Proposal:
    """A flagged list goes back to the unit: re-proposed from the current ranking, it needs
    a new decision and, after that, a new publicity notice. The committee's decision and any
    notice are cleared, so the unit's office says why (kept in the audit log)."""
    proposal = proposal_to_act_on(proposal, acting_user, RoleKind.ASSESSOR)
    if proposal.flagged_at is None:
        raise Refused(SelectionRefusal.NOT_FLAGGED)
    reason = clean_text(reason or "")
    if not reason:
        raise Refused(SelectionRefusal.REOPEN_WITHOUT_REASON)
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
        actor=actor_name(acting_user),
        action=AuditAction.SUBMISSION,
        target=proposal,
        unit=proposal.unit,
        period=proposal.period,
        summary=_("Reopened for a new decision after a change of the ranking: %(reason)s")
        % {"reason": reason},
        before=before,
        after={"state": ProposalState.DRAFT, "reason": reason},
    )
    return proposal


# ----------------------------------------------------------------------------------------
# Publicity and publication (rules 6 and 7)
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
def open_publicity(proposal: Proposal, details: NoticeDetails, *, acting_user) -> Notice:
    """Issue the publicity notice of a decided list: it runs the period's number of working
    days on the official calendar."""
    proposal = proposal_to_act_on(proposal, acting_user, RoleKind.ASSESSOR)
    if proposal.state != ProposalState.DECIDED:
        raise Refused(SelectionRefusal.NOT_DECIDED)
    if proposal.flagged_at is not None:
        raise Refused(SelectionRefusal.NEEDS_NEW_DECISION, why=proposal.flag_reason)
    if not decided_list_intact(proposal):
        raise Refused(SelectionRefusal.HASH_MISMATCH)
    if not proposal.candidates.kept().exists():
        raise Refused(SelectionRefusal.NOBODY_APPROVED)
    decided_on = proposal.meetings.values_list("date", flat=True).first()
    if decided_on is not None and details.start < decided_on:
        raise Refused(SelectionRefusal.NOTICE_BEFORE_DECISION, start=details.start, decided=decided_on)
    if details.issued_on > details.start:
        raise Refused(
            SelectionRefusal.NOTICE_ISSUED_AFTER_START, issued=details.issued_on, start=details.start
        )
    working_days = SelectionRules.objects.get(period=proposal.period).publicity_working_days
    end = publicity_end(details.start, working_days)
    actor = actor_name(acting_user)
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
    acting_user,
) -> Objection:
    notice = Notice.objects.select_related("proposal__unit", "proposal__period").get(pk=notice.pk)
    proposal = notice.proposal
    require_unit_role(acting_user, proposal.unit, RoleKind.ASSESSOR)
    require_open(proposal.period)
    if proposal.state != ProposalState.PUBLICITY:
        raise Refused(SelectionRefusal.NOT_IN_PUBLICITY)
    # The notice names the approved candidates not removed after an objection (rule 6).
    if candidate.proposal_id != notice.proposal_id or not candidate.kept:
        raise Refused(SelectionRefusal.NOT_ON_NOTICE)
    if not (objector.strip() and objector_phone.strip() and content.strip()):
        raise Refused(SelectionRefusal.OBJECTION_INCOMPLETE)
    objection = Objection.objects.create(
        notice=notice,
        candidate=candidate,
        objector=objector.strip(),
        objector_phone=objector_phone.strip(),
        received_at=received_at,
        content=content.strip(),
        recorded_by=actor_name(acting_user),
    )
    record(
        actor=actor_name(acting_user),
        action=AuditAction.OBJECTION,
        target=objection,
        unit=proposal.unit,
        period=proposal.period,
        summary=_("Objection against %(name)s") % {"name": candidate.name},
        after={"objector": objection.objector, "content": objection.content},
    )
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, resolution: str, reason: str, *, acting_user) -> Objection:
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("candidate", "notice__proposal__unit", "notice__proposal__period")
        .get(pk=objection.pk)
    )
    proposal = objection.notice.proposal
    require_unit_role(acting_user, proposal.unit, RoleKind.ASSESSOR, RoleKind.SECRETARY)
    require_open(proposal.period)
    if objection.resolution != Resolution.OPEN:
        raise Refused(SelectionRefusal.ALREADY_RESOLVED)
    if resolution not in (Resolution.UPHELD, Resolution.DISMISSED):
        raise Refused(SelectionRefusal.CHOOSE_RESOLUTION)
    if not reason.strip():
        raise Refused(SelectionRefusal.RESOLUTION_NEEDS_REASON)
    now = timezone.now()
    actor = actor_name(acting_user)
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
        unit=proposal.unit,
        period=proposal.period,
        summary=_("Objection against %(name)s %(resolution)s")
        % {"name": objection.candidate.name, "resolution": objection.get_resolution_display()},
        before={"resolution": Resolution.OPEN},
        after={"resolution": resolution, "reason": objection.resolution_reason},
    )
    return objection


@transaction.atomic
def publish(proposal: Proposal, *, acting_user, today: datetime.date | None = None) -> Proposal:
    """The city publishes a list after its publicity: its exemplars become public."""
    require_city_admin(acting_user)
    proposal = Proposal.objects.select_for_update().select_related("unit", "period").get(pk=proposal.pk)
    require_open(proposal.period)
    blockers = publication_blockers(proposal, today)
    if blockers:
        raise Refused(SelectionRefusal.NOT_PUBLISHABLE, blockers=" ".join(blockers))
    actor = actor_name(acting_user)
    proposal.state = ProposalState.PUBLISHED
    proposal.published_by, proposal.published_at = actor, timezone.now()
    proposal.save()
    list_published.send(sender=Proposal, proposal=proposal)
    exemplars = list(proposal.candidates.kept().values_list("person__staff_id", flat=True))
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
