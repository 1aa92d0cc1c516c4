"""``jixiao select --period 2023H1 [--unit NAME]``: compute totals, ranking and eligibility,
print the summary."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.commands import PeriodCommand
from jixiao.core.text import format_table
from jixiao.selection.actions import rank
from jixiao.selection.ranking import conflicting_nominations, summarize


class Command(PeriodCommand):
    help = gettext_lazy(
        "Compute the ranking and eligibility of a period and print a summary per unit and the city total."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--unit", help=_("Only the peer groups of this unit's people (its own, or its unit tree's).")
        )

    def handle(self, *args, **options):
        period = self.period(options)
        unit = self.unit(options["unit"]) if options["unit"] else None
        run = rank(period, acting_user=self.acting_user(options), unit=unit)
        if run.totals is not None:
            self.stdout.write(
                _("Totals computed by the schemes: %(computed)s complete, %(incomplete)s incomplete.")
                % {"computed": run.totals.computed, "incomplete": run.totals.incomplete}
            )
        for proposal in run.flagged:
            self.stderr.write(
                _("The list of %(unit)s needs a new decision: %(why)s")
                % {"unit": proposal.unit.name, "why": proposal.flag_reason}
            )
        units, city = summarize(period)
        headers = [
            _("Unit"),
            _("Headcount"),
            _("Assessed"),
            _("Vetoed"),
            _("Eligible by rank"),
            _("Special nominations"),
            _("Special cap"),
        ]

        def cells(name, s):
            return [name, s.headcount, s.assessed, s.vetoed, s.by_rank, s.special, s.special_cap]

        rows = [cells(u.name, u) for u in units] + [cells(_("City total"), city)]
        self.stdout.write(format_table(headers, rows))
        self.stdout.write(
            _(
                "Ranked %(ranked)s people of %(period)s in %(units)s units: %(by_rank)s eligible by rank, %(vetoed)s vetoed."
            )
            % {
                "ranked": run.ranked,
                "period": period.code,
                "units": len(units),
                "by_rank": city.by_rank,
                "vetoed": city.vetoed,
            }
        )
        for nomination in conflicting_nominations(period):
            self.stderr.write(
                _(
                    "Warning: %(person)s of %(unit)s is nominated as special but is now eligible by rank or vetoed."
                )
                % {"person": f"{nomination.name}（{nomination.person.staff_id}）", "unit": nomination.unit}
            )
        unassessed = city.headcount - city.assessed
        if unassessed:
            self.stdout.write(
                _("%(count)s people on the roster have no total and were not ranked.") % {"count": unassessed}
            )
