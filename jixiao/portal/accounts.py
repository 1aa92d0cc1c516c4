"""Staff accounts in the browser: the city office opens them for every unit's roster at once,
a unit's office for its own people and resets their passwords. Each opening or reset answers
with the sheet of one-time passwords (to print, or as .xlsx), shown this once only."""

import base64
import io

import xlsxwriter
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period, RosterEntry
from jixiao.core.refusals import Refused
from jixiao.core.sheets import print_setup
from jixiao.org import actions
from jixiao.org.access import city_admin_required, unit_role_required
from jixiao.org.models import PasswordToChange, Role, RoleKind, Unit
from jixiao.selection.pages import unit_context

PAGE_SIZE = 50
SHEET_HEADERS = ("单位", "工号", "姓名", "用户名", "初始密码")
SHEET_WIDTHS = (28, 12, 10, 12, 14)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _roster(period: Period, unit=None):
    entries = RosterEntry.objects.filter(period=period)
    if unit is not None:
        entries = entries.filter(unit=unit)
    staff_roles = Role.objects.filter(kind=RoleKind.STAFF, person=OuterRef("person"))
    waiting = Role.objects.filter(
        kind=RoleKind.STAFF,
        person=OuterRef("person"),
        user__in=PasswordToChange.objects.values("user"),
    )
    # Not named like the counts below: an aggregate may not share an annotation's name.
    return entries.annotate(has_account=Exists(staff_roles), awaits_login=Exists(waiting))


# What the pages count of a roster: for the whole page and per unit.
COUNTS = {
    "people": Count("pk"),
    "with_account": Count("pk", filter=Q(has_account=True)),
    "waiting": Count("pk", filter=Q(awaits_login=True)),
}


def _counts(entries) -> dict:
    counts = entries.aggregate(**COUNTS)
    return {**counts, "without": counts["people"] - counts["with_account"]}


def _waiting_roles(entries):
    return (
        Role.objects.filter(
            kind=RoleKind.STAFF,
            person__in=entries.values("person"),
            user__in=PasswordToChange.objects.values("user"),
        )
        .select_related("person", "unit", "user")
        .order_by("unit__sort_order", "person__staff_id")
    )


def _handle(request, period, unit, entries):
    """The POST of either page: open, reissue for the accounts still waiting, or reset one."""
    what = request.POST.get("do")
    try:
        if what == "open":
            # Everyone on the roster: those without an account get one, and the account of
            # someone who moved follows them to their unit on this roster.
            people = [(e.person, e.unit) for e in entries.select_related("person", "unit")]
            opened = actions.open_staff_accounts(people, acting_user=request.user, unit=unit)
            if opened.moved:
                messages.info(
                    request,
                    _("%(count)s accounts moved with their holders to their unit on this roster.")
                    % {"count": opened.moved},
                )
            if opened.taken:
                messages.warning(
                    request,
                    _("No account was opened for %(ids)s: another account already has that user name.")
                    % {"ids": "、".join(opened.taken)},
                )
            return _sheet(request, period, unit, opened.issued)
        if what == "reissue":
            issued = actions.reissue_passwords(
                list(_waiting_roles(entries)), acting_user=request.user, unit=unit
            )
            return _sheet(request, period, unit, issued)
        if what == "reset":
            role = get_object_or_404(
                Role.objects.select_related("person", "unit", "user"),
                kind=RoleKind.STAFF,
                person__staff_id=request.POST.get("staff_id", ""),
                person__in=entries.values("person"),
            )
            issued = actions.reissue_passwords([role], acting_user=request.user, unit=unit)
            return _sheet(request, period, unit, issued)
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect(request.path)


def _sheet(request, period, unit, issued: list[actions.IssuedPassword]):
    """The one-time passwords, shown once: slips to print and cut apart, and the .xlsx."""
    if not issued:
        messages.info(request, _("Nobody needed a new account or password."))
        return redirect(request.path)
    login_url = request.build_absolute_uri(reverse("login"))
    # In the city's order of units, as its other lists are.
    unit_order = dict(Unit.objects.values_list("name", "sort_order"))
    issued = sorted(issued, key=lambda line: (unit_order.get(line.unit, 0), line.unit, line.staff_id))
    now = timezone.localtime()
    filename = f"{period.code}-{unit.name if unit else _('city')}-初始密码-{now:%Y%m%d%H%M}.xlsx"
    workbook = _sheet_xlsx(issued, login_url, period)
    context = {
        "period": period,
        "unit": unit,
        "issued": issued,
        "login_url": login_url,
        "xlsx_href": f"data:{XLSX};base64,{base64.b64encode(workbook).decode()}",
        "xlsx_name": filename,
        "back": request.path,
    }
    response = render(request, "portal/account_sheet.html", context)
    # Shown this once: never kept by a browser cache or a proxy.
    response["Cache-Control"] = "no-store"
    return response


def _sheet_xlsx(issued, login_url: str, period) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("初始密码")
    header = workbook.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    for index, (title, width) in enumerate(zip(SHEET_HEADERS, SHEET_WIDTHS, strict=True)):
        sheet.set_column(index, index, width, text)
        sheet.write_string(0, index, title, header)
    for row, line in enumerate(issued, start=1):
        for index, value in enumerate((line.unit, line.staff_id, line.name, line.username, line.password)):
            sheet.write_string(row, index, value)
    note_row = len(issued) + 2
    sheet.write_string(note_row, 0, f"登录地址：{login_url}　首次登录后须修改密码。（{period.code}）")
    sheet.freeze_panes(1, 0)
    print_setup(sheet, list(SHEET_WIDTHS), "初始密码")
    workbook.close()
    return buffer.getvalue()


@city_admin_required
def city_accounts(request, code):
    period = get_object_or_404(Period, code=code)
    entries = _roster(period)
    if request.method == "POST":
        return _handle(request, period, None, entries)
    by_unit = (
        entries.values("unit_id", "unit__name", "unit__sort_order")
        .annotate(**COUNTS)
        .order_by("unit__sort_order", "unit_id")
    )
    counts = _counts(entries)
    context = {"period": period, "counts": counts, "without": counts["without"], "by_unit": by_unit}
    return render(request, "portal/city_accounts.html", context)


@unit_role_required(RoleKind.ASSESSOR)
def unit_accounts(request, code, unit):
    period = get_object_or_404(Period, code=code)
    entries = _roster(period, unit)
    if request.method == "POST":
        return _handle(request, period, unit, entries)
    query = request.GET.get("q", "").strip()
    listed = entries.select_related("person", "category").order_by("person__staff_id")
    if query:
        listed = listed.filter(Q(name__contains=query) | Q(person__staff_id__contains=query))
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = _counts(entries)
    context = unit_context(request, period, unit, "accounts")
    context.update(counts=counts, without=counts["without"], page=page, query=query)
    return render(request, "portal/unit_accounts.html", context)
