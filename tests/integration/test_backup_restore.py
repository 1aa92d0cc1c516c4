"""`jixiao backup` and `jixiao restore` on the engine of the test run, through the command
line in processes of their own, as an operator runs them: a backup taken while the server
answers requests, restored into an empty database, gives every export byte for byte and an
audit chain that verifies; a damaged or truncated backup, a missing audit key and a
database holding data (without --force) are refused and write nothing."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.integration.test_serve import get, served

# Transactional: CREATE DATABASE cannot run in a transaction; the seeded catalogue restored after.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AUDIT_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
LISTS = ("ranking", "candidates", "exemplars")


@pytest.fixture
def new_database(request):
    """Makes URLs of new, empty databases on the engine the tests run on (dropped after)."""
    made = []

    def drop():
        with connection.cursor() as cursor:
            for database in made:
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    request.addfinalizer(drop)

    def make(tmp_path: Path, name: str) -> str:
        url = database_url(tmp_path, name)
        if connection.vendor == "postgresql":
            made.append(url.rsplit("/", 1)[1])
        return url

    return make


def database_url(tmp_path: Path, name: str) -> str:
    """The URL of a new, empty database on the engine the tests run on."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    database = f"backup_{name}_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    settings_dict = connection.settings_dict
    return (
        f"postgresql://{settings_dict['USER']}:{settings_dict.get('PASSWORD') or ''}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT']}/{database}"
    )


def cli(database_url: str, data_dir: Path, *args, key: str | None = AUDIT_KEY) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "JIXIAO_DATA_DIR": str(data_dir)}
    env.pop("JIXIAO_AUDIT_KEY", None)
    if key is not None:
        env["JIXIAO_AUDIT_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


def exports(database_url: str, data_dir: Path, folder: Path) -> dict[str, bytes]:
    folder.mkdir(exist_ok=True)
    files = {}
    for name in LISTS:
        for suffix in (".csv",):
            path = folder / f"{name}{suffix}"
            ok(cli(database_url, data_dir, "export", name, "--period", "2023H1", "-o", path))
            files[path.name] = path.read_bytes()
    return files


def test_backup_while_serving_then_restore_into_an_empty_database(tmp_path, new_database):
    source_url, source_data = new_database(tmp_path, "city"), tmp_path / "city-data"
    ok(cli(source_url, source_data, "demo", "--no-serve", "--people", "300"))
    before = exports(source_url, source_data, tmp_path / "before")
    head = ok(cli(source_url, source_data, "audit", "head")).strip()
    backup = tmp_path / "jixiao-2023H1.backup"
    # The server answers while the backup is taken.
    with served(
        tmp_path,
        DATABASE_URL=source_url,
        JIXIAO_DATA_DIR=str(source_data),
        JIXIAO_AUDIT_KEY=AUDIT_KEY,
    ) as (port, _log):
        made = ok(cli(source_url, source_data, "backup", "-o", backup))
        assert get(port, "/exemplars/").status == 200
    assert "SHA-256" in made and backup.is_file()

    target_url, target_data = new_database(tmp_path, "restored"), tmp_path / "restored-data"
    restored = ok(cli(target_url, target_data, "restore", backup))
    assert head.split(":")[0] in restored
    assert exports(target_url, target_data, tmp_path / "after") == before
    verified = ok(cli(target_url, target_data, "audit", "verify", "--head", head))
    assert "审计日志完整" in verified
    # The restore is in the log, after the head the backup carried.
    assert "恢复" in ok(cli(target_url, target_data, "audit", "list"))

    # Over a database holding data: refused without --force, done with it.
    again = refused(cli(target_url, target_data, "restore", backup))
    assert "--force" in again
    ok(cli(target_url, target_data, "restore", backup, "--force"))
    assert exports(target_url, target_data, tmp_path / "forced") == before


def test_a_damaged_backup_a_missing_key_and_a_foreign_file_write_nothing(tmp_path, new_database):
    source_url, source_data = new_database(tmp_path, "city"), tmp_path / "city-data"
    ok(cli(source_url, source_data, "demo", "--no-serve", "--people", "300"))
    backup = tmp_path / "good.backup"
    ok(cli(source_url, source_data, "backup", "-o", backup))
    data = backup.read_bytes()

    target_url, target_data = new_database(tmp_path, "target"), tmp_path / "target-data"
    ok(cli(target_url, target_data, "migrate", "--verbosity", "0"))
    empty_head = ok(cli(target_url, target_data, "audit", "head")).strip()

    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(flipped))
    message = refused(cli(target_url, target_data, "restore", damaged))
    assert "damaged.backup" in message and "校验和" in message
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(data[: len(data) // 3])
    assert "truncated.backup" in refused(cli(target_url, target_data, "restore", truncated))
    foreign = tmp_path / "photos.zip"
    foreign.write_bytes(b"PK\x03\x04 not a backup")
    assert "photos.zip" in refused(cli(target_url, target_data, "restore", foreign))
    without_key = refused(cli(target_url, target_data, "restore", backup, key=None))
    assert "JIXIAO_AUDIT_KEY" in without_key

    # Nothing of any of them reached the database.
    assert ok(cli(target_url, target_data, "audit", "head")).strip() == empty_head
    assert refused(
        cli(target_url, target_data, "export", "ranking", "--period", "2023H1", "-o", tmp_path / "x.csv")
    )
