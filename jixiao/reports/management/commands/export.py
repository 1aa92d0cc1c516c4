"""``jixiao export ranking|candidates|exemplars --period 2023H1 -o FILE.csv|FILE.xlsx``."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.commands import PeriodCommand
from jixiao.reports.exports import export_table
from jixiao.reports.tables import PERIOD_TABLES
from jixiao.selection.ranking import ranking_is_current

# The lists, as the pages download them: the same columns, the same Chinese sheet names.
LISTS = {name: PERIOD_TABLES[name] for name in ("ranking", "candidates", "exemplars")}


class Command(PeriodCommand):
    help = gettext_lazy("Export a list of a period to .csv (UTF-8 with BOM) or .xlsx.")

    def add_arguments(self, parser):
        parser.add_argument(
            "list", choices=sorted(LISTS), help=_("Which list: ranking, candidates or exemplars.")
        )
        parser.add_argument("-o", "--output", required=True, help=_("FILE.csv or FILE.xlsx"))
        super().add_arguments(parser)

    def handle(self, *args, **options):
        path = Path(options["output"])
        if path.suffix.lower() not in {".csv", ".xlsx"}:
            raise CommandError(_("The output file must end in .csv or .xlsx: %(path)s") % {"path": path})
        if not path.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        period = self.period(options)
        if options["list"] == "ranking" and not period.ranking_runs.exists():
            raise CommandError(
                _("%(period)s has no ranking yet: run `jixiao select --period %(period)s` first.")
                % {"period": period.code}
            )
        if options["list"] == "ranking" and not ranking_is_current(period):
            self.stderr.write(
                _(
                    "Warning: the roster or scores changed after the last ranking; run `jixiao select` to update it."
                )
            )
        table = LISTS[options["list"]]
        try:
            count = export_table(path, table.columns, table.rows(period), title=f"{period.code}{table.title}")
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": error.strerror or error}
            ) from None
        self.stdout.write(_("Wrote %(count)s rows to %(path)s.") % {"count": count, "path": path})
