"""What every page of a unit's office shows around its own content: the period, the unit, the
state of its list (the tabs follow it) and what the user may do there. Used by the unit
pages of the selection and of the apps above it (imports, showcase)."""

from jixiao.org.access import has_unit_role, is_city_admin
from jixiao.org.models import RoleKind
from jixiao.selection.models import Proposal
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
