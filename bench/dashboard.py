"""Benchmark: the statistics pages on the demo city with ten periods of history.

    uv run python bench/dashboard.py [--people 8000] [--history 10] [--repeat 10]

Builds the demo city (``jixiao demo --no-serve``, SQLite in a temporary folder), then ten
earlier half-years: the same roster with every total moved by a few points, ranked by the
application's own ranking, and every unit's people eligible by rank published as its
exemplars (a published proposal with approved candidates). Then each statistics page is
requested through Django's test client as the city administrator (all middleware), median of
--repeat, against a baseline measured in the same run: *bare count*, one grouped count of the
roster by unit for the newest period (the least a dashboard reads). Goal from the issue:
every dashboard page under 300 ms of server time. Printed, never asserted.
"""

import argparse
import random
import time
from decimal import Decimal

from demo_city import build_demo_city, median_ms

GOAL_MS = 300


def add_history(source, periods: int, rng: random.Random) -> None:
    """``periods`` half-years before ``source``, each ranked and published like it."""
    from django.db import transaction
    from django.utils import timezone

    from jixiao.assessment.actions import get_or_create_period
    from jixiao.assessment.models import RosterEntry, Score
    from jixiao.org.access import Operator
    from jixiao.selection.actions import rank
    from jixiao.selection.models import Candidate, Outcome, Proposal, ProposalState, RankingResult, Verdict

    entries = list(RosterEntry.objects.filter(period=source).select_related("score"))
    year, half = int(source.code[:4]), int(source.code[-1])
    for _ in range(periods):
        year, half = (year, 1) if half == 2 else (year - 1, 2)
        period, _created = get_or_create_period(f"{year}H{half}", acting_user=Operator("bench"))
        with transaction.atomic():
            copies = RosterEntry.objects.bulk_create(
                RosterEntry(
                    period=period,
                    person_id=e.person_id,
                    name=e.name,
                    gender=e.gender,
                    unit_id=e.unit_id,
                    category_id=e.category_id,
                    post=e.post,
                )
                for e in entries
            )
            Score.objects.bulk_create(
                Score(
                    entry=copy,
                    total=max(Decimal("0"), original.score.total + Decimal(rng.randint(-300, 300)) / 100),
                    veto_text=original.score.veto_text,
                    veto_reason_id=original.score.veto_reason_id,
                )
                for copy, original in zip(copies, entries, strict=True)
                if hasattr(original, "score")
            )
        rank(period, acting_user=Operator("bench"))
        eligible = RankingResult.objects.filter(period=period, outcome=Outcome.BY_RANK).values_list(
            "unit_id", "person_id", "entry__name", "category_id", "total", "rank", "group_size"
        )
        with transaction.atomic():
            proposals = {
                unit_id: Proposal.objects.create(
                    period=period, unit_id=unit_id, state=ProposalState.PUBLISHED, published_at=timezone.now()
                )
                for unit_id in {row[0] for row in eligible}
            }
            Candidate.objects.bulk_create(
                Candidate(
                    proposal=proposals[unit_id],
                    person_id=person_id,
                    name=name,
                    category_id=category_id,
                    route="rank",
                    total=total,
                    rank=rank,
                    group_size=size,
                    verdict=Verdict.APPROVED,
                )
                for unit_id, person_id, name, category_id, total, rank, size in eligible
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--history", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a small city, two periods of history, one request a page: that it runs",
    )
    options = parser.parse_args()
    if options.smoke:
        options.people, options.history, options.repeat = 300, 2, 1

    build_demo_city(options.people, "dashboard")
    from django.db.models import Count
    from django.test import Client

    from jixiao.assessment.models import Period, RosterEntry
    from jixiao.org.models import Role, RoleKind, Unit
    from jixiao.selection.models import Candidate

    started = time.perf_counter()
    newest = Period.objects.get(code="2023H1")
    add_history(newest, options.history, random.Random(7))
    print(f"{options.history} periods of history added in {time.perf_counter() - started:.0f} s")
    print(
        f"input: {Period.objects.count()} periods, {RosterEntry.objects.count():,} roster entries, "
        f"{Candidate.objects.exemplars().count():,} exemplars, {Unit.objects.count()} units\n"
    )

    admin = Role.objects.filter(kind=RoleKind.CITY_ADMIN).select_related("user").first().user
    client = Client()
    client.force_login(admin)
    unit = Unit.objects.order_by("pk").first()

    def bare():
        list(RosterEntry.objects.filter(period=newest).values("unit_id").annotate(n=Count("id")).order_by())

    baseline = median_ms(bare, options.repeat)
    pages = {
        "dashboard (newest period)": f"/reports/{newest.code}/",
        f"trends ({Period.objects.count()} periods)": "/reports/trends/",
        "unit history": f"/reports/units/{unit.pk}/",
        "units table .xlsx": f"/reports/{newest.code}/units.xlsx",
        "half-year summary .docx": f"/reports/{newest.code}/summary.docx",
    }
    print(f"{'page':<28}{'ms':>9}{'× bare':>9}  goal < {GOAL_MS} ms")
    print(f"{'bare count':<28}{baseline:>9.2f}")
    for label, url in pages.items():
        assert client.get(url).status_code == 200, url
        ms = median_ms(lambda url=url: client.get(url), options.repeat)
        verdict = "" if url.endswith((".xlsx", ".docx")) else ("PASS" if ms < GOAL_MS else "MISS")
        print(f"{label:<28}{ms:>9.1f}{ms / baseline:>8.0f}×  {verdict}")


if __name__ == "__main__":
    main()
