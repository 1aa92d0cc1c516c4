"""Exported lists print as offices print them: opened in LibreOffice (as in Excel and WPS),
every page shows every column, the header row, the list's title and 第x页，共y页; the sheet
is named in Chinese, from the command line as from the pages."""

import re

import openpyxl
import pytest

from tests.files import jixiao_ok, roster_rows, scores_rows, write_csv
from tests.office import as_printed, needs_libreoffice

pytestmark = pytest.mark.django_db

UNITS = ("市发展和改革委员会", "城关镇人民政府")


@pytest.fixture
def long_list(tmp_path, capsys):
    """300 people of two units ranked: a ranking of several printed pages."""
    people, scores = [], []
    for number in range(1, 301):
        staff = f"{number:06d}"
        people.append([staff, f"人员{number:03d}", UNITS[number % 2], "一般干部", "四级主任科员"])
        scores.append([staff, f"{60 + number % 40}.5"])
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(people)), "--period", "2023H1"
    )
    jixiao_ok(
        capsys, "import", "scores", write_csv(tmp_path / "s.csv", scores_rows(scores)), "--period", "2023H1"
    )
    jixiao_ok(capsys, "select", "--period", "2023H1")
    return tmp_path


def test_an_exported_sheet_is_set_up_to_print_and_named_in_chinese(capsys, long_list):
    path = long_list / "排名.xlsx"
    jixiao_ok(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["2023H1同类人员排名"]
    sheet = workbook.active
    # A4, one page wide (1 is the file format's default, left out), as many pages down as needed.
    assert sheet.page_setup.paperSize == 9 and (sheet.page_setup.fitToWidth or 1) == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert "2023H1同类人员排名" in sheet.oddHeader.center.text and "&P" in sheet.oddFooter.center.text


@needs_libreoffice
def test_every_printed_page_has_every_column_the_header_and_its_number(capsys, long_list):
    path = long_list / "排名.xlsx"
    jixiao_ok(capsys, "export", "ranking", "--period", "2023H1", "-o", path)
    pages = as_printed(path, long_list)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        flat = "".join(page.split())
        assert "2023H1同类人员排名" in flat
        # The header row with its last column: all eight columns on every page.
        assert re.search(r"工号\s+姓名\s+单位\s+人员类别\s+总分\s+组内排名\s+组内人数\s+结果", page), number
        assert f"第{number}页，共{len(pages)}页" in flat
    printed = "".join("".join(page.split()) for page in pages)
    assert all(f"人员{n:03d}" in printed for n in range(1, 301))
