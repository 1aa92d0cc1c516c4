"""Re-importing the same file changes nothing: every table is as it was, the ranking stays
current, and the command says so. Each import is still recorded."""

import pytest

from jixiao.assessment.models import Period, Score
from jixiao.imports.models import ImportRecord
from jixiao.org.models import Person
from jixiao.selection.ranking import ranking_is_current
from tests.files import (
    jixiao,
    jixiao_ok,
    roster_rows,
    scores_rows,
    table_dump,
    write_csv,
    write_table,
    write_xls,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

NOTHING_CHANGED = "  数据库与文件一致，没有任何变更。"

PEOPLE = [
    [f"{i:06d}", name, unit, category, post, gender]
    for i, (name, unit, category, post, gender) in enumerate(
        [
            ("张三", "市财政局", "一般干部", "科员", "男"),
            ("李四", "市财政局", "一般干部", "一级科员", "女"),
            ("王五", "市财政局", "中层干部", "科长", "男"),
            ("赵六", "城关镇", "一般干部", "", "女"),
            ("钱七", "城关镇", "编外聘用", "网格员", ""),
            ("孙八", "东城街道", "一般干部", "科员", "男"),
        ],
        start=1,
    )
]
ROSTER_HEADER = ["工号", "姓名", "单位", "人员类别", "职务", "性别"]
SCORES = [
    ["000001", 91.255, ""],
    ["000002", 88, "受记过处分影响期内"],
    ["000003", 79.5, ""],
    ["000004", 100, "另有原因"],
    ["000005", 60.125, ""],
    ["000006", 85, ""],
]
SCORES_HEADER = ["工号", "总分", "否决事由"]


@pytest.mark.parametrize(
    ("suffix", "options"),
    [
        (".xlsx", {"title": "2023年上半年花名册"}),
        (".xls", {"number_formats": {}}),
        (".csv", {"encoding": "gbk"}),
    ],
    ids=["xlsx", "xls", "csv-gbk"],
)
def test_importing_the_same_files_twice_changes_nothing(tmp_path, capsys, suffix, options):
    roster = write_table(tmp_path / f"roster{suffix}", roster_rows(PEOPLE, header=ROSTER_HEADER), **options)
    scores = write_table(tmp_path / f"scores{suffix}", scores_rows(SCORES, header=SCORES_HEADER), **options)
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    jixiao_ok(capsys, "select", "--period", "2023H1")
    assert ranking_is_current(Period.objects.get(code="2023H1"))
    before = table_dump()
    records_before = ImportRecord.objects.count()

    run = jixiao(capsys, "import", "roster", roster, "--period", "2023H1")
    assert run.status == 0, run.err
    assert run.err == ""
    assert run.out.splitlines() == [
        f"已导入 roster{suffix} 到 2023H1：共 6 行。",
        "  人员：新增 0，变更 0",
        "  花名册：新增 0，变更 0，未变 6",
        NOTHING_CHANGED,
    ]
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert run.out.splitlines() == [
        f"已导入 scores{suffix} 到 2023H1：共 6 行。",
        "  分数：新增 0，变更 0，未变 6；其中否决 2 人",
        "  有 2 个总分超过两位小数，已四舍五入保留两位",
        NOTHING_CHANGED,
    ]

    assert table_dump() == before
    # The ranking computed before the re-import is still the current one.
    assert ranking_is_current(Period.objects.get(code="2023H1"))
    new_records = list(ImportRecord.objects.order_by("id")[records_before:])
    assert [(r.kind, r.changed, r.rows) for r in new_records] == [("roster", 0, 6), ("scores", 0, 6)]


def test_the_same_data_in_another_format_changes_nothing(tmp_path, capsys):
    roster_xlsx = write_xlsx(tmp_path / "roster.xlsx", roster_rows(PEOPLE, header=ROSTER_HEADER))
    scores_xlsx = write_xlsx(tmp_path / "scores.xlsx", scores_rows(SCORES, header=SCORES_HEADER))
    jixiao_ok(capsys, "import", "roster", roster_xlsx, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores_xlsx, "--period", "2023H1")
    before = table_dump()

    as_text = [[str(v) for v in row] for row in SCORES]
    for path in (
        write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE, header=ROSTER_HEADER), encoding="utf-8-sig"),
        write_xls(tmp_path / "roster.xls", roster_rows(PEOPLE, header=ROSTER_HEADER)),
    ):
        run = jixiao(capsys, "import", "roster", path, "--period", "2023H1")
        assert run.status == 0, run.err
        assert NOTHING_CHANGED in run.out.splitlines()
    for path in (
        write_csv(tmp_path / "scores.csv", scores_rows(as_text, header=SCORES_HEADER), encoding="gbk"),
        write_xls(tmp_path / "scores.xls", scores_rows(SCORES, header=SCORES_HEADER)),
    ):
        run = jixiao(capsys, "import", "scores", path, "--period", "2023H1")
        assert run.status == 0, run.err
        assert NOTHING_CHANGED in run.out.splitlines()
    assert table_dump() == before


def test_a_roster_without_gender_keeps_the_known_gender(tmp_path, capsys):
    full = write_csv(tmp_path / "full.csv", roster_rows(PEOPLE, header=ROSTER_HEADER))
    jixiao_ok(capsys, "import", "roster", full, "--period", "2023H1")
    before = table_dump()
    without_gender = write_csv(tmp_path / "no-gender.csv", roster_rows([p[:5] for p in PEOPLE]))
    run = jixiao(capsys, "import", "roster", without_gender, "--period", "2023H1")
    assert run.status == 0, run.err
    assert NOTHING_CHANGED in run.out.splitlines()
    assert table_dump() == before
    assert Person.objects.get(staff_id="000002").gender == "F"


def test_scores_without_a_veto_column_keep_vetoes_and_an_empty_veto_cell_lifts_one(tmp_path, capsys):
    roster = write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE, header=ROSTER_HEADER))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s1.xlsx", scores_rows(SCORES, header=SCORES_HEADER)),
        "--period",
        "2023H1",
    )
    before = table_dump()

    # Same totals, no 否决事由 column: the vetoes stay.
    totals_only = write_xlsx(tmp_path / "s2.xlsx", scores_rows([row[:2] for row in SCORES]))
    run = jixiao(capsys, "import", "scores", totals_only, "--period", "2023H1")
    assert run.status == 0, run.err
    assert NOTHING_CHANGED in run.out.splitlines()
    assert table_dump() == before

    # The column present and empty for 000002: the veto is lifted.
    lifted = [list(row) for row in SCORES]
    lifted[1][2] = ""
    run = jixiao(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s3.xlsx", scores_rows(lifted, header=SCORES_HEADER)),
        "--period",
        "2023H1",
    )
    assert run.status == 0, run.err
    assert "  分数：新增 0，变更 1，未变 5；其中否决 1 人" in run.out.splitlines()
    score = Score.objects.get(entry__person__staff_id="000002")
    assert (score.veto_text, score.veto_reason) == ("", None)


def test_a_changed_score_marks_the_ranking_out_of_date(tmp_path, capsys):
    roster = write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE, header=ROSTER_HEADER))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s.xlsx", scores_rows(SCORES, header=SCORES_HEADER)),
        "--period",
        "2023H1",
    )
    jixiao_ok(capsys, "select", "--period", "2023H1")
    assert ranking_is_current(Period.objects.get(code="2023H1"))

    changed = [list(row) for row in SCORES]
    changed[0][1] = 91.26  # was 91.255 → 91.26 after rounding: the same stored value
    run = jixiao(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s2.xlsx", scores_rows(changed, header=SCORES_HEADER)),
        "--period",
        "2023H1",
    )
    assert NOTHING_CHANGED in run.out.splitlines()
    assert ranking_is_current(Period.objects.get(code="2023H1"))

    changed[0][1] = 91.27
    run = jixiao(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s3.xlsx", scores_rows(changed, header=SCORES_HEADER)),
        "--period",
        "2023H1",
    )
    assert "  分数：新增 0，变更 1，未变 5；其中否决 2 人" in run.out.splitlines()
    assert not ranking_is_current(Period.objects.get(code="2023H1"))


def test_import_record_counts_rows_that_changed_something(tmp_path, capsys):
    first = write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE, header=ROSTER_HEADER))
    jixiao_ok(capsys, "import", "roster", first, "--period", "2023H1")
    moved = [list(PEOPLE[0]), *PEOPLE[1:]]
    moved[0][2] = "市审计局"  # the first person moves; the others stay as they were
    second = write_csv(tmp_path / "roster2.csv", roster_rows(moved, header=ROSTER_HEADER))
    jixiao_ok(capsys, "import", "roster", second, "--period", "2023H1")
    assert list(ImportRecord.objects.order_by("id").values_list("rows", "changed")) == [
        (len(PEOPLE), len(PEOPLE)),
        (len(PEOPLE), 1),
    ]
