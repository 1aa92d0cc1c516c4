"""Ranking and eligibility computed by the database in one INSERT … SELECT.

The statement mirrors ``selection.rules.place_peer_group`` exactly: competition rank with
``RANK()``, group size with ``COUNT(*)``, quotas in integer basis-point arithmetic. No
Python loop touches a person.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, RosterEntry
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


def ranking_select_sql(selection_rules: SelectionRules) -> str:
    """The SELECT that places every assessed person of a period (one ``%s``: period id).

    Only integers computed here are spliced into the text; nothing a user typed is.
    """
    ranking = selection_rules.ranking_rules()
    share_bp = int(ranking.share_bp)
    addend = _ROUNDING_ADDEND[ranking.rounding]
    min_quota = int(ranking.min_quota)
    scope = rules.PeerScope(selection_rules.peer_scope)
    group = _GROUP_EXPRESSION[scope]
    unit_join = "JOIN org_unit u ON u.id = r.unit_id" if scope == rules.PeerScope.UNIT_TREE else ""

    peers = "PARTITION BY group_key, category_id"
    competitors = f"{peers}, vetoed" if ranking.fill_vetoed_places else peers
    if ranking.tie_policy == rules.TiePolicy.SHARE_RANK:
        competitor_metric = f"RANK() OVER ({competitors} ORDER BY total DESC)"
    else:
        # How many competitors have this total or a higher one: the whole tie must fit.
        competitor_metric = f"COUNT(*) OVER ({competitors} ORDER BY total DESC)"

    rounded = f"((group_size * {share_bp} + {addend}) / {rules.BASIS_POINTS})"
    floor_quota = f"(CASE WHEN {min_quota} > group_size THEN group_size ELSE {min_quota} END)"
    places = f"(CASE WHEN {rounded} < {floor_quota} THEN {floor_quota} ELSE {rounded} END)"

    return f"""
        SELECT period_id, person_id, unit_id, category_id, group_key, total,
               peer_rank, group_size, {places},
               CASE WHEN vetoed = 1 THEN '{Outcome.VETOED}'
                    WHEN competitor_metric <= {places} THEN '{Outcome.BY_RANK}'
                    ELSE '{Outcome.NOT_SELECTED}' END,
               veto_text
        FROM (
            SELECT assessed.*,
                   RANK() OVER ({peers} ORDER BY total DESC) AS peer_rank,
                   COUNT(*) OVER ({peers}) AS group_size,
                   {competitor_metric} AS competitor_metric
            FROM (
                SELECT r.period_id, r.person_id, r.unit_id, r.category_id,
                       {group} AS group_key, s.total, s.veto_text,
                       CASE WHEN s.veto_text <> '' THEN 1 ELSE 0 END AS vetoed
                FROM assessment_rosterentry r
                JOIN assessment_score s ON s.entry_id = r.id
                {unit_join}
                WHERE r.period_id = %s
            ) assessed
        ) ranked
    """


def rank_period(period: Period, *, actor: str) -> RankingRun:
    """Recompute the period's ranking and eligibility, replacing the previous results."""
    select_sql = ranking_select_sql(SelectionRules.objects.get(period=period))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            ranked = _replace_partition(period, select_sql)
        else:
            ranked = _replace_rows(period, select_sql)
        run = RankingRun.objects.create(period=period, actor=actor, ranked=ranked)
        # Local imports: the workflow and the audit log build on the ranking.
        from jixiao.core.audit import AuditAction, record
        from jixiao.selection.workflow import flag_changed_proposals

        record(
            actor=actor,
            action=AuditAction.RANKING,
            target=run,
            period=period,
            summary=_("%(count)s people ranked") % {"count": ranked},
        )
        flag_changed_proposals(period, actor=actor)
        return run


def refresh_ranking(period: Period, *, actor: str) -> RankingRun:
    """Bring the period's scheme totals up to date, then rank: what ``jixiao select`` does."""
    from jixiao.assessment.totals import compute_totals

    if period.schemes.exists():
        compute_totals(period)
    return rank_period(period, actor=actor)


def _replace_rows(period: Period, select_sql: str) -> int:
    quote = connection.ops.quote_name
    table = quote(RankingResult._meta.db_table)
    columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE period_id = %s", [period.pk])
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", [period.pk])
        return cursor.rowcount


def _replace_partition(period: Period, select_sql: str) -> int:
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
        cursor.execute(f"INSERT INTO {partition} ({columns}) {select_sql}", [period.pk])
        ranked = cursor.rowcount
        cursor.execute(
            f"ALTER TABLE {quote(parent)} ATTACH PARTITION {partition} FOR VALUES IN ({period_id})"
        )
    return ranked


def ranking_is_current(period: Period) -> bool:
    """Whether a ranking exists and no roster or score changed since it was computed."""
    last_run = period.ranking_runs.order_by("-ran_at").first()
    if last_run is None:
        return False
    # Read afresh: the caller's Period may predate the last import.
    changed_at = Period.objects.filter(pk=period.pk).values_list("data_changed_at", flat=True).get()
    return changed_at is None or changed_at <= last_run.ran_at


def mark_period_changed(period: Period) -> None:
    period.data_changed_at = timezone.now()
    Period.objects.filter(pk=period.pk).update(data_changed_at=period.data_changed_at)


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
    nominations and their cap. Aggregated by the database, one row per unit."""
    selection_rules = SelectionRules.objects.get(period=period)
    units: dict[int, UnitSummary] = {}
    headcounts = (
        RosterEntry.objects.filter(period=period)
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(headcount=Count("id"))
        .order_by("unit__sort_order", "unit_id")
    )
    for row in headcounts:
        units[row["unit_id"]] = UnitSummary(
            name=row["unit__name"],
            headcount=row["headcount"],
            special_cap=selection_rules.special_cap(row["headcount"]),
        )
    results = (
        RankingResult.objects.filter(period=period)
        .values("unit_id", "unit__name")
        .annotate(
            assessed=Count("person_id"),
            vetoed=Count("person_id", filter=Q(outcome=Outcome.VETOED)),
            by_rank=Count("person_id", filter=Q(outcome=Outcome.BY_RANK)),
        )
        .order_by()
    )

    # A stale ranking or a nomination may name a unit no longer on the roster: list it too.
    def unit_row(row) -> UnitSummary:
        return units.setdefault(row["unit_id"], UnitSummary(name=row["unit__name"]))

    for row in results:
        summary = unit_row(row)
        summary.assessed, summary.vetoed, summary.by_rank = (
            row["assessed"],
            row["vetoed"],
            row["by_rank"],
        )
    nominations = (
        SpecialNomination.objects.filter(period=period, state=NominationState.PROPOSED)
        .values("unit_id", "unit__name")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in nominations:
        unit_row(row).special = row["count"]

    city = UnitSummary(name="")
    for summary in units.values():
        for field in ("headcount", "assessed", "vetoed", "by_rank", "special", "special_cap"):
            setattr(city, field, getattr(city, field) + getattr(summary, field))
    return list(units.values()), city
