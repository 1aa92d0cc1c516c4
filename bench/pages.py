"""Benchmark: every page each role opens, on the demo city, and a unit's own ranking.

    uv run python bench/pages.py [--people 8000] [--repeat 5] [--smoke]

Builds the demo city (8,000 people by default) on SQLite in a temporary folder, then, as each
demo account (city office, a unit's assessor and secretary, a staff member) and as the
public, requests every page of their work through the whole middleware stack (Django's test
client: the server's time, no network) and prints the median of ``--repeat`` requests, with
the ratio to the bare baseline of the same run: the sign-in page, which renders a template
and touches the session but reads nothing. Goal: every page under 300 ms.

Then the ranking button of one unit (its peer groups only) against the ranking of the whole
city, both through the action the button calls, rolled back. Goal: under 0.5 s.

Nothing is asserted but that every page answers 200 (exit 1 otherwise).
"""

import argparse
import sys
import time

from demo_city import build_demo_city, median_ms

GOAL_PAGE_MS = 300
GOAL_UNIT_RANKING_S = 0.5


def pages_of(period, unit, person, exemplar_key, other_unit) -> dict[str, list[tuple[str, str]]]:
    code, u = period.code, unit.pk
    unit_pages = [
        ("unit ranking", f"/periods/{code}/units/{u}/"),
        ("roster (50 a page)", f"/periods/{code}/units/{u}/roster/"),
        ("roster, sorted by total", f"/periods/{code}/units/{u}/roster/?sort=-total"),
        ("candidates", f"/periods/{code}/units/{u}/candidates/"),
        ("decision", f"/periods/{code}/units/{u}/decision/"),
        ("publicity", f"/periods/{code}/units/{u}/publicity/"),
        ("profiles", f"/periods/{code}/units/{u}/profiles/"),
        ("breakdown", f"/periods/{code}/people/{person.staff_id}/"),
        ("unit history", f"/reports/units/{u}/"),
        ("audit log", "/audit/"),
    ]
    return {
        "city office": [
            ("progress board", f"/periods/{code}/"),
            ("progress board, filtered", f"/periods/{code}/?stage=published"),
            ("periods", "/periods/"),
            ("period settings", f"/periods/{code}/settings/"),
            ("exemplar totals", f"/periods/{code}/exemplars/"),
            ("statistics dashboard", f"/reports/{code}/"),
            ("trends", "/reports/trends/"),
            ("another unit's ranking", f"/periods/{code}/units/{other_unit.pk}/"),
            ("another unit's publicity", f"/periods/{code}/units/{other_unit.pk}/publicity/"),
            ("audit log", "/audit/"),
        ],
        "assessor": [*unit_pages, ("import", f"/periods/{code}/units/{u}/import/")],
        "secretary": unit_pages,
        "staff member": [
            ("my results", "/me/"),
            ("my breakdown", f"/periods/{code}/people/{person.staff_id}/"),
        ],
        "public": [
            ("exemplars", f"/exemplars/{code}/"),
            ("a profile", f"/exemplars/{code}/{exemplar_key}/"),
            ("big screen", f"/screen/{code}/"),
            ("big screen data", f"/screen/{code}/data.json"),
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a small city, one request a page: that it runs")
    options = parser.parse_args()
    if options.smoke:
        options.people, options.repeat = 1500, 1

    build_demo_city(options.people, "pages")
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client

    from jixiao.assessment.models import Period, RosterEntry
    from jixiao.org.access import Operator
    from jixiao.org.models import Role, RoleKind, Unit
    from jixiao.selection.actions import rank
    from jixiao.showcase.public import published_exemplars

    period = Period.objects.get(code="2023H1")
    users = {
        username: get_user_model().objects.get(username=username)
        for username in ("kaoheban", "renshike", "dangwei", "zhigong")
    }
    unit = Role.objects.get(user=users["renshike"], kind=RoleKind.ASSESSOR).unit
    person = Role.objects.get(user=users["zhigong"], kind=RoleKind.STAFF).person
    other_unit = Unit.objects.exclude(pk=unit.pk).filter(proposals__state="published").first()
    exemplars = published_exemplars(period)
    roles = pages_of(period, unit, person, exemplars[0].key, other_unit)
    accounts = {
        "city office": "kaoheban",
        "assessor": "renshike",
        "secretary": "dangwei",
        "staff member": "zhigong",
    }
    headcount = RosterEntry.objects.filter(period=period).count()
    print(
        f"input: {headcount:,} people on the roster, {Unit.objects.count()} units, {len(exemplars)} exemplars\n"
    )

    anonymous = Client()
    baseline = median_ms(lambda: anonymous.get("/accounts/login/"), max(options.repeat, 5))
    print(f"{'role':<14}{'page':<28}{'ms':>9}{'× bare':>9}  goal < {GOAL_PAGE_MS} ms")
    print(f"{'':<14}{'bare: the sign-in page':<28}{baseline:>9.1f}")
    failures, misses = [], 0
    for role, pages in roles.items():
        client = Client()
        if role in accounts:
            client.force_login(users[accounts[role]])
        for label, url in pages:
            status = client.get(url).status_code
            if status != 200:
                failures.append(f"{role}: {url} answered {status}")
                continue

            def fetch(url=url, client=client):
                cache.clear()  # the public pages' cache: the server's own time, not a cache hit
                client.get(url)

            ms = median_ms(fetch, options.repeat)
            misses += ms >= GOAL_PAGE_MS
            print(
                f"{role:<14}{label:<28}{ms:>9.1f}{ms / baseline:>8.1f}×  {'PASS' if ms < GOAL_PAGE_MS else 'MISS'}"
            )

    print(f"\n{'ranking':<42}{'people':>8}{'seconds':>9}")
    operator = Operator("bench")
    timings = {}
    for label, scope in (("the whole city", None), (f"one unit ({unit.name})", unit)):
        best = None
        for _ in range(max(1, min(options.repeat, 3))):
            start = time.perf_counter()
            with transaction.atomic():
                run = rank(period, acting_user=operator, unit=scope)
                transaction.set_rollback(True)
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        timings[label] = best
        print(f"{label:<42}{run.ranked:>8,}{best:>9.3f}")
    unit_seconds = timings[f"one unit ({unit.name})"]
    print(
        f"one unit / whole city = {unit_seconds / timings['the whole city']:.3f}×; "
        f"goal < {GOAL_UNIT_RANKING_S} s: {'PASS' if unit_seconds < GOAL_UNIT_RANKING_S else 'MISS'}"
    )
    print(f"\npages over {GOAL_PAGE_MS} ms: {misses}")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
