"""Benchmark: scheme totals for 100k people × 10 indicators × 20 raters (20M rater scores).

    uv run python bench/totals.py [--people 100000] [--indicators 10] [--raters 20]
                                  [--databases sqlite,postgresql] [--explain]

For every database the driver starts a fresh one (SQLite: a temporary file with the
project's settings; PostgreSQL: a throwaway server from tools/pgserver.py, fsync on,
``work_mem`` as given) and runs a worker process with ``DATABASE_URL`` set. The worker

* sets up (timed, printed, not the measured phase): migrate; a period; about people/70
  units; one personnel category; one scheme whose indicator tree has ``--indicators``
  rater-scored leaves (two under each top-level node, weights summing to 100) and three
  rater groups (领导评价, 同事互评, 服务对象评价 — 4, 12 and 4 of 20 raters, weights 40/40/20,
  the default trimming from 5 raters, so the peers' group is trimmed and the others are
  not); roster entries; a few bonus, penalty and veto items; then the rater scores,
  generated inside the database by one INSERT … SELECT per chunk of people (the same
  deterministic integer hash on both engines, so both hold identical data). PostgreSQL
  loads with the foreign-key triggers skipped (``session_replication_role = replica``)
  and is then ``VACUUM ANALYZE``d — what autovacuum does after a bulk load anyway;
  SQLite loads with ``foreign_keys`` off and is not analyzed (the app never runs ANALYZE).
* measures ``compute_totals(period)`` — the code under test — twice: into empty tables,
  then a re-run that replaces the totals (and leaves the unchanged period scores alone).
  Each of its statements is timed through a Django execute wrapper.
* measures, in the same run, the bare aggregation over the same rows — ``CREATE TEMP TABLE
  … AS SELECT entry_id, indicator_id, sub_period, group_id, SUM, COUNT, MAX, MIN … GROUP BY
  1, 2, 3, 4`` — best of two (one before, one after the computations); and, as
  diagnostics, the app's SELECT into an unindexed temporary table and, on PostgreSQL,
  the bare aggregation without parallel workers (INSERT … SELECT never runs in parallel).
* cross-checks a sample of people against the reference model
  (``assessment.formula.person_total``) and prints the outcome.

Nothing is asserted: goals are printed as PASS or MISS. Results are also written as JSON to
bench/out/totals-<timestamp>.json.
"""

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.selection import (  # noqa: E402 — shared benchmark helpers
    CATEGORIES,
    GIVEN,
    SURNAMES,
    Clock,
    code_version,
    machine,
    patched,
    progress,
    run_in_worker_process,
    secs,
    server_info,
    table,
    unit_names,
    verdict,
)

PERIOD = "2023H1"
DEFAULT_PEOPLE = 100_000
DEFAULT_INDICATORS = 10
DEFAULT_RATERS = 20
DEFAULT_DATABASES = ("sqlite", "postgresql")
DEFAULT_PG_SETTINGS = {"work_mem": "64MB"}

GOAL_SECONDS = 60.0  # 100k × 10 × 20 on PostgreSQL
GOAL_RATIO = 1.5  # compute_totals / bare aggregation
GOAL_PEOPLE = 100_000

CATEGORY = "专业技术人员"
# Top-level nodes (德能勤绩廉) with their weights; each gets leaves of equal weight.
TOP_LEVEL = (("德", 15), ("能", 20), ("勤", 15), ("绩", 40), ("廉", 10))
LEAF_NAMES = (
    "政治品质 职业道德 业务能力 创新能力 工作态度 出勤纪律 工作数量 工作质量 廉洁自律 作风建设 "
    "学习能力 团结协作 服务意识 执行能力 责任担当 群众评价 目标完成 工作效率 遵纪守法 勤俭节约"
).split()
# Rater groups: name, share of the raters, weight (%), bias of the group's scores in cents.
GROUPS = (("领导评价", 0.2, 40, 150), ("同事互评", 0.6, 40, 0), ("服务对象评价", 0.2, 20, 50))
TRIM_FROM = 5  # the scheme default


# --------------------------------------------------------------------------------------
# Set-up: organisation, scheme, roster, rater scores
# --------------------------------------------------------------------------------------


def raters_per_group(raters: int) -> list[int]:
    counts = [max(1, round(raters * share)) for _name, share, _w, _b in GROUPS]
    counts[1] = raters - counts[0] - counts[2]  # peers take the rest
    if counts[1] < 1:
        raise SystemExit("--raters must be at least 3 (one per rater group)")
    return counts


def indicator_specs(leaves: int):
    """The scheme's tree: the five top-level nodes share ``leaves`` leaves, weights in
    cents split evenly (the last leaf of a node takes the remainder)."""
    from jixiao.assessment.schemes import IndicatorSpec

    if leaves < len(TOP_LEVEL):
        # Fewer leaves than top-level nodes: a flat list of leaves.
        weights = [100 * 100 // leaves] * leaves
        weights[-1] += 100 * 100 - sum(weights)
        return [IndicatorSpec(LEAF_NAMES[i], Decimal(w) / 100) for i, w in enumerate(weights)]
    per_node = [leaves // len(TOP_LEVEL) + (i < leaves % len(TOP_LEVEL)) for i in range(len(TOP_LEVEL))]
    names = iter(LEAF_NAMES + [f"指标{i}" for i in range(len(LEAF_NAMES) + 1, leaves + 1)])
    specs = []
    for (name, weight), count in zip(TOP_LEVEL, per_node, strict=True):
        cents = [weight * 100 // count] * count
        cents[-1] += weight * 100 - sum(cents)
        specs.append(
            IndicatorSpec(
                name, weight, children=[IndicatorSpec(next(names), Decimal(c) / 100) for c in cents]
            )
        )
    return specs


def set_up_people(people: int, seed: int, connection) -> dict:
    """Units, one category, people and their roster entries, bonus, penalty and veto
    items; returns what the rater scores are generated from."""
    from django.utils import timezone

    from jixiao.assessment.actions import get_or_create_period
    from jixiao.assessment.models import Adjustment, AdjustmentKind, RosterEntry, VetoItem
    from jixiao.core.bulk import insert_rows
    from jixiao.org.access import Operator
    from jixiao.org.models import Category, Person, Unit, guess_unit_kind

    rng = random.Random(seed * 1_000_003 + people)
    period, _created = get_or_create_period(PERIOD, acting_user=Operator("bench"))
    category = Category.objects.create(name=CATEGORY, sort_order=1)

    unit_count = max(1, round(people / 70))
    names = unit_names(unit_count, rng)
    insert_rows(
        Unit._meta.db_table,
        ("name", "kind", "sort_order"),
        [(name, guess_unit_kind(name), i + 1) for i, name in enumerate(names)],
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Unit._meta.db_table} SET root_id = id")
    unit_ids = dict(Unit.objects.values_list("name", "id"))

    # Skewed headcounts as in bench/selection.py; members of a unit are consecutive.
    weights = [rng.lognormvariate(0, 1.0) * (5 if name.startswith("市") else 1) for name in names]
    unit_of = list(range(unit_count)) + rng.choices(range(unit_count), weights=weights, k=people - unit_count)
    unit_of.sort()
    surname_weights = [1 / (rank + 4) for rank in range(len(SURNAMES))]
    surnames = rng.choices(SURNAMES, weights=surname_weights, k=people)
    insert_rows(
        Person._meta.db_table,
        ("staff_id", "name", "gender"),
        (
            (
                f"{n + 1:08d}",
                surnames[n] + "".join(rng.choices(GIVEN, k=1 if rng.random() < 0.3 else 2)),
                "M" if rng.random() < 0.55 else "F",
            )
            for n in range(people)
        ),
    )
    people_rows = {
        staff_id: (pk, name, gender)
        for staff_id, pk, name, gender in Person.objects.values_list("staff_id", "id", "name", "gender")
    }
    posts = CATEGORIES[CATEGORY][1]
    insert_rows(
        RosterEntry._meta.db_table,
        ("period_id", "person_id", "name", "gender", "unit_id", "category_id", "post"),
        (
            (
                period.pk,
                *people_rows[f"{n + 1:08d}"],
                unit_ids[names[unit_of[n]]],
                category.pk,
                rng.choice(posts),
            )
            for n in range(people)
        ),
    )
    entry_of_person = dict(RosterEntry.objects.filter(period=period).values_list("person_id", "id"))
    entry_ids = [entry_of_person[people_rows[f"{n + 1:08d}"][0]] for n in range(people)]

    # Each unit has its level, each person theirs around it (cents, 65.00–97.00).
    unit_mean = [rng.gauss(8600, 300) for _ in range(unit_count)]
    unit_first: dict[int, int] = {}
    for n, u in enumerate(unit_of):
        unit_first.setdefault(u, n)
    generator_rows = [
        (
            n,
            entry_ids[n],
            unit_first[unit_of[n]],
            round(min(9700, max(6500, rng.gauss(unit_mean[unit_of[n]], 350)))),
            rng.randrange(2**31),
        )
        for n in range(people)
    ]

    # Bonus points for ~6 % (some beyond the cap of 5), penalties for ~3 %, vetoes ~0.5 %.
    now = timezone.now()
    adjustments, vetoes = [], []
    for n in range(people):
        if rng.random() < 0.06:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                points = Decimal(rng.choice((50, 100, 150, 200, 300))) / 100
                adjustments.append((entry_ids[n], AdjustmentKind.BONUS, points, "市级表彰", "", "bench", now))
        if rng.random() < 0.03:
            points = Decimal(rng.choice((50, 100, 200, 500, 1200))) / 100
            adjustments.append((entry_ids[n], AdjustmentKind.PENALTY, points, "通报批评", "", "bench", now))
        if rng.random() < 0.005:
            vetoes.append((entry_ids[n], None, "受警告处分影响期内", "", "bench", now))
    insert_rows(
        Adjustment._meta.db_table,
        ("entry_id", "kind", "points", "reason", "evidence", "recorded_by", "recorded_at"),
        adjustments,
    )
    insert_rows(
        VetoItem._meta.db_table,
        ("entry_id", "reason_id", "text", "evidence", "recorded_by", "recorded_at"),
        vetoes,
    )
    return {
        "period": period,
        "category": category,
        "units": unit_count,
        "generator_rows": generator_rows,
        "adjustments": len(adjustments),
        "vetoes": len(vetoes),
    }


def mix(x: str) -> str:
    """One step of a 31-bit linear congruential generator, as SQL; identical on both
    engines for 0 ≤ x < 2^33 (bigint arithmetic, no overflow)."""
    return f"((({x}) * 1103515245 + 12345) % 2147483648)"


def generate_rater_scores(connection, transaction, scheme, counts: list[int], generator_rows) -> int:
    """Fill RaterScore inside the database: every person × leaf indicator × rater.

    A score is the person's level + an offset per (person, indicator) within ±4 points +
    a group bias + a rater's noise (triangular, ±10 points), rounded down to the rater's
    precision (cents, tenths, half points or whole points), clamped to 60.00–100.00."""
    from jixiao.assessment.models import RaterGroup, RaterScore
    from jixiao.assessment.schemes import leaves
    from jixiao.core.bulk import insert_rows

    people = len(generator_rows)
    pg = connection.vendor == "postgresql"
    leaf_ids = [i.pk for i in leaves(scheme.indicators.order_by("sort_order", "id"))]
    group_ids = [RaterGroup.objects.get(name=name).pk for name, _s, _w, _b in GROUPS]
    with connection.cursor() as cursor:
        for name in ("bench_people", "bench_slots"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            "CREATE TEMP TABLE bench_people (n INTEGER PRIMARY KEY, entry_id BIGINT NOT NULL, "
            "unit_first INTEGER NOT NULL, level INTEGER NOT NULL, seed BIGINT NOT NULL)"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_slots (slot INTEGER PRIMARY KEY, indicator_id BIGINT NOT NULL, "
            "indicator_no INTEGER NOT NULL, group_id BIGINT NOT NULL, kind CHAR(1) NOT NULL, "
            "rater_no INTEGER NOT NULL, bias INTEGER NOT NULL)"
        )
        insert_rows("bench_people", ("n", "entry_id", "unit_first", "level", "seed"), generator_rows)
        # Slots in the key's order: indicator, group, rater.
        slots, slot = [], 0
        for number, indicator_id in enumerate(leaf_ids, start=1):
            for (group_name, _share, _w, bias), group_id, count in sorted(
                zip(GROUPS, group_ids, counts, strict=True), key=lambda g: g[1]
            ):
                kind = {"领导评价": "L", "同事互评": "T", "服务对象评价": "F"}[group_name]
                for rater_no in range(1, count + 1):
                    slot += 1
                    slots.append((slot, indicator_id, number, group_id, kind, rater_no, bias))
        insert_rows(
            "bench_slots",
            ("slot", "indicator_id", "indicator_no", "group_id", "kind", "rater_no", "bias"),
            slots,
        )
        if pg:
            cursor.execute("ANALYZE bench_people")
            cursor.execute("ANALYZE bench_slots")

    def staff_id(x: str) -> str:
        return f"LPAD(CAST({x} AS TEXT), 8, '0')" if pg else f"printf('%08d', {x})"

    # Raters: the unit's first members lead it; peers are the next staff IDs (colleagues:
    # a unit's members are consecutive); service users have codes. Distinct per group.
    rater = (
        f"CASE s.kind WHEN 'L' THEN {staff_id('p.unit_first + s.rater_no')} "
        f"WHEN 'T' THEN {staff_id(f'(p.n + s.rater_no) % {people} + 1')} "
        f"ELSE 'FW' || {staff_id(f'p.n * {max(counts)} + s.rater_no')} END"
    )
    raw = "h.level + h.bias + (h.ih / 1024) % 801 - 400 + (h.rh / 1024) % 1001 + (h.rh2 / 1024) % 1001 - 1000"
    step = "CASE (h.rh / 65536) % 10 WHEN 0 THEN 1 WHEN 1 THEN 1 WHEN 2 THEN 1 WHEN 3 THEN 10 WHEN 4 THEN 10 WHEN 5 THEN 50 WHEN 6 THEN 50 ELSE 100 END"
    table = connection.ops.quote_name(RaterScore._meta.db_table)
    insert = f"""
        INSERT INTO {table} (entry_id, indicator_id, sub_period, group_id, rater, score_cents)
        SELECT entry_id, indicator_id, 1, group_id, rater,
               CASE WHEN raw < 6000 THEN 6000 WHEN raw > 10000 THEN 10000 ELSE raw END
        FROM (
            SELECT h.entry_id, h.indicator_id, h.group_id, h.rater, (({raw}) / ({step})) * ({step}) AS raw
            FROM (
                SELECT p.entry_id, p.level, s.indicator_id, s.group_id, s.bias, {rater} AS rater,
                       {mix("p.seed + s.indicator_no * 7919")} AS ih,
                       {mix("p.seed + s.slot * 104729")} AS rh,
                       {mix(mix("p.seed + s.slot * 104729"))} AS rh2
                FROM bench_people p CROSS JOIN bench_slots s
                WHERE p.n >= %s AND p.n < %s
            ) h
        ) g
        ORDER BY entry_id, indicator_id, group_id, rater
    """
    # ORDER BY: inserting in the key's order keeps the index writes sequential.
    insert = insert.replace("%", "%%").replace("%%s", "%s")  # modulo, printf; two parameters
    rows_per_person = len(slots)
    chunk = max(1, 2_000_000 // rows_per_person)  # about 2M rows per statement
    total = 0
    with connection.cursor() as cursor:
        if pg:
            # Skip the deferred foreign-key triggers (3 per row); the generator only uses
            # existing keys, and the cross-check reads the rows back.
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")  # outside a transaction: autocommit
        try:
            for start in range(0, people, chunk):
                stop = min(people, start + chunk)
                with transaction.atomic():
                    cursor.execute(insert, [start, stop])
                total += rows_per_person * (stop - start)
                progress(f"  rater scores: {total:,} rows")
        finally:
            if pg:
                cursor.execute("RESET session_replication_role")
            else:
                cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("DROP TABLE bench_people")
        cursor.execute("DROP TABLE bench_slots")
    return total


# --------------------------------------------------------------------------------------
# The worker: one database, in its own process
# --------------------------------------------------------------------------------------

BARE_SQL = """
    CREATE TEMP TABLE bench_bare AS
    SELECT entry_id, indicator_id, sub_period, group_id,
           SUM(score_cents) AS total, COUNT(*) AS n, MAX(score_cents) AS hi, MIN(score_cents) AS lo
    FROM {table}
    GROUP BY 1, 2, 3, 4
"""


def statement_kind(sql: str, tables: dict[str, str]) -> str:
    head = " ".join(sql.split())[:200].upper()
    for prefix, name in (
        (f"DELETE FROM {tables['totals']}", "delete totals"),
        (f"INSERT INTO {tables['totals']}", "insert totals"),
        (f"DELETE FROM {tables['scores']}", "delete stale scores"),
        (f"INSERT INTO {tables['scores']}", "upsert scores"),
        ("SELECT COUNT(TOTAL_CENTS)", "count"),
    ):
        if head.startswith(prefix.upper()):
            return name
    return "veto items and rest"


def run_worker(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    label = args.database
    clock = Clock(label, None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jixiao.assessment import totals as totals_module
    from jixiao.assessment.models import RaterScore, SchemeTotal, Score
    from jixiao.assessment.schemes import define_scheme

    people, indicators, raters = args.people, args.indicators, args.raters
    counts = raters_per_group(raters)
    result: dict = {
        "database": args.database,
        "people": people,
        "indicators": indicators,
        "raters": raters,
        "raters_per_group": dict(zip([g[0] for g in GROUPS], counts, strict=True)),
        "code": code_version(),
    }

    # ---- set-up ---------------------------------------------------------------------------
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
        loaded = generate_rater_scores(connection, transaction, scheme, counts, setup.pop("generator_rows"))
    raterscore_table = connection.ops.quote_name(RaterScore._meta.db_table)
    with clock("setup analyze"), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not args.no_analyze:
            cursor.execute("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MIN(score_cents), MAX(score_cents), COUNT(DISTINCT score_cents) FROM {raterscore_table}"
        )
        rows, lowest, highest, distinct = cursor.fetchone()
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size(%s), pg_relation_size(%s)", [RaterScore._meta.db_table] * 2
            )
            total_bytes, heap_bytes = cursor.fetchone()
            result["raterscore_bytes"] = {"total": total_bytes, "heap": heap_bytes}
        else:
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            result["database_bytes"] = pages * cursor.fetchone()[0]
    result.update(
        units=setup["units"],
        adjustments=setup["adjustments"],
        vetoes=setup["vetoes"],
        rater_scores=rows,
        generated=loaded,
        score_range=[lowest, highest],
        distinct_scores=distinct,
    )
    progress(
        f"[{label}] {rows:,} rater scores, {lowest / 100:.2f}–{highest / 100:.2f}, {distinct:,} distinct values"
    )

    # ---- measured ---------------------------------------------------------------------------
    quote = connection.ops.quote_name
    tables = {"totals": quote(SchemeTotal._meta.db_table), "scores": quote(Score._meta.db_table)}
    bare_walls: list[float] = []

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
                name = f"{run} {statement_kind(sql, tables)}"
                before = clock.phases.get(name, {"wall": 0.0, "cpu": 0.0})
                before["wall"] += time.perf_counter() - started
                clock.phases[name] = before

        return wrapper

    bare("bare 1")
    for run in ("compute first", "compute rerun"):
        with (
            connection.execute_wrapper(statement_timer(run)),
            patched(connection, "commit", clock.timed(f"{run} commit", connection.commit)),
        ):
            with clock(run):
                outcome = totals_module.compute_totals(period)
        result[run.replace(" ", "_")] = {
            "computed": outcome.computed,
            "incomplete": outcome.incomplete,
            "changed": outcome.changed,
        }
        progress(f"[{label}] {run}: {outcome}")
    bare("bare 2")
    result["bare"] = min(bare_walls)

    with connection.cursor() as cursor:
        # Diagnostics: the app's SELECT alone into an unindexed temporary table.
        cursor.execute("DROP TABLE IF EXISTS bench_app")
        cursor.execute(f"CREATE TEMP TABLE bench_app AS SELECT * FROM {tables['totals']} WHERE 1 = 0")
        columns = ", ".join(totals_module.TOTAL_COLUMNS)
        app_sql = totals_module.totals_select_sql()
        # As compute_totals runs it: in a transaction, from the entry_schemes table, with hash
        # joins (a transaction-local option on PostgreSQL).
        with transaction.atomic(), totals_module.entry_schemes(cursor, period):
            with clock("app statement into temp table"), totals_module.hash_joins(cursor):
                cursor.execute(f"INSERT INTO bench_app ({columns}) {app_sql}", [period.pk])
        cursor.execute("DROP TABLE bench_app")
        if connection.vendor == "postgresql":
            cursor.execute("SET max_parallel_workers_per_gather = 0")
            cursor.execute("DROP TABLE IF EXISTS bench_bare")
            with clock("bare serial"):
                cursor.execute(BARE_SQL.format(table=raterscore_table))
            cursor.execute("DROP TABLE bench_bare")
            cursor.execute("RESET max_parallel_workers_per_gather")
        if args.explain:
            with transaction.atomic(), totals_module.entry_schemes(cursor, period):
                result["explain"] = explain(connection, cursor, app_sql, period.pk, raterscore_table)

    with clock("cross-check"):
        result["cross_check"] = cross_check(period, scheme, args.sample, args.seed)
    check = result["cross_check"]
    progress(f"[{label}] cross-check: {check['matched']} of {check['sampled']} match the reference model")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(total_cents), MIN(total_cents), AVG(total_cents), MAX(total_cents) "
            f"FROM {tables['totals']} WHERE period_id = %s",
            [period.pk],
        )
        n, lo, avg, hi = cursor.fetchone()
        result["totals"] = {"complete": n, "min": lo, "avg": float(avg), "max": hi}
        cursor.execute(
            f"SELECT COUNT(*), SUM(CASE WHEN veto_text <> '' THEN 1 ELSE 0 END) FROM {tables['scores']}"
        )
        scores, vetoed = cursor.fetchone()
        result["scores"] = {"rows": scores, "vetoed": int(vetoed or 0)}
    result["phases"] = clock.phases
    Path(args.result).write_text(json.dumps(result, ensure_ascii=False, default=str))


def cross_check(period, scheme, sample: int, seed: int) -> dict:
    """Recompute a sample of people with the reference model and compare with SchemeTotal."""
    from jixiao.assessment import formula
    from jixiao.assessment.models import Adjustment, AdjustmentKind, RaterScore, SchemeTotal, Score
    from jixiao.assessment.schemes import formula_scheme

    reference = formula_scheme(scheme)
    ids = sorted(SchemeTotal.objects.filter(period=period).values_list("entry_id", flat=True))
    rng = random.Random(seed)
    adjusted = sorted(set(Adjustment.objects.filter(entry__period=period).values_list("entry_id", flat=True)))
    # A quarter of the sample from people with bonus or penalty points, the rest at random.
    chosen = set(rng.sample(adjusted, min(len(adjusted), sample // 4)))
    chosen |= set(rng.sample(ids, min(len(ids), sample - len(chosen))))
    inputs = {entry_id: formula.Inputs(rater_scores={}, bonuses=[], penalties=[]) for entry_id in chosen}
    for entry_id, indicator_id, sub_period, group_id, cents in RaterScore.objects.filter(
        entry_id__in=chosen
    ).values_list("entry_id", "indicator_id", "sub_period", "group_id", "score_cents"):
        inputs[entry_id].rater_scores.setdefault((indicator_id, sub_period, group_id), []).append(cents)
    for entry_id, kind, points in Adjustment.objects.filter(entry_id__in=chosen).values_list(
        "entry_id", "kind", "points"
    ):
        target = inputs[entry_id].bonuses if kind == AdjustmentKind.BONUS else inputs[entry_id].penalties
        target.append(formula.to_cents(points))
    stored = {t.entry_id: t for t in SchemeTotal.objects.filter(entry_id__in=chosen)}
    scores = dict(Score.objects.filter(entry_id__in=chosen).values_list("entry_id", "total"))
    matched, differing = 0, []
    for entry_id in sorted(chosen):
        expected = formula.person_total(reference, inputs[entry_id])
        got = stored[entry_id]
        same = (got.base_fine, got.bonus_cents, got.penalty_cents, got.total_cents, got.missing) == (
            expected.base_fine,
            expected.bonus_cents,
            expected.penalty_cents,
            expected.total_cents,
            len(expected.missing),
        ) and scores.get(entry_id) == (
            None if expected.total_cents is None else formula.cents_to_points(expected.total_cents)
        )
        if same:
            matched += 1
        else:
            differing.append(
                {
                    "entry_id": entry_id,
                    "database": [
                        got.base_fine,
                        got.bonus_cents,
                        got.penalty_cents,
                        got.total_cents,
                        got.missing,
                    ],
                    "formula": [
                        expected.base_fine,
                        expected.bonus_cents,
                        expected.penalty_cents,
                        expected.total_cents,
                        len(expected.missing),
                    ],
                    "score": str(scores.get(entry_id)),
                }
            )
    return {
        "sampled": len(chosen),
        "with_adjustments": len(chosen & set(adjusted)),
        "matched": matched,
        "differing": differing[:10],
    }


def explain(connection, cursor, app_sql: str, period_id: int, raterscore_table: str) -> dict:
    bare_select = BARE_SQL.format(table=raterscore_table).split(" AS\n", 1)[1]
    plans = {}
    from django.db import transaction

    from jixiao.assessment.totals import hash_joins

    for name, sql, params in (("app", app_sql, [period_id]), ("bare", bare_select, [])):
        # As compute_totals runs it: in a transaction, with hash joins.
        with transaction.atomic(), hash_joins(cursor):
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plans[name] = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        progress(f"plan of the {name} statement:\n{plans[name]}")
    return plans


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


def run_one(database: str, args, pg_settings: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"jixiao-bench-totals-{database}-") as tmp:
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
            "--sample",
            str(args.sample),
            "--result",
            str(result_path),
        ]
        command += ["--explain"] * args.explain + ["--no-analyze"] * args.no_analyze
        return run_in_worker_process(command, database, tmp, result_path, pg_settings)


STATEMENTS = (
    "delete totals",
    "insert totals",
    "delete stale scores",
    "upsert scores",
    "veto items and rest",
    "count",
)


def describe_run(r: dict) -> str:
    p = {name: v["wall"] for name, v in r["phases"].items()}
    server = r["server"]
    settings = ", ".join(f"{k}={v}" for k, v in server["settings"].items())
    groups = ", ".join(f"{name} {count}" for name, count in r["raters_per_group"].items())
    size = (
        f"{r['raterscore_bytes']['total'] / 1e9:.2f} GB with indexes (heap {r['raterscore_bytes']['heap'] / 1e9:.2f} GB)"
        if "raterscore_bytes" in r
        else f"database file {r['database_bytes'] / 1e9:.2f} GB"
    )
    lines = [
        f"== {server['engine']} {server['version']} ({settings}) — {r['people']:,} people × "
        f"{r['indicators']} indicators × {r['raters']} raters ({groups}) = {r['rater_scores']:,} rater scores ==",
        f"  {r['units']:,} units, {r['adjustments']:,} bonus/penalty items, {r['vetoes']:,} veto items; "
        f"scores {r['score_range'][0] / 100:.2f}–{r['score_range'][1] / 100:.2f} ({r['distinct_scores']:,} distinct); "
        f"rater scores: {size}",
    ]
    setup_phases = ("setup migrate", "setup roster", "setup scheme", "setup rater scores", "setup analyze")
    setup_total = sum(p[name] for name in setup_phases)
    rows = [
        [
            "setup (not measured)",
            secs(setup_total),
            " / ".join(f"{name.removeprefix('setup ')} {secs(p[name])}" for name in setup_phases)
            + f"; rater scores at {r['rater_scores'] / p['setup rater scores']:,.0f} rows/s"
            + ("" if server["engine"] == "SQLite" else " (analyze = VACUUM ANALYZE)"),
        ]
    ]
    bare = r["bare"]
    for run in ("compute first", "compute rerun"):
        total = p[run]
        parts = [p.get(f"{run} {s}", 0.0) for s in STATEMENTS] + [p.get(f"{run} commit", 0.0)]
        rows.append(
            [
                run,
                secs(total),
                " / ".join(f"{s} {secs(v)}" for s, v in zip((*STATEMENTS, "commit"), parts, strict=True))
                + f" / rest {secs(total - sum(parts))}; compute / bare = {total / bare:.2f}×",
            ]
        )
    rows.append(
        [
            "  bare aggregation",
            secs(bare),
            f"best of {secs(p['bare 1'])} (before) and {secs(p['bare 2'])} (after the computations); "
            f"{r['bare_groups']:,} groups",
        ]
    )
    rows.append(
        [
            "  app SELECT, temp table",
            secs(p["app statement into temp table"]),
            f"totals_select_sql alone into an unindexed temporary table "
            f"({p['app statement into temp table'] / bare:.2f}× bare)",
        ]
    )
    if "bare serial" in p:
        rows.append(
            [
                "  bare, no parallel workers",
                secs(p["bare serial"]),
                "max_parallel_workers_per_gather = 0 (an INSERT … SELECT never runs in parallel)",
            ]
        )
    lines.append(table(["phase", "wall s", "detail"], rows, left=(0, 2)))
    first, rerun = r["compute_first"], r["compute_rerun"]
    lines.append(
        f"  totals: {first['computed']:,} complete, {first['incomplete']:,} incomplete; period scores changed: "
        f"first {first['changed']:,}, re-run {rerun['changed']:,}; totals {r['totals']['min'] / 100:.2f}–"
        f"{r['totals']['max'] / 100:.2f} (mean {r['totals']['avg'] / 100:.2f}); {r['scores']['vetoed']:,} vetoed"
    )
    check = r["cross_check"]
    lines.append(
        f"  cross-check against formula.person_total: {check['matched']} of {check['sampled']} people match "
        f"({check['with_adjustments']} with bonus/penalty points)"
        + (f"; DIFFERING: {check['differing']}" if check["matched"] != check["sampled"] else "")
    )
    lines.append(
        f"  whole run incl. server start and process start: {r['total_wall']:.1f} s; code {r['code']}"
    )
    return "\n".join(lines)


def summary(results: list[dict]) -> str:
    rows, goals = [], []
    for r in results:
        p = {name: v["wall"] for name, v in r["phases"].items()}
        engine, bare = r["server"]["engine"], r["bare"]
        first, rerun = p["compute first"], p["compute rerun"]
        rows.append(
            [
                engine,
                f"{r['people']:,}",
                str(r["indicators"]),
                str(r["raters"]),
                f"{r['rater_scores']:,}",
                secs(p["setup rater scores"]),
                secs(first),
                secs(rerun),
                secs(bare),
                f"{first / bare:.2f}×",
                f"{rerun / bare:.2f}×",
                f"{check_text(r)}",
            ]
        )
        checks = [
            f"≤ {GOAL_RATIO}× bare: first {verdict(first <= GOAL_RATIO * bare)}, "
            f"rerun {verdict(rerun <= GOAL_RATIO * bare)}"
        ]
        if engine == "PostgreSQL":
            at_size = r["people"] >= GOAL_PEOPLE
            checks.append(
                f"< {GOAL_SECONDS:.0f} s: first {verdict(first < GOAL_SECONDS)}, rerun {verdict(rerun < GOAL_SECONDS)}"
                + ("" if at_size else f" (goal is for {GOAL_PEOPLE:,} people)")
            )
        goals.append(f"  {engine} {r['rater_scores']:,} rater scores: " + "; ".join(checks))
    headers = [
        "database",
        "people",
        "indicators",
        "raters",
        "rater scores",
        "load s",
        "compute 1st s",
        "rerun s",
        "bare s",
        "1st/bare",
        "rerun/bare",
        "cross-check",
    ]
    text = table(headers, rows)
    text += (
        f"\n\nGoals (printed, not asserted; {GOAL_SECONDS:.0f} s is for {GOAL_PEOPLE:,} people × 10 × 20 on "
        f"PostgreSQL, {GOAL_RATIO}× compares compute_totals with the bare aggregation):\n"
    )
    return text + "\n".join(goals)


def check_text(r: dict) -> str:
    check = r["cross_check"]
    return f"{check['matched']}/{check['sampled']} match"


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
    parser.add_argument("--sample", type=int, default=100, help="people cross-checked against the formula")
    parser.add_argument(
        "--explain", action="store_true", help="print the plans (EXPLAIN ANALYZE on PostgreSQL)"
    )
    parser.add_argument(
        "--no-analyze", action="store_true", help="PostgreSQL: skip VACUUM ANALYZE after loading"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny city (200 people × 3 indicators × 6 raters): that the benchmark runs and every "
        "total agrees with the formula model (exit 1 otherwise), for ./test; no time is judged",
    )
    # Internal: one database, in its own process.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.smoke and not args.worker:
        args.people, args.indicators, args.raters, args.sample = 200, 3, 6, 200
    if args.people < 100:
        raise SystemExit("--people must be at least 100")
    if not 1 <= args.indicators <= 100:
        raise SystemExit("--indicators must be between 1 and 100")
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

    print(f"jixiao totals benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, {machine()}")
    print(
        f"{args.people:,} people × {args.indicators} indicators × {args.raters} raters = "
        f"{args.people * args.indicators * args.raters:,} rater scores; databases {', '.join(databases)}; "
        f"period {PERIOD}; code {code_version()}"
    )
    if "postgresql" in databases:
        print(
            "PostgreSQL: fresh throwaway server, settings "
            + ", ".join(f"{k}={v}" for k, v in pg_settings.items())
            + " (others default, fsync on)"
        )
    print(flush=True)

    results = []
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for database in databases:
        result = run_one(database, args, pg_settings)
        results.append(result)
        print(describe_run(result) + "\n", flush=True)
        (OUT / f"totals-{stamp}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(summary(results))
    print(f"\nJSON: {OUT / f'totals-{stamp}.json'}")
    failed = [r for r in results if r["cross_check"]["matched"] != r["cross_check"]["sampled"]]
    for result in failed:
        print(f"CROSS-CHECK FAILED: {result.get('database')}: {result['cross_check']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
