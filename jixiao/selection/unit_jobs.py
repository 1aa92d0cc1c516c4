"""A unit's actions (an import, a ranking) and the city office's (a city-wide import) run in
the background: started by a page, made
by a ``jixiao worker`` (or within the request with ``JIXIAO_EXPORTS_IN_BACKGROUND`` off),
their outcome — the messages the page would have shown — kept on the job until its user
sees it. A quick one is waited for, so its page answers as before; a long one shows its
progress on the unit's job page, which any server can answer.

The action runs as the user who started it (their roles are checked by the action, in the
worker as in the request) and in their language."""

import uuid

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from jixiao.assessment.models import Period
from jixiao.core import jobs
from jixiao.core.models import BackgroundJob, JobState
from jixiao.core.refusals import Refused
from jixiao.org.access import UNIT_OFFICE, city_admin_required, unit_role_required
from jixiao.org.models import Unit
from jixiao.selection import actions

# An action done within this many seconds answers its page at once, as if run in the request.
WAIT_SECONDS = 3
# Actions go before documents in the queue: their user waits on the page.
ACTION_PRIORITY = 10
LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}


def start(
    request,
    period: Period,
    unit: Unit | None,
    *,
    task,
    kind: str,
    label: str,
    parameters: dict,
    next_url: str,
):
    """Queue ``task`` for the unit (``None``: for the city) as the request's user and answer
    the request: with the outcome's messages on ``next_url`` when it is done within
    ``WAIT_SECONDS``, else with the job's progress page."""
    unit_id = unit.pk if unit is not None else None
    key = jobs.job_key(kind, unit_id or "city", uuid.uuid4().hex)
    if unit is None:
        progress = reverse("selection:city_job", args=[period.code, key])
    else:
        progress = reverse("selection:unit_job", args=[period.code, unit.pk, key])
    job = jobs.start(
        key,
        task=task,
        kind=kind,
        parameters={
            **parameters,
            "period": period.pk,
            "unit": unit_id,
            "user": request.user.pk,
            "language": translation.get_language(),
            "next": next_url,
            "progress": progress,
        },
        filename=label,
        content_type="",
        unit_id=unit_id,
        requested_by=request.user.pk,
        rate_limited=False,
    )
    return answer(request, jobs.wait(job, WAIT_SECONDS))


def answer(request, job: BackgroundJob):
    """The job's messages on its page once it is done; its progress page until then."""
    if job.state == JobState.DONE:
        for level, text in job.outcome.get("messages", []):
            messages.add_message(request, LEVELS[level], text)
        return redirect(job.outcome.get("next") or job.parameters["next"])
    if job.state == JobState.FAILED:
        messages.error(request, job.error)
        return redirect(job.parameters["next"])
    return redirect(job.parameters["progress"])


@unit_role_required(*UNIT_OFFICE)
def unit_job(request, code, unit, job_key):
    """The progress of one of the user's own actions of the unit (any other is not found);
    once done, its page with its messages. Polled by htmx, refreshed without script."""
    return _job_page(request, job_key, unit.pk)


@city_admin_required
def city_job(request, code, job_key):
    """The progress of one of the city office's own city-wide actions, as ``unit_job``."""
    return _job_page(request, job_key, None)


def _job_page(request, job_key: str, unit_id: int | None):
    job = jobs.load(job_key)
    if job is None or job.unit_id != unit_id or job.requested_by != request.user.pk or job.rate_limited:
        raise Http404
    if job.state in (JobState.DONE, JobState.FAILED):
        if request.htmx:  # the polling fragment leads the browser to the page
            response = render(request, "selection/unit_job_bar.html", {"job": job, "JobState": JobState})
            response["HX-Redirect"] = job.parameters["progress"]
            return response
        return answer(request, job)
    template = "selection/unit_job_bar.html" if request.htmx else "selection/unit_job.html"
    context = {"job": job, "JobState": JobState, "waiting_long": jobs.no_worker_seen(job)}
    return render(request, template, context)


def run_as_user(key: str, act) -> None:
    """Run ``act(job, period, unit, user)`` (returning the outcome) for the job ``key`` as
    its user, in their language (``unit`` is None for a city-wide action); a refusal is its
    outcome's error message."""

    def make(job: BackgroundJob, progress) -> dict:
        parameters = job.parameters
        period = Period.objects.get(pk=parameters["period"])
        unit = Unit.objects.get(pk=parameters["unit"]) if parameters["unit"] else None
        user = get_user_model().objects.get(pk=parameters["user"])
        with translation.override(parameters["language"]):
            try:
                return act(job, period, unit, user)
            except Refused as refused:
                return {"messages": [("error", refused.message)]}

    jobs.run(key, make)


@task(priority=ACTION_PRIORITY)
def rank_unit(key: str) -> None:
    """The unit's ranking button (``actions.rank``) in the background."""

    def act(job, period, unit, user) -> dict:
        run = actions.rank(period, acting_user=user, unit=unit)
        return {
            "messages": [
                (
                    "success",
                    translation.gettext("Ranking computed: %(count)s people ranked.") % {"count": run.ranked},
                )
            ]
        }

    run_as_user(key, act)
