"""The kinds of import, shared by ``jixiao import`` and the unit's import page."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jixiao.imports.assessment_scores import (
    ADJUSTMENT_COLUMNS,
    INDICATOR_SCORE_COLUMNS,
    RATER_SCORE_COLUMNS,
    apply_raw_scores,
    plan_adjustments,
    plan_indicator_scores,
    plan_rater_scores,
)
from jixiao.imports.roster import ROSTER_COLUMNS, apply_roster_import, plan_roster_import
from jixiao.imports.scores import SCORE_COLUMNS, apply_scores_import, plan_scores_import

# kind → (columns, plan, apply, whether it changes scores a unit may have locked)
KINDS = {
    "roster": (ROSTER_COLUMNS, plan_roster_import, apply_roster_import, False),
    "scores": (SCORE_COLUMNS, plan_scores_import, apply_scores_import, True),
    "indicator-scores": (INDICATOR_SCORE_COLUMNS, plan_indicator_scores, apply_raw_scores, True),
    "rater-scores": (RATER_SCORE_COLUMNS, plan_rater_scores, apply_raw_scores, True),
    "adjustments": (ADJUSTMENT_COLUMNS, plan_adjustments, apply_raw_scores, True),
}

# The sanctions register: imported like the others, but records of people, of no period.
SANCTIONS = "sanctions"


def describe_sanctions(result) -> list[str]:
    """What a sanctions import changed: records, and the vetoes of open periods."""
    summary = result.plan.summary()
    lines = [
        _("sanctions: %(new)s new, %(changed)s changed, %(same)s unchanged")
        % {"new": summary["new"], "changed": summary["changed"], "same": summary["unchanged"]}
    ]
    for period, unit_ids in result.periods:
        lines.append(
            ngettext(
                "%(period)s: vetoes changed in %(count)s unit",
                "%(period)s: vetoes changed in %(count)s units",
                len(unit_ids),
            )
            % {"period": period.code, "count": len(unit_ids)}
        )
    if summary["ignored_columns"]:
        lines.append(_("ignored columns: %(names)s") % {"names": "、".join(summary["ignored_columns"])})
    if not result.plan.changes:
        lines.append(_("The database already matches the file: nothing changed."))
    return lines


def describe_plan(kind: str, plan) -> list[str]:
    summary = plan.summary()
    if kind == "roster":
        lines = [
            _("people: %(new)s new, %(changed)s changed")
            % {"new": summary["new_people"], "changed": summary["changed_people"]},
            _("roster: %(new)s added, %(changed)s changed, %(same)s unchanged")
            % {
                "new": summary["new_entries"],
                "changed": summary["changed_entries"],
                "same": summary["unchanged_entries"],
            },
        ]
        if plan.transfers:
            lines.append(
                _("transfers (%(count)s, for this period only): %(people)s")
                % {
                    "count": len(plan.transfers),
                    "people": "、".join(
                        f"{name}（{staff_id}）{before} → {after}"
                        for staff_id, name, before, after in plan.transfers
                    ),
                }
            )
        if plan.new_units:
            lines.append(
                _("new units (%(count)s): %(names)s")
                % {"count": len(plan.new_units), "names": "、".join(plan.new_units)}
            )
        if plan.new_categories:
            lines.append(
                _("new personnel categories (%(count)s): %(names)s")
                % {"count": len(plan.new_categories), "names": "、".join(plan.new_categories)}
            )
    elif kind == "adjustments":
        lines = [
            _(
                "items of %(changed)s people replaced, %(same)s people unchanged; "
                "%(bonus)s bonus, %(penalty)s penalty and %(veto)s veto items in the file"
            )
            % {
                "changed": summary["people_changed"],
                "same": summary["people_unchanged"],
                "bonus": summary["bonus_items"],
                "penalty": summary["penalty_items"],
                "veto": summary["veto_items"],
            }
        ]
    elif kind != "scores":
        lines = [
            _("scores: %(new)s added, %(changed)s changed, %(same)s unchanged (%(people)s people)")
            % {
                "new": summary["new_scores"],
                "changed": summary["changed_scores"],
                "same": summary["unchanged_scores"],
                "people": summary["people"],
            }
        ]
        if summary["rounded"]:
            lines.append(
                _("%(count)s scores had more than two decimals and were rounded half-up")
                % {"count": summary["rounded"]}
            )
    else:
        lines = [
            _("scores: %(new)s added, %(changed)s changed, %(same)s unchanged; %(vetoed)s vetoed")
            % {
                "new": summary["new_scores"],
                "changed": summary["changed_scores"],
                "same": summary["unchanged_scores"],
                "vetoed": summary["vetoed"],
            }
        ]
        if summary["rounded"]:
            lines.append(
                _("%(count)s totals had more than two decimals and were rounded half-up")
                % {"count": summary["rounded"]}
            )
        if summary["overrides"]:
            lines.append(
                _(
                    "%(count)s imported totals override the totals their scheme computes "
                    "(the breakdown says so)"
                )
                % {"count": summary["overrides"]}
            )
    if summary["ignored_columns"]:
        lines.append(_("ignored columns: %(names)s") % {"names": "、".join(summary["ignored_columns"])})
    if not plan.changed and not summary.get("new_units") and not summary.get("new_categories"):
        lines.append(_("The database already matches the file: nothing changed."))
    return lines
