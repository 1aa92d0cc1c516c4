"""Why an assessment action is refused: periods, locks, renames and schemes."""

from django.utils.translation import gettext_lazy as _

from jixiao.core.refusals import RefusalCode


class AssessmentRefusal(RefusalCode):
    PERIOD_CLOSED = (
        "period_closed",
        _("Period %(code)s is closed: its scores, rankings and nominations no longer change."),
    )
    PERIOD_EXISTS = "period_exists", _("Period %(code)s already exists.")
    BAD_PERIOD_STATE = "bad_period_state", _("%(state)s is not a state of a period.")
    SCORES_LOCKED = (
        "scores_locked",
        _(
            "The scores of %(units)s are locked for this period: a change needs a reason "
            "(--reason), which is recorded."
        ),
    )
    REASON_REQUIRED = "reason_required", _("The reason must not be empty.")
    NOT_ON_ROSTER = "not_on_roster", _("Staff ID %(staff_id)s is not on the roster of %(period)s.")
    BAD_NAME = "bad_name", _("A name has 1 to %(maximum)s characters.")
    SAME_NAME = "same_name", _("%(staff_id)s is already called %(name)s in %(period)s.")
    NO_OVERRIDE = (
        "no_override",
        _("The total of %(name)s is not an imported one: there is nothing to take back."),
    )
    SCHEME_EXISTS = "scheme_exists", _("%(period)s already has a scheme for %(category)s%(unit)s.")
    SCHEME_NOT_ADJUSTABLE = "scheme_not_adjustable", _("The city does not let units adjust scheme %(name)s.")
    NO_CITY_SCHEME = (
        "no_city_scheme",
        _("%(period)s has no city scheme for %(category)s: a unit adjusts the city's scheme."),
    )
