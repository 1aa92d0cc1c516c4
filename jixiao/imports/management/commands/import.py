"""``jixiao import roster|scores|indicator-scores|rater-scores|adjustments FILE --period 2023H1``."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jixiao.assessment.locks import LockedScores, guard_locked_change, locked_units
from jixiao.core.commands import PeriodCommand
from jixiao.imports.kinds import KINDS, describe_plan
from jixiao.imports.problems import ImportRefused
from jixiao.imports.source import open_source
from jixiao.selection.ranking import refresh_ranking


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
