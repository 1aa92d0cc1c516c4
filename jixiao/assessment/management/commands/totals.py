"""``jixiao totals --period 2023H1``: compute every total from the schemes' raw scores."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.actions import recompute_totals
from jixiao.assessment.commands import PeriodCommand
from jixiao.assessment.models import SchemeTotal

SHOWN_INCOMPLETE = 20


class Command(PeriodCommand):
    help = gettext_lazy("Compute the period totals from the schemes' raw scores; list who is incomplete.")

    def handle(self, *args, **options):
        period = self.period(options)
        if not period.schemes.exists():
            self.stdout.write(
                _("%(period)s has no assessment schemes: its totals are imported.") % {"period": period.code}
            )
            return
        run = recompute_totals(period, acting_user=self.acting_user(options))
        self.stdout.write(
            _("Totals computed by the schemes: %(computed)s complete, %(incomplete)s incomplete.")
            % {"computed": run.computed, "incomplete": run.incomplete}
        )
        incomplete = (
            SchemeTotal.objects.filter(period=period, total_cents__isnull=True)
            .select_related("entry__person", "entry__unit")
            .order_by("entry__unit__sort_order", "entry__person__staff_id")
        )
        for total in incomplete[:SHOWN_INCOMPLETE]:
            self.stdout.write(
                "  "
                + _("%(unit)s %(name)s (%(staff_id)s): %(missing)s indicator scores missing")
                % {
                    "unit": total.entry.unit.name,
                    "name": total.entry.name,
                    "staff_id": total.entry.person.staff_id,
                    "missing": total.missing,
                }
            )
        if run.incomplete > SHOWN_INCOMPLETE:
            self.stdout.write(
                "  " + _("… and %(count)s more.") % {"count": run.incomplete - SHOWN_INCOMPLETE}
            )
