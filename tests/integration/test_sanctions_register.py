"""The sanctions register: ``jixiao import sanctions FILE`` and the city office's page. A
sanction recorded once vetoes its person in every open period its influence window touches
(shown with the sanction as the reason, in the ranking, the breakdown and /me/); closed
periods keep what they showed; a bad file lists every problem and writes nothing."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model

from jixiao.assessment import actions as assessment_actions
from jixiao.assessment.models import Period, PeriodState, Sanction, SanctionType, Score
from jixiao.assessment.sanction_rules import influence_end, overlaps
from jixiao.assessment.sanctions import overlapping
from jixiao.core.audit import AuditEntry
from jixiao.imports.models import ImportKind, ImportRecord
from jixiao.org.access import Operator
from jixiao.org.models import Person, Role, RoleKind, Unit
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
from tests.web import sign_in

pytestmark = pytest.mark.django_db

PEOPLE = [
    ["300001", "周正", "市审计局", "一般干部", "科员"],
    ["300002", "吴敏", "市审计局", "一般干部", "科员"],
    ["300003", "郑华", "市审计局", "一般干部", "科员"],
    ["400001", "孙立", "东城街道", "一般干部", "科员"],
]
PERIODS = ["2023H1", "2023H2", "2024H1", "2024H2"]
HEADER = ["工号", "姓名", "类型", "决定日期", "解除日期", "事由"]
OPERATOR = Operator("cli:test")


@pytest.fixture
def city(capsys, tmp_path):
    """Four half-years with the same people scored in each."""
    roster = write_csv(tmp_path / "roster.csv", roster_rows(PEOPLE))
    scores = write_csv(tmp_path / "scores.csv", scores_rows([[p[0], 90 - i] for i, p in enumerate(PEOPLE)]))
    for code in PERIODS:
        jixiao_ok(capsys, "import", "roster", roster, "--period", code)
        jixiao_ok(capsys, "import", "scores", scores, "--period", code)
    return tmp_path


def vetoes(staff_id: str) -> dict[str, str]:
    """period code → the person's shown veto there."""
    return dict(
        Score.objects.filter(entry__person__staff_id=staff_id)
        .order_by("entry__period__start")
        .values_list("entry__period__code", "veto_text")
    )


def test_a_sanction_vetoes_its_person_in_every_period_it_touches(city, capsys):
    # xlsx with date cells, as Excel writes them.
    register = write_xlsx(
        city / "处分.xlsx",
        [
            HEADER,
            ["300001", "周正", "记过", datetime.datetime(2023, 3, 15), None, "违反工作纪律"],
            ["300002", "吴敏", "诫勉", datetime.date(2024, 9, 1), None, None],
        ],
    )
    run = jixiao_ok(capsys, "import", "sanctions", register)
    assert "2" in run.out
    assert vetoes("300001") == {
        "2023H1": "记过（2023年3月15日起，影响期至2024年3月14日）",
        "2023H2": "记过（2023年3月15日起，影响期至2024年3月14日）",
        "2024H1": "记过（2023年3月15日起，影响期至2024年3月14日）",
        "2024H2": "",
    }
    assert vetoes("300002") == {
        "2023H1": "",
        "2023H2": "",
        "2024H1": "",
        "2024H2": "诫勉（2024年9月1日起，影响期至2025年2月28日）",
    }
    assert vetoes("300003") == dict.fromkeys(PERIODS, "")
    # The catalogue reason the type names is linked, for statistics.
    score = Score.objects.get(entry__person__staff_id="300001", entry__period__code="2024H1")
    assert score.veto_reason.code == "sanction-demerit"

    # The same file again changes nothing; the import is recorded without a period.
    before = AuditEntry.objects.count()
    again = jixiao_ok(capsys, "import", "sanctions", register)
    assert "没有任何变更" in again.out
    assert Sanction.objects.count() == 2
    records = ImportRecord.objects.filter(kind=ImportKind.SANCTIONS)
    assert records.count() == 2 and all(r.period_id is None for r in records)
    assert AuditEntry.objects.count() == before + 1


def test_the_veto_is_shown_on_the_ranking_the_breakdown_and_my_results(city, capsys, client):
    register = write_csv(city / "处分.csv", [HEADER, ["300001", "周正", "警告", "2024/3/15", "", ""]])
    jixiao_ok(capsys, "import", "sanctions", register)
    jixiao_ok(capsys, "select", "--period", "2024H1")
    shown = "警告（2024年3月15日起，影响期至2024年9月14日）"

    user = get_user_model().objects.create_user("kaoheban", password="kaohe-secret-1", is_staff=True)
    Role.objects.create(user=user, kind=RoleKind.CITY_ADMIN)
    sign_in(client, "kaoheban", "kaohe-secret-1")
    unit = Unit.objects.get(name="市审计局")
    ranking = unescape(client.get(f"/periods/2024H1/units/{unit.pk}/").content.decode())
    assert shown in ranking
    breakdown = unescape(client.get("/periods/2024H1/people/300001/").content.decode())
    assert shown in breakdown
    # The staff member reads it among their own results.
    client.logout()
    staff = get_user_model().objects.create_user("300001", password="zhouzheng-secret-1")
    Role.objects.create(
        user=staff, kind=RoleKind.STAFF, person=Person.objects.get(staff_id="300001"), unit=unit
    )
    sign_in(client, "300001", "zhouzheng-secret-1")
    assert shown in unescape(client.get("/me/").content.decode())
    # 2024H2 is touched too (to 14 September); 2025 would not be.
    assert vetoes("300001")["2024H2"] == shown
    assert vetoes("300001")["2023H2"] == ""


def test_closed_periods_keep_what_they_showed_and_lifting_ends_an_investigation(city, capsys):
    assessment_actions.set_period_state(
        Period.objects.get(code="2023H2"), PeriodState.CLOSED, acting_user=OPERATOR
    )
    # The same dates written three ways, as offices type them.
    register = write_csv(
        city / "立案.csv",
        [HEADER, ["400001", "孙立", "立案审查调查", "2023年8月1日", "", "涉嫌违纪"]],
        encoding="gbk",
    )
    jixiao_ok(capsys, "import", "sanctions", register)
    open_ended = "立案审查调查（2023年8月1日起，尚未解除）"
    assert vetoes("400001") == {"2023H1": "", "2023H2": "", "2024H1": open_ended, "2024H2": open_ended}

    # The case is closed on 2024-05-31: the window ends there, 2024H2 is no longer vetoed.
    lifted = write_csv(
        city / "结案.csv", [HEADER, ["400001", "孙立", "立案审查调查", "2023-08-01", "2024/5/31", "涉嫌违纪"]]
    )
    run = jixiao_ok(capsys, "import", "sanctions", lifted)
    assert Sanction.objects.count() == 1
    assert Sanction.objects.get().influence_end == datetime.date(2024, 5, 31)
    assert vetoes("400001") == {
        "2023H1": "",
        "2023H2": "",  # closed before the register knew: unchanged
        "2024H1": "立案审查调查（2023年8月1日起，影响期至2024年5月31日）",
        "2024H2": "",
    }
    assert "2024H2" in run.out


def test_dates_as_excel_and_wps_write_them(city, capsys):
    rows = [
        HEADER,
        ["300001", "周正", "警告", "2023-03-15", None, None],
        ["300002", "吴敏", "警告", "2023/3/15", None, None],
        ["300003", "郑华", "警告", "2023年3月15日", None, None],
        ["400001", "孙立", "警告", datetime.date(2023, 3, 15), None, None],
    ]
    xls = write_xls(city / "dates.xls", rows, number_formats={3: "YYYY-MM-DD"})
    jixiao_ok(capsys, "import", "sanctions", xls)
    assert set(Sanction.objects.values_list("decided_on", flat=True)) == {datetime.date(2023, 3, 15)}
    assert Sanction.objects.count() == 4


def test_a_bad_register_lists_every_problem_and_writes_nothing(city, capsys):
    register = write_table(
        city / "bad.xlsx",
        [
            HEADER,
            ["300001", "周政", "记过", "2023-03-15", None, None],  # name does not match
            ["999999", "无名", "记过", "2023-03-15", None, None],  # nobody has this staff ID
            ["300002", "吴敏", "开除", "2023-03-15", None, None],  # no such type
            ["300003", "郑华", "警告", "2023-02-30", None, None],  # no such day
            ["400001", "孙立", "记过", "2023-03-15", "2023-01-01", None],  # lifted before decided
            ["300002", "吴敏", "警告", "2023-03-15", None, None],
            ["300002", "吴敏", "警告", "2023/3/15", None, None],  # the same sanction again
            ["300003", "郑华", "警告", "2099-01-01", None, None],  # after today
        ],
    )
    run = jixiao(capsys, "import", "sanctions", register)
    assert run.status != 0
    lines = run.err_lines
    expected = [
        ("2", "姓名", "周正"),
        ("3", "工号", "999999"),
        ("4", "类型", "开除"),
        ("5", "决定日期", "2023-02-30"),
        ("6", "解除日期", "2023-01-01"),
        ("8", "决定日期", "7"),
        ("9", "决定日期", "2099-01-01"),
    ]
    for row, column, detail in expected:
        assert any(f"{row}" in line and column in line and detail in line for line in lines), (
            row,
            column,
            lines,
        )
    assert len([line for line in lines if line.strip()]) == len(expected) + 1  # and the summary
    assert Sanction.objects.count() == 0
    assert not ImportRecord.objects.filter(kind=ImportKind.SANCTIONS).exists()


def test_changing_a_types_months_moves_its_windows(city, capsys):
    register = write_csv(city / "r.csv", [HEADER, ["300001", "周正", "警告", "2023-03-15", "", ""]])
    jixiao_ok(capsys, "import", "sanctions", register)
    assert vetoes("300001")["2023H2"] != "" and vetoes("300001")["2024H1"] == ""
    warning = SanctionType.objects.get(name="警告")
    moved = assessment_actions.set_sanction_months(warning, 12, acting_user=OPERATOR)
    assert moved == 1
    assert vetoes("300001")["2024H1"] == "警告（2023年3月15日起，影响期至2024年3月14日）"
    assert Sanction.objects.get().influence_end == datetime.date(2024, 3, 14)


def test_scores_imported_after_the_sanction_carry_its_veto(capsys, tmp_path):
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(PEOPLE)), "--period", "2024H1"
    )
    register = write_csv(tmp_path / "s.csv", [HEADER, ["300003", "郑华", "撤职", "2022-12-20", "", ""]])
    jixiao_ok(capsys, "import", "sanctions", register)
    jixiao_ok(
        capsys,
        "import",
        "scores",
        write_csv(tmp_path / "t.csv", scores_rows([["300003", 95]])),
        "--period",
        "2024H1",
    )
    assert vetoes("300003") == {"2024H1": "撤职（2022年12月20日起，影响期至2024年12月19日）"}


def test_the_query_finds_exactly_the_windows_the_rule_overlaps(db):
    """``overlapping()`` (the database's form) agrees with ``overlaps()`` (the rule's) on
    windows around every edge of a period."""
    period = assessment_actions.create_period("2024H1", acting_user=OPERATOR)
    person = Person.objects.create(staff_id="1", name="甲")
    types = {t.name: t for t in SanctionType.objects.all()}
    base = datetime.date(2023, 6, 1)
    made = []
    for step in range(0, 600, 7):
        for name in ("警告", "记过", "立案审查调查"):
            decided = base + datetime.timedelta(days=step)
            lifted = decided + datetime.timedelta(days=step % 200) if step % 3 == 0 else None
            end = influence_end(decided, types[name].influence_months, lifted)
            made.append(
                Sanction(
                    person=person,
                    sanction_type=types[name],
                    decided_on=decided,
                    lifted_on=lifted,
                    name="甲",
                    influence_end=end,
                )
            )
    Sanction.objects.bulk_create(made)
    found = set(overlapping(period).values_list("pk", flat=True))
    expected = {
        s.pk
        for s in Sanction.objects.all()
        if overlaps(s.decided_on, s.influence_end, period.start, period.end)
    }
    assert found == expected and 0 < len(found) < len(made)


def test_the_city_office_imports_the_register_in_the_browser(city, client):
    user = get_user_model().objects.create_user("kaoheban", password="kaohe-secret-1", is_staff=True)
    Role.objects.create(user=user, kind=RoleKind.CITY_ADMIN)
    sign_in(client, "kaoheban", "kaohe-secret-1")
    register = write_xlsx(
        city / "处分登记.xlsx", [HEADER, ["300001", "周正", "记大过", "2023-10-08", None, "失职"]]
    )
    with register.open("rb") as handle:
        preview = client.post("/sanctions/", {"file": handle})
    page = unescape(preview.content.decode())
    assert preview.status_code == 200
    assert "处分登记.xlsx" in page and "2023H2" in page and "2024H1" in page
    assert Sanction.objects.count() == 0
    applied = client.post("/sanctions/", {"apply": "1"}, follow=True)
    page = re.sub(r"\s+", " ", unescape(applied.content.decode()))
    assert Sanction.objects.count() == 1
    assert "周正" in page and "2025-04-07" in page  # the window's end, in the register
    assert vetoes("300001")["2024H2"] == "记大过（2023年10月8日起，影响期至2025年4月7日）"

    # A bad file: the problems on the page, nothing written.
    bad = write_xlsx(city / "bad.xlsx", [HEADER, ["300001", "周正", "通报", "2023-10-08", None, None]])
    with bad.open("rb") as handle:
        refused = unescape(client.post("/sanctions/", {"file": handle}).content.decode())
    assert "通报" in refused and "类型" in refused
    assert Sanction.objects.count() == 1


def test_only_the_city_office_sees_the_register(city, client):
    unit = Unit.objects.get(name="市审计局")
    user = get_user_model().objects.create_user("danwei", password="danwei-secret-1")
    Role.objects.create(user=user, kind=RoleKind.ASSESSOR, unit=unit)
    sign_in(client, "danwei", "danwei-secret-1")
    assert client.get("/sanctions/").status_code in (403, 404)
    register = write_csv(city / "r.csv", [HEADER, ["300001", "周正", "警告", "2023-03-15", "", ""]])
    with register.open("rb") as handle:
        assert client.post("/sanctions/", {"file": handle}).status_code in (403, 404)
    assert Sanction.objects.count() == 0


def test_a_sanction_of_a_decided_candidate_flags_the_list(tmp_path, capsys):
    """The unit's list was decided before the register knew: the new veto does not change it
    silently, the list is flagged for a new decision at once."""
    from jixiao.selection import actions as selection_actions
    from tests.workflow_city import UNIT_A, approve_all, build_city, person_name, staff_id

    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    proposal = approve_all(selection_actions.submit(city.period, unit, acting_user=OPERATOR))
    first = staff_id(UNIT_A, 1)
    register = write_csv(
        tmp_path / "r.csv", [HEADER, [first, person_name(UNIT_A, 1), "记过", "2025-02-10", "", ""]]
    )
    run = jixiao_ok(capsys, "import", "sanctions", register)
    proposal.refresh_from_db()
    assert proposal.flagged_at is not None
    assert UNIT_A.name in run.out
    assert vetoes(first) == {"2025H1": "记过（2025年2月10日起，影响期至2026年2月9日）"}
