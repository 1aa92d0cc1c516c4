"""Special nominations (突出贡献, rule 3)."""

from django.db import transaction

from jixiao.assessment.models import Period, RosterEntry
from jixiao.core.audit import AuditAction
from jixiao.core.audit import record as audit
from jixiao.core.text import normalize_staff_id, plain_decimal
from jixiao.org.models import Unit
from jixiao.selection.errors import NominationRefusal, NominationRefused
from jixiao.selection.models import (
    NominationState,
    Outcome,
    RankingResult,
    SelectionRules,
    SpecialNomination,
)
from jixiao.selection.ranking import ranking_is_current


def nominate(
    period: Period,
    staff_id: str,
    reason: str,
    *,
    actor: str,
    unit: Unit | None = None,
) -> SpecialNomination:
    """Nominate a person for an outstanding contribution, or refuse with the rule it breaks.

    Refused when the reason is shorter than the period's minimum, the person is not on the
    (unit's) roster or was not assessed, the ranking is out of date, the person is already
    eligible by rank or is vetoed, or the unit's cap of special nominations is reached.
    """
    selection_rules = SelectionRules.objects.get(period=period)
    staff_id = normalize_staff_id(staff_id)
    reason = reason.strip()
    if len(reason) < selection_rules.special_reason_min_length:
        raise NominationRefused(
            NominationRefusal.REASON_TOO_SHORT,
            minimum=selection_rules.special_reason_min_length,
            length=len(reason),
        )
    with transaction.atomic():
        entry = (
            RosterEntry.objects.select_related("person", "unit")
            .filter(period=period, person__staff_id=staff_id)
            .first()
        )
        if entry is None:
            raise NominationRefused(NominationRefusal.NOT_ON_ROSTER, staff_id=staff_id, period=period.code)
        if unit is not None and entry.unit_id != unit.pk:
            raise NominationRefused(
                NominationRefusal.NOT_ON_UNIT_ROSTER,
                staff_id=staff_id,
                unit=unit.name,
                period=period.code,
            )
        person = entry.person
        # One nomination at a time per unit, so two at once cannot both take the last place.
        Unit.objects.select_for_update().filter(pk=entry.unit_id).first()
        if not hasattr(entry, "score"):
            raise NominationRefused(NominationRefusal.NOT_ASSESSED, name=person.name, period=period.code)
        if not ranking_is_current(period):
            raise NominationRefused(NominationRefusal.RANKING_OUT_OF_DATE, period=period.code)
        result = RankingResult.objects.get(period=period, person=person)
        if result.outcome == Outcome.VETOED:
            raise NominationRefused(NominationRefusal.VETOED, name=person.name, reason=result.reason)
        if result.outcome == Outcome.BY_RANK:
            raise NominationRefused(
                NominationRefusal.ELIGIBLE_BY_RANK, name=person.name, reason=result.reason
            )
        if SpecialNomination.objects.filter(period=period, person=person).exists():
            raise NominationRefused(NominationRefusal.ALREADY_NOMINATED, name=person.name, period=period.code)
        headcount = RosterEntry.objects.filter(period=period, unit=entry.unit).count()
        cap = selection_rules.special_cap(headcount)
        used = SpecialNomination.objects.filter(
            period=period, unit=entry.unit, state=NominationState.PROPOSED
        ).count()
        if used + 1 > cap:
            raise NominationRefused(
                NominationRefusal.CAP_REACHED,
                unit=entry.unit.name,
                used=used,
                cap=cap,
                percent=plain_decimal(selection_rules.special_cap_percent),
                headcount=headcount,
            )
        nomination = SpecialNomination.objects.create(
            period=period, person=person, unit=entry.unit, reason=reason, nominated_by=actor
        )
        audit(
            actor=actor,
            action=AuditAction.NOMINATION,
            target=nomination,
            unit=entry.unit,
            period=period,
            summary=f"{person.staff_id} {person.name}",
            after={"staff_id": person.staff_id, "name": person.name, "reason": reason},
        )
        return nomination
