"""Periods, the per-period roster, and the scores the ranking rests on."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    """A person as they stood in one period: their unit, category and post then."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="roster")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="roster_entries")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="roster_entries")
    category = models.ForeignKey("org.Category", on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("post"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [
            models.UniqueConstraint(fields=["period", "person"], name="roster_one_entry_per_period"),
        ]
        indexes = [models.Index(fields=["period", "unit"], name="roster_period_unit")]

    def __str__(self) -> str:
        return f"{self.period} {self.person}"


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


class Score(models.Model):
    """The period total of one roster entry, and its veto if any.

    ``veto_text`` is what the assessment says (shown to the committee); it is non-empty
    exactly when the person is vetoed. ``veto_reason`` links it to the catalogue where the
    text names a catalogue entry.
    """

    entry = models.OneToOneField(
        RosterEntry, primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    veto_text = models.CharField(_("veto reason"), max_length=200, blank=True)
    veto_reason = models.ForeignKey(
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
