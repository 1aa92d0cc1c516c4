"""``jixiao export ranking``: one row per ranked person, fixed Chinese columns, CSV in
UTF-8 with BOM, and text a spreadsheet would run as a formula escaped with an apostrophe."""

import pytest

from jixiao.selection.models import RankingResult
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
    xlsx_cells,
)

pytestmark = pytest.mark.django_db

HEADERS = ["工号", "姓名", "单位", "人员类别", "总分", "组内排名", "组内人数", "结果"]


@pytest.fixture
def ranked(tmp_path, capsys):
    """市财政局 一般干部: 20 people (2 places), 000002 vetoed, 000019 and 000020 tied;
    城关镇 一般干部: 000101 … 000103; one person without a total (not exported)."""
    people, scores = [], []
    for i in range(1, 21):
        people.append([f"{i:06d}", f"财政{i}号", "市财政局", "一般干部", "科员"])
        scores.append(
            [f"{i:06d}", 100 - i + 0.125 if i < 19 else 80.5, "受警告处分影响期内" if i == 2 else ""]
        )
    for i in range(101, 104):
        people.append([f"{i:06d}", f"城关{i}号", "城关镇", "一般干部", "科员"])
        scores.append([f"{i:06d}", 70 + i - 100, ""])
    people.append(["000999", "未评分", "城关镇", "一般干部", "科员"])
    jixiao_ok(
        capsys, "import", "roster", write_xlsx(tmp_path / "r.xlsx", roster_rows(people)), "--period", "2023H1"
    )
    scores_file = write_xlsx(tmp_path / "s.xlsx", scores_rows(scores, header=["工号", "总分", "否决事由"]))
    jixiao_ok(capsys, "import", "scores", scores_file, "--period", "2023H1")
    jixiao_ok(capsys, "select", "--period", "2023H1")
    return tmp_path


EXPECTED = [
    HEADERS,
    ["000001", "财政1号", "市财政局", "一般干部", "99.13", "1", "20", "排名前10%"],
    ["000002", "财政2号", "市财政局", "一般干部", "98.13", "2", "20", "否决"],
    *[
        [f"{i:06d}", f"财政{i}号", "市财政局", "一般干部", f"{100 - i}.13", str(i), "20", "未入选"]
        for i in range(3, 19)
    ],
    ["000019", "财政19号", "市财政局", "一般干部", "80.50", "19", "20", "未入选"],
    ["000020", "财政20号", "市财政局", "一般干部", "80.50", "19", "20", "未入选"],
    ["000103", "城关103号", "城关镇", "一般干部", "73.00", "1", "3", "未入选"],
    ["000102", "城关102号", "城关镇", "一般干部", "72.00", "2", "3", "未入选"],
    ["000101", "城关101号", "城关镇", "一般干部", "71.00", "3", "3", "未入选"],
]


def test_csv_export(capsys, ranked):
    path = ranked / "排名.csv"
    run = jixiao(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert run.status == 0, run.err
    assert run.out.splitlines() == [f"已写入 23 行到 {path}。"]
    assert read_csv(path) == EXPECTED
    assert path.read_bytes().count(b"\r\n") == len(EXPECTED)
    assert len(EXPECTED) - 1 == RankingResult.objects.count()


def test_xlsx_export(capsys, ranked):
    path = ranked / "排名.xlsx"
    run = jixiao(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert run.status == 0, run.err
    rows = read_xlsx(path)
    assert rows[0] == HEADERS
    assert len(rows) == len(EXPECTED)
    # Staff IDs stay text; totals, ranks and group sizes are numbers.
    assert rows[1] == ["000001", "财政1号", "市财政局", "一般干部", 99.13, 1, 20, "排名前10%"]
    as_text = [rows[0]] + [[f"{v:.2f}" if i == 4 else str(v) for i, v in enumerate(row)] for row in rows[1:]]
    assert all(isinstance(row[i], (int, float)) for row in rows[1:] for i in (4, 5, 6))
    assert as_text == EXPECTED
    cells = xlsx_cells(path)
    assert cells[0][0].font.bold
    assert cells[1][0].number_format == "@" and cells[1][0].data_type == "s"
    assert cells[1][4].number_format == "0.00"


def test_export_with_upper_case_suffix(capsys, ranked):
    path = ranked / "RANKING.CSV"
    jixiao_ok(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert read_csv(path) == EXPECTED


@pytest.fixture
def formula_people(tmp_path, capsys):
    """Names, units and categories such as a hostile or careless file may hold."""
    people = [
        ["-0001", '=HYPERLINK("http://x","点我")', "+市财政局", "@一般干部", "科员"],
        ["000002", "+86张三", "-城关镇", "一般干部", "科员"],
        ["000003", "@李四", "市财政局", "=1+1", "科员"],
        ["000004", "王=五", "市财政局", "@一般干部", "科员"],
    ]
    # CSV: a text cell is text (openpyxl would store "=1+1" as a formula in an .xlsx).
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(people)), "--period", "2023H1"
    )
    scores = write_csv(tmp_path / "s.csv", scores_rows([[p[0], "80"] for p in people]))
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    jixiao_ok(capsys, "select", "--period", "2023H1")
    return tmp_path


ESCAPED = {
    ("'-0001", '\'=HYPERLINK("http://x","点我")', "'+市财政局", "'@一般干部"),
    ("000002", "'+86张三", "'-城关镇", "一般干部"),
    ("000003", "'@李四", "市财政局", "'=1+1"),
    ("000004", "王=五", "市财政局", "'@一般干部"),
}


def test_formulas_are_escaped_in_csv(capsys, formula_people):
    path = formula_people / "ranking.csv"
    jixiao_ok(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    rows = read_csv(path)
    assert {tuple(r[:4]) for r in rows[1:]} == ESCAPED
    assert all(r[4] == "80.00" for r in rows[1:])


def test_formulas_are_escaped_in_xlsx(capsys, formula_people):
    path = formula_people / "ranking.xlsx"
    jixiao_ok(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    cells = xlsx_cells(path)
    assert {tuple(c.value for c in row[:4]) for row in cells[1:]} == ESCAPED
    # Stored as text, never as a formula.
    assert all(c.data_type == "s" for row in cells[1:] for c in row[:4])


def test_export_before_any_ranking_is_refused(tmp_path, capsys):
    roster = write_csv(tmp_path / "r.csv", roster_rows([["000001", "张三", "市财政局", "一般干部", "科员"]]))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    path = tmp_path / "ranking.csv"
    before = table_dump()
    run = jixiao(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert run.status == 1
    assert run.err_lines == ["2023H1 还没有排名：请先运行 `jixiao select --period 2023H1`。"]
    assert not path.exists()
    assert table_dump() == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ranking.txt", "输出文件必须以 .csv 或 .xlsx 结尾：{path}"),
        ("no-such-folder/ranking.csv", "文件夹 {parent} 不存在。"),
    ],
)
def test_bad_output_paths_are_refused(capsys, ranked, name, message):
    path = ranked / name
    run = jixiao(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert run.status == 1
    assert run.err_lines == [message.format(path=path, parent=path.parent)]
    assert "Traceback" not in run.err
    assert not path.exists()


def test_a_stale_ranking_is_exported_with_a_warning(capsys, ranked):
    changed = write_csv(ranked / "s2.csv", scores_rows([["000020", "99.99"]]))
    jixiao_ok(capsys, "import", "scores", changed, "--period", "2023H1")
    path = ranked / "ranking.csv"
    run = jixiao(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert run.status == 0
    assert run.err_lines == ["注意：上次排名之后花名册或分数有变更；请运行 `jixiao select` 更新排名。"]
    # The file is the last computed ranking, as the warning says.
    assert read_csv(path) == EXPECTED


def test_export_of_an_unknown_list_is_a_usage_error(capsys, ranked):
    run = jixiao(capsys, "export", "scores", "--period", "2023H1", "-o", ranked / "x.csv")
    assert run.status == 2
    assert "Traceback" not in run.err


def test_an_output_path_that_cannot_be_written_is_refused(capsys, ranked):
    path = ranked / "ranking.csv"
    path.mkdir()
    run = jixiao(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    assert run.status == 1
    assert "Traceback" not in run.err
