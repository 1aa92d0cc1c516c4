"""Benchmark: 5,000 raters of one city scoring on their phones within ten minutes, against
`jixiao serve` on loopback.

    uv run python bench/rating.py [--raters 5000] [--minutes 10] [--sheet 10] [--indicators 3]
                                  [--workers 2] [--database sqlite|postgresql] [--seed 1] [--smoke]

Set-up (not timed): a fresh database (SQLite in a temporary folder, or a throwaway
PostgreSQL server), a city of ``--raters`` people of one category in units of 100 (the roster
imported as an office imports it), one scheme with ``--indicators`` rater-scored indicators
and three rater groups (领导评价 40, 同事互评 40, 服务对象评价 20; at most 30 % top marks), one
city-wide rating round, and the codes issued through the office's actions: each unit's people
fall into departments of ``--sheet`` people; per department one leader's code and one service
user's code (anonymous, scoring the department) and a code bound to each other member
(scoring their colleagues, never themself) — one rater a person, ``--sheet`` or ``--sheet`` −
1 people on a rater's sheet. The plain codes exist only in this process, as on the slips.

The run: the raters arrive at random over the window (``--minutes``), each on a connection of
their own, and go through the pages as a phone does, one request after the other: the code
page from the slip's QR code (``/rate/<key>/?code=…``), the code posted, the sheet, one htmx
autosave (``POST /rate/save/``, ``HX-Request``) per field, the review, the submission
(``POST /rate/review/`` with ``confirm=1``) and the page after it. Every answer is checked
(status, redirect target, the sheet's fields against the people the code scores).

Baseline in the same run, on the same server: the same arrivals, each session making as many
requests as its rater did, every one a plain load of the round's code page (no code, no
session) — the same number of requests at the same offered rate. Printed: p50/p95/p99 per
kind of request and each kind's p99 as a ratio to the baseline's p99; per phase the requests
a second sustained against those offered, the most sessions open at once, and the CPU time a
request cost the server's processes (gunicorn's; not PostgreSQL's) and this client — the
client shares the cores with the server, and so does any other work on the machine (the
load average is printed).

Checked afterwards in the database, never timed: every code submitted, and the draft scores
equal, field by field, what the raters' saves sent. Exit 1 when a request failed or a check
does not hold. ``--smoke``: 40 raters in 10 seconds, that it runs and every check holds.
"""

import argparse
import asyncio
import contextlib
import csv
import datetime
import json
import math
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from demo_city import ROOT
from loopback import SECRET_KEY, connect, percentile, request, server_cpu_seconds, start_server, stop_server

OUT = ROOT / "bench" / "out"
PERIOD = "2023H1"
CATEGORY = "一般干部"
UNIT_SIZE = 100
GROUPS = {"领导评价": 40, "同事互评": 40, "服务对象评价": 20}
INDICATORS = ("政治素质", "业务能力", "工作态度", "工作实绩", "廉洁自律")  # the rater-scored ones
TOP_MARK_SHARE = 30
REQUEST_TIMEOUT = 300  # seconds: as long as a browser waits for an answer (and gunicorn's timeout)
KINDS = {
    "entry": "code page from the slip (GET)",
    "code": "code posted (POST)",
    "sheet": "sheet (GET)",
    "save": "autosave (htmx POST /rate/save/)",
    "review": "review (GET)",
    "submit": "submit (POST confirm=1)",
    "done": "page after it (GET)",
}
BASELINE = "baseline: plain page load (GET /rate/<key>/)"


@dataclass
class Rater:
    text: str  # the code as printed, ABCD-EFGH
    code_id: int
    group: str
    fields: set[tuple[int, int]]  # (entry, indicator) the sheet must show
    people: int


@dataclass
class City:
    key: str
    round_id: int
    units: int
    people: int
    indicators: int
    raters: list[Rater]
    seconds: float


@dataclass
class Tally:
    """What the clients saw: latencies per kind, failures, the scores the server accepted."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    saved: dict[tuple[int, int, int], int] = field(default_factory=dict)  # (code, entry, ind) → cents
    # Saves that got no answer (timed out): the server may or may not have kept them.
    unsure_saves: set[tuple[int, int, int]] = field(default_factory=set)
    sent: set[int] = field(default_factory=set)  # codes whose submission was sent
    submitted: set[int] = field(default_factory=set)  # … and answered as done
    active: int = 0
    most_active: int = 0
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load: float = 0.0

    def record(self, kind: str, ms: float) -> None:
        self.latencies.setdefault(kind, []).append(ms)

    def enter(self) -> None:
        self.active += 1
        self.most_active = max(self.most_active, self.active)

    def leave(self) -> None:
        self.active -= 1


# --------------------------------------------------------------------------------------
# Set-up: the city, its scheme, the round and the codes, through the project's own actions
# --------------------------------------------------------------------------------------


def set_up(options, folder: str) -> City:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from bench.selection import GIVEN, SURNAMES, unit_names
    from jixiao.assessment.models import Period, RaterGroup, RosterEntry
    from jixiao.assessment.schemes import IndicatorSpec, define_scheme
    from jixiao.org.access import Operator
    from jixiao.org.models import Category
    from jixiao.rating import actions
    from jixiao.rating.models import BatchScope

    started = time.perf_counter()
    office = Operator("bench")
    rng = random.Random(options.seed)
    with open(os.devnull, "w") as quiet:
        call_command("migrate", verbosity=0, stdout=quiet)
        units = math.ceil(options.raters / UNIT_SIZE)
        names = unit_names(units, rng)
        roster = Path(folder) / "roster.csv"
        with roster.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["工号", "姓名", "单位", "人员类别", "职务"])
            for n in range(options.raters):
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
                writer.writerow([f"{n + 1:08d}", name, names[n // UNIT_SIZE], CATEGORY, "科员"])
        call_command("import", "roster", str(roster), period=PERIOD, stdout=quiet, stderr=quiet)
    period = Period.objects.get(code=PERIOD)
    category = Category.objects.get(name=CATEGORY)
    rated = INDICATORS[: options.indicators]
    # The rater-scored indicators share 60 % of the weight, an objective one the rest.
    weights = [60 * 100 // len(rated)] * len(rated)
    weights[-1] += 60 * 100 - sum(weights)
    define_scheme(
        name="一般干部考核方案",
        period=period,
        category=category,
        indicators=[
            *(IndicatorSpec(name, weight / 100) for name, weight in zip(rated, weights, strict=True)),
            IndicatorSpec("重点工作", 40, "objective"),
        ],
        rater_groups=GROUPS,
        top_mark_share=TOP_MARK_SHARE,
    )
    now = timezone.now()
    round_ = actions.create_round(
        period=period,
        category=category,
        unit=None,
        name="全市一般干部上半年测评",
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(minutes=options.minutes) + datetime.timedelta(hours=3),
        acting_user=office,
    )
    groups = {g.name: g for g in RaterGroup.objects.all()}
    indicator_ids = [
        i.pk for i in period.schemes.get().indicators.filter(name__in=rated).order_by("sort_order")
    ]
    raters = []
    entries = RosterEntry.objects.filter(period=period).select_related("unit", "person").order_by("id")
    by_unit: dict[int, list] = {}
    for entry in entries:
        by_unit.setdefault(entry.unit_id, []).append(entry)

    def fields(people) -> set[tuple[int, int]]:
        return {(e.pk, i) for e in people for i in indicator_ids}

    for people in by_unit.values():
        unit = people[0].unit
        for start in range(0, len(people), options.sheet):
            department = people[start : start + options.sheet]
            label = f"第{start // options.sheet + 1}科室"
            batches = [("领导评价", [], 1)]
            if len(department) >= 2:
                batches.append(("服务对象评价", [], 1))
            if len(department) >= 3:
                batches.append(("同事互评", [e.person for e in department[: len(department) - 2]], 0))
            for group, holders, count in batches:
                issued = actions.issue_codes(
                    round_,
                    group=groups[group],
                    acting_user=office,
                    unit=unit,
                    count=count,
                    holders=holders,
                    scope=BatchScope.LISTED,
                    rated=department,
                    label=label,
                )
                for code in issued:
                    scored = [e for e in department if e.person_id != code.code.person_id]
                    raters.append(Rater(code.shown, code.code.pk, group, fields(scored), len(scored)))
    connections.close_all()
    return City(
        key=round_.key,
        round_id=round_.pk,
        units=units,
        people=options.raters,
        indicators=len(indicator_ids),
        raters=raters,
        seconds=time.perf_counter() - started,
    )


# --------------------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'<input[^>]*name="csrfmiddlewaretoken"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')
SCORE_FIELD = re.compile(r'name="s-(\d+)-(\d+)"')
TAGS = re.compile(r"<[^>]+>|\s+")


def csrf_token(html: str) -> str | None:
    tag = CSRF_INPUT.search(html)
    return VALUE.search(tag[0])[1] if tag and VALUE.search(tag[0]) else None


def gist(html: str) -> str:
    """Some of a page's text, for a failure's message."""
    return TAGS.sub(" ", html)[:300].strip()


def score_texts(
    rater: Rater, fields: list[tuple[int, int]], rng: random.Random
) -> dict[tuple[int, int], str]:
    """What the rater types into each field: 60–89.5 mostly, a few top marks (90–100) per
    indicator, never more than the scheme's share allows."""
    from jixiao.rating.rules import top_mark_allowance

    allowance = top_mark_allowance(TOP_MARK_SHARE, rater.people) or 0
    texts = {}
    for indicator in sorted({i for _e, i in fields}):
        people = [e for e, i in fields if i == indicator]
        top = set(rng.sample(people, rng.randint(0, min(allowance, len(people)))))
        for entry in people:
            points = rng.randint(90, 100) if entry in top else rng.randint(60, 89)
            half = rng.random() < 0.3 and points < 100
            texts[(entry, indicator)] = f"{points}.5" if half else str(points)
    return texts


def cents(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


class Session:
    """One phone: a connection of its own, its cookies, the last page's CSRF token."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally = port, tally
        self.connection = None
        self.cookies: dict[str, str] = {}
        self.token = ""

    async def send(self, kind: str, path: str, *, form: dict | None = None, htmx: str = ""):
        """One request of the page's; ``htmx``: the field whose change htmx posts, with the
        headers htmx sends (the CSRF token from the page's ``hx-headers``)."""
        if self.connection is None:
            self.connection = await connect(self.port)
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "Mozilla/5.0 (iPhone) jixiao-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)
        body = b""
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            body = urlencode(form).encode()
        if htmx:
            headers |= {
                "HX-Request": "true",
                "HX-Current-URL": f"http://127.0.0.1:{self.port}/rate/sheet/",
                "HX-Target": "save-status",
                "HX-Trigger": htmx,
                "HX-Trigger-Name": htmx,
                "X-CSRFToken": self.token,
            }
        try:
            answer, self.connection, ms = await asyncio.wait_for(
                request(
                    self.port,
                    self.connection,
                    path,
                    method="POST" if form else "GET",
                    headers=headers,
                    body=body,
                ),
                REQUEST_TIMEOUT,
            )
        except TimeoutError:
            self.connection[1].close()
            self.connection = None
            raise Failed(f"{kind}: no answer in {REQUEST_TIMEOUT} s") from None
        if answer is None:
            raise Failed(f"{kind}: connection lost twice")
        self.tally.record(kind, ms)
        self.cookies.update(answer.cookies())
        return answer

    def close(self) -> None:
        if self.connection is not None:
            self.connection[1].close()


class Failed(Exception):
    pass


def expect(kind: str, answer, status: int, location: str | None = None) -> None:
    if answer.status != status or (location and not (answer.header("location") or "").endswith(location)):
        where = f" → {answer.header('location')}" if answer.header("location") else ""
        raise Failed(f"{kind}: {answer.status}{where}, expected {status}: {gist(answer.text)}")


async def rate(port: int, key: str, rater: Rater, rng: random.Random, tally: Tally) -> None:
    """One rater, from the slip's QR code to the page after the submission."""
    phone = Session(port, tally)
    pending = None
    try:
        page = await phone.send("entry", f"/rate/{key}/?{urlencode({'code': rater.text})}")
        expect("entry", page, 200)
        answer = await phone.send(
            "code", f"/rate/{key}/", form={"csrfmiddlewaretoken": csrf_token(page.text), "code": rater.text}
        )
        expect("code", answer, 302, "/rate/sheet/")
        page = await phone.send("sheet", "/rate/sheet/")
        expect("sheet", page, 200)
        phone.token = csrf_token(page.text) or ""
        fields = list(dict.fromkeys((int(e), int(i)) for e, i in SCORE_FIELD.findall(page.text)))
        if set(fields) != rater.fields:
            raise Failed(f"sheet: {len(fields)} fields, expected {len(rater.fields)} ({rater.group})")
        for (entry, indicator), text in score_texts(rater, fields, rng).items():
            name = f"s-{entry}-{indicator}"  # hx-params: the field alone, the token in a header
            pending = (rater.code_id, entry, indicator)  # kept or not, until the answer says
            answer = await phone.send("save", "/rate/save/", form={name: text}, htmx=name)
            expect("save", answer, 200)
            tally.saved[pending] = cents(text)
            pending = None
        page = await phone.send("review", "/rate/review/")
        expect("review", page, 200)
        token = csrf_token(page.text) or phone.token
        tally.sent.add(rater.code_id)
        answer = await phone.send(
            "submit", "/rate/review/", form={"csrfmiddlewaretoken": token, "confirm": "1"}
        )
        expect("submit", answer, 302, "/rate/done/")
        tally.submitted.add(rater.code_id)
        expect("done", await phone.send("done", "/rate/done/"), 200)
    finally:
        phone.close()
        if pending:
            tally.unsure_saves.add(pending)


async def plain_loads(port: int, key: str, count: int, tally: Tally) -> None:
    """The baseline session: ``count`` plain loads of the code page, one after the other."""
    visitor = Session(port, tally)
    try:
        for _ in range(count):
            visitor.cookies.clear()  # a new visitor each time: no session
            expect("plain", await visitor.send("plain", f"/rate/{key}/"), 200)
    finally:
        visitor.close()


async def arrive(schedule: list[tuple[float, object]], tally: Tally) -> float:
    """Start each session at its time (seconds from now); the wall time until the last ends.
    Each session is open from its arrival to its last answer: ``most_active`` at once."""
    started = time.perf_counter()

    async def one(at: float, session) -> None:
        await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
        tally.enter()
        try:
            await session()
        except Failed as failure:
            tally.failures.append(str(failure))
        except (OSError, asyncio.IncompleteReadError) as error:
            tally.failures.append(f"{type(error).__name__}: {error}")
        finally:
            tally.leave()

    await asyncio.gather(*(one(at, session) for at, session in schedule))
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------
# Checks and report
# --------------------------------------------------------------------------------------


def check_database(city: City, tally: Tally) -> dict:
    """What the database holds against what the raters were told: the codes submitted, and
    the draft scores field by field (a save that got no answer may be either way)."""
    from jixiao.rating.models import DraftScore, RatingCode

    submitted = set(
        RatingCode.objects.filter(round_id=city.round_id, submitted_at__isnull=False).values_list(
            "id", flat=True
        )
    )
    stored = {
        (code, entry, indicator): score
        for code, entry, indicator, score in DraftScore.objects.filter(
            code__round_id=city.round_id
        ).values_list("code_id", "entry_id", "indicator_id", "score_cents")
    }
    differ = {
        key: (tally.saved.get(key), stored.get(key))
        for key in tally.saved.keys() | stored.keys()
        if tally.saved.get(key) != stored.get(key) and key not in tally.unsure_saves
    }
    return {
        "submitted": len(submitted),
        # Told "done" but not submitted: a lost submission.
        "lost": len(tally.submitted - submitted),
        # Submitted though never sent: impossible unless something is badly wrong.
        "unsent": len(submitted - tally.sent),
        "stored": len(stored),
        "differ": differ,
    }


def window_text(minutes: float) -> str:
    return f"{minutes:g} min" if minutes >= 1 else f"{minutes * 60:g} s"


def line(label: str, values: list[float], baseline_p99: float | None) -> str:
    p50, p95, p99 = (percentile(values, share) for share in (0.5, 0.95, 0.99))
    ratio = f"{p99 / baseline_p99:>11.1f}×" if baseline_p99 else ""
    return f"{label:<44}{len(values):>9,}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{ratio}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=10, help="the window the raters arrive in")
    parser.add_argument("--sheet", type=int, default=10, help="people in a department: on one rater's sheet")
    parser.add_argument("--indicators", type=int, default=3, choices=range(1, len(INDICATORS) + 1))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="40 raters in 10 seconds: that it runs")
    options = parser.parse_args()
    if options.smoke:
        options.raters, options.minutes = 40, 10 / 60

    folder = tempfile.mkdtemp(prefix="jixiao-bench-rating-")
    os.environ.update(
        JIXIAO_DATA_DIR=folder, JIXIAO_SECRET_KEY=SECRET_KEY, DJANGO_SETTINGS_MODULE="jixiao.settings"
    )
    os.environ.pop("DATABASE_URL", None)
    with contextlib.ExitStack() as stack:
        database_url = None
        if options.database == "postgresql":
            from tools.pgserver import throwaway_postgres

            database_url = stack.enter_context(throwaway_postgres())
            os.environ["DATABASE_URL"] = database_url
        return run(options, folder, database_url)


def phase(server, schedule: list, tally: Tally) -> None:
    """Run the sessions at their times; note the wall time, the CPU time the server and this
    client spent, and the machine's load (other work on the same cores shows there)."""
    server_before, client_before = server_cpu_seconds(server), time.process_time()
    tally.wall = asyncio.run(arrive(schedule, tally))
    tally.server_cpu = server_cpu_seconds(server) - server_before
    tally.client_cpu = time.process_time() - client_before
    tally.load = os.getloadavg()[1]


def describe(name: str, tally: Tally, what: str, planned: int, window: float) -> str:
    requests = sum(len(v) for v in tally.latencies.values())
    per = 1000 / max(1, requests)
    return (
        f"{name:<9} {what}: {requests:,} of {planned:,} requests answered in {tally.wall:.1f} s "
        f"({requests / tally.wall:,.0f} req/s; offered {planned / window:,.0f} req/s over the window), "
        f"at most {tally.most_active:,} sessions at once, "
        f"the last done {tally.wall - window:+.1f} s after the window's end; CPU a request: server "
        f"{tally.server_cpu * per:.1f} ms, client {tally.client_cpu * per:.1f} ms; load average {tally.load:.1f}"
    )


def run(options, folder: str, database_url: str | None) -> int:
    city = set_up(options, folder)
    scores = sum(len(r.fields) for r in city.raters)
    from django.db import connection

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"input: {len(city.raters):,} raters ({city.units} unit(s) of up to {UNIT_SIZE} people of {CATEGORY}, "
        f"departments of {options.sheet}), {city.indicators} rater-scored indicators, {len(GROUPS)} rater groups, "
        f"{scores:,} scores to enter; arriving over {window_text(options.minutes)}; {engine}; "
        f"set up in {city.seconds:.1f} s"
    )
    window = options.minutes * 60
    rng = random.Random(options.seed)
    arrivals = sorted(rng.uniform(0, window) for _ in city.raters)
    order = list(city.raters)
    rng.shuffle(order)
    rating, baseline = Tally(), Tally()
    server, port = start_server(folder, options.workers, database_url=database_url)
    try:
        phase(
            server,
            [
                (at, partial(rate, port, city.key, rater, random.Random(rng.randrange(2**32)), rating))
                for at, rater in zip(arrivals, order, strict=True)
            ],
            rating,
        )
        # As many requests as each rater's session: the pages, the code, a save per field.
        phase(
            server,
            [
                (at, partial(plain_loads, port, city.key, len(KINDS) - 1 + len(rater.fields), baseline))
                for at, rater in zip(arrivals, order, strict=True)
            ],
            baseline,
        )
    finally:
        stop_server(server)

    check = check_database(city, rating)
    differ = check["differ"]
    plain = baseline.latencies.get("plain", [])
    print(
        f"jixiao serve --workers {options.workers} (gthread, 4 threads) on 127.0.0.1; "
        f"client and server on the same {os.cpu_count()} cores\n"
    )
    planned = sum(len(KINDS) - 1 + len(rater.fields) for rater in city.raters)
    print(describe("rating:", rating, f"{len(city.raters):,} raters", planned, window))
    print(describe("baseline:", baseline, "the same arrivals, plain page loads", planned, window) + "\n")
    baseline_p99 = percentile(plain, 0.99) if plain else None
    print(f"{'request':<44}{'count':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p99 ÷ baseline':>15}")
    print(line(BASELINE, plain, baseline_p99) if plain else f"{BASELINE}: none answered")
    for kind, label in KINDS.items():
        if rating.latencies.get(kind):
            print(line(label, rating.latencies[kind], baseline_p99))
    all_rating = [ms for values in rating.latencies.values() for ms in values]
    if all_rating:
        print(line("every rating request", all_rating, baseline_p99))

    failures = rating.failures + [f"baseline {f}" for f in baseline.failures]
    print(
        f"\nsessions that failed: {len(rating.failures)} of {len(city.raters):,} raters, {len(baseline.failures)} baseline"
    )
    for failure, count in Counter(f[:160] for f in failures).most_common(6):
        print(f"  {count:>6,} × {failure}")
    print(
        f"codes submitted: {check['submitted']:,} of {len(city.raters):,} "
        f"(answered as done: {len(rating.submitted):,}; done but not submitted: {check['lost']}; "
        f"submitted but never sent: {check['unsent']})"
    )
    print(
        f"draft scores stored: {check['stored']:,}; fields saved by the raters: {len(rating.saved):,}; "
        f"differing: {len(differ)}"
        + (f" (e.g. {next(iter(differ.items()))})" if differ else "")
        + (f"; saves without an answer: {len(rating.unsure_saves)}" if rating.unsure_saves else "")
    )
    ok = (
        not failures
        and check["submitted"] == len(city.raters)
        and not check["lost"]
        and not check["unsent"]
        and not differ
        and check["stored"] == scores
    )
    print("checks: all hold" if ok else "CHECKS FAILED")

    OUT.mkdir(exist_ok=True)
    result = {
        "raters": len(city.raters),
        "minutes": options.minutes,
        "sheet": options.sheet,
        "indicators": city.indicators,
        "database": engine,
        "workers": options.workers,
        "scores": scores,
        **{
            f"{name}_{key}": getattr(tally, key)
            for name, tally in (("rating", rating), ("baseline", baseline))
            for key in ("wall", "server_cpu", "client_cpu", "load", "most_active")
        },
        "percentiles_ms": {
            kind: [percentile(values, s) for s in (0.5, 0.95, 0.99)]
            for kind, values in {**rating.latencies, "baseline": plain}.items()
            if values
        },
        "failures": len(failures),
        "submitted": check["submitted"],
        "ok": ok,
    }
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"rating-{stamp}.json").write_text(json.dumps(result, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
