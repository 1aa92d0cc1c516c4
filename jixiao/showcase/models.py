"""What the public sees of an exemplar: the profile a unit writes and its portrait."""

import secrets

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from jixiao.core.text import character_count

# 事迹 as the city's notices print them: long enough to say something, short enough for a card.
ACHIEVEMENTS_MIN, ACHIEVEMENTS_MAX = 100, 500
QUOTE_MAX = 100


def new_public_key() -> str:
    """The profile's name in public URLs and QR codes: random, so profiles cannot be counted
    or guessed, and short enough for a small QR code."""
    return secrets.token_urlsafe(9)


class Portrait(models.Model):
    """A portrait as re-encoded on upload (3:4 JPEG, no metadata). Kept in the database, so a
    backup holds it and every request for it passes the view that checks publication."""

    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    source_format = models.CharField(_("uploaded format"), max_length=10)
    source_name = models.CharField(_("uploaded file"), max_length=255, blank=True)
    source_bytes = models.PositiveIntegerField(_("uploaded size (bytes)"))
    generated = models.BooleanField(_("generated placeholder"), default=False)
    uploaded_by = models.CharField(_("uploaded by"), max_length=150)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Last, so that SQLite reads the other columns without walking the image's overflow pages.
    image = models.BinaryField(_("image"))

    class Meta:
        verbose_name = _("portrait")
        verbose_name_plural = _("portraits")

    def __str__(self) -> str:
        return f"{self.source_name or self.pk} ({self.width}×{self.height})"


class Profile(models.Model):
    """An exemplar's profile for one period, written by their unit, with the fields the unit
    chose to publish. Nothing of it is public until the unit's list is published."""

    period = models.ForeignKey("assessment.Period", on_delete=models.CASCADE, related_name="profiles")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="profiles")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="profiles")
    public_key = models.CharField(_("public key"), max_length=16, unique=True, default=new_public_key)
    post = models.CharField(_("post"), max_length=100, blank=True)
    achievements = models.TextField(_("achievements (事迹)"), blank=True)
    quote = models.CharField(_("quote"), max_length=QUOTE_MAX, blank=True)
    portrait = models.ForeignKey(
        Portrait, verbose_name=_("photo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    show_photo = models.BooleanField(_("publish the photo"), default=True)
    show_post = models.BooleanField(_("publish the post"), default=True)
    show_achievements = models.BooleanField(_("publish the achievements"), default=True)
    show_quote = models.BooleanField(_("publish the quote"), default=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exemplar profile")
        verbose_name_plural = _("exemplar profiles")
        constraints = [models.UniqueConstraint(fields=["period", "person"], name="one_profile_per_period")]
        indexes = [models.Index(fields=["period", "unit"], name="profile_period_unit")]

    def __str__(self) -> str:
        return f"{self.period} {self.person}"

    @property
    def achievements_length(self) -> int:
        return character_count(self.achievements)


@receiver(post_delete, sender=Profile)
def delete_the_portrait_too(sender, instance: Profile, **kwargs) -> None:
    """A profile's photo goes with it (a period deleted, say): no photo outlives its owner."""
    if instance.portrait_id is not None:
        Portrait.objects.filter(pk=instance.portrait_id).delete()
