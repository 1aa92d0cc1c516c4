"""Roster import: who is assessed in a period, in which unit and category, with which post.

Rows are added or updated, never deleted: a unit importing its own people leaves other
units' people alone. Units and categories the file names are created and listed. Each entry
keeps the name and gender the period showed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, RosterEntry
from jixiao.core.bulk import insert_rows, update_rows
from jixiao.imports import cells
from jixiao.imports.lookups import existing_people, existing_roster, zero_padded_twins
from jixiao.imports.models import ImportKind, ImportRecord
from jixiao.imports.problems import ImportProblem, ImportRefused, ProblemList, StaffIdRegister, dropped_zeros
from jixiao.imports.records import record_import
from jixiao.imports.source import SourceFile, no_rows_problem
from jixiao.imports.table import NAME_COLUMN, STAFF_ID_COLUMN, Column
from jixiao.org.models import Category, Person, Unit, guess_unit_kind

ROSTER_COLUMNS = (
    STAFF_ID_COLUMN,
    NAME_COLUMN,
    Column("unit", "单位", ("unit", "单位名称", "所在单位", "department")),
    Column("category", "人员类别", ("category", "personnel category", "类别")),
    Column("post", "职务", ("post", "position", "title", "职务职级"), required=False),
    Column("gender", "性别", ("gender", "sex"), required=False),
)
KEYS = tuple(c.key for c in ROSTER_COLUMNS)


@dataclass
class RosterRow:
    staff_id: str
    name: str
    unit: str
    category: str
    post: str
    gender: str


@dataclass
class RosterPlan:
    """What importing the file would change; applying it writes exactly this."""

    period: Period
    source: SourceFile
    rows: int = 0
    new_units: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    new_people: list[tuple[str, str, str]] = field(default_factory=list)  # staff ID, name, gender
    changed_people: list[tuple[str, int]] = field(default_factory=list)  # gender, id
    # staff ID, person id (None for a new person), name, gender, unit, category, post
    new_entries: list[tuple[str, int | None, str, str, str, str, str]] = field(default_factory=list)
    # gender, unit, category, post, id
    changed_entries: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    # staff ID, name, the unit before (another period's, or this period's), the unit now
    transfers: list[tuple[str, str, str, str]] = field(default_factory=list)
    unchanged_entries: int = 0
    unchanged_rows: int = 0  # neither the person nor their roster entry changes
    # The units whose roster changes: by name (new units have no id before the import),
    # and the ids of those that exist (all of them once applied).
    touched_units: set[str] = field(default_factory=set)
    units: set[int] = field(default_factory=set)

    @property
    def changed(self) -> int:
        """How many rows of the file change something."""
        return self.rows - self.unchanged_rows

    def summary(self) -> dict:
        return {
            "new_units": self.new_units,
            "new_categories": self.new_categories,
            "new_people": len(self.new_people),
            "changed_people": len(self.changed_people),
            "new_entries": len(self.new_entries),
            "changed_entries": len(self.changed_entries),
            "transfers": len(self.transfers),
            "unchanged_entries": self.unchanged_entries,
            "ignored_columns": self.source.table.ignored,
        }


# One parser per column, in KEYS order.
PARSERS = (
    cells.staff_id,
    partial(cells.text, max_length=50, required=True),
    partial(cells.text, max_length=100, required=True),
    partial(cells.text, max_length=50, required=True),
    partial(cells.text, max_length=100, required=False),
    cells.gender,
)


def parse_rows(source: SourceFile) -> list[tuple[int, RosterRow]]:
    """Every row checked, with its row number; the file is refused whole if any cell is
    unusable."""
    table = source.table
    headers = [table.headers.get(c.key, c.header) for c in ROSTER_COLUMNS]
    problems = ProblemList()
    staff_ids = StaffIdRegister(problems, headers[0])
    rows: list[tuple[int, RosterRow]] = []

    for number, values in table.records(KEYS):
        parsed = {}
        for index, (parse, value, header) in enumerate(zip(PARSERS, values, headers, strict=True)):
            try:
                parsed[index] = parse(value)
            except cells.CellError as error:
                problems.append(ImportProblem(str(error), row=number, column=header))
        # A repeated staff ID is reported even when the row has other problems too.
        unique = 0 in parsed and staff_ids.first_time(parsed[0], number)
        if unique and len(parsed) == len(KEYS):
            rows.append((number, RosterRow(*parsed.values())))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise no_rows_problem()
    return rows


def plan_roster_import(period: Period, source: SourceFile) -> RosterPlan:
    """A 工号 belongs to one person: a row giving a known 工号 another name is refused (a
    rename is its own, deliberate action), the same 工号 and name in another unit is a
    transfer (调动) of this period. Earlier periods keep what they showed."""
    numbered = parse_rows(source)
    rows = [row for _number, row in numbered]
    plan = RosterPlan(period=period, source=source, rows=len(rows))
    unit_ids = dict(Unit.objects.values_list("name", "id"))
    unit_names = {pk: name for name, pk in unit_ids.items()}
    category_ids = dict(Category.objects.values_list("name", "id"))
    plan.new_units = list(dict.fromkeys(r.unit for r in rows if r.unit not in unit_ids))
    plan.new_categories = list(dict.fromkeys(r.category for r in rows if r.category not in category_ids))
    people = existing_people([r.staff_id for r in rows])
    entries = existing_roster(period, [p[0] for p in people.values()])
    previous_units = units_before(period, [p[0] for p in people.values() if p[0] not in entries])
    name_header = source.table.headers.get("name", NAME_COLUMN.header)
    staff_id_header = source.table.headers.get("staff_id", STAFF_ID_COLUMN.header)
    twins = zero_padded_twins([r.staff_id for r in rows if r.staff_id not in people])
    problems = ProblemList()

    for number, row in numbered:
        person = people.get(row.staff_id)
        if person is None and row.staff_id in twins:
            problems.append(
                ImportProblem(
                    dropped_zeros(row.staff_id, twins[row.staff_id]), row=number, column=staff_id_header
                )
            )
            continue
        if person is None:
            plan.new_people.append((row.staff_id, row.name, row.gender))
            plan.new_entries.append(
                (row.staff_id, None, row.name, row.gender, row.unit, row.category, row.post)
            )
            plan.touched_units.add(row.unit)
            continue
        person_id, known_name, gender = person
        entry = entries.get(person_id)
        shown_name = entry[4] if entry is not None else known_name
        if row.name != shown_name:
            # Never name the other person or their unit: the file may come from a unit.
            problems.append(
                ImportProblem(
                    _(
                        "staff ID %(staff_id)s already belongs to a person of another name; a staff ID "
                        "belongs to one person. If they changed their name, rename them first "
                        "(jixiao rename), then import again"
                    )
                    % {"staff_id": row.staff_id},
                    row=number,
                    column=name_header,
                )
            )
            continue
        # An empty gender cell leaves a known gender as it is.
        new_gender = row.gender or gender
        person_changed = new_gender != gender
        if person_changed:
            plan.changed_people.append((new_gender, person_id))
        if entry is None:
            plan.new_entries.append(
                (row.staff_id, person_id, row.name, new_gender, row.unit, row.category, row.post)
            )
            plan.touched_units.add(row.unit)
            before = previous_units.get(person_id)
            if before is not None and unit_names.get(before) != row.unit:
                plan.transfers.append((row.staff_id, row.name, unit_names[before], row.unit))
            continue
        entry_id, unit_id, category_id, post, _name, entry_gender = entry
        if (unit_id, category_id, post, entry_gender) == (
            unit_ids.get(row.unit),
            category_ids.get(row.category),
            row.post,
            new_gender,
        ):
            plan.unchanged_entries += 1
            plan.unchanged_rows += not person_changed
        else:
            plan.changed_entries.append((new_gender, row.unit, row.category, row.post, entry_id))
            plan.touched_units |= {unit_names[unit_id], row.unit}
            if unit_names[unit_id] != row.unit:
                plan.transfers.append((row.staff_id, row.name, unit_names[unit_id], row.unit))
    if problems:
        raise ImportRefused(problems)
    plan.units = {unit_ids[name] for name in plan.touched_units if name in unit_ids}
    return plan


def units_before(period: Period, person_ids: Sequence[int]) -> dict[int, int]:
    """person id → the unit of their latest entry in an earlier period."""
    latest: dict[int, int] = {}
    rows = (
        RosterEntry.objects.filter(person_id__in=person_ids, period__start__lt=period.start)
        .order_by("person_id", "-period__start")
        .values_list("person_id", "unit_id")
    )
    for person_id, unit_id in rows.iterator(chunk_size=5000):
        latest.setdefault(person_id, unit_id)
    return latest


def apply_roster_import(plan: RosterPlan, *, actor: str, user=None) -> ImportRecord:
    """Write the plan in one transaction and record the import (within ``imports.actions``)."""
    with transaction.atomic():
        next_order = (Unit.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
        Unit.objects.bulk_create(
            Unit(name=name, kind=guess_unit_kind(name), sort_order=next_order + offset)
            for offset, name in enumerate(plan.new_units)
        )
        # New units from a file have no parent: each is the root of its own tree.
        Unit.objects.filter(root__isnull=True, parent__isnull=True).update(root_id=F("id"))
        next_order = (Category.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
        Category.objects.bulk_create(
            Category(name=name, sort_order=next_order + offset)
            for offset, name in enumerate(plan.new_categories)
        )
        unit_ids = dict(Unit.objects.values_list("name", "id"))
        category_ids = dict(Category.objects.values_list("name", "id"))

        last_person_id = Person.objects.aggregate(m=Max("id"))["m"] or 0
        insert_rows(Person._meta.db_table, ("staff_id", "name", "gender"), plan.new_people)
        update_rows(Person._meta.db_table, "id", ("gender",), plan.changed_people)
        # COPY returns no ids: read back the rows added above this transaction's high mark.
        new_staff_ids = {staff_id for staff_id, _name, _gender in plan.new_people}
        new_person_ids = {
            staff_id: pk
            for staff_id, pk in Person.objects.filter(id__gt=last_person_id).values_list("staff_id", "id")
            if staff_id in new_staff_ids
        }

        insert_rows(
            RosterEntry._meta.db_table,
            ("period_id", "person_id", "name", "gender", "unit_id", "category_id", "post"),
            (
                (plan.period.pk, pk or new_person_ids[s], name, gender, unit_ids[u], category_ids[c], post)
                for s, pk, name, gender, u, c, post in plan.new_entries
            ),
        )
        update_rows(
            RosterEntry._meta.db_table,
            "id",
            ("gender", "unit_id", "category_id", "post"),
            [(g, unit_ids[u], category_ids[c], post, pk) for g, u, c, post, pk in plan.changed_entries],
        )
        plan.units = {unit_ids[name] for name in plan.touched_units}
        return record_import(ImportKind.ROSTER, plan, actor=actor, user=user)
