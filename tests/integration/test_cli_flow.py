"""The ``jixiao`` command as operators use it: Chinese by default, a refusal is a message
and a non-zero exit (never a traceback), and the whole roster → scores → select →
nominate → export flow works — in-process on the test database, and as a real process on
its own SQLite file."""

import os
import sqlite3
import subprocess
import sys

import pytest

from tests.files import (
    jixiao,
    jixiao_ok,
    read_csv,
    read_xlsx,
    roster_rows,
    scores_rows,
    table_dump,
    write_csv,
    write_xlsx,
)

REASON = "在突发公共卫生事件处置中主动请缨，连续值守四十余天，圆满完成任务。"

SUMMARY_HEADER = ["单位", "总人数", "参加考核", "否决", "排名前列", "突出贡献推荐", "推荐上限"]


def city_files(folder):
    """市财政局: 55 一般干部 (5 places, cap 1), staff IDs typed as numbers in cells
    formatted 000000, under a title row; 城关镇: 12 people, one vetoed, one without a total.
    Scores in a GBK CSV as Excel saves it on a Chinese Windows."""
    people = [[i, f"财政{i}号", "市财政局", "一般干部", "科员"] for i in range(1, 56)]
    people += [[1000 + i, f"城关{i}号", "城关镇", "一般干部", "科员"] for i in range(1, 13)]
    roster = write_xlsx(
        folder / "2023年上半年花名册.xlsx",
        roster_rows(people),
        title="2023年上半年绩效考核花名册",
        number_formats={0: "000000"},
    )
    scores = [[f"{i:06d}", f"{100 - i * 0.5:.3f}", ""] for i in range(1, 56)]
    scores += [
        [f"{1000 + i:06d}", f"{90 - i}", "被立案审查调查且尚未结案" if i == 1 else ""] for i in range(1, 12)
    ]
    scores_file = write_csv(
        folder / "成绩.csv", scores_rows(scores, header=["工号", "总分", "否决事由"]), encoding="gbk"
    )
    return roster, scores_file


def summary_rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and len(parts) == len(SUMMARY_HEADER):
            rows[parts[0]] = parts[1:]
    return rows


# --------------------------------------------------------------------------- in-process


@pytest.mark.django_db
def test_select_prints_a_summary_per_unit_and_the_city_total(tmp_path, capsys):
    roster, scores = city_files(tmp_path)
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    run = jixiao(capsys, "select", "--period", "2023H1")
    assert run.status == 0, run.err
    assert run.err == ""
    lines = run.out.splitlines()
    assert lines[0].split() == SUMMARY_HEADER
    assert summary_rows(run.out) == {
        "单位": SUMMARY_HEADER[1:],
        "市财政局": ["55", "55", "0", "5", "0", "1"],
        # The vetoed person is first: their place does not pass to the second.
        "城关镇": ["12", "11", "1", "0", "0", "0"],
        "全市合计": ["67", "66", "1", "5", "0", "1"],
    }
    assert lines[-2:] == [
        "2023H1 共 2 个单位 66 人参加排名：排名前列 5 人，否决 1 人。",
        "花名册中有 1 人没有总分，未参加排名。",
    ]


@pytest.mark.django_db
def test_select_of_a_new_period_creates_it_with_default_rules(capsys):
    from jixiao.selection.models import SelectionRules

    run = jixiao(capsys, "select", "--period", "2024h2")
    assert run.status == 0, run.err
    assert run.err_lines == ["考核期 2024H2 不存在，已按默认规则创建。"]
    assert run.out.splitlines()[-1] == "2024H2 共 0 个单位 0 人参加排名：排名前列 0 人，否决 0 人。"
    assert "全市合计" in run.out
    rules = SelectionRules.objects.get(period__code="2024H2")
    assert (str(rules.share_percent), rules.quota_rounding, str(rules.special_cap_percent)) == (
        "10.00",
        "floor",
        "2.00",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["select", "nominate", "export"])
def test_a_bad_period_code_is_a_message_not_a_traceback(tmp_path, capsys, command):
    extra = {
        "select": [],
        "nominate": ["--staff-id", "000001", "--reason", REASON],
        "export": ["ranking", "-o", tmp_path / "x.csv"],
    }[command]
    before = table_dump()
    run = jixiao(capsys, command, *extra, "--period", "2023Q1")
    assert run.status == 1
    assert run.err_lines == ["考核期代码 2023Q1 格式不对，应为 2023H1 或 2023H2 这样的形式。"]
    assert "Traceback" not in run.err
    assert table_dump() == before


# --------------------------------------------------------------------------- real processes


def run_cli(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"JIXIAO_LANGUAGE", "DJANGO_SETTINGS_MODULE"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    env["JIXIAO_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *(str(a) for a in args)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def count(tmp_path, table: str) -> int:
    with sqlite3.connect(tmp_path / "x.sqlite3") as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_process_refusal_lists_problems_exits_non_zero_and_writes_nothing(tmp_path):
    roster, _scores = city_files(tmp_path)
    first = run_cli(tmp_path, "import", "roster", roster, "--period", "2023H1")
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [
        "数据库为空：先创建数据库结构。",
        "考核期 2023H1 不存在，已按默认规则创建。",
    ]

    bad = write_csv(
        tmp_path / "bad.csv",
        scores_rows([["000001", "90"], ["000002", "九十"], ["999999", "80"], ["000001", ""]]),
        encoding="utf-8-sig",
    )
    result = run_cli(tmp_path, "import", "scores", bad, "--period", "2023H1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "第3行“总分”列：九十 不是数字",
        "第4行“工号”列：工号 999999 不在 2023H1 花名册中",
        "第5行“工号”列：工号 000001 重复（首次出现在第2行）",
        "第5行“总分”列：不能为空",
        "bad.csv 未导入：共 4 个问题，未写入任何数据。",
    ]
    assert count(tmp_path, "assessment_score") == 0
    assert count(tmp_path, "imports_importrecord") == 1

    missing = run_cli(tmp_path, "nominate", "--period", "2023H1", "--staff-id", "000001", "--reason", "太短")
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == ["推荐理由至少需要 20 个字（现有 2 个字）。"]
    assert "Traceback" not in missing.stderr


@pytest.mark.slow
def test_process_full_flow(tmp_path):
    roster, scores = city_files(tmp_path)

    result = run_cli(tmp_path, "import", "roster", roster, "--period", "2023H1", "--actor", "考核办")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "已导入 2023年上半年花名册.xlsx 到 2023H1：共 67 行。",
        "  人员：新增 67，变更 0",
        "  花名册：新增 67，变更 0，未变 0",
        "  新建单位（2 个）：市财政局、城关镇",
        "  新建人员类别（1 个）：一般干部",
    ]
    result = run_cli(tmp_path, "import", "scores", scores, "--period", "2023H1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "已导入 成绩.csv 到 2023H1：共 66 行。",
        "  分数：新增 66，变更 0，未变 0；其中否决 1 人",
    ]

    result = run_cli(tmp_path, "select", "--period", "2023H1")
    assert result.returncode == 0, result.stderr
    assert summary_rows(result.stdout)["全市合计"] == ["67", "66", "1", "5", "0", "1"]

    result = run_cli(
        tmp_path,
        "nominate",
        "--period",
        "2023H1",
        "--staff-id",
        "000010",
        "--reason",
        REASON,
        "--unit",
        "市财政局",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["已推荐市财政局财政10号（000010）为 2023H1 突出贡献人选。"]
    result = run_cli(tmp_path, "nominate", "--period", "2023H1", "--staff-id", "000011", "--reason", REASON)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["市财政局的突出贡献推荐名额已满：已用 1 / 上限 1（55 人的 2%）。"]

    csv_path, xlsx_path = tmp_path / "排名.csv", tmp_path / "排名.xlsx"
    for path in (csv_path, xlsx_path):
        result = run_cli(tmp_path, "export", "ranking", "--period", "2023H1", "-o", path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"已写入 66 行到 {path}。"]
    rows = read_csv(csv_path)
    assert rows[0] == ["工号", "姓名", "单位", "人员类别", "总分", "组内排名", "组内人数", "结果"]
    assert rows[1] == ["000001", "财政1号", "市财政局", "一般干部", "99.50", "1", "55", "排名前10%"]
    assert rows[6] == ["000006", "财政6号", "市财政局", "一般干部", "97.00", "6", "55", "未入选"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["001001"][4:] == ["89.00", "1", "11", "否决"]
    assert by_id["001002"][4:] == ["88.00", "2", "11", "未入选"]
    assert "001012" not in by_id
    assert [r[7] for r in rows[1:]].count("排名前10%") == 5
    xlsx_rows = read_xlsx(xlsx_path)
    assert [r[0] for r in xlsx_rows] == [r[0] for r in rows]
    assert [r[7] for r in xlsx_rows] == [r[7] for r in rows]

    # The same roster again: nothing changes, and the nomination's ranking stays current.
    result = run_cli(tmp_path, "import", "roster", roster, "--period", "2023H1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "  数据库与文件一致，没有任何变更。"
    result = run_cli(tmp_path, "nominate", "--period", "2023H1", "--staff-id", "000010", "--reason", REASON)
    assert result.stderr.splitlines() == ["财政10号已被推荐为 2023H1 突出贡献人选。"]

    with sqlite3.connect(tmp_path / "x.sqlite3") as db:
        records = db.execute(
            "SELECT kind, actor, file_name, rows, changed FROM imports_importrecord ORDER BY id"
        ).fetchall()
    assert records[0] == ("roster", "考核办", "2023年上半年花名册.xlsx", 67, 67)
    assert records[1][0::2] == ("scores", "成绩.csv", 66)
    assert records[2] == (records[0][0], records[2][1], records[0][2], 67, 0)


def test_process_stale_schema_is_refused_but_the_demo_upgrades_it(tmp_path):
    older = run_cli(tmp_path, "migrate", "selection", "0003", "--verbosity", "0")
    assert older.returncode == 0, older.stderr
    refused = run_cli(tmp_path, "select", "--period", "2023H1")
    assert refused.returncode == 3
    assert refused.stderr.strip() == "数据库结构不是最新版本：请先运行 `jixiao migrate`。"

    demo = run_cli(tmp_path, "demo", "--no-serve", "--people", "150")
    assert demo.returncode == 0, demo.stderr
    assert demo.stderr.startswith("先升级数据库结构。")
    assert count(tmp_path, "selection_rankingresult") == count(tmp_path, "assessment_score") > 0
