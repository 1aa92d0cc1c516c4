"""Periods, the per-period roster, and the scores the ranking rests on."""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.org.models import Gender

PERIOD_CODE = re.compile(r"^(?P<year>\d{4})H(?P<half>[12])$")


class PeriodState(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


def period_dates(code: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a half-year period code such as ``2023H1``."""
    match = PERIOD_CODE.match(code)
    if not match:
        raise ValidationError(
            _("Period code %(code)s is not of the form 2023H1 or 2023H2."),
            code="period_code",
            params={"code": code},
        )
    year = int(match["year"])
    if match["half"] == "1":
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    return datetime.date(year, 7, 1), datetime.date(year, 12, 31)


class Period(models.Model):
    """A half-year assessment period, e.g. ``2023H1``."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))
    state = models.CharField(_("state"), max_length=10, choices=PeriodState, default=PeriodState.OPEN)
    # Set by every change to the ranking's inputs (roster, scores, rules), so a ranking
    # older than it is known to be stale.
    data_changed_at = models.DateTimeField(_("ranking inputs last changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-start"]

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        year, half = self.code[:4], self.code[-1]
        return (
            _("%(year)s first half") % {"year": year}
            if half == "1"
            else _("%(year)s second half") % {"year": year}
        )


class RosterEntry(models.Model):
    """A person as they stood in one period: their name, unit, category and post then.

    The period keeps what it showed: a later roster, a transfer or a rename changes the
    person's entries of later periods, never this one (pages, exports and documents of the
    period read the name from here, not from the person)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="roster")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="roster_entries")
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender, blank=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="roster_entries")
    category = models.ForeignKey("org.Category", on_delete=models.PROTECT, related_name="roster_entries")
    post = models.CharField(_("post"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [
            models.UniqueConstraint(fields=["period", "person"], name="roster_one_entry_per_period"),
        ]
        indexes = [models.Index(fields=["period", "unit"], name="roster_period_unit")]

    def __str__(self) -> str:
        return f"{self.period} {self.name}（{self.person.staff_id}）"


class UnitDataChange(models.Model):
    """When the ranking inputs of a unit's people (roster, scores) last changed in a period:
    a ranking of the unit's peer groups older than this is stale. Changes to the whole
    period (rules, schemes) are ``Period.data_changed_at``."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="unit_changes")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField(_("ranking inputs last changed"))

    class Meta:
        verbose_name = _("change of a unit's ranking inputs")
        verbose_name_plural = _("changes of units' ranking inputs")
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="one_change_mark_per_unit")]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.unit_id}: {self.changed_at}"


class VetoReason(models.Model):
    """One entry of the catalogue of disqualifying reasons (否决事由)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    influence_months = models.PositiveSmallIntegerField(
        _("influence period in months"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("veto reason")
        verbose_name_plural = _("veto reasons")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class SanctionType(models.Model):
    """A kind of sanction in the register (警告, 记过 … 立案审查调查) and how long it vetoes:
    ``influence_months`` from the decision date, or, when empty, until the sanction is lifted
    (an open investigation vetoes every period until its 解除日期 is recorded)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    influence_months = models.PositiveSmallIntegerField(
        _("influence period in months"),
        null=True,
        blank=True,
        help_text=_("Empty: until the lifting date (解除日期) is recorded."),
    )
    veto_reason = models.ForeignKey(
        VetoReason, null=True, blank=True, on_delete=models.PROTECT, related_name="sanction_types"
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("sanction type")
        verbose_name_plural = _("sanction types")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Sanction(models.Model):
    """One sanction of a person (处分、诫勉、立案审查调查) as the register records it.

    ``influence_end`` is the last day of its influence window, derived by
    ``assessment.sanction_rules.influence_end`` from the decision date, the type's months
    and the lifting date (empty: open-ended); kept in the row so that finding the people a
    period's window overlaps is one indexed query."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="sanctions")
    sanction_type = models.ForeignKey(SanctionType, on_delete=models.PROTECT, related_name="sanctions")
    decided_on = models.DateField(_("decision date"))
    lifted_on = models.DateField(_("lifting date"), null=True, blank=True)
    reason = models.CharField(_("grounds"), max_length=200, blank=True)
    name = models.CharField(_("name as recorded"), max_length=50)
    influence_end = models.DateField(_("influence window ends"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-decided_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "sanction_type", "decided_on"], name="one_sanction_per_type_and_day"
            )
        ]
        indexes = [models.Index(fields=["decided_on", "influence_end"], name="sanction_window")]

    def __str__(self) -> str:
        return f"{self.name} {self.sanction_type} {self.decided_on}"


class ScoreSource(models.TextChoices):
    IMPORT = "import", _("imported total")
    SCHEME = "scheme", _("computed by the scheme")


class Score(models.Model):
    """The period total of one roster entry, and its veto if any.

    An imported total (``source`` import) is authoritative: recomputing the schemes never
    changes it, and where the person's scheme computes a total too, the imported one
    overrides it (the breakdown shows both). A scheme total (``source`` scheme) follows the
    raw scores.

    ``veto_text`` is what the assessment says (shown to the committee); it is non-empty
    exactly when the person is vetoed: the veto imported with the total (``imported_veto``,
    kept through every recomputation) and the person's veto items (一票否决), joined.
    ``veto_reason`` links it to the catalogue where the text names a catalogue entry.
    """

    entry = models.OneToOneField(
        RosterEntry, primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    veto_text = models.CharField(_("veto reason"), max_length=200, blank=True)
    veto_reason = models.ForeignKey(
        VetoReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=ScoreSource, default=ScoreSource.IMPORT)
    imported_veto = models.CharField(_("imported veto reason"), max_length=200, blank=True)
    imported_veto_reason = models.ForeignKey(
        VetoReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")

    def __str__(self) -> str:
        return f"{self.entry}: {self.total}"

    @property
    def vetoed(self) -> bool:
        return bool(self.veto_text)


# ---------------------------------------------------------------------------------------
# Full-staff assessment: schemes and the scores they are computed from.


class RaterGroup(models.Model):
    """Who rates (评价主体): 领导评价, 同事互评, 服务对象评价 …; reference data of the city."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("rater group")
        verbose_name_plural = _("rater groups")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class RollUp(models.TextChoices):
    HALF_YEAR = "half", _("scored once for the half-year")
    QUARTERLY = "quarter", _("scored per quarter")
    MONTHLY = "month", _("scored per month")


SUB_PERIODS = {RollUp.HALF_YEAR: 1, RollUp.QUARTERLY: 2, RollUp.MONTHLY: 6}


class Scheme(models.Model):
    """How a personnel category is assessed in a period (考核方案): indicators with weights,
    rater groups with weights, trimming, roll-up of sub-periods, bonus and penalty caps.

    A scheme without a period is a city-wide template; one with a unit is that unit's
    adjustment of the city's scheme, allowed where the city scheme says units may adjust.
    """

    name = models.CharField(_("name"), max_length=100)
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.CASCADE, related_name="schemes"
    )
    category = models.ForeignKey(
        "org.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="schemes"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="schemes"
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies", editable=False
    )
    roll_up = models.CharField(_("scoring rhythm"), max_length=10, choices=RollUp, default=RollUp.HALF_YEAR)
    trim_from = models.PositiveSmallIntegerField(
        _("drop the highest and lowest score from this many raters"),
        default=5,
        validators=[MinValueValidator(3)],
    )
    bonus_cap = models.DecimalField(
        _("bonus cap per period"), max_digits=5, decimal_places=2, default=Decimal("5")
    )
    penalty_cap = models.DecimalField(
        _("penalty cap per period"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    units_may_adjust = models.BooleanField(_("units may adjust this scheme"), default=False)
    # Online rating (考核码) enforces these before a rater submits: on each indicator, at most
    # this share of the people a rater scores may get a top mark (优秀).
    top_mark_share = models.PositiveSmallIntegerField(
        _("top marks at most (per cent of the people a rater scores)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    top_mark_from = models.DecimalField(
        _("a top mark is at least (per cent of full marks)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["period", "category__sort_order", "unit__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "category"],
                condition=models.Q(unit__isnull=True, period__isnull=False),
                name="one_city_scheme_per_category",
            ),
            models.UniqueConstraint(
                fields=["period", "category", "unit"],
                condition=models.Q(unit__isnull=False),
                name="one_unit_scheme_per_category",
            ),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(period__isnull=True), name="unique_template_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_template(self) -> bool:
        return self.period_id is None

    @property
    def sub_period_count(self) -> int:
        return SUB_PERIODS[RollUp(self.roll_up)]


class ScoringMethod(models.TextChoices):
    RATERS = "raters", _("scored by raters")
    OBJECTIVE = "objective", _("objective figure")
    UNIT = "unit", _("scored by the unit")


class Indicator(models.Model):
    """A node of a scheme's indicator tree (德、能、勤、绩、廉 …). Weights are points: the
    top level sums to 100 and each node's children sum to its own weight. Only leaves
    are scored."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight (points)"), max_digits=5, decimal_places=2)
    full_marks = models.DecimalField(
        _("full marks"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(1)],
    )
    method = models.CharField(
        _("scored by"), max_length=10, choices=ScoringMethod, default=ScoringMethod.RATERS
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="indicator_name_unique_in_scheme")
        ]

    def __str__(self) -> str:
        return self.name


class SchemeRaterGroup(models.Model):
    """A rater group's weight in a scheme; the weights of a scheme sum to 100."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="rater_groups")
    group = models.ForeignKey(RaterGroup, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("rater group weight")
        verbose_name_plural = _("rater group weights")
        ordering = ["group__sort_order", "group_id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "group"], name="rater_group_once_per_scheme")
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.weight}"


class SubPeriodWeight(models.Model):
    """The weight of a month or quarter when sub-periods roll up to the half-year."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="sub_period_weights")
    number = models.PositiveSmallIntegerField(_("sub-period"))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        verbose_name = _("sub-period weight")
        verbose_name_plural = _("sub-period weights")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="sub_period_once_per_scheme")
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.weight}"


class RaterScore(models.Model):
    """One rater's score of one person on one indicator in one sub-period, in hundredths
    of a point (exact integers: the totals are computed without floats)."""

    pk = models.CompositePrimaryKey("entry_id", "indicator_id", "sub_period", "group_id", "rater")
    entry = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, db_index=False, related_name="+")
    sub_period = models.PositiveSmallIntegerField(_("sub-period"))
    group = models.ForeignKey(RaterGroup, on_delete=models.PROTECT, db_index=False, related_name="+")
    # A rater is a staff ID, or a code for an outside rater (a service user, say).
    rater = models.CharField(_("rater"), max_length=32)
    score_cents = models.PositiveIntegerField(_("score (hundredths)"))

    class Meta:
        verbose_name = _("rater score")
        verbose_name_plural = _("rater scores")

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.indicator_id}/{self.sub_period}/{self.group_id}/{self.rater}"


class DirectScore(models.Model):
    """An objective figure or a unit's score for an indicator, in hundredths of a point."""

    pk = models.CompositePrimaryKey("entry_id", "indicator_id", "sub_period")
    entry = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, db_index=False, related_name="+")
    sub_period = models.PositiveSmallIntegerField(_("sub-period"))
    score_cents = models.PositiveIntegerField(_("score (hundredths)"))

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.indicator_id}/{self.sub_period}"


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("bonus")
    PENALTY = "penalty", _("penalty")


class Adjustment(models.Model):
    """A bonus or penalty item (加分 / 减分) with its reason and evidence."""

    entry = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=10, choices=AdjustmentKind)
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reason = models.CharField(_("reason"), max_length=200)
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bonus or penalty")
        verbose_name_plural = _("bonuses and penalties")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points}: {self.reason}"


class VetoItem(models.Model):
    """A one-vote veto (一票否决): the person's period result is vetoed with this reason."""

    entry = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="veto_items")
    reason = models.ForeignKey(VetoReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("veto reason"), max_length=200)
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("veto item")
        verbose_name_plural = _("veto items")

    def __str__(self) -> str:
        return self.text


class SchemeTotal(models.Model):
    """What the scheme computed for a person, as exact integers: base in ten-thousandths
    of a point, bonus, penalty and total in hundredths. ``total_cents`` is empty while
    ``missing`` indicator scores are outstanding."""

    entry = models.OneToOneField(RosterEntry, primary_key=True, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, db_index=False, related_name="+")
    base_fine = models.BigIntegerField(null=True)
    bonus_cents = models.IntegerField(default=0)
    penalty_cents = models.IntegerField(default=0)
    total_cents = models.IntegerField(null=True)
    missing = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("computed total")
        verbose_name_plural = _("computed totals")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.total_cents}"


class UnitLock(models.Model):
    """A unit has locked its scores for the period: later changes need a reason."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="locks")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="locks")
    locked_by = models.CharField(_("locked by"), max_length=150)
    locked_at = models.DateTimeField(_("locked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("score lock")
        verbose_name_plural = _("score locks")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_lock_per_unit_and_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit}"


class ScoreChange(models.Model):
    """A change to locked scores: who, when, why, what changed."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="score_changes")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    actor = models.CharField(_("by"), max_length=150)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    what = models.CharField(_("what"), max_length=200)
    details = models.JSONField(_("details"), default=dict)

    class Meta:
        verbose_name = _("change to locked scores")
        verbose_name_plural = _("changes to locked scores")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.period} {self.unit}: {self.what}"
