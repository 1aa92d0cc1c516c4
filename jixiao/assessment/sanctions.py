"""The sanctions register as vetoes: which people of a period a sanction's influence window
touches, and which open periods a change of the register concerns."""

import datetime
from collections.abc import Iterable, Sequence

from django.db.models import F, Q, QuerySet

from jixiao.assessment.models import Period, PeriodState, RosterEntry, Sanction
from jixiao.assessment.sanction_rules import overlaps, veto_text


def overlapping(period: Period) -> QuerySet:
    """The sanctions whose influence window shares at least one day with the period: the
    query form of ``sanction_rules.overlaps``."""
    return Sanction.objects.filter(decided_on__lte=period.end).filter(
        Q(influence_end__isnull=True)
        | (Q(influence_end__gte=period.start) & Q(influence_end__gte=F("decided_on")))
    )


def sanction_vetoes(
    period: Period, *, entry_ids: Iterable[int] | None = None, unit_ids: Sequence[int] | None = None
) -> dict[int, list[tuple[str, int | None]]]:
    """entry id → the vetoes (text, catalogue reason) of the sanctions touching the period,
    oldest first, for the period's people (only these entries or units, when given)."""
    sanctions = list(
        overlapping(period)
        .order_by("decided_on", "id")
        .values_list(
            "person_id", "sanction_type__name", "sanction_type__veto_reason_id", "decided_on", "influence_end"
        )
    )
    if not sanctions:
        return {}
    entries = RosterEntry.objects.filter(period=period, person_id__in=overlapping(period).values("person_id"))
    if unit_ids is not None:
        entries = entries.filter(unit_id__in=list(unit_ids))
    entry_of = dict(entries.values_list("person_id", "id"))
    if entry_ids is not None:
        # Filtered here: the entries may be a whole city's, too many for one IN (…).
        wanted = set(entry_ids)
        entry_of = {person: entry for person, entry in entry_of.items() if entry in wanted}
    vetoes: dict[int, list[tuple[str, int | None]]] = {}
    for person_id, type_name, reason_id, decided_on, end in sanctions:
        if person_id in entry_of:
            vetoes.setdefault(entry_of[person_id], []).append(
                (veto_text(type_name, decided_on, end), reason_id)
            )
    return vetoes


def open_periods_touched(windows: Iterable[tuple[datetime.date, datetime.date | None]]) -> list[Period]:
    """The open periods that any of these windows (decision date, last day or None)
    overlaps: where a change of the register changes vetoes. Closed periods keep what they
    showed."""
    windows = list(windows)
    periods = []
    for period in Period.objects.filter(state=PeriodState.OPEN).order_by("start"):
        if any(overlaps(start, end, period.start, period.end) for start, end in windows):
            periods.append(period)
    return periods
