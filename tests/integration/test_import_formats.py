"""``jixiao import roster|scores`` reads real .xlsx, .xls and .csv files as offices save
them: UTF-8, UTF-8 with BOM and GBK text, Chinese or English headers, a title row above
the header, staff IDs that keep their leading zeros."""

import codecs
import hashlib
from decimal import Decimal

import pytest

from jixiao.assessment.models import Period, RosterEntry, Score
from jixiao.imports.models import ImportRecord
from jixiao.org.models import Category, Person, Unit, UnitKind
from tests.files import (
    jixiao,
    jixiao_ok,
    roster_rows,
    scores_rows,
    write_csv,
    write_table,
    write_xls,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

PEOPLE = [
    ["000123", "张三", "市财政局", "一般干部", "科员"],
    ["000124", "李四", "市财政局", "中层干部", "科长"],
    ["A-0007", "欧阳明月", "城关镇", "一般干部", "四级主任科员"],
    ["010000", "王五", "城关镇", "一般干部", ""],
]
SCORES = [["000123", "89.345"], ["000124", "90"], ["A-0007", "70.005"], ["010000", "85.5"]]
EXPECTED_TOTALS = {
    "000123": Decimal("89.35"),
    "000124": Decimal("90.00"),
    "A-0007": Decimal("70.01"),
    "010000": Decimal("85.50"),
}

# (file name, how to write it): every format and text encoding the issue names.
FORMATS = [
    ("roster.xlsx", {}),
    ("roster.xls", {}),
    ("roster.csv", {"encoding": "utf-8"}),
    ("roster.csv", {"encoding": "utf-8-sig"}),
    ("roster.csv", {"encoding": "gbk"}),
]
FORMAT_IDS = ["xlsx", "xls", "csv-utf8", "csv-utf8-bom", "csv-gbk"]


def roster_state(period_code="2023H1"):
    return sorted(
        RosterEntry.objects.filter(period__code=period_code).values_list(
            "person__staff_id", "name", "unit__name", "category__name", "post"
        )
    )


def scores_state(period_code="2023H1"):
    return dict(
        Score.objects.filter(entry__period__code=period_code).values_list("entry__person__staff_id", "total")
    )


@pytest.mark.parametrize(("name", "options"), FORMATS, ids=FORMAT_IDS)
def test_roster_and_scores_in_every_format(tmp_path, capsys, name, options):
    roster = write_table(tmp_path / name, roster_rows(PEOPLE), **options)
    scores_name = name.replace("roster", "scores")
    scores = write_table(tmp_path / scores_name, scores_rows(SCORES), **options)

    run = jixiao(capsys, "import", "roster", roster, "--period", "2023H1")
    assert run.status == 0, run.err
    assert run.err_lines == ["考核期 2023H1 不存在，已按默认规则创建。"]
    assert run.out.splitlines() == [
        f"已导入 {name} 到 2023H1：共 4 行。",
        "  人员：新增 4，变更 0",
        "  花名册：新增 4，变更 0，未变 0",
        "  新建单位（2 个）：市财政局、城关镇",
        "  新建人员类别（2 个）：一般干部、中层干部",
    ]
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)

    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert run.err == ""
    assert run.out.splitlines() == [
        f"已导入 {scores_name} 到 2023H1：共 4 行。",
        "  分数：新增 4，变更 0，未变 0；其中否决 0 人",
        "  有 2 个总分超过两位小数，已四舍五入保留两位",
    ]
    assert scores_state() == EXPECTED_TOTALS


def test_import_record_says_who_when_which_file_and_rows(tmp_path, capsys):
    roster = write_xlsx(tmp_path / "花名册.xlsx", roster_rows(PEOPLE))
    scores = write_csv(tmp_path / "成绩.csv", scores_rows(SCORES), encoding="gbk")
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1", "--actor", "人事科小王")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")

    records = list(ImportRecord.objects.order_by("id"))
    assert [(r.kind, r.period.code, r.file_name, r.rows, r.changed) for r in records] == [
        ("roster", "2023H1", "花名册.xlsx", 4, 4),  # rows that changed something
        ("scores", "2023H1", "成绩.csv", 4, 4),
    ]
    assert records[0].file_sha256 == hashlib.sha256(roster.read_bytes()).hexdigest()
    assert records[1].file_sha256 == hashlib.sha256(scores.read_bytes()).hexdigest()
    assert records[0].actor == "人事科小王"
    assert records[1].actor.startswith("cli:")
    assert all(r.imported_at is not None for r in records)
    assert records[0].summary["new_units"] == ["市财政局", "城关镇"]
    assert records[0].summary["new_categories"] == ["一般干部", "中层干部"]


def test_xlsx_with_a_title_row_above_the_header(tmp_path, capsys):
    roster = write_xlsx(tmp_path / "roster.xlsx", roster_rows(PEOPLE), title="2023年上半年绩效考核花名册")
    scores = write_xlsx(tmp_path / "scores.xlsx", scores_rows(SCORES), title="2023年上半年考核成绩汇总表")
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)
    assert scores_state() == EXPECTED_TOTALS


def test_xlsx_staff_ids_as_numbers_formatted_000000_keep_their_zeros(tmp_path, capsys):
    """Excel users type 000123 into a cell formatted 000000: the cell holds the number 123
    and shows 000123; the staff ID is what the user sees."""
    people = [[123, "张三", "市财政局", "一般干部", "科员"], [10000, "王五", "城关镇", "一般干部", "科员"]]
    roster = write_xlsx(tmp_path / "roster.xlsx", roster_rows(people), number_formats={0: "000000"})
    scores = write_xlsx(
        tmp_path / "scores.xlsx", scores_rows([[123, 88.5], [10000, 77]]), number_formats={0: "000000"}
    )
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert sorted(Person.objects.values_list("staff_id", flat=True)) == ["000123", "010000"]
    assert scores_state() == {"000123": Decimal("88.50"), "010000": Decimal("77.00")}


def test_xls_with_numbers(tmp_path, capsys):
    """An Excel 97–2003 file: staff IDs as numbers formatted 000000 and as text, totals as
    numbers with more than two decimals."""
    people = [[123, "张三", "市财政局", "一般干部", "科员"], ["A-0007", "李四", "城关镇", "一般干部", "科员"]]
    roster = write_xls(tmp_path / "roster.xls", roster_rows(people), number_formats={0: "000000"})
    scores = write_xls(
        tmp_path / "scores.xls",
        scores_rows([[123, 89.345], ["A-0007", 60]]),
        number_formats={0: "000000"},
        title="2023年上半年考核成绩",
    )
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert "  有 1 个总分超过两位小数，已四舍五入保留两位" in run.out.splitlines()
    assert scores_state() == {"000123": Decimal("89.35"), "A-0007": Decimal("60.00")}


def test_plain_number_staff_ids_become_their_digits(tmp_path, capsys):
    """A General-format number cell is the digits the user sees: no ``.0``."""
    people = [[123, "张三", "市财政局", "一般干部", "科员"], [4567.0, "李四", "市财政局", "一般干部", "科员"]]
    roster = write_xlsx(tmp_path / "roster.xlsx", roster_rows(people))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    assert sorted(Person.objects.values_list("staff_id", flat=True)) == ["123", "4567"]


def test_text_staff_ids_keep_their_zeros_in_every_format(tmp_path, capsys):
    people = [
        ["000001", "张三", "市财政局", "一般干部", "科员"],
        ["0000000", "李四", "市财政局", "一般干部", "科员"],
    ]
    for index, (name, options) in enumerate(FORMATS):
        path = write_table(tmp_path / f"{index}-{name}", roster_rows(people), **options)
        jixiao_ok(capsys, "import", "roster", path, "--period", "2023H1")
    assert sorted(Person.objects.values_list("staff_id", flat=True)) == ["0000000", "000001"]
    assert Person.objects.count() == 2


def test_english_header_aliases(tmp_path, capsys):
    roster = write_csv(
        tmp_path / "roster.csv",
        roster_rows(
            [p + [g] for p, g in zip(PEOPLE, ["男", "女", "F", "male"], strict=True)],
            header=["Staff ID", "Name", "Unit", "Category", "Post", "Gender"],
        ),
    )
    scores = write_csv(
        tmp_path / "scores.csv",
        scores_rows(
            [["000123", "89.345", "", "张三"], ["000124", "90", "受警告处分影响期内", "李四"]],
            header=["staff_id", "Score", "Veto reason", "name"],
        ),
    )
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)
    assert dict(Person.objects.values_list("staff_id", "gender")) == {
        "000123": "M",
        "000124": "F",
        "A-0007": "F",
        "010000": "M",
    }
    vetoed = Score.objects.get(entry__person__staff_id="000124")
    assert vetoed.veto_text == "受警告处分影响期内"
    assert vetoed.veto_reason.code == "sanction-warning"


def test_headers_with_required_marks_full_width_forms_and_spaces(tmp_path, capsys):
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        roster_rows(PEOPLE, header=["工号*", " 姓 名 ", "单位：", "人员类别＊", "职务"]),
    )
    run = jixiao(capsys, "import", "roster", roster, "--period", "2023H1")
    assert run.status == 0, run.err
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)


def test_semicolon_and_tab_separated_csv(tmp_path, capsys):
    roster = write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE), delimiter=";", encoding="gbk")
    scores = write_csv(tmp_path / "scores.txt", scores_rows(SCORES), delimiter="\t")
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)
    assert scores_state() == EXPECTED_TOTALS


def test_excel_unicode_text_utf16_tab_separated(tmp_path, capsys):
    """Excel's "Unicode 文本" save: UTF-16 LE with BOM, tab-separated."""
    from tests.files import csv_text

    path = tmp_path / "roster.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + csv_text(roster_rows(PEOPLE), delimiter="\t").encode("utf-16-le"))
    run = jixiao(capsys, "import", "roster", path, "--period", "2023H1")
    assert run.status == 0, run.err
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)


def test_the_first_sheet_with_a_header_is_read(tmp_path, capsys):
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        roster_rows(PEOPLE),
        sheets_before={"填表说明": [["请按模板填写"], ["工号为文本，保留前导零"]]},
        sheet_title="花名册",
    )
    run = jixiao(capsys, "import", "roster", roster, "--period", "2023H1")
    assert run.status == 0, run.err
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)


def test_full_width_digits_and_spaces_are_normalised(tmp_path, capsys):
    people = [["０００１２３", "　张三　", "市财政局 ", "一般干部", "科员"]]
    roster = write_csv(tmp_path / "roster.csv", roster_rows(people), encoding="gbk")
    scores = write_csv(tmp_path / "scores.csv", scores_rows([["000123", "８９．５"]]), encoding="gbk")
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    assert roster_state() == [("000123", "张三", "市财政局", "一般干部", "科员")]
    assert scores_state() == {"000123": Decimal("89.50")}


def test_totals_are_rounded_half_up_to_two_decimals(tmp_path, capsys):
    people = [[f"{i:06d}", f"人员{i}", "市财政局", "一般干部", "科员"] for i in range(1, 9)]
    raw = ["0.005", "0.015", "2.675", "89.344999", "89.345", "99.995", "1,234.5", "100"]
    expected = ["0.01", "0.02", "2.68", "89.34", "89.35", "100.00", "1234.50", "100.00"]
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(people)), "--period", "2023H1"
    )
    scores = write_csv(tmp_path / "s.csv", scores_rows([[p[0], t] for p, t in zip(people, raw, strict=True)]))
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert "  有 6 个总分超过两位小数，已四舍五入保留两位" in run.out.splitlines()
    assert scores_state() == {p[0]: Decimal(t) for p, t in zip(people, expected, strict=True)}


def test_xlsx_float_totals_are_rounded_as_shown_not_as_binary(tmp_path, capsys):
    """2.675 as a binary float is 2.67499999…; the user typed and sees 2.675 → 2.68."""
    people = [["000001", "甲", "市财政局", "一般干部", ""], ["000002", "乙", "市财政局", "一般干部", ""]]
    jixiao_ok(
        capsys, "import", "roster", write_xlsx(tmp_path / "r.xlsx", roster_rows(people)), "--period", "2023H1"
    )
    scores = write_xlsx(tmp_path / "s.xlsx", scores_rows([["000001", 2.675], ["000002", 1.005]]))
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    assert scores_state() == {"000001": Decimal("2.68"), "000002": Decimal("1.01")}


def test_roster_creates_only_the_units_and_categories_that_are_new(tmp_path, capsys):
    first = write_csv(tmp_path / "a.csv", roster_rows(PEOPLE[:2]))
    jixiao_ok(capsys, "import", "roster", first, "--period", "2023H1")
    assert list(Unit.objects.values_list("name", flat=True)) == ["市财政局"]

    second = write_csv(
        tmp_path / "b.csv",
        roster_rows(
            [
                *PEOPLE,
                ["C0001", "赵六", "东城街道", "编外聘用", "网格员"],
                ["C0002", "钱七", "市人民医院", "中层干部", "科室主任"],
            ]
        ),
    )
    run = jixiao(capsys, "import", "roster", second, "--period", "2023H1")
    assert run.status == 0, run.err
    lines = run.out.splitlines()
    assert "  新建单位（3 个）：城关镇、东城街道、市人民医院" in lines
    assert "  新建人员类别（1 个）：编外聘用" in lines
    assert "  人员：新增 4，变更 0" in lines
    assert "  花名册：新增 4，变更 0，未变 2" in lines
    assert list(Unit.objects.values_list("name", "kind")) == [
        ("市财政局", UnitKind.BUREAU),
        ("城关镇", UnitKind.TOWN),
        ("东城街道", UnitKind.SUBDISTRICT),
        ("市人民医院", UnitKind.HOSPITAL),
    ]
    assert list(Category.objects.values_list("name", flat=True)) == ["一般干部", "中层干部", "编外聘用"]


def test_a_roster_change_moves_a_person_within_the_period_as_a_transfer(tmp_path, capsys):
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "a.csv", roster_rows(PEOPLE)), "--period", "2023H1"
    )
    moved = [list(p) for p in PEOPLE]
    moved[0] = ["000123", "张三", "城关镇", "中层干部", "副镇长"]
    run = jixiao(
        capsys, "import", "roster", write_csv(tmp_path / "b.csv", roster_rows(moved)), "--period", "2023H1"
    )
    assert run.status == 0, run.err
    assert "  人员：新增 0，变更 0" in run.out.splitlines()
    assert "  花名册：新增 0，变更 1，未变 3" in run.out.splitlines()
    assert "  调动（1 人，仅本考核期）：张三（000123）市财政局 → 城关镇" in run.out.splitlines()
    assert roster_state() == sorted(tuple(p) for p in moved)


def test_a_known_staff_id_with_another_name_is_refused_and_names_no_unit(tmp_path, capsys):
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "a.csv", roster_rows(PEOPLE)), "--period", "2023H1"
    )
    other = [["000124", "赵新人", "城关镇", "一般干部", "科员"]]
    run = jixiao(
        capsys, "import", "roster", write_csv(tmp_path / "b.csv", roster_rows(other)), "--period", "2024H1"
    )
    assert run.status == 1
    problem = run.err_lines[1]
    assert problem.startswith("第2行“姓名”列") and "000124" in problem
    assert "jixiao rename" in problem
    # Neither the other person's name nor their unit is told.
    assert "李四" not in run.err and "市财政局" not in run.err
    assert not Period.objects.filter(code="2024H1").exists()
    assert roster_state() == sorted(tuple(p) for p in PEOPLE)


def test_the_same_person_in_two_periods(tmp_path, capsys):
    roster = write_csv(tmp_path / "a.csv", roster_rows(PEOPLE))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    run = jixiao(capsys, "import", "roster", roster, "--period", "2023h2")
    assert run.status == 0, run.err
    assert run.err_lines == ["考核期 2023H2 不存在，已按默认规则创建。"]
    assert "  人员：新增 0，变更 0" in run.out.splitlines()
    assert "  花名册：新增 4，变更 0，未变 0" in run.out.splitlines()
    assert Person.objects.count() == 4
    assert RosterEntry.objects.count() == 8
    period = Period.objects.get(code="2023H2")
    assert (str(period.start), str(period.end)) == ("2023-07-01", "2023-12-31")


def test_unknown_columns_are_named_as_ignored(tmp_path, capsys):
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        roster_rows(
            [p + ["党员"] for p in PEOPLE], header=["工号", "姓名", "单位", "人员类别", "职务", "政治面貌"]
        ),
    )
    run = jixiao(capsys, "import", "roster", roster, "--period", "2023H1")
    assert run.status == 0, run.err
    assert "  未使用的列：政治面貌" in run.out.splitlines()


def test_veto_reason_vetoes_and_links_to_the_catalogue(tmp_path, capsys):
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(PEOPLE)), "--period", "2023H1"
    )
    scores = write_xlsx(
        tmp_path / "s.xlsx",
        scores_rows(
            [
                ["000123", 95, "受警告处分影响期内"],
                ["000124", 90, "病假超过三个月"],
                ["A-0007", 80, ""],
                ["010000", 70, None],
            ],
            header=["工号", "总分", "否决事由"],
        ),
    )
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 0, run.err
    assert "  分数：新增 4，变更 0，未变 0；其中否决 2 人" in run.out.splitlines()
    vetoes = {
        s.entry.person.staff_id: (s.veto_text, s.veto_reason and s.veto_reason.code)
        for s in Score.objects.select_related("entry__person", "veto_reason")
    }
    assert vetoes == {
        "000123": ("受警告处分影响期内", "sanction-warning"),
        "000124": ("病假超过三个月", None),
        "A-0007": ("", None),
        "010000": ("", None),
    }


def test_dry_run_checks_and_writes_nothing(tmp_path, capsys):
    from tests.files import table_dump

    jixiao_ok(
        capsys,
        "import",
        "roster",
        write_csv(tmp_path / "r.csv", roster_rows(PEOPLE[:2])),
        "--period",
        "2023H1",
    )
    before = table_dump(with_import_records=True)
    run = jixiao(
        capsys,
        "import",
        "roster",
        write_xlsx(tmp_path / "r2.xlsx", roster_rows(PEOPLE)),
        "--period",
        "2023H1",
        "--dry-run",
    )
    assert run.status == 0, run.err
    assert run.out.splitlines() == [
        "已检查 r2.xlsx：未发现问题；未写入任何数据。",
        "  人员：新增 2，变更 0",
        "  花名册：新增 2，变更 0，未变 2",
        "  新建单位（1 个）：城关镇",
    ]
    run = jixiao(
        capsys,
        "import",
        "scores",
        write_csv(tmp_path / "s.csv", scores_rows(SCORES[:2])),
        "--period",
        "2023H1",
        "--dry-run",
    )
    assert run.status == 0, run.err
    assert run.out.splitlines()[0] == "已检查 s.csv：未发现问题；未写入任何数据。"
    assert table_dump(with_import_records=True) == before
