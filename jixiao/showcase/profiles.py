"""A unit's exemplar profiles: who may have one and what they hold. The changes are the
actions of ``showcase.actions``.

An approved candidate gets a profile from the committee's decision on, so the unit can
write it during the publicity; publication gives every exemplar one (the public pages and
QR codes need its key). Nothing of a profile is public before its list is published.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from jixiao.assessment.models import Period
from jixiao.core.text import character_count
from jixiao.org.models import Person, Unit
from jixiao.selection.models import Candidate, Proposal, ProposalState, Route
from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused
from jixiao.showcase.models import ACHIEVEMENTS_MAX, ACHIEVEMENTS_MIN, Profile

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
        Candidate.objects.kept()
        .filter(proposal__period=period, proposal__unit=unit, proposal__state__in=DECIDED_STATES)
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


def create_profiles_on_publication(sender, proposal: Proposal, **kwargs) -> None:
    """Every exemplar of a list just published gets a profile (receiver of ``list_published``)."""
    have = set(
        Profile.objects.filter(
            period_id=proposal.period_id, person__candidacies__proposal=proposal
        ).values_list("person_id", flat=True)
    )
    exemplars = proposal.candidates.kept().select_related("proposal")
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


def snapshot(profile: Profile) -> dict:
    """What the audit log keeps of a profile."""
    return {
        "post": profile.post,
        "achievements": profile.achievements,
        "quote": profile.quote,
        "portrait": profile.portrait.sha256 if profile.portrait_id else None,
        **{name: getattr(profile, name) for name in PUBLIC_FIELDS},
    }
