"""What every page of a unit's office shows around its own content: the period, the unit, the
state of its list (the tabs follow it) and what the user may do there. Used by the unit
pages of the selection and of the apps above it (imports, showcase)."""

from django.urls import reverse

from jixiao.assessment.models import Period, PeriodState, RosterEntry, Score
from jixiao.org.access import has_unit_role, is_city_admin
from jixiao.org.models import Role, RoleKind
from jixiao.selection.models import Proposal, ProposalState, RankingResult
from jixiao.selection.ranking import ranking_is_current


def period_switch(request, unit) -> list[dict]:
    """The unit's periods, newest first, each with the state of the unit's list there and a
    link to the same page of that period (the unit's ranking for a page of one period only)."""
    match = request.resolver_match
    same_page = match is not None and set(match.kwargs) == {"code", "unit_id"}
    states = dict(Proposal.objects.filter(unit=unit).values_list("period_id", "state"))
    switch = []
    for other in Period.objects.order_by("-start"):
        if same_page:
            url = reverse(match.view_name, kwargs={"code": other.code, "unit_id": unit.pk})
        else:
            url = reverse("selection:unit", args=[other.code, unit.pk])
        state = states.get(other.pk)
        switch.append(
            {
                "period": other,
                "url": url,
                "state": ProposalState(state).label if state else "",
                # Work left: a list on its way that the period, still open, waits for.
                "unfinished": other.state == PeriodState.OPEN
                and state not in (None, ProposalState.PUBLISHED),
            }
        )
    return switch


def unit_context(request, period, unit, tab) -> dict:
    proposal = Proposal.objects.filter(period=period, unit=unit).first()
    return {
        "period": period,
        "periods": period_switch(request, unit),
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
