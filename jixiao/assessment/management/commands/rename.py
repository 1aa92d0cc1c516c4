"""``jixiao rename --period 2024H1 --staff-id ID --name NEW --reason TEXT``: a person's change of
name, from that period on (earlier periods keep the name they showed)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.actions import rename_person
from jixiao.assessment.commands import PeriodCommand


class Command(PeriodCommand):
    help = gettext_lazy(
        "Rename a person from a period on (a change of name, 改名): this and later open periods show "
        "the new name, earlier periods keep theirs."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--staff-id", required=True, help=_("The person's staff ID."))
        parser.add_argument("--name", required=True, help=_("The new name."))
        parser.add_argument(
            "--reason", required=True, help=_("Why, for the record (e.g. the approval document).")
        )

    def handle(self, *args, **options):
        period = self.period(options)
        entry = rename_person(
            period,
            options["staff_id"],
            options["name"],
            acting_user=self.acting_user(options),
            reason=options["reason"],
        )
        self.stdout.write(
            _("%(staff_id)s is called %(name)s from %(period)s on.")
            % {"staff_id": entry.person.staff_id, "name": entry.name, "period": period.code}
        )
