"""What every page of a unit's office shows around its own content: the period, the unit, the
state of its list (the tabs follow it) and what the user may do there. Used by the unit
pages of the selection and of the apps above it (imports, showcase)."""

from jixiao.assessment.models import RosterEntry, Score
from jixiao.org.access import has_unit_role, is_city_admin
from jixiao.org.models import Role, RoleKind
from jixiao.selection.models import Proposal, RankingResult
from jixiao.selection.ranking import ranking_is_current


def unit_context(request, period, unit, tab) -> dict:
    proposal = Proposal.objects.filter(period=period, unit=unit).first()
    return {
        "period": period,
        "unit": unit,
        "tab": tab,
        "proposal": proposal,
        "current": ranking_is_current(period, unit),
        "can_assess": has_unit_role(request.user, unit.pk, RoleKind.ASSESSOR),
        "can_decide": has_unit_role(request.user, unit.pk, RoleKind.SECRETARY),
        "city_admin": is_city_admin(request.user),
    }


def first_steps(period, unit=None) -> dict:
    """How far the period (or the unit in it) got with what comes before the ranking: the
    checklist a new period's pages show until everyone is ranked."""
    roster = RosterEntry.objects.filter(period=period)
    if unit is not None:
        roster = roster.filter(unit=unit)
    people = roster.count()
    return {
        "people": people,
        "accounts": Role.objects.filter(kind=RoleKind.STAFF, person__roster_entries__in=roster)
        .values("person")
        .distinct()
        .count()
        if people
        else 0,
        "scored": Score.objects.filter(entry__in=roster).count() if people else 0,
        "ranked": RankingResult.objects.filter(period=period, **({"unit": unit} if unit else {})).count(),
    }
