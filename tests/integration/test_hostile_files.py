"""Files made to cost a server its CPU, memory or database are refused or read within
bounds: a declared sheet of 16,384 × 1,048,576 cells, a zip bomb, a file too large, too
many columns, rows or problems, and control characters (a NUL reaches PostgreSQL as a
traceback otherwise). Every refusal names the user's own file, exits 1 and writes nothing."""

import io
import zipfile

import openpyxl
import pytest

from jixiao.assessment.models import RosterEntry
from jixiao.imports import limits
from jixiao.imports.problems import ImportRefused
from jixiao.imports.readers import bounded
from jixiao.org.models import RoleKind
from tests.files import (
    jixiao,
    jixiao_ok,
    roster_rows,
    table_dump,
    write_csv,
    write_shared_strings_xlsx,
    write_xlsx,
)
from tests.workflow_city import UNIT_A, build_city, make_user, staff_id

pytestmark = pytest.mark.django_db

PEOPLE = [
    ["000123", "张三", "市财政局", "一般干部", "科员"],
    ["000124", "李四", "市财政局", "中层干部", "科长"],
]
SHEET = "xl/worksheets/sheet1.xml"


def rewritten(path, rewrite) -> bytes:
    """The workbook at ``path`` with its first sheet's XML passed through ``rewrite``."""
    source = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, rewrite(data) if item.filename == SHEET else data)
    return out.getvalue()


def refused(capsys, *args) -> str:
    before = table_dump(with_import_records=True)
    run = jixiao(capsys, "import", *args)
    assert run.status == 1, (run.out, run.err)
    assert "Traceback" not in run.err + run.out
    assert table_dump(with_import_records=True) == before
    return run.err


def test_a_sheet_declaring_every_cell_of_excel_is_read_as_the_cells_it_has(tmp_path, capsys):
    plain = write_xlsx(tmp_path / "plain.xlsx", roster_rows(PEOPLE))
    dimension = openpyxl.load_workbook(plain, read_only=True).worksheets[0].calculate_dimension()
    # The whole sheet declared, and one real cell in Excel's last row and column: before
    # the bounds the reader padded every row to 16,384 cells (about an hour of CPU).
    huge = rewritten(
        plain,
        lambda xml: xml.replace(
            f'<dimension ref="{dimension}"/>'.encode(), b'<dimension ref="A1:XFD1048576"/>'
        ).replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        ),
    )
    assert b"A1:XFD1048576" in zipfile.ZipFile(io.BytesIO(huge)).read(SHEET)
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(huge)
    run = jixiao_ok(capsys, "import", "roster", path, "--period", "2023H1")
    assert "Traceback" not in run.err
    assert sorted(RosterEntry.objects.values_list("person__staff_id", flat=True)) == ["000123", "000124"]


def test_a_zip_bomb_is_refused_by_its_directory_before_anything_is_unpacked(tmp_path, capsys):
    plain = write_xlsx(tmp_path / "plain.xlsx", roster_rows(PEOPLE))
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != SHEET:
                target.writestr(item.filename, data)
                continue
            # The sheet as it was, with 270 MB of blanks (valid XML) before its end tag.
            head, end = data.rsplit(b"</worksheet>", 1)
            with target.open(item.filename, "w", force_zip64=True) as part:
                part.write(head)
                blank = b" " * limits.MB
                for _ in range(limits.MAX_UNPACKED_BYTES // limits.MB + 14):
                    part.write(blank)
                part.write(b"</worksheet>" + end)
    assert len(bomb.getvalue()) < limits.MAX_UNPACKED_BYTES // 100
    path = tmp_path / "压缩炸弹.xlsx"
    path.write_bytes(bomb.getvalue())
    err = refused(capsys, "roster", path, "--period", "2023H1")
    assert "压缩炸弹.xlsx" in err and "解压后" in err and "256" in err


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path, capsys):
    path = tmp_path / "全市花名册.csv"
    with path.open("wb") as sparse:  # 200 MB on paper, nothing on disk
        sparse.truncate(200 * limits.MB)
    err = refused(capsys, "roster", path, "--period", "2023H1")
    assert "全市花名册.csv" in err and "200" in err and "128" in err


def test_a_value_beyond_the_last_column_is_refused_with_its_row(tmp_path, capsys):
    wide = [*roster_rows(PEOPLE)]
    wide[2] = [*wide[2], *[""] * (limits.MAX_COLUMNS), "多余"]
    path = write_csv(tmp_path / "宽表.csv", wide)
    err = refused(capsys, "roster", path, "--period", "2023H1")
    assert "第3行" in err and str(limits.MAX_COLUMNS) in err


def test_more_rows_than_a_spreadsheet_holds_are_refused():
    rows = iter([(1, ["工号"]), (2, ["1"]), (limits.MAX_ROWS + 1, ["2"])])
    reader = bounded(rows)
    assert [number for number, _values in (next(reader), next(reader))] == [1, 2]
    with pytest.raises(ImportRefused) as refusal:
        next(reader)
    assert "1,048,576" in str(refusal.value)


def test_reading_stops_after_the_problem_limit(tmp_path, capsys):
    bad = roster_rows([[f"bad id {i}", "", "市财政局", "一般干部", "科员"] for i in range(5000)])
    err = refused(capsys, "roster", write_csv(tmp_path / "错表.csv", bad), "--period", "2023H1")
    assert err.count("第") == limits.MAX_PROBLEMS
    stopped = err.index(f"读取在 {limits.MAX_PROBLEMS} 个问题后停止")
    assert stopped > err.rindex("第") > 0  # after the problems it lists


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_control_character_in_a_text_cell_is_refused_naming_the_row(tmp_path, capsys, character):
    people = [PEOPLE[0], ["000124", f"李{character}四", "市财政局", "中层干部", "科长"]]
    path = write_csv(tmp_path / "花名册.csv", roster_rows(people))
    err = refused(capsys, "roster", path, "--period", "2023H1")
    assert "第3行“姓名”列" in err and f"U+{ord(character):04X}" in err
    assert "花名册.csv" in err


def test_a_nul_written_by_excel_as_an_escape_is_refused_too(tmp_path, capsys):
    # Excel writes a control character in a cell as _x0000_; the reader gives it back as NUL.
    people = [PEOPLE[0], ["000124", "李_x0000_四", "市财政局", "中层干部", "科长"]]
    path = write_shared_strings_xlsx(tmp_path / "花名册.xlsx", roster_rows(people))
    err = refused(capsys, "roster", path, "--period", "2023H1")
    assert "第3行“姓名”列" in err and "U+0000" in err
    clean = write_shared_strings_xlsx(tmp_path / "正常.xlsx", roster_rows(PEOPLE))
    jixiao_ok(capsys, "import", "roster", clean, "--period", "2023H1")
    assert sorted(RosterEntry.objects.values_list("name", flat=True)) == ["张三", "李四"]


def test_the_import_page_names_the_uploaded_file_and_refuses_control_characters(tmp_path, capsys, client):
    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    url = f"/periods/{city.period.code}/units/{unit.pk}/import/"
    fake = tmp_path / "三季度成绩.xlsx"
    fake.write_bytes(b"not a workbook at all")
    with fake.open("rb") as upload:
        page = client.post(url, {"kind": "scores", "file": upload}, follow=True).content.decode()
    assert "三季度成绩.xlsx" in page and "Excel" in page
    scores = write_csv(
        tmp_path / "成绩.csv", [["工号", "总分", "否决事由"], [staff_id(UNIT_A, 3), "90", "违\x00纪"]]
    )
    with scores.open("rb") as upload:
        page = client.post(url, {"kind": "scores", "file": upload}, follow=True).content.decode()
    assert "成绩.csv" in page and "U+0000" in page and "第2行" in page


def test_a_nul_is_refused_by_the_dry_run_already(tmp_path, capsys):
    """A NUL in a name passed the dry run, then the import gave a psycopg traceback on
    PostgreSQL."""
    people = [PEOPLE[0], ["000124", "李\x00四", "市财政局", "中层干部", "科长"]]
    path = write_csv(tmp_path / "花名册.csv", roster_rows(people))
    dry = jixiao(capsys, "import", "roster", path, "--period", "2023H1", "--dry-run")
    assert dry.status == 1 and "Traceback" not in dry.err
    assert "第3行“姓名”列" in dry.err and "U+0000" in dry.err


def test_an_upload_past_the_limit_stops_being_stored_and_the_page_names_it(
    tmp_path, capsys, client, settings
):
    """The bounded upload handler drops the file at the limit while it arrives (no disk
    filled by a huge upload); the page names the file and nothing is imported."""
    settings.JIXIAO_MAX_UPLOAD_BYTES = 256 * 1024
    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    url = f"/periods/{city.period.code}/units/{unit.pk}/import/"
    rows = [["工号", "总分", "否决事由"]] + [[staff_id(UNIT_A, 3), "90", "x" * 100]] * 5000
    big = write_csv(tmp_path / "全年成绩.csv", rows)
    assert big.stat().st_size > 2 * settings.JIXIAO_MAX_UPLOAD_BYTES
    before = table_dump(with_import_records=True)
    with big.open("rb") as upload:
        response = client.post(url, {"kind": "scores", "file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "全年成绩.csv 超过 0.25 MB，未上传。" in page, page
    assert table_dump(with_import_records=True) == before
