"""Why a special nomination is refused: one code per rule, one message per code."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class NominationRefusal(StrEnum):
    REASON_TOO_SHORT = "reason_too_short"
    NOT_ON_ROSTER = "not_on_roster"
    NOT_ON_UNIT_ROSTER = "not_on_unit_roster"
    NOT_ASSESSED = "not_assessed"
    RANKING_OUT_OF_DATE = "ranking_out_of_date"
    ELIGIBLE_BY_RANK = "eligible_by_rank"
    VETOED = "vetoed"
    ALREADY_NOMINATED = "already_nominated"
    CAP_REACHED = "cap_reached"

    @property
    def message(self):
        return REFUSAL_MESSAGES[self]


REFUSAL_MESSAGES = {
    NominationRefusal.REASON_TOO_SHORT: _(
        "The reason must be at least %(minimum)s characters long (it has %(length)s)."
    ),
    NominationRefusal.NOT_ON_ROSTER: _("Staff ID %(staff_id)s is not on the roster of %(period)s."),
    NominationRefusal.NOT_ON_UNIT_ROSTER: _(
        "Staff ID %(staff_id)s is not on the roster of %(unit)s in %(period)s."
    ),
    NominationRefusal.NOT_ASSESSED: _("%(name)s has no total for %(period)s and cannot be nominated."),
    NominationRefusal.RANKING_OUT_OF_DATE: _(
        "The ranking of %(period)s is missing or older than the latest roster or score "
        "change: run `jixiao select --period %(period)s` first."
    ),
    NominationRefusal.ELIGIBLE_BY_RANK: _(
        "%(name)s is already eligible by rank (%(reason)s); a special nomination is only "
        "for people outside the top share."
    ),
    NominationRefusal.VETOED: _("%(name)s is vetoed (%(reason)s) and cannot be nominated."),
    NominationRefusal.ALREADY_NOMINATED: _("%(name)s is already nominated for %(period)s."),
    NominationRefusal.CAP_REACHED: _(
        "The special nomination cap of %(unit)s is reached: used %(used)s / cap %(cap)s "
        "(%(percent)s%% of %(headcount)s people)."
    ),
}


class NominationRefused(Exception):
    def __init__(self, code: NominationRefusal, **params):
        self.code = code
        self.params = params
        super().__init__(str(code.message) % params)

    @property
    def message(self) -> str:
        return str(self.code.message) % self.params
