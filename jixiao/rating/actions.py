"""Every change of online rating: one function a change.

The office's actions (open a round, issue and re-issue codes, move the closing time, close
and count) take the actor as ``acting_user``, check the role and the period, and write their
audit entry in the same transaction. A rater's actions take the code: opening it and saving
the draft are the rater's own work in progress (not audited, like a half-filled paper form);
the final submission is audited by slip number, never with the holder or the scores.

Counting turns the submitted drafts into a rater-scores file and imports it through
``imports.actions.import_file``, the action behind every import: the same checks, one audit
entry, all or nothing. Then the drafts and rater tokens are erased, so nothing left in the
database links a code, or its holder, to the scores.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.actions import recompute_totals, require_open
from jixiao.assessment.models import Period, RaterGroup, RollUp, RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core.audit import AuditAction, record
from jixiao.core.refusals import Refused
from jixiao.core.text import clean_text
from jixiao.imports.actions import ImportResult, import_file
from jixiao.imports.assessment_scores import RATER_SCORE_COLUMNS
from jixiao.imports.source import read_source
from jixiao.org.access import actor_name, require_city_admin, require_unit_role
from jixiao.org.models import Category, Person, RoleKind, Unit
from jixiao.rating import codes, guessing
from jixiao.rating.errors import RatingRefusal
from jixiao.rating.models import (
    BatchScope,
    DraftScore,
    RatingBatch,
    RatingCode,
    RatingRound,
    RoundState,
)
from jixiao.rating.sheets import Sheet, draft_scores, rated_indicators, rated_people, sheet_for

MAX_CODES_PER_BATCH = 2000


def require_round_office(acting_user, round_: RatingRound) -> None:
    """A unit's round is run by the unit's assessment office (or the city's); a city-wide
    round by the city's office."""
    if round_.unit_id is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, round_.unit, RoleKind.ASSESSOR)


def _require_not_counted(round_: RatingRound) -> None:
    state = RatingRound.objects.filter(pk=round_.pk).values_list("state", flat=True).first()
    if state == RoundState.COUNTED:
        raise Refused(RatingRefusal.ROUND_COUNTED, name=round_.name)


# ----------------------------------------------------------------------------------------
# The office
# ----------------------------------------------------------------------------------------


@transaction.atomic
def create_round(
    *,
    period: Period,
    category: Category,
    unit: Unit | None,
    name: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    sub_period: int = 1,
    acting_user,
) -> RatingRound:
    """Open a rating round for the unit's people of the category (every unit's, with no
    unit) in the period's sub-period, between ``opens_at`` and ``closes_at``."""
    if unit is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    if closes_at <= opens_at:
        raise Refused(RatingRefusal.BAD_TIMES)
    if unit is not None:
        _rated_scheme(period, unit, category, sub_period)
    name = clean_text(name)[:100] or _("%(period)s %(category)s online rating") % {
        "period": period.code,
        "category": category.name,
    }
    while True:
        key = codes.new_round_key()
        if not RatingRound.objects.filter(key=key).exists():
            break
    round_ = RatingRound.objects.create(
        period=period,
        category=category,
        unit=unit,
        sub_period=sub_period,
        name=name,
        key=key,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor_name(acting_user),
    )
    record(
        actor=actor_name(acting_user),
        action=AuditAction.RATING,
        target=round_,
        unit=unit,
        period=period,
        summary=_("online rating round %(name)s opened, %(opens)s to %(closes)s")
        % {"name": name, "opens": _local(opens_at), "closes": _local(closes_at)},
        after={
            "category": category.name,
            "sub_period": sub_period,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "key": key,
        },
    )
    return round_


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _rated_scheme(period: Period, unit: Unit, category: Category, sub_period: int):
    scheme = applicable_scheme(period, unit.pk, category.pk)
    if scheme is None:
        raise Refused(RatingRefusal.NO_SCHEME, unit=unit.name, category=category.name, period=period.code)
    if not rated_indicators(scheme):
        raise Refused(RatingRefusal.NO_RATED_INDICATORS, scheme=scheme.name)
    if not 1 <= sub_period <= scheme.sub_period_count:
        raise Refused(RatingRefusal.BAD_SUB_PERIOD, scheme=scheme.name, number=sub_period)
    return scheme


@dataclass
class IssuedCode:
    """A code as issued: the only time its text exists outside the rater's slip."""

    code: RatingCode
    text: str

    @property
    def shown(self) -> str:
        return codes.shown(self.text)


@transaction.atomic
def issue_codes(
    round_: RatingRound,
    *,
    group: RaterGroup,
    acting_user,
    unit: Unit | None = None,
    count: int = 0,
    holders: list[Person] = (),
    scope: str = BatchScope.ALL,
    rated: list[RosterEntry] = (),
    label: str = "",
) -> list[IssuedCode]:
    """Issue one batch of codes for ``group``: ``count`` anonymous codes, or one code bound
    to each of ``holders`` (who then never score themselves). They score everyone of the
    unit and category, or (scope ``listed``) the people in ``rated``."""
    require_round_office(acting_user, round_)
    require_open(round_.period)
    _require_not_counted(round_)
    unit = _batch_unit(round_, unit)
    scheme = _rated_scheme(round_.period, unit, round_.category, round_.sub_period)
    groups = {g.group_id for g in scheme.rater_groups.all()}
    if group.pk not in groups:
        raise Refused(
            RatingRefusal.GROUP_NOT_IN_SCHEME,
            group=group.name,
            scheme=scheme.name,
            groups="、".join(g.group.name for g in scheme.rater_groups.select_related("group")),
        )
    holders = list(dict.fromkeys(holders))
    number = len(holders) or count
    if not 1 <= number <= MAX_CODES_PER_BATCH:
        raise Refused(RatingRefusal.BAD_COUNT, maximum=MAX_CODES_PER_BATCH)
    if scope == BatchScope.LISTED:
        rated = list(dict.fromkeys(rated))
        outside = [
            e
            for e in rated
            if e.period_id != round_.period_id or e.unit_id != unit.pk or e.category_id != round_.category_id
        ]
        if outside:
            raise Refused(
                RatingRefusal.NOT_ON_ROSTER,
                name=outside[0].name,
                unit=unit.name,
                category=round_.category.name,
            )
    batch = RatingBatch.objects.create(
        round=round_, group=group, unit=unit, scope=scope, label=clean_text(label)[:50]
    )
    if scope == BatchScope.LISTED:
        batch.rated.set(rated)
    everyone = rated_people(batch).count()
    if everyone == 0 or (everyone == 1 and any(_holds_only_self(batch, holder) for holder in holders)):
        raise Refused(RatingRefusal.NOBODY_TO_RATE)
    _refuse_second_codes(round_, group, holders)
    first = (
        RatingCode.objects.filter(round=round_)
        .order_by("-slip_number")
        .values_list("slip_number", flat=True)
        .first()
        or 0
    ) + 1
    now = timezone.now()
    issued = []
    for offset, holder in enumerate(holders or [None] * count):
        text = codes.new_code()
        code = RatingCode(
            round=round_,
            batch=batch,
            group=group,
            slip_number=first + offset,
            code_hash=codes.code_hash(text),
            person=holder,
            rater_token=codes.new_rater_token(),
            issued_at=now,
        )
        issued.append(IssuedCode(code, text))
    try:
        with transaction.atomic():
            RatingCode.objects.bulk_create([i.code for i in issued])
    except IntegrityError:
        # Two offices issuing into one round at the same instant took the same slip numbers.
        raise Refused(RatingRefusal.BAD_COUNT, maximum=MAX_CODES_PER_BATCH) from None
    record(
        actor=actor_name(acting_user),
        action=AuditAction.RATING,
        target=round_,
        unit=unit,
        period=round_.period,
        summary=_("%(count)s codes issued for %(group)s (slips %(first)s–%(last)s)")
        % {"count": len(issued), "group": group.name, "first": first, "last": first + len(issued) - 1},
        after={
            "batch": batch.pk,
            "group": group.name,
            "unit": unit.name,
            "scope": scope,
            "rated": everyone,
            "slips": [first, first + len(issued) - 1],
            "bound": bool(holders),
        },
    )
    return issued


def _holds_only_self(batch: RatingBatch, holder: Person) -> bool:
    return not rated_people(batch, exclude_person_id=holder.pk).exists()


def _batch_unit(round_: RatingRound, unit: Unit | None) -> Unit:
    if round_.unit_id is not None:
        if unit is not None and unit.pk != round_.unit_id:
            raise Refused(RatingRefusal.OTHER_UNIT, unit=round_.unit.name)
        return round_.unit
    if unit is None:
        raise Refused(RatingRefusal.UNIT_REQUIRED)
    return unit


def _refuse_second_codes(round_: RatingRound, group: RaterGroup, holders: list[Person]) -> None:
    if not holders:
        return
    taken = (
        RatingCode.objects.filter(round=round_, group=group, person__in=holders)
        .select_related("person")
        .order_by("slip_number")
        .first()
    )
    if taken is not None:
        raise Refused(
            RatingRefusal.ALREADY_HOLDS_CODE, name=taken.person.name, group=group.name, slip=taken.slip_number
        )


@transaction.atomic
def reissue_code(round_: RatingRound, slip_number: int, *, acting_user) -> IssuedCode:
    """A lost slip gets a new code; the old one stops working at once. Its draft is
    dropped too (whoever found the slip may have started it)."""
    require_round_office(acting_user, round_)
    require_open(round_.period)
    _require_not_counted(round_)
    code = RatingCode.objects.select_for_update().filter(round=round_, slip_number=slip_number).first()
    if code is None:
        raise Refused(RatingRefusal.NO_SUCH_SLIP, slip=slip_number)
    if code.submitted_at is not None:
        raise Refused(RatingRefusal.SLIP_SUBMITTED, slip=slip_number)
    text = codes.new_code()
    DraftScore.objects.filter(code=code).delete()
    code.code_hash = codes.code_hash(text)
    code.issue += 1
    code.issued_at = timezone.now()
    code.opened_at = code.saved_at = None
    code.rater_token = codes.new_rater_token()
    code.save()
    record(
        actor=actor_name(acting_user),
        action=AuditAction.RATING,
        target=round_,
        unit=code.batch.unit,
        period=round_.period,
        summary=_("slip %(slip)s re-issued with a new code (issue %(issue)s); the old code no longer works")
        % {"slip": slip_number, "issue": code.issue},
        after={"slip": slip_number, "issue": code.issue},
    )
    return IssuedCode(code, text)


@transaction.atomic
def set_closing_time(round_: RatingRound, closes_at: datetime.datetime, *, acting_user) -> RatingRound:
    """Extend the round, or close it early (raters can no longer open or submit)."""
    require_round_office(acting_user, round_)
    require_open(round_.period)
    _require_not_counted(round_)
    if closes_at <= round_.opens_at:
        raise Refused(RatingRefusal.BAD_TIMES)
    before = round_.closes_at
    round_.closes_at = closes_at
    round_.save(update_fields=["closes_at"])
    record(
        actor=actor_name(acting_user),
        action=AuditAction.RATING,
        target=round_,
        unit=round_.unit,
        period=round_.period,
        summary=_("closing time of %(name)s moved from %(before)s to %(after)s")
        % {"name": round_.name, "before": _local(before), "after": _local(closes_at)},
        before={"closes_at": before},
        after={"closes_at": closes_at},
    )
    return round_


@dataclass
class Counted:
    round: RatingRound
    submitted: int
    issued: int
    scores: int
    result: ImportResult


def count_round(round_: RatingRound, *, acting_user, reason: str | None = None) -> Counted:
    """Close the round (now, if it was still open) and make its submitted scores the
    period's rater scores, through the import action: all or nothing. ``reason`` is needed
    where the unit's scores are locked, as for any import."""
    require_round_office(acting_user, round_)
    require_open(round_.period)
    with transaction.atomic():
        round_ = RatingRound.objects.select_for_update().get(pk=round_.pk)
        _require_not_counted(round_)
        now = timezone.now()
        submitted = RatingCode.objects.filter(round=round_, submitted_at__isnull=False)
        if not submitted.exists():
            raise Refused(RatingRefusal.NOTHING_SUBMITTED, name=round_.name)
        data, scores = _rater_scores_file(round_)
        source = read_source(
            data, RATER_SCORE_COLUMNS, name=_("online rating %(key)s.csv") % {"key": round_.key}
        )
        result = import_file(
            "rater-scores",
            round_.period,
            source,
            acting_user=acting_user,
            unit=round_.unit,
            reason=reason,
        )
        issued = RatingCode.objects.filter(round=round_).count()
        submitted_count = submitted.count()
        # Nothing may link a code (or its holder) to the scores any more.
        DraftScore.objects.filter(code__round=round_).delete()
        RatingCode.objects.filter(round=round_).update(rater_token="")
        round_.state = RoundState.COUNTED
        round_.closes_at = min(round_.closes_at, now)
        round_.counted_at = now
        round_.counted_by = actor_name(acting_user)
        round_.import_record = result.record
        round_.save()
        record(
            actor=actor_name(acting_user),
            action=AuditAction.RATING,
            target=round_,
            unit=round_.unit,
            period=round_.period,
            summary=_(
                "online rating %(name)s closed and counted: %(submitted)s of %(issued)s codes submitted, %(scores)s scores"
            )
            % {"name": round_.name, "submitted": submitted_count, "issued": issued, "scores": scores},
            after={
                "submitted": submitted_count,
                "issued": issued,
                "scores": scores,
                "import": result.record.pk,
            },
        )
        recompute_totals(round_.period, acting_user=acting_user, unit=round_.unit)
    return Counted(round_, submitted_count, issued, scores, result)


def _sub_period_text(round_: RatingRound, scheme) -> str:
    """The 期间 cell the import reads back as the round's sub-period."""
    rhythm = RollUp(scheme.roll_up)
    start = round_.period.start.month
    if rhythm == RollUp.MONTHLY:
        return f"{start + round_.sub_period - 1}月"
    if rhythm == RollUp.QUARTERLY:
        return f"{(start + 2) // 3 + round_.sub_period - 1}季度"
    return ""


def _rater_scores_file(round_: RatingRound) -> tuple[bytes, int]:
    """The submitted drafts as the rater-scores file a unit would import: one row per rater
    and person, under the code's random rater token."""
    drafts = (
        DraftScore.objects.filter(code__round=round_, code__submitted_at__isnull=False)
        .values_list(
            "code__rater_token",
            "code__group__name",
            "entry__person__staff_id",
            "entry__unit_id",
            "indicator__name",
            "score_cents",
        )
        .order_by("entry__unit_id", "entry_id", "code__group_id", "code__rater_token")
    )
    rows: dict[tuple, dict[str, int]] = {}
    indicators: dict[str, None] = {}
    sub_periods: dict[int, str] = {}
    count = 0
    for token, group, staff_id, unit_id, indicator, cents in drafts.iterator(chunk_size=5000):
        if unit_id not in sub_periods:
            sub_periods[unit_id] = _sub_period_text(
                round_, applicable_scheme(round_.period, unit_id, round_.category_id)
            )
        rows.setdefault((staff_id, group, token, sub_periods[unit_id]), {})[indicator] = cents
        indicators.setdefault(indicator)
        count += 1
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工号", "评价主体", "评价人", "期间", *indicators])
    for (staff_id, group, token, sub_period), scored in rows.items():
        writer.writerow(
            [
                staff_id,
                group,
                token,
                sub_period,
                *(_points(scored[name]) if name in scored else "" for name in indicators),
            ]
        )
    return out.getvalue().encode("utf-8"), count


def _points(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# ----------------------------------------------------------------------------------------
# The rater
# ----------------------------------------------------------------------------------------


def open_code(text: str, *, address: str, round_key: str = "") -> RatingCode:
    """The code a rater typed, checked: not guessed too often from this address, known,
    of an open round, not yet submitted. Marks it opened the first time."""
    guessing.check(address, round_key)
    typed = codes.normalize(text)
    code = None
    if typed is not None:
        code = (
            RatingCode.objects.select_related("round", "round__period", "batch", "group")
            .filter(code_hash=codes.code_hash(typed))
            .first()
        )
    if code is None or (round_key and code.round.key != round_key):
        guessing.failed(address, round_key)
        raise Refused(RatingRefusal.CODE_UNKNOWN)
    require_usable(code)
    if code.opened_at is None:
        RatingCode.objects.filter(pk=code.pk, opened_at__isnull=True).update(opened_at=timezone.now())
    return code


def require_usable(code: RatingCode, *, now: datetime.datetime | None = None) -> None:
    """Refuse a code whose scores were submitted or whose round is not open now."""
    now = now or timezone.now()
    round_ = code.round
    if code.submitted_at is not None:
        raise Refused(RatingRefusal.CODE_USED)
    if round_.state == RoundState.COUNTED or now >= round_.closes_at:
        raise Refused(RatingRefusal.ROUND_CLOSED, time=_local(round_.closes_at))
    if now < round_.opens_at:
        raise Refused(RatingRefusal.ROUND_NOT_OPEN, time=_local(round_.opens_at))


def _hold_round(round_id: int) -> None:
    """Keep the round from being counted until this transaction ends, and let a count in
    progress finish first: a score saved or submitted while the round's scores are read
    would be lost with the drafts. SQLite runs one writer at a time (transactions begin
    IMMEDIATE here), so only PostgreSQL needs the lock; a share lock, so raters do not wait
    for each other."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(RatingRound._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [round_id])


def _fresh(code: RatingCode) -> RatingCode:
    """The code, checked against the database now and locked against a concurrent
    submission. Only what can change while a rater works is read again (whether it was
    submitted or re-issued, the round's state and times); the rest is the code's as held."""
    _hold_round(code.round_id)
    now_held = (
        RatingCode.objects.select_for_update(of=("self",))
        .filter(pk=code.pk, code_hash=code.code_hash)
        .values("submitted_at", "round__state", "round__opens_at", "round__closes_at")
        .first()
    )
    if now_held is None:  # re-issued meanwhile: the old code is dead
        raise Refused(RatingRefusal.CODE_UNKNOWN)
    code.submitted_at = now_held["submitted_at"]
    code.round.state = now_held["round__state"]
    code.round.opens_at = now_held["round__opens_at"]
    code.round.closes_at = now_held["round__closes_at"]
    require_usable(code)
    return code


def save_draft(
    code: RatingCode, entered: dict[tuple[int, int], int | None], *, sheet: Sheet | None = None
) -> Sheet:
    """Keep the rater's entries ((entry, indicator) → hundredths, None to clear) as the
    draft. Entries outside the sheet are ignored; a score out of range is refused.
    ``sheet``: the code's sheet as this request already built it (its draft is read again
    under the lock), saving the work of building it twice on every keystroke's save."""
    with transaction.atomic():
        code = _fresh(code)
        if sheet is None or sheet.code.pk != code.pk:
            sheet = sheet_for(code)
        else:
            sheet.scores = draft_scores(code)
        allowed = set(sheet.keys)
        full = sheet.full_marks_cents()
        names = {i.pk: i.name for i in sheet.indicators}
        for (entry_id, indicator_id), cents in entered.items():
            if (
                (entry_id, indicator_id) in allowed
                and cents is not None
                and not 0 <= cents <= full[indicator_id]
            ):
                raise Refused(
                    RatingRefusal.SCORE_OUT_OF_RANGE,
                    indicator=names[indicator_id],
                    full=_points(full[indicator_id]).removesuffix(".00"),
                )
        changes = {
            key: cents for key, cents in entered.items() if key in allowed and sheet.scores.get(key) != cents
        }
        cleared = [key for key, cents in changes.items() if cents is None]
        if cleared:
            DraftScore.objects.filter(code=code).filter(_any_of(cleared)).delete()
        written = {key: cents for key, cents in changes.items() if cents is not None}
        if written:
            DraftScore.objects.bulk_create(
                [
                    DraftScore(code=code, entry_id=e, indicator_id=i, score_cents=c)
                    for (e, i), c in written.items()
                ],
                update_conflicts=True,
                unique_fields=["code", "entry", "indicator"],
                update_fields=["score_cents"],
            )
        for key in cleared:
            sheet.scores.pop(key, None)
        sheet.scores.update(written)
        if changes:
            RatingCode.objects.filter(pk=code.pk).update(saved_at=timezone.now())
    return sheet


def _any_of(keys: list[tuple[int, int]]) -> Q:
    condition = Q(pk__in=[])
    for entry_id, indicator_id in keys:
        condition |= Q(entry_id=entry_id, indicator_id=indicator_id)
    return condition


def submission_problems(sheet: Sheet) -> list[Refused]:
    """What still stands between the draft and its submission."""
    problems = []
    if missing := sheet.missing():
        problems.append(Refused(RatingRefusal.NOT_COMPLETE, count=missing))
    names = {i.pk: i.name for i in sheet.indicators}
    floors = sheet.top_floors()
    for over in sheet.over_limit():
        problems.append(
            Refused(
                RatingRefusal.TOO_MANY_TOP_MARKS,
                indicator=names[over.indicator],
                given=over.given,
                allowed=over.allowed,
                floor=_points(floors[over.indicator]).removesuffix(".00"),
            )
        )
    return problems


def submit(code: RatingCode) -> Sheet:
    """Submit the draft: complete and within the top-mark share, once. Of two submissions
    of one code at the same time, one wins; the other is told the code is used."""
    with transaction.atomic():
        code = _fresh(code)
        sheet = sheet_for(code)
        problems = submission_problems(sheet)
        if problems:
            raise problems[0]
        now = timezone.now()
        if not RatingCode.objects.filter(pk=code.pk, submitted_at__isnull=True).update(submitted_at=now):
            raise Refused(RatingRefusal.CODE_USED)
        code.submitted_at = now
        record(
            actor=_("rater, slip %(slip)s") % {"slip": code.slip_number},
            action=AuditAction.RATING,
            target=code.round,
            unit=code.batch.unit,
            period=code.round.period,
            summary=_("slip %(slip)s submitted its scores") % {"slip": code.slip_number},
            after={"slip": code.slip_number, "group": code.group.name, "people": len(sheet.people)},
        )
    return sheet
