"""``jixiao nominate``: a special nomination (突出贡献) is refused with a clear message for
every rule it would break, and nothing is written when it is."""

import pytest

from jixiao.selection.models import NominationState, SpecialNomination
from tests.files import jixiao, jixiao_ok, roster_rows, scores_rows, table_dump, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

REASON = "在防汛抗旱工作中连续奋战一线，组织转移群众三百余人，表现突出。"
assert len(REASON) >= 20


def finance_people():
    """市财政局: 50 一般干部 with distinct totals 99, 98, … 50 (10 % → 5 places), and one
    more person on the roster who has no total: headcount 51 → cap floor(2 % × 51) = 1."""
    return [[f"F{i:04d}", f"财政{i}号", "市财政局", "一般干部", "科员"] for i in range(1, 52)]


def town_people():
    """城关镇: 10 people (1 place), cap floor(2 % × 10) = 0."""
    return [[f"C{i:04d}", f"城关{i}号", "城关镇", "一般干部", "科员"] for i in range(1, 11)]


@pytest.fixture
def ranked(tmp_path, capsys):
    roster = write_xlsx(tmp_path / "roster.xlsx", roster_rows(finance_people() + town_people()))
    scores = [[f"F{i:04d}", 100 - i, "受警告处分影响期内" if i == 2 else ""] for i in range(1, 51)]
    scores += [[f"C{i:04d}", 90 - i, ""] for i in range(1, 11)]
    scores_file = write_csv(tmp_path / "scores.csv", scores_rows(scores, header=["工号", "总分", "否决事由"]))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores_file, "--period", "2023H1")
    run = jixiao(capsys, "select", "--period", "2023H1")
    assert run.status == 0, run.err
    return "2023H1"


def nominate(capsys, staff_id, reason=REASON, *extra):
    return jixiao(
        capsys, "nominate", "--period", "2023H1", "--staff-id", staff_id, "--reason", reason, *extra
    )


def refused(capsys, staff_id, reason=REASON, *extra) -> str:
    before = table_dump()
    run = nominate(capsys, staff_id, reason, *extra)
    assert run.status == 1, (run.out, run.err)
    assert "Traceback" not in run.err
    assert run.out == ""
    assert table_dump() == before
    assert len(run.err_lines) == 1, run.err
    return run.err_lines[0]


def test_a_person_outside_the_top_share_is_nominated(capsys, ranked):
    run = nominate(capsys, "F0006", "  " + REASON + "  ", "--actor", "人事科")
    assert run.status == 0, run.err
    assert run.out.splitlines() == ["已推荐市财政局财政6号（F0006）为 2023H1 突出贡献人选。"]
    nomination = SpecialNomination.objects.get()
    assert (nomination.person.staff_id, nomination.unit.name, nomination.reason, nomination.nominated_by) == (
        "F0006",
        "市财政局",
        REASON,
        "人事科",
    )
    assert nomination.state == NominationState.PROPOSED
    # The summary counts it against the unit's cap.
    run = jixiao(capsys, "select", "--period", "2023H1")
    finance = next(line.split() for line in run.out.splitlines() if line.startswith("市财政局"))
    assert finance == ["市财政局", "51", "50", "1", "4", "1", "1"]


def test_the_reason_needs_twenty_characters(capsys, ranked):
    assert refused(capsys, "F0006", "表现突出") == "推荐理由至少需要 20 个字（现有 4 个字）。"
    # Surrounding spaces do not count; exactly 20 characters is enough.
    assert refused(capsys, "F0006", "   " + "突" * 19 + "   ") == "推荐理由至少需要 20 个字（现有 19 个字）。"
    run = nominate(capsys, "F0006", "突" * 20)
    assert run.status == 0, run.err


def test_eligible_by_rank_is_refused(capsys, ranked):
    assert refused(capsys, "F0001") == (
        "财政1号已在排名前列（组内第 1 名 / 共 50 人，在 5 个名额内）；突出贡献推荐仅适用于排名前列以外的人员。"
    )
    assert refused(capsys, "C0001").startswith("城关1号已在排名前列（组内第 1 名 / 共 10 人，在 1 个名额内）")


def test_vetoed_is_refused(capsys, ranked):
    assert refused(capsys, "F0002") == "财政2号已被否决（受警告处分影响期内），不能推荐。"


def test_not_on_the_roster_is_refused(capsys, ranked):
    assert refused(capsys, "X9999") == "工号 X9999 不在 2023H1 花名册中。"


def test_not_on_the_units_roster_is_refused(capsys, ranked):
    assert refused(capsys, "F0010", REASON, "--unit", "城关镇") == "工号 F0010 不在城关镇的 2023H1 花名册中。"
    assert refused(capsys, "F0010", REASON, "--unit", "不存在局") == "没有名为不存在局的单位。"
    run = nominate(capsys, "F0010", REASON, "--unit", "市财政局")
    assert run.status == 0, run.err


def test_not_assessed_is_refused(capsys, ranked):
    assert refused(capsys, "F0051") == "财政51号在 2023H1 没有考核总分，不能推荐。"


def test_out_of_date_ranking_is_refused(tmp_path, capsys, ranked):
    changed = write_csv(tmp_path / "more.csv", scores_rows([["F0050", "99.5"]]))
    jixiao_ok(capsys, "import", "scores", changed, "--period", "2023H1")
    assert refused(capsys, "F0006") == (
        "2023H1 尚未排名，或排名早于最近一次花名册或分数变更：请先运行 `jixiao select --period 2023H1`。"
    )
    jixiao_ok(capsys, "select", "--period", "2023H1")
    assert nominate(capsys, "F0006").status == 0


def test_no_ranking_yet_is_refused(tmp_path, capsys):
    roster = write_csv(tmp_path / "roster.csv", roster_rows(finance_people()))
    scores = write_csv(
        tmp_path / "scores.csv", scores_rows([[f"F{i:04d}", str(100 - i)] for i in range(1, 51)])
    )
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1")
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    assert refused(capsys, "F0030") == (
        "2023H1 尚未排名，或排名早于最近一次花名册或分数变更：请先运行 `jixiao select --period 2023H1`。"
    )


def test_already_nominated_is_refused(capsys, ranked):
    assert nominate(capsys, "F0006").status == 0
    assert refused(capsys, "F0006") == "财政6号已被推荐为 2023H1 突出贡献人选。"


def test_the_units_cap_is_two_percent_of_its_headcount_rounded_down(capsys, ranked):
    assert nominate(capsys, "F0006").status == 0
    assert refused(capsys, "F0007") == "市财政局的突出贡献推荐名额已满：已用 1 / 上限 1（51 人的 2%）。"
    assert refused(capsys, "C0005") == "城关镇的突出贡献推荐名额已满：已用 0 / 上限 0（10 人的 2%）。"
    assert SpecialNomination.objects.count() == 1


def test_a_staff_id_with_spaces_is_found(capsys, ranked):
    run = nominate(capsys, " F0006 ")
    assert run.status == 0, run.err
    assert SpecialNomination.objects.get().person.staff_id == "F0006"


def test_select_warns_when_a_nominee_becomes_eligible_by_rank(tmp_path, capsys, ranked):
    assert nominate(capsys, "F0006").status == 0
    better = write_csv(tmp_path / "better.csv", scores_rows([["F0006", "99.5"]]))
    jixiao_ok(capsys, "import", "scores", better, "--period", "2023H1")
    run = jixiao(capsys, "select", "--period", "2023H1")
    assert run.status == 0, run.err
    assert run.err_lines == [
        "注意：市财政局财政6号（F0006）已被推荐为突出贡献人选，但按当前排名已在排名前列或已被否决。"
    ]
    # The nomination stays as it was until the unit withdraws it.
    assert SpecialNomination.objects.get().state == NominationState.PROPOSED
