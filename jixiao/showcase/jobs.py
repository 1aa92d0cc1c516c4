"""Documents that take a while (a city's poster is a hundred pages), made in the background
with their progress on disk, so any web worker can report it and serve the result.

A job is named by what it makes and the showcase version it reads, so asking again for
an unchanged poster serves the file already made, and a publication makes a new one. The
state lives in ``DATA_DIR/exports/<key>.json`` beside the result ``<key>.bin``.
"""

import datetime
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.showcase.errors import ShowcaseRefused

logger = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "running", "done", "failed"
# A job whose worker died (a restart) is started again after this long without progress.
STALE_AFTER = datetime.timedelta(minutes=5)
# Made documents are kept this long, then removed when the next job starts.
KEEP_FOR = datetime.timedelta(days=2)

Progress = Callable[[int, int], None]


@dataclass
class Job:
    key: str
    state: str
    done: int
    total: int
    filename: str
    content_type: str
    unit_id: int | None
    updated: float
    error: str = ""

    @property
    def percent(self) -> int:
        return 100 if self.state == DONE else int(100 * self.done / self.total) if self.total else 0

    @property
    def path(self) -> Path:
        return exports_dir() / f"{self.key}.bin"


def exports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_key(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def load(key: str) -> Job | None:
    if not key.isalnum():
        return None
    try:
        return Job(**json.loads((exports_dir() / f"{key}.json").read_text(encoding="utf-8")))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None


def _save(job: Job) -> None:
    job.updated = time.time()
    target = exports_dir() / f"{job.key}.json"
    temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    temporary.replace(target)  # atomic: a reader sees the old state or the new


_starting = threading.Lock()


def start(
    key: str, *, filename: str, content_type: str, unit_id: int | None, make: Callable[[Progress], bytes]
) -> Job:
    """The job named ``key``: the finished or running one, else started now in a thread.
    ``make(progress)`` returns the document's bytes and calls ``progress(done, total)``."""
    with _starting:
        job = load(key)
        if job is not None and (job.state == DONE and job.path.exists()):
            return job
        if (
            job is not None
            and job.state == RUNNING
            and time.time() - job.updated < STALE_AFTER.total_seconds()
        ):
            return job
        _remove_old()
        job = Job(key, RUNNING, 0, 0, filename, content_type, unit_id, 0.0)
        _save(job)
    if not settings.JIXIAO_EXPORTS_IN_BACKGROUND:
        _run(job, make, close_connections=False)
        return load(key) or job
    threading.Thread(target=_run, args=(job, make), name=f"export-{key}", daemon=True).start()
    return job


def _run(job: Job, make: Callable[[Progress], bytes], *, close_connections: bool = True) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        _save(job)

    try:
        data = make(progress)
        # Another worker may make the same document at once: each writes its own file.
        temporary = job.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        temporary.write_bytes(data)
        temporary.replace(job.path)
        job.state = DONE
    except ShowcaseRefused as refused:
        job.state, job.error = FAILED, refused.message
    except Exception:  # logged in full; the user is told it failed, not the internals
        logger.exception("export %s failed", job.key)
        job.state, job.error = FAILED, _("an unexpected error, recorded in the server's log.")
    finally:
        _save(job)
        if close_connections:  # the thread's own connections
            connections.close_all()


def wait(job: Job, seconds: float) -> Job:
    """The job's state after it finished or ``seconds`` passed: a small document is served
    at once, without a progress page."""
    deadline = time.monotonic() + seconds
    while job.state == RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
        job = load(job.key) or job
    return job


def _remove_old() -> None:
    cutoff = (timezone.now() - KEEP_FOR).timestamp()
    for path in exports_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass
