"""``jixiao nominate --period 2023H1 --staff-id ID --reason TEXT``."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.core.commands import PeriodCommand
from jixiao.selection.errors import NominationRefused
from jixiao.selection.nominations import nominate


class Command(PeriodCommand):
    help = gettext_lazy("Nominate a person for an outstanding contribution (special nomination, rule 3).")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--staff-id", required=True, help=_("The person's staff ID."))
        parser.add_argument("--reason", required=True, help=_("The written reason (at least 20 characters)."))
        parser.add_argument("--unit", help=_("Only nominate if the person is on this unit's roster."))

    def handle(self, *args, **options):
        period = self.period(options)
        unit = self.unit(options["unit"]) if options["unit"] else None
        try:
            nomination = nominate(
                period, options["staff_id"], options["reason"], actor=self.actor(options), unit=unit
            )
        except NominationRefused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(
            _("Nominated %(person)s of %(unit)s for %(period)s.")
            % {"person": nomination.person, "unit": nomination.unit, "period": period.code}
        )
