"""The audit log: ``record()`` appends an entry, ``verify()`` checks the hash chain.

Each entry's hash is the SHA-256 of a canonical JSON serialisation of all its fields
(sequence number, time, actor, action, target, unit, period, summary, before, after) and the
previous entry's hash; the first entry's previous hash is 64 zeros. Entries are numbered
1, 2, 3 … without gaps (the number is taken under the append lock), so a changed row
breaks its own hash and a deleted or inserted row breaks its successor's previous hash.

    from jixiao.core.audit import AuditAction, record
    record(actor="cli:alice", action=AuditAction.LOCK, target=lock, unit=unit, period=period,
           summary="…", before={…}, after={…})
"""

import datetime
import decimal
import hashlib
import json
import math
import uuid
from collections.abc import Iterator

from django.db import connections, router, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.core.models import GENESIS_HASH, AppendOnlyError, AuditAction, AuditEntry

__all__ = ["AppendOnlyError", "AuditAction", "AuditEntry", "GENESIS_HASH", "entry_hash", "record", "verify"]

# Any constant will do: it names the lock every appender takes on PostgreSQL.
ADVISORY_LOCK_KEY = 0x6A69786961_6F  # "jixiao" in ASCII hex, truncated to fit a bigint

HASHED_FIELDS = (
    "id",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "unit_id",
    "period_id",
    "summary",
    "before",
    "after",
    "previous_hash",
)


def canonical(value):
    """A JSON value that survives a round trip through either database unchanged: decimals,
    dates and times, UUIDs and non-finite floats become strings (decimals normalised without
    an exponent, e.g. ``"85.50"`` keeps its places), mapping keys become strings, tuples and
    sets become lists (sets sorted), model instances become their primary key."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)  # a choices member becomes its plain value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        return canonical(value.pk)
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return str(value)


def _timestamp(at: datetime.datetime) -> str:
    """The time as hashed: UTC, microseconds, whatever the database hands back."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at, datetime.UTC)
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def entry_hash(fields: dict) -> str:
    """SHA-256 (hex) of the canonical serialisation of an entry's hashed fields."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["at"] = _timestamp(payload["at"])
    payload["action"] = str(payload["action"])
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _model_label(instance: Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def _lock_chain(using: str) -> None:
    """Serialise appenders until the transaction ends. SQLite runs one writer at a time
    (transactions begin IMMEDIATE here), so only PostgreSQL needs a lock."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def record(
    *,
    actor: str,
    action: str,
    target=None,
    unit=None,
    period=None,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    Works inside an outer transaction (the entry is kept or rolled back with it; the
    append lock is held until it ends, so keep such transactions short)."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    using = router.db_for_write(AuditEntry)
    with transaction.atomic(using=using):
        _lock_chain(using)
        last = AuditEntry.objects.using(using).order_by("-id").values_list("id", "entry_hash").first()
        number, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        fields = {
            "id": number,
            # Truncated to microseconds (as both databases store it) so the hash survives.
            "at": timezone.now().astimezone(datetime.UTC),
            "actor": str(actor)[:150],
            "action": str(AuditAction(action).value),
            "target_type": _model_label(target) if target is not None else "",
            "target_id": str(target.pk) if target is not None and target.pk is not None else "",
            "target_label": str(target)[:300] if target is not None else "",
            "unit_id": unit.pk if unit is not None else None,
            "period_id": period.pk if period is not None else None,
            "summary": str(summary),
            "before": canonical(before) if before is not None else None,
            "after": canonical(after) if after is not None else None,
            "previous_hash": previous,
        }
        entry = AuditEntry(**fields, entry_hash=entry_hash(fields))
        entry.save(using=using)
    return entry


def _chain(using: str) -> Iterator[dict]:
    names = ("entry_hash", *HASHED_FIELDS)
    rows = AuditEntry.objects.using(using).order_by("id").values_list(*names)
    for row in rows.iterator(chunk_size=2000):
        yield dict(zip(names, row, strict=True))


def verify(using: str | None = None) -> list[str]:
    """Walk the whole chain in order; return its problems (empty: intact)."""
    using = using or router.db_for_read(AuditEntry)
    problems: list[str] = []
    previous_id, previous_hash = 0, GENESIS_HASH
    for fields in _chain(using):
        number = fields["id"]
        if number != previous_id + 1:
            if number - 1 == previous_id + 1:
                problems.append(_("Entry %(number)s is missing (deleted).") % {"number": previous_id + 1})
            else:
                problems.append(
                    _("Entries %(first)s to %(last)s are missing (deleted).")
                    % {"first": previous_id + 1, "last": number - 1}
                )
        if entry_hash(fields) != fields["entry_hash"]:
            problems.append(
                _("Entry %(number)s does not match its hash (the entry was altered).") % {"number": number}
            )
        if fields["previous_hash"] != previous_hash:
            if previous_id:
                problems.append(
                    _(
                        "The previous hash of entry %(number)s does not match entry %(previous)s"
                        " (entries were deleted or inserted)."
                    )
                    % {"number": number, "previous": previous_id}
                )
            else:
                problems.append(
                    _(
                        "The previous hash of entry %(number)s, the first, is not the chain's start"
                        " (entries were deleted or inserted)."
                    )
                    % {"number": number}
                )
        previous_id, previous_hash = number, fields["entry_hash"]
    return problems


def count() -> int:
    return AuditEntry.objects.count()
