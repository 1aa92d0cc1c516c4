"""``jixiao breakdown --period 2023H1 --staff-id ID``: how a person's total was reached."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment import formula
from jixiao.assessment.breakdown import explain
from jixiao.assessment.commands import PeriodCommand
from jixiao.assessment.models import RosterEntry
from jixiao.core.text import format_table, normalize_staff_id, plain_decimal


def points(fine_or_cents: int, *, fine: bool = True) -> str:
    value = formula.fine_to_points(fine_or_cents) if fine else formula.cents_to_points(fine_or_cents)
    return f"{value:.4f}" if fine else f"{value:.2f}"


class Command(PeriodCommand):
    help = gettext_lazy(
        "Show how a person's total was reached: indicator × rater group × weight, bonus, penalty."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--staff-id", required=True, help=_("The person's staff ID."))

    def handle(self, *args, **options):
        period = self.period(options)
        staff_id = normalize_staff_id(options["staff_id"])
        entry = (
            RosterEntry.objects.select_related("person", "unit", "category", "period")
            .filter(period=period, person__staff_id=staff_id)
            .first()
        )
        if entry is None:
            raise CommandError(
                _("Staff ID %(staff_id)s is not on the roster of %(period)s.")
                % {"staff_id": staff_id, "period": period.code}
            )
        breakdown = explain(entry)
        if breakdown is None:
            raise CommandError(_("%(name)s has no assessment scheme in this period") % {"name": entry.name})
        self.stdout.write(render(breakdown))


def render(b) -> str:
    entry, result, spec = b.entry, b.result, b.spec
    lines = [
        _("%(person)s, %(unit)s, %(category)s — scheme %(scheme)s")
        % {
            "person": f"{entry.name}（{entry.person.staff_id}）",
            "unit": entry.unit.name,
            "category": entry.category.name,
            "scheme": b.scheme.name,
        }
    ]
    headers = [
        _("Sub-period"),
        _("Indicator"),
        _("Weight"),
        _("Full marks"),
        _("Rater groups"),
        _("Score"),
        _("Points"),
    ]
    rows = []
    for line in result.lines:
        groups = "；".join(
            _("%(group)s (weight %(weight)s%%, %(raters)s rated%(trimmed)s): %(score)s")
            % {
                "group": b.group_names.get(group, group),
                "weight": plain_decimal(formula.cents_to_points(spec.group_weights[group])),
                "raters": b.group_sizes[(line.indicator.key, line.sub_period, group)],
                "trimmed": _(", highest and lowest dropped")
                if b.trimmed(line.indicator.key, line.sub_period, group)
                else "",
                "score": points(score),
            }
            for group, score in sorted(line.group_scores.items())
        ) or _("entered figure")
        rows.append(
            [
                b.sub_period_name(line.sub_period),
                line.indicator.name,
                plain_decimal(formula.cents_to_points(line.indicator.weight_cents)),
                plain_decimal(formula.cents_to_points(line.indicator.full_marks_cents)),
                groups,
                points(line.score_fine),
                points(line.contribution_fine),
            ]
        )
    for sub_period, indicator in result.missing:
        rows.append([b.sub_period_name(sub_period), indicator.name, "", "", _("not scored"), "—", "—"])
    lines.append(format_table(headers, rows))
    for number, base in sorted(result.sub_period_bases.items()):
        lines.append(
            _("Base of %(sub_period)s: %(base)s (weight %(weight)s)")
            % {
                "sub_period": b.sub_period_name(number),
                "base": points(base),
                "weight": spec.sub_period_weights[number],
            }
        )
    for label, items, capped, cap in (
        (_("Bonus"), b.bonuses, result.bonus_cents, spec.bonus_cap_cents),
        (_("Penalty"), b.penalties, result.penalty_cents, spec.penalty_cap_cents),
    ):
        if items:
            lines.append(
                _("%(label)s: %(points)s (cap %(cap)s) — %(items)s")
                % {
                    "label": label,
                    "points": points(capped, fine=False),
                    "cap": points(cap, fine=False),
                    "items": "；".join(f"{plain_decimal(a.points)} {a.reason}" for a in items),
                }
            )
    if result.complete:
        lines.append(
            _("Total: base %(base)s → %(rounded)s, + bonus %(bonus)s − penalty %(penalty)s = %(total)s")
            % {
                "base": points(result.base_fine),
                "rounded": points(formula.round_div(result.base_fine, formula.FINE_PER_CENT), fine=False),
                "bonus": points(result.bonus_cents, fine=False),
                "penalty": points(result.penalty_cents, fine=False),
                "total": points(result.total_cents, fine=False),
            }
        )
    elif result.missing:
        lines.append(
            _("Total: incomplete, %(count)s indicator scores missing.") % {"count": len(result.missing)}
        )
    else:
        lines.append(_("Total: not assessed (no scores yet)."))
    for text in b.veto_texts:
        lines.append(_("Vetoed: %(reason)s") % {"reason": text})
    return "\n".join(lines)
