"""``jixiao unlock --period 2023H1 --unit NAME --reason TEXT``."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.locks import unlock
from jixiao.core.commands import PeriodCommand


class Command(PeriodCommand):
    help = gettext_lazy("Unlock a unit's scores for a period; the reason is recorded.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--unit", required=True, help=_("The unit's name."))
        parser.add_argument("--reason", required=True, help=_("Why the scores are unlocked."))

    def handle(self, *args, **options):
        period, unit = self.period(options), self.unit(options["unit"])
        if not options["reason"].strip():
            raise CommandError(_("The reason must not be empty."))
        if unlock(period, unit, actor=self.actor(options), reason=options["reason"]):
            self.stdout.write(
                _("The scores of %(unit)s for %(period)s are unlocked.")
                % {"unit": unit.name, "period": period.code}
            )
        else:
            self.stdout.write(
                _("The scores of %(unit)s for %(period)s were not locked.")
                % {"unit": unit.name, "period": period.code}
            )
