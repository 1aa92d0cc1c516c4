"""Ranking and eligibility computed by the database in one INSERT … SELECT.

The statement mirrors ``selection.rules.place_peer_group`` exactly: competition rank with
``RANK()``, group size with ``COUNT(*)``, quotas in integer basis-point arithmetic. No
Python loop touches a person.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import connection, transaction
from django.db.models import Count, Max, Q

from jixiao.assessment.changes import last_changes
from jixiao.assessment.models import Period, RosterEntry, UnitDataChange
from jixiao.org.models import Unit
from jixiao.selection import rules
from jixiao.selection.models import (
    NominationState,
    Outcome,
    RankingResult,
    RankingRun,
    SelectionRules,
    SpecialNomination,
)

RESULT_COLUMNS = (
    "period_id",
    "person_id",
    "entry_id",
    "unit_id",
    "category_id",
    "group_unit_id",
    "total",
    "rank",
    "group_size",
    "quota",
    "outcome",
    "veto_text",
)

# The names of the ranking SELECT's columns, in order (the results table's columns are
# ``RESULT_COLUMNS``, in the same order): what a query over the SELECT may read.
SELECT_COLUMNS = (
    "period_id",
    "person_id",
    "entry_id",
    "unit_id",
    "category_id",
    "group_key",
    "total",
    "peer_rank",
    "group_size",
    "places",
    "outcome",
    "veto_text",
)


class RankingSettings(Protocol):
    """The settings a ranking follows: a period's ``SelectionRules``, or another set of the
    same values (``selection.what_if`` ranks by settings that are not the period's)."""

    peer_scope: str

    def ranking_rules(self) -> rules.RankingRules: ...


_ROUNDING_ADDEND = {
    rules.QuotaRounding.FLOOR: 0,
    rules.QuotaRounding.HALF_UP: rules.BASIS_POINTS // 2,
    rules.QuotaRounding.CEIL: rules.BASIS_POINTS - 1,
}

_GROUP_EXPRESSION = {
    rules.PeerScope.UNIT: "r.unit_id",
    rules.PeerScope.UNIT_TREE: "u.root_id",
    rules.PeerScope.CITY: "CAST(NULL AS BIGINT)",
}


def _competitor_metric(ranking: rules.RankingRules, peers: str) -> str | None:
    """The window a person's value of must be within the places to pass, over the peer
    group's partition ``peers``; ``None`` where that is the peer rank itself."""
    competitors = f"{peers}, vetoed" if ranking.fill_vetoed_places else peers
    if ranking.tie_policy == rules.TiePolicy.SHARE_RANK and not ranking.fill_vetoed_places:
        # The default: the competitors are the peers, their rank the peer rank (no second sort).
        return None
    if ranking.tie_policy == rules.TiePolicy.SHARE_RANK:
        return f"RANK() OVER ({competitors} ORDER BY total DESC)"
    # How many competitors have this total or a higher one: the whole tie must fit.
    return f"COUNT(*) OVER ({competitors} ORDER BY total DESC)"


def _places(ranking: rules.RankingRules, group_size: str) -> str:
    """A peer group's places (``rules.quota``) from its size, in integer arithmetic."""
    share_bp = int(ranking.share_bp)
    addend = _ROUNDING_ADDEND[ranking.rounding]
    min_quota = int(ranking.min_quota)
    rounded = f"(({group_size} * {share_bp} + {addend}) / {rules.BASIS_POINTS})"
    floor_quota = f"(CASE WHEN {min_quota} > {group_size} THEN {group_size} ELSE {min_quota} END)"
    return f"(CASE WHEN {rounded} < {floor_quota} THEN {floor_quota} ELSE {rounded} END)"


def _outcome(metric: str, places: str) -> str:
    """Vetoed, eligible by rank (the metric within the places) or not selected."""
    return f"""CASE WHEN vetoed = 1 THEN '{Outcome.VETOED}'
                    WHEN {metric} <= {places}
                    THEN '{Outcome.BY_RANK}'
                    ELSE '{Outcome.NOT_SELECTED}' END"""


def _assessed_sql(groups: dict[str, rules.PeerScope], in_units: str = "") -> str:
    """The period's assessed people (roster ⋈ scores; parameter: the period id), with a
    peer-group key column for each name in ``groups``."""
    keys = "".join(f"{_GROUP_EXPRESSION[scope]} AS {name}, " for name, scope in groups.items())
    unit_join = "JOIN org_unit u ON u.id = r.unit_id" if rules.PeerScope.UNIT_TREE in groups.values() else ""
    return f"""
                SELECT r.period_id, r.person_id, r.id AS entry_id, r.unit_id, r.category_id,
                       {keys}s.total, s.veto_text,
                       CASE WHEN s.veto_text <> '' THEN 1 ELSE 0 END AS vetoed
                FROM assessment_rosterentry r
                JOIN assessment_score s ON s.entry_id = r.id
                {unit_join}
                WHERE r.period_id = %s {in_units}"""


def ranking_select_sql(selection_rules: RankingSettings, unit_count: int | None = None) -> str:
    """The SELECT that places every assessed person of a period (parameters: the period id,
    then ``unit_count`` unit ids when the ranking is of those units' people only), with the
    columns ``SELECT_COLUMNS``, under the settings given.

    Only integers computed here are spliced into the text; nothing a user typed is.
    """
    ranking = selection_rules.ranking_rules()
    scope = rules.PeerScope(selection_rules.peer_scope)
    in_units = "" if unit_count is None else f"AND r.unit_id IN ({', '.join(['%s'] * unit_count)})"
    peers = "PARTITION BY group_key, category_id"
    competitor_metric = _competitor_metric(ranking, peers)
    places = _places(ranking, "group_size")
    return f"""
        SELECT period_id, person_id, entry_id, unit_id, category_id, group_key, total,
               peer_rank, group_size, {places} AS places,
               {_outcome("peer_rank" if competitor_metric is None else "competitor_metric", places)} AS outcome,
               veto_text
        FROM (
            SELECT assessed.*,
                   RANK() OVER ({peers} ORDER BY total DESC) AS peer_rank,
                   COUNT(*) OVER ({peers}) AS group_size
                   {"" if competitor_metric is None else f", {competitor_metric} AS competitor_metric"}
            FROM ({_assessed_sql({"group_key": scope}, in_units)}
            ) assessed
        ) ranked
    """


def placements_select_sql(settings: Sequence[RankingSettings]) -> str:
    """One SELECT placing every assessed person of a period under each of several sets of
    settings at once (parameter: the period id): ``person_id, entry_id, unit_id,
    category_id, total, vetoed`` and, for each set ``i``, ``group_key{i}, peer_rank{i},
    group_size{i}, places{i}, outcome{i}`` — for each set what ``ranking_select_sql`` under
    it gives, from the same expressions. Sets of the same peer scope share their peer
    groups' windows, and sets with the same competitors their competitor window, so that
    the database sorts the people once per distinct window, not once per set."""
    distinct = dict.fromkeys(rules.PeerScope(s.peer_scope) for s in settings)
    scopes = {scope: f"group_{n}" for n, scope in enumerate(distinct)}
    windows, metrics, columns = [], {}, []
    for key in scopes.values():
        peers = f"PARTITION BY {key}, category_id"
        windows += [
            f"RANK() OVER ({peers} ORDER BY total DESC) AS {key}_rank",
            f"COUNT(*) OVER ({peers}) AS {key}_size",
        ]
    for i, selection_rules in enumerate(settings):
        ranking = selection_rules.ranking_rules()
        key = scopes[rules.PeerScope(selection_rules.peer_scope)]
        metric = _competitor_metric(ranking, f"PARTITION BY {key}, category_id")
        if metric is not None and metric not in metrics:
            metrics[metric] = f"metric_{len(metrics)}"
            windows.append(f"{metric} AS {metrics[metric]}")
        places = _places(ranking, f"{key}_size")
        columns += [
            f"{key} AS group_key{i}",
            f"{key}_rank AS peer_rank{i}",
            f"{key}_size AS group_size{i}",
            f"{places} AS places{i}",
            f"{_outcome(f'{key}_rank' if metric is None else metrics[metric], places)} AS outcome{i}",
        ]
    return f"""
        SELECT person_id, entry_id, unit_id, category_id, total, vetoed,
               {", ".join(columns)}
        FROM (
            SELECT assessed.*, {", ".join(windows)}
            FROM ({_assessed_sql({key: scope for scope, key in scopes.items()})}
            ) assessed
        ) ranked
    """


def peer_group_units(unit: Unit | None, scope: str) -> list[int] | None:
    """The units whose people share peer groups with ``unit``'s people: the unit itself, its
    whole unit tree, or (city-wide, or no unit) every unit (``None``)."""
    if unit is None or scope == rules.PeerScope.CITY:
        return None
    if scope == rules.PeerScope.UNIT_TREE:
        return list(Unit.objects.filter(root_id=unit.root_id or unit.pk).values_list("pk", flat=True))
    return [unit.pk]


def rank_period(period: Period, *, actor: str, unit: Unit | None = None) -> RankingRun:
    """Recompute the ranking and eligibility of the period's peer groups — all of them, or
    those of ``unit``'s people — replacing the previous results of those groups. Callers
    hold the period's ranking lock (``selection.actions.rank``)."""
    selection_rules = SelectionRules.objects.get(period=period)
    unit_ids = peer_group_units(unit, selection_rules.peer_scope)
    select_sql = ranking_select_sql(selection_rules, None if unit_ids is None else len(unit_ids))
    params = [period.pk, *(unit_ids or [])]
    with transaction.atomic():
        if unit_ids is not None:
            ranked = _replace_unit_rows(period, select_sql, params, unit_ids)
        elif connection.vendor == "postgresql":
            ranked = _replace_partition(period, select_sql, params)
        else:
            ranked = _replace_rows(period, select_sql, params)
        return RankingRun.objects.create(
            period=period,
            actor=actor,
            ranked=ranked,
            unit=None if unit_ids is None else unit,
            peer_scope=selection_rules.peer_scope,
        )


def _replace_rows(period: Period, select_sql: str, params: list) -> int:
    quote = connection.ops.quote_name
    table = quote(RankingResult._meta.db_table)
    columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE period_id = %s", [period.pk])
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)
        return cursor.rowcount


def _replace_unit_rows(period: Period, select_sql: str, params: list, unit_ids: list[int]) -> int:
    """The results of some units' people only: deleted and inserted again (on PostgreSQL
    into the period's partition, made empty first if the period was never ranked whole)."""
    quote = connection.ops.quote_name
    table = quote(RankingResult._meta.db_table)
    columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
    marks = ", ".join(["%s"] * len(unit_ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            partition = quote(f"{RankingResult._meta.db_table}_p{int(period.pk)}")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {partition} PARTITION OF {table} FOR VALUES IN ({int(period.pk)})"
            )
        # Also the rows of people who came from another unit since that unit was ranked.
        entries = quote(RosterEntry._meta.db_table)
        cursor.execute(
            f"DELETE FROM {table} WHERE period_id = %s AND (unit_id IN ({marks}) OR person_id IN "
            f"(SELECT person_id FROM {entries} WHERE period_id = %s AND unit_id IN ({marks})))",
            [period.pk, *unit_ids, period.pk, *unit_ids],
        )
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)
        return cursor.rowcount


def _replace_partition(period: Period, select_sql: str, params: list) -> int:
    """PostgreSQL: load the period's results into a new table without indexes, then attach
    it as the period's partition in place of the old one. Indexes are built once, after
    the load; the check constraint spares ATTACH a validating scan."""
    quote = connection.ops.quote_name
    parent = RankingResult._meta.db_table
    period_id = int(period.pk)
    partition = quote(f"{parent}_p{period_id}")
    columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partition}")
        cursor.execute(
            f"CREATE TABLE {partition} (LIKE {quote(parent)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
            f"CHECK (period_id = {period_id}))"
        )
        cursor.execute(f"INSERT INTO {partition} ({columns}) {select_sql}", params)
        ranked = cursor.rowcount
        cursor.execute(
            f"ALTER TABLE {quote(parent)} ATTACH PARTITION {partition} FOR VALUES IN ({period_id})"
        )
    return ranked


def stale_unit_ids(period: Period) -> set[int]:
    """The units on the period's roster whose peer groups have no ranking since their inputs
    (or the whole period's) last changed. A few rows per unit, compared in Python: the
    ranking runs and change marks of a period are one row per run and per unit."""
    selection_rules = SelectionRules.objects.filter(period=period).first()
    scope = selection_rules.peer_scope if selection_rules else rules.PeerScope.UNIT
    period_changed, unit_changed = last_changes(period)
    on_roster = set(RosterEntry.objects.filter(period=period).values_list("unit_id", flat=True).distinct())
    roots = dict(Unit.objects.values_list("pk", "root_id"))

    def group_of(unit_id: int | None):
        if unit_id is None or scope == rules.PeerScope.CITY:
            return None
        return roots.get(unit_id, unit_id) if scope == rules.PeerScope.UNIT_TREE else unit_id

    whole_run, group_runs = None, {}
    for run_unit, run_scope, ran_at in RankingRun.objects.filter(period=period).values_list(
        "unit_id", "peer_scope", "ran_at"
    ):
        if run_unit is None:
            whole_run = max(whole_run or ran_at, ran_at)
        elif run_scope == scope:
            key = group_of(run_unit)
            group_runs[key] = max(group_runs.get(key, ran_at), ran_at)
    group_changed: dict = {}
    for unit_id, changed_at in unit_changed.items():
        key = group_of(unit_id)
        group_changed[key] = max(group_changed.get(key, changed_at), changed_at)
    stale = set()
    for unit_id in on_roster:
        key = group_of(unit_id)
        ranked_at = max((t for t in (whole_run, group_runs.get(key)) if t is not None), default=None)
        changed = [t for t in (period_changed, group_changed.get(key)) if t is not None]
        if ranked_at is None or any(t > ranked_at for t in changed):
            stale.add(unit_id)
    return stale


def ranking_is_current(period: Period, unit: Unit | None = None) -> bool:
    """Whether the unit's peer groups (every unit's, without one) have a ranking that no
    roster, score, rule or scheme change has outdated since."""
    if unit is None:
        return RankingRun.objects.filter(period=period).exists() and not stale_unit_ids(period)
    selection_rules = SelectionRules.objects.filter(period=period).first()
    scope = selection_rules.peer_scope if selection_rules else rules.PeerScope.UNIT
    group = peer_group_units(unit, scope)
    runs = RankingRun.objects.filter(period=period)
    covering = (
        Q(unit__isnull=True) if group is None else Q(unit__isnull=True) | Q(unit__in=group, peer_scope=scope)
    )
    ranked_at = runs.filter(covering).aggregate(last=Max("ran_at"))["last"]
    if ranked_at is None:
        return False
    changes = UnitDataChange.objects.filter(period=period)
    if group is not None:
        changes = changes.filter(unit__in=group)
    changed_at = [
        Period.objects.filter(pk=period.pk).values_list("data_changed_at", flat=True).get(),
        changes.aggregate(last=Max("changed_at"))["last"],
    ]
    return all(t is None or t <= ranked_at for t in changed_at)


def conflicting_nominations(period: Period):
    """Proposed nominations whose nominee the current ranking makes eligible by rank or
    vetoed: the unit must withdraw them (rule 3 is only for people outside the top share)."""
    placed = RankingResult.objects.filter(period=period).exclude(outcome=Outcome.NOT_SELECTED)
    return (
        SpecialNomination.objects.filter(
            period=period,
            state=NominationState.PROPOSED,
            person_id__in=placed.values("person_id"),
        )
        .select_related("person", "unit")
        .order_by("unit__sort_order", "person__staff_id")
    )


@dataclass
class UnitSummary:
    name: str
    headcount: int = 0
    assessed: int = 0
    vetoed: int = 0
    by_rank: int = 0
    special: int = 0
    special_cap: int = 0


def summarize(period: Period) -> tuple[list[UnitSummary], UnitSummary]:
    """Per unit and for the city: headcount, assessed, vetoed, eligible by rank, special
    nominations and their cap. Aggregated by the database, one row per unit (grouped by the
    unit's id alone; the names come from the units, a table of hundreds of rows)."""
    selection_rules = SelectionRules.objects.get(period=period)
    headcounts = dict(
        RosterEntry.objects.filter(period=period)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    results = {
        row["unit_id"]: row
        for row in RankingResult.objects.filter(period=period)
        .values("unit_id")
        .annotate(
            assessed=Count("person_id"),
            vetoed=Count("person_id", filter=Q(outcome=Outcome.VETOED)),
            by_rank=Count("person_id", filter=Q(outcome=Outcome.BY_RANK)),
        )
        .order_by()
    }
    nominations = dict(
        SpecialNomination.objects.filter(period=period, state=NominationState.PROPOSED)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    # A stale ranking or a nomination may name a unit no longer on the roster: listed too.
    named = Unit.objects.in_bulk(set(headcounts) | set(results) | set(nominations))
    units = []
    for unit in sorted(named.values(), key=lambda u: (u.pk not in headcounts, u.sort_order, u.pk)):
        result = results.get(unit.pk, {})
        headcount = headcounts.get(unit.pk, 0)
        units.append(
            UnitSummary(
                name=unit.name,
                headcount=headcount,
                assessed=result.get("assessed", 0),
                vetoed=result.get("vetoed", 0),
                by_rank=result.get("by_rank", 0),
                special=nominations.get(unit.pk, 0),
                special_cap=selection_rules.special_cap(headcount) if unit.pk in headcounts else 0,
            )
        )
    city = UnitSummary(name="")
    for summary in units:
        for field in ("headcount", "assessed", "vetoed", "by_rank", "special", "special_cap"):
            setattr(city, field, getattr(city, field) + getattr(summary, field))
    return units, city
