"""``jixiao nominate --period 2023H1 --staff-id ID --reason TEXT``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.commands import PeriodCommand
from jixiao.selection.actions import nominate


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
        nomination = nominate(
            period, options["staff_id"], options["reason"], acting_user=self.acting_user(options), unit=unit
        )
        self.stdout.write(
            _("Nominated %(person)s of %(unit)s for %(period)s.")
            % {
                "person": f"{nomination.name}（{nomination.person.staff_id}）",
                "unit": nomination.unit,
                "period": period.code,
            }
        )
