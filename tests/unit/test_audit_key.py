"""The audit key outside the database: how a value becomes the key, and the key file that the
first entry makes, once, even when several processes start together (no database here)."""

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jixiao.core import audit
from jixiao.core.audit import AuditKeyError

POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
BASE_DIR = Path(__file__).resolve().parents[2]

# Each process waits for the same moment, then reads or makes the key and prints it.
FIRST_USE = """
import sys, time
import django
django.setup()
from jixiao.core import audit
start = float(sys.argv[1])
while time.time() < start:
    pass
print(audit._load_key(create=True).secret.hex())
"""


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("0123456789abcdef" * 4, bytes.fromhex("0123456789abcdef" * 4)),
        ("0123456789abcdef " * 4, ("0123456789abcdef " * 4).strip().encode()),  # spaces inside
        ("\t" + "AB" * 32 + "\n", bytes.fromhex("ab" * 32)),
        ("ab" * 31, ("ab" * 31).encode()),  # 62 hex digits are just text
        ("考核办的密钥", "考核办的密钥".encode()),
        ("  a passphrase with spaces \n", b"a passphrase with spaces"),
    ],
)
def test_a_value_of_64_hex_digits_is_its_bytes_and_any_other_its_utf8(value, secret):
    assert audit._decoded(value) == secret


@POSIX_ONLY
def test_processes_starting_together_end_up_with_one_key(tmp_path):
    path = tmp_path / "keys" / "audit.key"
    env = {key: value for key, value in os.environ.items() if key != "JIXIAO_AUDIT_KEY"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "jixiao.settings",
        "JIXIAO_DATA_DIR": str(tmp_path / "data"),
        "JIXIAO_AUDIT_KEY_FILE": str(path),
    }
    start = time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_USE, str(start)],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0] * 8, outputs
    keys = {out.strip() for out, _ in outputs}
    assert keys == {path.read_text().strip()}
    assert len(bytes.fromhex(keys.pop())) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["audit.key"]


def test_threads_making_the_key_file_at_once_share_one_key(tmp_path):
    path = tmp_path / "audit.key"
    start = threading.Barrier(16)
    seen = []

    def first_use():
        start.wait()
        audit._create_key_file(path)
        seen.append(audit._read_key_file(path))

    threads = [threading.Thread(target=first_use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 16 and set(seen) == {path.read_text()}
    assert [p.name for p in tmp_path.iterdir()] == ["audit.key"]


@POSIX_ONLY
def test_without_hard_links_the_key_file_is_created_exclusively(tmp_path, monkeypatch):
    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(audit.os, "link", no_links)  # a file system without hard links
    path = tmp_path / "audit.key"
    audit._create_key_file(path)
    text = path.read_text()
    assert len(bytes.fromhex(text.strip())) == 32 and text.endswith("\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    audit._create_key_file(path)  # a later process finds it there and leaves it alone
    assert path.read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["audit.key"]


def test_a_reader_waits_for_a_key_file_still_being_written(tmp_path):
    path = tmp_path / "audit.key"
    path.touch()  # created by another process, not yet written
    writer = threading.Timer(0.2, path.write_text, args=["ab" * 32 + "\n"])
    writer.start()
    try:
        assert audit._read_key_file(path) == "ab" * 32 + "\n"
    finally:
        writer.join()


def test_a_key_file_that_stays_empty_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(audit, "KEY_FILE_WAIT", 0.1)
    path = tmp_path / "audit.key"
    path.write_text("\n")
    with pytest.raises(AuditKeyError, match="audit.key"):
        audit._read_key_file(path)


def test_no_key_file_is_none_and_made_only_when_asked(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("JIXIAO_AUDIT_KEY", raising=False)
    settings.JIXIAO_AUDIT_KEY_FILE = tmp_path / "audit.key"
    try:
        assert audit._read_key_file(tmp_path / "audit.key") is None
        assert audit._load_key(create=False) is None
        assert not (tmp_path / "audit.key").exists()
        key = audit._load_key(create=True)
        assert key.source == str(tmp_path / "audit.key")
        assert key.secret == bytes.fromhex((tmp_path / "audit.key").read_text())
        assert key.secret.hex() not in repr(key)
        assert audit._load_key(create=False) is key  # read once per process
    finally:
        audit.reset_key_cache()
