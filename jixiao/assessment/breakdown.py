"""How a person's total was reached, line by line, from their raw scores.

The same pure formula the totals are tested against computes it here for one person, so
what the breakdown shows is what the database stored.
"""

from dataclasses import dataclass

from jixiao.assessment import formula
from jixiao.assessment.models import (
    Adjustment,
    AdjustmentKind,
    DirectScore,
    RaterGroup,
    RaterScore,
    RollUp,
    RosterEntry,
    Scheme,
    VetoItem,
)
from jixiao.assessment.sanctions import sanction_vetoes
from jixiao.assessment.schemes import applicable_scheme, formula_scheme


@dataclass
class Breakdown:
    entry: RosterEntry
    scheme: Scheme
    spec: formula.Scheme
    result: formula.Result
    group_names: dict[int, str]
    group_sizes: dict[tuple, int]  # (indicator, sub-period, group) → raters
    bonuses: list[Adjustment]
    penalties: list[Adjustment]
    vetoes: list[VetoItem]
    sanctions: list[str]  # the vetoes of the person's sanctions touching the period

    @property
    def veto_texts(self) -> list[str]:
        """Every veto the breakdown shows but the one imported with a total."""
        return [item.text for item in self.vetoes] + self.sanctions

    def sub_period_name(self, number: int) -> str:
        rhythm = RollUp(self.scheme.roll_up)
        if rhythm == RollUp.HALF_YEAR:
            return self.entry.period.code
        period = self.entry.period
        if rhythm == RollUp.MONTHLY:
            return f"{period.start.year}-{period.start.month + number - 1:02d}"
        return f"{period.start.year}Q{(period.start.month + 2) // 3 + number - 1}"

    def trimmed(self, indicator_key, sub_period: int, group_id: int) -> bool:
        return self.group_sizes.get((indicator_key, sub_period, group_id), 0) >= self.spec.trim_from


def explain(entry: RosterEntry) -> Breakdown | None:
    """The breakdown of the entry's total under its scheme; None when no scheme applies."""
    scheme = applicable_scheme(entry.period, entry.unit_id, entry.category_id)
    if scheme is None:
        return None
    spec = formula_scheme(scheme)
    inputs = formula.Inputs(rater_scores={}, direct_scores={})
    for score in RaterScore.objects.filter(entry=entry):
        key = (score.indicator_id, score.sub_period, score.group_id)
        inputs.rater_scores.setdefault(key, []).append(score.score_cents)
    for score in DirectScore.objects.filter(entry=entry):
        inputs.direct_scores[(score.indicator_id, score.sub_period)] = score.score_cents
    adjustments = list(Adjustment.objects.filter(entry=entry).order_by("id"))
    bonuses = [a for a in adjustments if a.kind == AdjustmentKind.BONUS]
    penalties = [a for a in adjustments if a.kind == AdjustmentKind.PENALTY]
    inputs.bonuses = [formula.to_cents(a.points) for a in bonuses]
    inputs.penalties = [formula.to_cents(a.points) for a in penalties]
    return Breakdown(
        entry=entry,
        scheme=scheme,
        spec=spec,
        result=formula.person_total(spec, inputs),
        group_names=dict(RaterGroup.objects.values_list("id", "name")),
        group_sizes={key: len(scores) for key, scores in inputs.rater_scores.items()},
        bonuses=bonuses,
        penalties=penalties,
        vetoes=list(VetoItem.objects.filter(entry=entry).order_by("id")),
        sanctions=[
            text for text, _reason in sanction_vetoes(entry.period, entry_ids=[entry.pk]).get(entry.pk, [])
        ],
    )
