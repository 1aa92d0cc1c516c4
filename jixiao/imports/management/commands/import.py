"""``jixiao import roster|scores|indicator-scores|rater-scores|adjustments FILE --period 2023H1``,
and ``jixiao import sanctions FILE`` (the sanctions register: records of people, of no period)."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jixiao.assessment.commands import PeriodCommand
from jixiao.assessment.errors import AssessmentRefusal
from jixiao.core.refusals import Refused
from jixiao.imports.actions import import_file, import_sanctions
from jixiao.imports.kinds import KINDS, SANCTIONS, describe_plan, describe_sanctions
from jixiao.imports.problems import ImportRefused
from jixiao.imports.sanctions import SANCTION_COLUMNS
from jixiao.imports.source import open_source


class Command(PeriodCommand):
    help = gettext_lazy(
        "Import a roster, scores or the sanctions register from .xlsx, .xls or .csv; a file with any "
        "bad row is refused whole."
    )
    # Every kind but the sanctions register needs one.
    period_required = False

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=[*KINDS, SANCTIONS],
            help=_(
                "roster; scores (final totals); indicator-scores, rater-scores or adjustments "
                "(the raw scores of a scheme); sanctions (the sanctions register, no period)"
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
        path = Path(options["file"])
        if options["kind"] == SANCTIONS:
            self.import_sanctions(path, options)
            return
        if not options["period"]:
            # A usage error, as argparse reports a missing option.
            raise CommandError(
                _("--period is required for a %(kind)s file.") % {"kind": options["kind"]}, returncode=2
            )
        columns, _plan, _apply, _lockable = KINDS[options["kind"]]
        period = self.period(options)
        try:
            result = import_file(
                options["kind"],
                period,
                open_source(path, columns),
                acting_user=self.acting_user(options),
                reason=options["reason"],
                dry_run=options["dry_run"],
            )
        except ImportRefused as refused:
            raise self.refused(path, refused) from None
        plan = result.plan
        if options["dry_run"]:
            # A dry run only says what the real import would need.
            if result.locked and not options["reason"]:
                self.stdout.write(
                    str(
                        Refused(
                            AssessmentRefusal.SCORES_LOCKED, units="、".join(u.name for u in result.locked)
                        )
                    )
                )
            self.roll_back()
            self.stdout.write(
                _("Checked %(file)s: no problems found; nothing was written.") % {"file": path.name}
            )
        else:
            self.stdout.write(
                _("Imported %(file)s into %(period)s: %(rows)s rows.")
                % {"file": path.name, "period": period.code, "rows": plan.rows}
            )
        for line in describe_plan(options["kind"], plan):
            self.stdout.write("  " + line)
        if result.rankings:
            self.stdout.write(
                _("Locked scores of %(units)s changed (reason recorded): totals and ranking recomputed.")
                % {"units": "、".join(u.name for u in result.locked)}
            )
        for proposal in result.flagged:
            self.stdout.write(
                _("The list of %(unit)s needs a new decision: %(why)s")
                % {"unit": proposal.unit.name, "why": proposal.flag_reason}
            )

    def refused(self, path: Path, refused: ImportRefused) -> CommandError:
        for problem in refused.problems:
            self.stderr.write(str(problem))
        return CommandError(
            ngettext(
                "%(file)s was not imported: %(count)s problem, nothing was written.",
                "%(file)s was not imported: %(count)s problems, nothing was written.",
                len(refused.problems),
            )
            % {"file": path.name, "count": len(refused.problems)}
        )

    def import_sanctions(self, path: Path, options) -> None:
        if options["period"]:
            self.stderr.write(_("The sanctions register belongs to no period: --period is ignored."))
        try:
            result = import_sanctions(
                open_source(path, SANCTION_COLUMNS),
                acting_user=self.acting_user(options),
                dry_run=options["dry_run"],
            )
        except ImportRefused as refused:
            raise self.refused(path, refused) from None
        if options["dry_run"]:
            self.roll_back()
            self.stdout.write(
                _("Checked %(file)s: no problems found; nothing was written.") % {"file": path.name}
            )
        else:
            self.stdout.write(
                _("Imported %(file)s into the sanctions register: %(rows)s rows.")
                % {"file": path.name, "rows": result.plan.rows}
            )
        for line in describe_sanctions(result):
            self.stdout.write("  " + line)
        for proposal in result.flagged:
            self.stdout.write(
                _("The list of %(unit)s needs a new decision: %(why)s")
                % {"unit": proposal.unit.name, "why": proposal.flag_reason}
            )
