"""The showcase's documents made in the background (posters, the WeChat article, the long
image, a unit's 喜报) through the shared queue (``jixiao.core.jobs``): a web process queues one, any
``jixiao worker`` makes it, any web process reports its progress and sends it."""

from django.conf import settings
from django.utils.translation import override
from django_tasks import task

from jixiao.assessment.models import Period
from jixiao.core import jobs
from jixiao.core.models import BackgroundJob
from jixiao.org.models import Unit
from jixiao.showcase import congratulations, posters
from jixiao.showcase import public as showcase
from jixiao.showcase.errors import ShowcaseRefused
from jixiao.showcase.wechat import article_filename, article_zip, long_image_png

POSTER, WECHAT, IMAGE, CONGRATULATIONS = "poster", "wechat", "long-image", "congratulations"
KINDS = (POSTER, WECHAT, IMAGE, CONGRATULATIONS)


def start_document(
    period: Period, unit: Unit | None, kind: str, *, paper_name: str, base_url: str, requested_by: int | None
) -> BackgroundJob:
    """The job making the document (one already made for the same showcase version is
    reused). Refused at once when the unit or city has nothing published or the paper is
    unknown; refused when the user has started too many documents (``core.jobs``)."""
    posters.exemplars_of(period, unit)
    if kind == POSTER:
        paper = posters.paper_named(paper_name)
        variant, filename, content_type = (
            paper.name,
            posters.poster_filename(period, unit, paper),
            "application/pdf",
        )
    elif kind == WECHAT:
        variant, filename, content_type = "", article_filename(period, unit, "zip"), "application/zip"
    elif kind == CONGRATULATIONS:  # a unit's only (its URL names the unit)
        variant, filename, content_type = "", congratulations.zip_name(period, unit), "application/zip"
    else:
        variant, filename, content_type = "", article_filename(period, unit, "png"), "image/png"
    unit_id = unit.pk if unit is not None else None
    version = showcase.showcase_version(period)
    return jobs.start(
        jobs.job_key(kind, variant, period.pk, unit_id, version, base_url),
        task=make_document,
        kind=kind,
        parameters={"period": period.pk, "unit": unit_id, "variant": variant, "base_url": base_url},
        filename=filename,
        content_type=content_type,
        unit_id=unit_id,
        requested_by=requested_by,
    )


def _make(job: BackgroundJob, progress: jobs.Progress) -> bytes:
    parameters = job.parameters
    period = Period.objects.get(pk=parameters["period"])
    unit = Unit.objects.get(pk=parameters["unit"]) if parameters["unit"] is not None else None
    base_url = parameters["base_url"]
    if job.kind == POSTER:
        return posters.poster_pdf(
            period, unit, posters.paper_named(parameters["variant"]), base_url, progress
        )
    if job.kind == WECHAT:
        return article_zip(period, unit, base_url)
    if job.kind == CONGRATULATIONS:
        return congratulations.unit_zip(period, unit, base_url, progress)
    return long_image_png(period, unit, base_url)


@task()
def make_document(key: str) -> None:
    """Make the showcase document of the job ``key`` (run by a ``jixiao worker``)."""
    with override(settings.LANGUAGE_CODE):  # a worker has no request: the site's language
        jobs.run(key, _make, refusal=ShowcaseRefused)
