"""``jixiao unlock --period 2023H1 --unit NAME --reason TEXT``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.actions import unlock_scores
from jixiao.assessment.commands import PeriodCommand


class Command(PeriodCommand):
    help = gettext_lazy("Unlock a unit's scores for a period; the reason is recorded.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--unit", required=True, help=_("The unit's name."))
        parser.add_argument("--reason", required=True, help=_("Why the scores are unlocked."))

    def handle(self, *args, **options):
        period, unit = self.period(options), self.unit(options["unit"])
        if unlock_scores(period, unit, acting_user=self.acting_user(options), reason=options["reason"]):
            self.stdout.write(
                _("The scores of %(unit)s for %(period)s are unlocked.")
                % {"unit": unit.name, "period": period.code}
            )
        else:
            self.stdout.write(
                _("The scores of %(unit)s for %(period)s were not locked.")
                % {"unit": unit.name, "period": period.code}
            )
