"""``jixiao import roster|scores|indicator-scores|rater-scores|adjustments FILE --period 2023H1``."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jixiao.assessment.locks import LockedScores, guard_locked_change, locked_units
from jixiao.core.commands import PeriodCommand
from jixiao.imports.assessment_scores import (
    ADJUSTMENT_COLUMNS,
    INDICATOR_SCORE_COLUMNS,
    RATER_SCORE_COLUMNS,
    apply_raw_scores,
    plan_adjustments,
    plan_indicator_scores,
    plan_rater_scores,
)
from jixiao.imports.problems import ImportRefused
from jixiao.imports.roster import ROSTER_COLUMNS, apply_roster_import, plan_roster_import
from jixiao.imports.scores import SCORE_COLUMNS, apply_scores_import, plan_scores_import
from jixiao.imports.source import open_source
from jixiao.selection.ranking import refresh_ranking

# kind → (columns, plan, apply, whether it changes scores a unit may have locked)
KINDS = {
    "roster": (ROSTER_COLUMNS, plan_roster_import, apply_roster_import, False),
    "scores": (SCORE_COLUMNS, plan_scores_import, apply_scores_import, True),
    "indicator-scores": (INDICATOR_SCORE_COLUMNS, plan_indicator_scores, apply_raw_scores, True),
    "rater-scores": (RATER_SCORE_COLUMNS, plan_rater_scores, apply_raw_scores, True),
    "adjustments": (ADJUSTMENT_COLUMNS, plan_adjustments, apply_raw_scores, True),
}


class Command(PeriodCommand):
    help = gettext_lazy(
        "Import a roster or scores from .xlsx, .xls or .csv; a file with any bad row is refused whole."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=list(KINDS),
            help=_(
                "roster; scores (final totals); indicator-scores, rater-scores or adjustments "
                "(the raw scores of a scheme)"
            ),
        )
        parser.add_argument("file", help=_("The .xlsx, .xls or .csv file."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the file and show what would change; write nothing."),
        )
        parser.add_argument(
            "--reason",
            help=_("Why locked scores are changed (required when the file changes a locked unit)."),
        )
        super().add_arguments(parser)

    def handle(self, *args, **options):
        columns, plan_import, apply_import, lockable = KINDS[options["kind"]]
        path = Path(options["file"])
        period = self.period(options)
        try:
            source = open_source(path, columns)
            plan = plan_import(period, source)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "%(file)s was not imported: %(count)s problem, nothing was written.",
                    "%(file)s was not imported: %(count)s problems, nothing was written.",
                    len(refused.problems),
                )
                % {"file": path.name, "count": len(refused.problems)}
            ) from None
        locked = []
        if lockable and options["dry_run"]:
            # A dry run only says what the real import would need.
            would_lock = locked_units(period, plan.units)
            if would_lock and not options["reason"]:
                self.stdout.write(str(LockedScores(would_lock)))
        elif lockable:
            try:
                locked = guard_locked_change(
                    period,
                    plan.units,
                    actor=self.actor(options),
                    reason=options["reason"],
                    what=_("import of %(file)s") % {"file": path.name},
                    details=plan.summary(),
                )
            except LockedScores as refusal:
                raise CommandError(str(refusal)) from None
        if options["dry_run"]:
            self.roll_back()
            self.stdout.write(
                _("Checked %(file)s: no problems found; nothing was written.") % {"file": path.name}
            )
        else:
            apply_import(plan, actor=self.actor(options))
            self.stdout.write(
                _("Imported %(file)s into %(period)s: %(rows)s rows.")
                % {"file": path.name, "period": period.code, "rows": plan.rows}
            )
        for line in describe_plan(options["kind"], plan):
            self.stdout.write("  " + line)
        if locked and not options["dry_run"]:
            refresh_ranking(period, actor=self.actor(options))
            self.stdout.write(
                _("Locked scores of %(units)s changed (reason recorded): totals and ranking recomputed.")
                % {"units": "、".join(u.name for u in locked)}
            )


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
    if summary["ignored_columns"]:
        lines.append(_("ignored columns: %(names)s") % {"names": "、".join(summary["ignored_columns"])})
    if not plan.changed and not summary.get("new_units") and not summary.get("new_categories"):
        lines.append(_("The database already matches the file: nothing changed."))
    return lines
