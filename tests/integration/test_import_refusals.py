"""A file with any bad row is refused whole: every problem listed as
"第N行“列名”列：原因" (the row number Excel shows), a non-zero exit, no traceback,
nothing written."""

import zipfile

import pytest

from tests.files import (
    jixiao,
    jixiao_ok,
    roster_rows,
    row_counts,
    scores_rows,
    table_dump,
    write_csv,
    write_xls,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

PEOPLE = [
    ["000123", "张三", "市财政局", "一般干部", "科员"],
    ["000124", "李四", "市财政局", "中层干部", "科长"],
    ["000125", "王五", "城关镇", "一般干部", "科员"],
]


@pytest.fixture
def period_with_roster(tmp_path, capsys):
    """2023H1 with three people on its roster and one of them scored."""
    run = jixiao(
        capsys,
        "import",
        "roster",
        write_csv(tmp_path / "base-roster.csv", roster_rows(PEOPLE)),
        "--period",
        "2023H1",
    )
    assert run.status == 0, run.err
    run = jixiao(
        capsys,
        "import",
        "scores",
        write_csv(tmp_path / "base-scores.csv", scores_rows([["000123", "80"]])),
        "--period",
        "2023H1",
    )
    assert run.status == 0, run.err
    return "2023H1"


def refused(capsys, *args) -> list[str]:
    """Run an import that must be refused; return its stderr lines after checking that
    it exits non-zero, shows no traceback and leaves every table as it was."""
    before = table_dump(with_import_records=True)
    run = jixiao(capsys, "import", *args)
    assert run.status == 1, (run.out, run.err)
    assert "Traceback" not in run.err + run.out
    assert table_dump(with_import_records=True) == before
    return run.err_lines


def test_every_bad_score_row_is_listed(tmp_path, capsys, period_with_roster):
    path = write_csv(
        tmp_path / "成绩.csv",
        scores_rows(
            [
                ["000124", "abc"],  # row 2
                ["000999", "90"],  # row 3: not on the roster
                ["000125", ""],  # row 4: empty total
                ["000124", "88"],  # row 5: duplicate of row 2
                ["", "70"],  # row 6: empty staff ID
                ["000123", "-5"],  # row 7
                ["000126", "100000"],  # row 8: two problems
            ]
        ),
        encoding="gbk",
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第2行“总分”列：abc 不是数字",
        "第3行“工号”列：工号 000999 不在 2023H1 花名册中",
        "第4行“总分”列：不能为空",
        "第5行“工号”列：工号 000124 重复（首次出现在第2行）",
        "第6行“工号”列：不能为空",
        "第7行“总分”列：-5 为负数",
        "第8行“工号”列：工号 000126 不在 2023H1 花名册中",
        "第8行“总分”列：100000 过大",
        "成绩.csv 未导入：共 8 个问题，未写入任何数据。",
    ]


def test_one_bad_row_refuses_all_the_good_ones(tmp_path, capsys, period_with_roster):
    path = write_xlsx(
        tmp_path / "scores.xlsx",
        scores_rows([["000123", 99], ["000124", 88], ["000125", "八十"]]),
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第4行“总分”列：八十 不是数字",
        "scores.xlsx 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_score_name_must_match_the_roster(tmp_path, capsys, period_with_roster):
    path = write_csv(
        tmp_path / "scores.csv",
        scores_rows([["000123", "90", "张三"], ["000124", "91", "李斯"]], header=["工号", "总分", "姓名"]),
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第3行“姓名”列：李斯与花名册不符，花名册中该工号为李四",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_staff_ids_must_be_on_this_periods_roster(tmp_path, capsys, period_with_roster):
    other = write_csv(
        tmp_path / "roster-h2.csv", roster_rows([["000500", "郑十", "市财政局", "一般干部", "科员"]])
    )
    jixiao_ok(capsys, "import", "roster", other, "--period", "2023H2")
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000500", "90"], ["000123", "90"]]))
    assert refused(capsys, "scores", path, "--period", "2023H2") == [
        "第3行“工号”列：工号 000123 不在 2023H2 花名册中",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_row_numbers_follow_a_title_row_and_blank_rows(tmp_path, capsys, period_with_roster):
    """Title in row 1, header in row 2, data from row 3; a blank row keeps its number."""
    path = write_xlsx(
        tmp_path / "scores.xlsx",
        scores_rows([["000123", 90], [None, None], ["000124", "x"], ["000125", None]]),
        title="2023年上半年考核成绩",
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第5行“总分”列：x 不是数字",
        "第6行“总分”列：不能为空",
        "scores.xlsx 未导入：共 2 个问题，未写入任何数据。",
    ]


def test_xls_row_numbers(tmp_path, capsys, period_with_roster):
    path = write_xls(
        tmp_path / "scores.xls",
        scores_rows([[123, 90], [124, "九十"], [999, 80]]),
        number_formats={0: "000000"},
        title="考核成绩",
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第4行“总分”列：九十 不是数字",
        "第5行“工号”列：工号 000999 不在 2023H1 花名册中",
        "scores.xls 未导入：共 2 个问题，未写入任何数据。",
    ]


def test_csv_rows_are_records_as_excel_shows_them(tmp_path, capsys, period_with_roster):
    """A quoted cell with a line break is one Excel row: the next record is row 3."""
    path = write_csv(
        tmp_path / "roster.csv",
        roster_rows(
            [
                ["000126", "赵六", "市财政局", "一般干部", "科员\n兼出纳"],
                ["000127", "", "市财政局", "一般干部", "科员"],
            ]
        ),
    )
    assert refused(capsys, "roster", path, "--period", "2023H1") == [
        "第3行“姓名”列：不能为空",
        "roster.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_every_bad_roster_row_is_listed(tmp_path, capsys, period_with_roster):
    path = write_xlsx(
        tmp_path / "花名册.xlsx",
        roster_rows(
            [
                # row 2: fine, and names a new unit and category (not created: the file is refused)
                ["000200", "赵六", "东城街道", "编外聘用", "网格员", "男"],
                ["000200", "钱七", "市财政局", "一般干部", "科员", "女"],  # row 3: duplicate
                ["12 34", "孙八", "", "一般干部", "科员", ""],  # row 4: bad ID, no unit
                ["000201", "周" * 51, "城关镇", None, "科员", "未知"],  # row 5
            ],
            header=["工号", "姓名", "单位", "人员类别", "职务", "性别"],
        ),
    )
    assert refused(capsys, "roster", path, "--period", "2023H1") == [
        "第3行“工号”列：工号 000200 重复（首次出现在第2行）",
        "第4行“工号”列：12 34 不是有效的工号（只能含字母、数字、- 和 _，最多 32 位）",
        "第4行“单位”列：不能为空",
        "第5行“姓名”列：超过 50 个字",
        "第5行“人员类别”列：不能为空",
        "第5行“性别”列：未知 不是有效性别（应为“男”或“女”）",
        "花名册.xlsx 未导入：共 6 个问题，未写入任何数据。",
    ]


def test_problems_name_the_column_as_the_file_writes_it(tmp_path, capsys, period_with_roster):
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000123", "n/a"]], header=["Staff ID", "Total"]))
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第2行“Total”列：n/a 不是数字",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_duplicates_differing_only_in_full_width_digits(tmp_path, capsys, period_with_roster):
    path = write_csv(
        tmp_path / "scores.csv", scores_rows([["000123", "90"], ["０００１２３", "91"]]), encoding="gbk"
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第3行“工号”列：工号 000123 重复（首次出现在第2行）",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_a_vetoed_person_still_needs_a_total(tmp_path, capsys, period_with_roster):
    path = write_csv(
        tmp_path / "scores.csv",
        scores_rows([["000124", "", "受警告处分影响期内"]], header=["工号", "总分", "否决事由"]),
    )
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "第2行“总分”列：不能为空",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["工号", "姓名"], ["第1行：缺少必需的列“总分”。"]),
        (["工号", "总分", "得分"], ["第1行：表头中“总分”列出现了两次。"]),
        (
            ["编号", "分数"],
            ["找不到表头：前 20 行中没有“工号”列。应有的列：工号、总分、否决事由、姓名。"],
        ),
    ],
    ids=["missing-column", "column-twice", "no-header"],
)
def test_header_problems(tmp_path, capsys, period_with_roster, header, expected):
    path = write_csv(tmp_path / "scores.csv", [header, ["000123", "90", "90"][: len(header)]])
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        *expected,
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_roster_missing_required_columns(tmp_path, capsys, period_with_roster):
    path = write_xlsx(tmp_path / "roster.xlsx", [["工号", "姓名", "职务"], ["000300", "吴九", "科员"]])
    assert refused(capsys, "roster", path, "--period", "2023H1") == [
        "第1行：缺少必需的列“单位”。",
        "第1行：缺少必需的列“人员类别”。",
        "roster.xlsx 未导入：共 2 个问题，未写入任何数据。",
    ]


def test_header_without_rows(tmp_path, capsys, period_with_roster):
    path = write_xlsx(tmp_path / "scores.xlsx", [["工号", "总分"], [None, None]])
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "文件只有表头，没有数据行。",
        "scores.xlsx 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_missing_file(tmp_path, capsys, period_with_roster):
    path = tmp_path / "没有这个文件.xlsx"
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        f"找不到文件：{path}",
        "没有这个文件.xlsx 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_a_folder_is_not_a_file(tmp_path, capsys, period_with_roster):
    assert refused(capsys, "scores", tmp_path, "--period", "2023H1") == [
        f"不是文件：{tmp_path}",
        f"{tmp_path.name} 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_a_csv_named_xlsx(tmp_path, capsys, period_with_roster):
    path = write_csv(tmp_path / "scores.xlsx", scores_rows([["000123", "90"]]))
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "scores.xlsx的扩展名是 Excel 工作簿，但内容不是：请用 Excel 或 WPS 重新保存。",
        "scores.xlsx 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_a_damaged_workbook(tmp_path, capsys, period_with_roster):
    good = write_xlsx(tmp_path / "good.xlsx", scores_rows([["000123", 90]])).read_bytes()
    path = tmp_path / "scores.xlsx"
    path.write_bytes(good[: len(good) // 2])
    lines = refused(capsys, "scores", path, "--period", "2023H1")
    assert lines[0].startswith("无法读取该工作簿（")
    assert lines[1:] == ["scores.xlsx 未导入：共 1 个问题，未写入任何数据。"]


def test_unsupported_file_type(tmp_path, capsys, period_with_roster):
    path = tmp_path / "scores.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "不支持 .pdf 文件：请使用 .xlsx、.xls 或 .csv。",
        "scores.pdf 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_unrecognised_text_encoding(tmp_path, capsys, period_with_roster):
    path = tmp_path / "scores.csv"
    path.write_bytes("工号,总分\n".encode("gbk") + b"\xff\xfe\xff,90\n")
    assert refused(capsys, "scores", path, "--period", "2023H1") == [
        "无法识别文件的文字编码：请另存为 UTF-8 或 GBK 编码。",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_bad_period_code(tmp_path, capsys, period_with_roster):
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000123", "90"]]))
    assert refused(capsys, "scores", path, "--period", "2023H3") == [
        "考核期代码 2023H3 格式不对，应为 2023H1 或 2023H2 这样的形式。",
    ]


def test_bad_arguments_exit_with_usage_and_no_traceback(tmp_path, capsys, period_with_roster):
    before = row_counts()
    run = jixiao(capsys, "import", "scores", tmp_path / "x.csv")
    assert run.status == 2
    assert "--period" in run.err
    assert "Traceback" not in run.err
    run = jixiao(capsys, "import", "grades", tmp_path / "x.csv", "--period", "2023H1")
    assert run.status == 2
    assert "Traceback" not in run.err
    assert row_counts() == before


def test_dry_run_of_a_bad_file_is_refused_the_same_way(tmp_path, capsys, period_with_roster):
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000123", "abc"]]))
    assert refused(capsys, "scores", path, "--period", "2023H1", "--dry-run") == [
        "第2行“总分”列：abc 不是数字",
        "scores.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


# A period named in a command is created only if the command's writes are kept.


def test_refused_import_for_a_new_period_writes_nothing(tmp_path, capsys, period_with_roster):
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000123", "abc"]]))
    before = table_dump(with_import_records=True)
    run = jixiao(capsys, "import", "scores", path, "--period", "2024H1")
    assert run.status == 1
    assert table_dump(with_import_records=True) == before


def test_dry_run_for_a_new_period_writes_nothing(tmp_path, capsys):
    path = write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE))
    before = table_dump(with_import_records=True)
    run = jixiao(capsys, "import", "roster", path, "--period", "2024H1", "--dry-run")
    assert run.status == 0, run.err
    assert table_dump(with_import_records=True) == before


# Bad input of every odd kind still ends in a refusal with its rows listed, never a traceback.


def refused_cleanly(capsys, *args) -> list[str]:
    before = table_dump(with_import_records=True)
    run = jixiao(capsys, "import", *args)
    assert run.status == 1
    assert "Traceback" not in run.err
    assert table_dump(with_import_records=True) == before
    return run.err_lines


def test_a_path_through_a_file_is_refused(tmp_path, capsys, period_with_roster):
    path = tmp_path / "base-scores.csv" / "scores.csv"
    lines = refused_cleanly(capsys, "scores", path, "--period", "2023H1")
    assert lines[-1] == "scores.csv 未导入：共 1 个问题，未写入任何数据。"


def test_a_workbook_with_a_damaged_sheet_is_refused(tmp_path, capsys, period_with_roster):
    good = write_xlsx(tmp_path / "good.xlsx", scores_rows([["000123", 90]]))
    path = tmp_path / "scores.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as damaged:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            damaged.writestr(item, data)
    lines = refused_cleanly(capsys, "scores", path, "--period", "2023H1")
    assert lines[0].startswith("无法读取该工作簿（")


@pytest.mark.parametrize("total", ["1e30", "9" * 29])
def test_an_absurdly_large_total_is_too_large(tmp_path, capsys, period_with_roster, total):
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000123", total], ["000124", "abc"]]))
    assert refused_cleanly(capsys, "scores", path, "--period", "2023H1") == [
        f"第2行“总分”列：{total} 过大",
        "第3行“总分”列：abc 不是数字",
        "scores.csv 未导入：共 2 个问题，未写入任何数据。",
    ]


def test_a_csv_with_an_oversized_cell_is_refused(tmp_path, capsys, period_with_roster):
    path = write_csv(tmp_path / "scores.csv", scores_rows([["000123", "9" * 200_000]]))
    lines = refused_cleanly(capsys, "scores", path, "--period", "2023H1")
    assert lines[-1] == "scores.csv 未导入：共 1 个问题，未写入任何数据。"


def test_staff_ids_that_lost_their_leading_zeros_are_named_as_such(tmp_path, capsys, period_with_roster):
    """A roster or totals file saved from a spreadsheet that made the staff IDs numbers
    (000123 → 123) is refused, and the problem says so, instead of adding people 123, 124."""
    before = table_dump()
    eaten = [["123", "张三", "市财政局", "一般干部", "科员"], ["124", "李四", "市财政局", "中层干部", "科长"]]
    run = jixiao(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(eaten)), "--period", "2023H2"
    )
    assert run.status == 1
    assert "第2行“工号”列：工号 123 即工号 000123 去掉了前导零" in run.err
    assert "第3行“工号”列：工号 124 即工号 000124 去掉了前导零" in run.err
    scores = write_csv(tmp_path / "s.csv", scores_rows([["123", "88"]]))
    run = jixiao(capsys, "import", "scores", scores, "--period", "2023H1")
    assert run.status == 1
    assert "第2行“工号”列：工号 123 不在 2023H1 的花名册上，但 000123 在" in run.err
    assert table_dump() == before
