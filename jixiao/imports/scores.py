"""Score import: a period total per person, and a veto where the 否决事由 cell says so.

Every staff ID must be on the period's roster. When the file has a 否决事由 column, it is
authoritative for its rows: an empty cell lifts an earlier imported veto. Without that
column, imported vetoes are left as they are. Veto items (一票否决) recorded for the person
stay in force beside the imported veto.

An imported total is authoritative: where the person's scheme computes a total too, the
imported one overrides it through every recomputation (the import lists these, and the
breakdown shows both) until the unit takes it back.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment.formula import cents_to_points
from jixiao.assessment.models import Period, Score, ScoreSource, VetoItem, VetoReason
from jixiao.assessment.sanctions import sanction_vetoes
from jixiao.assessment.totals import shown_veto
from jixiao.core.bulk import insert_rows, update_rows
from jixiao.core.text import clean_text
from jixiao.imports import cells
from jixiao.imports.lookups import _fetch, existing_scores, roster_by_staff_id, zero_padded_twins
from jixiao.imports.models import ImportKind, ImportRecord
from jixiao.imports.problems import ImportProblem, ImportRefused, ProblemList, StaffIdRegister, not_on_roster
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

ScoreValues = tuple[Decimal, str, int | None]  # total, imported veto text, its reason id


@dataclass(frozen=True)
class ScoreRow:
    """A total the import writes: the score row's columns."""

    entry_id: int
    total: Decimal
    veto_text: str
    veto_reason_id: int | None
    imported_veto: str
    imported_veto_reason_id: int | None
    source: str = ScoreSource.IMPORT

    COLUMNS = ("total", "veto_text", "veto_reason_id", "imported_veto", "imported_veto_reason_id", "source")

    def values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.COLUMNS)


@dataclass
class ScoresPlan:
    period: Period
    source: SourceFile
    rows: int = 0
    rounded: int = 0
    vetoed: int = 0
    new_scores: list[ScoreRow] = field(default_factory=list)
    changed_scores: list[ScoreRow] = field(default_factory=list)
    unchanged_scores: int = 0
    # Imported totals of people a scheme scores: staff ID, name, the scheme's total (None
    # while incomplete), the imported total.
    overrides: list[tuple[str, str, Decimal | None, Decimal]] = field(default_factory=list)
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
            "overrides": len(self.overrides),
            "ignored_columns": self.source.table.ignored,
        }


def plan_scores_import(period: Period, source: SourceFile) -> ScoresPlan:
    """Check every row against the period's roster; refuse the file whole on any problem."""
    table = source.table
    headers = {c.key: table.headers.get(c.key, c.header) for c in SCORE_COLUMNS}
    has_veto_column = table.has("veto")
    records = list(table.records(KEYS))
    file_ids = [_staff_id_or_none(values[0]) for _number, values in records]
    roster = roster_by_staff_id(period, file_ids)
    twins = zero_padded_twins([s for s in file_ids if s and s not in roster], period)
    reasons = {r.name: r.pk for r in VetoReason.objects.all()}
    reasons.update({r.code: r.pk for r in VetoReason.objects.all()})

    plan = ScoresPlan(period=period, source=source)
    problems = ProblemList()
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
                    problem(not_on_roster(staff_id, period, twins), number, "staff_id")
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
    item_vetoes = veto_items_of(period, list(parsed))
    scheme_totals = scheme_totals_of(period, list(parsed))
    for entry_id, (total, veto_text, reason_id) in parsed.items():
        before = existing.get(entry_id)
        if before is not None and not has_veto_column:
            veto_text, reason_id = before[4], before[5]
        shown, shown_reason = shown_veto(veto_text, reason_id, item_vetoes.get(entry_id, []))
        row = ScoreRow(entry_id, total, shown, shown_reason, veto_text, reason_id)
        plan.vetoed += bool(shown)
        if entry_id in scheme_totals:
            staff_id, name, scheme_total = scheme_totals[entry_id]
            if scheme_total != total:
                plan.overrides.append((staff_id, name, scheme_total, total))
        if before is None:
            plan.new_scores.append(row)
            plan.units.add(unit_of[entry_id])
        elif row.values() == (before[0], before[1], before[2], before[4], before[5], before[3]):
            plan.unchanged_scores += 1
        else:
            plan.changed_scores.append(row)
            plan.units.add(unit_of[entry_id])
    return plan


def veto_items_of(period: Period, entry_ids: list[int]) -> dict[int, list[tuple[str, int | None]]]:
    """entry id → the texts and catalogue reasons of its veto items, in order (a period has
    few: read them all), then those of the person's sanctions touching the period."""
    wanted = set(entry_ids)
    items: dict[int, list[tuple[str, int | None]]] = {}
    rows = (
        VetoItem.objects.filter(entry__period=period)
        .order_by("id")
        .values_list("entry_id", "text", "reason_id")
    )
    for entry_id, text, reason_id in rows:
        if entry_id in wanted:
            items.setdefault(entry_id, []).append((text, reason_id))
    for entry_id, vetoes in sanction_vetoes(period, entry_ids=wanted).items():
        items.setdefault(entry_id, []).extend(vetoes)
    return items


def scheme_totals_of(period: Period, entry_ids: list[int]) -> dict[int, tuple[str, str, Decimal | None]]:
    """entry id → (staff ID, name, the scheme's total or None) for the people a scheme of the
    period scores: an imported total overrides theirs."""
    wanted = set(entry_ids)
    select = (
        "SELECT t.entry_id, p.staff_id, r.name, t.total_cents FROM assessment_schemetotal t "
        "JOIN assessment_rosterentry r ON r.id = t.entry_id JOIN org_person p ON p.id = r.person_id "
        "WHERE t.period_id = %s"
    )
    rows = _fetch(select, select + " AND t.entry_id IN ({marks})", [period.pk], list(wanted))
    return {
        entry_id: (staff_id, name, None if cents is None else cents_to_points(cents))
        for entry_id, staff_id, name, cents in rows
        if entry_id in wanted
    }


def _staff_id_or_none(value) -> str | None:
    try:
        return cells.staff_id(value)
    except cells.CellError:
        return None


def apply_scores_import(plan: ScoresPlan, *, actor: str, user=None) -> ImportRecord:
    table = Score._meta.db_table
    with transaction.atomic():
        insert_rows(
            table, ("entry_id", *ScoreRow.COLUMNS), [(r.entry_id, *r.values()) for r in plan.new_scores]
        )
        update_rows(
            table, "entry_id", ScoreRow.COLUMNS, [(*r.values(), r.entry_id) for r in plan.changed_scores]
        )
        return record_import(ImportKind.SCORES, plan, actor=actor, user=user)
