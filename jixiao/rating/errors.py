"""Why an online-rating action is refused."""

from django.utils.translation import gettext_lazy as _

from jixiao.core.refusals import RefusalCode


class RatingRefusal(RefusalCode):
    NO_SCHEME = (
        "no_scheme",
        _("%(unit)s has no assessment scheme for %(category)s in %(period)s: define the scheme first."),
    )
    NO_RATED_INDICATORS = (
        "no_rated_indicators",
        _("The scheme %(scheme)s has no indicator scored by raters: there is nothing to rate online."),
    )
    GROUP_NOT_IN_SCHEME = (
        "group_not_in_scheme",
        _("%(group)s is not a rater group of the scheme %(scheme)s (%(groups)s)."),
    )
    BAD_TIMES = "bad_times", _("The round must close after it opens.")
    BAD_SUB_PERIOD = "bad_sub_period", _("The scheme %(scheme)s has no sub-period %(number)s.")
    ROUND_COUNTED = "round_counted", _("The round %(name)s is closed and counted: it no longer changes.")
    UNIT_REQUIRED = (
        "unit_required",
        _("A city-wide round's codes must name the unit whose people they score."),
    )
    OTHER_UNIT = "other_unit", _("This round is for %(unit)s only.")
    NOBODY_TO_RATE = "nobody_to_rate", _("These codes would have nobody to score.")
    NOT_ON_ROSTER = (
        "not_on_roster",
        _("%(name)s is not on the roster of %(unit)s for %(category)s in this period."),
    )
    ALREADY_HOLDS_CODE = (
        "already_holds_code",
        _("%(name)s already holds a code of the group %(group)s in this round (slip %(slip)s)."),
    )
    BAD_COUNT = "bad_count", _("Between 1 and %(maximum)s codes are issued at once.")
    NO_SUCH_SLIP = "no_such_slip", _("The round has no slip %(slip)s.")
    SLIP_SUBMITTED = (
        "slip_submitted",
        _("Slip %(slip)s has already been submitted: its code can no longer be replaced."),
    )
    NOTHING_SUBMITTED = (
        "nothing_submitted",
        _("Nobody has submitted scores in the round %(name)s yet: there is nothing to count."),
    )
    # What a rater is told. Never which part of a code was wrong, nor whose it is.
    CODE_UNKNOWN = (
        "code_unknown",
        _("This code is not valid. Check it against your slip (8 letters and digits, no 0, O, 1 or I)."),
    )
    CODE_USED = (
        "code_used",
        _("This code has already been used: the scores were submitted and cannot change."),
    )
    ROUND_NOT_OPEN = "round_not_open", _("Rating opens at %(time)s. Please come back then.")
    ROUND_CLOSED = "round_closed", _("Rating closed at %(time)s: the code can no longer be used.")
    TOO_MANY_GUESSES = (
        "too_many_guesses",
        _(
            "Too many wrong codes were typed from this network. Please wait %(minutes)s minutes and try again."
        ),
    )
    SCORE_OUT_OF_RANGE = "score_out_of_range", _("%(indicator)s is scored from 0 to %(full)s.")
    NOT_COMPLETE = (
        "not_complete",
        _("%(count)s scores are still missing: score everyone on every item first."),
    )
    TOO_MANY_TOP_MARKS = (
        "too_many_top_marks",
        _(
            "%(indicator)s: %(given)s people have a top mark (%(floor)s or more), at most %(allowed)s "
            "are allowed."
        ),
    )
