"""PostgreSQL keeps each period's ranking in a partition of its own; the migration that
makes the table partitioned keeps the rows it finds, and can be reversed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jixiao.assessment.actions import get_or_create_period
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, Unit
from jixiao.selection.models import RankingResult

pytestmark = [
    # Serialized like every transactional test here: its flush at the end then leaves the
    # database empty for the next one to restore the seeded data into.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are a PostgreSQL feature"),
]

BEFORE = [("selection", "0003_ranking_result_indexes")]
AFTER = [("selection", "0004_partition_ranking_results")]


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def relkind(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'selection_rankingresult' ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def stored_rows(period, person) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, category_id, CAST(total AS TEXT), rank FROM selection_rankingresult "
            "WHERE period_id = %s AND person_id = %s",
            [period.pk, person.pk],
        )
        return cursor.fetchall()


def test_migration_partitions_the_table_keeping_its_rows_and_reverses():
    period, _ = get_or_create_period("2023H1", acting_user=Operator("test"))
    unit, category = Unit.objects.create(name="市审计局"), Category.objects.create(name="一般干部")
    person = Person.objects.create(staff_id="000123", name="张三")
    row = dict(unit_id=unit.pk, category_id=category.pk, total="90.50", rank=1, group_size=1, quota=0)

    migrate(BEFORE)
    assert relkind("selection_rankingresult") == "r"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO selection_rankingresult (period_id, person_id, unit_id, category_id, total, rank, "
            "group_size, quota, outcome, veto_text) VALUES (%s, %s, %s, %s, 90.50, 1, 1, 0, 'none', '')",
            [period.pk, person.pk, unit.pk, category.pk],
        )

    migrate(AFTER)
    assert relkind("selection_rankingresult") == "p"
    assert f"selection_rankingresult_p{period.pk}" in partitions()
    # Read as the table stands at this migration (later ones add columns the model has).
    assert stored_rows(period, person) == [(row["unit_id"], row["category_id"], row["total"], row["rank"])]

    migrate(BEFORE)
    assert relkind("selection_rankingresult") == "r"
    assert len(stored_rows(period, person)) == 1
    migrate(AFTER)
    assert relkind("selection_rankingresult") == "p"
    # Back to the latest schema for the tests that follow.
    migrate(latest())
    assert RankingResult.objects.filter(period=period, person=person).count() == 1


def test_each_ranked_period_has_its_own_partition_replaced_on_every_run():
    from jixiao.assessment.models import RosterEntry, Score
    from jixiao.selection.ranking import rank_period

    unit, category = Unit.objects.create(name="市审计局"), Category.objects.create(name="一般干部")
    periods = [get_or_create_period(code, acting_user=Operator("test"))[0] for code in ("2023H1", "2023H2")]
    for number in range(1, 21):
        person = Person.objects.create(staff_id=f"{number:06d}", name=f"人员{number}")
        for period in periods:
            entry = RosterEntry.objects.create(period=period, person=person, unit=unit, category=category)
            Score.objects.create(entry=entry, total=100 - number)

    for period in periods:
        rank_period(period, actor="test")
    rank_period(periods[0], actor="test")  # a re-run swaps the partition, leaving the other one
    # (Partitions of periods of earlier tests may remain: flushing empties, not drops, them.)
    assert {f"selection_rankingresult_p{p.pk}" for p in periods} <= set(partitions())
    for period in periods:
        ranks = list(
            RankingResult.objects.filter(period=period).order_by("rank").values_list("rank", flat=True)
        )
        assert ranks == list(range(1, 21))
    assert RankingResult.objects.filter(period=periods[0], outcome="rank").count() == 2
