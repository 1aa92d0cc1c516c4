"""Score import: a period total per person, and a veto where the 否决事由 cell says so.

Every staff ID must be on the period's roster. When the file has a 否决事由 column, it is
authoritative for its rows: an empty cell lifts an earlier veto. Without that column,
vetoes are left as they are.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, Score, ScoreSource, VetoReason
from jixiao.core.bulk import insert_rows, update_rows
from jixiao.core.text import clean_text
from jixiao.imports import cells
from jixiao.imports.lookups import existing_scores, roster_by_staff_id
from jixiao.imports.models import ImportKind, ImportRecord
from jixiao.imports.problems import ImportProblem, ImportRefused, StaffIdRegister
from jixiao.imports.records import record_import
from jixiao.imports.source import SourceFile, no_rows_problem
from jixiao.imports.table import OPTIONAL_NAME_COLUMN, STAFF_ID_COLUMN, Column

SCORE_COLUMNS = (
    STAFF_ID_COLUMN,
    Column("total", "总分", ("total", "score", "total score", "得分", "总得分", "考核总分")),
    Column(
        "veto", "否决事由", ("veto", "veto reason", "veto_reason", "否决原因", "否决情形"), required=False
    ),
    OPTIONAL_NAME_COLUMN,
)
KEYS = tuple(c.key for c in SCORE_COLUMNS)

ScoreValues = tuple[Decimal, str, int | None]  # total, veto text, veto reason id


@dataclass
class ScoresPlan:
    period: Period
    source: SourceFile
    rows: int = 0
    rounded: int = 0
    vetoed: int = 0
    # entry id, total, veto text, veto reason id, source
    new_scores: list[tuple[int, Decimal, str, int | None, str]] = field(default_factory=list)
    changed_scores: list[tuple[Decimal, str, int | None, str, int]] = field(default_factory=list)
    unchanged_scores: int = 0
    units: set[int] = field(default_factory=set)  # units whose scores change

    @property
    def changed(self) -> int:
        return len(self.new_scores) + len(self.changed_scores)

    def summary(self) -> dict:
        return {
            "new_scores": len(self.new_scores),
            "changed_scores": len(self.changed_scores),
            "unchanged_scores": self.unchanged_scores,
            "vetoed": self.vetoed,
            "rounded": self.rounded,
            "ignored_columns": self.source.table.ignored,
        }


def plan_scores_import(period: Period, source: SourceFile) -> ScoresPlan:
    """Check every row against the period's roster; refuse the file whole on any problem."""
    table = source.table
    headers = {c.key: table.headers.get(c.key, c.header) for c in SCORE_COLUMNS}
    has_veto_column = table.has("veto")
    records = list(table.records(KEYS))
    roster = roster_by_staff_id(period, [_staff_id_or_none(values[0]) for _number, values in records])
    reasons = {r.name: r.pk for r in VetoReason.objects.all()}
    reasons.update({r.code: r.pk for r in VetoReason.objects.all()})

    plan = ScoresPlan(period=period, source=source)
    problems: list[ImportProblem] = []
    staff_ids = StaffIdRegister(problems, headers["staff_id"])
    parsed: dict[int, ScoreValues] = {}
    unit_of: dict[int, int] = {}

    def problem(message, number, key):
        problems.append(ImportProblem(message, row=number, column=headers[key]))

    for number, (raw_staff_id, raw_total, raw_veto, raw_name) in records:
        entry = None
        try:
            staff_id = cells.staff_id(raw_staff_id)
        except cells.CellError as error:
            problem(str(error), number, "staff_id")
        else:
            if staff_ids.first_time(staff_id, number):
                entry = roster.get(staff_id)
                if entry is None:
                    problem(
                        _("staff ID %(staff_id)s is not on the roster of %(period)s")
                        % {"staff_id": staff_id, "period": period.code},
                        number,
                        "staff_id",
                    )
        name = clean_text(raw_name)
        if entry is not None and name and name != entry[1]:
            problem(
                _("%(name)s does not match the roster, which has %(roster_name)s for this staff ID")
                % {"name": name, "roster_name": entry[1]},
                number,
                "name",
            )
        total = None
        try:
            total, was_rounded = cells.score(raw_total)
            plan.rounded += was_rounded
        except cells.CellError as error:
            problem(str(error), number, "total")
        try:
            veto_text = cells.text(raw_veto, max_length=200, required=False)
        except cells.CellError as error:
            problem(str(error), number, "veto")
            veto_text = ""
        if entry is not None and total is not None:
            parsed[entry[0]] = (total, veto_text, reasons.get(veto_text))
            unit_of[entry[0]] = entry[2]

    if problems:
        raise ImportRefused(problems)
    if not staff_ids.first_row:
        raise no_rows_problem()

    plan.rows = len(parsed)
    existing = existing_scores(period, list(parsed))
    for entry_id, (total, veto_text, reason_id) in parsed.items():
        before = existing.get(entry_id)
        if before is not None and not has_veto_column:
            veto_text, reason_id = before[1], before[2]
        plan.vetoed += bool(veto_text)
        if before is None:
            plan.new_scores.append((entry_id, total, veto_text, reason_id, ScoreSource.IMPORT))
            plan.units.add(unit_of[entry_id])
            continue
        # An imported total replaces one a scheme computed.
        after = (total, veto_text, reason_id, ScoreSource.IMPORT)
        if after == before:
            plan.unchanged_scores += 1
        else:
            plan.changed_scores.append((*after, entry_id))
            plan.units.add(unit_of[entry_id])
    return plan


def _staff_id_or_none(value) -> str | None:
    try:
        return cells.staff_id(value)
    except cells.CellError:
        return None


def apply_scores_import(plan: ScoresPlan, *, actor: str, user=None) -> ImportRecord:
    table = Score._meta.db_table
    with transaction.atomic():
        columns = ("total", "veto_text", "veto_reason_id", "source")
        insert_rows(table, ("entry_id", *columns), plan.new_scores)
        update_rows(table, "entry_id", columns, plan.changed_scores)
        return record_import(ImportKind.SCORES, plan, actor=actor, user=user)
