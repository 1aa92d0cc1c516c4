"""The pages that bring the apps together: the start page (each user lands where their work
is), a staff member's own results, and the audit log page (a city administrator sees every
entry, a unit's assessor or committee secretary the entries of their own units, anyone else
is refused)."""

import datetime
import json
import re
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
from jixiao.selection.models import (
    Candidate,
    Outcome,
    Proposal,
    ProposalState,
    RankingResult,
    Route,
    Verdict,
    share_percent_of,
)

PAGE_SIZE = 50


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


# A time as the log's entries hold them: inside an entry's before and after with its offset
# from UTC (an aware time is kept in UTC, "2025-09-29T01:30:00.123456+00:00"), quoted so in
# a summary, or without an offset in a target's name ("2025H1 2025-09-29 01:30").
TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?P<seconds>:\d{2}(?:\.\d{1,6})?)?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?(?![\d:]|\.\d)"
)
# The zones whose clocks are Beijing time.
BEIJING_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"}


def _local_times(text: str, *, utc_near: datetime.datetime | None = None) -> str:
    """``text`` with its times shown in the site's time zone, as the entry's own time is:
    2025-09-29T01:30:00+00:00 → 2025-09-29 09:30:00.

    A time without an offset is taken for UTC only when it is, to two minutes, the moment
    ``utc_near`` in UTC: a target made in the entry's own transaction, named by when it was
    made (a ranking run is named by when it ran, in UTC). Any other such time is left as
    it is: it may be a local time already."""

    def local(match: re.Match) -> str:
        try:
            moment = datetime.datetime.fromisoformat(match.group(0))
        except ValueError:
            return match.group(0)
        if moment.tzinfo is None:
            near = utc_near.astimezone(datetime.UTC).replace(tzinfo=None) if utc_near else None
            if near is None or abs(moment - near) > datetime.timedelta(minutes=2):
                return match.group(0)
            moment = moment.replace(tzinfo=datetime.UTC)
        shown = "%Y-%m-%d %H:%M:%S" if match.group("seconds") else "%Y-%m-%d %H:%M"
        return timezone.localtime(moment).strftime(shown)

    return TIME.sub(local, text)


def _in_local_time(value):
    """A JSON value of an entry with its times shown in the site's time zone (for the page
    only: the entry itself, and its hash, keep them as recorded)."""
    if isinstance(value, str):
        return _local_times(value)
    if isinstance(value, dict):
        return {key: _in_local_time(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_local_time(item) for item in value]
    return value


def _pretty(value) -> str:
    if value is None:
        return ""
    return json.dumps(_in_local_time(value), ensure_ascii=False, indent=2, sort_keys=True)


def _time_zone() -> dict:
    """How the page names the time zone of its times: 北京时间, UTC+08:00."""
    name = timezone.get_current_timezone_name()
    offset = timezone.localtime().strftime("%z")
    return {
        "name": _("Beijing time") if name in BEIJING_ZONES else name,
        "offset": f"{offset[:3]}:{offset[3:]}",
    }


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
        entry.summary_text = _local_times(entry.summary)
        entry.target_text = _local_times(entry.target_label, utc_near=entry.at)
    query = urlencode({key: value for key, value in chosen.items() if value})
    context = {
        "page": page,
        "actions": AuditAction.choices,
        "units": units,
        "chosen": chosen,
        "query": query,
        "city": city,
        "filtered": any(chosen.values()),
        "zone": _time_zone(),
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
        for c in Candidate.objects.filter(person_id__in=people).select_related("proposal__period__rules")
    }
    # The selection is told once the unit's list is public (its notice, then publication):
    # before that the committee may still decide otherwise.
    public_lists = set(
        Proposal.objects.filter(
            state__in=(ProposalState.PUBLICITY, ProposalState.PUBLISHED),
            unit_id__in=entries.values("unit_id"),
            period_id__in=entries.values("period_id"),
        ).values_list("period_id", "unit_id")
    )
    rows = []
    for entry in entries:
        result = results.get((entry.period_id, entry.person_id))
        public = (entry.period_id, entry.unit_id) in public_lists
        rows.append(
            (
                entry,
                result,
                public or (result is not None and result.outcome == Outcome.VETOED),
                exemplar_status(candidacies.get((entry.period_id, entry.person_id)), public=public),
            )
        )
    # Their own totals and places, oldest first, for the chart above the table.
    oldest_first = list(reversed(rows))
    charts = {
        "periods": [entry.period.code for entry, _result, _told, _status in oldest_first],
        "totals": [
            float(entry.score.total) if hasattr(entry, "score") else None
            for entry, _r, _t, _s in oldest_first
        ],
        "ranks": [result.rank if result else None for _entry, result, _told, _status in oldest_first],
        "labels": {"total": _("Total"), "rank": _("Rank in group")},
    }
    whom = "、".join(str(person) for person in Person.objects.filter(pk__in=people))
    return render(request, "portal/my_results.html", {"rows": rows, "charts": charts, "whom": whom})


def exemplar_status(candidate, *, public: bool = True) -> str:
    """What became of a person's candidacy: the line a staff member reads about themself;
    while the unit's list is not yet public, only that the selection is under way."""
    if not public:
        return _("Selection under way: told once the unit's list is on public notice")
    if candidate is None:
        return ""
    if candidate.removed_at is not None:
        return _("Removed from the list after an upheld objection during publicity")
    if candidate.verdict == Verdict.REJECTED:
        return _("Not approved by the party committee")
    if candidate.proposal.state == ProposalState.PUBLISHED and candidate.verdict == Verdict.APPROVED:
        route = Route.label_for(candidate.route, share_percent_of(candidate.proposal.period))
        return _("Performance exemplar (%(route)s)") % {"route": route}
    return _("Candidate: %(state)s") % {"state": candidate.proposal.get_state_display()}
