"""A unit's exemplar profiles: who has one, and every change to them (each audited).

An approved candidate gets a profile from the committee's decision on, so the unit can
write it during the publicity; publication gives every exemplar one (the public pages and
QR codes need its key). Nothing of a profile is public before its list is published.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period
from jixiao.core.audit import AuditAction, record
from jixiao.core.text import character_count
from jixiao.org.models import Person, Unit
from jixiao.selection.models import Candidate, Proposal, ProposalState, Route, Verdict
from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused
from jixiao.showcase.models import ACHIEVEMENTS_MAX, ACHIEVEMENTS_MIN, Portrait, Profile
from jixiao.showcase.photos import CropFocus, PortraitImage, portrait_from_upload

# From the committee's decision on, an approved candidate's profile can be written.
DECIDED_STATES = (ProposalState.DECIDED, ProposalState.PUBLICITY, ProposalState.PUBLISHED)
PUBLIC_FIELDS = ("show_photo", "show_post", "show_achievements", "show_quote")


def tidy_text(text: str) -> str:
    """Line breaks as ``\\n``, no trailing spaces on a line, no empty lines at either end."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def check_achievements(text: str) -> None:
    """事迹 are 100–500 characters when given (an empty one is a gap, not an error)."""
    length = character_count(text)
    if text and not ACHIEVEMENTS_MIN <= length <= ACHIEVEMENTS_MAX:
        raise ShowcaseRefused(
            ShowcaseRefusal.ACHIEVEMENTS_LENGTH,
            minimum=ACHIEVEMENTS_MIN,
            maximum=ACHIEVEMENTS_MAX,
            length=length,
        )


def profile_candidates(period: Period, unit: Unit) -> QuerySet[Candidate]:
    """The unit's approved candidates not removed by an objection, on a decided list."""
    return (
        Candidate.objects.filter(
            proposal__period=period,
            proposal__unit=unit,
            proposal__state__in=DECIDED_STATES,
            verdict=Verdict.APPROVED,
            removed_at__isnull=True,
        )
        .select_related("person", "category", "proposal")
        .order_by("route", "category__sort_order", "category_id", "rank", "person__staff_id")
    )


def candidate_for(period: Period, unit: Unit, person: Person) -> Candidate:
    candidate = profile_candidates(period, unit).filter(person=person).first()
    if candidate is None:
        raise ShowcaseRefused(
            ShowcaseRefusal.NOT_AN_EXEMPLAR, name=person.name, unit=unit.name, period=period.code
        )
    return candidate


def _new_profile(candidate: Candidate) -> Profile:
    """A profile filled from what the committee decided on: the post, and for a special
    nomination its written reason as the first draft of the 事迹 (the notice printed it)."""
    proposal = candidate.proposal
    return Profile(
        period_id=proposal.period_id,
        person_id=candidate.person_id,
        unit_id=proposal.unit_id,
        post=candidate.post,
        achievements=tidy_text(candidate.reason) if candidate.route == Route.SPECIAL else "",
    )


def profile_or_draft(candidate: Candidate) -> Profile:
    """The candidate's profile, or an unsaved first draft of it."""
    proposal = candidate.proposal
    profile = Profile.objects.filter(period_id=proposal.period_id, person_id=candidate.person_id).first()
    return profile if profile is not None else _new_profile(candidate)


def profile_for(candidate: Candidate) -> Profile:
    """The candidate's profile, created on first use."""
    profile = profile_or_draft(candidate)
    if profile.pk is None:
        profile.save()
    return profile


def create_profiles_on_publication(sender, proposal: Proposal, **kwargs) -> None:
    """Every exemplar of a list just published gets a profile (receiver of ``list_published``)."""
    have = set(
        Profile.objects.filter(
            period_id=proposal.period_id, person__candidacies__proposal=proposal
        ).values_list("person_id", flat=True)
    )
    exemplars = proposal.candidates.filter(verdict=Verdict.APPROVED, removed_at__isnull=True).select_related(
        "proposal"
    )
    Profile.objects.bulk_create(_new_profile(c) for c in exemplars if c.person_id not in have)


@dataclass(frozen=True)
class ProfileText:
    post: str
    achievements: str
    quote: str
    show_photo: bool = True
    show_post: bool = True
    show_achievements: bool = True
    show_quote: bool = True


def _snapshot(profile: Profile) -> dict:
    return {
        "post": profile.post,
        "achievements": profile.achievements,
        "quote": profile.quote,
        "portrait": profile.portrait.sha256 if profile.portrait_id else None,
        **{name: getattr(profile, name) for name in PUBLIC_FIELDS},
    }


def _audit(profile: Profile, before: dict, summary: str, *, actor: str) -> None:
    record(
        actor=actor,
        action=AuditAction.PROFILE,
        target=profile,
        unit=profile.unit,
        period=profile.period,
        summary=summary,
        before=before,
        after=_snapshot(profile),
    )


def _locked(profile: Profile) -> Profile:
    """The profile afresh, locked until the transaction ends (only its own row: PostgreSQL
    cannot lock the outer-joined portrait)."""
    return (
        Profile.objects.select_for_update(of=("self",))
        .select_related("portrait", "person")
        .get(pk=profile.pk)
    )


@transaction.atomic
def update_profile(profile: Profile, text: ProfileText, *, actor: str) -> Profile:
    """Save the profile's text and public fields; unchanged input records nothing."""
    achievements = tidy_text(text.achievements)
    check_achievements(achievements)
    profile = _locked(profile)
    before = _snapshot(profile)
    profile.post = text.post.strip()
    profile.achievements = achievements
    profile.quote = tidy_text(text.quote)
    for name in PUBLIC_FIELDS:
        setattr(profile, name, getattr(text, name))
    if _snapshot(profile) == before:
        return profile
    profile.updated_by = actor
    profile.save()
    _audit(profile, before, _("Profile of %(name)s updated") % {"name": profile.person.name}, actor=actor)
    return profile


def set_portrait(
    profile: Profile,
    data: bytes,
    *,
    filename: str = "",
    focus: CropFocus = CropFocus.AUTO,
    actor: str,
    generated: bool = False,
) -> Profile:
    """Check and re-encode an uploaded photo and make it the profile's (the old one goes)."""
    image = portrait_from_upload(data, focus)
    return store_portrait(profile, image, filename=filename, size=len(data), actor=actor, generated=generated)


@transaction.atomic
def store_portrait(
    profile: Profile, image: PortraitImage, *, filename: str, size: int, actor: str, generated: bool = False
) -> Profile:
    """Make a checked, re-encoded photo the profile's; the old one is deleted. (Decoding
    the upload is done before, outside the transaction: it takes a while.)"""
    profile = _locked(profile)
    before = _snapshot(profile)
    old = profile.portrait_id
    profile.portrait = Portrait.objects.create(
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
    profile.updated_by = actor
    profile.save()
    if old is not None:
        Portrait.objects.filter(pk=old).delete()
    _audit(profile, before, _("Photo of %(name)s replaced") % {"name": profile.person.name}, actor=actor)
    return profile


@transaction.atomic
def remove_portrait(profile: Profile, *, actor: str) -> Profile:
    profile = _locked(profile)
    if profile.portrait_id is None:
        return profile
    before = _snapshot(profile)
    old = profile.portrait_id
    profile.portrait = None
    profile.updated_by = actor
    profile.save()
    Portrait.objects.filter(pk=old).delete()
    _audit(profile, before, _("Photo of %(name)s removed") % {"name": profile.person.name}, actor=actor)
    return profile
