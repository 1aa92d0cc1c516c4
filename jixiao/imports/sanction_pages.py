"""The sanctions register in the browser, for the city office: the records with the
periods they veto, the catalogue of types, and the import (upload, see what would change,
apply). A register file is small (a city records hundreds of sanctions, not hundreds of
thousands), so it is checked and applied within the request."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.models import Period, Sanction, SanctionType
from jixiao.assessment.sanction_rules import overlaps
from jixiao.assessment.sanctions import open_periods_touched
from jixiao.core.uploads import refuse_oversized
from jixiao.imports.actions import import_sanctions
from jixiao.imports.kinds import describe_sanctions
from jixiao.imports.models import PendingImport
from jixiao.imports.problems import ImportRefused
from jixiao.imports.sanctions import SANCTION_COLUMNS
from jixiao.imports.source import read_source
from jixiao.imports.views import PENDING_KEPT_FOR, importable_upload
from jixiao.org.access import city_admin_required

SESSION_KEY = "jixiao_pending_sanctions"
PAGE_SIZE = 50


class RegisterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Sanctions register (.xlsx, .xls or .csv)"))

    def clean_file(self):
        return importable_upload(self.cleaned_data["file"])


@city_admin_required
def register(request):
    context = {"form": RegisterUploadForm()}
    if request.method == "POST" and "cancel" in request.POST:
        _discard(request)
        return redirect("sanctions")
    if request.method == "POST" and "apply" in request.POST:
        return _apply(request)
    if request.method == "POST":
        _discard(request)
        form = RegisterUploadForm(request.POST, request.FILES)
        refuse_oversized(request, form)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = b"".join(upload.chunks())
            try:
                result = import_sanctions(
                    read_source(content, SANCTION_COLUMNS, name=upload.name),
                    acting_user=request.user,
                    dry_run=True,
                )
            except ImportRefused as refused:
                context.update(problems=[str(p) for p in refused.problems], file_name=upload.name)
            else:
                PendingImport.objects.filter(uploaded_at__lt=timezone.now() - PENDING_KEPT_FOR).delete()
                stored = PendingImport.objects.create(
                    user=request.user, file_name=upload.name, content=content
                )
                request.session[SESSION_KEY] = {"id": stored.pk, "name": upload.name}
                touched = open_periods_touched(result.plan.windows())
                context.update(
                    pending=request.session[SESSION_KEY],
                    preview=describe_sanctions(result),
                    changes=result.plan.changes,
                    touched=touched,
                )
    context.update(_register_context(request))
    return render(request, "imports/sanctions.html", context)


def _apply(request):
    pending = request.session.get(SESSION_KEY)
    stored = pending and PendingImport.objects.filter(pk=pending["id"], user=request.user).first()
    if not stored:
        messages.error(request, _("The previewed file is gone: upload it again."))
        return redirect("sanctions")
    try:
        result = import_sanctions(
            read_source(bytes(stored.content), SANCTION_COLUMNS, name=stored.file_name),
            acting_user=request.user,
        )
    except ImportRefused as refused:
        # The register or the people changed since the preview.
        _discard(request)
        context = {"form": RegisterUploadForm(), "problems": [str(p) for p in refused.problems]}
        context.update(file_name=stored.file_name, **_register_context(request))
        return render(request, "imports/sanctions.html", context)
    _discard(request)
    messages.success(
        request,
        _("Imported %(file)s into the sanctions register: %(rows)s rows.")
        % {"file": stored.file_name, "rows": result.plan.rows},
    )
    for line in describe_sanctions(result):
        messages.info(request, line)
    for proposal in result.flagged:
        messages.warning(
            request,
            _("The list of %(unit)s needs a new decision: %(why)s")
            % {"unit": proposal.unit.name, "why": proposal.flag_reason},
        )
    return redirect("sanctions")


def _discard(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        PendingImport.objects.filter(pk=pending.get("id"), user=request.user).delete()


def _register_context(request) -> dict:
    """The records (searched by name or staff ID), each with the periods it vetoes, and the
    catalogue of types."""
    query = request.GET.get("q", "").strip()
    sanctions = Sanction.objects.select_related("person", "sanction_type").order_by("-decided_on", "id")
    if query:
        sanctions = sanctions.filter(Q(name__contains=query) | Q(person__staff_id=query))
    page = Paginator(sanctions, PAGE_SIZE).get_page(request.GET.get("page"))
    periods = list(Period.objects.order_by("start"))
    rows = [
        {
            "sanction": sanction,
            "periods": [
                p for p in periods if overlaps(sanction.decided_on, sanction.influence_end, p.start, p.end)
            ],
            "open_ended": sanction.influence_end is None,
        }
        for sanction in page
    ]
    return {
        "rows": rows,
        "page": page,
        "query": query,
        "types": SanctionType.objects.select_related("veto_reason"),
        "columns": [(column.header, column.required) for column in SANCTION_COLUMNS],
        "total": Sanction.objects.count(),
    }
