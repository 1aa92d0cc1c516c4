"""Benchmark: rater quality over the totals benchmark's city (100k people × 10 indicators ×
20 raters = 20M rater scores) against a bare GROUP BY of the same rows.

    uv run python bench/rater_quality.py [--people 100000] [--indicators 10] [--raters 20]
                                         [--databases sqlite,postgresql] [--explain] [--smoke]

The city is bench/totals.py's, built by its own set-up functions (imported, not copied):
about people/70 units, one category, one scheme with ``--indicators`` rater-scored leaves and
three rater groups (领导评价 4, 同事互评 12, 服务对象评价 4 of 20 raters; the peers' group is
trimmed), the rater scores generated inside the database. Per database the driver starts a
fresh one (SQLite: a temporary file; PostgreSQL: a throwaway server, fsync on, ``work_mem`` as
given) and runs a worker process with ``DATABASE_URL`` set. The worker

* sets up the city (timed, printed, not the measured phase);
* measures ``reports.rater_quality.build_report(period)`` — the code under test: the window
  pass into the per-rater-and-person table, the leniency ``GROUP BY``, reading every rater
  with its flags, the groups and the leniency — twice, each statement timed through a Django
  execute wrapper;
* measures, in the same run, the bare aggregation the issue names — ``CREATE TEMP TABLE … AS
  SELECT entry_id, indicator_id, sub_period, group_id, SUM(score_cents), COUNT(*) … GROUP BY
  1, 2, 3, 4`` — best of two (one before, one after the reports), and prints report / bare;
* cross-checks the database's numbers with the reference model
  (``reports.quality_model.reference``, score by score in Python): with ``--smoke`` every
  rater, group and unit of the city; otherwise every rater and group of ``--sample-units``
  units (a rater's and a group's numbers depend only on their unit's scores) and the leniency
  of every unit from per-cell sums read back from the database. A mismatch exits 1.

Nothing is asserted about time. Results are also written as JSON to
bench/out/rater-quality-<timestamp>.json.
"""

import argparse
import datetime
import json
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.selection import Clock, machine, progress, run_in_worker_process, secs, server_info, table  # noqa: E402
from bench.totals import (  # noqa: E402 — the totals benchmark's city
    DEFAULT_INDICATORS,
    DEFAULT_PEOPLE,
    DEFAULT_PG_SETTINGS,
    DEFAULT_RATERS,
    GROUPS,
    TRIM_FROM,
    generate_rater_scores,
    indicator_specs,
    raters_per_group,
    set_up_people,
)

DEFAULT_DATABASES = ("sqlite", "postgresql")
SMOKE = {"people": 300, "indicators": 3, "raters": 8}
TOLERANCE = 1e-7

BARE_SQL = """
    CREATE TEMP TABLE bench_bare AS
    SELECT entry_id, indicator_id, sub_period, group_id, SUM(score_cents) AS total, COUNT(*) AS n
    FROM {table}
    GROUP BY entry_id, indicator_id, sub_period, group_id
"""

STATEMENTS = (
    ("INSERT INTO JIXIAO_QUALITY_PAIRS", "window pass"),
    ("INSERT INTO JIXIAO_QUALITY_CELLS", "cells"),
    ("SELECT UNIT_ID, GROUP_ID, RATER", "raters"),
    ("SELECT UNIT_ID, GROUP_ID", "groups"),
    ("SELECT UNIT_ID, CATEGORY_ID", "leniency"),
)


def code_label() -> str:
    """The commit checked out, read from .git without running git (the working tree may
    differ from it)."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            path = git / ref
            if path.exists():
                return path.read_text().strip()[:7]
            for line in (git / "packed-refs").read_text().splitlines():
                if line.endswith(" " + ref):
                    return line[:7]
            return "unknown"
        return head[:7]
    except OSError:
        return "unknown"


def statement_kind(sql: str) -> str:
    head = " ".join(sql.split())[:80].upper()
    for prefix, name in STATEMENTS:
        if head.startswith(prefix):
            return name
    return "set-up and rest"


# --------------------------------------------------------------------------------------
# The worker: one database, in its own process
# --------------------------------------------------------------------------------------


def run_worker(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    label = args.database
    clock = Clock(label, None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jixiao.assessment.models import RaterScore
    from jixiao.assessment.schemes import define_scheme
    from jixiao.reports import rater_quality

    people, indicators, raters = args.people, args.indicators, args.raters
    counts = raters_per_group(raters)
    result: dict = {
        "database": args.database,
        "people": people,
        "indicators": indicators,
        "raters": raters,
        "raters_per_group": dict(zip([g[0] for g in GROUPS], counts, strict=True)),
        "code": code_label(),
    }
    with clock("setup migrate"):
        call_command("migrate", verbosity=0, interactive=False)
    result["server"] = server_info(connection)
    with clock("setup roster"):
        setup = set_up_people(people, args.seed, connection)
    period = setup["period"]
    with clock("setup scheme"):
        scheme = define_scheme(
            name="专业技术人员考核方案",
            period=period,
            category=setup["category"],
            indicators=indicator_specs(indicators),
            rater_groups={name: weight for name, _s, weight, _b in GROUPS},
            trim_from=TRIM_FROM,
        )
    with clock("setup rater scores"):
        generate_rater_scores(connection, transaction, scheme, counts, setup.pop("generator_rows"))
    raterscore_table = connection.ops.quote_name(RaterScore._meta.db_table)
    with clock("setup analyze"), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {raterscore_table}")
        result["rater_scores"] = cursor.fetchone()[0]
    result["units"] = setup["units"]
    progress(f"[{label}] {result['rater_scores']:,} rater scores in {setup['units']:,} units")

    bare_walls = []

    def bare(name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_bare")
            with clock(name):
                cursor.execute(BARE_SQL.format(table=raterscore_table))
            cursor.execute("SELECT COUNT(*) FROM bench_bare")
            result["bare_groups"] = cursor.fetchone()[0]
            cursor.execute("DROP TABLE bench_bare")
        bare_walls.append(clock.wall(name))

    def statement_timer(run: str):
        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                name = f"{run} {statement_kind(sql)}"
                before = clock.phases.get(name, {"wall": 0.0, "cpu": 0.0})
                before["wall"] += time.perf_counter() - started
                clock.phases[name] = before

        return wrapper

    bare("bare 1")
    report = None
    for run in ("report first", "report second"):
        with connection.execute_wrapper(statement_timer(run)), clock(run):
            report = rater_quality.build_report(period)
    bare("bare 2")
    result["bare"] = min(bare_walls)
    result["report"] = {
        "raters": report.rater_count,
        "flagged_raters": report.flagged_rater_count,
        "units": len(report.units),
        "flagged_units": len(report.flagged_units),
        "flagged_groups": len(report.groups),
        "leniency": [min(u.leniency for u in report.units), max(u.leniency for u in report.units)]
        if report.units and all(u.leniency is not None for u in report.units)
        else None,
    }
    if args.explain:
        result["explain"] = explain(connection, period)
    with clock("cross-check"):
        result["cross_check"] = cross_check(period, args)
    check = result["cross_check"]
    progress(f"[{label}] cross-check: {check}")
    result["phases"] = clock.phases
    Path(args.result).write_text(json.dumps(result, ensure_ascii=False, default=str))


def explain(connection, period) -> str:
    """The plan of the window pass (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import transaction

    from jixiao.reports import rater_quality

    with transaction.atomic(), connection.cursor() as cursor:
        rater_quality._create_tables(cursor)
        rater_quality._fill_entries(cursor, period)
        sql = rater_quality.pairs_sql(rater_quality._tables())
        params = rater_quality.entry_range(cursor, None)
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        transaction.set_rollback(True)
    progress(f"plan of the window pass:\n{plan}")
    return plan


def counted_rows(period, unit_ids=None):
    """The scores the measures count, read with the ORM (the reference model's input)."""
    from jixiao.assessment.models import RaterScore, ScoringMethod
    from jixiao.assessment.schemes import applicable_scheme
    from jixiao.reports.quality_model import Row

    rows = []
    schemes = {}
    entries = RaterScore.objects.filter(entry__period=period)
    if unit_ids is not None:
        entries = entries.filter(entry__unit_id__in=unit_ids)
    for (
        entry_id,
        unit_id,
        category_id,
        indicator_id,
        sub_period,
        group_id,
        rater,
        cents,
    ) in entries.values_list(
        "entry_id",
        "entry__unit_id",
        "entry__category_id",
        "indicator_id",
        "sub_period",
        "group_id",
        "rater",
        "score_cents",
    ).iterator(chunk_size=20_000):
        key = (unit_id, category_id)
        if key not in schemes:
            scheme = applicable_scheme(period, unit_id, category_id)
            leaves = {
                i.pk: i
                for i in scheme.indicators.filter(method=ScoringMethod.RATERS)
                if not i.children.exists()
            }
            groups = set(scheme.rater_groups.values_list("group_id", flat=True))
            schemes[key] = (scheme, leaves, groups)
        scheme, leaves, groups = schemes[key]
        indicator = leaves.get(indicator_id)
        if indicator is None or group_id not in groups:
            continue
        rows.append(
            Row(
                unit_id=unit_id,
                category_id=category_id,
                entry_id=entry_id,
                indicator=indicator.name,
                indicator_id=indicator_id,
                sub_period=sub_period,
                group_id=group_id,
                rater=rater,
                score_cents=cents,
                full_cents=round(indicator.full_marks * 100),
                trim_from=scheme.trim_from,
            )
        )
    return rows


def same(a, b) -> bool:
    """Two measures equal: counts exactly, floats to TOLERANCE (summed in another order)."""
    for name in b.__dataclass_fields__:
        if name in {"flags", "identical_raters", "flagged_raters"}:
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) or isinstance(y, float):
            if x is None or y is None or not math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                return False
        elif x != y:
            return False
    return True


def cross_check(period, args) -> dict:
    from jixiao.assessment.models import RosterEntry
    from jixiao.reports import rater_quality
    from jixiao.reports.quality_model import reference

    unit_ids = sorted(set(RosterEntry.objects.filter(period=period).values_list("unit_id", flat=True)))
    if not args.smoke:
        unit_ids = sorted(random.Random(args.seed).sample(unit_ids, min(args.sample_units, len(unit_ids))))
    with rater_quality.measured(period, None if args.smoke else unit_ids) as m:
        raters, groups, leniency = list(m.raters()), m.groups(), m.leniency()
    expected = reference(counted_rows(period, None if args.smoke else unit_ids))
    differing = []
    raters = [r for r in raters if r.unit_id in unit_ids]
    for rater in raters:
        want = expected.raters.get((rater.unit_id, rater.group_id, rater.rater))
        if want is None or not same(rater, want):
            differing.append(f"rater {rater.unit_id}/{rater.group_id}/{rater.rater}: {rater} ≠ {want}")
    missing = set(expected.raters) - {(r.unit_id, r.group_id, r.rater) for r in raters}
    differing += [f"rater {key} not measured" for key in sorted(missing)]
    for group in groups:
        want = expected.groups.get((group.unit_id, group.group_id))
        if want is None or not same(group, want):
            differing.append(f"group {group.unit_id}/{group.group_id}: {group} ≠ {want}")
    checked_leniency = 0
    if args.smoke:  # the reference saw the whole city: every unit's leniency too
        for row in leniency:
            want = expected.leniency.get((row.unit_id, row.category_id))
            checked_leniency += 1
            if want is None or not same(row, want):
                differing.append(f"leniency {row.unit_id}/{row.category_id}: {row} ≠ {want}")
        if len(leniency) != len(expected.leniency):
            differing.append(f"leniency rows: {len(leniency)} ≠ {len(expected.leniency)}")
    return {
        "units": len(unit_ids),
        "raters": len(raters),
        "groups": len(groups),
        "leniency": checked_leniency,
        "scores": sum(r.scores for r in raters),
        "matched": not differing and bool(raters),
        "differing": differing[:10],
    }


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


def run_one(database: str, args, pg_settings: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"jixiao-bench-quality-{database}-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "--database",
            database,
            "--people",
            str(args.people),
            "--indicators",
            str(args.indicators),
            "--raters",
            str(args.raters),
            "--seed",
            str(args.seed),
            "--sample-units",
            str(args.sample_units),
            "--result",
            str(result_path),
        ]
        command += ["--explain"] * args.explain + ["--smoke"] * args.smoke
        return run_in_worker_process(command, database, tmp, result_path, pg_settings)


PARTS = ("window pass", "cells", "raters", "groups", "leniency", "set-up and rest")


def describe_run(r: dict) -> str:
    p = {name: v["wall"] for name, v in r["phases"].items()}
    server = r["server"]
    settings = ", ".join(f"{k}={v}" for k, v in server["settings"].items())
    groups = ", ".join(f"{name} {count}" for name, count in r["raters_per_group"].items())
    lines = [
        f"== {server['engine']} {server['version']} ({settings}) — {r['people']:,} people × "
        f"{r['indicators']} indicators × {r['raters']} raters ({groups}) = {r['rater_scores']:,} rater scores, "
        f"{r['units']:,} units =="
    ]
    setup = ("setup migrate", "setup roster", "setup scheme", "setup rater scores", "setup analyze")
    rows = [
        [
            "setup (not measured)",
            secs(sum(p[n] for n in setup)),
            " / ".join(f"{n.removeprefix('setup ')} {secs(p[n])}" for n in setup),
        ]
    ]
    bare = r["bare"]
    for run in ("report first", "report second"):
        parts = [p.get(f"{run} {part}", 0.0) for part in PARTS]
        statements = sum(parts)
        rows.append(
            [
                run,
                secs(p[run]),
                " / ".join(f"{part} {secs(v)}" for part, v in zip(PARTS, parts, strict=True))
                + f" / python {secs(p[run] - statements)}; report / bare = {p[run] / bare:.2f}×",
            ]
        )
    rows.append(
        [
            "  bare GROUP BY",
            secs(bare),
            f"best of {secs(p['bare 1'])} (before) and {secs(p['bare 2'])} (after); {r['bare_groups']:,} groups",
        ]
    )
    lines.append(table(["phase", "wall s", "detail"], rows, left=(0, 2)))
    rep = r["report"]
    spread = (
        f"leniency {rep['leniency'][0]:+.2f} … {rep['leniency'][1]:+.2f} points"
        if rep["leniency"]
        else "no leniency"
    )
    lines.append(
        f"  report: {rep['raters']:,} raters ({rep['flagged_raters']:,} flagged), {rep['units']:,} units "
        f"({rep['flagged_units']:,} flagged), {rep['flagged_groups']:,} flagged rater groups; {spread}"
    )
    lines.append(f"  cross-check against quality_model.reference: {check_text(r)}")
    if r["cross_check"]["differing"]:
        lines += [f"    DIFFERING: {d}" for d in r["cross_check"]["differing"]]
    lines.append(f"  whole run incl. server and process start: {r['total_wall']:.1f} s; code {r['code']}")
    return "\n".join(lines)


def check_text(r: dict) -> str:
    c = r["cross_check"]
    what = f"{c['raters']:,} raters, {c['groups']:,} groups"
    what += f", {c['leniency']:,} leniency rows" if c["leniency"] else ""
    return f"{what} of {c['units']:,} units ({c['scores']:,} scores): {'all match' if c['matched'] else 'MISMATCH'}"


def summary(results: list[dict]) -> str:
    rows = []
    for r in results:
        p = {name: v["wall"] for name, v in r["phases"].items()}
        bare = r["bare"]
        rows.append(
            [
                r["server"]["engine"],
                f"{r['rater_scores']:,}",
                secs(p["report first"]),
                secs(p["report second"]),
                secs(p.get("report second window pass", 0.0)),
                secs(bare),
                f"{p['report first'] / bare:.2f}×",
                f"{p['report second'] / bare:.2f}×",
                "match" if r["cross_check"]["matched"] else "MISMATCH",
            ]
        )
    headers = [
        "database",
        "rater scores",
        "report 1st s",
        "2nd s",
        "window pass s",
        "bare s",
        "1st/bare",
        "2nd/bare",
        "cross-check",
    ]
    return table(headers, rows)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--indicators", type=int, default=DEFAULT_INDICATORS, help="rater-scored leaves")
    parser.add_argument("--raters", type=int, default=DEFAULT_RATERS, help="per person and indicator")
    parser.add_argument("--databases", default=",".join(DEFAULT_DATABASES), help="sqlite,postgresql")
    parser.add_argument(
        "--pg-setting", action="append", default=[], metavar="KEY=VALUE", help="server setting (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--sample-units", type=int, default=3, help="units whose raters are cross-checked score by score"
    )
    parser.add_argument("--explain", action="store_true", help="print the window pass's plan")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a tiny city ({SMOKE['people']} people × {SMOKE['indicators']} indicators × {SMOKE['raters']} "
        "raters): that the benchmark runs and every number agrees with the reference model "
        "(exit 1 otherwise), for ./test; no time is judged",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.smoke and not args.worker:
        args.people, args.indicators, args.raters = SMOKE["people"], SMOKE["indicators"], SMOKE["raters"]
    if args.people < 100:
        raise SystemExit("--people must be at least 100")
    raters_per_group(args.raters)
    if args.worker:
        run_worker(args)
        return 0
    databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - set(DEFAULT_DATABASES)
    if unknown:
        raise SystemExit(f"unknown database(s): {', '.join(sorted(unknown))}")
    pg_settings = dict(DEFAULT_PG_SETTINGS)
    for item in args.pg_setting:
        key, _, value = item.partition("=")
        pg_settings[key.strip()] = value.strip()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"jixiao rater-quality benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, {machine()}")
    print(
        f"{args.people:,} people × {args.indicators} indicators × {args.raters} raters = "
        f"{args.people * args.indicators * args.raters:,} rater scores; databases {', '.join(databases)}; "
        f"code {code_label()}"
    )
    if "postgresql" in databases:
        print("PostgreSQL: fresh throwaway server, " + ", ".join(f"{k}={v}" for k, v in pg_settings.items()))
    print(flush=True)
    results = []
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for database in databases:
        result = run_one(database, args, pg_settings)
        results.append(result)
        print(describe_run(result) + "\n", flush=True)
        (OUT / f"rater-quality-{stamp}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(summary(results))
    print(f"\nJSON: {OUT / f'rater-quality-{stamp}.json'}")
    failed = [r for r in results if not r["cross_check"]["matched"]]
    for result in failed:
        print(f"CROSS-CHECK FAILED: {result['database']}: {result['cross_check']['differing']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
