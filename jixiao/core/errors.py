"""Why the core refuses a request: the limits on expensive work, one code per rule."""

from django.utils.translation import gettext_lazy as _

from jixiao.core.refusals import RefusalCode


class CoreRefusal(RefusalCode):
    TOO_MANY_JOBS_RUNNING = (
        "too_many_jobs_running",
        _(
            "You already have %(count)s documents being made; at most %(limit)s at once. Wait until one is ready and try again."
        ),
    )
    TOO_MANY_JOBS = (
        "too_many_jobs",
        _(
            "You have started %(count)s documents in the last hour; at most %(limit)s an hour. Documents already made can still be downloaded; try again later."
        ),
    )
