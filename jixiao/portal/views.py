"""The pages that bring the apps together: the start page (each user lands where their work
is), a staff member's own results, and the audit log page (a city administrator sees every
entry, a unit's assessor or committee secretary the entries of their own units, anyone else
is refused)."""

import datetime
import json
from urllib.parse import urlencode

from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, RosterEntry
from jixiao.core.audit import AuditAction, AuditEntry, verify
from jixiao.org import actions as org_actions
from jixiao.org.access import UNIT_OFFICE, is_city_admin, own_person_ids, signed_in, unit_ids_for
from jixiao.org.models import PasswordToChange, Person, RoleKind, Unit
from jixiao.selection.models import Candidate, ProposalState, RankingResult, Verdict

PAGE_SIZE = 50


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _pretty(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def audit_log(request):
    city = is_city_admin(request.user)
    visible_unit_ids = None if city else unit_ids_for(request.user, RoleKind.ASSESSOR, RoleKind.SECRETARY)
    if not city and not visible_unit_ids:
        raise PermissionDenied
    entries = AuditEntry.objects.select_related("unit", "period").order_by("-id")
    units = Unit.objects.order_by("sort_order", "name")
    if visible_unit_ids is not None:
        entries = entries.filter(unit_id__in=visible_unit_ids)
        units = units.filter(pk__in=visible_unit_ids)

    chosen = {key: request.GET.get(key, "").strip() for key in ("action", "unit", "actor", "from", "to")}
    if chosen["action"] in AuditAction.values:
        entries = entries.filter(action=chosen["action"])
    else:
        chosen["action"] = ""
    if chosen["unit"].isdigit() and units.filter(pk=int(chosen["unit"])).exists():
        entries = entries.filter(unit_id=int(chosen["unit"]))
    else:
        chosen["unit"] = ""
    if chosen["actor"]:
        entries = entries.filter(actor__icontains=chosen["actor"])
    start, end = _date(chosen["from"]), _date(chosen["to"])
    zone = timezone.get_current_timezone()
    if start:
        entries = entries.filter(at__gte=datetime.datetime.combine(start, datetime.time.min, zone))
    else:
        chosen["from"] = ""
    if end:
        next_day = end + datetime.timedelta(days=1)
        entries = entries.filter(at__lt=datetime.datetime.combine(next_day, datetime.time.min, zone))
    else:
        chosen["to"] = ""

    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.before_text = _pretty(entry.before)
        entry.after_text = _pretty(entry.after)
    query = urlencode({key: value for key, value in chosen.items() if value})
    context = {
        "page": page,
        "actions": AuditAction.choices,
        "units": units,
        "chosen": chosen,
        "query": query,
        "city": city,
        "filtered": any(chosen.values()),
    }
    if city and request.GET.get("verify"):
        # Walks the whole chain: only on request.
        context["verified"] = True
        context["problems"] = verify()
        context["total"] = AuditEntry.objects.count()
    return render(request, "portal/audit.html", context)


# Visibility is checked inside the view: the entries shown depend on the user's roles.
audit_log.access = "self"


class ChangePassword(PasswordChangeView):
    """Django's password change, which also ends the demand of a one-time password."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = PasswordToChange.objects.filter(user_id=self.request.user.pk).exists()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        org_actions.password_changed(self.request.user)
        return response


@signed_in
def home(request):
    period = Period.objects.order_by("-start").first()
    if is_city_admin(request.user):
        if period is None:
            return render(request, "portal/empty.html")
        return redirect("selection:period", code=period.code)
    unit_ids = unit_ids_for(request.user, *UNIT_OFFICE)
    if len(unit_ids) == 1 and period is not None and not own_person_ids(request.user):
        return redirect("selection:unit", code=period.code, unit_id=next(iter(unit_ids)))
    if unit_ids:
        return render(
            request,
            "portal/my_units.html",
            {
                "units": Unit.objects.filter(pk__in=unit_ids),
                "periods": Period.objects.all(),
                "period": period,
            },
        )
    return redirect("my_results")


@signed_in
def my_results(request):
    people = own_person_ids(request.user)
    entries = (
        RosterEntry.objects.filter(person_id__in=people)
        .select_related("period", "unit", "category", "person", "score")
        .order_by("-period__start")
    )
    results = {(r.period_id, r.person_id): r for r in RankingResult.objects.filter(person_id__in=people)}
    candidacies = {
        (c.proposal.period_id, c.person_id): c
        for c in Candidate.objects.filter(person_id__in=people).select_related("proposal")
    }
    rows = [
        (
            entry,
            results.get((entry.period_id, entry.person_id)),
            exemplar_status(candidacies.get((entry.period_id, entry.person_id))),
        )
        for entry in entries
    ]
    # Their own totals and places, oldest first, for the chart above the table.
    oldest_first = list(reversed(rows))
    charts = {
        "periods": [entry.period.code for entry, _result, _status in oldest_first],
        "totals": [
            float(entry.score.total) if hasattr(entry, "score") else None for entry, _r, _s in oldest_first
        ],
        "ranks": [result.rank if result else None for _entry, result, _status in oldest_first],
        "labels": {"total": _("Total"), "rank": _("Rank in group")},
    }
    whom = "、".join(str(person) for person in Person.objects.filter(pk__in=people))
    return render(request, "portal/my_results.html", {"rows": rows, "charts": charts, "whom": whom})


def exemplar_status(candidate) -> str:
    """What became of a person's candidacy: the line a staff member reads about themself."""
    if candidate is None:
        return ""
    if candidate.removed_at is not None:
        return _("Removed from the list after an upheld objection during publicity")
    if candidate.verdict == Verdict.REJECTED:
        return _("Not approved by the party committee")
    if candidate.proposal.state == ProposalState.PUBLISHED and candidate.verdict == Verdict.APPROVED:
        return _("Performance exemplar (%(route)s)") % {"route": candidate.get_route_display()}
    return _("Candidate: %(state)s") % {"state": candidate.proposal.get_state_display()}
