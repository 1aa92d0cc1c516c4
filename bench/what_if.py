"""Benchmark: rule what-if (规则推演) on the synthetic city of bench/selection.py, against one
real ``jixiao select`` of the same period in the same run.

    uv run python bench/what_if.py [--sizes 100000,1000000] [--databases sqlite,postgresql]

For every database and size the driver takes (or generates) the city of bench/selection.py
— roster and scores CSVs in bench/out/cities/, the same seed — starts a fresh database
(SQLite: a temporary file with the project's settings; PostgreSQL: a throwaway server from
tools/pgserver.py, fsync on, ``work_mem`` as given) and runs a worker process with
``DATABASE_URL`` set. The worker

* imports the roster and the scores with ``jixiao import`` (set-up: timed, not compared);
* measures ``jixiao select --period 2023H1`` through ``call_command`` twice (into an empty
  results table, then a re-run that replaces them): the baseline;
* measures ``selection.what_if.compare`` — what the what-if page computes, with its page
  sizes — for one alternative at a time and for three at once, twice each (best of two):

    A1  share 15 % (the same peer groups, more places)
    A2  city-wide peer groups per category
    A3  round half up, at least 1 place a group, vetoed places passed on

  and the page itself (``/periods/2023H1/what-if/`` with the three, through Django's test
  client as the city office: parsing, computing, rendering);
* cross-checks the what-if against reality: for each alternative the period is ranked for
  real under it (``rank_period`` in a transaction rolled back), and every unit's and
  category's counts and the exact people coming in and dropping out must be the what-if's.

Prints sizes, seconds and ratios (what-if / select); nothing is asserted, but a failed
cross-check exits 1. Results also go to bench/out/what_if-<timestamp>.json. ``--smoke``:
a 500-person city in a temporary folder, for ./test.
"""

import argparse
import contextlib
import datetime
import io
import json
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.selection import (  # noqa: E402 — the selection benchmark's city and helpers
    Clock,
    code_version,
    generate_city,
    machine,
    progress,
    run_in_worker_process,
    secs,
    server_info,
    table,
)

PERIOD = "2023H1"
DEFAULT_SIZES = (100_000, 1_000_000)
DEFAULT_DATABASES = ("sqlite", "postgresql")
DEFAULT_PG_SETTINGS = {"work_mem": "64MB"}
SMOKE_SIZE = 500

# The alternatives: changes to the period's (default) rules.
ALTERNATIVES = {
    "A1": ("share 15 %", {"share_percent": Decimal("15")}),
    "A2": ("city-wide peer groups", {"peer_scope": "city"}),
    "A3": (
        "half up, ≥ 1 place, vetoed places passed on",
        {"quota_rounding": "half_up", "min_quota": 1, "fill_vetoed_places": True},
    ),
}


# --------------------------------------------------------------------------------------
# The worker: one database, one size, in its own process
# --------------------------------------------------------------------------------------


def run_worker(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    clock = Clock(f"{args.database} {args.size:,}", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from jixiao.assessment.models import Period
    from jixiao.org.models import Role, RoleKind
    from jixiao.selection.ranking import ranking_select_sql
    from jixiao.selection.what_if import current_settings
    from jixiao.selection.what_if_views import PEOPLE_PER_PAGE, ROWS_PER_PAGE, query_of

    result: dict = {"database": args.database, "size": args.size, "code": code_version()}
    call_command("migrate", verbosity=0, interactive=False)
    result["server"] = server_info(connection)

    def command(*command_args, **options) -> str:
        out = io.StringIO()
        call_command(*command_args, period=PERIOD, stdout=out, stderr=out, **options)
        return out.getvalue()

    for kind, path in (("roster", args.roster), ("scores", args.scores)):
        with clock(f"import {kind}"):
            command("import", kind, str(path))
    period = Period.objects.get(code=PERIOD)
    current = current_settings(period)
    alternatives = {key: current.with_changes(**changes) for key, (_label, changes) in ALTERNATIVES.items()}

    with clock("select first"):
        result["select_output"] = command("select").strip().splitlines()[-2:]

    from jixiao.selection.what_if import compare

    def what_if(keys: list[str]):
        return compare(
            period,
            [alternatives[key] for key in keys],
            rows_limit=ROWS_PER_PAGE,
            people_limit=PEOPLE_PER_PAGE,
        )

    runs = [["A1"], ["A2"], ["A3"], ["A1", "A2", "A3"]]
    shown = {}
    for attempt in (1, 2):
        for keys in runs:
            name = f"what-if {'+'.join(keys)} #{attempt}"
            with clock(name):
                shown["+".join(keys)] = what_if(keys)

    with clock("select rerun"):
        command("select")

    # The page, as the city office opens it (three alternatives), through the test client.
    user = get_user_model().objects.create_user("bench-city-office")
    Role.objects.create(user=user, kind=RoleKind.CITY_ADMIN)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/periods/{PERIOD}/what-if/?" + query_of(list(alternatives.values())).urlencode()
    for attempt in (1, 2):
        with clock(f"page A1+A2+A3 #{attempt}"):
            status = client.get(url).status_code
    result["page_status"] = status

    # The ranking statement alone, into an unindexed temporary table (for reference).
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ranking")
        with clock("ranking statement, temp table"):
            cursor.execute(f"CREATE TEMP TABLE bench_ranking AS {ranking_select_sql(current)}", [period.pk])
        cursor.execute("DROP TABLE bench_ranking")

    everything = shown["A1+A2+A3"]
    result["sizes"] = {
        "assessed": everything.assessed,
        "unit_category_rows_changed": everything.row_count,
        "eligible_now": everything.city.current.eligible,
        "alternatives": {
            key: {
                "eligible": counts.eligible,
                "places": counts.places,
                "came_in": counts.came_in,
                "dropped_out": counts.dropped_out,
            }
            for key, counts in zip(alternatives, everything.city.alternatives, strict=True)
        },
    }
    with clock("cross-check"):
        result["cross_check"] = cross_check(period, current, alternatives)
    result["phases"] = clock.phases
    Path(args.result).write_text(json.dumps(result, ensure_ascii=False, default=str))


def cross_check(period, current, alternatives: dict) -> dict:
    """The what-if of the three alternatives (every unit and person, no pages) against the
    period ranked for real under each: counts per unit and category and per category, and
    the people coming in and dropping out."""
    from django.db import transaction
    from django.db.models import Count, Max, Q

    from jixiao.selection.models import Outcome, RankingResult, SelectionRules
    from jixiao.selection.ranking import rank_period
    from jixiao.selection.what_if import RuleSettings, compare

    keys = list(alternatives)
    comparison = compare(
        period, [alternatives[k] for k in keys], changed_rows_only=False, rows_limit=None, people_limit=None
    )

    def ranked(settings: RuleSettings) -> tuple[dict, dict, set]:
        results = RankingResult.objects.filter(period=period)
        rows = {
            (r["unit_id"], r["category_id"]): (
                r["n"],
                r["vetoed"],
                r["eligible"],
                r["places"] if settings.places_per_unit else None,
            )
            for r in results.values("unit_id", "category_id")
            .annotate(
                n=Count("person_id"),
                vetoed=Count("person_id", filter=Q(outcome=Outcome.VETOED)),
                eligible=Count("person_id", filter=Q(outcome=Outcome.BY_RANK)),
                places=Max("quota"),
            )
            .order_by()
        }
        categories: dict = {}
        for r in results.values("group_unit_id", "category_id").annotate(places=Max("quota")).order_by():
            categories[r["category_id"]] = categories.get(r["category_id"], 0) + r["places"]
        eligible = set(results.filter(outcome=Outcome.BY_RANK).values_list("person_id", flat=True))
        return rows, categories, eligible

    with transaction.atomic():
        rank_period(period, actor="bench")
        now_rows, now_categories, now_eligible = ranked(current)
        transaction.set_rollback(True)
    mismatches = []
    expected_rows = {
        key: (n, vetoed, [(eligible, places)]) for key, (n, vetoed, eligible, places) in now_rows.items()
    }
    for i, key in enumerate(keys):
        with transaction.atomic():
            fields = {name: getattr(alternatives[key], name) for name in RuleSettings.names()}
            SelectionRules.objects.filter(period=period).update(**fields)
            rank_period(period, actor="bench")
            rows, categories, eligible = ranked(alternatives[key])
            transaction.set_rollback(True)
        for unit_category, (_n, _vetoed, e, places) in rows.items():
            expected_rows.setdefault(unit_category, (0, 0, []))[2].append((e, places))
        got = comparison.people[i]
        came_in = {p.person_id for p in got.people if p.came_in}
        dropped = {p.person_id for p in got.people if not p.came_in}
        if came_in != eligible - now_eligible or dropped != now_eligible - eligible:
            mismatches.append(f"{key}: people coming in or dropping out differ")
        for category in comparison.categories:
            if category.alternatives[i].places != categories.get(category.category_id):
                mismatches.append(f"{key}: places of category {category.category_name} differ")
            if category.current.places != now_categories.get(category.category_id):
                mismatches.append(f"current: places of category {category.category_name} differ")
    actual_rows = {
        (r.unit_id, r.category_id): (
            r.assessed,
            r.vetoed,
            [(c.eligible, c.places) for c in [r.current, *r.alternatives]],
        )
        for r in comparison.rows
    }
    if actual_rows != expected_rows:
        wrong = [k for k in expected_rows if actual_rows.get(k) != expected_rows[k]]
        mismatches.append(f"{len(wrong)} of {len(expected_rows)} units × categories differ, e.g. {wrong[:3]}")
    return {
        "unit_category_rows": len(expected_rows),
        "people_changes": sum(p.count for p in comparison.people),
        "mismatches": mismatches,
    }


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


def run_one(database: str, size: int, roster: Path, scores: Path, pg_settings: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"jixiao-bench-whatif-{database}-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--database", database]
        command += ["--size", str(size), "--roster", str(roster), "--scores", str(scores)]
        command += ["--result", str(result_path)]
        return run_in_worker_process(command, database, tmp, result_path, pg_settings)


def best(phases: dict, name: str) -> float:
    return min(v["wall"] for k, v in phases.items() if k.startswith(name + " #"))


def describe(r: dict, meta: dict) -> str:
    p = {name: v["wall"] for name, v in r["phases"].items()}
    server, sizes = r["server"], r["sizes"]
    baseline = min(p["select first"], p["select rerun"])
    lines = [
        f"== {server['engine']} {server['version']} — {r['size']:,} people, {meta['units']:,} units, "
        f"{meta['categories']} categories; {sizes['assessed']:,} assessed, {sizes['eligible_now']:,} "
        f"eligible by rank now ==",
    ]
    rows = [
        ["select (first)", secs(p["select first"]), "", "jixiao select: totals, ranking, summary"],
        ["select (re-run)", secs(p["select rerun"]), "", "the baseline: the faster of the two"],
        [
            "  ranking statement",
            secs(p["ranking statement, temp table"]),
            "",
            "ranking_select_sql into a temp table",
        ],
    ]
    for key, (label, _changes) in ALTERNATIVES.items():
        seconds = best(r["phases"], f"what-if {key}")
        a = sizes["alternatives"][key]
        rows.append(
            [
                f"what-if {key}",
                secs(seconds),
                f"{seconds / baseline:.2f}×",
                f"{label}: {a['eligible']:,} eligible, +{a['came_in']:,} / −{a['dropped_out']:,}",
            ]
        )
    three = best(r["phases"], "what-if A1+A2+A3")
    rows.append(
        [
            "what-if A1+A2+A3",
            secs(three),
            f"{three / baseline:.2f}×",
            f"three at once: {three / 3:.2f} s and {three / 3 / baseline:.2f}× select per alternative",
        ]
    )
    page = best(r["phases"], "page A1+A2+A3")
    rows.append(
        [
            "page A1+A2+A3",
            secs(page),
            f"{page / baseline:.2f}×",
            f"/periods/{PERIOD}/what-if/ (HTTP {r['page_status']}), {sizes['unit_category_rows_changed']:,} "
            "units × categories changed",
        ]
    )
    lines.append(table(["phase", "wall s", "× select", "detail"], rows, left=(0, 3)))
    check = r["cross_check"]
    verdict = "all match" if not check["mismatches"] else "MISMATCH: " + "; ".join(check["mismatches"])
    lines.append(
        f"  cross-check against ranking for real under each alternative: {check['unit_category_rows']:,} "
        f"units × categories, {check['people_changes']:,} people coming in or dropping out — {verdict}"
    )
    lines.append(f"  whole run incl. import and server start: {r['total_wall']:.1f} s; code {r['code']}")
    return "\n".join(lines)


def summary(results: list[dict]) -> str:
    rows = []
    for r in results:
        p = {name: v["wall"] for name, v in r["phases"].items()}
        baseline = min(p["select first"], p["select rerun"])
        cells = [r["server"]["engine"], f"{r['size']:,}", secs(baseline)]
        for key in (*ALTERNATIVES, "A1+A2+A3"):
            seconds = best(r["phases"], f"what-if {key}")
            cells.append(f"{secs(seconds)} ({seconds / baseline:.2f}×)")
        page = best(r["phases"], "page A1+A2+A3")
        cells.append(f"{secs(page)} ({page / baseline:.2f}×)")
        cells.append("match" if not r["cross_check"]["mismatches"] else "MISMATCH")
        rows.append(cells)
    headers = ["database", "people", "select s", "A1", "A2", "A3", "A1+A2+A3", "page (3)", "cross-check"]
    return table(headers, rows)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="people, comma-separated")
    parser.add_argument("--databases", default=",".join(DEFAULT_DATABASES), help="sqlite,postgresql")
    parser.add_argument(
        "--pg-setting", action="append", default=[], metavar="KEY=VALUE", help="server setting (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--data-dir", type=Path, default=OUT / "cities", help="where the city CSVs are kept")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a 500-person city in a temporary folder: that the benchmark runs and the what-if "
        "equals ranking for real (exit 1 otherwise), for ./test; no time is judged",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--roster", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scores", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.smoke:
        sizes = [SMOKE_SIZE]
        args.data_dir = Path(tempfile.mkdtemp(prefix="jixiao-bench-whatif-smoke-"))
    databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - set(DEFAULT_DATABASES)
    if unknown:
        raise SystemExit(f"unknown database(s): {', '.join(sorted(unknown))}")
    pg_settings = dict(DEFAULT_PG_SETTINGS)
    for item in args.pg_setting:
        key, _, value = item.partition("=")
        pg_settings[key.strip()] = value.strip()
    OUT.mkdir(parents=True, exist_ok=True)

    print(f"jixiao what-if benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, {machine()}")
    print(
        f"sizes {', '.join(f'{n:,}' for n in sizes)}; databases {', '.join(databases)}; code {code_version()}"
    )
    print(
        "alternatives to the period's default rules (10 %, round down, no minimum, ties share a rank, unit):"
    )
    for key, (label, _changes) in ALTERNATIVES.items():
        print(f"  {key}: {label}")
    print(flush=True)

    results, stamp = [], datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        for size in sizes:
            folder = args.data_dir / f"city-{size}-seed{args.seed}"
            started = time.perf_counter()
            roster, scores, meta = generate_city(size, folder, args.seed)
            progress(f"city of {size:,}: {folder} ({time.perf_counter() - started:.1f} s)")
            for database in databases:
                result = run_one(database, size, roster, scores, pg_settings)
                result["meta"] = meta
                results.append(result)
                print(describe(result, meta) + "\n", flush=True)
                (OUT / f"what_if-{stamp}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    finally:
        if args.smoke:
            shutil.rmtree(args.data_dir, ignore_errors=True)
    print(summary(results))
    print("\n(seconds, and in brackets the ratio to one `jixiao select` of the same period in the same run)")
    print(f"JSON: {OUT / f'what_if-{stamp}.json'}")
    failed = [r for r in results if r["cross_check"]["mismatches"]]
    for r in failed:
        print(f"CROSS-CHECK FAILED: {r['database']} {r['size']:,}: {r['cross_check']['mismatches']}")
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
