"""What the database already holds for the rows of a file, fetched set-wise.

A unit's file of a hundred rows asks for those hundred; a city-wide file reads the whole
table once, which is faster than a million-item IN list.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from jixiao.core.bulk import chunked
from jixiao.imports.cells import CENT

READ_WHOLE_TABLE_ABOVE = 20_000
IN_LIST_SIZE = 900  # under SQLite's oldest limit of host parameters


def _fetch(sql_all: str, sql_in: str, params: list, keys: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        if len(keys) > READ_WHOLE_TABLE_ABOVE:
            cursor.execute(sql_all, params)
            return cursor.fetchall()
        rows = []
        for chunk in chunked(list(keys), IN_LIST_SIZE):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(sql_in.format(marks=marks), [*params, *chunk])
            rows.extend(cursor.fetchall())
        return rows


def existing_people(staff_ids: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    """staff ID → (person id, name, gender) for the staff IDs that exist."""
    wanted = set(staff_ids)
    rows = _fetch(
        "SELECT staff_id, id, name, gender FROM org_person",
        "SELECT staff_id, id, name, gender FROM org_person WHERE staff_id IN ({marks})",
        [],
        list(wanted),
    )
    return {s: (pk, name, gender) for s, pk, name, gender in rows if s in wanted}


def existing_roster(period, person_ids: Sequence[int]) -> dict[int, tuple[int, int, int, str, str, str]]:
    """person id → (entry id, unit id, category id, post, name, gender) in the period."""
    wanted = set(person_ids)
    select = (
        "SELECT person_id, id, unit_id, category_id, post, name, gender FROM assessment_rosterentry "
        "WHERE period_id = %s"
    )
    rows = _fetch(select, select + " AND person_id IN ({marks})", [period.pk], list(wanted))
    return {r[0]: r[1:] for r in rows if r[0] in wanted}


def roster_by_staff_id(period, staff_ids: Sequence[str]) -> dict[str, tuple[int, str, int, int]]:
    """staff ID → (entry id, name, unit id, category id) for the people on the period's roster
    (the name the period's roster gives them)."""
    wanted = set(staff_ids)
    select = (
        "SELECT p.staff_id, r.id, r.name, r.unit_id, r.category_id FROM assessment_rosterentry r "
        "JOIN org_person p ON p.id = r.person_id WHERE r.period_id = %s"
    )
    rows = _fetch(select, select + " AND p.staff_id IN ({marks})", [period.pk], list(wanted))
    return {row[0]: row[1:] for row in rows if row[0] in wanted}


def existing_scores(period, entry_ids: Sequence[int]) -> dict[int, tuple]:
    """entry id → (total, veto text, veto reason id, source, imported veto, imported veto
    reason id) for the entries already scored."""
    wanted = set(entry_ids)
    select = (
        "SELECT s.entry_id, s.total, s.veto_text, s.veto_reason_id, s.source, s.imported_veto, "
        "s.imported_veto_reason_id FROM assessment_score s "
        "JOIN assessment_rosterentry r ON r.id = s.entry_id WHERE r.period_id = %s"
    )
    rows = _fetch(select, select + " AND s.entry_id IN ({marks})", [period.pk], list(wanted))
    # SQLite hands decimals back as floats; their shortest repr is the stored value.
    return {row[0]: (Decimal(str(row[1])).quantize(CENT), *row[2:]) for row in rows if row[0] in wanted}


# Staff IDs are at most this long where a spreadsheet drops their zeros (long ones are text).
PADDED_LENGTH = 18


def zero_padded_twins(staff_ids, period=None) -> dict[str, str]:
    """staff ID → the existing staff ID it equals but for that one's leading zeros (123 →
    000123): what a spreadsheet that turned the IDs into numbers made of them. Among the
    period's roster when given, else among everyone."""
    wanted = {s for s in staff_ids if s.isdigit() and not s.startswith("0") and len(s) < PADDED_LENGTH}
    variants = ["0" * zeros + s for s in wanted for zeros in range(1, PADDED_LENGTH - len(s) + 1)]
    if not variants:
        return {}
    select, params = "SELECT p.staff_id FROM org_person p", []
    if period is not None:
        select += " JOIN assessment_rosterentry r ON r.person_id = p.id AND r.period_id = %s"
        params = [period.pk]
    rows = _fetch(
        select + " WHERE p.staff_id LIKE '0%%'", select + " WHERE p.staff_id IN ({marks})", params, variants
    )
    return {staff_id.lstrip("0"): staff_id for (staff_id,) in rows if staff_id.lstrip("0") in wanted}
