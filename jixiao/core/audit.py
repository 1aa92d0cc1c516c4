"""The audit log: ``record()`` appends an entry, ``verify()`` checks the keyed hash chain and
``head()`` gives its newest link, to be kept outside the database.

Each entry's hash is the HMAC-SHA256 (hex, 64 digits), under the audit key, of a canonical
JSON serialisation of all its fields (sequence number, time, actor, action, target, unit,
period, summary, before, after) and the previous entry's hash; the first entry's previous
hash is 64 zeros. Entries are numbered 1, 2, 3 … without gaps (the number is taken under the
append lock), so a changed row breaks its own hash and a deleted or inserted row breaks its
successor's previous hash. Without the key no one can compute a valid hash, so whoever has
only the database cannot re-hash a changed row and the chain after it.

The chain cannot show its own end: deleting the newest entries leaves a shorter chain that
is intact, and the key's holder could rewrite the whole chain. ``head()`` (``jixiao audit
head``) gives ``COUNT:HASH``, the number and hash of the newest entry; written into the
committee's minutes or another system, it is checked by ``verify(head=…)`` (``jixiao audit
verify --head COUNT:HASH``): entry COUNT must still be there with that very hash.

The key is kept outside the database: the environment variable ``JIXIAO_AUDIT_KEY`` or, when
that is unset or blank, the file ``settings.JIXIAO_AUDIT_KEY_FILE`` (environment variable
``JIXIAO_AUDIT_KEY_FILE``, default ``DATA_DIR/audit.key``), which the first entry creates with
32 random bytes written as 64 hex digits (mode 0600). Either way, surrounding white space is
ignored and a value of exactly 64 hex digits stands for the 32 bytes it spells; any other
value is used as its UTF-8 bytes. The key is read once per process (``reset_key_cache()``
forgets it). Keep a copy of it apart from the database and its backups: an entry verifies
only under the key it was written with, so once the log has entries a missing key file is
not replaced (``record()`` refuses) and ``verify()`` reports the key as lost.

    from jixiao.core.audit import AuditAction, record
    record(actor="cli:alice", action=AuditAction.LOCK, target=lock, unit=unit, period=period,
           summary="…", before={…}, after={…})
"""

import contextlib
import datetime
import decimal
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections, router, transaction
from django.db.models import Model
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.core.models import GENESIS_HASH, AppendOnlyError, AuditAction, AuditEntry

__all__ = [
    "AppendOnlyError",
    "AuditAction",
    "AuditEntry",
    "AuditKey",
    "AuditKeyError",
    "GENESIS_HASH",
    "audit_key",
    "entry_hash",
    "format_head",
    "head",
    "parse_head",
    "record",
    "reset_key_cache",
    "serialised",
    "verify",
]

# Any constant will do: it names the lock every appender takes on PostgreSQL.
ADVISORY_LOCK_KEY = 0x6A69786961_6F  # "jixiao" in ASCII hex, truncated to fit a bigint

KEY_VARIABLE = "JIXIAO_AUDIT_KEY"
# How long a reader waits for a key file that another process has created but not yet written.
KEY_FILE_WAIT = 2.0

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

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
_HEAD = re.compile(r"(\d+):([0-9a-fA-F]{64})")


# --------------------------------------------------------------------------- the key


class AuditKeyError(ImproperlyConfigured):
    """The audit key cannot be read, or is missing while the log has entries written with it."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes = field(repr=False)
    source: str  # where it came from, for messages: "JIXIAO_AUDIT_KEY" or the key file's path


_cached_key: AuditKey | None = None
_key_lock = threading.Lock()


def reset_key_cache() -> None:
    """Forget the key read by this process: the next use reads it again (tests switch keys)."""
    global _cached_key
    with _key_lock:
        _cached_key = None


@receiver(setting_changed)
def _key_file_changed(*, setting, **kwargs):
    if setting == "JIXIAO_AUDIT_KEY_FILE":
        reset_key_cache()


def _decoded(text: str) -> bytes:
    text = text.strip()
    return bytes.fromhex(text) if _HEX_KEY.fullmatch(text) else text.encode("utf-8")


def key_file() -> Path:
    return Path(settings.JIXIAO_AUDIT_KEY_FILE)


def _read_key_file(path: Path) -> str | None:
    """The key file's text, or None when there is none. An empty file is one that another
    process is writing (where hard links are not available): wait for its key."""
    deadline = time.monotonic() + KEY_FILE_WAIT
    while True:
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise AuditKeyError(
                _("The audit key file %(path)s cannot be read: %(error)s") % {"path": path, "error": error}
            ) from error
        if text.strip():
            return text
        if time.monotonic() > deadline:
            raise AuditKeyError(_("The audit key file %(path)s is empty.") % {"path": path})
        time.sleep(0.02)


def _write_all(descriptor: int, data: bytes) -> None:
    while data:
        data = data[os.write(descriptor, data) :]
    os.fsync(descriptor)


def _create_key_file(path: Path) -> None:
    """Put a new random key at ``path`` unless a key file is there already. Of processes
    creating it at once, one wins and the others read its key: the key is written to a
    private temporary file first and then hard-linked into place, which fails when the name
    is taken, so the file never appears half written. Where hard links are not available
    the file is created exclusively (O_EXCL) and written at once; readers wait for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (secrets.token_hex(32) + "\n").encode("ascii")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.chmod(temporary, 0o600)  # whatever the umask
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process was first: its key is the key
    except OSError:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            try:
                os.chmod(path, 0o600)
                _write_all(descriptor, data)
            finally:
                os.close(descriptor)
    finally:
        temporary.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # make the new name durable where the system allows
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _load_key(*, create: bool) -> AuditKey | None:
    """This process's key: ``JIXIAO_AUDIT_KEY``, else the key file (made when ``create``);
    None when there is neither."""
    global _cached_key
    with _key_lock:
        if _cached_key is not None:
            return _cached_key
        value = os.environ.get(KEY_VARIABLE, "")
        if value.strip():
            key = AuditKey(_decoded(value), KEY_VARIABLE)
        else:
            path = key_file()
            text = _read_key_file(path)
            if text is None and create:
                _create_key_file(path)
                text = _read_key_file(path)
            if text is None:
                return None
            key = AuditKey(_decoded(text), str(path))
        _cached_key = key
        return key


def _no_key_error(count: int) -> AuditKeyError:
    return AuditKeyError(
        _(
            "The audit key is missing (%(variable)s is not set and the key file %(path)s does not"
            " exist) but the audit log has %(count)s entries written with it: restore the key file"
            " or set %(variable)s to the key. A new key would leave the log unverifiable."
        )
        % {"variable": KEY_VARIABLE, "path": key_file(), "count": count}
    )


def key_available() -> bool:
    """Whether this process has a key to verify or extend the log with (none is made)."""
    return _load_key(create=False) is not None


def audit_key() -> AuditKey:
    """The key the log is written with; raises AuditKeyError when there is none yet."""
    key = _load_key(create=False)
    if key is None:
        raise _no_key_error(AuditEntry.objects.count())
    return key


# --------------------------------------------------------------------------- the hash


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


def serialised(fields: dict) -> bytes:
    """The canonical serialisation of an entry's hashed fields (UTF-8 JSON, keys sorted)."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["at"] = _timestamp(payload["at"])
    payload["action"] = str(payload["action"])
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def entry_hash(fields: dict, key: bytes | None = None) -> str:
    """HMAC-SHA256 (hex) of the canonical serialisation of an entry's hashed fields, under
    ``key`` (default: this process's audit key)."""
    secret = audit_key().secret if key is None else key
    return hmac.new(secret, serialised(fields), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- appending


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
        # The first entry makes the key file if there is none; a later one never replaces it.
        key = _load_key(create=last is None)
        if key is None:
            raise _no_key_error(AuditEntry.objects.using(using).count())
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
        entry = AuditEntry(**fields, entry_hash=entry_hash(fields, key.secret))
        entry.save(using=using)
    return entry


# --------------------------------------------------------------------------- checking


def _chain(using: str) -> Iterator[dict]:
    names = ("entry_hash", *HASHED_FIELDS)
    rows = AuditEntry.objects.using(using).order_by("id").values_list(*names)
    for row in rows.iterator(chunk_size=2000):
        yield dict(zip(names, row, strict=True))


def head(using: str | None = None) -> tuple[int, str]:
    """The newest entry's number (the count of entries the chain has) and hash; an empty
    log's head is ``(0, GENESIS_HASH)``. Kept outside the database, it lets ``verify(head=…)``
    find entries deleted or rewritten since."""
    using = using or router.db_for_read(AuditEntry)
    newest = AuditEntry.objects.using(using).order_by("-id").values_list("id", "entry_hash").first()
    return (newest[0], newest[1]) if newest else (0, GENESIS_HASH)


def format_head(value: tuple[int, str]) -> str:
    """``COUNT:HASH``, as ``jixiao audit head`` prints it."""
    return f"{value[0]}:{value[1]}"


def parse_head(text: str) -> tuple[int, str]:
    """``COUNT:HASH`` (as ``format_head`` writes it) as a head; ValueError with a message to
    show when it is not one."""
    match = _HEAD.fullmatch(text.strip())
    number, digest = (int(match[1]), match[2].lower()) if match else (None, None)
    if number is None or (number == 0 and digest != GENESIS_HASH):
        raise ValueError(
            _(
                "--head %(value)s is not an audit log head: expected COUNT:HASH, the number of entries and"
                " the 64 hex digits of the newest entry's hash, as `jixiao audit head` prints them."
            )
            % {"value": text}
        )
    return number, digest


def _altered(first: int, last: int) -> str:
    if first == last:
        return _("Entry %(number)s does not match its hash (the entry was altered).") % {"number": first}
    return _("Entries %(first)s to %(last)s do not match their hashes (the entries were altered).") % {
        "first": first,
        "last": last,
    }


def verify(using: str | None = None, *, head: tuple[int, str] | None = None) -> list[str]:
    """Walk the whole chain in order (streaming); return its problems (empty: intact).

    With ``head`` (a ``(count, hash)`` taken earlier by ``head()``), entry ``count`` must also
    still exist with that hash: the chain alone shows neither its newest entries deleted nor
    its rewriting by the key's holder. Runs of consecutive entries that fail their hash are
    reported as one problem; when every entry fails, or there is no key, the one problem is
    the key."""
    using = using or router.db_for_read(AuditEntry)
    key = _load_key(create=False)
    problems: list[str] = []
    previous_id, previous_hash = 0, GENESIS_HASH
    entries = failed = 0
    # The run of entries failing their hash not yet reported: first, last, and where in
    # ``problems`` it goes (before what its entries' links add); and where the runs went.
    altered: tuple[int, int, int] | None = None
    altered_at: list[int] = []
    head_hash = None

    def report_altered():
        nonlocal altered
        if altered is not None:
            first, last, position = altered
            altered_at.append(position)
            problems.insert(position, _altered(first, last))
            altered = None

    for fields in _chain(using):
        entries += 1
        number = fields["id"]
        matches = key is None or entry_hash(fields, key.secret) == fields["entry_hash"]
        if matches or number != previous_id + 1:
            report_altered()
        if number != previous_id + 1:
            if number - 1 == previous_id + 1:
                problems.append(_("Entry %(number)s is missing (deleted).") % {"number": previous_id + 1})
            else:
                problems.append(
                    _("Entries %(first)s to %(last)s are missing (deleted).")
                    % {"first": previous_id + 1, "last": number - 1}
                )
        if not matches:
            failed += 1
            altered = (altered[0], number, altered[2]) if altered else (number, number, len(problems))
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
        if head is not None and number == head[0]:
            head_hash = fields["entry_hash"]
        previous_id, previous_hash = number, fields["entry_hash"]
    report_altered()

    if entries and key is None:
        problems.insert(
            0,
            _(
                "The audit key is missing (%(variable)s is not set and the key file %(path)s does"
                " not exist), so none of the %(count)s entries can be checked against its hash:"
                " restore the key the log was written with."
            )
            % {"variable": KEY_VARIABLE, "path": key_file(), "count": entries},
        )
    elif entries and failed == entries:
        for index in reversed(altered_at):
            del problems[index]
        problems.insert(
            0,
            _(
                "None of the %(count)s entries matches its hash under the audit key from %(source)s:"
                " it is not the key the log was written with (the key was replaced or lost), or"
                " every entry was rewritten."
            )
            % {"count": entries, "source": key.source},
        )

    if head is not None and head[0]:
        number, digest = head
        if head_hash is None and previous_id < number:
            problems.append(
                _(
                    "The audit log has only %(count)s entries but the recorded head had %(head)s:"
                    " entries were deleted."
                )
                % {"count": previous_id, "head": number}
            )
        elif head_hash is None:
            problems.append(
                _("Entry %(number)s, the recorded head, is missing (deleted).") % {"number": number}
            )
        elif head_hash != digest:
            problems.append(
                _("Entry %(number)s does not match the recorded head: the log was rewritten.")
                % {"number": number}
            )
    return problems


def count() -> int:
    return AuditEntry.objects.count()
