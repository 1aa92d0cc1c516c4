"""Period totals computed by the database from the schemes' raw scores.

One INSERT … SELECT evaluates ``assessment.formula`` for every person of a period at once:
group means (trimmed where a group is large enough), weighted indicator scores, weighted
contributions, roll-up of sub-periods, capped bonus and penalty. The arithmetic is the
formula's integer arithmetic, so both engines give exactly the reference model's numbers.
Complete totals then become the people's period scores, which the ranking reads.
"""

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from jixiao.assessment.changes import mark_period_changed
from jixiao.assessment.models import (
    Adjustment,
    AdjustmentKind,
    DirectScore,
    Indicator,
    Period,
    RaterScore,
    RosterEntry,
    Scheme,
    SchemeRaterGroup,
    SchemeTotal,
    Score,
    ScoreSource,
    ScoringMethod,
    SubPeriodWeight,
    VetoItem,
)
from jixiao.assessment.sanctions import sanction_vetoes


def cents(column: str) -> str:
    """A two-decimal column as integer hundredths (exact on PostgreSQL, and on SQLite
    where decimals are stored as doubles, rounding undoes the representation error)."""
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def isum(expression: str) -> str:
    """SUM that stays an integer on PostgreSQL (SUM of bigint is numeric there)."""
    return f"CAST(SUM({expression}) AS BIGINT)"


def round_div(numerator: str, denominator: str) -> str:
    """The formula's half-up integer division, for non-negative numerators."""
    return f"((2 * ({numerator}) + ({denominator})) / (2 * ({denominator})))"


def smaller(a: str, b: str) -> str:
    return f"(CASE WHEN ({a}) < ({b}) THEN ({a}) ELSE ({b}) END)"


def totals_select_sql() -> str:
    """The SELECT producing one SchemeTotal row per assessed person of a period (one ``%s``:
    the period id), from the period's ``ENTRY_SCHEMES`` table (``entry_schemes``)."""
    t = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (
            RosterEntry,
            Scheme,
            Indicator,
            SchemeRaterGroup,
            SubPeriodWeight,
            RaterScore,
            DirectScore,
            Adjustment,
        )
    }
    return f"""
    WITH entry_scheme AS (SELECT entry_id, scheme_id FROM {ENTRY_SCHEMES}),
    leaf_indicators AS (
        SELECT i.id, i.scheme_id, i.method,
               {cents("i.weight")} AS weight_cents, {cents("i.full_marks")} AS full_marks_cents
        FROM {t[Indicator]} i
        WHERE NOT EXISTS (SELECT 1 FROM {t[Indicator]} c WHERE c.parent_id = i.id)
    ),
    scheme_leaves AS (
        SELECT scheme_id, COUNT(*) AS leaves FROM leaf_indicators GROUP BY scheme_id
    ),
    -- The one pass over the (many) rater scores: sums, extremes and counts per group.
    rater_groups AS (
        SELECT s.entry_id, s.indicator_id, s.sub_period, s.group_id,
               SUM(s.score_cents) AS total, MAX(s.score_cents) AS highest, MIN(s.score_cents) AS lowest,
               COUNT(*) AS raters
        FROM {t[RaterScore]} s
        JOIN {ENTRY_SCHEMES} p ON p.entry_id = s.entry_id
        GROUP BY s.entry_id, s.indicator_id, s.sub_period, s.group_id
    ),
    group_scores AS (
        SELECT g.entry_id, g.indicator_id, g.sub_period, g.group_id,
               CASE WHEN g.raters >= sc.trim_from
                    THEN {round_div("(g.total - g.highest - g.lowest) * 100", "g.raters - 2")}
                    ELSE {round_div("g.total * 100", "g.raters")} END AS score_fine
        FROM rater_groups g
        JOIN entry_scheme es ON es.entry_id = g.entry_id
        -- Only the rated leaves of the person's own scheme count: scores left over from
        -- before the scheme was edited are ignored, not added in.
        JOIN leaf_indicators li
            ON li.id = g.indicator_id AND li.scheme_id = es.scheme_id AND li.method = '{ScoringMethod.RATERS}'
        JOIN {t[Scheme]} sc ON sc.id = es.scheme_id
    ),
    indicator_scores AS (
        SELECT g.entry_id, g.indicator_id, g.sub_period,
               {round_div(isum(f"{cents('w.weight')} * g.score_fine"), f"NULLIF({isum(cents('w.weight'))}, 0)")}
                   AS score_fine
        FROM group_scores g
        JOIN entry_scheme es ON es.entry_id = g.entry_id
        JOIN {t[SchemeRaterGroup]} w ON w.scheme_id = es.scheme_id AND w.group_id = g.group_id
        GROUP BY g.entry_id, g.indicator_id, g.sub_period
        UNION ALL
        SELECT d.entry_id, d.indicator_id, d.sub_period, CAST(d.score_cents AS BIGINT) * 100
        FROM {t[DirectScore]} d
        JOIN entry_scheme es ON es.entry_id = d.entry_id
        JOIN leaf_indicators li
            ON li.id = d.indicator_id AND li.scheme_id = es.scheme_id AND li.method <> '{ScoringMethod.RATERS}'
    ),
    sub_period_bases AS (
        SELECT x.entry_id, x.sub_period,
               {isum(round_div("x.score_fine * li.weight_cents", "li.full_marks_cents"))} AS base_fine,
               COUNT(x.score_fine) AS scored
        FROM indicator_scores x
        JOIN leaf_indicators li ON li.id = x.indicator_id
        GROUP BY x.entry_id, x.sub_period
    ),
    bases AS (
        SELECT b.entry_id,
               {isum("l.leaves - b.scored")} AS missing,
               {isum("CASE WHEN b.scored = l.leaves THEN w.weight * b.base_fine ELSE 0 END")} AS weighted,
               {isum("CASE WHEN b.scored = l.leaves THEN w.weight ELSE 0 END")} AS weights
        FROM sub_period_bases b
        JOIN entry_scheme es ON es.entry_id = b.entry_id
        JOIN scheme_leaves l ON l.scheme_id = es.scheme_id
        JOIN {t[SubPeriodWeight]} w ON w.scheme_id = es.scheme_id AND w.number = b.sub_period
        GROUP BY b.entry_id
    ),
    adjustments AS (
        SELECT a.entry_id,
               {isum(f"CASE WHEN a.kind = '{AdjustmentKind.BONUS}' THEN {cents('a.points')} ELSE 0 END")} AS bonus,
               {isum(f"CASE WHEN a.kind = '{AdjustmentKind.PENALTY}' THEN {cents('a.points')} ELSE 0 END")} AS penalty
        FROM {t[Adjustment]} a
        JOIN entry_scheme es ON es.entry_id = a.entry_id
        GROUP BY a.entry_id
    ),
    capped AS (
        SELECT b.entry_id, es.scheme_id, b.missing,
               CASE WHEN b.missing = 0 THEN {round_div("b.weighted", "NULLIF(b.weights, 0)")} END AS base_fine,
               {smaller("COALESCE(a.bonus, 0)", cents("sc.bonus_cap"))} AS bonus_cents,
               {smaller("COALESCE(a.penalty, 0)", cents("sc.penalty_cap"))} AS penalty_cents
        FROM bases b
        JOIN entry_scheme es ON es.entry_id = b.entry_id
        JOIN {t[Scheme]} sc ON sc.id = es.scheme_id
        LEFT JOIN adjustments a ON a.entry_id = b.entry_id
    )
    SELECT entry_id, %s, scheme_id, base_fine, bonus_cents, penalty_cents,
           {round_div("base_fine", "100")} + bonus_cents - penalty_cents, missing
    FROM capped
    """


ENTRY_SCHEMES = "jixiao_entry_schemes"


@contextlib.contextmanager
def entry_schemes(cursor, period: Period, unit_ids: Sequence[int] | None = None):
    """A temporary table of the period's people (of these units, when given) and the scheme
    each is assessed by (the unit's own adjustment, else the city's). A real, analyzed table
    rather than a CTE: the planner then knows how many people each scheme has and joins them
    to the rater scores with a hash instead of misjudging the join by orders of magnitude."""
    t = {m: connection.ops.quote_name(m._meta.db_table) for m in (RosterEntry, Scheme)}
    cursor.execute(f"DROP TABLE IF EXISTS {ENTRY_SCHEMES}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {ENTRY_SCHEMES} (entry_id BIGINT PRIMARY KEY, scheme_id BIGINT NOT NULL)"
    )
    in_units, params = unit_filter("r.unit_id", unit_ids)
    cursor.execute(
        f"""INSERT INTO {ENTRY_SCHEMES} (entry_id, scheme_id)
            SELECT r.id, COALESCE(own.id, city.id)
            FROM {t[RosterEntry]} r
            LEFT JOIN {t[Scheme]} own
                ON own.period_id = r.period_id AND own.category_id = r.category_id AND own.unit_id = r.unit_id
            LEFT JOIN {t[Scheme]} city
                ON city.period_id = r.period_id AND city.category_id = r.category_id AND city.unit_id IS NULL
            WHERE r.period_id = %s AND COALESCE(own.id, city.id) IS NOT NULL {in_units}""",
        [period.pk, *params],
    )
    cursor.execute(f"ANALYZE {ENTRY_SCHEMES}")
    yield
    cursor.execute(f"DROP TABLE {ENTRY_SCHEMES}")


def unit_filter(column: str, unit_ids: Sequence[int] | None) -> tuple[str, list[int]]:
    """``AND column IN (…)`` with its parameters, or nothing for every unit."""
    if unit_ids is None:
        return "", []
    ids = sorted(set(unit_ids))
    if not ids:
        return "AND 1 = 0", []
    return f"AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


@contextlib.contextmanager
def hash_joins(cursor):
    """On PostgreSQL, no nested loops for one statement: the planner cannot estimate joins
    on the CTEs' columns and may choose nested loops over a hundred thousand people, where
    a batch over all of them wants hash joins."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SHOW enable_nestloop")
    (before,) = cursor.fetchone()
    cursor.execute("SET LOCAL enable_nestloop = off")
    yield
    # (After an error the rollback undoes the setting anyway.)
    cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [before])


TOTAL_COLUMNS = (
    "entry_id",
    "period_id",
    "scheme_id",
    "base_fine",
    "bonus_cents",
    "penalty_cents",
    "total_cents",
    "missing",
)


@dataclass
class TotalsRun:
    computed: int  # people with a complete total
    incomplete: int  # people with scores but some indicator not scored
    changed: int  # period scores written or removed


def compute_totals(period: Period, unit_ids: Sequence[int] | None = None) -> TotalsRun:
    """Recompute the scheme totals of the period's people (of these units, when given) and
    bring their period scores in line: a complete total becomes the person's score, and a
    scheme-computed score whose total is no longer complete is removed. An imported total
    is never changed (it overrides the scheme's); every score carries the veto of its veto
    items and the veto imported with it."""
    quote = connection.ops.quote_name
    totals = quote(SchemeTotal._meta.db_table)
    scores = quote(Score._meta.db_table)
    entries = quote(RosterEntry._meta.db_table)
    as_points = (
        "CAST(t.total_cents AS NUMERIC) / 100"
        if connection.vendor == "postgresql"
        else "t.total_cents / 100.0"
    )
    in_units, unit_params = unit_filter("unit_id", unit_ids)
    # The scores (and, for some units only, the totals) of the people in question.
    scores_in_scope = f"entry_id IN (SELECT id FROM {entries} WHERE period_id = %s {in_units})"
    scope_params = [period.pk, *unit_params]
    totals_in_scope, totals_params = (
        ("", []) if unit_ids is None else (f"AND {scores_in_scope}", scope_params)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {totals} WHERE period_id = %s {totals_in_scope}", [period.pk, *totals_params]
        )
        with entry_schemes(cursor, period, unit_ids), hash_joins(cursor):
            cursor.execute(
                f"INSERT INTO {totals} ({', '.join(TOTAL_COLUMNS)}) {totals_select_sql()}", [period.pk]
            )
        # A scheme-computed score without a complete total any more goes.
        cursor.execute(
            f"DELETE FROM {scores} WHERE source = %s AND {scores_in_scope} AND entry_id NOT IN "
            f"(SELECT entry_id FROM {totals} WHERE period_id = %s AND total_cents IS NOT NULL)",
            [ScoreSource.SCHEME, *scope_params, period.pk],
        )
        changed = cursor.rowcount
        # A complete total becomes the score, unless an imported total overrides it.
        cursor.execute(
            f"""INSERT INTO {scores} (entry_id, total, veto_text, veto_reason_id, source, imported_veto,
                                     imported_veto_reason_id)
                SELECT t.entry_id, {as_points}, '', NULL, %s, '', NULL FROM {totals} t
                WHERE t.period_id = %s AND t.total_cents IS NOT NULL {totals_in_scope}
                ON CONFLICT (entry_id) DO UPDATE SET total = excluded.total
                WHERE {scores}.source = %s AND {scores}.total <> excluded.total""",
            [ScoreSource.SCHEME, period.pk, *totals_params, ScoreSource.SCHEME],
        )
        changed += cursor.rowcount
        changed += apply_veto_items(period, unit_ids)
        cursor.execute(
            f"SELECT COUNT(total_cents), COUNT(*) - COUNT(total_cents) FROM {totals} "
            f"WHERE period_id = %s {totals_in_scope}",
            [period.pk, *totals_params],
        )
        computed, incomplete = cursor.fetchone()
        if changed:
            mark_period_changed(period, unit_ids)
    return TotalsRun(computed=computed, incomplete=incomplete, changed=changed)


def shown_veto(
    imported: str, imported_reason: int | None, items: Sequence[tuple[str, int | None]]
) -> tuple[str, int | None]:
    """The veto a score shows: the one imported with it and those of its veto items (text,
    catalogue reason), each once, in order; the catalogue reason of the first that has one."""
    texts = [imported, *(text for text, _reason in items)]
    text = "；".join(dict.fromkeys(t for t in texts if t))[:200]
    reasons = [imported_reason if imported else None, *(reason for _text, reason in items)]
    return text, next((r for r in reasons if r is not None), None) if text else None


def apply_veto_items(period: Period, unit_ids: Sequence[int] | None = None) -> int:
    """Every score of the period (of these units) carries the veto imported with it, the
    vetoes of its veto items (一票否决) and those of the person's sanctions whose influence
    window touches the period, and only those; returns how many scores changed."""
    scores = Score.objects.filter(entry__period=period)
    items = VetoItem.objects.filter(entry__period=period)
    if unit_ids is not None:
        scores, items = scores.filter(entry__unit_id__in=unit_ids), items.filter(entry__unit_id__in=unit_ids)
    by_entry: dict[int, list[tuple[str, int | None]]] = {}
    for entry_id, text, reason_id in items.order_by("id").values_list("entry_id", "text", "reason_id"):
        by_entry.setdefault(entry_id, []).append((text, reason_id))
    for entry_id, vetoes in sanction_vetoes(period, unit_ids=unit_ids).items():
        by_entry.setdefault(entry_id, []).extend(vetoes)
    changed = []
    for score in scores.filter(Q(entry_id__in=by_entry) | ~Q(veto_text="") | ~Q(imported_veto="")).only(
        "entry_id", "veto_text", "veto_reason_id", "imported_veto", "imported_veto_reason_id"
    ):
        wanted = shown_veto(
            score.imported_veto, score.imported_veto_reason_id, by_entry.get(score.entry_id, [])
        )
        if (score.veto_text, score.veto_reason_id) != wanted:
            score.veto_text, score.veto_reason_id = wanted
            changed.append(score)
    Score.objects.bulk_update(changed, ["veto_text", "veto_reason"], batch_size=500)
    return len(changed)
