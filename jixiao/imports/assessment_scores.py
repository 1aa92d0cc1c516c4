"""Importing the raw scores of the full-staff assessment.

Three kinds of file, each checked whole and refused whole like the roster and totals:

* indicator scores — 工号, optional 姓名 and 期间, then one column per objective or
  unit-scored indicator (named as in the scheme);
* rater scores — 工号 (the person rated), 评价主体, 评价人, optional 姓名 and 期间, then one
  column per rater-scored indicator; a rater never scores themself;
* bonus, penalty and veto items — 工号, 类型 (加分 / 减分 / 否决), 分值, 事由, optional 佐证 and
  姓名. The file is authoritative for the people in it: their items become the file's.

Scores are keyed (person, indicator, sub-period[, rater group, rater]): a file adds or
changes the scores it names and leaves others alone; re-importing it changes nothing.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment.formula import to_cents
from jixiao.assessment.models import (
    Adjustment,
    AdjustmentKind,
    DirectScore,
    Indicator,
    Period,
    RaterScore,
    RollUp,
    Scheme,
    ScoringMethod,
    VetoItem,
    VetoReason,
)
from jixiao.assessment.schemes import applicable_scheme, leaves
from jixiao.core.bulk import insert_rows, update_rows
from jixiao.core.text import clean_text, fold, normalize_staff_id, plain_decimal
from jixiao.imports import cells
from jixiao.imports.lookups import _fetch, roster_by_staff_id, zero_padded_twins
from jixiao.imports.models import ImportKind
from jixiao.imports.problems import ImportProblem, ImportRefused, ProblemList, not_on_roster
from jixiao.imports.records import record_import
from jixiao.imports.source import SourceFile, no_rows_problem
from jixiao.imports.table import OPTIONAL_NAME_COLUMN, STAFF_ID_COLUMN, Column, header_key

SUB_PERIOD_COLUMN = Column(
    "sub_period", "期间", ("sub_period", "sub-period", "月份", "季度", "month", "quarter"), required=False
)
GROUP_COLUMN = Column("group", "评价主体", ("rater group", "rater_group", "group", "评价类别"))
RATER_COLUMN = Column("rater", "评价人", ("rater", "评分人", "打分人", "评价人编号"))

INDICATOR_SCORE_COLUMNS = (STAFF_ID_COLUMN, OPTIONAL_NAME_COLUMN, SUB_PERIOD_COLUMN)
RATER_SCORE_COLUMNS = (STAFF_ID_COLUMN, GROUP_COLUMN, RATER_COLUMN, OPTIONAL_NAME_COLUMN, SUB_PERIOD_COLUMN)
ADJUSTMENT_COLUMNS = (
    STAFF_ID_COLUMN,
    Column("kind", "类型", ("kind", "type", "项目类型")),
    Column("points", "分值", ("points", "分数", "score"), required=False),
    Column("reason", "事由", ("reason", "原因", "理由")),
    Column("evidence", "佐证", ("evidence", "佐证材料", "依据"), required=False),
    OPTIONAL_NAME_COLUMN,
)

VETO = "veto"
NONE = "none"
ITEM_KINDS = {
    "加分": AdjustmentKind.BONUS,
    "bonus": AdjustmentKind.BONUS,
    "减分": AdjustmentKind.PENALTY,
    "扣分": AdjustmentKind.PENALTY,
    "penalty": AdjustmentKind.PENALTY,
    "否决": VETO,
    "一票否决": VETO,
    "veto": VETO,
    # A row of this kind clears the person's items: the file then gives them none.
    "无": NONE,
    "清除": NONE,
    "none": NONE,
}
CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
MONTH = re.compile(
    r"^(?:(?P<year>\d{4})(?:年|-|/|\.)?)?(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九])月?(?:份)?$"
)
QUARTER = re.compile(r"^(?:(?P<year>\d{4})(?:年|-|/|\.)?)?(?:q|第)?(?P<quarter>[1-4一二三四])(?:季度|季)?$")


@dataclass
class SchemeView:
    """What a file may name in a scheme: its leaves and rater groups, by header key."""

    scheme: Scheme
    leaves: dict[str, Indicator]
    groups: dict[str, int]

    @classmethod
    def of(cls, scheme: Scheme) -> "SchemeView":
        return cls(
            scheme=scheme,
            leaves={header_key(i.name): i for i in leaves(scheme.indicators.all())},
            groups={
                header_key(g.group.name): g.group_id for g in scheme.rater_groups.select_related("group")
            },
        )


@dataclass
class Assessed:
    staff_id: str
    entry_id: int
    name: str
    unit_id: int
    scheme: SchemeView


class RowChecker:
    """The checks every row of these files shares: the person is on the roster, has a
    scheme, is named right, and the sub-period fits the scheme's rhythm."""

    def __init__(self, period: Period, source: SourceFile, columns, records: list):
        self.period = period
        self.headers = {c.key: source.table.headers.get(c.key, c.header) for c in columns}
        self.problems = ProblemList()
        staff_ids = [_staff_id_or_none(values[0]) for _number, values in records]
        roster = roster_by_staff_id(period, [s for s in staff_ids if s])
        views: dict[tuple[int, int], SchemeView | None] = {}
        self.people: dict[str, tuple[int, str, int, SchemeView | None]] = {}
        for staff_id, (entry_id, name, unit_id, category_id) in roster.items():
            if (unit_id, category_id) not in views:
                scheme = applicable_scheme(period, unit_id, category_id)
                views[(unit_id, category_id)] = SchemeView.of(scheme) if scheme else None
            self.people[staff_id] = (entry_id, name, unit_id, views[(unit_id, category_id)])
        self.schemes = [v for v in views.values() if v is not None]
        self.twins = zero_padded_twins([s for s in staff_ids if s and s not in roster], period)
        # Every scored indicator of the period, so a column is recognised (and a wrong row
        # reported) whoever the file's people turn out to be.
        self.period_leaves: dict[str, set[str]] = {}
        for scheme in Scheme.objects.filter(period=period).prefetch_related("indicators"):
            for leaf in leaves(scheme.indicators.all()):
                self.period_leaves.setdefault(header_key(leaf.name), set()).add(leaf.method)
        self.rounded = 0

    def problem(self, message: str, row: int, key: str | None = None, *, column: str | None = None) -> None:
        self.problems.append(
            ImportProblem(message, row=row, column=column or (self.headers[key] if key else None))
        )

    def person(self, row: int, raw_staff_id, raw_name) -> Assessed | None:
        try:
            staff_id = cells.staff_id(raw_staff_id)
        except cells.CellError as error:
            self.problem(str(error), row, "staff_id")
            return None
        found = self.people.get(staff_id)
        if found is None:
            self.problem(not_on_roster(staff_id, self.period, self.twins), row, "staff_id")
            return None
        entry_id, name, unit_id, view = found
        given_name = clean_text(raw_name)
        if given_name and given_name != name:
            self.problem(
                _("%(name)s does not match the roster, which has %(roster_name)s for this staff ID")
                % {"name": given_name, "roster_name": name},
                row,
                "name",
            )
            return None
        if view is None:
            self.problem(
                _("%(name)s has no assessment scheme in this period") % {"name": name}, row, "staff_id"
            )
            return None
        return Assessed(staff_id, entry_id, name, unit_id, view)

    def sub_period(self, row: int, raw, scheme: Scheme) -> int | None:
        try:
            return sub_period_number(raw, self.period, scheme)
        except cells.CellError as error:
            self.problem(str(error), row, "sub_period")
            return None

    def score_cents(self, row: int, raw, indicator: Indicator, column: str) -> int | None:
        try:
            value, rounded = cells.score(raw)
        except cells.CellError as error:
            self.problem(str(error), row, column=column)
            return None
        self.rounded += rounded
        if value > indicator.full_marks:
            self.problem(
                _("%(value)s is more than the full marks %(full)s")
                % {"value": cells.shown(raw), "full": plain_decimal(indicator.full_marks)},
                row,
                column=column,
            )
            return None
        return to_cents(value)

    def indicator_columns(self, table) -> dict[int, str]:
        """position → header of the file's columns that name a scored indicator of any
        scheme of the period (a score in a column of the wrong kind is reported per row)."""
        return {
            position: header
            for header, position in table.others.items()
            if header_key(header) in self.period_leaves
        }

    def refuse_if_any(self) -> None:
        if self.problems:
            raise ImportRefused(self.problems)


def _staff_id_or_none(value) -> str | None:
    try:
        return cells.staff_id(value)
    except cells.CellError:
        return None


def sub_period_number(raw, period: Period, scheme: Scheme) -> int:
    """The sub-period a cell names: a month (2023-03, 3月, 三月) or a quarter (2023Q1, 一季度)
    within the period, as the scheme's rhythm asks; empty for a half-yearly scheme."""
    text = fold(clean_text(raw)).replace(" ", "")
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if isinstance(raw, datetime.date):
        # Excel turns a typed 2023-03 into a date: the month is what the user meant.
        text = (
            f"{raw.year}-{raw.month:02d}"
            if RollUp(scheme.roll_up) == RollUp.MONTHLY
            else f"{raw.year}q{(raw.month + 2) // 3}"
        )
    rhythm = RollUp(scheme.roll_up)
    if rhythm == RollUp.HALF_YEAR:
        half = "上半年" if period.start.month == 1 else "下半年"
        if text in {"", fold(period.code), half}:
            return 1
        raise cells.CellError(
            _("%(value)s: this scheme is scored once for the half-year") % {"value": cells.shown(raw)}
        )
    if not text:
        raise cells.CellError(_("is empty: this scheme is scored per %(rhythm)s") % {"rhythm": rhythm.label})
    pattern, first, count = (
        (MONTH, period.start.month, 6)
        if rhythm == RollUp.MONTHLY
        else (QUARTER, (period.start.month + 2) // 3, 2)
    )
    match = pattern.match(text)
    number = None
    if match and (not match["year"] or int(match["year"]) == period.start.year):
        value = match["month" if rhythm == RollUp.MONTHLY else "quarter"]
        value = int(value) if value.isdigit() else _chinese_number(value)
        number = value - first + 1
    if number is None or not 1 <= number <= count:
        raise cells.CellError(
            _("%(value)s is not a %(rhythm)s of %(period)s")
            % {"value": cells.shown(raw), "rhythm": rhythm.label, "period": period.code}
        )
    return number


def _chinese_number(text: str) -> int:
    if text.startswith("十"):
        return 10 + (CHINESE_DIGITS[text[1]] if len(text) > 1 else 0)
    return CHINESE_DIGITS[text]


# ---------------------------------------------------------------------------------------


@dataclass
class KeyedScoresPlan:
    """Scores keyed by the table's key columns: which to add, which to change."""

    kind: str
    period: Period
    source: SourceFile
    table: str
    key_columns: tuple[str, ...]
    rows: int = 0
    inserts: list[tuple] = field(default_factory=list)  # (*key, score_cents)
    updates: list[tuple] = field(default_factory=list)  # (score_cents, *key)
    unchanged: int = 0
    units: set[int] = field(default_factory=set)  # units whose scores change
    people: set[int] = field(default_factory=set)
    ignored: list[str] = field(default_factory=list)
    rounded: int = 0

    @property
    def changed(self) -> int:
        return len(self.inserts) + len(self.updates)

    def summary(self) -> dict:
        return {
            "new_scores": len(self.inserts),
            "changed_scores": len(self.updates),
            "unchanged_scores": self.unchanged,
            "people": len(self.people),
            "rounded": self.rounded,
            "ignored_columns": self.ignored,
        }

    def apply(self, actor: str) -> None:
        insert_rows(self.table, (*self.key_columns, "score_cents"), self.inserts)
        update_rows(self.table, self.key_columns, ("score_cents",), self.updates)


def _diff(plan: KeyedScoresPlan, wanted: dict[tuple, int], unit_of: dict[int, int]) -> KeyedScoresPlan:
    entry_ids = sorted({key[0] for key in wanted})
    columns = ", ".join(plan.key_columns)
    select = f"SELECT {columns}, score_cents FROM {plan.table} WHERE entry_id IN ({{marks}})"
    existing = (
        {tuple(row[:-1]): row[-1] for row in _fetch(select, select, [], entry_ids)} if entry_ids else {}
    )
    for key, cents in wanted.items():
        before = existing.get(key)
        if before == cents:
            plan.unchanged += 1
            continue
        if before is None:
            plan.inserts.append((*key, cents))
        else:
            plan.updates.append((cents, *key))
        plan.units.add(unit_of[key[0]])
    plan.people = {key[0] for key in wanted}
    return plan


def read_records(source: SourceFile, keys: tuple[str, ...]) -> tuple[list, dict[int, int]]:
    """All rows with the fixed columns first, then every other column; and where each
    other column's value sits in a row (position in the file → index in the row)."""
    others = sorted(source.table.others.values())
    records = list(source.table.records(keys, others))
    return records, {position: len(keys) + i for i, position in enumerate(others)}


def plan_indicator_scores(period: Period, source: SourceFile) -> KeyedScoresPlan:
    keys = ("staff_id", "name", "sub_period")
    records, index_of = read_records(source, keys)
    check = RowChecker(period, source, INDICATOR_SCORE_COLUMNS, records)
    indicator_columns = check.indicator_columns(source.table)
    if not indicator_columns:
        raise ImportRefused([ImportProblem(_no_indicator_columns(check, rated=False))])
    wanted: dict[tuple, int] = {}
    unit_of: dict[int, int] = {}
    first_row: dict[tuple, int] = {}
    for number, values in records:
        raw_staff_id, raw_name, raw_sub_period = values[: len(keys)]
        person = check.person(number, raw_staff_id, raw_name)
        if person is None:
            continue
        sub_period = check.sub_period(number, raw_sub_period, person.scheme.scheme)
        for position, header in indicator_columns.items():
            raw = values[index_of[position]]
            if _blank(raw):
                continue
            leaf = _leaf_for(check, number, person, header, rated=False)
            if leaf is None or sub_period is None:
                continue
            cents = check.score_cents(number, raw, leaf, header)
            key = (person.entry_id, leaf.pk, sub_period)
            if key in first_row:
                check.problem(
                    _("scored twice (first on row %(row)s)") % {"row": first_row[key]}, number, column=header
                )
                continue
            first_row[key] = number
            if cents is not None:
                wanted[key] = cents
                unit_of[person.entry_id] = person.unit_id
    check.refuse_if_any()
    if not records:
        raise no_rows_problem()
    plan = KeyedScoresPlan(
        kind=ImportKind.INDICATOR_SCORES,
        period=period,
        source=source,
        table=DirectScore._meta.db_table,
        key_columns=("entry_id", "indicator_id", "sub_period"),
        rows=len(records),
        ignored=[h for h, p in source.table.others.items() if p not in indicator_columns],
        rounded=check.rounded,
    )
    return _diff(plan, wanted, unit_of)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _leaf_for(check: RowChecker, row: int, person: Assessed, header: str, *, rated: bool) -> Indicator | None:
    leaf = person.scheme.leaves.get(header_key(header))
    if leaf is None:
        check.problem(
            _("%(name)s is not an indicator of the scheme %(scheme)s")
            % {"name": header, "scheme": person.scheme.scheme.name},
            row,
            column=header,
        )
        return None
    if (leaf.method == ScoringMethod.RATERS) != rated:
        message = (
            _("%(name)s is scored by raters: import it with the rater scores")
            if leaf.method == ScoringMethod.RATERS
            else _("%(name)s is not scored by raters: import it with the indicator scores")
        )
        check.problem(message % {"name": header}, row, column=header)
        return None
    return leaf


def _no_indicator_columns(check: RowChecker, *, rated: bool) -> str:
    expected = sorted(
        key
        for key, methods in check.period_leaves.items()
        if (ScoringMethod.RATERS in methods if rated else bool(methods - {ScoringMethod.RATERS}))
    )
    return _("The file has no indicator columns. Expected, as named in the schemes: %(names)s.") % {
        "names": "、".join(expected) or "—"
    }


def plan_rater_scores(period: Period, source: SourceFile) -> KeyedScoresPlan:
    keys = ("staff_id", "group", "rater", "name", "sub_period")
    records, index_of = read_records(source, keys)
    check = RowChecker(period, source, RATER_SCORE_COLUMNS, records)
    indicator_columns = check.indicator_columns(source.table)
    if not indicator_columns:
        raise ImportRefused([ImportProblem(_no_indicator_columns(check, rated=True))])
    wanted: dict[tuple, int] = {}
    unit_of: dict[int, int] = {}
    first_row: dict[tuple, int] = {}
    for number, values in records:
        raw_staff_id, raw_group, raw_rater, raw_name, raw_sub_period = values[: len(keys)]
        if _blank(raw_rater) and all(_blank(values[index_of[p]]) for p in indicator_columns):
            continue  # a pre-filled template row nobody filled in
        person = check.person(number, raw_staff_id, raw_name)
        if person is None:
            continue
        sub_period = check.sub_period(number, raw_sub_period, person.scheme.scheme)
        group_id = person.scheme.groups.get(header_key(raw_group))
        if group_id is None:
            check.problem(
                _("%(value)s is not a rater group of the scheme %(scheme)s (%(groups)s)")
                % {
                    "value": cells.shown(raw_group) or "—",
                    "scheme": person.scheme.scheme.name,
                    "groups": "、".join(
                        g.group.name for g in person.scheme.scheme.rater_groups.select_related("group")
                    ),
                },
                number,
                "group",
            )
        rater = normalize_staff_id(raw_rater)
        if not rater or len(rater) > 32:
            check.problem(
                _("is empty") if not rater else _("is longer than %(max)s characters") % {"max": 32},
                number,
                "rater",
            )
            rater = None
        elif rater == person.staff_id:
            check.problem(_("a rater never scores themself"), number, "rater")
            rater = None
        for position, header in indicator_columns.items():
            raw = values[index_of[position]]
            if _blank(raw):
                continue
            leaf = _leaf_for(check, number, person, header, rated=True)
            if leaf is None or sub_period is None or group_id is None or rater is None:
                continue
            cents = check.score_cents(number, raw, leaf, header)
            key = (person.entry_id, leaf.pk, sub_period, group_id, rater)
            if key in first_row:
                check.problem(
                    _("this rater already scored this person (first on row %(row)s)")
                    % {"row": first_row[key]},
                    number,
                    column=header,
                )
                continue
            first_row[key] = number
            if cents is not None:
                wanted[key] = cents
                unit_of[person.entry_id] = person.unit_id
    check.refuse_if_any()
    if not records:
        raise no_rows_problem()
    plan = KeyedScoresPlan(
        kind=ImportKind.RATER_SCORES,
        period=period,
        source=source,
        table=RaterScore._meta.db_table,
        key_columns=("entry_id", "indicator_id", "sub_period", "group_id", "rater"),
        rows=len(records),
        ignored=[h for h, p in source.table.others.items() if p not in indicator_columns],
        rounded=check.rounded,
    )
    return _diff(plan, wanted, unit_of)


@dataclass
class ItemsPlan:
    """Bonus, penalty and veto items: the people named get exactly the file's items."""

    period: Period
    source: SourceFile
    rows: int = 0
    replaced: list[int] = field(default_factory=list)  # entries whose items change
    adjustments: list[tuple] = field(default_factory=list)  # entry, kind, points, reason, evidence
    vetoes: list[tuple] = field(default_factory=list)  # entry, reason id, text, evidence
    unchanged_people: int = 0
    units: set[int] = field(default_factory=set)
    kind: str = ImportKind.ADJUSTMENTS

    @property
    def changed(self) -> int:
        return len(self.replaced)

    def summary(self) -> dict:
        return {
            "people_changed": len(self.replaced),
            "people_unchanged": self.unchanged_people,
            "bonus_items": sum(1 for a in self.adjustments if a[1] == AdjustmentKind.BONUS),
            "penalty_items": sum(1 for a in self.adjustments if a[1] == AdjustmentKind.PENALTY),
            "veto_items": len(self.vetoes),
            "ignored_columns": self.source.table.ignored,
        }

    def apply(self, actor: str) -> None:
        with transaction.atomic():
            Adjustment.objects.filter(entry_id__in=self.replaced).delete()
            VetoItem.objects.filter(entry_id__in=self.replaced).delete()
            Adjustment.objects.bulk_create(
                Adjustment(entry_id=e, kind=k, points=p, reason=r, evidence=ev, recorded_by=actor)
                for e, k, p, r, ev in self.adjustments
                if e in self.replaced_set
            )
            VetoItem.objects.bulk_create(
                VetoItem(entry_id=e, reason_id=rid, text=t, evidence=ev, recorded_by=actor)
                for e, rid, t, ev in self.vetoes
                if e in self.replaced_set
            )

    @property
    def replaced_set(self) -> set[int]:
        return set(self.replaced)


def plan_adjustments(period: Period, source: SourceFile) -> ItemsPlan:
    keys = ("staff_id", "kind", "points", "reason", "evidence", "name")
    records = list(source.table.records(keys))
    check = RowChecker(period, source, ADJUSTMENT_COLUMNS, records)
    reasons = {}
    for reason in VetoReason.objects.all():
        reasons[reason.name] = reasons[reason.code] = reason.pk
    items: dict[int, list[tuple]] = {}
    unit_of: dict[int, int] = {}
    for number, (raw_staff_id, raw_kind, raw_points, raw_reason, raw_evidence, raw_name) in records:
        person = check.person(number, raw_staff_id, raw_name)
        kind = ITEM_KINDS.get(fold(clean_text(raw_kind)))
        if kind is None:
            check.problem(
                _("%(value)s is not a kind of item (加分, 减分, 否决, or 无 to clear the person's items)")
                % {"value": cells.shown(raw_kind) or "—"},
                number,
                "kind",
            )
        points = None
        if kind in (AdjustmentKind.BONUS, AdjustmentKind.PENALTY):
            try:
                points, _rounded = cells.score(raw_points)
                if points == 0:
                    raise cells.CellError(_("must be more than 0"))
                if points > Decimal("999.99"):
                    raise cells.CellError(_("%(value)s is too large") % {"value": cells.shown(raw_points)})
            except cells.CellError as error:
                check.problem(str(error), number, "points")
                points = None
        elif kind in (VETO, NONE) and not _blank(raw_points):
            check.problem(
                _("a veto item has no points") if kind == VETO else _("must be empty"), number, "points"
            )
        texts = []
        for key, raw, required in (("reason", raw_reason, kind != NONE), ("evidence", raw_evidence, False)):
            try:
                texts.append(cells.text(raw, max_length=200, required=required))
            except cells.CellError as error:
                check.problem(str(error), number, key)
                texts.append(None)
        reason, evidence = texts
        if person is None or kind is None or reason is None or evidence is None:
            continue
        if kind == NONE:
            items.setdefault(person.entry_id, [])
        elif kind == VETO:
            items.setdefault(person.entry_id, []).append((VETO, reasons.get(reason), reason, evidence))
        elif points is not None:
            items.setdefault(person.entry_id, []).append((kind, points, reason, evidence))
        unit_of[person.entry_id] = person.unit_id
    check.refuse_if_any()
    if not records:
        raise no_rows_problem()

    plan = ItemsPlan(period=period, source=source, rows=len(records))
    existing: dict[int, list[tuple]] = {}
    for a in Adjustment.objects.filter(entry_id__in=items):
        existing.setdefault(a.entry_id, []).append((a.kind, a.points, a.reason, a.evidence))
    for v in VetoItem.objects.filter(entry_id__in=items):
        existing.setdefault(v.entry_id, []).append((VETO, v.reason_id, v.text, v.evidence))
    for entry_id, wanted in items.items():
        for item in wanted:
            if item[0] == VETO:
                plan.vetoes.append((entry_id, item[1], item[2], item[3]))
            else:
                plan.adjustments.append((entry_id, *item))
        if Counter(wanted) == Counter(existing.get(entry_id, [])):
            plan.unchanged_people += 1
        else:
            plan.replaced.append(entry_id)
            plan.units.add(unit_of[entry_id])
    return plan


def apply_raw_scores(plan: KeyedScoresPlan | ItemsPlan, *, actor: str, user=None):
    with transaction.atomic():
        plan.apply(actor)
        return record_import(plan.kind, plan, actor=actor, user=user)
