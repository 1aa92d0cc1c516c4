"""The append-only, tamper-evident audit log.

Every entry carries the SHA-256 of the previous one, so a changed, deleted or inserted row
breaks the chain (see ``jixiao.core.audit.verify``). Rows are written only through
``jixiao.core.audit.record``; the model refuses updates and deletes, and on PostgreSQL a
trigger refuses them too.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    IMPORT = "import", _("import")
    SCORE_CHANGE = "score_change", _("score change")
    LOCK = "lock", _("lock")
    UNLOCK = "unlock", _("unlock")
    RANKING = "ranking", _("ranking")
    NOMINATION = "nomination", _("nomination")
    WITHDRAWAL = "withdrawal", _("nomination withdrawn")
    SUBMISSION = "submission", _("submission")
    MEETING = "meeting", _("committee meeting")
    DECISION = "decision", _("decision")
    FLAG = "flag", _("flagged for re-decision")
    NOTICE = "notice", _("publicity notice")
    OBJECTION = "objection", _("objection")
    OBJECTION_RESOLVED = "objection_resolved", _("objection resolved")
    PUBLICATION = "publication", _("publication")
    PROFILE = "profile", _("exemplar profile")
    PERIOD = "period", _("period")
    RULES = "rules", _("rules")
    ROLE = "role", _("role")
    ACCOUNT = "account", _("user account")
    REFERENCE = "reference", _("reference data")
    SCHEME = "scheme", _("assessment scheme")
    RENAME = "rename", _("rename")
    TOTALS = "totals", _("totals computed")
    RESTORE = "restore", _("database restored from a backup")
    RATING = "rating", _("online rating")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit log entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit log entries cannot be deleted")

    # bulk_update goes through update(); bulk_create would skip the chain.
    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("audit log entries are appended only through jixiao.core.audit.record()")


class AuditEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.CharField(_("actor"), max_length=150, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    period = models.ForeignKey(
        "assessment.Period",
        verbose_name=_("period"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    summary = models.TextField(_("summary"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]
        indexes = [models.Index(fields=["unit", "-id"], name="audit_unit_recent")]

    def __str__(self):
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit log entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit log entries cannot be deleted")


class JobState(models.TextChoices):
    QUEUED = "queued", _("waiting for a worker")
    RUNNING = "running", _("being made")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class BackgroundJob(models.Model):
    """A document or an action (an import, a ranking) made by a ``jixiao worker`` off the request,
    with its progress and its result in the database: every web and worker process of every
    machine sharing the database sees the same jobs (see ``jixiao.core.jobs``).

    Named by what it makes and the data version it reads (``key``), so asking again for an
    unchanged document serves the one already made. Not an audited record: a job changes no
    state of the assessment, it only renders what is there."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=30)
    state = models.CharField(_("state"), max_length=10, choices=JobState, default=JobState.QUEUED)
    done = models.PositiveIntegerField(_("steps done"), default=0)
    total = models.PositiveIntegerField(_("steps"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    # Plain ids, not foreign keys: the core is below the apps that own units and accounts.
    unit_id = models.BigIntegerField(_("unit"), null=True, blank=True)
    requested_by = models.BigIntegerField(_("requested by"), null=True, blank=True)
    # Counted against its user's limits on documents (``core.jobs``); actions are not.
    rate_limited = models.BooleanField(_("rate limited"), default=True)
    # A document's bytes; or, for an action run in the background (an import, a ranking),
    # ``outcome``: the messages it leaves its user and the page to show them on.
    result = models.BinaryField(_("result"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["requested_by", "created_at"], name="job_requested_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
