"""Period totals computed by the database from the schemes' raw scores.

One INSERT … SELECT evaluates ``assessment.formula`` for every person of a period at once:
group means (trimmed where a group is large enough), weighted indicator scores, weighted
contributions, roll-up of sub-periods, capped bonus and penalty. The arithmetic is the
formula's integer arithmetic, so both engines give exactly the reference model's numbers.
Complete totals then become the people's period scores, which the ranking reads.
"""

import contextlib
from dataclasses import dataclass

from django.db import connection, transaction

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
def entry_schemes(cursor, period: Period):
    """A temporary table of the period's people and the scheme each is assessed by (the
    unit's own adjustment, else the city's). A real, analyzed table rather than a CTE: the
    planner then knows how many people each scheme has and joins them to the rater
    scores with a hash instead of misjudging the join by orders of magnitude."""
    t = {m: connection.ops.quote_name(m._meta.db_table) for m in (RosterEntry, Scheme)}
    cursor.execute(f"DROP TABLE IF EXISTS {ENTRY_SCHEMES}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {ENTRY_SCHEMES} (entry_id BIGINT PRIMARY KEY, scheme_id BIGINT NOT NULL)"
    )
    cursor.execute(
        f"""INSERT INTO {ENTRY_SCHEMES} (entry_id, scheme_id)
            SELECT r.id, COALESCE(own.id, city.id)
            FROM {t[RosterEntry]} r
            LEFT JOIN {t[Scheme]} own
                ON own.period_id = r.period_id AND own.category_id = r.category_id AND own.unit_id = r.unit_id
            LEFT JOIN {t[Scheme]} city
                ON city.period_id = r.period_id AND city.category_id = r.category_id AND city.unit_id IS NULL
            WHERE r.period_id = %s AND COALESCE(own.id, city.id) IS NOT NULL""",
        [period.pk],
    )
    cursor.execute(f"ANALYZE {ENTRY_SCHEMES}")
    yield
    cursor.execute(f"DROP TABLE {ENTRY_SCHEMES}")


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


def compute_totals(period: Period) -> TotalsRun:
    """Recompute every scheme total of the period and bring the period scores in line:
    a complete total becomes the person's score (with the veto of any veto item), and a
    scheme-computed score whose total is no longer complete is removed."""
    quote = connection.ops.quote_name
    totals = quote(SchemeTotal._meta.db_table)
    scores = quote(Score._meta.db_table)
    entries = quote(RosterEntry._meta.db_table)
    as_points = (
        "CAST(t.total_cents AS NUMERIC) / 100"
        if connection.vendor == "postgresql"
        else "t.total_cents / 100.0"
    )
    in_period = f"entry_id IN (SELECT id FROM {entries} WHERE period_id = %s)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {totals} WHERE period_id = %s", [period.pk])
        with entry_schemes(cursor, period), hash_joins(cursor):
            cursor.execute(
                f"INSERT INTO {totals} ({', '.join(TOTAL_COLUMNS)}) {totals_select_sql()}", [period.pk]
            )
        # A scheme-computed score without a complete total any more goes.
        cursor.execute(
            f"DELETE FROM {scores} WHERE source = %s AND {in_period} AND entry_id NOT IN "
            f"(SELECT entry_id FROM {totals} WHERE period_id = %s AND total_cents IS NOT NULL)",
            [ScoreSource.SCHEME, period.pk, period.pk],
        )
        changed = cursor.rowcount
        cursor.execute(
            f"""INSERT INTO {scores} (entry_id, total, veto_text, veto_reason_id, source)
                SELECT t.entry_id, {as_points}, '', NULL, %s FROM {totals} t
                WHERE t.period_id = %s AND t.total_cents IS NOT NULL
                ON CONFLICT (entry_id) DO UPDATE SET total = excluded.total, source = excluded.source
                WHERE {scores}.total <> excluded.total OR {scores}.source <> excluded.source""",
            [ScoreSource.SCHEME, period.pk],
        )
        changed += cursor.rowcount
        changed += apply_veto_items(period)
        cursor.execute(
            f"SELECT COUNT(total_cents), COUNT(*) - COUNT(total_cents) FROM {totals} WHERE period_id = %s",
            [period.pk],
        )
        computed, incomplete = cursor.fetchone()
    if changed:
        from jixiao.selection.ranking import mark_period_changed

        mark_period_changed(period)
    return TotalsRun(computed=computed, incomplete=incomplete, changed=changed)


def apply_veto_items(period: Period) -> int:
    """Scheme-computed scores carry the veto of their veto items (一票否决), and only that."""
    texts: dict[int, list[str]] = {}
    reasons: dict[int, int | None] = {}
    for item in VetoItem.objects.filter(entry__period=period).order_by("id"):
        texts.setdefault(item.entry_id, []).append(item.text)
        reasons.setdefault(item.entry_id, item.reason_id)
    wanted = {entry_id: "；".join(dict.fromkeys(parts))[:200] for entry_id, parts in texts.items()}
    changed = 0
    scheme_scores = Score.objects.filter(entry__period=period, source=ScoreSource.SCHEME)
    changed += (
        scheme_scores.exclude(entry_id__in=wanted)
        .exclude(veto_text="")
        .update(veto_text="", veto_reason=None)
    )
    for score in scheme_scores.filter(entry_id__in=wanted):
        if score.veto_text != wanted[score.entry_id] or score.veto_reason_id != reasons[score.entry_id]:
            score.veto_text, score.veto_reason_id = wanted[score.entry_id], reasons[score.entry_id]
            score.save(update_fields=["veto_text", "veto_reason"])
            changed += 1
    return changed
