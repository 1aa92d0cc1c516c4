"""The base of every ``jixiao`` command about one period."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from jixiao.assessment.actions import get_or_create_period
from jixiao.core.commands import JixiaoCommand
from jixiao.core.refusals import Refused
from jixiao.org.access import Operator
from jixiao.org.models import Category, Unit


class PeriodCommand(JixiaoCommand):
    """A command about one period, named by ``--period``; created with default rules if new
    (and kept only if the command's writes are). Its actions act as the command line's
    ``Operator`` (``--actor``), and their refusals end the command with the rule's message."""

    atomic = True
    period_required = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", required=self.period_required, help=_("Period code, e.g. 2023H1."))

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except Refused as refused:
            raise CommandError(refused.message) from None

    def acting_user(self, options) -> Operator:
        return Operator(self.actor(options))

    def period(self, options):
        try:
            period, created = get_or_create_period(options["period"], acting_user=self.acting_user(options))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if created:
            self.stderr.write(
                _("Period %(code)s did not exist: created with the default rules.") % {"code": period.code}
            )
        return period

    def unit(self, name: str) -> Unit:
        unit = Unit.objects.filter(name=name.strip()).first()
        if unit is None:
            raise CommandError(_("No unit is named %(name)s.") % {"name": name})
        return unit

    def category(self, name: str) -> Category:
        category = Category.objects.filter(name=name.strip()).first()
        if category is None:
            raise CommandError(_("No personnel category is named %(name)s.") % {"name": name})
        return category
