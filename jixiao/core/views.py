"""The start page: each user lands where their work is."""

from django.shortcuts import redirect, render

from jixiao.assessment.models import Period
from jixiao.org.access import UNIT_OFFICE, is_city_admin, own_person_ids, signed_in, unit_ids_for
from jixiao.org.models import Unit


@signed_in
def home(request):
    period = Period.objects.order_by("-start").first()
    if is_city_admin(request.user):
        if period is None:
            return render(request, "core/empty.html")
        return redirect("selection:period", code=period.code)
    unit_ids = unit_ids_for(request.user, *UNIT_OFFICE)
    if len(unit_ids) == 1 and period is not None and not own_person_ids(request.user):
        return redirect("selection:unit", code=period.code, unit_id=next(iter(unit_ids)))
    if unit_ids:
        return render(
            request,
            "core/my_units.html",
            {
                "units": Unit.objects.filter(pk__in=unit_ids),
                "periods": Period.objects.all(),
                "period": period,
            },
        )
    return redirect("my_results")
