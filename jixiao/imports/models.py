"""The record of every import: who, when, which file, what it changed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ROSTER = "roster", _("roster")
    SCORES = "scores", _("scores")
    INDICATOR_SCORES = "indicator-scores", _("indicator scores")
    RATER_SCORES = "rater-scores", _("rater scores")
    ADJUSTMENTS = "adjustments", _("bonus, penalty and veto items")
    SANCTIONS = "sanctions", _("sanctions register")


class ImportRecord(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind)
    # Empty for the sanctions register: records of people, not of one period.
    period = models.ForeignKey(
        "assessment.Period", null=True, blank=True, on_delete=models.PROTECT, related_name="imports"
    )
    actor = models.CharField(_("by"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("data rows"))
    changed = models.PositiveIntegerField(_("rows changed"), default=0)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        where = f" ({self.period})" if self.period_id else ""
        return f"{self.get_kind_display()} {self.file_name}{where}"


class PendingImport(models.Model):
    """A file uploaded in the browser and previewed, kept until its user applies or cancels
    it: in the database, so the server that applies it need not be the one that previewed it.
    A draft of its user's, not a change of the assessment (the import writes the audit entry)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("pending import")
        verbose_name_plural = _("pending imports")

    def __str__(self) -> str:
        return self.file_name
