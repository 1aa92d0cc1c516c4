"""Rule what-if (规则推演): what other settings of a period's rules would give, before the city
office changes them — computed by the database, set-wise, changing nothing.

The period's people are placed by ``selection.ranking.placements_select_sql`` — built from
the very expressions of the SELECT the ranking writes into the results table — under the
period's own settings and under each alternative at once, in one statement, into a
temporary table of the session (one row a person: their eligibility, rank, group size and
places under each set of settings). Grouped counts per unit and category, per category and
for the city, and the people who would come in or drop out, are read from that table; it is
dropped at the end. Nothing else is written: not the rules, not the results table, not the
audit log.

Both sides are computed from the period scores as stored now, so the comparison is between
settings alone, whether or not the stored ranking is up to date. Special nominations do not
depend on these settings: their cap is a share of each unit's headcount.
"""

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.db import connection, transaction

from jixiao.assessment.models import Period, RosterEntry, Score
from jixiao.org.models import Category, Person, Unit
from jixiao.selection import rules
from jixiao.selection.models import NominationState, Outcome, SelectionRules, SpecialNomination
from jixiao.selection.ranking import placements_select_sql

# The session's own table of one what-if (temporary: no other connection sees it).
TABLE = "jixiao_what_if"
# At most this many alternatives are compared at once (the page offers three).
MAX_ALTERNATIVES = 5


@dataclass(frozen=True)
class RuleSettings:
    """The settings of a period's rules that decide who is eligible by rank (rules 1, 2, 4):
    the fields of ``SelectionRules`` of the same names."""

    share_percent: Decimal = Decimal("10")
    quota_rounding: str = rules.QuotaRounding.FLOOR
    min_quota: int = 0
    tie_policy: str = rules.TiePolicy.SHARE_RANK
    peer_scope: str = rules.PeerScope.UNIT
    fill_vetoed_places: bool = False

    def __post_init__(self):
        # Plain values, whatever they came as (model choices, strings): 10 and 10.00 % are equal.
        object.__setattr__(self, "share_percent", Decimal(self.share_percent))
        object.__setattr__(self, "quota_rounding", str(rules.QuotaRounding(self.quota_rounding)))
        object.__setattr__(self, "tie_policy", str(rules.TiePolicy(self.tie_policy)))
        object.__setattr__(self, "peer_scope", str(rules.PeerScope(self.peer_scope)))
        object.__setattr__(self, "min_quota", int(self.min_quota))
        object.__setattr__(self, "fill_vetoed_places", bool(self.fill_vetoed_places))
        rules.percent_to_basis_points(self.share_percent)  # refuses a share out of range

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, selection_rules) -> "RuleSettings":
        """The settings of a ``SelectionRules`` (saved or not) or of any object with them."""
        return cls(**{name: getattr(selection_rules, name) for name in cls.names()})

    def with_changes(self, **changes) -> "RuleSettings":
        return replace(self, **changes)

    def differences(self, other: "RuleSettings") -> list[str]:
        """The names of the settings in which ``other`` differs from these."""
        return [name for name in self.names() if getattr(self, name) != getattr(other, name)]

    def ranking_rules(self) -> rules.RankingRules:
        """As ``SelectionRules.ranking_rules``: what ``ranking_select_sql`` reads."""
        return rules.RankingRules(
            share_bp=rules.percent_to_basis_points(self.share_percent),
            rounding=rules.QuotaRounding(self.quota_rounding),
            min_quota=self.min_quota,
            tie_policy=rules.TiePolicy(self.tie_policy),
            fill_vetoed_places=self.fill_vetoed_places,
        )

    @property
    def places_per_unit(self) -> bool:
        """Whether each unit's people of a category are a peer group of their own, so that a
        unit and category has places of its own (not so for unit-tree or city-wide groups,
        whose places are shared by their units)."""
        return self.peer_scope == rules.PeerScope.UNIT


def current_settings(period: Period) -> RuleSettings:
    """The period's settings (the defaults where its rules were never set)."""
    selection_rules = SelectionRules.objects.filter(period=period).first()
    return RuleSettings() if selection_rules is None else RuleSettings.of(selection_rules)


@dataclass
class Counts:
    """Under one set of settings: people eligible by rank, the places (``None`` where the
    peer groups are not the unit's own), and against the current settings the people who
    would come in and drop out."""

    eligible: int = 0
    places: int | None = 0
    came_in: int = 0
    dropped_out: int = 0

    def add(self, other: "Counts") -> None:
        self.eligible += other.eligible
        self.places = None if self.places is None or other.places is None else self.places + other.places
        self.came_in += other.came_in
        self.dropped_out += other.dropped_out


@dataclass
class Row:
    """A unit's people of a category (or a category's, or the city's): the counts under
    the current settings and under each alternative."""

    unit_id: int | None
    unit_name: str
    category_id: int | None
    category_name: str
    assessed: int
    vetoed: int
    current: Counts
    alternatives: list[Counts]

    @property
    def changed(self) -> bool:
        return any(changes(self.current, alternative) for alternative in self.alternatives)

    def columns(self) -> list[tuple[Counts, int | None, int | None]]:
        """Each alternative with its differences from the current settings: eligible, places."""
        return [
            (
                alternative,
                alternative.eligible - self.current.eligible,
                None
                if alternative.places is None or self.current.places is None
                else alternative.places - self.current.places,
            )
            for alternative in self.alternatives
        ]


def changes(current: Counts, alternative: Counts) -> bool:
    """Someone comes in or drops out, or the places change (where both have places of their
    own: a unit's own places against its share of a larger group's are no change by
    themselves)."""
    return bool(
        alternative.came_in
        or alternative.dropped_out
        or alternative.eligible != current.eligible
        or (None not in (alternative.places, current.places) and alternative.places != current.places)
    )


@dataclass
class Placed:
    """A person's place under one set of settings."""

    rank: int
    group_size: int
    places: int
    eligible: bool


@dataclass
class ChangedPerson:
    """Someone who would come in (eligible by rank under the alternative, not now) or drop
    out (eligible now, not under the alternative)."""

    person_id: int
    staff_id: str
    name: str
    unit_name: str
    category_name: str
    total: Decimal
    came_in: bool
    now: Placed
    then: Placed
    # A proposed special nomination of the person: coming in by rank, it would have to go.
    nominated: bool = False


@dataclass
class People:
    """One page of an alternative's changed people (``count``: on every page together)."""

    count: int
    offset: int
    people: list[ChangedPerson] = field(default_factory=list)


@dataclass
class Comparison:
    current: RuleSettings
    alternatives: list[RuleSettings]
    rows: list[Row]  # one page of the units and categories (all, or the changed ones)
    row_count: int  # of every page
    categories: list[Row]
    city: Row
    people: list[People]  # per alternative
    assessed: int = 0

    @property
    def changed(self) -> bool:
        return self.city.changed


def compare(
    period: Period,
    alternatives: Sequence[RuleSettings],
    *,
    current: RuleSettings | None = None,
    changed_rows_only: bool = True,
    rows_offset: int = 0,
    rows_limit: int | None = None,
    people_unit_id: int | None = None,
    people_offset: int = 0,
    people_limit: int | None = 100,
) -> Comparison:
    """The period's people ranked under ``current`` (default: the period's settings) and
    under each alternative: counts per unit and category (only those where something
    changes, unless ``changed_rows_only`` is false; one page of them with ``rows_limit``),
    per category and for the city; and one page of each alternative's changed people (of
    one unit, with ``people_unit_id``). Writes nothing but the session's temporary table."""
    if not 1 <= len(alternatives) <= MAX_ALTERNATIVES:
        raise ValueError(f"between 1 and {MAX_ALTERNATIVES} alternatives, not {len(alternatives)}")
    current = current_settings(period) if current is None else current
    settings = [current, *alternatives]
    with people_table(period, settings) as cursor:
        categories = category_rows(cursor, settings)
        city = Row(None, "", None, "", 0, 0, Counts(), [Counts() for _ in alternatives])
        for row in categories:
            city.assessed += row.assessed
            city.vetoed += row.vetoed
            city.current.add(row.current)
            for total, counts in zip(city.alternatives, row.alternatives, strict=True):
                total.add(counts)
        rows, row_count = unit_rows(cursor, settings, changed_rows_only, rows_offset, rows_limit)
        if people_unit_id is None:
            counts = [c.came_in + c.dropped_out for c in city.alternatives]
        else:
            counts = people_counts(cursor, settings, people_unit_id)
        people = [
            changed_people(cursor, period, i, count, people_unit_id, people_offset, people_limit)
            for i, count in enumerate(counts, start=1)
        ]
    return Comparison(
        current=current,
        alternatives=list(alternatives),
        rows=rows,
        row_count=row_count,
        categories=categories,
        city=city,
        people=people,
        assessed=city.assessed,
    )


# --------------------------------------------------------------------------- the SQL


@contextlib.contextmanager
def people_table(period: Period, settings: Sequence[RuleSettings]) -> Iterator:
    """The session's temporary table of the period's people under every set of settings:
    person, entry, unit, category, vetoed, and per set ``i`` the peer group ``g{i}``, rank
    ``r{i}``, group size ``n{i}``, places ``q{i}`` and eligibility by rank ``e{i}`` (1/0).

    One statement: ``ranking.placements_select_sql``, the ranking's own expressions under
    every set at once (the sets of one peer scope share their windows). On PostgreSQL
    within a transaction (a savepoint inside one), so that an error takes the table with
    it; SQLite's writing transactions would lock out every other writer, so there the table
    is dropped by hand.
    """
    table = connection.ops.quote_name(TABLE)
    columns = ["person_id", "entry_id", "unit_id", "category_id", "vetoed"]
    for i in range(len(settings)):
        columns += [
            f"group_key{i} AS g{i}",
            f"peer_rank{i} AS r{i}",
            f"group_size{i} AS n{i}",
            f"places{i} AS q{i}",
            f"CASE WHEN outcome{i} = '{Outcome.BY_RANK}' THEN 1 ELSE 0 END AS e{i}",
        ]
    create = (
        f"CREATE TEMPORARY TABLE {table} AS SELECT {', '.join(columns)} "
        f"FROM ({placements_select_sql(settings)}) placed"
    )
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(create, [period.pk])
            yield cursor
            cursor.execute(f"DROP TABLE {table}")
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(create, [period.pk])
            yield cursor
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def count_columns(settings: Sequence[RuleSettings]) -> list[str]:
    """The grouped counts: assessed, vetoed, then per set eligible and the most places of a
    member's group, and per alternative those who come in and drop out."""
    columns = ["COUNT(*)", "SUM(vetoed)"]
    for i in range(len(settings)):
        columns += [f"SUM(e{i})", f"MAX(q{i})"]
        if i:
            columns += [
                f"SUM(CASE WHEN e{i} = 1 AND e0 = 0 THEN 1 ELSE 0 END)",
                f"SUM(CASE WHEN e{i} = 0 AND e0 = 1 THEN 1 ELSE 0 END)",
            ]
    return columns


def counts_of(values: Sequence, settings: Sequence[RuleSettings], places: list | None = None):
    """assessed, vetoed, and the Counts per set, from a row of ``count_columns`` (places of
    the category from ``places`` when given, else a unit's own where it has them)."""
    assessed, vetoed, *rest = values
    sets, position = [], 0
    for i, s in enumerate(settings):
        eligible, most_places = rest[position], rest[position + 1]
        position += 2
        came_in = dropped_out = 0
        if i:
            came_in, dropped_out = rest[position], rest[position + 1]
            position += 2
        own_places = places[i] if places is not None else (most_places if s.places_per_unit else None)
        sets.append(Counts(int(eligible or 0), own_places, int(came_in or 0), int(dropped_out or 0)))
    return int(assessed), int(vetoed or 0), sets


def category_rows(cursor, settings: Sequence[RuleSettings]) -> list[Row]:
    """Per category: the counts, and the places of each set — the sum over the category's
    peer groups of each group's places."""
    table = connection.ops.quote_name(TABLE)
    cursor.execute(
        f"SELECT category_id, {', '.join(count_columns(settings))} FROM {table} GROUP BY category_id"
    )
    counted = {row[0]: row[1:] for row in cursor.fetchall()}
    # One grouping per peer scope: the sets of a scope share its peer groups.
    by_scope: dict[str, list[int]] = {}
    for i, s in enumerate(settings):
        by_scope.setdefault(s.peer_scope, []).append(i)
    places: dict[int, list] = {category_id: [0] * len(settings) for category_id in counted}
    for sets in by_scope.values():
        cursor.execute(
            f"SELECT category_id, {', '.join(f'SUM(q{i})' for i in sets)} FROM "
            f"(SELECT category_id, {', '.join(f'MAX(q{i}) AS q{i}' for i in sets)} FROM {table} "
            f"GROUP BY g{sets[0]}, category_id) g GROUP BY category_id"
        )
        for category_id, *sums in cursor.fetchall():
            for i, total in zip(sets, sums, strict=True):
                places[category_id][i] = int(total or 0)
    names = Category.objects.in_bulk(list(counted))
    rows = []
    for category in sorted(names.values(), key=lambda c: (c.sort_order, c.pk)):
        assessed, vetoed, (now, *then) = counts_of(counted[category.pk], settings, places[category.pk])
        rows.append(Row(None, "", category.pk, category.name, assessed, vetoed, now, then))
    return rows


def changed_condition(settings: Sequence[RuleSettings]) -> str:
    """SQL of ``changes``: a unit and category changes under an alternative when someone
    comes in or drops out, or (where both have places of the unit's own) its places change."""
    parts = []
    for i in range(1, len(settings)):
        parts.append(f"SUM(CASE WHEN e{i} <> e0 THEN 1 ELSE 0 END) > 0")
        if settings[0].places_per_unit and settings[i].places_per_unit:
            parts.append(f"MAX(q{i}) <> MAX(q0)")
    return " OR ".join(parts)


def unit_rows(cursor, settings, changed_only: bool, offset: int, limit: int | None) -> tuple[list[Row], int]:
    """One page of the units and categories, in the units' and categories' order, and how
    many there are on every page together."""
    quote = connection.ops.quote_name
    table = quote(TABLE)
    having = f"HAVING {changed_condition(settings)}" if changed_only else ""
    page = "" if limit is None else f"LIMIT {int(limit)} OFFSET {int(offset)}"
    cursor.execute(
        f"""
        SELECT x.*, u.name, c.name, COUNT(*) OVER () FROM (
            SELECT unit_id, category_id, {", ".join(count_columns(settings))}
            FROM {table} GROUP BY unit_id, category_id {having}
        ) x
        JOIN {quote(Unit._meta.db_table)} u ON u.id = x.unit_id
        JOIN {quote(Category._meta.db_table)} c ON c.id = x.category_id
        ORDER BY u.sort_order, u.id, c.sort_order, c.id
        {page}
        """
    )
    fetched = cursor.fetchall()
    total = fetched[0][-1] if fetched else 0
    if not fetched and offset:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT unit_id FROM {table} GROUP BY unit_id, category_id {having}) x"
        )
        total = cursor.fetchone()[0]
    rows = []
    for unit_id, category_id, *values, unit_name, category_name, _total in fetched:
        assessed, vetoed, (now, *then) = counts_of(values, settings)
        rows.append(Row(unit_id, unit_name, category_id, category_name, assessed, vetoed, now, then))
    return rows, int(total)


def people_counts(cursor, settings: Sequence[RuleSettings], unit_id: int) -> list[int]:
    """How many people of the unit each alternative changes."""
    table = connection.ops.quote_name(TABLE)
    changed = ", ".join(f"SUM(CASE WHEN e{i} <> e0 THEN 1 ELSE 0 END)" for i in range(1, len(settings)))
    cursor.execute(f"SELECT {changed} FROM {table} WHERE unit_id = %s", [unit_id])
    return [int(n or 0) for n in cursor.fetchone()]


def changed_people(
    cursor,
    period: Period,
    i: int,
    count: int,
    unit_id: int | None,
    offset: int,
    limit: int | None,
) -> People:
    """One page of the ``count`` people whose eligibility by rank alternative ``i`` changes,
    by unit, category, those coming in first, then by rank; their names and totals as the
    period shows them (its roster and scores), and whether a special nomination of theirs is
    proposed. One statement: the page is cut from the what-if table first, and only its
    people are looked up."""
    quote = connection.ops.quote_name
    table = quote(TABLE)
    in_unit = "" if unit_id is None else "AND t.unit_id = %s"
    page = "" if limit is None else f"LIMIT {int(limit)} OFFSET {int(offset)}"
    order = f"unit_order, t.unit_id, category_order, t.category_id, t.e{i} DESC, t.rank_order, t.person_id"
    cursor.execute(
        f"""
        SELECT t.person_id, p.staff_id, e.name, p.name, u.name, c.name,
               CAST(ROUND(s.total * 100) AS BIGINT), t.e{i},
               t.r0, t.n0, t.q0, t.e0, t.r{i}, t.n{i}, t.q{i}, t.e{i},
               CASE WHEN n.id IS NULL THEN 0 ELSE 1 END
        FROM (
            SELECT t.*, u.sort_order AS unit_order, c.sort_order AS category_order,
                   CASE WHEN t.e{i} = 1 THEN t.r{i} ELSE t.r0 END AS rank_order
            FROM {table} t
            JOIN {quote(Unit._meta.db_table)} u ON u.id = t.unit_id
            JOIN {quote(Category._meta.db_table)} c ON c.id = t.category_id
            WHERE t.e{i} <> t.e0 {in_unit}
            ORDER BY {order.replace("t.rank_order", "rank_order")}
            {page}
        ) t
        JOIN {quote(RosterEntry._meta.db_table)} e ON e.id = t.entry_id
        JOIN {quote(Score._meta.db_table)} s ON s.entry_id = t.entry_id
        JOIN {quote(Person._meta.db_table)} p ON p.id = t.person_id
        JOIN {quote(Unit._meta.db_table)} u ON u.id = t.unit_id
        JOIN {quote(Category._meta.db_table)} c ON c.id = t.category_id
        LEFT JOIN {quote(SpecialNomination._meta.db_table)} n
               ON n.period_id = %s AND n.person_id = t.person_id AND n.state = %s
        ORDER BY {order}
        """,
        [*([] if unit_id is None else [unit_id]), period.pk, NominationState.PROPOSED],
    )
    people = []
    for (
        person_id,
        staff_id,
        entry_name,
        person_name,
        unit,
        category,
        cents,
        came_in,
        *rest,
    ) in cursor.fetchall():
        now, then, nominated = rest[:4], rest[4:8], rest[8]
        people.append(
            ChangedPerson(
                person_id=person_id,
                staff_id=staff_id,
                name=entry_name or person_name,
                unit_name=unit,
                category_name=category,
                total=Decimal(int(cents)).scaleb(-2),
                came_in=bool(came_in),
                now=Placed(int(now[0]), int(now[1]), int(now[2]), bool(now[3])),
                then=Placed(int(then[0]), int(then[1]), int(then[2]), bool(then[3])),
                nominated=bool(nominated),
            )
        )
    return People(count=count, offset=offset, people=people)
