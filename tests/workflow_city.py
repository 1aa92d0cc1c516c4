"""A small city for tests of the proposal → decision → publicity → publish workflow and of
who may see what: built from real files through the ``jixiao`` command (roster, scores,
nominations, ranking), then taken through the workflow services.

Each unit has 20 people of 一般干部 with totals 99, 98, … 80 (ranked in that order; 10 %
gives 2 places) and its 4th person vetoed. The special-nomination cap is raised to 10 % so
that a unit of 20 may nominate two people.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.files import jixiao_ok, roster_rows, scores_rows, write_csv

PERIOD = "2025H1"
CATEGORY = "一般干部"
REASON = "牵头完成全市营商环境评价迎检工作，相关指标进入全省前列，为全市争得荣誉。"
ROSTER_HEADER = ["工号", "姓名", "单位", "人员类别", "职务", "性别"]
SCORES_HEADER = ["工号", "总分", "否决事由"]
VETO = "受警告处分影响期内"

# The publicity of the fixture: 2025-09-28 is a Sunday worked in exchange for the National
# Day holiday (10-01 … 10-08), so five working days end on 2025-10-10.
NOTICE_START = datetime.date(2025, 9, 28)
NOTICE_END = datetime.date(2025, 10, 10)
MEETING_DATE = datetime.date(2025, 9, 20)


@dataclass(frozen=True)
class UnitSpec:
    name: str
    prefix: str  # staff IDs: prefix + 3 digits
    people_name: str  # people are called people_name + 2 digits
    size: int = 20
    scored: int | None = None  # how many have a total (default: everybody)
    vetoed: tuple[int, ...] = (4,)


UNIT_A = UnitSpec("市财政局", "F", "财政甲")
UNIT_B = UnitSpec("城关镇", "C", "城关乙")


def staff_id(spec: UnitSpec, number: int) -> str:
    return f"{spec.prefix}{number:03d}"


def person_name(spec: UnitSpec, number: int) -> str:
    return f"{spec.people_name}{number:02d}"


def total_of(number: int) -> Decimal:
    return Decimal(100 - number)


@dataclass
class City:
    tmp_path: Path
    capsys: object
    period: object
    units: dict = field(default_factory=dict)  # unit name → Unit
    files: int = 0

    def file(self, stem: str) -> Path:
        self.files += 1
        return self.tmp_path / f"{stem}-{self.files}.csv"

    def run(self, *args) -> str:
        return jixiao_ok(self.capsys, *args).out

    def import_scores(self, rows, *, reason: str | None = None) -> str:
        """Totals (and vetoes) for some people: [[staff_id, total, veto], …]; a unit's scores
        are locked from its submission on, and a change needs a ``reason``."""
        path = write_csv(self.file("scores"), scores_rows(rows, header=SCORES_HEADER))
        output = self.run(
            "import", "scores", path, "--period", PERIOD, *(["--reason", reason] if reason else [])
        )
        # As a new request would: the period's "data changed" time is read from it.
        self.period.refresh_from_db()
        return output

    def select(self) -> None:
        self.run("select", "--period", PERIOD)
        self.period.refresh_from_db()

    def nominate(self, staff: str, reason: str = REASON) -> None:
        self.run("nominate", "--period", PERIOD, "--staff-id", staff, "--reason", reason)

    def person(self, staff: str):
        from jixiao.org.models import Person

        return Person.objects.get(staff_id=staff)


def build_city(tmp_path: Path, capsys, specs=(UNIT_A, UNIT_B), *, special_cap_percent=Decimal("10")) -> City:
    """Roster, rules, scores and a current ranking of the units in ``specs``."""
    from jixiao.assessment.models import Period
    from jixiao.org.models import Unit

    people, scores = [], []
    for spec in specs:
        for number in range(1, spec.size + 1):
            gender = "男" if number % 2 else "女"
            people.append(
                [staff_id(spec, number), person_name(spec, number), spec.name, CATEGORY, "科员", gender]
            )
            if spec.scored is None or number <= spec.scored:
                veto = VETO if number in spec.vetoed else ""
                scores.append([staff_id(spec, number), str(total_of(number)), veto])
    roster = write_csv(tmp_path / "roster.csv", roster_rows(people, header=ROSTER_HEADER))
    jixiao_ok(capsys, "import", "roster", roster, "--period", PERIOD)
    period = Period.objects.get(code=PERIOD)
    rules = period.rules
    rules.special_cap_percent = special_cap_percent
    rules.save()
    city = City(tmp_path, capsys, period, {u.name: u for u in Unit.objects.all()})
    city.import_scores(scores)
    city.select()
    return city


# ----------------------------------------------------------------------------------------
# The workflow, as the unit's office and committee take it
# ----------------------------------------------------------------------------------------


def meeting(*, members: int = 7, present: int = 6, minutes: str = "2025-18"):
    from jixiao.selection.actions import MeetingRecord
    from jixiao.selection.models import MeetingKind

    return MeetingRecord(
        kind=MeetingKind.PARTY_COMMITTEE,
        date=MEETING_DATE,
        minutes_number=minutes,
        members=members,
        present=present,
    )


def approve_all(proposal, *, reject: dict[str, str] | None = None, actor: str = "secretary"):
    """The committee decides every candidate: approved, except the staff IDs in ``reject``
    (staff ID → reason)."""
    from jixiao.org.access import Operator
    from jixiao.selection import actions
    from jixiao.selection.models import Verdict

    reject = reject or {}
    verdicts = {}
    for candidate in proposal.candidates.select_related("person"):
        reason = reject.get(candidate.person.staff_id)
        verdicts[candidate.pk] = (Verdict.REJECTED, reason) if reason else (Verdict.APPROVED, "")
    return actions.decide(proposal, meeting(), verdicts, acting_user=Operator(actor))


def notice_details(unit, *, start: datetime.date = NOTICE_START):
    from jixiao.selection.actions import NoticeDetails

    return NoticeDetails(
        start=start,
        issuing_body=f"中共{unit.name}委员会",
        issued_on=start - datetime.timedelta(days=1),
        receiving_body=f"{unit.name}人事科",
        phone="0571-87654321",
        address="jixiao@example.gov.cn",
    )


def object_to(notice, candidate, *, actor: str = "assessor"):
    from jixiao.org.access import Operator
    from jixiao.selection import actions

    return actions.record_objection(
        notice,
        candidate,
        objector="王某某",
        objector_phone="13800000000",
        received_at=timezone.make_aware(datetime.datetime(2025, 9, 29, 9, 30)),
        content="反映该同志考勤记录与实际不符，请予核实。",
        acting_user=Operator(actor),
    )


def to_publicity(city: City, unit, *, objection_against: str | None = None):
    """Submit, approve everybody, open the notice; optionally record an objection against
    one staff ID. Returns (proposal, notice, objection or None)."""
    from jixiao.org.access import Operator
    from jixiao.selection import actions

    proposal = actions.submit(city.period, unit, acting_user=Operator("assessor"))
    proposal = approve_all(proposal)
    notice = actions.open_publicity(proposal, notice_details(unit), acting_user=Operator("assessor"))
    objection = None
    if objection_against is not None:
        candidate = proposal.candidates.get(person__staff_id=objection_against)
        objection = object_to(notice, candidate)
    proposal.refresh_from_db()
    return proposal, notice, objection


def make_user(username: str, kind: str | None = None, unit=None, person=None, *, password: str | None = None):
    """A user with one role. Without ``password`` the user has none (tests sign them in with
    ``client.force_login``): hashing a password costs a noticeable fraction of a second."""
    from jixiao.org.models import Role

    user = get_user_model().objects.create_user(username, password=password)
    if kind is not None:
        Role.objects.create(user=user, kind=kind, unit=unit, person=person)
    return user


def write_profile(
    candidate, text=None, *, portrait: str | None = None, filename: str = "", actor: str = "assessor"
):
    """Save the candidate's profile as the unit's assessor does (the action the profile page
    calls): ``text`` (default: what the profile holds) and, with a ``portrait`` seed, a
    generated photo checked and re-encoded like an upload."""
    from jixiao.org.access import Operator
    from jixiao.showcase import actions, profiles
    from jixiao.showcase.photos import placeholder_portrait, portrait_from_upload

    if text is None:
        current = profiles.profile_or_draft(candidate)
        text = profiles.ProfileText(
            current.post,
            current.achievements,
            current.quote,
            **{name: getattr(current, name) for name in profiles.PUBLIC_FIELDS},
        )
    data = placeholder_portrait(portrait) if portrait is not None else b""
    return actions.save_profile(
        candidate,
        text,
        acting_user=Operator(actor),
        image=portrait_from_upload(data) if data else None,
        filename=filename,
        size=len(data),
    )
