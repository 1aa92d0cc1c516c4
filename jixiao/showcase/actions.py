"""Every change of an exemplar's profile and photo: one action each, audited in its own
transaction. (Publication gives every exemplar a profile within the publishing action.)"""

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment.actions import require_open
from jixiao.core.audit import AuditAction, record
from jixiao.org.access import actor_name, require_unit_role
from jixiao.org.models import RoleKind
from jixiao.selection.models import Candidate
from jixiao.showcase.models import Portrait, Profile
from jixiao.showcase.photos import PortraitImage
from jixiao.showcase.profiles import (
    PUBLIC_FIELDS,
    ProfileText,
    check_achievements,
    profile_or_draft,
    snapshot,
    tidy_text,
)


def _locked(profile: Profile) -> Profile:
    """The profile afresh, locked until the transaction ends (only its own row: PostgreSQL
    cannot lock the outer-joined portrait)."""
    return (
        Profile.objects.select_for_update(of=("self",))
        .select_related("portrait", "person", "unit", "period")
        .get(pk=profile.pk)
    )


def _audit(profile: Profile, before: dict | None, summary: str, *, actor: str) -> None:
    record(
        actor=actor,
        action=AuditAction.PROFILE,
        target=profile,
        unit=profile.unit,
        period=profile.period,
        summary=summary,
        before=before,
        after=snapshot(profile),
    )


def _new_portrait(image: PortraitImage, *, filename: str, size: int, actor: str, generated: bool) -> Portrait:
    return Portrait.objects.create(
        image=image.data,
        width=image.width,
        height=image.height,
        sha256=image.sha256,
        source_format=image.source_format,
        source_name=filename[:255],
        source_bytes=size,
        generated=generated,
        uploaded_by=actor,
    )


@transaction.atomic
def save_profile(
    candidate: Candidate,
    text: ProfileText,
    *,
    acting_user,
    image: PortraitImage | None = None,
    filename: str = "",
    size: int = 0,
    generated: bool = False,
) -> Profile:
    """Save an approved candidate's profile text, public fields and (optionally) a new photo,
    already checked and re-encoded (decoding an upload takes a while: do it before, outside
    the transaction). The profile is created on its first save; input that changes nothing
    records nothing."""
    proposal = candidate.proposal
    require_unit_role(acting_user, proposal.unit, RoleKind.ASSESSOR)
    require_open(proposal.period)
    achievements = tidy_text(text.achievements)
    check_achievements(achievements)
    actor = actor_name(acting_user)
    profile = profile_or_draft(candidate)
    created = profile.pk is None
    if created:
        profile.save()
    profile = _locked(profile)
    before = None if created else snapshot(profile)
    old_portrait = profile.portrait_id
    if image is not None:
        profile.portrait = _new_portrait(
            image, filename=filename, size=size, actor=actor, generated=generated
        )
    profile.post = text.post.strip()
    profile.achievements = achievements
    profile.quote = tidy_text(text.quote)
    for name in PUBLIC_FIELDS:
        setattr(profile, name, getattr(text, name))
    if not created and snapshot(profile) == before:
        return profile
    profile.updated_by = actor
    profile.save()
    if image is not None and old_portrait is not None:
        Portrait.objects.filter(pk=old_portrait).delete()
    if created:
        summary = _("Profile of %(name)s created") % {"name": candidate.name}
    elif image is not None:
        summary = _("Photo of %(name)s replaced") % {"name": candidate.name}
    else:
        summary = _("Profile of %(name)s updated") % {"name": candidate.name}
    _audit(profile, before, summary, actor=actor)
    return profile


@transaction.atomic
def remove_portrait(profile: Profile, *, acting_user) -> Profile:
    """Take the photo off a profile (the stored image is deleted)."""
    require_unit_role(acting_user, profile.unit, RoleKind.ASSESSOR)
    require_open(profile.period)
    profile = _locked(profile)
    if profile.portrait_id is None:
        return profile
    before = snapshot(profile)
    old = profile.portrait_id
    actor = actor_name(acting_user)
    profile.portrait = None
    profile.updated_by = actor
    profile.save()
    Portrait.objects.filter(pk=old).delete()
    name = profile.person.name
    candidate = Candidate.objects.filter(proposal__period=profile.period, person=profile.person).first()
    if candidate is not None:
        name = candidate.name
    _audit(profile, before, _("Photo of %(name)s removed") % {"name": name}, actor=actor)
    return profile
