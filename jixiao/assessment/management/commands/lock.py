"""``jixiao lock --period 2023H1 --unit NAME``: lock a unit's scores for the period."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.actions import lock_scores
from jixiao.assessment.commands import PeriodCommand


class Command(PeriodCommand):
    help = gettext_lazy("Lock a unit's scores for a period: later changes need a reason and are recorded.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--unit", required=True, help=_("The unit's name."))

    def handle(self, *args, **options):
        period, unit = self.period(options), self.unit(options["unit"])
        record = lock_scores(period, unit, acting_user=self.acting_user(options))
        self.stdout.write(
            _("The scores of %(unit)s for %(period)s are locked (since %(at)s, by %(by)s).")
            % {
                "unit": unit.name,
                "period": period.code,
                "at": f"{record.locked_at:%Y-%m-%d %H:%M}",
                "by": record.locked_by,
            }
        )
