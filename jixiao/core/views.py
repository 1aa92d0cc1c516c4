from django.shortcuts import redirect, render

from jixiao.assessment.models import Period
from jixiao.core.access import city_admin_required


@city_admin_required
def home(request):
    period = Period.objects.order_by("-start").first()
    if period is None:
        return render(request, "core/empty.html")
    return redirect("selection:period", code=period.code)
