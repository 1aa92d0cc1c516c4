"""``jixiao scheme list|check|copy``: the period's assessment schemes."""

from django.core.management.base import CommandError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.actions import copy_scheme
from jixiao.assessment.commands import PeriodCommand
from jixiao.assessment.models import Period, Scheme
from jixiao.assessment.schemes import leaves, scheme_problems
from jixiao.core.text import format_table, plain_decimal


class Command(PeriodCommand):
    help = gettext_lazy(
        "List or check a period's schemes, or copy schemes from another period or a city template."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "check", "copy"], help=_("list, check or copy"))
        super().add_arguments(parser)
        parser.add_argument("--from-period", help=_("copy: the period to copy schemes from."))
        parser.add_argument("--template", help=_("copy: the name of a city-wide template to copy."))
        parser.add_argument(
            "--category", help=_("copy: only this category (for a template: the category it is for).")
        )
        parser.add_argument("--unit", help=_("copy: make the unit's own adjustment of the city scheme."))

    def handle(self, *args, **options):
        period = self.period(options)
        # Not named like the actions: BaseCommand.check() runs the system checks.
        getattr(self, f"{options['action']}_schemes")(period, options)

    def list_schemes(self, period, options):
        rows = []
        schemes = Scheme.objects.filter(period=period).select_related("category", "unit")
        # A city scheme first, then the units' adjustments of it, on either engine.
        schemes = schemes.order_by(
            "category__sort_order", "category_id", F("unit__sort_order").asc(nulls_first=True), "unit_id"
        )
        for scheme in schemes:
            indicators = leaves(scheme.indicators.all())
            rows.append(
                [
                    scheme.name,
                    scheme.category.name if scheme.category else "—",
                    scheme.unit.name if scheme.unit else _("city"),
                    len(indicators),
                    "、".join(
                        f"{g.group.name} {plain_decimal(g.weight)}"
                        for g in scheme.rater_groups.select_related("group")
                    ),
                    scheme.get_roll_up_display(),
                    _("ok") if not scheme_problems(scheme) else _("has problems"),
                ]
            )
        if not rows:
            self.stdout.write(_("%(period)s has no assessment schemes.") % {"period": period.code})
            return
        headers = [
            _("Scheme"),
            _("Category"),
            _("For"),
            _("Indicators"),
            _("Rater groups"),
            _("Rhythm"),
            _("Check"),
        ]
        self.stdout.write(format_table(headers, rows))

    def check_schemes(self, period, options):
        failing = 0
        for scheme in Scheme.objects.filter(period=period):
            problems = scheme_problems(scheme)
            if problems:
                failing += 1
                self.stderr.write(_("Scheme %(name)s cannot be used:") % {"name": scheme.name})
                for problem in problems:
                    self.stderr.write("  " + problem)
        if failing:
            raise CommandError(_("%(count)s schemes have problems.") % {"count": failing})
        self.stdout.write(_("Every scheme of %(period)s adds up.") % {"period": period.code})

    def copy_schemes(self, period, options):
        category = self.category(options["category"]) if options["category"] else None
        unit = self.unit(options["unit"]) if options["unit"] else None
        if options["template"]:
            source = Scheme.objects.filter(period__isnull=True, name=options["template"]).first()
            if source is None:
                raise CommandError(_("No city template is named %(name)s.") % {"name": options["template"]})
            sources = [source]
            if category is None and source.category is None:
                raise CommandError(_("Say which category the template is for (--category)."))
        elif options["from_period"] or unit:
            origin = period
            if options["from_period"]:
                origin = Period.objects.filter(code=options["from_period"].strip().upper()).first()
                if origin is None:
                    raise CommandError(
                        _("No period has the code %(code)s.") % {"code": options["from_period"]}
                    )
            sources = list(Scheme.objects.filter(period=origin, unit__isnull=True))
            if category:
                sources = [s for s in sources if s.category_id == category.pk]
            if not sources:
                raise CommandError(_("There is no scheme to copy."))
        else:
            raise CommandError(
                _("Say what to copy: --from-period, --template, or --unit for a unit's adjustment.")
            )
        for source in sources:
            copy = copy_scheme(
                source, period=period, category=category, unit=unit, acting_user=self.acting_user(options)
            )
            self.stdout.write(
                _("Copied %(source)s as %(copy)s.")
                % {"source": source.name, "copy": f"{period.code} {copy.name}"}
            )
