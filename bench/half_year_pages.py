"""Benchmark: a whole new half-year run through the pages on the demo city, step by step,
as the city office, one unit's office and committee, and a staff member click through it.

    uv run python bench/half_year_pages.py [--people 8000] [--smoke]

Builds the demo city (8,000 people by default, 2023H1 done) on SQLite in a temporary folder,
then runs 2024H1 through the real views (Django's test client: the whole middleware stack,
the server's time, no network), with background work done within the request (a server
without a worker; with one, a long step answers after 3 s with its progress page instead):

    create the period → its empty board → check and apply the city's roster (everyone of
    2023H1 again) → open every staff account → check and apply the city's totals → the
    unit's ranking button → its pages → a nomination → the submission → the committee's
    decision → the notice → an objection and its resolution → publication → a staff
    member's first login with the one-time password, their own password, their results.

Each step is timed once (it changes the state), including the page it leads to, and printed
with its ratio to the bare baseline of the same run: the sign-in page (median of 5), which
renders a template and touches the session but reads nothing. Exits 1 if a step does not
end on a page that answers 200 or does not do what it should.
"""

import argparse
import re
import sys
import time
from pathlib import Path

from demo_city import build_demo_city, median_ms

NEW_PERIOD = "2024H1"
PASSWORD = "Bench-wode-mima-2024"


def write_xlsx(path: Path, header: list[str], rows) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    workbook.close()
    return path


class Steps:
    """Times each step (a request and the redirects it leads through) and checks its page."""

    def __init__(self, baseline_ms: float):
        self.baseline, self.failures = baseline_ms, []
        print(f"{'who':<14}{'step':<46}{'ms':>9}{'× bare':>9}")
        print(f"{'':<14}{'bare: the sign-in page':<46}{baseline_ms:>9.1f}")

    def run(self, who: str, label: str, request, *, expect: str | None = None):
        start = time.perf_counter()
        response = request()
        ms = (time.perf_counter() - start) * 1000
        body = response.content.decode() if response.status_code == 200 else ""
        ok = response.status_code == 200 and (expect is None or expect in body)
        if not ok:
            self.failures.append(f"{who}: {label}: {response.status_code}, {expect!r} not on the page")
        print(f"{who:<14}{label:<46}{ms:>9.1f}{ms / self.baseline:>8.1f}×{'' if ok else '  FAILED'}")
        return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--smoke", action="store_true", help="a small city: that every step runs")
    options = parser.parse_args()
    if options.smoke:
        options.people = 1500
    import os

    os.environ["JIXIAO_EXPORTS_IN_BACKGROUND"] = "0"
    folder = Path(build_demo_city(options.people, "half-year"))

    from django.contrib.auth import get_user_model
    from django.test import Client

    from jixiao.assessment.models import Period, RosterEntry, Score
    from jixiao.org.models import Role, RoleKind, Unit
    from jixiao.selection.models import Candidate, Objection, Outcome, Proposal, RankingResult

    users = {
        name: get_user_model().objects.get(username=name) for name in ("kaoheban", "renshike", "dangwei")
    }
    unit = Role.objects.get(user=users["renshike"], kind=RoleKind.ASSESSOR).unit
    last = Period.objects.get(code="2023H1")
    entries = RosterEntry.objects.filter(period=last).order_by("unit__sort_order", "person__staff_id")
    roster = write_xlsx(
        folder / "2024年上半年花名册.xlsx",
        ["工号", "姓名", "单位", "人员类别", "职务", "性别"],
        (
            (
                e.person.staff_id,
                e.name,
                e.unit.name,
                e.category.name,
                e.post,
                {"M": "男", "F": "女"}.get(e.gender, ""),
            )
            for e in entries.select_related("person", "unit", "category")
        ),
    )
    totals = write_xlsx(
        folder / "2024年上半年总分.xlsx",
        ["工号", "总分", "否决事由"],
        (
            (staff_id, float(total), veto)
            for staff_id, total, veto in Score.objects.filter(entry__period=last).values_list(
                "entry__person__staff_id", "total", "veto_text"
            )
        ),
    )
    people = entries.count()
    print(f"input: {people:,} people, {Unit.objects.count()} units; the unit: {unit.name}\n")

    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    office, assessor, secretary = clients["kaoheban"], clients["renshike"], clients["dangwei"]
    steps = Steps(median_ms(lambda: Client().get("/accounts/login/"), 5))
    code, u = NEW_PERIOD, unit.pk
    unit_url = f"/periods/{code}/units/{u}/"

    def upload(client, url, kind, path):
        with path.open("rb") as handle:
            return client.post(url, {"kind": kind, "file": handle}, follow=True)

    steps.run(
        "city office", "create the period", lambda: office.post("/periods/", {"code": code}, follow=True)
    )
    steps.run(
        "city office",
        "the empty board (what to do next)",
        lambda: office.get(f"/periods/{code}/"),
        expect="first-steps",
    )
    city_import = f"/periods/{code}/import/"
    steps.run(
        "city office",
        f"check the roster ({people:,} rows): preview",
        lambda: upload(office, city_import, "roster", roster),
        expect="preview",
    )
    steps.run(
        "city office",
        "apply the roster → board",
        lambda: office.post(city_import, {"apply": "1"}, follow=True),
    )
    steps.run("city office", "staff accounts page", lambda: office.get(f"/periods/{code}/accounts/"))
    sheet = steps.run(
        "city office",
        f"open {people:,} accounts → password sheet",
        lambda: office.post(f"/periods/{code}/accounts/", {"do": "open"}, follow=True),
        expect="slip",
    )
    steps.run(
        "city office",
        "check the totals: preview",
        lambda: upload(office, city_import, "scores", totals),
        expect="preview",
    )
    steps.run(
        "city office",
        "apply the totals → board",
        lambda: office.post(city_import, {"apply": "1"}, follow=True),
    )

    steps.run(
        "assessor",
        "ranking button → unit page",
        lambda: assessor.post(unit_url + "ranking/run/", follow=True),
    )
    steps.run("assessor", "roster and scores", lambda: assessor.get(unit_url + "roster/"))
    steps.run("assessor", "candidates", lambda: assessor.get(unit_url + "candidates/"))
    nominee = (
        RankingResult.objects.filter(period__code=code, unit=unit, outcome=Outcome.NOT_SELECTED)
        .order_by("rank")
        .values_list("person__staff_id", flat=True)
        .first()
    )
    deeds = "在重点项目攻坚中牵头完成三项改革任务，成效显著，得到上级通报表扬，群众满意度明显提升。"
    if nominee:
        steps.run(
            "assessor",
            "nominate for an outstanding contribution",
            lambda: assessor.post(
                unit_url + "candidates/", {"person": nominee, "reason": deeds}, follow=True
            ),
        )
    steps.run(
        "assessor",
        "submit to the committee",
        lambda: assessor.post(unit_url + "candidates/submit/", follow=True),
    )

    steps.run(
        "secretary",
        "decision page, all approved",
        lambda: secretary.get(unit_url + "decision/?preset=approve"),
    )
    proposal = Proposal.objects.get(period__code=code, unit=unit)
    decision = {f"verdict-{c.pk}": "approved" for c in proposal.candidates.all()}
    decision.update(
        kind="party_committee", date="2024-07-03", minutes_number="2024-15", members="9", present="8"
    )
    steps.run(
        "secretary",
        "record the decision",
        lambda: secretary.post(unit_url + "decision/", decision, follow=True),
    )

    notice = {
        "open_notice": "1",
        "start": "2024-07-08",
        "issuing_body": f"中共{unit.name}委员会",
        "issued_on": "2024-07-05",
        "receiving_body": f"{unit.name}人事科",
        "phone": "0571-87000000",
    }
    steps.run(
        "assessor", "issue the notice", lambda: assessor.post(unit_url + "publicity/", notice, follow=True)
    )
    candidate = Candidate.objects.filter(proposal=proposal).first()
    objection = {
        "objection": "1",
        "candidate": candidate.pk,
        "objector": "王建国",
        "objector_phone": "13800001111",
        "received_at": "2024-07-09T10:30",
        "content": "反映该同志上半年一次窗口服务态度生硬，请核实。",
    }
    steps.run(
        "assessor",
        "record an objection",
        lambda: assessor.post(unit_url + "publicity/", objection, follow=True),
    )
    raised = Objection.objects.get(candidate=candidate)
    steps.run(
        "assessor",
        "resolve it (dismissed)",
        lambda: assessor.post(
            f"{unit_url}publicity/objections/{raised.pk}/resolve/",
            {"resolution": "dismissed", "reason": "经核实，反映情况不属实。"},
            follow=True,
        ),
    )
    steps.run(
        "city office",
        "publish the unit's exemplars",
        lambda: office.post(unit_url + "publicity/publish/", follow=True),
    )

    staff_id = (
        RosterEntry.objects.filter(period__code=code, unit=unit)
        .values_list("person__staff_id", flat=True)
        .first()
    )
    one_time = re.search(rf"（{staff_id}）</span>.*?<dd class=\"mono password\">(\w+)</dd>", sheet, re.S)
    staff = Client()
    if one_time is None:
        steps.failures.append(f"no one-time password for {staff_id} on the sheet")
    else:
        steps.run(
            "staff member",
            "first login → the password page",
            lambda: staff.post(
                "/accounts/login/", {"username": staff_id, "password": one_time.group(1)}, follow=True
            ),
            expect="old_password",
        )
        change = {"old_password": one_time.group(1), "new_password1": PASSWORD, "new_password2": PASSWORD}
        steps.run(
            "staff member",
            "choose their own password",
            lambda: staff.post("/accounts/password/", change, follow=True),
        )
        steps.run("staff member", "my results", lambda: staff.get("/me/"), expect=code[:4])

    published = Proposal.objects.get(pk=proposal.pk).state
    if published != "published":
        steps.failures.append(f"the unit's list ended {published}, not published")
    for failure in steps.failures:
        print("FAILED:", failure)
    return 1 if steps.failures else 0


if __name__ == "__main__":
    sys.exit(main())
