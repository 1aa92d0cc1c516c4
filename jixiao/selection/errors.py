"""Why the selection refuses a step: one code per rule, one message per code, so the pages and
the commands say the same thing in the same words."""

from django.utils.translation import gettext_lazy as _

from jixiao.core.refusals import RefusalCode


class SelectionRefusal(RefusalCode):
    # Special nominations (rule 3)
    REASON_TOO_SHORT = (
        "reason_too_short",
        _("The reason must be at least %(minimum)s characters long (it has %(length)s)."),
    )
    NOT_ON_ROSTER = "not_on_roster", _("Staff ID %(staff_id)s is not on the roster of %(period)s.")
    NOT_ON_UNIT_ROSTER = (
        "not_on_unit_roster",
        _("Staff ID %(staff_id)s is not on the roster of %(unit)s in %(period)s."),
    )
    NOT_ASSESSED = "not_assessed", _("%(name)s has no total for %(period)s and cannot be nominated.")
    RANKING_OUT_OF_DATE = (
        "ranking_out_of_date",
        _(
            "The ranking of %(period)s is missing or older than the latest roster or score "
            "change: run `jixiao select --period %(period)s` first."
        ),
    )
    ELIGIBLE_BY_RANK = (
        "eligible_by_rank",
        _(
            "%(name)s is already eligible by rank (%(reason)s); a special nomination is only "
            "for people outside the top share."
        ),
    )
    VETOED = "vetoed", _("%(name)s is vetoed (%(reason)s) and cannot be nominated.")
    ALREADY_NOMINATED = "already_nominated", _("%(name)s is already nominated for %(period)s.")
    CAP_REACHED = (
        "cap_reached",
        _(
            "The special nomination cap of %(unit)s is reached: used %(used)s / cap %(cap)s "
            "(%(percent)s%% of %(headcount)s people)."
        ),
    )
    NOMINATION_AFTER_SUBMISSION = (
        "nomination_after_submission",
        _("The list is with the committee: a nomination can no longer be withdrawn."),
    )
    NOMINATION_NOT_PROPOSED = "nomination_not_proposed", _("The nomination of %(name)s is already withdrawn.")
    # Ranking
    TOO_MANY_RANKINGS = (
        "too_many_rankings",
        _(
            "You have computed the ranking %(count)s times in the last minute; at most %(limit)s a minute. Wait a moment and try again."
        ),
    )
    RANKING_BUSY = (
        "ranking_busy",
        _("The ranking of %(period)s is being computed right now: wait a moment and look again."),
    )
    # Proposal and decision (rule 5)
    ALREADY_SUBMITTED = "already_submitted", _("The candidates have already been submitted to the committee.")
    RANKING_STALE = (
        "ranking_stale",
        _("Scores changed after the last ranking: run the ranking again before submitting."),
    )
    NOBODY_TO_PROPOSE = (
        "nobody_to_propose",
        _("There is nobody to propose: nobody is eligible by rank or nominated."),
    )
    NOT_SUBMITTED = "not_submitted", _("Only a list submitted to the committee can be decided.")
    NEEDS_NEW_DECISION = "needs_new_decision", _("The list needs a new decision first: %(why)s")
    DECISION_INCOMPLETE = "decision_incomplete", _("%(problems)s")
    NOT_FLAGGED = "not_flagged", _("Only a list flagged by a later change is reopened.")
    # Publicity and publication (rules 6 and 7)
    NOT_DECIDED = "not_decided", _("Publicity starts once the committee has decided the list.")
    HASH_MISMATCH = (
        "hash_mismatch",
        _("The decided list does not match its hash any more; it must be decided again."),
    )
    NOBODY_APPROVED = "nobody_approved", _("The committee approved nobody: there is nothing to publicise.")
    NOT_IN_PUBLICITY = "not_in_publicity", _("Objections are recorded while the notice runs.")
    NOT_ON_NOTICE = "not_on_notice", _("That person is not on this notice.")
    OBJECTION_INCOMPLETE = (
        "objection_incomplete",
        _("An objection is taken in real name, with a phone number and its content."),
    )
    ALREADY_RESOLVED = "already_resolved", _("This objection has already been resolved.")
    CHOOSE_RESOLUTION = "choose_resolution", _("Choose whether the objection is upheld or dismissed.")
    RESOLUTION_NEEDS_REASON = "resolution_needs_reason", _("A resolution needs its reason.")
    NOT_PUBLISHABLE = "not_publishable", _("%(blockers)s")
    # Rules of a period
    INVALID_RULES = "invalid_rules", _("The rules cannot be saved: %(problems)s")
    REOPEN_WITHOUT_REASON = (
        "reopen_without_reason",
        _("Say why the list goes back: it clears the committee's decision and any publicity notice."),
    )
    NOTICE_BEFORE_DECISION = (
        "notice_before_decision",
        _("The publicity cannot start on %(start)s, before the committee decided the list (%(decided)s)."),
    )
    NOTICE_ISSUED_AFTER_START = (
        "notice_issued_after_start",
        _("The notice is issued on %(issued)s, after the publicity starts (%(start)s): it is issued first."),
    )
