"""The demo city's accounts, and its units taken through the workflow to every stage.

Every step goes through the same services the pages use, so the audit log, the frozen
hashes and the notices of the demo are real. Dates are those of a real half-year: the
committees meet in early July after the period, notices run in mid-July.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from jixiao.assessment.models import Period
from jixiao.org.access import Operator
from jixiao.org.models import Role, RoleKind, Unit
from jixiao.selection import actions
from jixiao.selection.models import Outcome, Proposal, RankingResult, Resolution, Verdict

ACTOR = Operator("demo")


@dataclass
class DemoAccount:
    username: str
    role: str
    where: str


def create_accounts(unit: Unit, period: Period, password: str) -> list[DemoAccount]:
    """One account per role: the city administrator, the unit's assessor and committee
    secretary, and a staff member of the unit (one of its people eligible by rank)."""
    User = get_user_model()

    def user(username: str, *, staff: bool = False):
        account, _created = User.objects.get_or_create(username=username)
        account.is_staff = staff
        account.set_password(password)
        account.save()
        return account

    city_admin = user("kaoheban", staff=True)
    city_admin.groups.add(city_office_group())
    Role.objects.get_or_create(user=city_admin, kind=RoleKind.CITY_ADMIN, unit=None)
    Role.objects.get_or_create(user=user("renshike"), kind=RoleKind.ASSESSOR, unit=unit)
    Role.objects.get_or_create(user=user("dangwei"), kind=RoleKind.SECRETARY, unit=unit)
    # The staff member is the unit's best-placed person: one with something to see.
    member = (
        RankingResult.objects.filter(period=period, unit=unit)
        .select_related("person", "entry")
        .order_by("rank", "person__staff_id")
        .first()
    )
    Role.objects.get_or_create(
        user=user("zhigong"), kind=RoleKind.STAFF, unit=unit, person=member.person if member else None
    )
    staff_where = f"{unit.name} · {member.entry.name}" if member else unit.name
    return [
        DemoAccount("kaoheban", str(RoleKind.CITY_ADMIN.label), "—"),
        DemoAccount("renshike", str(RoleKind.ASSESSOR.label), unit.name),
        DemoAccount("dangwei", str(RoleKind.SECRETARY.label), unit.name),
        DemoAccount("zhigong", str(RoleKind.STAFF.label), staff_where),
    ]


def city_office_group() -> Group:
    """The reference data the city office keeps in the admin: units, categories, people,
    accounts and roles, schemes and rules."""
    group, _created = Group.objects.get_or_create(name="市考核办")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["org", "assessment", "selection"])
        | Permission.objects.filter(content_type__app_label="auth", content_type__model="user")
    )
    return group


def units_with_candidates(period: Period) -> list[Unit]:
    with_candidates = set(
        RankingResult.objects.filter(period=period, outcome=Outcome.BY_RANK).values_list("unit_id", flat=True)
    )
    return [u for u in Unit.objects.order_by("sort_order", "pk") if u.pk in with_candidates]


def advance_units(period: Period, units: list[Unit], rng: random.Random) -> dict[str, int]:
    """Take the units (all with candidates) to different stages; the first stays ranked
    for the demo accounts to walk through. Returns how many units end in each stage."""
    # Even a small city has one unit published, so every publicity channel shows something.
    plan = ["ranked", "published", "submitted", "decided", "publicity", "objection", "submitted", "decided"]
    plan += ["publicity"]
    # Most of the others are published, so every publicity channel has a city to show.
    plan += ["published" if rng.random() < 0.85 else "ranked" for _ in units[len(plan) :]]
    counts: dict[str, int] = {}
    for unit, target in zip(units, plan, strict=False):
        if target != "ranked":
            take_to(period, unit, target, rng)
        counts[target] = counts.get(target, 0) + 1
    return counts


def take_to(period: Period, unit: Unit, target: str, rng: random.Random) -> None:
    proposal = actions.submit(period, unit, acting_user=ACTOR)
    if target == "submitted":
        return
    candidates = list(proposal.candidates.select_related("person"))
    verdicts = {c.pk: (Verdict.APPROVED, "") for c in candidates}
    if len(candidates) > 3 and rng.random() < 0.3:
        verdicts[candidates[-1].pk] = (Verdict.REJECTED, "党委会认为其本年度群众评议意见较多，暂缓推荐。")
    members = rng.randint(7, 11)
    actions.decide(
        proposal,
        actions.MeetingRecord(
            kind=rng.choice(["party_committee", "party_group"]),
            date=datetime.date(period.end.year, 7, rng.randint(3, 7)),
            minutes_number=f"{period.end.year}-{rng.randint(10, 30)}",
            members=members,
            present=members - rng.randint(0, 2),
        ),
        verdicts,
        acting_user=ACTOR,
    )
    if target == "decided":
        return
    notice = actions.open_publicity(
        proposal,
        actions.NoticeDetails(
            start=datetime.date(period.end.year, 7, 10),
            issuing_body=f"中共{unit.name}委员会",
            issued_on=datetime.date(period.end.year, 7, 9),
            receiving_body=f"{unit.name}绩效考核办公室",
            phone=f"0571-8{rng.randint(1000000, 9999999)}",
        ),
        acting_user=ACTOR,
    )
    on_notice = list(proposal.candidates.kept().select_related("person"))
    received = timezone.make_aware(datetime.datetime(period.end.year, 7, 11, 10, 30))
    if target == "publicity":
        actions.record_objection(
            notice,
            rng.choice(on_notice),
            objector="王建国",
            objector_phone="13800001111",
            received_at=received,
            content="反映该同志在上半年一次窗口服务中态度生硬，请核实。",
            acting_user=ACTOR,
        )
        return
    if target == "objection":
        objection = actions.record_objection(
            notice,
            on_notice[-1],
            objector="李明",
            objector_phone="13900002222",
            received_at=received,
            content="反映该同志考核期内存在请假超期情况。",
            acting_user=ACTOR,
        )
        actions.resolve_objection(
            objection,
            Resolution.UPHELD,
            "经核实，该同志病假累计超过考核期一半，取消其人选资格。",
            acting_user=ACTOR,
        )
    actions.publish(Proposal.objects.get(pk=proposal.pk), acting_user=ACTOR)
