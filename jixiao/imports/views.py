"""A unit's score import in the browser (upload, see what would change, then apply) and its
score templates.

The uploaded file is kept in the database between the preview and the apply step (any server
may apply what another previewed) and planned again when applied, so what is written is what
the file says at that moment; a file that touches another unit's people is refused whole,
like any other bad row.
"""

import datetime
import io

from django import forms
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.models import Period, RosterEntry, Score
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core.refusals import Refused
from jixiao.core.uploads import refuse_oversized
from jixiao.imports.actions import import_file
from jixiao.imports.kinds import describe_plan
from jixiao.imports.limits import MAX_UPLOAD_BYTES, MB
from jixiao.imports.models import PendingImport
from jixiao.imports.problems import ImportRefused
from jixiao.imports.unit_jobs import apply_import, source_of
from jixiao.imports.workbooks import KINDS as TEMPLATE_KINDS
from jixiao.imports.workbooks import write_template
from jixiao.org.access import unit_role_required
from jixiao.org.models import Category, RoleKind
from jixiao.selection import unit_jobs
from jixiao.selection.pages import unit_context

UNIT_KINDS = {
    "scores": gettext_lazy("Final totals (工号, 总分, 否决事由)"),
    "indicator-scores": gettext_lazy("Indicator scores of a scheme"),
    "rater-scores": gettext_lazy("Rater scores of a scheme"),
    "adjustments": gettext_lazy("Bonus, penalty and veto items"),
}
SUFFIXES = (".xlsx", ".xls", ".csv")
SESSION_KEY = "jixiao_pending_import"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=list(UNIT_KINDS.items()))
    file = forms.FileField(label=gettext_lazy("File (.xlsx, .xls or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(_("Only .xlsx, .xls and .csv files can be imported."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("%(name)s is larger than %(mb)s MB.") % {"name": upload.name, "mb": MAX_UPLOAD_BYTES // MB}
            )
        return upload


# A preview not applied or cancelled within this long is removed with the next upload.
PENDING_KEPT_FOR = datetime.timedelta(days=1)


PREVIEW_ROWS = 200


def score_changes(plan) -> list[dict]:
    """For a totals import: who gets a new or changed total, with the old and new values
    side by side (the first ``PREVIEW_ROWS``)."""
    rows = [*plan.new_scores, *plan.changed_scores][:PREVIEW_ROWS]
    entries = RosterEntry.objects.select_related("person").in_bulk([row.entry_id for row in rows])
    old = {
        score.entry_id: score for score in Score.objects.filter(entry_id__in=[row.entry_id for row in rows])
    }
    return sorted(
        (
            {
                "staff_id": entries[row.entry_id].person.staff_id,
                "name": entries[row.entry_id].name,
                "old_total": old[row.entry_id].total if row.entry_id in old else None,
                "old_veto": old[row.entry_id].veto_text if row.entry_id in old else "",
                "total": row.total,
                "veto": row.veto_text,
            }
            for row in rows
        ),
        key=lambda row: row["staff_id"],
    )


@unit_role_required(RoleKind.ASSESSOR)
def unit_import(request, code, unit):
    period = get_object_or_404(Period, code=code)
    context = unit_context(request, period, unit, "import")
    pending = request.session.get(SESSION_KEY)
    if pending and (pending["unit"] != unit.pk or pending["period"] != period.pk):
        pending = None
    form = UploadForm()
    if request.method == "POST" and "apply" in request.POST and pending:
        return apply_pending(request, period, unit, pending)
    if request.method == "POST" and "cancel" in request.POST:
        discard(request)
        return redirect("imports:unit_import", code=period.code, unit_id=unit.pk)
    if request.method == "POST":
        discard(request)
        form = UploadForm(request.POST, request.FILES)
        refuse_oversized(request, form)
        if form.is_valid():
            upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
            PendingImport.objects.filter(uploaded_at__lt=timezone.now() - PENDING_KEPT_FOR).delete()
            stored = PendingImport.objects.create(
                user=request.user, file_name=upload.name, content=b"".join(upload.chunks())
            )
            try:
                checked = import_file(
                    kind,
                    period,
                    source_of(kind, stored),
                    acting_user=request.user,
                    unit=unit,
                    dry_run=True,
                )
            except (ImportRefused, Refused) as refused:
                stored.delete()
                problems = (
                    [str(p) for p in refused.problems]
                    if isinstance(refused, ImportRefused)
                    else [str(refused)]
                )
                context.update(form=form, problems=problems, file_name=upload.name)
                return render(request, "imports/unit_import.html", context)
            plan = checked.plan
            pending = {
                "unit": unit.pk,
                "period": period.pk,
                "kind": kind,
                "id": stored.pk,
                "name": upload.name,
            }
            request.session[SESSION_KEY] = pending
            context.update(
                preview=describe_plan(kind, plan),
                changes=plan.changed,
                locked=bool(checked.locked),
                pending=pending,
                kind_label=UNIT_KINDS[kind],
                score_changes=score_changes(plan) if kind == "scores" else [],
                more_changes=max(0, plan.changed - PREVIEW_ROWS) if kind == "scores" else 0,
            )
            return render(request, "imports/unit_import.html", context)
    context.update(form=form)
    return render(request, "imports/unit_import.html", context)


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
        next_url=reverse("imports:unit_import", args=[period.code, unit.pk]),
    )


def discard(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        PendingImport.objects.filter(pk=pending.get("id"), user=request.user).delete()


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
