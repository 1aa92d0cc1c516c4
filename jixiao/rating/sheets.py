"""What one code scores: the people, the rater-scored indicators of their scheme, the
rater's draft, and what the rules still ask before it can be submitted."""

from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.assessment.formula import to_cents
from jixiao.assessment.models import Indicator, RosterEntry, Scheme, ScoringMethod
from jixiao.assessment.schemes import applicable_scheme, leaves
from jixiao.rating import rules
from jixiao.rating.models import BatchScope, DraftScore, RatingBatch, RatingCode


def rated_indicators(scheme: Scheme) -> list[Indicator]:
    return [leaf for leaf in leaves(scheme.indicators.all()) if leaf.method == ScoringMethod.RATERS]


def rated_people(batch: RatingBatch, *, exclude_person_id: int | None = None):
    """The roster entries a batch's codes score, in the roster's order; never the holder."""
    round_ = batch.round
    if batch.scope == BatchScope.ALL:
        people = RosterEntry.objects.filter(period=round_.period, unit=batch.unit, category=round_.category)
    else:
        people = batch.rated.all()
    if exclude_person_id is not None:
        people = people.exclude(person_id=exclude_person_id)
    return people.order_by("id")


@dataclass
class Sheet:
    code: RatingCode
    scheme: Scheme
    people: list[RosterEntry]
    indicators: list[Indicator]
    scores: dict[tuple[int, int], int] = field(default_factory=dict)  # (entry, indicator) → cents

    @property
    def round(self):
        return self.code.round

    @property
    def keys(self) -> list[tuple[int, int]]:
        return [(p.pk, i.pk) for p in self.people for i in self.indicators]

    def full_marks_cents(self) -> dict[int, int]:
        return {i.pk: to_cents(i.full_marks) for i in self.indicators}

    def top_floors(self) -> dict[int, int]:
        """indicator → the lowest score that is a top mark (only where the scheme limits them)."""
        if self.scheme.top_mark_share is None:
            return {}
        return {
            key: rules.top_mark_floor_cents(full, Decimal(self.scheme.top_mark_from))
            for key, full in self.full_marks_cents().items()
        }

    def top_allowance(self) -> int | None:
        return rules.top_mark_allowance(self.scheme.top_mark_share, len(self.people))

    def over_limit(self) -> list[rules.OverLimit]:
        return rules.top_marks_over_limit(
            self.scores,
            people=len(self.people),
            floors=self.top_floors(),
            share_percent=self.scheme.top_mark_share,
        )

    def missing(self) -> int:
        return rules.missing(self.keys, self.scores)


def sheet_for(code: RatingCode) -> Sheet:
    batch = code.batch
    round_ = code.round
    scheme = applicable_scheme(round_.period, batch.unit_id, round_.category_id)
    people = list(rated_people(batch, exclude_person_id=code.person_id))
    indicators = rated_indicators(scheme) if scheme else []
    return Sheet(code=code, scheme=scheme, people=people, indicators=indicators, scores=draft_scores(code))


def draft_scores(code: RatingCode) -> dict[tuple[int, int], int]:
    """The code's draft: (entry, indicator) → hundredths."""
    return {
        (entry_id, indicator_id): cents
        for entry_id, indicator_id, cents in DraftScore.objects.filter(code=code).values_list(
            "entry_id", "indicator_id", "score_cents"
        )
    }
