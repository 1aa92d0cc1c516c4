"""The sanctions register import: records of people (处分、诫勉、立案审查调查), not of a period.

Columns 工号, 姓名 (checked against the person), 类型 (from the catalogue of sanction types),
决定日期, 解除日期 (optional), 事由 (optional). A sanction is known by its person, type and
decision date: importing it again updates its lifting date, grounds and name as recorded,
and a record the file leaves out stays. Checked whole; a file with any problem writes
nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.models import Sanction, SanctionType
from jixiao.assessment.sanction_rules import influence_end
from jixiao.core.text import clean_text
from jixiao.imports import cells
from jixiao.imports.lookups import existing_people, zero_padded_twins
from jixiao.imports.problems import ImportProblem, ImportRefused, ProblemList, dropped_zeros
from jixiao.imports.source import SourceFile, no_rows_problem
from jixiao.imports.table import NAME_COLUMN, STAFF_ID_COLUMN, Column

SANCTION_COLUMNS = (
    STAFF_ID_COLUMN,
    NAME_COLUMN,
    Column("type", "类型", ("处分类型", "处理类型", "种类", "type", "sanction type")),
    Column("decided_on", "决定日期", ("处分日期", "决定时间", "处分决定日期", "decision date")),
    Column("lifted_on", "解除日期", ("解除时间", "结案日期", "lifting date"), required=False),
    Column("reason", "事由", ("处分事由", "原因", "reason", "grounds"), required=False),
)
KEYS = tuple(c.key for c in SANCTION_COLUMNS)


@dataclass(frozen=True)
class SanctionRow:
    person_id: int
    type_id: int
    decided_on: datetime.date
    lifted_on: datetime.date | None
    reason: str
    name: str
    influence_end: datetime.date | None


@dataclass
class SanctionsPlan:
    """What importing the file would change; applying it writes exactly this."""

    source: SourceFile
    rows: int = 0
    new: list[SanctionRow] = field(default_factory=list)
    changed: list[tuple[int, SanctionRow, datetime.date | None]] = field(
        default_factory=list
    )  # id, row, old end
    unchanged: int = 0
    period = None  # records of people, of no one period

    @property
    def changes(self) -> int:
        return len(self.new) + len(self.changed)

    def windows(self) -> list[tuple[datetime.date, datetime.date | None]]:
        """The influence windows the file adds or changes, before and after: the periods
        they touch are those whose vetoes may change."""
        found = [(row.decided_on, row.influence_end) for row in self.new]
        for _pk, row, old_end in self.changed:
            found += [(row.decided_on, row.influence_end), (row.decided_on, old_end)]
        return found

    def person_ids(self) -> set[int]:
        return {row.person_id for row in self.new} | {row.person_id for _pk, row, _end in self.changed}

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "ignored_columns": self.source.table.ignored,
        }


def plan_sanctions_import(source: SourceFile) -> SanctionsPlan:
    """Check every row; refuse the file whole on any problem."""
    table = source.table
    headers = {c.key: table.headers.get(c.key, c.header) for c in SANCTION_COLUMNS}
    records = list(table.records(KEYS))
    people = existing_people([_staff_id_or_none(values[0]) or "" for _number, values in records])
    types = {clean_text(t.name): t for t in SanctionType.objects.all()}
    today = timezone.localdate()
    problems = ProblemList()
    first_row: dict[tuple[int, int, datetime.date], int] = {}
    parsed: list[SanctionRow] = []

    def problem(message, number, key):
        problems.append(ImportProblem(message, row=number, column=headers[key]))

    unknown = [s for _n, v in records if (s := _staff_id_or_none(v[0])) and s not in people]
    padded = zero_padded_twins(unknown)
    for number, (raw_staff_id, raw_name, raw_type, raw_decided, raw_lifted, raw_reason) in records:
        person = None
        try:
            staff_id = cells.staff_id(raw_staff_id)
        except cells.CellError as error:
            problem(str(error), number, "staff_id")
        else:
            person = people.get(staff_id)
            if person is None:
                message = (
                    dropped_zeros(staff_id, padded[staff_id])
                    if staff_id in padded
                    else _("staff ID %(staff_id)s belongs to nobody: import the person's roster first")
                    % {"staff_id": staff_id}
                )
                problem(message, number, "staff_id")
        try:
            name = cells.text(raw_name, max_length=50, required=True)
        except cells.CellError as error:
            problem(str(error), number, "name")
            name = ""
        if person is not None and name and name != person[1]:
            problem(
                _("%(name)s does not match the person, whose name is %(person_name)s")
                % {"name": name, "person_name": person[1]},
                number,
                "name",
            )
        sanction_type = types.get(clean_text(raw_type))
        if sanction_type is None:
            if not clean_text(raw_type):
                message = _("is empty")
            elif not types:
                message = _("%(value)s is not a sanction type: the catalogue of sanction types is empty") % {
                    "value": cells.shown(raw_type)
                }
            else:
                message = _("%(value)s is not a sanction type (the catalogue has %(types)s)") % {
                    "value": cells.shown(raw_type),
                    "types": "、".join(types),
                }
            problem(message, number, "type")
        decided_on = lifted_on = None
        try:
            decided_on = cells.date(raw_decided)
            if decided_on > today:
                problem(_("%(date)s is after today") % {"date": decided_on.isoformat()}, number, "decided_on")
                decided_on = None
        except cells.CellError as error:
            problem(str(error), number, "decided_on")
        if clean_text(raw_lifted):
            try:
                lifted_on = cells.date(raw_lifted)
            except cells.CellError as error:
                problem(str(error), number, "lifted_on")
                lifted_on = None
            else:
                if decided_on is not None and lifted_on < decided_on:
                    problem(
                        _("%(lifted)s is before the decision date %(decided)s")
                        % {"lifted": lifted_on.isoformat(), "decided": decided_on.isoformat()},
                        number,
                        "lifted_on",
                    )
        try:
            reason = cells.text(raw_reason, max_length=200, required=False)
        except cells.CellError as error:
            problem(str(error), number, "reason")
            reason = ""
        if person is None or sanction_type is None or decided_on is None:
            continue
        key = (person[0], sanction_type.pk, decided_on)
        first = first_row.setdefault(key, number)
        if first != number:
            problem(
                _("the same sanction (staff ID, type and decision date) is already on row %(row)s")
                % {"row": first},
                number,
                "decided_on",
            )
            continue
        end = influence_end(decided_on, sanction_type.influence_months, lifted_on)
        parsed.append(SanctionRow(person[0], sanction_type.pk, decided_on, lifted_on, reason, name, end))

    if problems:
        raise ImportRefused(problems)
    if not records:
        raise no_rows_problem()
    plan = SanctionsPlan(source=source, rows=len(parsed))
    stored = {
        (s.person_id, s.sanction_type_id, s.decided_on): s
        for s in Sanction.objects.filter(person_id__in={row.person_id for row in parsed})
    }
    for row in parsed:
        before = stored.get((row.person_id, row.type_id, row.decided_on))
        if before is None:
            plan.new.append(row)
        elif (before.lifted_on, before.reason, before.name, before.influence_end) == (
            row.lifted_on,
            row.reason,
            row.name,
            row.influence_end,
        ):
            plan.unchanged += 1
        else:
            plan.changed.append((before.pk, row, before.influence_end))
    return plan


def apply_sanctions_plan(plan: SanctionsPlan) -> None:
    """Write the plan's new and changed sanctions (the action around it does the rest)."""
    with transaction.atomic():
        Sanction.objects.bulk_create(
            [
                Sanction(
                    person_id=row.person_id,
                    sanction_type_id=row.type_id,
                    decided_on=row.decided_on,
                    lifted_on=row.lifted_on,
                    reason=row.reason,
                    name=row.name,
                    influence_end=row.influence_end,
                )
                for row in plan.new
            ],
            batch_size=500,
        )
        changed = [
            Sanction(
                pk=pk,
                lifted_on=row.lifted_on,
                reason=row.reason,
                name=row.name,
                influence_end=row.influence_end,
            )
            for pk, row, _old_end in plan.changed
        ]
        Sanction.objects.bulk_update(
            changed, ["lifted_on", "reason", "name", "influence_end"], batch_size=500
        )


def _staff_id_or_none(value) -> str | None:
    try:
        return cells.staff_id(value)
    except cells.CellError:
        return None
