"""Background jobs on the shared queue: a document that takes a while (a city's poster is a
hundred pages) is made by a ``jixiao worker`` through Django's tasks API (the django-tasks
backport with its database backend), its progress and its result kept in the database.

So any number of web and worker processes, on any machines that share the database, work
together without a shared disk: one web process starts a poster, a worker on another
machine makes it, and a third web process reports its progress and sends the file.

A job is named by what it makes and the data version it reads, so asking again for an
unchanged document serves the one already made, and a publication makes a new one.
"""

import datetime
import hashlib
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from jixiao.core.errors import CoreRefusal
from jixiao.core.models import BackgroundJob, JobState
from jixiao.core.refusals import Refused

logger = logging.getLogger(__name__)

# A running job whose worker died (killed, a restart) shows no progress for this long: the
# next request for it queues it again.
STALE_AFTER = datetime.timedelta(minutes=5)
# A job no worker took up within this long gets a hint for the administrator on its page.
WORKER_HINT_AFTER = datetime.timedelta(seconds=30)
# Made documents are kept this long, then removed when a later job starts.
KEEP_FOR = datetime.timedelta(days=2)

Progress = Callable[[int, int], None]


def job_key(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def load(key: str) -> BackgroundJob | None:
    """The job named ``key``, without its result bytes (they may be many MB): reading
    ``job.result`` fetches them."""
    if not key.isalnum():
        return None
    return BackgroundJob.objects.defer("result").filter(key=key).first()


def _is_stale(job: BackgroundJob, now: datetime.datetime) -> bool:
    return job.state == JobState.RUNNING and now - job.updated_at > STALE_AFTER


def _check_rate(requested_by: int | None, now: datetime.datetime) -> None:
    """A user's new jobs are bounded (already made documents are not counted): at most
    ``JIXIAO_JOBS_AT_ONCE`` waiting or being made, ``JIXIAO_JOBS_PER_HOUR`` an hour. The
    count is of the jobs' own rows, so every process of every machine sees the same."""
    if requested_by is None:
        return
    own = BackgroundJob.objects.filter(requested_by=requested_by, rate_limited=True)
    running = own.filter(state__in=[JobState.QUEUED, JobState.RUNNING], updated_at__gte=now - STALE_AFTER)
    count = running.count()
    if count >= settings.JIXIAO_JOBS_AT_ONCE:
        raise Refused(CoreRefusal.TOO_MANY_JOBS_RUNNING, count=count, limit=settings.JIXIAO_JOBS_AT_ONCE)
    count = own.filter(created_at__gte=now - datetime.timedelta(hours=1)).count()
    if count >= settings.JIXIAO_JOBS_PER_HOUR:
        raise Refused(CoreRefusal.TOO_MANY_JOBS, count=count, limit=settings.JIXIAO_JOBS_PER_HOUR)


def start(
    key: str,
    *,
    task,
    kind: str,
    parameters: dict,
    filename: str,
    content_type: str,
    unit_id: int | None,
    requested_by: int | None,
    rate_limited: bool = True,
) -> BackgroundJob:
    """The job named ``key``: the finished or unfinished one, else a new one queued for
    ``task`` (a ``django_tasks`` task taking the key). With ``JIXIAO_EXPORTS_IN_BACKGROUND``
    off the task runs here, within the request (no worker needed). Documents are
    ``rate_limited`` per user; actions (whose own rules bound them) are not."""
    now = timezone.now()
    job = load(key)
    if job is not None and (
        job.state == JobState.DONE
        or (job.state in (JobState.QUEUED, JobState.RUNNING) and not _is_stale(job, now))
    ):
        return job
    if rate_limited:
        _check_rate(requested_by, now)
    _remove_old(now)
    fields = {
        "kind": kind,
        "state": JobState.QUEUED,
        "done": 0,
        "total": 0,
        "parameters": parameters,
        "filename": filename,
        "content_type": content_type,
        "unit_id": unit_id,
        "requested_by": requested_by,
        "rate_limited": rate_limited,
        "result": None,
        "outcome": {},
        "error": "",
        "created_at": now,
        "updated_at": now,
    }
    try:
        with transaction.atomic():
            # Failed or stale: queued again only by the first of several asking at once.
            claimed = (
                BackgroundJob.objects.filter(key=key)
                .filter(
                    Q(state=JobState.FAILED) | Q(state=JobState.RUNNING, updated_at__lt=now - STALE_AFTER)
                )
                .update(**fields)
            )
            if not claimed:
                if job is not None:  # someone else queued it again meanwhile
                    return load(key) or job
                BackgroundJob.objects.create(key=key, **fields)
    except IntegrityError:  # created by another request at the same moment
        return load(key)
    # Committed before it is queued: a worker never looks for a row it cannot see yet.
    if settings.JIXIAO_EXPORTS_IN_BACKGROUND:
        task.enqueue(key)
    else:
        task.call(key)
    return load(key)


def run(key: str, make: Callable[[BackgroundJob, Progress], bytes | dict], *, refusal=Refused) -> None:
    """Make the job's result in this process (the body of a job's task): ``make(job,
    progress)`` returns the document's bytes, or an action's outcome (a dict: its messages),
    and calls ``progress(done, total)`` as it goes. A refusal
    (``refusal``) is shown to the user as it is; anything else is logged in full and the user
    is told it failed, not the internals."""
    job = load(key)
    if job is None or job.state == JobState.DONE:
        return
    jobs = BackgroundJob.objects.filter(pk=job.pk)
    jobs.update(state=JobState.RUNNING, updated_at=timezone.now())

    def progress(done: int, total: int) -> None:
        jobs.update(done=done, total=total, updated_at=timezone.now())

    try:
        data = make(job, progress)
    except refusal as refused:
        jobs.update(state=JobState.FAILED, error=str(refused), updated_at=timezone.now())
    except Exception:
        logger.exception("job %s (%s) failed", key, job.kind)
        jobs.update(
            state=JobState.FAILED,
            error=_("an unexpected error, recorded in the server's log."),
            updated_at=timezone.now(),
        )
    else:
        made = {"result": data} if isinstance(data, bytes) else {"outcome": data}
        jobs.update(state=JobState.DONE, error="", updated_at=timezone.now(), **made)


def no_worker_seen(job: BackgroundJob) -> bool:
    """Whether the job has waited so long that no worker may be running."""
    return job.state == JobState.QUEUED and timezone.now() - job.created_at > WORKER_HINT_AFTER


def wait(job: BackgroundJob, seconds: float) -> BackgroundJob:
    """The job once finished, or as it is after ``seconds``: a small document is sent at
    once, without a progress page."""
    deadline = time.monotonic() + seconds
    while job.state in (JobState.QUEUED, JobState.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.1)
        job = load(job.key) or job
    return job


def _remove_old(now: datetime.datetime) -> None:
    """Jobs and the queue's finished tasks older than ``KEEP_FOR``: documents are made anew
    when asked again, and the queue's table does not grow for years."""
    cutoff = now - KEEP_FOR
    BackgroundJob.objects.filter(updated_at__lt=cutoff).delete()
    DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
