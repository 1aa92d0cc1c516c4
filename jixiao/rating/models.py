"""Online rating with one-time codes (考核码): rounds, batches of codes, the codes, drafts.

A round is a window in which raters score on their phones the people of one unit (or, for a
city-wide round, of every unit) of one personnel category, for one sub-period. Codes are
issued in batches: a batch says which rater group its codes score for and whom they score.
A code is stored only as a keyed hash; its slip number is what the office sees. A code may be
bound to a staff member (so nobody scores themself or holds two codes of one group), but the
scores never name the code's holder: drafts are kept per code until the round is counted,
then the scores become the period's rater scores under a random rater token and the drafts
and tokens are erased.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundState(models.TextChoices):
    OPEN = "open", _("open")
    COUNTED = "counted", _("closed and counted")


class RatingRound(models.Model):
    period = models.ForeignKey("assessment.Period", on_delete=models.PROTECT, related_name="rating_rounds")
    category = models.ForeignKey("org.Category", on_delete=models.PROTECT, related_name="+")
    # Empty for a city-wide round: then each batch names the unit whose people it scores.
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="rating_rounds"
    )
    sub_period = models.PositiveSmallIntegerField(_("sub-period"), default=1)
    name = models.CharField(_("name"), max_length=100)
    # In the rating page's address and on the slips: guessing codes is limited per round.
    key = models.CharField(_("key"), max_length=8, unique=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(_("state"), max_length=10, choices=RoundState, default=RoundState.OPEN)
    created_by = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    counted_by = models.CharField(_("counted by"), max_length=150, blank=True)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    import_record = models.ForeignKey(
        "imports.ImportRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rating round")
        verbose_name_plural = _("rating rounds")
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.name


class BatchScope(models.TextChoices):
    ALL = "all", _("everyone of the unit and category")
    LISTED = "listed", _("the people listed")


class RatingBatch(models.Model):
    """Codes issued together: one rater group scoring the same people (a unit's leaders
    scoring everyone; a department's colleagues scoring each other; service users scoring
    the people at a counter)."""

    round = models.ForeignKey(RatingRound, on_delete=models.CASCADE, related_name="batches")
    group = models.ForeignKey("assessment.RaterGroup", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(_("scores"), max_length=10, choices=BatchScope, default=BatchScope.ALL)
    rated = models.ManyToManyField("assessment.RosterEntry", blank=True, related_name="+")
    label = models.CharField(_("label"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch of codes")
        verbose_name_plural = _("batches of codes")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.round} {self.group} {self.label}".strip()


class RatingCode(models.Model):
    round = models.ForeignKey(RatingRound, on_delete=models.CASCADE, related_name="codes")
    batch = models.ForeignKey(RatingBatch, on_delete=models.CASCADE, related_name="codes")
    group = models.ForeignKey("assessment.RaterGroup", on_delete=models.PROTECT, related_name="+")
    slip_number = models.PositiveIntegerField(_("slip number"))
    # HMAC of the code under the server's key: the code itself is never stored.
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the rater scores are filed under once counted; random, erased after counting.
    rater_token = models.CharField(_("rater token"), max_length=32, blank=True)
    issue = models.PositiveSmallIntegerField(_("issue"), default=1)
    issued_at = models.DateTimeField(_("issued at"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    saved_at = models.DateTimeField(_("draft saved at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating code")
        verbose_name_plural = _("rating codes")
        ordering = ["round", "slip_number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "slip_number"], name="rating_slip_number_unique"),
            models.UniqueConstraint(
                fields=["round", "group", "person"],
                condition=models.Q(person__isnull=False),
                name="rating_one_code_per_person_and_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.slip_number}"


class DraftScore(models.Model):
    """A rater's score as entered, kept on every change until the round is counted."""

    pk = models.CompositePrimaryKey("code_id", "entry_id", "indicator_id")
    code = models.ForeignKey(RatingCode, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(
        "assessment.RosterEntry", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    indicator = models.ForeignKey(
        "assessment.Indicator", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    score_cents = models.PositiveIntegerField(_("score (hundredths)"))

    class Meta:
        verbose_name = _("draft score")
        verbose_name_plural = _("draft scores")

    def __str__(self) -> str:
        return f"{self.code_id}/{self.entry_id}/{self.indicator_id}"


class CodeGuesses(models.Model):
    """Wrong codes typed from one address for one round (key ``""``: the generic entry page)
    in the current window: too many, and the address waits."""

    address = models.CharField(max_length=45)
    round_key = models.CharField(max_length=8, blank=True)
    window_start = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address", "round_key"], name="rating_guesses_once_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.round_key} {self.failures}"
