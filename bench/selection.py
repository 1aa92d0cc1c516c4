"""Benchmark: import, select and export for synthetic cities of 10k, 100k and 1M people.

    uv run python bench/selection.py [--sizes 10000,100000,1000000] [--databases sqlite,postgresql]

For every database and size the driver generates (or reuses) a synthetic city — a roster
CSV and a scores CSV as Excel saves them (UTF-8 with BOM, CRLF) — starts a fresh database
(SQLite: a temporary file; PostgreSQL: a throwaway server from tools/pgserver.py, fsync on,
``work_mem`` as given) and runs a worker process with ``DATABASE_URL`` set. The worker runs
the real commands through ``call_command``, exactly as an operator would:

    jixiao import roster FILE --period 2023H1      → rows/s
    jixiao import scores FILE --period 2023H1      → rows/s
    jixiao select --period 2023H1                  → seconds, twice: into an empty results
                                                     table, then a re-run that replaces them
    jixiao export ranking --period 2023H1 -o F.csv / F.xlsx   → seconds

Baselines measured on the same database in the same run:

* bare ranking statement: ``CREATE TEMP TABLE … AS SELECT … RANK() OVER (PARTITION BY unit,
  category ORDER BY total DESC), COUNT(*) OVER (…) … JOIN …`` — best of two runs, one before
  and one after the selects; the ratio select / bare is printed.
* bare load: the same CSV parsed with ``csv.reader`` and written, unchecked, into a plain
  table without keys or indexes by the driver's bulk path (COPY on PostgreSQL, executemany
  on SQLite); the ratio import / bare load is printed.

Nothing is asserted: goals are printed as PASS or MISS. Results are also written as JSON to
bench/out/. Options: ``--profile`` (cProfile per phase, into bench/out/), ``--explain``
(query plans of the ranking statements), ``--pg-setting key=value`` (repeatable).
"""

import argparse
import contextlib
import csv
import datetime
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PERIOD = "2023H1"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_DATABASES = ("sqlite", "postgresql")
DEFAULT_PG_SETTINGS = {"work_mem": "64MB"}

SMOKE_SIZE = 500
GOAL_SELECT_SECONDS = 30.0  # 1M people on PostgreSQL
GOAL_SELECT_RATIO = 1.5  # select path / bare statement
GOAL_IMPORT_ROWS_PER_S = 20_000  # from CSV

ROSTER_HEADER = ("工号", "姓名", "性别", "单位", "人员类别", "职务")
SCORES_HEADER = ("工号", "姓名", "单位", "总分", "否决事由")


# --------------------------------------------------------------------------------------
# The synthetic city
# --------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志海燕红梅文斌晓东丹玉春鹏辉宇浩然涵欣怡梓轩"
    "雨桐思远佳琪俊嘉婷颖慧琳秀云飞波宁晨阳鑫雪莉倩帆瑞凯鸿博亮峰晶蕾璐"
)
CITY_UNITS = (
    "市委办公室 市人大常委会办公室 市政府办公室 市政协办公室 市纪委监委机关 市委组织部 市委宣传部 市委统战部 "
    "市委政法委员会 市发展和改革局 市教育局 市科学技术局 市工业和信息化局 市公安局 市民政局 市司法局 市财政局 "
    "市人力资源和社会保障局 市自然资源和规划局 市生态环境局 市住房和城乡建设局 市交通运输局 市水利局 市农业农村局 "
    "市商务局 市文化广电旅游局 市卫生健康委员会 市退役军人事务局 市应急管理局 市审计局 市市场监督管理局 市统计局 "
    "市医疗保障局 市城市管理局 市信访局 市行政审批服务局 市机关事务管理局 市人民医院 市中医院 市妇幼保健院 "
    "市第一中学 市实验小学 市职业技术学校 市疾病预防控制中心 市公共资源交易中心 市融媒体中心 市档案馆 市图书馆"
).split()
PLACE_FIRST = "东西南北青白金石龙凤安平新永长兴宁华春江桃柳梅杏花竹松枫云清泉"
PLACE_SECOND = "山河湖桥城阳坪口湾岭塘溪港林川庄岗坝园洲营集铺店寨"
LOCAL_KINDS = (
    "镇人民政府 街道办事处 乡人民政府 中心小学 小学 中学 初级中学 幼儿园 卫生院 社区卫生服务中心 派出所 司法所 "
    "财政所 市场监督管理所 自然资源所 农业综合服务中心 文化站 水利站 林业站 税务分局 便民服务中心 综合行政执法队 "
    "退役军人服务站 社会保障服务站 村镇建设服务中心 医院 敬老院 动物防疫站"
).split()
# Personnel category → (share of people, posts seen in it)
CATEGORIES = {
    "领导班子成员": (
        0.05,
        ("局长", "副局长", "镇长", "副镇长", "院长", "副院长", "校长", "副校长", "书记", "副书记"),
    ),
    "公务员": (0.24, ("科员", "一级科员", "二级主任科员", "四级主任科员", "科长", "副科长", "一级主任科员")),
    "参照公务员法管理人员": (0.10, ("科员", "一级科员", "四级主任科员", "副科长", "科长")),
    "事业单位管理人员": (0.10, ("办事员", "科员", "副主任", "主任", "八级职员", "九级职员")),
    "专业技术人员": (
        0.36,
        (
            "教师",
            "一级教师",
            "高级教师",
            "医师",
            "主治医师",
            "副主任医师",
            "护士",
            "主管护师",
            "助理工程师",
            "工程师",
        ),
    ),
    "工勤技能人员": (0.08, ("驾驶员", "技术工", "高级工", "技师", "保育员")),
    "编外聘用人员": (0.07, ("辅助人员", "协管员", "网格员", "文员", "")),
}
VETO_TEXTS = (
    "受警告处分影响期内",
    "受记过处分影响期内",
    "受党内警告及以上处分影响期内",
    "被立案审查调查且尚未结案",
    "受诫勉或组织处理",
    "考核等次为较差或不合格",
    "病假、事假累计超过考核期一半",
    "处于试用期",
)
VETO_FREE_TEXTS = ("年度考核确定为不称职", "因违反工作纪律被通报批评", "擅自离岗超过15天")


def unit_names(count: int, rng: random.Random) -> list[str]:
    local = [a + b + kind for a in PLACE_FIRST for b in PLACE_SECOND for kind in LOCAL_KINDS]
    rng.shuffle(local)
    names = CITY_UNITS[:count] + local[: max(0, count - len(CITY_UNITS))]
    if len(names) < count:  # beyond ~23k units: number the rest
        names += [f"{local[i % len(local)]}第{i // len(local) + 2}分部" for i in range(count - len(names))]
    return names


def generate_city(size: int, folder: Path, seed: int) -> tuple[Path, Path, dict]:
    """Write roster.csv and scores.csv for ``size`` people into ``folder`` (reused if there)."""
    roster_path, scores_path, meta_path = folder / "roster.csv", folder / "scores.csv", folder / "meta.json"
    if meta_path.exists() and roster_path.exists() and scores_path.exists():
        return roster_path, scores_path, json.loads(meta_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 1_000_003 + size)
    unit_count = max(1, round(size / 70))
    units = unit_names(unit_count, rng)
    # Unit headcounts are skewed (a few hospitals and bureaus of hundreds, many offices of
    # ten or twenty): log-normal weights, city-level units five times heavier; everyone
    # unit gets at least one person.
    weights = [rng.lognormvariate(0, 1.0) * (5 if name.startswith("市") else 1) for name in units]
    unit_of = list(range(unit_count)) + rng.choices(range(unit_count), weights=weights, k=size - unit_count)
    unit_of.sort()
    category_names = list(CATEGORIES)
    categories = rng.choices(category_names, weights=[CATEGORIES[c][0] for c in category_names], k=size)
    surname_weights = [1 / (rank + 4) for rank in range(len(SURNAMES))]
    surnames = rng.choices(SURNAMES, weights=surname_weights, k=size)
    # Scores: each unit has its own level and its own habit of precision (two decimals,
    # one decimal, or half points), which makes ties common where groups are large.
    unit_mean = [rng.gauss(86, 3) for _ in range(unit_count)]
    unit_step = rng.choices((1, 10, 50), weights=(6, 2, 2), k=unit_count)  # in cents

    vetoes = ties_possible = 0
    with (
        roster_path.open("w", encoding="utf-8-sig", newline="") as r,
        scores_path.open("w", encoding="utf-8-sig", newline="") as s,
    ):
        roster, scores = csv.writer(r), csv.writer(s)
        roster.writerow(ROSTER_HEADER)
        scores.writerow(SCORES_HEADER)
        for i in range(size):
            staff_id = f"{i + 1:08d}"
            given = "".join(rng.choices(GIVEN, k=1 if rng.random() < 0.3 else 2))
            name = surnames[i] + given
            unit = units[unit_of[i]]
            category = categories[i]
            post = rng.choice(CATEGORIES[category][1])
            roster.writerow((staff_id, name, "男" if rng.random() < 0.55 else "女", unit, category, post))
            step = unit_step[unit_of[i]]
            cents = round(min(100.0, max(55.0, rng.gauss(unit_mean[unit_of[i]], 4))) * 100 / step) * step
            ties_possible += step > 1
            veto = ""
            if rng.random() < 0.005:
                vetoes += 1
                veto = rng.choice(VETO_FREE_TEXTS) if rng.random() < 0.15 else rng.choice(VETO_TEXTS)
            scores.writerow((staff_id, name, unit, f"{cents // 100}.{cents % 100:02d}", veto))
    meta = {
        "people": size,
        "units": unit_count,
        "categories": len(CATEGORIES),
        "vetoes": vetoes,
        "coarse_scores": ties_possible,
        "seed": seed,
        "roster_bytes": roster_path.stat().st_size,
        "scores_bytes": scores_path.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta))
    return roster_path, scores_path, meta


# --------------------------------------------------------------------------------------
# The worker: one database, one size, in its own process
# --------------------------------------------------------------------------------------

BARE_RANKING_SQL = """
    CREATE TEMP TABLE bench_bare AS
    SELECT r.person_id, s.total,
           RANK() OVER (PARTITION BY r.unit_id, r.category_id ORDER BY s.total DESC) AS rnk,
           COUNT(*) OVER (PARTITION BY r.unit_id, r.category_id) AS n
    FROM assessment_rosterentry r
    JOIN assessment_score s ON s.entry_id = r.id
    WHERE r.period_id = %s
"""


class Clock:
    """Wall and process-CPU seconds per named phase (process CPU = this Python process
    only; on PostgreSQL the server's work is the difference)."""

    def __init__(self, label: str, profile_dir: Path | None):
        self.label = label
        self.profile_dir = profile_dir
        self.phases: dict[str, dict] = {}

    @contextlib.contextmanager
    def __call__(self, name: str, *, quiet: bool = False):
        profiler = None
        if self.profile_dir is not None and not quiet:
            import cProfile

            profiler = cProfile.Profile()
        if not quiet:
            progress(f"[{self.label}] {name} …")
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        try:
            yield
        finally:
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            # A phase entered more than once (a commit, say) adds up.
            before = self.phases.get(name, {"wall": 0.0, "cpu": 0.0})
            self.phases[name] = {"wall": before["wall"] + wall, "cpu": before["cpu"] + cpu}
            if not quiet:
                progress(f"[{self.label}] {name}: {wall:.2f} s (python cpu {cpu:.2f} s)")
            if profiler:
                path = self.profile_dir / f"{self.label.replace(' ', '-')}-{name.replace(' ', '-')}.prof"
                profiler.dump_stats(path)
                print_profile(path)

    def timed(self, name: str, function):
        def wrapper(*args, **kwargs):
            with self(name, quiet=True):
                return function(*args, **kwargs)

        return wrapper

    def wall(self, name: str) -> float:
        return self.phases[name]["wall"]


def print_profile(path: Path, limit: int = 18) -> None:
    import pstats

    stream = io.StringIO()
    pstats.Stats(str(path), stream=stream).sort_stats("tottime").print_stats(limit)
    progress(f"profile {path.name} (top {limit} by own time):\n" + stream.getvalue())


def progress(message: str) -> None:
    # UTC: Django switches the worker's local time zone to the project's.
    print(f"{datetime.datetime.now(datetime.UTC):%H:%M:%SZ} {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def patched(module, name: str, value):
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


def run_worker(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    label = f"{args.database} {args.size:,}"
    profile_dir = OUT if args.profile else None
    clock = Clock(label, profile_dir)
    with clock("django setup", quiet=True):
        import django

        django.setup()
    import importlib

    from django.core.management import call_command
    from django.db import connection, transaction

    from jixiao.assessment.models import Period, RosterEntry, Score
    from jixiao.selection.models import RankingResult, SelectionRules
    from jixiao.selection.ranking import RESULT_COLUMNS, ranking_select_sql

    import_command = importlib.import_module("jixiao.imports.management.commands.import")
    select_command = importlib.import_module("jixiao.selection.management.commands.select")
    # The command ranks through the action, which calls rank_period.
    rank_action = importlib.import_module("jixiao.selection.actions")
    result: dict = {
        "database": args.database,
        "size": args.size,
        "profiled": bool(args.profile),
        "code": code_version(),  # as this worker imported it: the tree may move between runs
    }

    with clock("migrate", quiet=True):
        call_command("migrate", verbosity=0, interactive=False)
    result["server"] = server_info(connection)

    def command(*command_args, **options) -> str:
        out, err = io.StringIO(), io.StringIO()
        call_command(*command_args, period=PERIOD, stdout=out, stderr=err, **options)
        return out.getvalue() + err.getvalue()

    # ---- import -----------------------------------------------------------------------
    for kind, path in (("roster", args.roster), ("scores", args.scores)):
        columns, plan, apply, lockable = import_command.KINDS[kind]
        timed_kind = (
            columns,
            clock.timed(f"{kind} plan", plan),
            clock.timed(f"{kind} apply", apply),
            lockable,
        )
        with (
            patched(import_command, "open_source", clock.timed(f"{kind} open", import_command.open_source)),
            patched(connection, "commit", clock.timed(f"{kind} commit", connection.commit)),
        ):
            import_command.KINDS[kind] = timed_kind
            try:
                with clock(f"import {kind}"):
                    output = command("import", kind, str(path))
            finally:
                import_command.KINDS[kind] = (columns, plan, apply, lockable)
        result[f"{kind}_output"] = output.strip().splitlines()[:3]
    period = Period.objects.get(code=PERIOD)
    result["roster_rows"] = RosterEntry.objects.filter(period=period).count()
    result["score_rows"] = Score.objects.filter(entry__period=period).count()

    for kind, path in (("roster", args.roster), ("scores", args.scores)):
        with clock(f"bare load {kind}"):
            bare_load(connection, transaction, path, f"bench_load_{kind}")

    # ---- select -------------------------------------------------------------------------
    bare_walls = []

    def bare_ranking(name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_bare")
            with clock(name):
                cursor.execute(BARE_RANKING_SQL, [period.pk])
        bare_walls.append(clock.wall(name))

    bare_ranking("bare ranking 1")
    for run in ("select first", "select rerun"):
        with patched(rank_action, "rank_period", clock.timed(f"{run} rank_period", rank_action.rank_period)):
            with (
                patched(
                    select_command, "summarize", clock.timed(f"{run} summarize", select_command.summarize)
                ),
                patched(connection, "commit", clock.timed(f"{run} commit", connection.commit)),
            ):
                with clock(run):
                    output = command("select")
        result[f"{run.replace(' ', '_')}_output"] = output.strip().splitlines()[-2:]
    bare_ranking("bare ranking 2")
    result["bare_ranking"] = min(bare_walls)

    with connection.cursor() as cursor:
        # The app's own ranking SELECT into a temporary table: the statement without the
        # DELETE, the keyed results table, the command around it.
        app_sql = ranking_select_sql(SelectionRules.objects.get(period=period))
        results_table = connection.ops.quote_name(RankingResult._meta.db_table)
        cursor.execute("DROP TABLE IF EXISTS bench_app")
        # Same columns as the results table; no key, no index (works on both engines).
        cursor.execute(f"CREATE TEMP TABLE bench_app AS SELECT * FROM {results_table} WHERE 1 = 0")
        columns = ", ".join(connection.ops.quote_name(c) for c in RESULT_COLUMNS)
        with clock("app statement into temp table"):
            cursor.execute(f"INSERT INTO bench_app ({columns}) {app_sql}", [period.pk])
        # The same into a logged table keyed like the results table and nothing else: the
        # floor for writing the ranking durably.
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(f"CREATE TABLE bench_floor AS SELECT * FROM {results_table} WHERE 1 = 0")
        cursor.execute("CREATE UNIQUE INDEX bench_floor_key ON bench_floor (period_id, person_id)")
        with clock("app statement into keyed table"):
            with transaction.atomic():
                cursor.execute(f"INSERT INTO bench_floor ({columns}) {app_sql}", [period.pk])
        cursor.execute("DROP TABLE bench_floor")
        # Cross-check: the results table agrees with the bare statement on every rank.
        cursor.execute(
            f"SELECT COUNT(*), SUM(CASE WHEN x.rank <> b.rnk OR x.group_size <> b.n THEN 1 ELSE 0 END) "
            f"FROM bench_bare b JOIN {results_table} x ON x.person_id = b.person_id AND x.period_id = %s",
            [period.pk],
        )
        matched, mismatched = cursor.fetchone()
        cursor.execute(
            f"SELECT outcome, COUNT(*) FROM {results_table} WHERE period_id = %s GROUP BY outcome ORDER BY outcome",
            [period.pk],
        )
        result["outcomes"] = dict(cursor.fetchall())
        result["cross_check"] = {"matched": matched, "mismatched": int(mismatched or 0)}
        if args.explain:
            result["explain"] = explain(connection, cursor, app_sql, period.pk)
        cursor.execute("DROP TABLE IF EXISTS bench_bare")
        cursor.execute("DROP TABLE IF EXISTS bench_app")

    # ---- export -------------------------------------------------------------------------
    from jixiao.reports.exports import ranking_rows

    with clock("export rows only"):
        exported = sum(1 for _row in ranking_rows(period))
    result["exported_rows"] = exported
    for suffix in ("csv", "xlsx"):
        path = Path(args.workdir) / f"ranking.{suffix}"
        with clock(f"export {suffix}"):
            command("export", "ranking", output=str(path))
        result[f"export_{suffix}_bytes"] = path.stat().st_size
        path.unlink()

    result["phases"] = clock.phases
    Path(args.result).write_text(json.dumps(result, ensure_ascii=False, default=str))


def server_info(connection) -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            settings = {}
            for name in (
                "work_mem",
                "shared_buffers",
                "fsync",
                "synchronous_commit",
                "max_parallel_workers_per_gather",
            ):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
            return {"engine": "PostgreSQL", "version": version, "settings": settings}
        cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        return {
            "engine": "SQLite",
            "version": version,
            "settings": {"journal_mode": journal, "synchronous": synchronous},
        }


def bare_load(connection, transaction, path: Path, table: str) -> int:
    """The same CSV, parsed and written without any checking into a plain table."""
    text = Path(path).read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    columns = [f"c{i}" for i in range(len(header))]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        cursor.execute(f"CREATE TABLE {quote(table)} ({', '.join(c + ' text' for c in columns)})")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} VALUES ({marks})", list(reader))
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {quote(table)}")
    return count


def explain(connection, cursor, app_sql: str, period_id: int) -> dict:
    bare_select = BARE_RANKING_SQL.split("AS", 1)[1]
    plans = {}
    for name, sql in (("app", app_sql), ("bare", bare_select)):
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", [period_id])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", [period_id])
        plans[name] = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        progress(f"plan of the {name} statement:\n{plans[name]}")
    return plans


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


def run_one(database: str, size: int, roster: Path, scores: Path, args, pg_settings: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"jixiao-bench-{database}-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "--database",
            database,
            "--size",
            str(size),
            "--roster",
            str(roster),
            "--scores",
            str(scores),
            "--result",
            str(result_path),
            "--workdir",
            tmp,
        ]
        command += ["--profile"] * args.profile + ["--explain"] * args.explain
        return run_in_worker_process(command, database, tmp, result_path, pg_settings)


def run_in_worker_process(
    command: list[str], database: str, tmp: str, result_path: Path, pg_settings: dict
) -> dict:
    """Run a benchmark's worker process on a fresh database of its own (SQLite: a file in
    ``tmp``; PostgreSQL: a throwaway server) and return the result it wrote, with the wall
    time of the whole run as ``total_wall``."""
    env = dict(os.environ, JIXIAO_DATA_DIR=tmp, DJANGO_SETTINGS_MODULE="jixiao.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        subprocess.run(command, env=env, check=True)
    else:
        from tools.pgserver import throwaway_postgres

        with throwaway_postgres(settings=pg_settings) as url:
            env["DATABASE_URL"] = url
            subprocess.run(command, env=env, check=True)
    result = json.loads(result_path.read_text())
    result["total_wall"] = time.perf_counter() - started
    return result


def secs(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}" if seconds < 100 else f"{seconds:.1f}"


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "∞"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(headers: list[str], rows: list[list], left: tuple[int, ...] = (0,)) -> str:
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            parts.append(cell + pad if i in left else pad + cell)
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def describe_run(r: dict, meta: dict) -> str:
    p = {name: v["wall"] for name, v in r["phases"].items()}
    cpu = {name: v["cpu"] for name, v in r["phases"].items()}
    n = r["size"]
    server = r["server"]
    settings = ", ".join(f"{k}={v}" for k, v in server["settings"].items())
    lines = [
        f"== {server['engine']} {server['version']} ({settings}) — {n:,} people, {meta['units']:,} units, "
        f"{meta['categories']} categories, {meta['vetoes']:,} vetoes ==",
        f"  roster CSV {meta['roster_bytes'] / 1e6:.1f} MB, scores CSV {meta['scores_bytes'] / 1e6:.1f} MB; "
        f"rows in database: roster {r['roster_rows']:,}, scores {r['score_rows']:,}",
    ]
    rows = []
    for kind in ("roster", "scores"):
        total = p[f"import {kind}"]
        parts = [p.get(f"{kind} {step}", 0.0) for step in ("open", "plan", "apply", "commit")]
        rows.append(
            [
                f"import {kind}",
                secs(total),
                rate(n, total),
                f"{cpu[f'import {kind}']:.2f}",
                f"open {secs(parts[0])} / plan {secs(parts[1])} / apply {secs(parts[2])} / commit {secs(parts[3])} / rest {secs(total - sum(parts))}",
            ]
        )
        bare = p[f"bare load {kind}"]
        rows.append(
            [
                f"  bare load {kind}",
                secs(bare),
                rate(n, bare),
                f"{cpu[f'bare load {kind}']:.2f}",
                f"import / bare = {total / bare:.1f}×",
            ]
        )
    bare = r["bare_ranking"]
    for run in ("select first", "select rerun"):
        total = p[run]
        rank, summ, commit = p[f"{run} rank_period"], p[f"{run} summarize"], p.get(f"{run} commit", 0.0)
        rows.append(
            [
                run,
                secs(total),
                "",
                secs(cpu[run]),
                f"rank_period {secs(rank)} / summarize {secs(summ)} / commit {secs(commit)} / rest {secs(total - rank - summ - commit)}; "
                f"select / bare = {total / bare:.2f}×, rank_period / bare = {rank / bare:.2f}×",
            ]
        )
    rows.append(
        [
            "  bare ranking",
            secs(bare),
            "",
            "",
            f"best of {secs(p['bare ranking 1'])} (before) and {secs(p['bare ranking 2'])} (after the selects)",
        ]
    )
    rows.append(
        [
            "  app statement, temp table",
            secs(p["app statement into temp table"]),
            "",
            "",
            "ranking_select_sql alone, into an unindexed temporary table",
        ]
    )
    rows.append(
        [
            "  app statement, keyed table",
            secs(p["app statement into keyed table"]),
            "",
            "",
            "ranking_select_sql into a logged table with only the results' key, committed",
        ]
    )
    rows.append(
        [
            "export rows only",
            secs(p["export rows only"]),
            rate(n, p["export rows only"]),
            secs(cpu["export rows only"]),
            "ranking_rows(period) iterated, no file",
        ]
    )
    for suffix in ("csv", "xlsx"):
        rows.append(
            [
                f"export {suffix}",
                secs(p[f"export {suffix}"]),
                rate(n, p[f"export {suffix}"]),
                f"{cpu[f'export {suffix}']:.2f}",
                f"{r[f'export_{suffix}_bytes'] / 1e6:.1f} MB",
            ]
        )
    lines.append(table(["phase", "wall s", "rows/s", "py cpu s", "detail"], rows, left=(0, 4)))
    check = r["cross_check"]
    lines.append(
        f"  outcomes: {r['outcomes']}; results vs bare statement: {check['matched']:,} matched, "
        f"{check['mismatched']:,} differ in rank or group size; exported {r['exported_rows']:,} rows"
    )
    lines.append(
        f"  whole run incl. server start and process start: {r['total_wall']:.1f} s; code {r['code']}"
    )
    if r["profiled"]:
        lines.append("  NOTE: run under cProfile — times are inflated.")
    return "\n".join(lines)


def summary(results: list[dict]) -> str:
    rows, goals = [], []
    for r in results:
        p = {name: v["wall"] for name, v in r["phases"].items()}
        n, bare = r["size"], r["bare_ranking"]
        engine = r["server"]["engine"]
        roster_rate, scores_rate = n / p["import roster"], n / p["import scores"]
        first, rerun = p["select first"], p["select rerun"]
        rows.append(
            [
                engine,
                f"{n:,}",
                f"{roster_rate:,.0f}",
                f"{scores_rate:,.0f}",
                secs(first),
                secs(rerun),
                secs(bare),
                f"{first / bare:.2f}×",
                f"{rerun / bare:.2f}×",
                secs(p["export csv"]),
                secs(p["export xlsx"]),
            ]
        )
        checks = [
            f"import ≥ {GOAL_IMPORT_ROWS_PER_S:,} rows/s: roster {verdict(roster_rate >= GOAL_IMPORT_ROWS_PER_S)}, "
            f"scores {verdict(scores_rate >= GOAL_IMPORT_ROWS_PER_S)}",
            f"select ≤ {GOAL_SELECT_RATIO}× bare: first {verdict(first <= GOAL_SELECT_RATIO * bare)}, "
            f"rerun {verdict(rerun <= GOAL_SELECT_RATIO * bare)}",
        ]
        if engine == "PostgreSQL" and n >= 1_000_000:
            checks.append(
                f"select < {GOAL_SELECT_SECONDS:.0f} s: first {verdict(first < GOAL_SELECT_SECONDS)}, "
                f"rerun {verdict(rerun < GOAL_SELECT_SECONDS)}"
            )
        goals.append(f"  {engine} {n:,}: " + "; ".join(checks))
    headers = [
        "database",
        "people",
        "roster rows/s",
        "scores rows/s",
        "select 1st s",
        "select rerun s",
        "bare s",
        "1st/bare",
        "rerun/bare",
        "export csv s",
        "export xlsx s",
    ]
    text = table(headers, rows)
    text += (
        f"\n\nGoals (printed, not asserted; the {GOAL_SELECT_SECONDS:.0f} s goal is for 1M people on PostgreSQL, "
        f"the {GOAL_SELECT_RATIO}× goal compares `jixiao select` with the bare ranking statement):\n"
    )
    return text + "\n".join(goals)


def code_version() -> str:
    """The commit the code under test is at, and whether jixiao/ differs from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "jixiao"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes in jixiao/" if dirty else "")


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="people per city, comma-separated"
    )
    parser.add_argument("--databases", default=",".join(DEFAULT_DATABASES), help="sqlite,postgresql")
    parser.add_argument(
        "--pg-setting", action="append", default=[], metavar="KEY=VALUE", help="server setting (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--data-dir", type=Path, default=OUT / "cities", help="where the synthetic CSVs are kept"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile every phase (inflates times)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the ranking statements")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny city (500 people) in a temporary folder: that the benchmark runs and its "
        "cross-checks hold (exit 1 otherwise), for ./test; no time is judged",
    )
    # Internal: one database and size, in its own process.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--roster", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scores", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.smoke:
        sizes = [SMOKE_SIZE]
        args.data_dir = Path(tempfile.mkdtemp(prefix="jixiao-bench-smoke-"))
    databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - set(DEFAULT_DATABASES)
    if unknown:
        raise SystemExit(f"unknown database(s): {', '.join(sorted(unknown))}")
    pg_settings = dict(DEFAULT_PG_SETTINGS)
    for item in args.pg_setting:
        key, _, value = item.partition("=")
        pg_settings[key.strip()] = value.strip()
    OUT.mkdir(parents=True, exist_ok=True)

    print(f"jixiao selection benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, {machine()}")
    print(
        f"sizes {', '.join(f'{n:,}' for n in sizes)}; databases {', '.join(databases)}; period {PERIOD}; code {code_version()}"
    )
    if "postgresql" in databases:
        print(
            "PostgreSQL: fresh throwaway server per size, settings "
            + ", ".join(f"{k}={v}" for k, v in pg_settings.items())
            + " (others default, fsync on)"
        )
    print(flush=True)

    cities = {}
    for size in sizes:
        started = time.perf_counter()
        cities[size] = generate_city(size, args.data_dir / f"city-{size}-seed{args.seed}", args.seed)
        progress(f"city of {size:,}: {cities[size][0].parent} ({time.perf_counter() - started:.1f} s)")

    results = []
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for database in databases:
        for size in sizes:
            roster, scores, meta = cities[size]
            result = run_one(database, size, roster, scores, args, pg_settings)
            result["meta"] = meta
            results.append(result)
            print(describe_run(result, meta) + "\n", flush=True)
            (OUT / f"selection-{stamp}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(summary(results))
    print(f"\nJSON: {OUT / f'selection-{stamp}.json'}")
    if args.smoke:
        shutil.rmtree(args.data_dir, ignore_errors=True)
    failed = [r for r in results if not cross_checks_hold(r)]
    for result in failed:
        print(f"CROSS-CHECK FAILED: {result['database']} {result['size']:,}: {result.get('cross_check')}")
    return 1 if failed else 0


def cross_checks_hold(result: dict) -> bool:
    """The ranking is the bare statement's for everyone scored, and the lists hold them."""
    check = result.get("cross_check") or {}
    return (
        check.get("mismatched") == 0
        and check.get("matched") == result.get("score_rows")
        and result.get("exported_rows") == result.get("score_rows")
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
