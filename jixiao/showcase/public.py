"""The one way any channel reads exemplars: published only, public fields only.

Every public page, the big screen, the posters and the WeChat article are built from
:class:`PublicExemplar` rows made here. A row holds nothing the unit did not choose to
publish and nothing a notice would not print: no score, no rank, no staff ID, no person
from a list that is not published. The rows of a period are cached under a version that
changes with every audited change of the period (see :func:`showcase_version`).
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.core.audit import AuditEntry
from jixiao.core.text import plain_decimal
from jixiao.selection import workflow
from jixiao.selection.models import Candidate, Proposal, ProposalState, Route, share_percent_of
from jixiao.showcase.models import Profile

# Edits the version cannot see (a unit renamed) show within this many seconds.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class PublicExemplar:
    key: str  # the profile's public key ("" if the exemplar has no profile yet)
    name: str
    unit_id: int
    unit: str
    category_id: int
    category: str
    category_order: tuple[int, int]
    route: str
    share: str  # the period's share eligible by rank, as people write it ("10")
    post: str
    achievements: str
    quote: str
    # The portrait's content hash when a photo is published ("" otherwise): its URL's version.
    photo: str

    @property
    def photo_version(self) -> str:
        """The ``?v=`` of the photo's URL: another photo, another URL."""
        return self.photo[:12]

    @property
    def route_label(self) -> str:
        return route_label(self.route, self.share)

    def matches(self, query: str) -> bool:
        """Search over the public fields only, so a hidden field can never be found."""
        query = query.casefold()
        return any(query in text.casefold() for text in (self.name, self.unit, self.category, self.post))


def route_label(route: str, share: str) -> str:
    """排名前10% / 突出贡献, with the period's own share (in the interface's language)."""
    return glossary.route_label(route == Route.BY_RANK, share)


def share_of(period: Period) -> str:
    return plain_decimal(share_percent_of(period))


def published_periods() -> list[tuple[Period, int]]:
    """Periods with published exemplars, newest first, with their number."""
    counts = dict(
        Candidate.objects.exemplars()
        .values("proposal__period_id")
        .annotate(n=Count("id"))
        .values_list("proposal__period_id", "n")
    )
    periods = Period.objects.filter(pk__in=counts).order_by("-start")
    return [(period, counts[period.pk]) for period in periods]


def showcase_version(period: Period) -> str:
    """Changes whenever what the public sees of the period may have changed.

    Every publication, reopening, profile and photo edit is audited, and the audit log's
    numbers only grow (whatever the clocks of the servers say), so its last entry of the
    period marks the state. Edits the log does not see (a unit or a person renamed in the
    admin) show within ``CACHE_SECONDS``: the version also changes that often.
    """
    last_entry = AuditEntry.objects.filter(period=period).aggregate(last=Max("id"))["last"]
    published = Proposal.objects.filter(period=period, state=ProposalState.PUBLISHED).count()
    window = int(time.time() // CACHE_SECONDS)
    state = f"{period.pk}:{last_entry}:{published}:{window}"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def published_exemplars(period: Period) -> list[PublicExemplar]:
    """Every published exemplar of the period, by unit, route, category and rank."""
    return _showcase(period)["exemplars"]


def find_exemplar(period: Period, key: str) -> PublicExemplar | None:
    return _showcase(period)["by_key"].get(key) if key else None


def of_unit(exemplars: list[PublicExemplar], unit_id: int | None) -> list[PublicExemplar]:
    return exemplars if unit_id is None else [e for e in exemplars if e.unit_id == unit_id]


def _showcase(period: Period) -> dict:
    def read() -> dict:
        exemplars = _read_exemplars(period)
        return {"exemplars": exemplars, "by_key": {e.key: e for e in exemplars if e.key}}

    return cache.get_or_set(f"showcase:{period.pk}:{showcase_version(period)}", read, CACHE_SECONDS)


def _read_exemplars(period: Period) -> list[PublicExemplar]:
    profiles = {
        row["person_id"]: row
        for row in Profile.objects.filter(period=period).values(
            "person_id",
            "public_key",
            "post",
            "achievements",
            "quote",
            "show_photo",
            "show_post",
            "show_achievements",
            "show_quote",
            "portrait__sha256",
        )
    }
    rows = (
        workflow.exemplars(period)
        .order_by(*workflow.LIST_ORDER)
        .values(
            "person_id",
            "name",
            "proposal__unit_id",
            "proposal__unit__name",
            "category_id",
            "category__name",
            "category__sort_order",
            "route",
            "post",
        )
    )
    share = share_of(period)
    exemplars = []
    for row in rows:
        profile = profiles.get(row["person_id"])
        exemplars.append(
            PublicExemplar(
                key=profile["public_key"] if profile else "",
                name=row["name"],
                unit_id=row["proposal__unit_id"],
                unit=row["proposal__unit__name"],
                category_id=row["category_id"],
                category=row["category__name"],
                category_order=(row["category__sort_order"], row["category_id"]),
                route=row["route"],
                share=share,
                post=_shown(profile, "post", "show_post", default=row["post"]),
                achievements=_shown(profile, "achievements", "show_achievements"),
                quote=_shown(profile, "quote", "show_quote"),
                photo=_shown(profile, "portrait__sha256", "show_photo"),
            )
        )
    return exemplars


def _shown(profile: dict | None, field: str, flag: str, default: str = "") -> str:
    if profile is None:
        return default
    return (profile[field] or "") if profile[flag] else ""


def select(
    exemplars: list[PublicExemplar],
    *,
    unit_id: int | None = None,
    category_id: int | None = None,
    route: str = "",
    query: str = "",
) -> list[PublicExemplar]:
    """The exemplars a public list page shows (the filters combine)."""
    query = query.strip()
    return [
        e
        for e in exemplars
        if (unit_id is None or e.unit_id == unit_id)
        and (category_id is None or e.category_id == category_id)
        and (not route or e.route == route)
        and (not query or e.matches(query))
    ]


@dataclass(frozen=True)
class Tally:
    label: str
    count: int


@dataclass(frozen=True)
class Counts:
    exemplars: int
    by_rank: int
    special: int
    units: int
    by_unit: list[Tally]
    by_category: list[Tally]
    by_route: list[Tally]


def counts(exemplars: list[PublicExemplar], share: str) -> Counts:
    """The figures the public pages and the big screen show: units in the city's order,
    categories in theirs."""

    def tally(key, ordered=None) -> list[Tally]:
        seen: dict[str, int] = {}
        for exemplar in sorted(exemplars, key=ordered) if ordered else exemplars:
            seen[key(exemplar)] = seen.get(key(exemplar), 0) + 1
        return [Tally(label, count) for label, count in seen.items()]

    by_rank = sum(1 for e in exemplars if e.route == Route.BY_RANK)
    return Counts(
        exemplars=len(exemplars),
        by_rank=by_rank,
        special=len(exemplars) - by_rank,
        units=len({e.unit_id for e in exemplars}),
        by_unit=tally(lambda e: e.unit),
        by_category=tally(lambda e: e.category, ordered=lambda e: e.category_order),
        by_route=[
            Tally(route_label(route, share), n)
            for route, n in ((Route.BY_RANK, by_rank), (Route.SPECIAL, len(exemplars) - by_rank))
            if n
        ],
    )


def units_with_exemplars(exemplars: list[PublicExemplar]) -> list[tuple[int, str]]:
    return list(dict.fromkeys((e.unit_id, e.unit) for e in exemplars))


def categories_with_exemplars(exemplars: list[PublicExemplar]) -> list[tuple[int, str]]:
    ordered = sorted(exemplars, key=lambda e: e.category_order)
    return list(dict.fromkeys((e.category_id, e.category) for e in ordered))
