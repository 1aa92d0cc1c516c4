"""A consistent backup of the whole database while the server runs, and its restore.

A backup is one tar file: ``manifest.json`` and the database in the engine's own format,
SQLite's online backup (``database.sqlite3``) or PostgreSQL's ``pg_dump`` custom format
(``database.pgdump``), both a snapshot of one moment while others keep writing. The manifest
holds the database's SHA-256 and, taken in the dump's own snapshot, the rows of every table
and the audit log's head; a restore checks the checksum before it writes anything, and
after: the tables hold exactly those rows and the audit chain verifies up to that head.

Every record lives in the database (portraits too); what lies beside it in the data folder
is made again on demand (exports) or is a pending upload. The audit key is deliberately
not in the backup: whoever holds a backup could otherwise rewrite the log and its hashes.
Keep the key (``JIXIAO_AUDIT_KEY`` or its file) apart, as the README says.
"""

import contextlib
import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from jixiao.core import audit
from jixiao.core.models import AuditAction, AuditEntry

FORMAT = "jixiao-backup/1"
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1 << 20


class BackupRefused(Exception):
    """The backup cannot be made or restored; nothing was written. The message says why."""


@dataclass(frozen=True)
class Manifest:
    created: str
    engine: str
    member: str
    sha256: str
    size: int
    rows: dict[str, int]
    migrations: list[str]
    audit_head: tuple[int, str]

    def as_json(self) -> bytes:
        fields = {**self.__dict__, "format": FORMAT, "audit_head": audit.format_head(self.audit_head)}
        return json.dumps(fields, ensure_ascii=False, indent=2, sort_keys=True).encode()

    def figures(self) -> dict[str, str | int]:
        """What a backup's and a restore's report say of it: rows, tables, audit head."""
        return {
            "rows": f"{sum(self.rows.values()):,}",
            "tables": len(self.rows),
            "head": audit.format_head(self.audit_head),
        }

    @classmethod
    def parse(cls, data: bytes) -> "Manifest":
        try:
            fields = json.loads(data)
            if fields.pop("format") != FORMAT:
                raise ValueError("format")
            fields["audit_head"] = audit.parse_head(fields["audit_head"])
            return cls(**fields)
        except (ValueError, KeyError, TypeError) as error:
            raise BackupRefused(_("The backup's manifest is damaged or of another program.")) from error


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def model_tables() -> list[str]:
    """Every table of the installed models (many-to-many tables too) that exists."""
    existing = set(connection.introspection.table_names())
    tables = {
        model._meta.db_table for model in apps.get_models(include_auto_created=True) if not model._meta.proxy
    }
    return sorted(tables & existing)


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in model_tables():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations() -> list[str]:
    if "django_migrations" not in connection.introspection.table_names():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def holds_data() -> bool:
    """Whether anything was done with the database beyond creating it: every change of
    state writes an audit entry, and accounts are the one thing set up before any (a fresh
    database has only the catalogues its migrations seed)."""
    counts = row_counts()
    return bool(counts.get(AuditEntry._meta.db_table) or counts.get(get_user_model()._meta.db_table))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """pg_dump's and pg_restore's connection options for the default database."""
    settings_dict = connection.settings_dict
    arguments = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            arguments.append(f"{option}={settings_dict[key]}")
    environment = {**os.environ}
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return [*arguments, f"--dbname={settings_dict['NAME']}"], environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupRefused(
            _("%(program)s is not installed: apt-get install postgresql-client") % {"program": command[0]}
        ) from None
    except subprocess.CalledProcessError as error:
        raise BackupRefused(
            _("%(program)s failed: %(error)s") % {"program": command[0], "error": error.stderr.strip()}
        ) from None


@contextlib.contextmanager
def _snapshot() -> Iterator[str | None]:
    """One consistent moment of the database for the counts, the audit head and the dump.
    PostgreSQL: a repeatable-read transaction whose snapshot pg_dump shares (its id is
    yielded), so writers go on. SQLite: the write lock (``BEGIN IMMEDIATE``) for the seconds
    of the copy, so writers wait rather than change what is being copied."""
    with transaction.atomic():
        if engine() == "sqlite":
            yield None
            return
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            yield cursor.fetchone()[0]


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    """SQLite's online backup from one file into another: page by page, consistent while
    others write the source, and one step for other connections to the target."""
    reading = sqlite3.connect(source)
    writing = sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def _dump_database(target: Path, snapshot: str | None) -> None:
    if engine() == "sqlite":
        _sqlite_copy(connection.settings_dict["NAME"], target)
        return
    arguments, environment = _pg_environment()
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={target}",
            *arguments,
        ],
        environment,
    )


def write_backup(output: Path, *, progress: Callable[[str], None] = lambda _step: None) -> Manifest:
    """Back the database up into ``output`` (written beside it, then renamed: a crash
    leaves no half backup under that name)."""
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="jixiao-backup-", dir=output.parent) as folder:
        member = MEMBERS[engine()]
        dumped = Path(folder) / member
        progress(_("dumping the database"))
        with _snapshot() as snapshot:
            rows, head, migrations = row_counts(), audit.head(), applied_migrations()
            _dump_database(dumped, snapshot)
        progress(_("computing the checksum"))
        manifest = Manifest(
            created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            engine=engine(),
            member=member,
            sha256=file_sha256(dumped),
            size=dumped.stat().st_size,
            rows=rows,
            migrations=migrations,
            audit_head=head,
        )
        partial = Path(folder) / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            data = manifest.as_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(dumped, arcname=member)
        os.replace(partial, output)
    return manifest


def read_backup(path: Path, folder: Path) -> tuple[Manifest, Path]:
    """The backup's manifest and its database extracted into ``folder``, every checksum
    verified; ``BackupRefused`` for anything damaged, truncated or foreign."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(_("%(path)s is not a file.") % {"path": path})
    try:
        with tarfile.open(path, "r:") as archive:
            names = archive.getnames()
            if MANIFEST not in names:
                raise BackupRefused(_("%(path)s is not a jixiao backup (no manifest).") % {"path": path.name})
            manifest = Manifest.parse(archive.extractfile(MANIFEST).read())
            if manifest.member not in names or manifest.member not in MEMBERS.values():
                raise BackupRefused(_("The backup lacks its database."))
            extracted = folder / manifest.member
            with archive.extractfile(manifest.member) as source, extracted.open("wb") as target:
                shutil.copyfileobj(source, target, CHUNK)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupRefused(
            _("%(path)s is damaged or not a jixiao backup (%(error)s).") % {"path": path.name, "error": error}
        ) from None
    if extracted.stat().st_size != manifest.size or file_sha256(extracted) != manifest.sha256:
        raise BackupRefused(
            _("%(path)s is damaged: its database does not match the checksum in its manifest.")
            % {"path": path.name}
        )
    return manifest, extracted


def restore_backup(
    path: Path, *, actor: str, force: bool = False, progress: Callable[[str], None] = lambda _step: None
) -> Manifest:
    """Replace the database by the backup's. Refused, with nothing written, when the backup
    is damaged, of another engine or of newer code than this, when the audit key is missing,
    or when the database holds data and ``force`` is not given. Checked after: every table's
    rows and the audit chain up to the backup's head. A backup of older code is migrated;
    the restore is the log's next entry."""
    with tempfile.TemporaryDirectory(prefix="jixiao-restore-") as folder:
        progress(_("checking the backup"))
        manifest, extracted = read_backup(path, Path(folder))
        if manifest.engine != engine():
            raise BackupRefused(
                _("The backup is of a %(backup)s database, this server uses %(here)s.")
                % {"backup": manifest.engine, "here": engine()}
            )
        known = {f"{migration.app_label}.{migration.name}" for migration in _known_migrations()}
        unknown = sorted(set(manifest.migrations) - known)
        if unknown:
            raise BackupRefused(
                _(
                    "The backup was made by a newer version (migrations %(names)s): install that version first."
                )
                % {"names": "、".join(unknown[:5])}
            )
        if manifest.audit_head[0] and not audit.key_available():
            raise BackupRefused(
                _(
                    "The audit key is missing: the backup's audit log (%(count)s entries) can be verified "
                    "and continued only with the key it was written with. Set %(variable)s or restore the "
                    "key file %(path)s first."
                )
                % {"count": manifest.audit_head[0], "variable": audit.KEY_VARIABLE, "path": audit.key_file()}
            )
        if holds_data() and not force:
            raise BackupRefused(
                _("The database holds data: restoring would replace all of it. Add --force to do that.")
            )
        progress(_("restoring the database"))
        _load_database(extracted)
    progress(_("checking the restored database"))
    _check_restored(manifest)
    call_command("migrate", interactive=False, verbosity=0)
    audit.record(
        actor=actor,
        action=AuditAction.RESTORE,
        summary=_("Database restored from %(file)s, made %(created)s (audit log head %(head)s).")
        % {
            "file": Path(path).name,
            "created": manifest.created,
            "head": audit.format_head(manifest.audit_head),
        },
    )
    return manifest


def _known_migrations():
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(None, ignore_no_migrations=True).disk_migrations.values()


def _load_database(extracted: Path) -> None:
    if engine() == "sqlite":
        connections.close_all()
        _sqlite_copy(extracted, connection.settings_dict["NAME"])
        return
    connections.close_all()
    arguments, environment = _pg_environment()
    # pg_restore --clean cannot drop the ranking's partitions' constraints one by one, so the
    # schema is emptied and refilled instead, in one transaction: a failure leaves the
    # database as it was.
    script = extracted.with_suffix(".sql")
    _run(["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(extracted)], environment)
    prelude = extracted.with_name("prelude.sql")
    prelude.write_text("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
    _run(
        [
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={prelude}",
            f"--file={script}",
            *arguments,
        ],
        environment,
    )


def _check_restored(manifest: Manifest) -> None:
    counts = row_counts()
    differing = sorted(table for table, rows in manifest.rows.items() if counts.get(table, 0) != rows)
    if differing:
        raise BackupRefused(
            _(
                "The restored database does not hold the backup's rows of %(tables)s: restore the backup again."
            )
            % {"tables": "、".join(differing[:5])}
        )
    problems = audit.verify(head=manifest.audit_head) if manifest.audit_head[0] else []
    if problems:
        raise BackupRefused(
            _(
                "The database is restored, but its audit log does not verify under this server's key "
                "(is it the key the log was written with?): %(problems)s"
            )
            % {"problems": "；".join(problems[:3])}
        )
