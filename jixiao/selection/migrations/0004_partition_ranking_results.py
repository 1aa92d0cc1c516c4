"""On PostgreSQL, make the ranking results a table partitioned by period.

A period's ranking is then written into a fresh, index-free table and attached whole
(``selection.ranking``): PostgreSQL builds the indexes once, after the load, and a re-run
drops the old partition instead of deleting a million rows. The columns, constraints and
index names stay those Django knows, so later migrations apply unchanged. SQLite keeps a
plain table.
"""

from django.db import migrations

TABLE = "selection_rankingresult"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_unpartitioned")
        cursor.execute(f"ALTER INDEX {TABLE}_pkey RENAME TO {TABLE}_unpartitioned_pkey")
        cursor.execute("ALTER INDEX ranking_period_unit RENAME TO ranking_period_unit_unpartitioned")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {TABLE}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
            "PARTITION BY LIST (period_id)"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (period_id, person_id)")
        cursor.execute(f"CREATE INDEX ranking_period_unit ON {TABLE} (period_id, unit_id)")
        cursor.execute(f"SELECT DISTINCT period_id FROM {TABLE}_unpartitioned")
        for (period_id,) in cursor.fetchall():
            cursor.execute(
                f"CREATE TABLE {TABLE}_p{int(period_id)} PARTITION OF {TABLE} FOR VALUES IN ({int(period_id)})"
            )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_unpartitioned")
        cursor.execute(f"DROP TABLE {TABLE}_unpartitioned")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_partitioned")
        cursor.execute(f"ALTER INDEX {TABLE}_pkey RENAME TO {TABLE}_partitioned_pkey")
        cursor.execute("ALTER INDEX ranking_period_unit RENAME TO ranking_period_unit_partitioned")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {TABLE}_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (period_id, person_id)")
        cursor.execute(f"CREATE INDEX ranking_period_unit ON {TABLE} (period_id, unit_id)")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_partitioned")
        cursor.execute(f"DROP TABLE {TABLE}_partitioned CASCADE")


class Migration(migrations.Migration):
    dependencies = [("selection", "0003_ranking_result_indexes")]
    operations = [migrations.RunPython(partition, unpartition)]
