"""The selection rules of DESIGN.md as plain functions: no ORM, no I/O.

The database computes the same thing set-wise (``selection.ranking``); property-based tests
hold the two to each other. Shares are carried in basis points (1 % = 100) so that every
quota is exact integer arithmetic: 29 % of 100 people is 29 places, never 28.999….
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

BASIS_POINTS = 10_000


class QuotaRounding(StrEnum):
    FLOOR = "floor"
    HALF_UP = "half_up"
    CEIL = "ceil"


class TiePolicy(StrEnum):
    # Tied people share a rank, so a tie at the cut-off lets all of them in.
    SHARE_RANK = "share_rank"
    # A tie that straddles the cut-off lets none of them in.
    EXCLUDE_STRADDLING = "exclude_straddling"


class PeerScope(StrEnum):
    UNIT = "unit"
    UNIT_TREE = "unit_tree"
    CITY = "city"


class Outcome(StrEnum):
    BY_RANK = "rank"
    VETOED = "veto"
    NOT_SELECTED = "none"


def percent_to_basis_points(percent: Decimal | int | str) -> int:
    """10 (%) → 1000; refuses a share finer than a hundredth of a percent."""
    points = Decimal(percent) * 100
    if points != points.to_integral_value() or not 0 <= points <= BASIS_POINTS:
        raise ValueError(f"share {percent}% is not between 0 and 100 in steps of 0.01")
    return int(points)


def rounded_share(count: int, share_bp: int, rounding: QuotaRounding) -> int:
    """``count × share`` rounded down, half-up or up, as the period's setting says."""
    scaled = count * share_bp
    if rounding == QuotaRounding.FLOOR:
        return scaled // BASIS_POINTS
    if rounding == QuotaRounding.HALF_UP:
        return (scaled + BASIS_POINTS // 2) // BASIS_POINTS
    return -(-scaled // BASIS_POINTS)


def quota(group_size: int, share_bp: int, rounding: QuotaRounding, min_quota: int) -> int:
    """Rule 2: a peer group's places are share × group size, rounded, and at least the
    minimum quota for small groups — never more places than people."""
    return min(group_size, max(min_quota, rounded_share(group_size, share_bp, rounding)))


def competition_rank(total: Decimal, peer_totals: Sequence[Decimal]) -> int:
    """Rule 2: 1 + the number of peers with a strictly higher total."""
    return 1 + sum(1 for other in peer_totals if other > total)


def eligible_by_rank(
    total: Decimal, competitor_totals: Sequence[Decimal], places: int, tie_policy: TiePolicy
) -> bool:
    """Rule 2: eligible by rank when the competition rank is within the places.

    Under the default tie policy tied people share a rank, so all or none of them pass.
    ``competitor_totals`` includes the person's own total.
    """
    if tie_policy == TiePolicy.SHARE_RANK:
        return competition_rank(total, competitor_totals) <= places
    reached = sum(1 for other in competitor_totals if other >= total)
    return reached <= places


def special_cap(headcount: int, cap_bp: int, rounding: QuotaRounding) -> int:
    """Rule 3: approved special exemplars of a unit may not exceed the cap share of its
    headcount — floor(2 % × headcount) by default, since the rule says "not more than"."""
    return rounded_share(headcount, cap_bp, rounding)


def has_quorum(members: int, present: int) -> bool:
    """Rule 5: the party committee decides with more than half of its members present (and
    never with more present than it has)."""
    return 0 < present <= members and present * 2 > members


@dataclass(frozen=True)
class RankingRules:
    share_bp: int = 1000
    rounding: QuotaRounding = QuotaRounding.FLOOR
    min_quota: int = 0
    tie_policy: TiePolicy = TiePolicy.SHARE_RANK
    fill_vetoed_places: bool = False


@dataclass(frozen=True)
class Member:
    key: Hashable
    total: Decimal
    vetoed: bool = False


@dataclass(frozen=True)
class Placement:
    rank: int
    group_size: int
    quota: int
    outcome: Outcome


def place_peer_group(members: Sequence[Member], rules: RankingRules) -> dict[Hashable, Placement]:
    """Rules 2 and 4 for one peer group.

    A vetoed person keeps their place in the ranking (they were assessed) but never passes;
    their place does not pass down to the next person unless the period fills places, in
    which case the competition is among the people not vetoed.
    """
    totals = [m.total for m in members]
    places = quota(len(members), rules.share_bp, rules.rounding, rules.min_quota)
    competitors = [m.total for m in members if not (rules.fill_vetoed_places and m.vetoed)]
    placements = {}
    for member in members:
        if member.vetoed:
            outcome = Outcome.VETOED
        elif eligible_by_rank(member.total, competitors, places, rules.tie_policy):
            outcome = Outcome.BY_RANK
        else:
            outcome = Outcome.NOT_SELECTED
        placements[member.key] = Placement(
            rank=competition_rank(member.total, totals),
            group_size=len(members),
            quota=places,
            outcome=outcome,
        )
    return placements
