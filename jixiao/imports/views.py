"""Imports in the browser, a unit's (its own people) and the city office's (every unit at
once): upload, see what would change, then apply; and a unit's score templates.

The uploaded file is kept in the database between the preview and the apply step (any server
may apply what another previewed) and planned again when applied, so what is written is what
the file says at that moment; a file that touches another unit's people is refused whole,
like any other bad row.
"""

import datetime
import io

import xlsxwriter
from django import forms
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.models import Period, RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core import jobs
from jixiao.core.models import JobState
from jixiao.core.sheets import print_setup
from jixiao.core.uploads import refuse_oversized
from jixiao.imports.kinds import KINDS as IMPORT_KINDS
from jixiao.imports.limits import MAX_UPLOAD_BYTES, MB
from jixiao.imports.models import PendingImport
from jixiao.imports.roster import ROSTER_COLUMNS
from jixiao.imports.unit_jobs import CHECK, apply_import, check_import, import_page
from jixiao.imports.workbooks import KINDS as TEMPLATE_KINDS
from jixiao.imports.workbooks import write_template
from jixiao.org.access import city_admin_required, unit_role_required
from jixiao.org.models import Category, Gender, RoleKind
from jixiao.selection import unit_jobs
from jixiao.selection.pages import unit_context

ROSTER_KIND = gettext_lazy("Roster (工号, 姓名, 单位, 人员类别, 职务, 性别)")
UNIT_KINDS = {
    "roster": ROSTER_KIND,
    "scores": gettext_lazy("Final totals (工号, 总分, 否决事由)"),
    "indicator-scores": gettext_lazy("Indicator scores of a scheme"),
    "rater-scores": gettext_lazy("Rater scores of a scheme"),
    "adjustments": gettext_lazy("Bonus, penalty and veto items"),
}
# The city office imports the same kinds, for every unit at once.
CITY_KINDS = UNIT_KINDS
SUFFIXES = (".xlsx", ".xls", ".csv")
SESSION_KEY = "jixiao_pending_import"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(label=gettext_lazy("File (.xlsx, .xls or .csv)"))

    def __init__(self, *args, kinds: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds.items())

    def clean_file(self):
        return importable_upload(self.cleaned_data["file"])


def importable_upload(upload):
    """An uploaded import file of a kind and size we read, or the form error saying why not."""
    if not upload.name.lower().endswith(SUFFIXES):
        raise forms.ValidationError(_("Only .xlsx, .xls and .csv files can be imported."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("%(name)s is larger than %(mb)s MB.") % {"name": upload.name, "mb": MAX_UPLOAD_BYTES // MB}
        )
    return upload


# A preview not applied or cancelled within this long is removed with the next upload.
PENDING_KEPT_FOR = datetime.timedelta(days=1)


@unit_role_required(RoleKind.ASSESSOR)
def unit_import(request, code, unit):
    period = get_object_or_404(Period, code=code)
    context = unit_context(request, period, unit, "import")
    return _import_page(request, period, unit, UNIT_KINDS, context, "imports/unit_import.html")


@city_admin_required
def city_import(request, code):
    """The city office's import: a file of every unit at once (the city's roster, say)."""
    period = get_object_or_404(Period, code=code)
    context = {"period": period, "city_admin": True}
    return _import_page(request, period, None, CITY_KINDS, context, "imports/city_import.html")


def _import_page(request, period, unit, kinds: dict, context: dict, template: str):
    """Upload a file, see what it would change (checked in the background), apply or cancel."""
    unit_id = unit.pk if unit is not None else None
    page = import_page(period, unit)
    pending = request.session.get(SESSION_KEY)
    if pending and (pending["unit"] != unit_id or pending["period"] != period.pk):
        pending = None
    initial_kind = request.GET.get("kind")
    if initial_kind not in kinds:
        # The roster comes first; once there is one, scores are what is imported most.
        roster = RosterEntry.objects.filter(period=period, **({"unit": unit} if unit else {}))
        initial_kind = "scores" if roster.exists() else "roster"
    form = UploadForm(kinds=kinds, initial={"kind": initial_kind})
    if request.method == "POST" and "apply" in request.POST and pending:
        return apply_pending(request, period, unit, pending)
    if request.method == "POST" and "cancel" in request.POST:
        discard(request)
        return redirect(page)
    if request.method == "POST":
        discard(request)
        form = UploadForm(request.POST, request.FILES, kinds=kinds)
        refuse_oversized(request, form)
        if form.is_valid():
            upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
            PendingImport.objects.filter(uploaded_at__lt=timezone.now() - PENDING_KEPT_FOR).delete()
            stored = PendingImport.objects.create(
                user=request.user, file_name=upload.name, content=b"".join(upload.chunks())
            )
            return unit_jobs.start(
                request,
                period,
                unit,
                task=check_import,
                kind=CHECK,
                label=_("Checking %(file)s") % {"file": upload.name},
                parameters={"pending": stored.pk, "kind": kind, "name": upload.name},
                next_url=page,
            )
    # The last period with people (of the unit): its roster, in the import's columns, is where
    # this period's begins.
    earlier = RosterEntry.objects.filter(period__start__lt=period.start, **({"unit": unit} if unit else {}))
    previous = Period.objects.filter(pk__in=earlier.values("period_id")).order_by("-start").first()
    context.update(form=form, column_guide=column_guide(kinds), previous=previous)
    checked = _own_check(request, unit_id, request.GET.get("checked", ""))
    if checked is not None:
        outcome, parameters = checked.outcome, checked.parameters
        if "problems" in outcome:
            context.update(problems=outcome["problems"], file_name=parameters["name"])
            return render(request, template, context)
        if PendingImport.objects.filter(pk=parameters["pending"], user=request.user).exists():
            pending = {
                "unit": unit_id,
                "period": period.pk,
                "kind": parameters["kind"],
                "id": parameters["pending"],
                "name": parameters["name"],
            }
            request.session[SESSION_KEY] = pending
            context.update(pending=pending, kind_label=kinds[parameters["kind"]], **outcome["preview"])
    return render(request, template, context)


def column_guide(kinds: dict) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Each kind of file with its columns (header, required) as the page lists them."""
    return [
        (label, [(column.header, column.required) for column in IMPORT_KINDS[kind][0]])
        for kind, label in kinds.items()
    ]


def _own_check(request, unit_id: int | None, key: str):
    """The user's own finished check of a file for this unit or the city (None for any other)."""
    job = jobs.load(key) if key else None
    if (
        job is None
        or job.kind != CHECK
        or job.unit_id != unit_id
        or job.requested_by != request.user.pk
        or job.state != JobState.DONE
    ):
        return None
    return job


def apply_pending(request, period, unit, pending):
    """Apply the previewed file: in the background, answered at once when it is quick."""
    return unit_jobs.start(
        request,
        period,
        unit,
        task=apply_import,
        kind="import",
        label=_("Importing %(file)s") % {"file": pending["name"]},
        parameters={
            "pending": pending.get("id"),
            "kind": pending["kind"],
            "name": pending["name"],
            "reason": request.POST.get("reason"),
        },
        next_url=import_page(period, unit),
    )


def discard(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        PendingImport.objects.filter(pk=pending.get("id"), user=request.user).delete()


def roster_workbook(period, unit=None) -> bytes:
    """The period's roster (the unit's, when given) in the roster import's own columns, so
    that the next period's roster is this one edited and imported."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet("花名册")
    header = workbook.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    widths = (12, 10, 28, 12, 16, 6)
    for index, (column, width) in enumerate(zip(ROSTER_COLUMNS, widths, strict=True)):
        sheet.set_column(index, index, width, text)
        sheet.write_string(0, index, column.header, header)
    entries = RosterEntry.objects.filter(period=period, **({"unit": unit} if unit is not None else {}))
    rows = entries.order_by(
        "unit__sort_order", "unit_id", "category__sort_order", "person__staff_id"
    ).values_list("person__staff_id", "name", "unit__name", "category__name", "post", "gender")
    for number, (staff_id, name, unit_name, category, post, gender) in enumerate(rows.iterator(), start=1):
        gender = {Gender.MALE: "男", Gender.FEMALE: "女"}.get(gender, "")
        for index, value in enumerate((staff_id, name, unit_name, category, post, gender)):
            sheet.write_string(number, index, value or "")
    sheet.freeze_panes(1, 0)
    print_setup(sheet, list(widths), "花名册")
    workbook.close()
    return buffer.getvalue()


def _roster_download(period, unit):
    where = unit.name if unit is not None else "全市"
    return FileResponse(
        io.BytesIO(roster_workbook(period, unit)),
        as_attachment=True,
        filename=f"{period.code}{where}花名册.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@city_admin_required
def city_roster_file(request, code):
    return _roster_download(get_object_or_404(Period, code=code), None)


@unit_role_required(RoleKind.ASSESSOR)
def unit_roster_file(request, code, unit):
    return _roster_download(get_object_or_404(Period, code=code), unit)


@unit_role_required(RoleKind.ASSESSOR)
def score_template(request, code, unit, category_id, kind):
    if kind not in TEMPLATE_KINDS:
        raise Http404
    period = get_object_or_404(Period, code=code)
    category = get_object_or_404(Category, pk=category_id)
    scheme = applicable_scheme(period, unit.pk, category.pk)
    if scheme is None:
        raise Http404
    people = list(
        RosterEntry.objects.filter(period=period, unit=unit, category=category)
        .order_by("person__staff_id")
        .values_list("person__staff_id", "name")
    )
    buffer = io.BytesIO()
    write_template(buffer, kind, period, scheme, people)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{period.code}-{unit.name}-{category.name}-{kind}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
