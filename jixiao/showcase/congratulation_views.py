"""喜报 downloads for a unit's office (its own unit only) and the city's: one published
exemplar's image, and the unit's batch zipped.

One image is made within the request (a fraction of a second). A batch is a document of
the showcase's queue like the posters: sent at once when made within a few seconds (or made
before for the same showcase version), else the office follows its progress page.
"""

import io

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_safe

from jixiao.assessment.models import Period
from jixiao.org.access import UNIT_OFFICE, unit_role_required
from jixiao.org.models import Person
from jixiao.showcase import congratulations, jobs, profiles
from jixiao.showcase import public as showcase
from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused
from jixiao.showcase.models import Profile
from jixiao.showcase.rendering import public_base_url
from jixiao.showcase.views import _download


def _nothing_published(request, period: Period, unit):
    """Back to the unit's profiles page, which says what is published when."""
    refused = ShowcaseRefused(ShowcaseRefusal.NOTHING_PUBLISHED, where=unit.name, period=period.code)
    messages.error(request, refused.message)
    return redirect("showcase:unit_profiles", code=period.code, unit_id=unit.pk)


@unit_role_required(*UNIT_OFFICE)
@require_safe
def exemplar_congratulation(request, code, unit, person_id):
    """The 喜报 of one of the unit's published exemplars (PNG). Anyone who is not the unit's
    approved candidate is not found; before the unit's list is published the office is sent
    back to its profiles page, which says so."""
    period = get_object_or_404(Period, code=code)
    person = get_object_or_404(Person, pk=person_id)
    try:
        profiles.candidate_for(period, unit, person)  # the unit's approved candidate
    except ShowcaseRefused:
        raise Http404 from None
    key = Profile.objects.filter(period=period, person=person).values_list("public_key", flat=True).first()
    exemplar = showcase.find_exemplar(period, key or "")
    if exemplar is None or exemplar.unit_id != unit.pk:
        if not showcase.of_unit(showcase.published_exemplars(period), unit.pk):
            return _nothing_published(request, period, unit)
        raise Http404  # not among the published (an objection upheld since)
    png = congratulations.congratulation_png(period, exemplar, public_base_url(request))
    # Shown in the browser (on a phone: held down to send to a chat), saved under its name.
    return FileResponse(
        io.BytesIO(png), filename=congratulations.file_name(exemplar), content_type="image/png"
    )


@unit_role_required(*UNIT_OFFICE)
@require_safe
def unit_congratulations(request, code, unit):
    """Every published exemplar's 喜报 of the unit, one PNG each, zipped (the queue's
    progress page when it takes a while)."""
    return _download(request, get_object_or_404(Period, code=code), unit, jobs.CONGRATULATIONS)
