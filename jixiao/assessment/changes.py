"""Marks of changed ranking inputs: every change of a roster or of scores marks the units
whose people it touched, a change of the rules or schemes the whole period. A ranking
older than the marks of its peer groups is stale (``selection.ranking.stale_unit_ids``)."""

from collections.abc import Iterable

from django.utils import timezone

from jixiao.assessment.models import Period, UnitDataChange


def mark_period_changed(period: Period, unit_ids: Iterable[int] | None = None) -> None:
    """Mark the ranking inputs of these units (all of the period's, when ``None``) changed now."""
    now = timezone.now()
    if unit_ids is None:
        period.data_changed_at = now
        Period.objects.filter(pk=period.pk).update(data_changed_at=now)
        return
    ids = sorted(set(unit_ids))
    if not ids:
        return
    UnitDataChange.objects.bulk_create(
        [UnitDataChange(period=period, unit_id=unit_id, changed_at=now) for unit_id in ids],
        update_conflicts=True,
        unique_fields=["period", "unit"],
        update_fields=["changed_at"],
    )


def last_changes(period: Period) -> tuple[object, dict[int, object]]:
    """When the whole period last changed, and each unit's inputs."""
    changed_at = Period.objects.filter(pk=period.pk).values_list("data_changed_at", flat=True).get()
    units = dict(UnitDataChange.objects.filter(period=period).values_list("unit_id", "changed_at"))
    return changed_at, units
