"""Set-based writes that stay fast at a million rows on both database engines.

Django's ``bulk_create`` builds a model instance per row; at city scale the import spends
its time there. These helpers hand plain tuples to the driver: PostgreSQL's COPY protocol,
SQLite's ``executemany``.
"""

from collections.abc import Iterable, Sequence

from django.db import connection


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; returns the count."""
    count = 0
    quoted_table = connection.ops.quote_name(table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted_table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            rows = list(rows)
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quoted_table} ({column_list}) VALUES ({placeholders})", rows)
            count = len(rows)
    return count


def update_rows(
    table: str, key: str | Sequence[str], columns: Sequence[str], rows: Sequence[Sequence]
) -> int:
    """Set ``columns`` for each row ``(*values, *key_values)``; returns the count."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    keys = [key] if isinstance(key, str) else list(key)
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    where = " AND ".join(f"{quote(k)} = %s" for k in keys)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE {where}", list(rows))
    return len(rows)


def delete_rows(table: str, key: str | Sequence[str], rows: Sequence[Sequence]) -> int:
    """Delete the rows whose ``key`` columns hold each of ``rows``' values."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    keys = [key] if isinstance(key, str) else list(key)
    where = " AND ".join(f"{quote(k)} = %s" for k in keys)
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {quote(table)} WHERE {where}", list(rows))
    return len(rows)


def chunked(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
