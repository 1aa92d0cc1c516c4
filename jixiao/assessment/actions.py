"""Every change of a period and of its assessment data: one function a change.

Each action takes the actor as ``acting_user`` (a user account, or the command line's
``Operator``), runs in one transaction, refuses what the rules forbid (a closed period, an
actor without the role, locked scores without a reason) with a ``Refused`` naming the rule,
and writes its own audit entry in that transaction. Views, commands and the admin parse
their input and call these; nothing else writes what they own.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment import sanction_rules, sanctions, schemes, totals
from jixiao.assessment.changes import mark_period_changed
from jixiao.assessment.errors import AssessmentRefusal
from jixiao.assessment.models import (
    Period,
    PeriodState,
    RosterEntry,
    Sanction,
    SanctionType,
    Scheme,
    ScoreChange,
    UnitLock,
    period_dates,
)
from jixiao.assessment.signals import period_created
from jixiao.core.audit import AuditAction, record
from jixiao.core.refusals import Refused
from jixiao.core.text import clean_text
from jixiao.org.access import actor_name, require_city_admin, require_unit_role
from jixiao.org.models import Person, RoleKind, Unit


def require_open(period: Period) -> None:
    """Refuse any change to a closed period: what it showed stays as it was."""
    state = Period.objects.filter(pk=period.pk).values_list("state", flat=True).first()
    if state == PeriodState.CLOSED:
        raise Refused(AssessmentRefusal.PERIOD_CLOSED, code=period.code)


# ----------------------------------------------------------------------------------------
# Periods
# ----------------------------------------------------------------------------------------


def get_or_create_period(code: str, *, acting_user) -> tuple[Period, bool]:
    """The period with this code, created (with the default rules) when it does not exist."""
    code = code.strip().upper()
    period = Period.objects.filter(code=code).first()
    if period is not None:
        return period, False
    return create_period(code, acting_user=acting_user), True


@transaction.atomic
def create_period(code: str, *, acting_user) -> Period:
    """A new half-year period with the default rules (``ValidationError`` for a code that is
    not of the form 2024H1; ``Refused`` when it exists)."""
    require_city_admin(acting_user)
    code = code.strip().upper()
    start, end = period_dates(code)
    if Period.objects.filter(code=code).exists():
        raise Refused(AssessmentRefusal.PERIOD_EXISTS, code=code)
    period = Period.objects.create(code=code, start=start, end=end)
    period_created.send(sender=Period, period=period)
    record(
        actor=actor_name(acting_user),
        action=AuditAction.PERIOD,
        target=period,
        period=period,
        summary=_("Period %(code)s created") % {"code": period.code},
        after={"code": code, "start": start, "end": end, "state": period.state},
    )
    return period


@transaction.atomic
def set_period_state(period: Period, state: str, *, acting_user) -> Period:
    """Open or close a period. A closed period refuses every change to its data."""
    require_city_admin(acting_user)
    if state not in PeriodState.values:
        raise Refused(AssessmentRefusal.BAD_PERIOD_STATE, state=state)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.state == state:
        return period
    before = period.state
    period.state = state
    period.save(update_fields=["state"])
    record(
        actor=actor_name(acting_user),
        action=AuditAction.PERIOD,
        target=period,
        period=period,
        summary=_("Period %(code)s %(state)s") % {"code": period.code, "state": PeriodState(state).label},
        before={"state": before},
        after={"state": state},
    )
    return period


# ----------------------------------------------------------------------------------------
# Locks
# ----------------------------------------------------------------------------------------


@transaction.atomic
def lock_scores(period: Period, unit: Unit, *, acting_user, summary: str | None = None) -> UnitLock:
    """Lock the unit's scores for the period: every later change needs a reason."""
    require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    existing = UnitLock.objects.filter(period=period, unit=unit).first()
    if existing:
        return existing
    actor = actor_name(acting_user)
    unit_lock = UnitLock.objects.create(period=period, unit=unit, locked_by=actor)
    record(
        actor=actor,
        action=AuditAction.LOCK,
        target=unit_lock,
        unit=unit,
        period=period,
        summary=summary or _("scores locked"),
        before={"locked": False},
        after={"locked": True, "locked_by": actor, "locked_at": unit_lock.locked_at},
    )
    return unit_lock


@transaction.atomic
def unlock_scores(period: Period, unit: Unit, *, acting_user, reason: str) -> bool:
    """Unlock the unit's scores; the reason is recorded. False when they were not locked."""
    require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    reason = clean_text(reason)
    if not reason:
        raise Refused(AssessmentRefusal.REASON_REQUIRED)
    existing = UnitLock.objects.select_for_update().filter(period=period, unit=unit).first()
    if existing is None:
        return False
    existing.delete()
    actor = actor_name(acting_user)
    change = ScoreChange.objects.create(
        period=period, unit=unit, actor=actor, reason=reason, what=_("scores unlocked")
    )
    record(
        actor=actor,
        action=AuditAction.UNLOCK,
        target=change,
        unit=unit,
        period=period,
        summary=_("scores unlocked: %(reason)s") % {"reason": reason},
        before={"locked": True, "locked_by": existing.locked_by, "locked_at": existing.locked_at},
        after={"locked": False, "reason": reason},
    )
    return True


def locked_units(period: Period, unit_ids: Iterable[int]) -> list[Unit]:
    ids = set(unit_ids)
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=ids, locks__period=period).order_by("sort_order", "id").distinct())


def guard_locked_change(
    period: Period, unit_ids: Iterable[int], *, acting_user, reason: str | None, what: str, details: dict
) -> list[Unit]:
    """Within an action that changes scores: refuse a change touching locked units without a
    reason; with one, record it per unit. Returns the locked units touched (the caller
    ranks them again at once, so that a changed list is flagged)."""
    units = locked_units(period, unit_ids)
    reason = clean_text(reason)
    if units and not reason:
        raise Refused(AssessmentRefusal.SCORES_LOCKED, units="、".join(u.name for u in units))
    actor = actor_name(acting_user)
    for unit in units:
        change = ScoreChange.objects.create(
            period=period, unit=unit, actor=actor, reason=reason, what=what, details=details
        )
        record(
            actor=actor,
            action=AuditAction.SCORE_CHANGE,
            target=change,
            unit=unit,
            period=period,
            summary=_("locked scores changed (%(what)s): %(reason)s") % {"what": what, "reason": reason},
            after={"what": what, "reason": reason, "details": details},
        )
    return units


# ----------------------------------------------------------------------------------------
# People and totals
# ----------------------------------------------------------------------------------------


@transaction.atomic
def rename_person(period: Period, staff_id: str, name: str, *, acting_user, reason: str) -> RosterEntry:
    """The deliberate rename (改名) of a person from this period on: their entries of this
    and every later open period take the new name; earlier periods keep the name they
    showed, in their pages, exports and documents."""
    require_open(period)
    entry = (
        RosterEntry.objects.select_related("person", "unit")
        .filter(period=period, person__staff_id=clean_text(staff_id))
        .first()
    )
    if entry is None:
        raise Refused(AssessmentRefusal.NOT_ON_ROSTER, staff_id=staff_id, period=period.code)
    require_unit_role(acting_user, entry.unit, RoleKind.ASSESSOR)
    name, reason = clean_text(name), clean_text(reason)
    if not reason:
        raise Refused(AssessmentRefusal.REASON_REQUIRED)
    if not 0 < len(name) <= Person._meta.get_field("name").max_length:
        raise Refused(AssessmentRefusal.BAD_NAME, maximum=Person._meta.get_field("name").max_length)
    if name == entry.name:
        raise Refused(
            AssessmentRefusal.SAME_NAME, staff_id=entry.person.staff_id, name=name, period=period.code
        )
    renamed = RosterEntry.objects.filter(
        person=entry.person, period__start__gte=period.start, period__state=PeriodState.OPEN
    )
    codes = sorted(renamed.values_list("period__code", flat=True))
    before = entry.name
    renamed.update(name=name)
    # The person's name is the one later rosters are checked against.
    person = entry.person
    Person.objects.filter(pk=person.pk).update(name=name)
    entry.refresh_from_db()
    record(
        actor=actor_name(acting_user),
        action=AuditAction.RENAME,
        target=entry,
        unit=entry.unit,
        period=period,
        summary=_("%(staff_id)s renamed from %(before)s to %(after)s from %(period)s on: %(reason)s")
        % {
            "staff_id": person.staff_id,
            "before": before,
            "after": name,
            "period": period.code,
            "reason": reason,
        },
        before={"name": before},
        after={"name": name, "periods": codes, "reason": reason},
    )
    return entry


@transaction.atomic
# ----------------------------------------------------------------------------------------
# The sanctions register
# ----------------------------------------------------------------------------------------


def refresh_sanction_vetoes(
    person_ids: Iterable[int], windows: Iterable[tuple[datetime.date, datetime.date | None]]
) -> list[tuple[Period, list[int]]]:
    """Within the action that changed the register: the vetoes of these people follow it in
    every open period one of the influence windows (as they were and as they are) touches;
    returns those periods whose vetoes changed, with the units of the people concerned,
    marked changed so their rankings are stale. Closed periods keep what they showed."""
    person_ids = sorted(set(person_ids))
    changed = []
    for period in sanctions.open_periods_touched(windows):
        unit_ids = sorted(
            set(
                RosterEntry.objects.filter(period=period, person_id__in=person_ids).values_list(
                    "unit_id", flat=True
                )
            )
        )
        if unit_ids and totals.apply_veto_items(period, unit_ids):
            mark_period_changed(period, unit_ids)
            changed.append((period, unit_ids))
    return changed


def set_sanction_months(sanction_type: SanctionType, months: int | None, *, acting_user) -> int:
    """Change how many months a type of sanction vetoes (empty: until lifted): every
    sanction of the type gets its new window, and the vetoes of open periods follow. Returns
    how many sanctions' windows changed."""
    require_city_admin(acting_user)
    with transaction.atomic():
        stored = SanctionType.objects.select_for_update().get(pk=sanction_type.pk)
        before = stored.influence_months
        stored.influence_months = months
        stored.save(update_fields=["influence_months"])
        moved, windows = [], []
        for sanction in Sanction.objects.filter(sanction_type=stored):
            end = sanction_rules.influence_end(sanction.decided_on, months, sanction.lifted_on)
            if end != sanction.influence_end:
                windows += [(sanction.decided_on, sanction.influence_end), (sanction.decided_on, end)]
                sanction.influence_end = end
                moved.append(sanction)
        Sanction.objects.bulk_update(moved, ["influence_end"], batch_size=500)
        periods = refresh_sanction_vetoes({s.person_id for s in moved}, windows)
        record(
            actor=actor_name(acting_user),
            action=AuditAction.REFERENCE,
            target=stored,
            summary=_("%(type)s: influence period %(before)s → %(after)s months; %(count)s sanctions moved")
            % {"type": stored.name, "before": before, "after": months, "count": len(moved)},
            before={"influence_months": before},
            after={"influence_months": months, "periods": {p.code: units for p, units in periods}},
        )
    sanction_type.influence_months = months
    return len(moved)


def recompute_totals(period: Period, *, acting_user, unit: Unit | None = None) -> totals.TotalsRun:
    """Compute the scheme totals of the period (of the unit's people) from the raw scores."""
    if unit is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    run = totals.compute_totals(period, None if unit is None else [unit.pk])
    if run.changed:
        record(
            actor=actor_name(acting_user),
            action=AuditAction.TOTALS,
            period=period,
            unit=unit,
            summary=_("Totals computed by the schemes: %(computed)s complete, %(incomplete)s incomplete.")
            % {"computed": run.computed, "incomplete": run.incomplete},
            after={"computed": run.computed, "incomplete": run.incomplete, "changed": run.changed},
        )
    return run


# ----------------------------------------------------------------------------------------
# Schemes
# ----------------------------------------------------------------------------------------


def scheme_snapshot(scheme: Scheme) -> dict:
    """What the audit log keeps of a scheme: its settings, indicator tree and weights."""
    return {
        "name": scheme.name,
        "period": scheme.period.code if scheme.period_id else None,
        "category": scheme.category.name if scheme.category_id else None,
        "unit": scheme.unit.name if scheme.unit_id else None,
        "roll_up": scheme.roll_up,
        "trim_from": scheme.trim_from,
        "bonus_cap": scheme.bonus_cap,
        "penalty_cap": scheme.penalty_cap,
        "units_may_adjust": scheme.units_may_adjust,
        "top_mark_share": scheme.top_mark_share,
        "top_mark_from": scheme.top_mark_from,
        "indicators": [
            [i.name, i.parent.name if i.parent_id else None, i.weight, i.full_marks, i.method]
            for i in scheme.indicators.select_related("parent")
        ],
        "rater_groups": {g.group.name: g.weight for g in scheme.rater_groups.select_related("group")},
        "sub_period_weights": [w.weight for w in scheme.sub_period_weights.all()],
    }


def record_scheme_change(scheme: Scheme, summary: str, *, acting_user, before: dict | None = None) -> None:
    """Within a scheme's change: the audit entry, and the period's ranking made stale."""
    if scheme.period_id:
        mark_period_changed(scheme.period)
    record(
        actor=actor_name(acting_user),
        action=AuditAction.SCHEME,
        target=scheme,
        unit=scheme.unit,
        period=scheme.period,
        summary=summary,
        before=before,
        after=scheme_snapshot(scheme),
    )


@transaction.atomic
def define_scheme(*, acting_user, **definition) -> Scheme:
    """Create a complete scheme (``schemes.define_scheme``'s arguments) and record it."""
    require_city_admin(acting_user)
    if definition.get("period") is not None:
        require_open(definition["period"])
    scheme = schemes.define_scheme(**definition)
    record_scheme_change(
        scheme, _("Scheme %(name)s defined") % {"name": scheme.name}, acting_user=acting_user
    )
    return scheme


@transaction.atomic
def copy_scheme(source: Scheme, *, period: Period, acting_user, category=None, unit=None) -> Scheme:
    """A copy of ``source`` for ``period`` (the previous period's, a city template, or the
    city's scheme as a unit's own adjustment), recorded."""
    require_city_admin(acting_user)
    require_open(period)
    category = category or source.category
    if Scheme.objects.filter(period=period, category=category, unit=unit).exists():
        raise Refused(
            AssessmentRefusal.SCHEME_EXISTS,
            period=period.code,
            category=category,
            unit=f" {unit.name}" if unit else "",
        )
    if (
        unit is not None
        and source.unit_id is None
        and source.period_id is not None
        and not source.units_may_adjust
    ):
        raise Refused(AssessmentRefusal.SCHEME_NOT_ADJUSTABLE, name=source.name)
    copy = schemes.copy_scheme(source, period=period, category=category, unit=unit)
    record_scheme_change(
        copy,
        _("Copied %(source)s as %(copy)s.") % {"source": source.name, "copy": f"{period.code} {copy.name}"},
        acting_user=acting_user,
    )
    return copy


@transaction.atomic
def import_scheme(
    period: Period,
    definition: schemes.SchemeDefinition,
    *,
    acting_user,
    unit: Unit | None = None,
    source: str = "",
    dry_run: bool = False,
) -> tuple[Scheme | None, schemes.SchemeChanges]:
    """The period's scheme for the definition's category made as a file (``source``) gives
    it; with ``unit``, the unit's own adjustment of the city's scheme, where the city lets
    units adjust it (as ``copy_scheme``). A scheme that exists is updated in place, its
    indicators matched by name so that the raw scores entered stay with them; a file that
    would strand scores is refused (``SchemeError``). Writing what is there already changes
    nothing. ``dry_run`` checks everything and writes nothing; returns the scheme (``None``
    for a dry run) and what changes."""
    require_city_admin(acting_user)
    require_open(period)
    category = definition.category
    city_scheme = None
    if unit is not None:
        city_scheme = Scheme.objects.filter(period=period, category=category, unit__isnull=True).first()
        if city_scheme is None:
            raise Refused(AssessmentRefusal.NO_CITY_SCHEME, period=period.code, category=category.name)
        if not city_scheme.units_may_adjust:
            raise Refused(AssessmentRefusal.SCHEME_NOT_ADJUSTABLE, name=city_scheme.name)
    existing = (
        Scheme.objects.select_for_update(of=("self",))
        .select_related("period", "category", "unit")
        .filter(period=period, category=category, unit=unit)
        .first()
    )
    problems = schemes.replacement_problems(existing, definition)
    if problems:
        raise schemes.SchemeError(
            [
                _("Scheme %(name)s already has scores, which the file does not fit:")
                % {"name": existing.name},
                *problems,
            ]
        )
    changes = schemes.scheme_changes(existing, definition, unit=unit)
    if dry_run or changes.nothing:
        return (None if dry_run else existing), changes
    before = scheme_snapshot(existing) if existing is not None else None
    scheme = schemes.write_definition(existing, definition, period=period, unit=unit, based_on=city_scheme)
    where = f"{category.name}{f' {unit.name}' if unit else ''}"
    summary = (
        _("Scheme %(name)s of %(period)s (%(where)s) replaced from %(file)s")
        if existing is not None
        else _("Scheme %(name)s of %(period)s (%(where)s) imported from %(file)s")
    ) % {"name": scheme.name, "period": period.code, "where": where, "file": source or "—"}
    record_scheme_change(scheme, summary, acting_user=acting_user, before=before)
    return scheme, changes
