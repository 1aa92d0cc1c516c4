"""When a rater, a rater group or a unit needs a look before its ranking is trusted — plain
functions on the measured numbers (``reports.rater_quality``), no ORM.

Every threshold is a named constant here. A rule looks only at numbers measured on enough
scores (the ``MIN_*`` constants): a rater who scored two people is not judged on them.

Rater (评价人), within one rater group of one unit — flagged when they rated at least
``MIN_PEOPLE`` people and

* **scores high** (偏高): their mean offset from the other raters of the same people is
  ``OFFSET_POINTS`` points of full marks or more (over at least ``MIN_COMPARED`` compared
  scores); **scores low** (偏低): ``-OFFSET_POINTS`` or less;
* **full marks** (满分偏多): at least ``FULL_MARKS_SHARE`` % of their scores are full marks;
* **identical** (分数无差别): every score they gave is the same share of full marks;
* **often the single extreme** (常为唯一最高或最低分): of their scores in groups large enough
  to be trimmed (at least ``MIN_TRIMMABLE`` of them), far more were the single highest — the
  score trimming removed — than chance would make them: at least ``EXTREME_RATIO`` times the
  chance expectation (a score among ``n`` different ones is the single highest with chance
  1/n) and ``EXTREME_Z`` standard deviations (√expectation) above it; the same for the single
  lowest, and for both together (chance 2/n). A rule on a plain share would flag raters by
  chance wherever groups are small (of three raters, two are always an extreme).

Rater group (评价主体) of a unit — flagged when it rated at least ``MIN_PEOPLE`` people and it
scores ``GROUP_OFFSET_POINTS`` points above (or below) the other groups for the same people,
indicators and sub-periods, or gives ``FULL_MARKS_SHARE`` % full marks or more.

Unit — flagged when its raters score ``UNIT_LENIENCY_POINTS`` points or more above the rest
of the city for the same category, indicators and rater groups (over at least ``MIN_PEOPLE``
people), or when any of its raters or rater groups is flagged. A unit scoring below the city
is shown, not flagged: it does not lift its people's ranking.
"""

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MIN_PEOPLE = 5  # people a rater (group, unit) rated before any rule looks at them
MIN_COMPARED = 5  # scores with other raters beside them, for the offset
OFFSET_POINTS = 10.0  # |mean offset from the other raters|, points of full marks
FULL_MARKS_SHARE = 90.0  # % of scores that are full marks
MIN_TRIMMABLE = 10  # scores in groups large enough to be trimmed
EXTREME_RATIO = 2.0  # single highest (lowest) at least this many times the chance expectation
EXTREME_Z = 4.0  # … and this many standard deviations above it
GROUP_OFFSET_POINTS = 10.0  # |a group's mean offset from the other groups|
UNIT_LENIENCY_POINTS = 5.0  # |a unit's mean minus the rest of the city's|


class Flag(enum.StrEnum):
    HIGH = "high"
    LOW = "low"
    FULL_MARKS = "full-marks"
    IDENTICAL = "identical"
    EXTREME = "extreme"
    FLAGGED_RATERS = "flagged-raters"
    FLAGGED_GROUPS = "flagged-groups"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def export_label(self) -> str:
        """The fixed Chinese of exported files (a data format, not the interface)."""
        return EXPORT_LABELS[self]


LABELS = {
    Flag.HIGH: _("scores high"),
    Flag.LOW: _("scores low"),
    Flag.FULL_MARKS: _("mostly full marks"),
    Flag.IDENTICAL: _("same score for everyone"),
    Flag.EXTREME: _("often the single extreme"),
    Flag.FLAGGED_RATERS: _("raters to look at"),
    Flag.FLAGGED_GROUPS: _("rater groups to look at"),
}
EXPORT_LABELS = {
    Flag.HIGH: "偏高",
    Flag.LOW: "偏低",
    Flag.FULL_MARKS: "满分偏多",
    Flag.IDENTICAL: "分数无差别",
    Flag.EXTREME: "常为唯一最高或最低分",
    Flag.FLAGGED_RATERS: "有需核查的评价人",
    Flag.FLAGGED_GROUPS: "有需核查的评价主体",
}


def export_text(flags: Iterable[Flag]) -> str:
    return "、".join(flag.export_label for flag in flags)


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent (None of nothing)."""
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class RaterNumbers:
    """What a rule sees of one rater: counts, and measures in points of full marks."""

    people: int
    scores: int
    compared: int  # scores with at least one other rater of the group beside them
    mean_offset: float | None  # None when compared = 0
    full_marks: int  # scores that are full marks
    identical: bool  # every score the same share of full marks
    trimmable: int  # scores in groups large enough to be trimmed
    single_highest: int  # … of them, the single highest score of their group
    single_lowest: int
    chance: float  # how many single highest (and as many single lowest) chance would give: Σ 1/n


def offset_flag(offset: float | None, limit: float) -> Flag | None:
    """HIGH at ``limit`` points or more, LOW at ``-limit`` or less."""
    if offset is None:
        return None
    if offset >= limit:
        return Flag.HIGH
    if offset <= -limit:
        return Flag.LOW
    return None


def far_above_chance(observed: int, chance: float) -> bool:
    """Observed at least ``EXTREME_RATIO`` times and ``EXTREME_Z`` standard deviations above
    what chance gives (the spread of a count with that expectation is at most √expectation)."""
    return (
        observed > 0
        and observed >= EXTREME_RATIO * chance
        and observed >= chance + EXTREME_Z * math.sqrt(chance)
    )


def rater_flags(n: RaterNumbers) -> tuple[Flag, ...]:
    """The rules for one rater (see the module's docstring), in a fixed order."""
    if n.people < MIN_PEOPLE:
        return ()
    flags = []
    if n.compared >= MIN_COMPARED and (flag := offset_flag(n.mean_offset, OFFSET_POINTS)):
        flags.append(flag)
    if (share(n.full_marks, n.scores) or 0) >= FULL_MARKS_SHARE:
        flags.append(Flag.FULL_MARKS)
    if n.identical:
        flags.append(Flag.IDENTICAL)
    if n.trimmable >= MIN_TRIMMABLE and (
        far_above_chance(n.single_highest, n.chance)
        or far_above_chance(n.single_lowest, n.chance)
        or far_above_chance(n.single_highest + n.single_lowest, 2 * n.chance)
    ):
        flags.append(Flag.EXTREME)
    return tuple(flags)


@dataclass(frozen=True)
class GroupNumbers:
    people: int
    scores: int
    across: int  # scores on items that other groups scored too
    mean_offset: float | None  # from the other groups, None when across = 0
    full_marks: int
    flagged_raters: int


def group_flags(n: GroupNumbers) -> tuple[Flag, ...]:
    if n.people < MIN_PEOPLE:
        return ()
    flags = []
    if n.across >= MIN_COMPARED and (flag := offset_flag(n.mean_offset, GROUP_OFFSET_POINTS)):
        flags.append(flag)
    if (share(n.full_marks, n.scores) or 0) >= FULL_MARKS_SHARE:
        flags.append(Flag.FULL_MARKS)
    return tuple(flags)


@dataclass(frozen=True)
class UnitNumbers:
    people: int  # people of the unit with rater scores compared with the city
    leniency: float | None  # the unit's mean minus the rest of the city's, points
    flagged_raters: int
    flagged_groups: int


def unit_flags(n: UnitNumbers) -> tuple[Flag, ...]:
    flags = []
    if n.people >= MIN_PEOPLE and n.leniency is not None and n.leniency >= UNIT_LENIENCY_POINTS:
        flags.append(Flag.HIGH)
    if n.flagged_groups:
        flags.append(Flag.FLAGGED_GROUPS)
    if n.flagged_raters:
        flags.append(Flag.FLAGGED_RATERS)
    return tuple(flags)
