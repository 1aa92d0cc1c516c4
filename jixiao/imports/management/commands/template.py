"""``jixiao template indicator-scores|rater-scores|adjustments --period 2023H1 --unit NAME -o FILE.xlsx``."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.commands import PeriodCommand
from jixiao.assessment.models import RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.imports.workbooks import KINDS, write_template


class Command(PeriodCommand):
    help = gettext_lazy(
        "Write the .xlsx template for a unit's raw scores: headers of its scheme, its people filled in, "
        "score ranges enforced."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help=_("indicator-scores, rater-scores or adjustments"))
        super().add_arguments(parser)
        parser.add_argument("--unit", required=True, help=_("The unit's name."))
        parser.add_argument(
            "--category", help=_("Only this personnel category (one file per category otherwise).")
        )
        parser.add_argument("-o", "--output", required=True, help=_("FILE.xlsx"))

    def handle(self, *args, **options):
        path = Path(options["output"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx: %(path)s") % {"path": path})
        if not path.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        period, unit = self.period(options), self.unit(options["unit"])
        entries = RosterEntry.objects.filter(period=period, unit=unit).select_related("person", "category")
        if options["category"]:
            entries = entries.filter(category=self.category(options["category"]))
        by_category: dict = {}
        for entry in entries.order_by("category__sort_order", "person__staff_id"):
            by_category.setdefault(entry.category, []).append((entry.person.staff_id, entry.name))
        schemes = {c: applicable_scheme(period, unit.pk, c.pk) for c in by_category}
        schemed = [c for c in by_category if schemes[c] is not None]
        if not schemed:
            raise CommandError(
                _("No one of %(unit)s in %(period)s is assessed by a scheme.")
                % {"unit": unit.name, "period": period.code}
            )
        for category in schemed:
            target = (
                path if len(schemed) == 1 else path.with_name(f"{path.stem}-{category.name}{path.suffix}")
            )
            try:
                rows = write_template(
                    target, options["kind"], period, schemes[category], by_category[category]
                )
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(path)s: %(reason)s")
                    % {"path": target, "reason": error.strerror or error}
                ) from None
            self.stdout.write(
                _("Wrote %(path)s: %(category)s, %(people)s people, %(rows)s rows filled in.")
                % {
                    "path": target,
                    "category": category.name,
                    "people": len(by_category[category]),
                    "rows": rows,
                }
            )
