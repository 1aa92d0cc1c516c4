"""The city office's schemes of a period in the browser: each scheme (and each unit's
adjustment) as a workbook to download, and a workbook uploaded, previewed, then imported.

As with the other imports, the uploaded file is kept in the database (``PendingImport``)
between the preview and the confirmation, and read and checked again when confirmed, so what
is written is what the file says then; a file with any problem is refused whole and listed
by sheet, row and column.
"""

import datetime
import io

from django import forms
from django.contrib import messages
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.models import Period, Scheme
from jixiao.assessment.schemes import SchemeError, leaves, scheme_problems
from jixiao.core.text import plain_decimal
from jixiao.core.uploads import refuse_oversized
from jixiao.imports.limits import MAX_UPLOAD_BYTES, MB
from jixiao.imports.models import PendingImport
from jixiao.imports.problems import ImportRefused
from jixiao.imports.scheme_workbooks import (
    definition_tables,
    describe_changes,
    import_scheme_file,
    scheme_file_name,
    write_scheme_workbook,
)
from jixiao.org.access import city_admin_required
from jixiao.org.models import Category, Unit

SESSION_KEY = "jixiao_pending_scheme"
SUFFIXES = (".xlsx", ".xls")
# A preview neither confirmed nor cancelled within this long is removed with the next upload.
PENDING_KEPT_FOR = datetime.timedelta(days=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SchemeUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Scheme workbook (.xlsx or .xls)"))
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("sort_order", "id"),
        required=False,
        label=gettext_lazy("The scheme of"),
        empty_label=gettext_lazy("the city (the category's scheme)"),
        help_text=gettext_lazy(
            "Or a unit: its own adjustment of the city's scheme, where the city's scheme lets units adjust it."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(
                _("A scheme is a workbook: only .xlsx and .xls files can be imported here.")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("%(name)s is larger than %(mb)s MB.") % {"name": upload.name, "mb": MAX_UPLOAD_BYTES // MB}
            )
        return upload


def page_url(period: Period) -> str:
    return reverse("imports:schemes", args=[period.code])


@city_admin_required
def schemes_page(request, code):
    """The period's schemes with their workbooks; upload one, see what it holds and changes,
    then import it or cancel."""
    period = get_object_or_404(Period, code=code)
    pending = request.session.get(SESSION_KEY)
    if pending and pending.get("period") != period.pk:
        pending = None
    context = {"period": period, "city_admin": True, "form": SchemeUploadForm()}
    if request.method == "POST":
        if "cancel" in request.POST:
            discard(request)
            return redirect(page_url(period))
        if "apply" in request.POST:
            if pending:
                return apply_pending(request, period, pending)
            messages.error(request, _("No file is waiting to be imported: upload it again."))
            return redirect(page_url(period))
        discard(request)
        form = SchemeUploadForm(request.POST, request.FILES)
        refuse_oversized(request, form)
        context["form"] = form
        if form.is_valid():
            upload, unit = form.cleaned_data["file"], form.cleaned_data["unit"]
            data = b"".join(upload.chunks())
            try:
                import_scheme_file(
                    period, data, upload.name, acting_user=request.user, unit=unit, dry_run=True
                )
            except ImportRefused as refused:
                context.update(problems=[str(p) for p in refused.problems], file_name=upload.name)
            else:
                # Kept until confirmed or cancelled; the page (a GET, safe to reload) previews it.
                PendingImport.objects.filter(uploaded_at__lt=timezone.now() - PENDING_KEPT_FOR).delete()
                stored = PendingImport.objects.create(user=request.user, file_name=upload.name, content=data)
                request.session[SESSION_KEY] = {
                    "period": period.pk,
                    "id": stored.pk,
                    "name": upload.name,
                    "unit": unit.pk if unit else None,
                }
                return redirect(page_url(period))
    elif pending:
        context.update(preview_pending(request, period, pending))
    return render(request, "imports/schemes.html", {**context, **overview(period)})


def preview_pending(request, period, pending) -> dict:
    """The preview of the waiting file, checked again (the period may have changed since)."""
    stored = PendingImport.objects.filter(pk=pending.get("id"), user=request.user).first()
    if stored is None:
        request.session.pop(SESSION_KEY, None)
        return {}
    unit = Unit.objects.filter(pk=pending.get("unit")).first() if pending.get("unit") else None
    try:
        checked = import_scheme_file(
            period, bytes(stored.content), stored.file_name, acting_user=request.user, unit=unit, dry_run=True
        )
    except ImportRefused as refused:
        discard(request)
        return {"problems": [str(p) for p in refused.problems], "file_name": stored.file_name}
    return preview_context(period, checked, stored.file_name, unit)


def preview_context(period, checked, file_name: str, unit) -> dict:
    return {
        "pending": {"name": file_name, "unit": unit},
        "changes": describe_changes(checked.changes, checked.definition, period=period, unit=unit),
        "nothing_changes": checked.changes.nothing,
        **definition_tables(checked.definition),
    }


def apply_pending(request, period, pending):
    stored = PendingImport.objects.filter(pk=pending.get("id"), user=request.user).first()
    if stored is None:
        request.session.pop(SESSION_KEY, None)
        messages.error(
            request,
            _("%(file)s is no longer waiting to be imported: upload it again.") % {"file": pending["name"]},
        )
        return redirect(page_url(period))
    unit = Unit.objects.filter(pk=pending.get("unit")).first() if pending.get("unit") else None
    try:
        result = import_scheme_file(
            period, bytes(stored.content), stored.file_name, acting_user=request.user, unit=unit
        )
    except ImportRefused as refused:
        discard(request)
        context = {
            "period": period,
            "city_admin": True,
            "form": SchemeUploadForm(),
            "problems": [str(p) for p in refused.problems],
            "file_name": stored.file_name,
        }
        return render(request, "imports/schemes.html", {**context, **overview(period)})
    discard(request)
    if result.changes.nothing:
        messages.info(request, _("The scheme is already as the file says: nothing changes."))
    else:
        messages.success(
            request,
            _("Imported %(file)s into %(period)s: scheme %(name)s.")
            % {"file": stored.file_name, "period": period.code, "name": result.definition.name},
        )
    return redirect(page_url(period))


def discard(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        PendingImport.objects.filter(pk=pending.get("id"), user=request.user).delete()


def overview(period: Period) -> dict:
    """The period's schemes, each city scheme followed by the units' adjustments of it."""
    schemes = (
        Scheme.objects.filter(period=period)
        .select_related("category", "unit")
        .prefetch_related("indicators", "rater_groups__group", "sub_period_weights")
        .order_by(
            "category__sort_order", "category_id", F("unit__sort_order").asc(nulls_first=True), "unit_id"
        )
    )
    rows = []
    for scheme in schemes:
        url = (
            reverse("imports:scheme_file", args=[period.code, scheme.category_id])
            if scheme.category_id
            else ""
        )
        if scheme.unit_id and url:
            url += f"?unit={scheme.unit_id}"
        rows.append(
            {
                "scheme": scheme,
                "indicators": len(leaves(scheme.indicators.all())),
                "groups": "、".join(
                    f"{g.group.name} {plain_decimal(g.weight)}" for g in scheme.rater_groups.all()
                ),
                "problems": scheme_problems(scheme),
                "url": url,
            }
        )
    return {"schemes": rows}


@city_admin_required
def scheme_file(request, code, category_id):
    """The category's scheme of the period (``?unit=ID``: that unit's adjustment) as a workbook."""
    period = get_object_or_404(Period, code=code)
    category = get_object_or_404(Category, pk=category_id)
    unit = None
    if request.GET.get("unit"):
        try:
            unit = get_object_or_404(Unit, pk=int(request.GET["unit"]))
        except ValueError:
            raise Http404 from None
    scheme = (
        Scheme.objects.select_related("period", "category", "unit")
        .filter(period=period, category=category, unit=unit)
        .first()
    )
    if scheme is None:
        raise Http404
    buffer = io.BytesIO()
    try:
        write_scheme_workbook(buffer, scheme)
    except SchemeError as error:
        messages.error(request, " ".join(error.problems))
        return redirect(page_url(period))
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=scheme_file_name(scheme), content_type=XLSX)
