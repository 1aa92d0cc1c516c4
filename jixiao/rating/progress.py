"""How far a rating round got: counts of codes issued, opened and submitted, per unit and
rater group (one GROUP BY in the database), and the slips still missing.

The office sees counts and slip numbers only; a bound code's holder is named among the
missing (the office handed the slip to them), never beside a score: nothing here reads the
drafts or the rater scores.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from jixiao.assessment.models import Period
from jixiao.rating.models import RatingBatch, RatingCode, RatingRound, RoundState

COUNTS = {
    "issued": Count("pk"),
    "opened": Count("pk", filter=Q(opened_at__isnull=False)),
    "submitted": Count("pk", filter=Q(submitted_at__isnull=False)),
}


@dataclass
class Missing:
    """The slips of one unit and group not yet submitted: anonymous ones as ranges of slip
    numbers ("3–7"), bound ones with their holder."""

    ranges: list[str] = field(default_factory=list)
    holders: list[tuple[int, str]] = field(default_factory=list)  # (slip, holder's name)

    def __bool__(self) -> bool:
        return bool(self.ranges or self.holders)


@dataclass
class GroupProgress:
    unit_id: int
    unit: str
    group_id: int
    group: str
    issued: int
    opened: int
    submitted: int
    missing: Missing = field(default_factory=Missing)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.issued) if self.issued else 0


@dataclass
class RoundProgress:
    rows: list[GroupProgress]

    @property
    def issued(self) -> int:
        return sum(r.issued for r in self.rows)

    @property
    def opened(self) -> int:
        return sum(r.opened for r in self.rows)

    @property
    def submitted(self) -> int:
        return sum(r.submitted for r in self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.issued) if self.issued else 0


def round_progress(round_: RatingRound) -> RoundProgress:
    """Per unit and rater group of the round: codes issued, opened, submitted (one GROUP BY)
    and the slips still missing."""
    grouped = (
        RatingCode.objects.filter(round=round_)
        .values("batch__unit_id", "batch__unit__name", "batch__unit__sort_order", "group_id", "group__name")
        .annotate(**COUNTS)
        .order_by("batch__unit__sort_order", "batch__unit_id", "group__sort_order", "group_id")
    )
    rows = [
        GroupProgress(
            unit_id=row["batch__unit_id"],
            unit=row["batch__unit__name"],
            group_id=row["group_id"],
            group=row["group__name"],
            issued=row["issued"],
            opened=row["opened"],
            submitted=row["submitted"],
        )
        for row in grouped
    ]
    by_key = {(r.unit_id, r.group_id): r for r in rows}
    missing = (
        RatingCode.objects.filter(round=round_, submitted_at__isnull=True)
        .order_by("slip_number")
        .values_list("batch__unit_id", "group_id", "slip_number", "person__name")
    )
    anonymous: dict[tuple[int, int], list[int]] = {}
    for unit_id, group_id, slip, holder in missing.iterator(chunk_size=5000):
        row = by_key.get((unit_id, group_id))
        if row is None:  # issued after the counts were read: the next look shows them
            continue
        if holder is None:
            anonymous.setdefault((unit_id, group_id), []).append(slip)
        else:
            row.missing.holders.append((slip, holder))
    for key, slips in anonymous.items():
        by_key[key].missing.ranges = slip_ranges(slips)
    return RoundProgress(rows)


def slip_ranges(numbers: list[int]) -> list[str]:
    """Sorted slip numbers as runs: [1, 2, 3, 5, 7, 8] → ["1–3", "5", "7–8"]."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [str(a) if a == b else f"{a}–{b}" for a, b in runs]


def round_state(round_: RatingRound, now: datetime.datetime | None = None) -> str:
    """Where the round stands for the raters: ``waiting`` (not open yet), ``open``,
    ``closed`` (not counted yet) or ``counted``."""
    now = now or timezone.now()
    if round_.state == RoundState.COUNTED:
        return "counted"
    if now < round_.opens_at:
        return "waiting"
    if now >= round_.closes_at:
        return "closed"
    return "open"


@dataclass
class RoundSummary:
    round: RatingRound
    issued: int = 0
    opened: int = 0
    submitted: int = 0
    url: str = ""

    @property
    def state(self) -> str:
        return round_state(self.round)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.issued) if self.issued else 0


def round_summaries(rounds) -> list[RoundSummary]:
    """Each round with its counts of codes (one GROUP BY over all the rounds' codes)."""
    rounds = list(rounds)
    counts = {
        row["round_id"]: row
        for row in RatingCode.objects.filter(round__in=[r.pk for r in rounds])
        .values("round_id")
        .annotate(**COUNTS)
        .order_by()
    }
    summaries = []
    for round_ in rounds:
        row = counts.get(round_.pk, {})
        summaries.append(
            RoundSummary(
                round_,
                issued=row.get("issued", 0),
                opened=row.get("opened", 0),
                submitted=row.get("submitted", 0),
            )
        )
    return summaries


def unit_rounds(period: Period, unit) -> list[RoundSummary]:
    rounds = RatingRound.objects.filter(period=period, unit=unit).select_related("category")
    return round_summaries(rounds.order_by("-opens_at", "-id"))


def all_rounds(period: Period) -> list[RoundSummary]:
    """Every round of the period: the city's own (city-wide) first, then the units' in the
    city's order of units."""
    rounds = RatingRound.objects.filter(period=period).select_related("category", "unit")
    return round_summaries(
        rounds.order_by(
            F("unit__sort_order").asc(nulls_first=True),
            F("unit_id").asc(nulls_first=True),
            "-opens_at",
            "-id",
        )
    )


def batches(round_: RatingRound) -> list[dict]:
    """The round's batches of codes: group, unit, label, whom they score, their slips and how
    many are bound to a holder (one GROUP BY, and one for the people listed)."""
    rows = list(
        RatingBatch.objects.filter(round=round_)
        .values("pk", "group__name", "unit__name", "label", "scope")
        .annotate(
            issued=Count("codes"),
            first=Min("codes__slip_number"),
            last=Max("codes__slip_number"),
            bound=Count("codes", filter=Q(codes__person__isnull=False)),
        )
        .order_by("pk")
    )
    listed = dict(
        RatingBatch.rated.through.objects.filter(ratingbatch__round=round_)
        .values("ratingbatch_id")
        .annotate(people=Count("pk"))
        .order_by()
        .values_list("ratingbatch_id", "people")
    )
    for row in rows:
        row["listed"] = listed.get(row["pk"], 0)
    return rows
