"""The audit log: append-only, every entry chained to the one before it by its keyed hash
(an HMAC under a key kept outside the database), so a changed, deleted or inserted row is
found by ``verify()`` and ``jixiao audit verify``, and a re-hashed chain too unless it was
re-hashed with the key; the head (``jixiao audit head``), kept outside, finds the newest
entries deleted and a chain rewritten even with the key. The page shows a city administrator
everything and a unit's office only its own units."""

import datetime
import hashlib
import hmac
import os
import re
import stat
import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils.translation import gettext

from jixiao.assessment.models import Period
from jixiao.core.audit import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AppendOnlyError,
    AuditAction,
    AuditEntry,
    AuditKeyError,
    entry_hash,
    head,
    parse_head,
    record,
    reset_key_cache,
    serialised,
    verify,
)
from jixiao.org.models import Person, Role, RoleKind, Unit
from tests.files import jixiao, jixiao_ok, roster_rows, scores_rows, write_csv, write_xlsx
from tests.web import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "x-Strong-pass-1"
POSTGRES_ONLY = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")

ALTERED = "Entry %(number)s does not match its hash (the entry was altered)."
MISSING = "Entry %(number)s is missing (deleted)."
BROKEN_LINK = "The previous hash of entry %(number)s does not match entry %(previous)s (entries were deleted or inserted)."
INTACT = "The audit log is intact: %(count)s entries, the hash chain is unbroken."
TAMPERED = "The audit log has been tampered with: %(problems)s problems in %(count)s entries."
ALTERED_RUN = "Entries %(first)s to %(last)s do not match their hashes (the entries were altered)."
WRONG_KEY = (
    "None of the %(count)s entries matches its hash under the audit key from %(source)s: it is not the"
    " key the log was written with (the key was replaced or lost), or every entry was rewritten."
)
KEY_LOST = (
    "The audit key is missing (%(variable)s is not set and the key file %(path)s does not exist), so"
    " none of the %(count)s entries can be checked against its hash: restore the key the log was"
    " written with."
)
TRUNCATED = (
    "The audit log has only %(count)s entries but the recorded head had %(head)s: entries were deleted."
)
REWRITTEN = "Entry %(number)s does not match the recorded head: the log was rewritten."
HEAD_MISSING = "Entry %(number)s, the recorded head, is missing (deleted)."
HEAD_MATCHES = "Entry %(number)s matches the recorded head: no entry up to it was deleted or rewritten."
HEAD_NOTE = (
    "This is the audit log's head (number of entries and hash of the newest one). Write it into the"
    " minutes or another system outside this database; `jixiao audit verify --head %(head)s` then"
    " finds entries deleted or rewritten since."
)
NOT_A_HEAD = (
    "--head %(value)s is not an audit log head: expected COUNT:HASH, the number of entries and the 64 hex"
    " digits of the newest entry's hash, as `jixiao audit head` prints them."
)


def message(msgid: str, **values) -> str:
    """A message as the product prints it (in the configured language)."""
    return gettext(msgid) % values


def raw_sql(sql: str, params=()) -> None:
    """Change the table behind the model's back, as someone with database access could. On
    PostgreSQL that someone must first switch the append-only trigger off (the table's
    owner can); the test transaction switches it back on when it rolls back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys are checked at commit: check them now, or the table cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(sql, params)


@pytest.fixture(autouse=True)
def key_file(settings, tmp_path, monkeypatch):
    """Every test starts without a key: no ``JIXIAO_AUDIT_KEY`` and a key file of its own, not
    there yet (the first entry makes it)."""
    monkeypatch.delenv("JIXIAO_AUDIT_KEY", raising=False)
    settings.JIXIAO_AUDIT_KEY_FILE = tmp_path / "keys" / "audit.key"
    reset_key_cache()
    yield settings.JIXIAO_AUDIT_KEY_FILE
    reset_key_cache()


def use_key(monkeypatch, value: str | None) -> None:
    """Run on as a process started with ``JIXIAO_AUDIT_KEY=value`` (None: unset)."""
    if value is None:
        monkeypatch.delenv("JIXIAO_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("JIXIAO_AUDIT_KEY", value)
    reset_key_cache()


def fields_of(entry: AuditEntry) -> dict:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def plain_sha256(fields: dict) -> str:
    """The unkeyed hash the log once used: anyone with the database can compute it."""
    return hashlib.sha256(serialised(fields)).hexdigest()


def rehash(number: int, digest, **changes) -> None:
    """Change entry ``number`` (text columns) and give it and every later entry a fresh hash
    by ``digest``, each linked to the one before: an edit hidden as well as ``digest`` allows."""
    previous = AuditEntry.objects.get(pk=number - 1).entry_hash if number > 1 else GENESIS_HASH
    for entry in list(AuditEntry.objects.filter(id__gte=number).order_by("id")):
        edits = changes if entry.pk == number else {}
        fields = fields_of(entry) | edits | {"previous_hash": previous}
        previous = digest(fields)
        columns = "".join(f"{name} = %s, " for name in edits)
        raw_sql(
            f"UPDATE core_auditentry SET {columns}previous_hash = %s, entry_hash = %s WHERE id = %s",
            [*edits.values(), fields["previous_hash"], previous, entry.pk],
        )


def head_of(entry_id: int) -> str:
    return f"{entry_id}:{AuditEntry.objects.get(pk=entry_id).entry_hash}"


@pytest.fixture
def units():
    return (
        Unit.objects.create(name="市财政局", sort_order=1),
        Unit.objects.create(name="城关镇", sort_order=2),
    )


@pytest.fixture
def period():
    return Period.objects.create(
        code="2023H1", start=datetime.date(2023, 1, 1), end=datetime.date(2023, 6, 30)
    )


@pytest.fixture
def chain(units, period):
    """Five entries of different kinds, values and units."""
    finance, town = units
    return [
        record(actor="cli:root", action=AuditAction.PERIOD, target=period, period=period, summary="created"),
        record(
            actor="人事科",
            action=AuditAction.SCORE_CHANGE,
            target=finance,
            unit=finance,
            period=period,
            before={"total": Decimal("88.40"), "on": datetime.date(2023, 6, 30)},
            after={"total": Decimal("90.10"), "reason": "复核更正：重点工作得分录入错误"},
            summary="张三 88.40 → 90.10",
        ),
        record(actor="人事科", action=AuditAction.LOCK, unit=finance, period=period, after={"locked": True}),
        record(
            actor="镇党委",
            action=AuditAction.DECISION,
            unit=town,
            period=period,
            after={
                "approved": [1, 2, 3],
                "meeting": datetime.datetime(2023, 7, 3, 9, 30, tzinfo=datetime.UTC),
            },
        ),
        record(actor="kaoheban", action=AuditAction.PUBLICATION, period=period, after={"count": 838}),
    ]


# --------------------------------------------------------------------------- the chain


def test_a_chain_of_entries_verifies(chain, units, period):
    assert verify() == []
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.pk for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash == GENESIS_HASH == "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.previous_hash == before.entry_hash
    assert len({e.entry_hash for e in entries}) == 5
    assert all(len(e.entry_hash) == 64 and int(e.entry_hash, 16) >= 0 for e in entries)
    # Values are stored canonically (decimals keep their places, dates as ISO text), and
    # what is read back hashes to what was written.
    change = entries[1]
    assert (change.target_type, change.target_id, change.target_label) == (
        "org.unit",
        str(units[0].pk),
        "市财政局",
    )
    assert change.before == {"total": "88.40", "on": "2023-06-30"}
    assert change.after == {"total": "90.10", "reason": "复核更正：重点工作得分录入错误"}
    assert entries[3].after == {"approved": [1, 2, 3], "meeting": "2023-07-03T09:30:00+00:00"}
    assert (change.unit, change.period, change.actor, change.action) == (
        units[0],
        period,
        "人事科",
        AuditAction.SCORE_CHANGE,
    )
    for entry in entries:
        fields = {name: getattr(entry, name) for name in ("id", "at", "actor", "action", "target_type")}
        fields |= {
            "target_id": entry.target_id,
            "target_label": entry.target_label,
            "unit_id": entry.unit_id,
            "period_id": entry.period_id,
            "summary": entry.summary,
            "before": entry.before,
            "after": entry.after,
            "previous_hash": entry.previous_hash,
        }
        assert entry_hash(fields) == entry.entry_hash


def test_awkward_values_are_stored_so_that_they_hash_alike(units):
    entry = record(
        actor="a",
        action=AuditAction.RULES,
        target=units[0],
        before={1: AuditAction.LOCK, "ids": {3, 1, 2}, "pair": (Decimal("1E+1"), None), "nan": float("nan")},
        after={
            "share": Decimal("10.00"),
            "unit": units[1],
            "ok": True,
            "float": 0.1,
            "text": '引号"与\\反斜杠',
        },
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.before == {"1": "lock", "ids": [1, 2, 3], "pair": ["10", None], "nan": "nan"}
    assert stored.after == {
        "share": "10.00",
        "unit": units[1].pk,
        "ok": True,
        "float": 0.1,
        "text": '引号"与\\反斜杠',
    }
    assert verify() == []


def test_an_empty_log_verifies():
    assert verify() == []


def test_record_joins_the_outer_transaction(units, period):
    record(actor="a", action=AuditAction.RULES, period=period)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor="b", action=AuditAction.RULES, period=period)
        raise RuntimeError("the outer change fails")
    # The entry went with the failed change; the next one takes its number.
    entry = record(actor="c", action=AuditAction.RULES, period=period)
    assert list(AuditEntry.objects.order_by("id").values_list("id", "actor")) == [(1, "a"), (2, "c")]
    assert entry.previous_hash == AuditEntry.objects.get(pk=1).entry_hash
    assert verify() == []


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        record(actor="a", action="shred")
    assert not AuditEntry.objects.exists()


def test_a_changed_row_is_found_with_its_number(chain):
    raw_sql("UPDATE core_auditentry SET summary = %s WHERE id = %s", ["张三 88.40 → 99.00", 2])
    assert verify() == [message(ALTERED, number=2)]


def test_a_changed_value_inside_the_json_is_found(chain):
    entry = AuditEntry.objects.get(pk=2)
    raw_sql("UPDATE core_auditentry SET after = %s WHERE id = %s", ['{"total": "99.00"}', 2])
    assert AuditEntry.objects.get(pk=2).after == {"total": "99.00"}
    assert verify() == [message(ALTERED, number=2)]
    # Putting the old hash's content back is the only way to mend it.
    assert entry.after == {"total": "90.10", "reason": "复核更正：重点工作得分录入错误"}


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(chain):
    entry = AuditEntry.objects.get(pk=3)
    fields = {
        name: getattr(entry, name) for name in ("id", "at", "actor", "action", "target_type", "target_id")
    }
    fields |= {
        "target_label": entry.target_label,
        "unit_id": entry.unit_id,
        "period_id": entry.period_id,
        "summary": "",
        "before": entry.before,
        "after": {"locked": False},
        "previous_hash": entry.previous_hash,
    }
    forged = entry_hash(fields)
    raw_sql(
        "UPDATE core_auditentry SET after = %s, entry_hash = %s WHERE id = %s",
        ['{"locked": false}', forged, 3],
    )
    assert verify() == [message(BROKEN_LINK, number=4, previous=3)]


def test_a_deleted_middle_row_is_found(chain):
    raw_sql("DELETE FROM core_auditentry WHERE id = %s", [3])
    assert verify() == [message(MISSING, number=3), message(BROKEN_LINK, number=4, previous=2)]


def test_deleted_first_rows_are_found(chain):
    raw_sql("DELETE FROM core_auditentry WHERE id <= %s", [2])
    problems = verify()
    assert message("Entries %(first)s to %(last)s are missing (deleted).", first=1, last=2) in problems
    assert len(problems) == 2


def test_the_model_refuses_to_change_or_delete_an_entry(chain):
    entry = AuditEntry.objects.get(pk=2)
    entry.summary = "改过"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=2).update(summary="改过")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=2).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(actor="x", action=AuditAction.ROLE)])
    assert AuditEntry.objects.count() == 5
    assert AuditEntry.objects.get(pk=2).summary == "张三 88.40 → 90.10"
    assert verify() == []


def test_a_unit_with_entries_cannot_be_deleted(chain, units):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError), transaction.atomic():
        units[0].delete()
    assert Unit.objects.filter(pk=units[0].pk).exists()


@POSTGRES_ONLY
def test_postgresql_itself_refuses_to_change_or_delete_an_entry(chain):
    for sql in (
        "UPDATE core_auditentry SET summary = 'x' WHERE id = 2",
        "DELETE FROM core_auditentry WHERE id = 2",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.count() == 5
    assert verify() == []


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_keep_one_unbroken_chain():
    threads, per_thread = 6, 15
    start = threading.Barrier(threads)
    errors = []

    def append(n):
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    record(actor=f"writer{n}", action=AuditAction.RANKING, summary=str(i), after={"i": i})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert list(AuditEntry.objects.order_by("id").values_list("id", flat=True)) == list(
        range(1, threads * per_thread + 1)
    )
    assert verify() == []


# --------------------------------------------------------------------------- the key


def test_every_hash_is_an_hmac_under_the_key_from_the_key_file(chain, key_file):
    text = key_file.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", text)
    secret = bytes.fromhex(text.strip())
    for entry in AuditEntry.objects.order_by("id"):
        expected = hmac.new(secret, serialised(fields_of(entry)), hashlib.sha256).hexdigest()
        assert entry.entry_hash == expected != plain_sha256(fields_of(entry))
    assert verify() == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_key_file_is_made_by_the_first_entry_with_mode_0600_and_then_reused(key_file, units):
    assert verify() == [] and head() == (0, GENESIS_HASH)
    assert not key_file.exists()  # checking an empty log makes no key
    record(actor="a", action=AuditAction.RULES, target=units[0])
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    text = key_file.read_text()
    assert [p.name for p in key_file.parent.iterdir()] == ["audit.key"]  # no temporary file left
    # A second process (the cache forgotten) reads the same key and continues the same chain.
    reset_key_cache()
    record(actor="b", action=AuditAction.RULES, target=units[1])
    assert key_file.read_text() == text
    assert verify() == []


def test_JIXIAO_AUDIT_KEY_takes_precedence_over_the_key_file(monkeypatch, key_file, units):
    use_key(monkeypatch, "市委组织部考核办的审计密钥 2023")
    entry = record(actor="a", action=AuditAction.RULES, target=units[0])
    assert not key_file.exists()  # with the variable set, no key file is made
    secret = "市委组织部考核办的审计密钥 2023".encode()
    assert entry.entry_hash == hmac.new(secret, serialised(fields_of(entry)), hashlib.sha256).hexdigest()
    assert verify() == []
    # A key file is there too (another installation's): the variable still wins.
    key_file.parent.mkdir()
    key_file.write_text("b" * 64 + "\n")
    reset_key_cache()
    assert verify() == []
    use_key(monkeypatch, None)
    assert verify() == [message(WRONG_KEY, count=1, source=str(key_file))]


def test_a_key_of_64_hex_digits_is_the_bytes_it_spells(monkeypatch, units):
    digits = "0123456789abcdef" * 4
    use_key(monkeypatch, f"  {digits.upper()}\n")  # case and surrounding white space do not matter
    entry = record(actor="a", action=AuditAction.RULES, target=units[0])
    fields = fields_of(entry)
    assert entry.entry_hash == hmac.new(bytes.fromhex(digits), serialised(fields), hashlib.sha256).hexdigest()
    assert entry.entry_hash != hmac.new(digits.encode(), serialised(fields), hashlib.sha256).hexdigest()
    use_key(monkeypatch, digits)
    assert verify() == []


@pytest.mark.parametrize(
    "digest",
    [plain_sha256, lambda fields: entry_hash(fields, b"a guessed key")],
    ids=["plain SHA-256", "a wrong key"],
)
def test_an_edit_rehashed_without_the_key_is_found(capsys, chain, key_file, digest):
    rehash(2, digest, summary="张三 88.40 → 99.00")
    assert AuditEntry.objects.get(pk=2).summary == "张三 88.40 → 99.00"
    # Every link holds (the forger chained the new hashes), but no new hash is the key's.
    assert verify() == [message(ALTERED_RUN, first=2, last=5)]
    run = jixiao(capsys, "audit", "verify")
    assert run.status == 2 and "Traceback" not in run.err
    assert run.err_lines == [message(ALTERED_RUN, first=2, last=5), message(TAMPERED, problems=1, count=5)]
    # Re-hashing the whole chain the same way: no entry matches, and the key is named.
    rehash(1, digest)
    assert verify() == [message(WRONG_KEY, count=5, source=str(key_file))]


def test_only_the_key_rehashes_an_edit_unseen_and_the_head_still_finds_it(capsys, monkeypatch, chain):
    recorded = jixiao_ok(capsys, "audit", "head").out.strip()
    rehash(3, entry_hash, summary="已解锁")  # with this process's key: what only its holder can do
    assert verify() == []
    run = jixiao(capsys, "audit", "verify", "--head", recorded)
    assert run.status == 2 and "Traceback" not in run.err
    assert run.err_lines == [message(REWRITTEN, number=5), message(TAMPERED, problems=1, count=5)]
    # Under any other key every entry fails, and the message says it is the key.
    use_key(monkeypatch, "not the key the log was written with")
    assert verify() == [message(WRONG_KEY, count=5, source="JIXIAO_AUDIT_KEY")]
    run = jixiao(capsys, "audit", "verify")
    assert run.status == 2 and "Traceback" not in run.err
    assert run.err_lines == [
        message(WRONG_KEY, count=5, source="JIXIAO_AUDIT_KEY"),
        message(TAMPERED, problems=1, count=5),
    ]


def test_a_lost_key_file_is_reported_and_never_silently_replaced(capsys, chain, key_file, period):
    text = key_file.read_text()
    key_file.unlink()
    reset_key_cache()  # a process started after the file was deleted
    lost = message(KEY_LOST, variable="JIXIAO_AUDIT_KEY", path=key_file, count=5)
    assert verify() == [lost]
    run = jixiao(capsys, "audit", "verify")
    assert run.status == 2 and "Traceback" not in run.err
    assert run.err_lines == [lost, message(TAMPERED, problems=1, count=5)]
    # The chain's links are still checked without the key.
    raw_sql("DELETE FROM core_auditentry WHERE id = %s", [3])
    assert verify() == [
        message(KEY_LOST, variable="JIXIAO_AUDIT_KEY", path=key_file, count=4),
        message(MISSING, number=3),
        message(BROKEN_LINK, number=4, previous=2),
    ]
    # Appending would need a new key, which would leave the old entries unverifiable: refused.
    with pytest.raises(AuditKeyError, match="JIXIAO_AUDIT_KEY"):
        record(actor="a", action=AuditAction.RULES, period=period)
    assert AuditEntry.objects.count() == 4 and not key_file.exists()
    # The key restored from its copy, the log verifies again (but for the deleted row).
    key_file.write_text(text)
    assert verify() == [message(MISSING, number=3), message(BROKEN_LINK, number=4, previous=2)]


# --------------------------------------------------------------------------- the command


def test_the_verify_command_reports_an_intact_log(capsys, chain):
    run = jixiao_ok(capsys, "audit", "verify")
    assert run.out.strip() == message(INTACT, count=5)
    assert run.out == "审计日志完整：共 5 条记录，哈希链无断裂。\n"


def test_the_verify_command_fails_on_a_tampered_log(capsys, chain):
    raw_sql("UPDATE core_auditentry SET actor = %s WHERE id = %s", ["别人", 4])
    raw_sql("DELETE FROM core_auditentry WHERE id = %s", [2])
    run = jixiao(capsys, "audit", "verify")
    assert run.status == 2
    assert "Traceback" not in run.err
    assert run.out == ""
    assert run.err_lines == [
        message(MISSING, number=2),
        message(BROKEN_LINK, number=3, previous=1),
        message(ALTERED, number=4),
        message(TAMPERED, problems=3, count=4),
    ]
    assert run.err_lines[2] == "第 4 条记录的内容与其哈希不符（记录被改动过）。"
    assert run.err_lines[1] == "第 3 条记录的前一哈希与第 1 条不符（记录被删除或插入过）。"


def test_the_list_command_shows_recent_entries(capsys, chain):
    run = jixiao_ok(capsys, "audit", "list", "--limit", "2")
    lines = run.out.splitlines()
    assert len(lines) == 3  # the header and the two newest
    assert lines[1].split()[0] == "5" and "kaoheban" in lines[1]
    assert lines[2].split()[0] == "4" and "城关镇" in lines[2]
    run = jixiao_ok(capsys, "audit", "list", "--unit", "市财政局", "--action", "lock")
    assert [line.split()[0] for line in run.out.splitlines()[1:]] == ["3"]
    run = jixiao(capsys, "audit", "list", "--unit", "没有这个单位")
    assert run.status == 1 and "Traceback" not in run.err


# --------------------------------------------------------------------------- the head


def test_the_head_command_prints_count_and_hash_alone_on_stdout(capsys, chain):
    run = jixiao_ok(capsys, "audit", "head")
    newest = AuditEntry.objects.get(pk=5)
    assert run.out == f"5:{newest.entry_hash}\n"
    assert re.fullmatch(r"\d+:[0-9a-f]{64}\n", run.out)
    assert run.err_lines == [message(HEAD_NOTE, head=f"5:{newest.entry_hash}")]
    assert head() == (5, newest.entry_hash)
    run = jixiao_ok(capsys, "audit", "verify", "--head", run.out.strip())
    assert run.out.splitlines() == [message(INTACT, count=5), message(HEAD_MATCHES, number=5)]
    # An older head checks the entry it names (the log grew since).
    run = jixiao_ok(capsys, "audit", "verify", "--head", head_of(2).upper())
    assert run.out.splitlines() == [message(INTACT, count=5), message(HEAD_MATCHES, number=2)]


def test_the_head_of_an_empty_log_is_the_chains_start(capsys):
    run = jixiao_ok(capsys, "audit", "head")
    assert run.out == "0:" + "0" * 64 + "\n"
    assert head() == (0, GENESIS_HASH)
    run = jixiao_ok(capsys, "audit", "verify", "--head", run.out.strip())
    assert run.out == message(INTACT, count=0) + "\n"


def test_deleting_the_newest_entries_passes_the_chain_but_not_the_head(capsys, chain, period):
    recorded = jixiao_ok(capsys, "audit", "head").out.strip()
    raw_sql("DELETE FROM core_auditentry WHERE id >= %s", [4])
    # What is left is a perfect chain: the chain alone cannot tell.
    assert verify() == []
    assert jixiao_ok(capsys, "audit", "verify").out.strip() == message(INTACT, count=3)
    # The head kept outside can.
    assert verify(head=parse_head(recorded)) == [message(TRUNCATED, count=3, head=5)]
    run = jixiao(capsys, "audit", "verify", "--head", recorded)
    assert run.status == 2 and "Traceback" not in run.err and run.out == ""
    assert run.err_lines == [message(TRUNCATED, count=3, head=5), message(TAMPERED, problems=1, count=3)]
    # Entries recorded after the deletion refill the numbers, but not with the recorded hash.
    record(actor="a", action=AuditAction.RULES, period=period)
    record(actor="b", action=AuditAction.RULES, period=period)
    assert verify() == []
    assert verify(head=parse_head(recorded)) == [message(REWRITTEN, number=5)]


def test_a_deleted_head_entry_in_the_middle_is_named(chain):
    recorded = head_of(3)
    raw_sql("DELETE FROM core_auditentry WHERE id = %s", [3])
    assert verify(head=parse_head(recorded)) == [
        message(MISSING, number=3),
        message(BROKEN_LINK, number=4, previous=2),
        message(HEAD_MISSING, number=3),
    ]


@pytest.mark.parametrize(
    "value",
    ["5", "", "5:" + "a" * 63, "5:" + "g" * 64, "-1:" + "a" * 64, "x:" + "a" * 64, "0:" + "1" * 64],
)
def test_a_malformed_head_is_refused(capsys, chain, value):
    run = jixiao(capsys, "audit", "verify", f"--head={value}")
    assert run.status == 1 and "Traceback" not in run.err and run.out == ""
    assert run.err_lines == [message(NOT_A_HEAD, value=value)]


# --------------------------------------------------------------------------- the services


def test_an_import_lock_unlock_and_nomination_are_recorded(tmp_path, capsys):
    people = [[f"F{i:03d}", f"财政{i}号", "市财政局", "一般干部", "科员"] for i in range(1, 101)]
    roster = write_xlsx(tmp_path / "花名册.xlsx", roster_rows(people))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1", "--actor", "人事科")
    # The command created the period (with its own entry), then imported the roster.
    period_entry, entry = AuditEntry.objects.order_by("id")
    assert (period_entry.action, period_entry.actor) == (AuditAction.PERIOD, "人事科")
    finance = Unit.objects.get(name="市财政局")
    assert (entry.action, entry.actor, entry.unit, entry.period.code) == (
        AuditAction.IMPORT,
        "人事科",
        finance,
        "2023H1",
    )
    assert entry.target_type == "imports.importrecord"
    assert entry.after["file"] == "花名册.xlsx"
    assert entry.after["rows"] == 100
    assert entry.after["kind"] == "roster"
    assert len(entry.after["sha256"]) == 64
    assert "花名册.xlsx" in entry.summary

    scores = write_csv(
        tmp_path / "总分.csv", scores_rows([[f"F{i:03d}", 100 - i / 2] for i in range(1, 101)])
    )
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1", "--actor", "人事科")
    jixiao_ok(capsys, "select", "--period", "2023H1")
    jixiao_ok(capsys, "lock", "--period", "2023H1", "--unit", "市财政局", "--actor", "人事科")
    jixiao_ok(capsys, "lock", "--period", "2023H1", "--unit", "市财政局")  # already locked: nothing new
    changed = write_csv(tmp_path / "更正.csv", scores_rows([["F050", "99.5"]]))
    assert jixiao(capsys, "import", "scores", changed, "--period", "2023H1").status != 0  # needs a reason
    jixiao_ok(
        capsys, "import", "scores", changed, "--period", "2023H1", "--reason", "复核更正", "--actor", "人事科"
    )
    jixiao_ok(
        capsys, "unlock", "--period", "2023H1", "--unit", "市财政局", "--reason", "补录", "--actor", "考核办"
    )
    reason = "在防汛抗旱工作中连续奋战一线，组织转移群众三百余人，表现突出。"
    jixiao_ok(capsys, "select", "--period", "2023H1")
    jixiao_ok(
        capsys,
        "nominate",
        "--period",
        "2023H1",
        "--staff-id",
        "F060",
        "--reason",
        reason,
        "--actor",
        "人事科",
    )

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    audited = [a for a in actions if a in {"import", "lock", "unlock", "score_change", "nomination"}]
    assert audited == ["import", "import", "lock", "score_change", "import", "unlock", "nomination"]
    lock = AuditEntry.objects.get(action=AuditAction.LOCK)
    assert (lock.unit, lock.actor, lock.after["locked"], lock.before) == (
        finance,
        "人事科",
        True,
        {"locked": False},
    )
    change = AuditEntry.objects.get(action=AuditAction.SCORE_CHANGE)
    assert (change.unit, change.after["reason"], change.target_type) == (
        finance,
        "复核更正",
        "assessment.scorechange",
    )
    assert change.after["details"]["changed_scores"] == 1
    unlock = AuditEntry.objects.get(action=AuditAction.UNLOCK)
    assert (unlock.actor, unlock.before["locked_by"], unlock.after) == (
        "考核办",
        "人事科",
        {"locked": False, "reason": "补录"},
    )
    nomination = AuditEntry.objects.get(action=AuditAction.NOMINATION)
    assert nomination.unit == finance
    assert nomination.after == {"staff_id": "F060", "name": "财政60号", "reason": reason}
    assert verify() == []


def test_a_dry_run_or_a_refused_import_records_nothing(tmp_path, capsys):
    roster = write_csv(tmp_path / "roster.csv", roster_rows([["A1", "甲", "市财政局", "一般干部", "科员"]]))
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H1", "--dry-run")
    assert not AuditEntry.objects.exists()
    bad = write_csv(tmp_path / "bad.csv", roster_rows([["A1", "", "市财政局", "一般干部", "科员"]]))
    assert jixiao(capsys, "import", "roster", bad, "--period", "2023H1").status != 0
    assert not AuditEntry.objects.exists()


# --------------------------------------------------------------------------- the page


@pytest.fixture
def people(units, chain):
    finance, town = units
    users = get_user_model().objects
    admin = users.create_user("kaoheban", password=PASSWORD)
    Role.objects.create(user=admin, kind=RoleKind.CITY_ADMIN)
    assessor = users.create_user("renshike", password=PASSWORD)
    Role.objects.create(user=assessor, kind=RoleKind.ASSESSOR, unit=finance)
    secretary = users.create_user("zhenshuji", password=PASSWORD)
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARY, unit=town)
    staff = users.create_user("zhangsan", password=PASSWORD)
    person = Person.objects.create(staff_id="000101", name="张三")
    Role.objects.create(user=staff, kind=RoleKind.STAFF, unit=finance, person=person)
    return {"admin": admin, "assessor": assessor, "secretary": secretary, "staff": staff}


def shown(response) -> list[int]:
    assert response.status_code == 200
    return [entry.pk for entry in response.context["page"]]


def test_a_city_admin_sees_every_entry(client, people):
    sign_in(client, "kaoheban", PASSWORD)
    response = client.get("/audit/")
    assert shown(response) == [5, 4, 3, 2, 1]
    html = response.content.decode()
    assert "张三 88.40 → 90.10" in html
    assert "<details>" in html and "88.40" in html and "复核更正" in html
    assert [u.name for u in response.context["units"]] == ["市财政局", "城关镇"]
    assert shown(client.get("/audit/", {"action": "lock"})) == [3]
    town = Unit.objects.get(name="城关镇")
    assert shown(client.get("/audit/", {"unit": town.pk})) == [4]
    assert shown(client.get("/audit/", {"actor": "人事"})) == [3, 2]
    today = datetime.date.today()
    assert shown(client.get("/audit/", {"from": today.isoformat(), "to": today.isoformat()})) == [
        5,
        4,
        3,
        2,
        1,
    ]
    tomorrow = (today + datetime.timedelta(days=2)).isoformat()
    assert shown(client.get("/audit/", {"from": tomorrow})) == []
    # The chain check on request.
    response = client.get("/audit/", {"verify": "1"})
    assert response.context["problems"] == []
    raw_sql("UPDATE core_auditentry SET summary = 'x' WHERE id = 1")
    response = client.get("/audit/", {"verify": "1"})
    assert response.context["problems"] == [message(ALTERED, number=1)]
    assert message(ALTERED, number=1) in response.content.decode()


def test_a_superuser_counts_as_city_admin(client, chain):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    sign_in(client, "root", PASSWORD)
    assert shown(client.get("/audit/")) == [5, 4, 3, 2, 1]


def test_a_units_office_sees_only_its_units_entries(client, people, units):
    finance, town = units
    sign_in(client, "renshike", PASSWORD)
    response = client.get("/audit/")
    assert shown(response) == [3, 2]
    assert [u.name for u in response.context["units"]] == ["市财政局"]
    assert "城关镇" not in response.content.decode()
    # Asking for another unit shows nothing of it; no chain check for units.
    assert shown(client.get("/audit/", {"unit": town.pk})) == [3, 2]
    assert "problems" not in client.get("/audit/", {"verify": "1"}).context
    client.logout()
    sign_in(client, "zhenshuji", PASSWORD)
    assert shown(client.get("/audit/")) == [4]


def test_a_staff_member_is_refused(client, people):
    sign_in(client, "zhangsan", PASSWORD)
    assert client.get("/audit/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, chain):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_is_paginated_newest_first(client, people, period):
    for i in range(60):
        record(actor="bulk", action=AuditAction.RANKING, period=period, summary=f"run {i}")
    sign_in(client, "kaoheban", PASSWORD)
    first = client.get("/audit/", {"actor": "bulk"})
    assert len(shown(first)) == 50 and shown(first)[0] == 65
    second = client.get("/audit/", {"actor": "bulk", "page": 2})
    assert shown(second) == list(range(15, 5, -1))
    assert "actor=bulk&amp;page=2" in first.content.decode()
