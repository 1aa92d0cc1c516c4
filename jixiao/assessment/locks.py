"""Locked scores: once a unit locks its scores for a period, a change needs a reason and is
recorded, and the totals and the ranking are recomputed."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, ScoreChange, UnitLock
from jixiao.core.audit import AuditAction
from jixiao.core.audit import record as audit
from jixiao.org.models import Unit


class LockedScores(Exception):
    """A change to locked scores was attempted without a reason."""

    def __init__(self, units: list[Unit]):
        self.units = units
        super().__init__(
            _(
                "The scores of %(units)s are locked for this period: a change needs a reason "
                "(--reason), which is recorded."
            )
            % {"units": "、".join(u.name for u in units)}
        )


def lock(period: Period, unit: Unit, *, actor: str) -> UnitLock:
    with transaction.atomic():
        existing = UnitLock.objects.filter(period=period, unit=unit).first()
        if existing:
            return existing
        unit_lock = UnitLock.objects.create(period=period, unit=unit, locked_by=actor)
        audit(
            actor=actor,
            action=AuditAction.LOCK,
            target=unit_lock,
            unit=unit,
            period=period,
            summary=_("scores locked"),
            before={"locked": False},
            after={"locked": True, "locked_by": actor, "locked_at": unit_lock.locked_at},
        )
        return unit_lock


def unlock(period: Period, unit: Unit, *, actor: str, reason: str) -> bool:
    with transaction.atomic():
        existing = UnitLock.objects.filter(period=period, unit=unit).first()
        deleted, _count = UnitLock.objects.filter(period=period, unit=unit).delete()
        if deleted:
            change = ScoreChange.objects.create(
                period=period, unit=unit, actor=actor, reason=reason, what=_("scores unlocked")
            )
            audit(
                actor=actor,
                action=AuditAction.UNLOCK,
                target=change,
                unit=unit,
                period=period,
                summary=_("scores unlocked: %(reason)s") % {"reason": reason},
                before={"locked": True, "locked_by": existing.locked_by, "locked_at": existing.locked_at},
                after={"locked": False, "reason": reason},
            )
        return bool(deleted)


def locked_units(period: Period, unit_ids: Iterable[int]) -> list[Unit]:
    ids = set(unit_ids)
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=ids, locks__period=period).order_by("sort_order", "id").distinct())


def guard_locked_change(
    period: Period, unit_ids: Iterable[int], *, actor: str, reason: str | None, what: str, details: dict
) -> list[Unit]:
    """Refuse a change touching locked units without a reason; with one, record it per unit.
    Returns the locked units touched (the caller recomputes what depends on them)."""
    units = locked_units(period, unit_ids)
    if units and not (reason and reason.strip()):
        raise LockedScores(units)
    for unit in units:
        change = ScoreChange.objects.create(
            period=period, unit=unit, actor=actor, reason=reason.strip(), what=what, details=details
        )
        audit(
            actor=actor,
            action=AuditAction.SCORE_CHANGE,
            target=change,
            unit=unit,
            period=period,
            summary=_("locked scores changed (%(what)s): %(reason)s")
            % {"what": what, "reason": reason.strip()},
            before=details.get("before") if isinstance(details.get("before"), dict) else None,
            after={"what": what, "reason": reason.strip(), "details": details},
        )
    return units
