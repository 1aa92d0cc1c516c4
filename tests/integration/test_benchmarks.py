"""Every benchmark still runs and its own cross-checks hold (ranks equal the bare statement's,
totals equal the formula model, every page answers): each in its smoke mode, tiny sizes, as
a process of its own. Nothing here judges a time; bench/README.md has the figures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ENGINE = "postgresql" if connection.vendor == "postgresql" else "sqlite"
# The page benchmarks build the demo city on SQLite whatever the test run's database.
ON_SQLITE_ONLY = pytest.mark.skipif(ENGINE != "sqlite", reason="runs on SQLite in any case: once is enough")


def smoke(script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "JIXIAO_DATA_DIR"}}
    run = subprocess.run(
        [sys.executable, f"bench/{script}", "--smoke", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    return run.stdout


def test_the_selection_benchmark_ranks_as_the_bare_statement_does():
    out = smoke("selection.py", "--databases", ENGINE)
    assert "500 matched, 0 differ in rank or group size; exported 500 rows" in out


def test_the_totals_benchmark_agrees_with_the_formula_model():
    out = smoke("totals.py", "--databases", ENGINE)
    assert "180/180 match" in out


def test_the_rater_quality_benchmark_agrees_with_the_reference_model():
    out = smoke("rater_quality.py", "--databases", ENGINE)
    assert "flagged rater groups" in out
    assert re.search(
        r"cross-check against quality_model.reference: [\d,]+ raters, \d+ groups, \d+ leniency rows of \d+ units \([\d,]+ scores\): all match",
        out,
    )


def test_the_what_if_benchmark_equals_ranking_for_real():
    out = smoke("what_if.py", "--databases", ENGINE)
    assert "people coming in or dropping out — all match" in out and "CROSS-CHECK FAILED" not in out


@ON_SQLITE_ONLY
def test_the_dashboard_benchmark_gets_every_page():
    out = smoke("dashboard.py")
    assert "half-year summary .docx" in out


@ON_SQLITE_ONLY
def test_the_showcase_benchmark_gets_every_page_and_a_poster():
    out = smoke("showcase.py")
    assert "screen data.json" in out and "bare one-page document" in out and "bare flat PNG" in out


@ON_SQLITE_ONLY
def test_the_pages_benchmark_gets_every_page_of_every_role_and_ranks_a_unit():
    out = smoke("pages.py")
    assert "pages over 300 ms" in out and "one unit / whole city" in out


@ON_SQLITE_ONLY
def test_the_serve_benchmark_loads_every_public_page_under_jixiao_serve():
    out = smoke("serve.py")
    assert "static file (baseline)" in out and "screen data.json" in out
    assert "requests without a 200 answer (after one retry on a new connection): 0" in out


@ON_SQLITE_ONLY
def test_the_queue_benchmark_makes_the_city_poster_with_one_and_two_workers():
    out = smoke("document_queue.py")
    assert "city posters A4 + A3 at once, queued" in out
    assert "documents not made, or not of the direct poster's pages: 0" in out


@ON_SQLITE_ONLY
def test_the_half_year_benchmark_runs_every_step_through_the_pages():
    out = smoke("half_year_pages.py")
    assert re.search(r"open [\d,]+ accounts → password sheet", out) and "my results" in out
    assert "FAILED" not in out


def test_the_rating_benchmark_submits_every_code_through_the_pages_under_jixiao_serve():
    out = smoke("rating.py", "--database", ENGINE)
    assert "autosave (htmx POST /rate/save/)" in out and "submit (POST confirm=1)" in out
    assert "sessions that failed: 0 of 40 raters, 0 baseline" in out
    assert "codes submitted: 40 of 40" in out and re.search(
        r"fields saved by the raters: [\d,]+; differing: 0", out
    )
    assert "checks: all hold" in out
