"""The showcase: public exemplar pages and the big screen (no login), a unit's profiles, and
the poster, WeChat article and long image downloads (the unit's office, the city).

Public views read only :mod:`jixiao.showcase.public`; their pages are rendered on the
server, work without JavaScript, and answer ``304 Not Modified`` while nothing was
published or edited since the browser's copy.
"""

import functools
import hashlib
import io
import math

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_POST, require_safe

from jixiao.assessment.models import Period
from jixiao.core import jobs as core_jobs
from jixiao.core.models import BackgroundJob, JobState
from jixiao.core.refusals import Refused
from jixiao.core.uploads import refuse_oversized
from jixiao.org.access import (
    UNIT_OFFICE,
    city_admin_required,
    has_unit_role,
    is_city_admin,
    public,
    signed_in,
    unit_role_required,
)
from jixiao.org.models import Person, RoleKind, Unit
from jixiao.selection.models import ProposalState, Route
from jixiao.selection.pages import unit_context
from jixiao.showcase import actions, jobs, posters, profiles
from jixiao.showcase import public as showcase
from jixiao.showcase.errors import ShowcaseRefused
from jixiao.showcase.forms import ProfileForm
from jixiao.showcase.models import Portrait, Profile
from jixiao.showcase.photos import CropFocus, check_upload_size, portrait_from_upload
from jixiao.showcase.rendering import public_base_url

PAGE_SIZE = 24
# Cards the big screen shows at first, before its script takes over the rotation.
SCREEN_FIRST_PAGE = 8
# A browser may keep a public page this long before asking again (304 then). Private: the
# language is in a cookie, and a shared cache should not have to know that.
PUBLIC_MAX_AGE = 60
PHOTO_MAX_AGE = 24 * 60 * 60


def _published_period(code: str) -> Period:
    period = get_object_or_404(Period, code=code)
    if not showcase.published_exemplars(period):
        raise Http404
    return period


def _version_etag(request, code, *args, **kwargs) -> str | None:
    period = Period.objects.filter(code=code).first()
    if period is None:
        return None
    # The page differs by language too (the switcher's cookie).
    return f"{showcase.showcase_version(period)}-{request.LANGUAGE_CODE}"


def public_get(view):
    """Anyone may read it; nothing public accepts a POST."""
    return public(require_safe(view))


def versioned_response(view):
    """The view's answer kept per showcase version (which includes the language) and URL:
    every visitor of an unchanged showcase gets the same bytes, made once per process. The
    pages hold nothing of the visitor (no CSRF token: the public language menu is a GET)."""

    @functools.wraps(view)
    def answer(request, code, *args, **kwargs):
        version = _version_etag(request, code) if request.method == "GET" else None
        if version is None:
            return view(request, code, *args, **kwargs)
        key = "jixiao-public:" + hashlib.sha256(f"{version}|{request.get_full_path()}".encode()).hexdigest()
        kept = cache.get(key)
        if kept is not None:
            content, content_type = kept
            return HttpResponse(content, content_type=content_type)
        response = view(request, code, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response.content, response["Content-Type"]), PUBLIC_MAX_AGE)
        return response

    return answer


def public_page(view):
    """A public page: anyone may open (GET) it, answered 304 while the showcase is unchanged,
    and rendered once per version."""
    cached = cache_control(private=True, max_age=PUBLIC_MAX_AGE)(
        condition(etag_func=_version_etag)(versioned_response(view))
    )
    return public_get(cached)


# ----------------------------------------------------------------------------------------
# Public pages
# ----------------------------------------------------------------------------------------


@public_get
def public_index(request):
    periods = showcase.published_periods()
    if len(periods) == 1:
        return redirect("showcase:period", code=periods[0][0].code)
    return render(request, "showcase/public_index.html", {"periods": periods})


def _int(value: str) -> int | None:
    """An id from the query, or None for anything that is not one (``²``, 5,000 digits)."""
    if not value or len(value) > 12 or not value.isascii():
        return None
    try:
        return int(value)
    except ValueError:
        return None


@public_page
def public_period(request, code):
    period = _published_period(code)
    everyone = showcase.published_exemplars(period)
    chosen = {
        "unit": _int(request.GET.get("unit", "")),
        "category": _int(request.GET.get("category", "")),
        "route": request.GET.get("route", "") if request.GET.get("route") in ("rank", "special") else "",
        "q": request.GET.get("q", "").strip()[:50],
    }
    shown = showcase.select(
        everyone,
        unit_id=chosen["unit"],
        category_id=chosen["category"],
        route=chosen["route"],
        query=chosen["q"],
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "showcase/public_period.html",
        {
            "period": period,
            "periods": showcase.published_periods(),
            "figures": showcase.counts(everyone, showcase.share_of(period)),
            "rank_label": showcase.route_label(Route.BY_RANK, showcase.share_of(period)),
            "page": page,
            "found": len(shown),
            "chosen": chosen,
            "query": query.urlencode(),
            "units": showcase.units_with_exemplars(everyone),
            "categories": showcase.categories_with_exemplars(everyone),
            "filtered": any(chosen.values()),
        },
    )


@public_page
def public_profile(request, code, key):
    period = get_object_or_404(Period, code=code)
    exemplar = showcase.find_exemplar(period, key)
    if exemplar is None:
        raise Http404
    return render(request, "showcase/public_profile.html", {"period": period, "e": exemplar})


@public_get
def public_photo(request, code, key):
    """A published photo; its URL carries the photo's hash (``?v=``)."""
    period = get_object_or_404(Period, code=code)
    exemplar = showcase.find_exemplar(period, key)
    if exemplar is None or not exemplar.photo:
        raise Http404
    image = Portrait.objects.filter(sha256=exemplar.photo).values_list("image", flat=True).first()
    if image is None:
        raise Http404
    response = HttpResponse(bytes(image), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    # Versioned, so another photo has another URL; still not kept for ever, so that a photo
    # the unit stops publishing leaves caches within a day.
    kept = PHOTO_MAX_AGE if request.GET.get("v") == exemplar.photo_version else PUBLIC_MAX_AGE
    response["Cache-Control"] = f"max-age={kept}"
    return response


# ----------------------------------------------------------------------------------------
# The big screen (滚动大屏)
# ----------------------------------------------------------------------------------------
# A screen exists for any unit and for a period before anything is published: a lobby TV
# is set up in advance, says nobody is published yet, and shows the exemplars the moment
# the city publishes them.

# Cards the screen shows before its script takes over the rotation (4 × 2, as screen.css).
SCREEN_FIRST_PAGE = 8
DEEDS_ON_A_CARD = 90


def _screen_unit(unit_id: int | None) -> Unit | None:
    return None if unit_id is None else get_object_or_404(Unit, pk=unit_id)


def _screen_seconds(request, name: str, default: float, minimum: float) -> float:
    """A timing of the screen from the query (``?interval=8``), kept between ``minimum``
    and an hour; anything else (``inf``, ``nan``, words) gives the default."""
    try:
        seconds = float(request.GET.get(name, default))
    except ValueError:
        return default
    if not math.isfinite(seconds) or seconds <= 0:
        return default
    return min(max(minimum, seconds), 3600.0)


def _card(period: Period, e) -> dict:
    """One card of the screen, as its first page is rendered and as data.json sends it."""
    return {
        "name": e.name,
        "unit": e.unit,
        "category": e.category,
        "route": e.route,
        "route_label": e.route_label,
        "post": e.post,
        "achievements": posters.shorten(e.achievements, DEEDS_ON_A_CARD),
        "quote": e.quote,
        "photo": _photo_url(period, e),
        "url": reverse("showcase:profile", args=[period.code, e.key]) if e.key else "",
    }


@public_get
@versioned_response
def screen(request, code, unit_id=None):
    period = get_object_or_404(Period, code=code)
    unit = _screen_unit(unit_id)
    exemplars = showcase.of_unit(showcase.published_exemplars(period), unit_id)
    data_url = (
        reverse("showcase:unit_screen_data", args=[code, unit.pk])
        if unit
        else reverse("showcase:screen_data", args=[code])
    )
    return render(
        request,
        "showcase/screen.html",
        {
            "period": period,
            "unit": unit,
            "figures": showcase.counts(exemplars, showcase.share_of(period)),
            "rank_label": showcase.route_label(Route.BY_RANK, showcase.share_of(period)),
            "first_page": [_card(period, e) for e in exemplars[:SCREEN_FIRST_PAGE]],
            "data_url": data_url,
            # ?interval= seconds per page of cards, ?refresh= seconds between checks for news.
            "interval": _screen_seconds(request, "interval", 10, settings.JIXIAO_SCREEN_MIN_INTERVAL),
            "refresh": _screen_seconds(request, "refresh", 60, settings.JIXIAO_SCREEN_MIN_REFRESH),
        },
    )


def _screen_etag(request, code, unit_id=None) -> str | None:
    period = Period.objects.filter(code=code).first()
    if period is None or (unit_id is not None and not Unit.objects.filter(pk=unit_id).exists()):
        return None  # the view answers 404
    return _version_etag(request, code)


@public_get
@condition(etag_func=_screen_etag)
@versioned_response
def screen_data(request, code, unit_id=None):
    """What the big screen shows, as JSON: its version, counters, charts and every card;
    ``304 Not Modified`` while the showcase is unchanged (what a screen's poll mostly gets)."""
    period = get_object_or_404(Period, code=code)
    unit = _screen_unit(unit_id)
    exemplars = showcase.of_unit(showcase.published_exemplars(period), unit_id)
    figures = showcase.counts(exemplars, showcase.share_of(period))
    response = JsonResponse(
        {
            "version": _version_etag(request, code),
            "title": _("%(title)s performance exemplars") % {"title": period.title},
            "where": unit.name if unit else _("Whole city"),
            "counters": {
                "exemplars": figures.exemplars,
                "by_rank": figures.by_rank,
                "special": figures.special,
                "units": figures.units,
            },
            "charts": {
                "by_unit": [[t.label, t.count] for t in figures.by_unit],
                "by_category": [[t.label, t.count] for t in figures.by_category],
                "by_route": [[t.label, t.count] for t in figures.by_route],
            },
            "cards": [_card(period, e) for e in exemplars],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-cache"
    return response


def _photo_url(period: Period, exemplar) -> str:
    if not exemplar.photo or not exemplar.key:
        return ""
    return reverse("showcase:photo", args=[period.code, exemplar.key]) + f"?v={exemplar.photo_version}"


# ----------------------------------------------------------------------------------------
# A unit's profiles
# ----------------------------------------------------------------------------------------


@unit_role_required(*UNIT_OFFICE)
def unit_profiles(request, code, unit):
    period = get_object_or_404(Period, code=code)
    candidates = list(profiles.profile_candidates(period, unit))
    existing = {
        p.person_id: p
        for p in Profile.objects.filter(period=period, person__in=[c.person_id for c in candidates])
    }
    rows = [(c, existing.get(c.person_id)) for c in candidates]
    context = unit_context(request, period, unit, "profiles")
    published = context["proposal"] is not None and context["proposal"].state == ProposalState.PUBLISHED
    context.update(rows=rows, published=published, papers=posters.PAPERS)
    return render(request, "showcase/unit_profiles.html", context)


def _candidate(code: str, unit: Unit, person_id: int):
    """The unit's approved candidate of the period; anyone else is not found."""
    period = get_object_or_404(Period, code=code)
    person = get_object_or_404(Person, pk=person_id)
    try:
        return period, person, profiles.candidate_for(period, unit, person)
    except ShowcaseRefused:
        raise Http404 from None


@unit_role_required(*UNIT_OFFICE)
def edit_profile(request, code, unit, person_id):
    period, person, candidate = _candidate(code, unit, person_id)
    # Shown before it exists; saved (created) only by the assessor's POST.
    profile = profiles.profile_or_draft(candidate)
    context = unit_context(request, period, unit, "profiles")
    if request.method == "POST":
        if not context["can_assess"]:
            raise Http404
        form = ProfileForm(request.POST, request.FILES)
        refuse_oversized(request, form)
        if form.is_valid() and _save_profile(request, form, candidate):
            messages.success(request, _("Profile of %(name)s saved.") % {"name": candidate.name})
            return redirect("showcase:unit_profiles", code=period.code, unit_id=unit.pk)
    else:
        form = ProfileForm(
            initial={
                "post": profile.post,
                "achievements": profile.achievements,
                "quote": profile.quote,
                **{name: getattr(profile, name) for name in profiles.PUBLIC_FIELDS},
            }
        )
    context.update(form=form, profile=profile, candidate=candidate, person=person)
    return render(request, "showcase/edit_profile.html", context)


def _save_profile(request, form: ProfileForm, candidate) -> bool:
    """Save text and photo; a refusal goes on the form and nothing of the request is kept.
    The text is checked and the photo decoded before the transaction: on SQLite a write
    transaction holds every other writer for as long as it lasts."""
    data = form.cleaned_data
    text = profiles.ProfileText(
        post=data["post"],
        achievements=data["achievements"],
        quote=data["quote"],
        **{name: data[name] for name in profiles.PUBLIC_FIELDS},
    )
    upload = data.get("photo")
    try:
        profiles.check_achievements(profiles.tidy_text(text.achievements))
        image = None
        if upload:
            check_upload_size(upload.size)
            image = portrait_from_upload(upload.read(), CropFocus(data["crop"]))
    except ShowcaseRefused as refused:
        field = "photo" if refused.code.startswith("photo") else "achievements"
        form.add_error(field, refused.message)
        return False
    try:
        actions.save_profile(
            candidate,
            text,
            acting_user=request.user,
            image=image,
            filename=upload.name if upload else "",
            size=upload.size if upload else 0,
        )
    except Refused as refused:
        form.add_error(None, refused.message)
        return False
    return True


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def remove_photo(request, code, unit, person_id):
    period, person, candidate = _candidate(code, unit, person_id)
    profile = profiles.profile_or_draft(candidate)
    if profile.pk is not None:
        try:
            actions.remove_portrait(profile, acting_user=request.user)
        except Refused as refused:
            messages.error(request, refused.message)
            return redirect("showcase:edit_profile", code=period.code, unit_id=unit.pk, person_id=person.pk)
    messages.success(request, _("Photo of %(name)s removed.") % {"name": candidate.name})
    return redirect("showcase:edit_profile", code=period.code, unit_id=unit.pk, person_id=person.pk)


@unit_role_required(*UNIT_OFFICE)
def unit_photo(request, code, unit, person_id):
    """The photo of one of the unit's candidates, for its own office (also before
    publication and when it is not published)."""
    period = get_object_or_404(Period, code=code)
    profile = get_object_or_404(
        Profile.objects.select_related("portrait"), period=period, unit=unit, person_id=person_id
    )
    if profile.portrait is None:
        raise Http404
    response = HttpResponse(bytes(profile.portrait.image), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ----------------------------------------------------------------------------------------
# Downloads: poster, WeChat article, long image
# ----------------------------------------------------------------------------------------


# A document made within this many seconds is sent at once; a longer one gets a progress page.
DOWNLOAD_WAIT_SECONDS = 3


def _document_job(request, period: Period, unit: Unit | None, kind: str):
    """The background job making the document (one already made for the same showcase
    version is reused)."""
    return jobs.start_document(
        period,
        unit,
        kind,
        paper_name=request.GET.get("paper", "A4"),
        base_url=public_base_url(request),
        requested_by=request.user.pk,
    )


def _download(request, period: Period, unit: Unit | None, kind: str) -> HttpResponse:
    try:
        job = core_jobs.wait(_document_job(request, period, unit, kind), DOWNLOAD_WAIT_SECONDS)
    except Refused as refused:
        messages.error(request, refused.message)
        if unit is None:
            return redirect("selection:city_totals", code=period.code)
        return redirect("showcase:unit_profiles", code=period.code, unit_id=unit.pk)
    if job.state == JobState.DONE:
        return _job_file(job)
    return redirect("showcase:export", job=job.key)


def _job_file(job: BackgroundJob) -> FileResponse:
    # Loaded without its bytes (``core.jobs.load``): reading the field fetches them, once.
    return FileResponse(
        io.BytesIO(job.result), as_attachment=True, filename=job.filename, content_type=job.content_type
    )


@unit_role_required(*UNIT_OFFICE)
def unit_download(request, code, unit, kind):
    return _download(request, get_object_or_404(Period, code=code), unit, kind)


@city_admin_required
def city_download(request, code, kind):
    return _download(request, get_object_or_404(Period, code=code), None, kind)


def _visible_job(request, key: str) -> BackgroundJob:
    """A job of the user's own unit (or of the city, for a city administrator); any other
    is answered 404, as if it did not exist."""
    job = core_jobs.load(key)
    if job is None or job.kind not in jobs.KINDS:
        raise Http404
    if job.unit_id is None:
        if not is_city_admin(request.user):
            raise Http404
    elif not has_unit_role(request.user, job.unit_id, *UNIT_OFFICE):
        raise Http404
    return job


@signed_in
def export_progress(request, job):
    """The progress of a document being made; polled by htmx, refreshed without script."""
    job = _visible_job(request, job)
    template = "showcase/export_progress_bar.html" if request.htmx else "showcase/export_progress.html"
    waiting_long = core_jobs.no_worker_seen(job)
    return render(request, template, {"job": job, "JobState": JobState, "waiting_long": waiting_long})


@signed_in
def export_file(request, job):
    job = _visible_job(request, job)
    if job.state != JobState.DONE:
        return redirect("showcase:export", job=job.key)
    return _job_file(job)
