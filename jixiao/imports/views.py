"""A unit's score import in the browser: upload, see what would change, then apply.

The uploaded file is kept under the data folder between the preview and the apply step and
planned again when applied, so what is written is what the file says at that moment; a file
that touches another unit's people is refused whole, like any other bad row.
"""

import hashlib
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.locks import LockedScores, guard_locked_change, locked_units
from jixiao.assessment.models import Period, PeriodState, RosterEntry, Score
from jixiao.imports.kinds import KINDS, describe_plan
from jixiao.imports.problems import ImportProblem, ImportRefused
from jixiao.imports.source import open_source
from jixiao.org.access import unit_role_required
from jixiao.org.models import RoleKind
from jixiao.selection.ranking import refresh_ranking
from jixiao.selection.workflow import closed_message

UNIT_KINDS = {
    "scores": gettext_lazy("Final totals (工号, 总分, 否决事由)"),
    "indicator-scores": gettext_lazy("Indicator scores of a scheme"),
    "rater-scores": gettext_lazy("Rater scores of a scheme"),
    "adjustments": gettext_lazy("Bonus, penalty and veto items"),
}
SUFFIXES = (".xlsx", ".xls", ".csv")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
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
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def upload_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


PREVIEW_ROWS = 200


def score_changes(plan) -> list[dict]:
    """For a totals import: who gets a new or changed total, with the old and new values
    side by side (the first ``PREVIEW_ROWS``)."""
    rows = [(entry_id, total, veto) for entry_id, total, veto, _reason, _source in plan.new_scores]
    rows += [(entry_id, total, veto) for total, veto, _reason, _source, entry_id in plan.changed_scores]
    rows = rows[:PREVIEW_ROWS]
    entries = RosterEntry.objects.select_related("person").in_bulk([entry_id for entry_id, _t, _v in rows])
    old = {
        score.entry_id: score
        for score in Score.objects.filter(entry_id__in=[entry_id for entry_id, _t, _v in rows])
    }
    return sorted(
        (
            {
                "staff_id": entries[entry_id].person.staff_id,
                "name": entries[entry_id].person.name,
                "old_total": old[entry_id].total if entry_id in old else None,
                "old_veto": old[entry_id].veto_text if entry_id in old else "",
                "total": total,
                "veto": veto,
            }
            for entry_id, total, veto in rows
        ),
        key=lambda row: row["staff_id"],
    )


def plan_for(period, unit, kind, path: Path, name: str):
    """The import plan of a stored file, or the problems that refuse it."""
    columns, plan_import, _apply, _lockable = KINDS[kind]
    source = open_source(path, columns, name=name)
    plan = plan_import(period, source)
    foreign = set(plan.units) - {unit.pk}
    if foreign:
        others = (
            RosterEntry.objects.filter(period=period, unit_id__in=foreign)
            .values_list("unit__name", flat=True)
            .distinct()
        )
        raise ImportRefused(
            [
                ImportProblem(
                    _(
                        "The file changes scores of people of other units (%(units)s): a unit imports only its own people."
                    )
                    % {"units": "、".join(sorted(others))}
                )
            ]
        )
    return plan


@unit_role_required(RoleKind.ASSESSOR)
def unit_import(request, code, unit):
    from jixiao.selection.views import unit_context

    period = get_object_or_404(Period, code=code)
    context = unit_context(request, period, unit, "import")
    pending = request.session.get(SESSION_KEY)
    if pending and (pending["unit"] != unit.pk or pending["period"] != period.pk):
        pending = None
    form = UploadForm()
    if request.method == "POST" and period.state == PeriodState.CLOSED:
        discard(request)
        messages.error(request, closed_message(period))
        return redirect("imports:unit_import", code=period.code, unit_id=unit.pk)
    if request.method == "POST" and "apply" in request.POST and pending:
        return apply_pending(request, period, unit, pending)
    if request.method == "POST" and "cancel" in request.POST:
        discard(request)
        return redirect("imports:unit_import", code=period.code, unit_id=unit.pk)
    if request.method == "POST":
        discard(request)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
            suffix = Path(upload.name).suffix.lower()
            path = upload_folder() / f"{uuid.uuid4().hex}{suffix}"
            digest = hashlib.sha256()
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    digest.update(chunk)
                    out.write(chunk)
            try:
                plan = plan_for(period, unit, kind, path, upload.name)
            except ImportRefused as refused:
                path.unlink(missing_ok=True)
                context.update(form=form, problems=[str(p) for p in refused.problems], file_name=upload.name)
                return render(request, "imports/unit_import.html", context)
            pending = {
                "unit": unit.pk,
                "period": period.pk,
                "kind": kind,
                "path": path.name,
                "name": upload.name,
                "sha256": digest.hexdigest(),
            }
            request.session[SESSION_KEY] = pending
            context.update(
                preview=describe_plan(kind, plan),
                changes=plan.changed,
                locked=bool(locked_units(period, plan.units)),
                pending=pending,
                kind_label=UNIT_KINDS[kind],
                score_changes=score_changes(plan) if kind == "scores" else [],
                more_changes=max(0, plan.changed - PREVIEW_ROWS) if kind == "scores" else 0,
            )
            return render(request, "imports/unit_import.html", context)
    context.update(form=form)
    return render(request, "imports/unit_import.html", context)


def apply_pending(request, period, unit, pending):
    path = upload_folder() / pending["path"]
    _columns, _plan, apply_import, _lockable = KINDS[pending["kind"]]
    actor = request.user.get_username()
    try:
        plan = plan_for(period, unit, pending["kind"], path, pending["name"])
        touched = guard_locked_change(
            period,
            plan.units,
            actor=actor,
            reason=request.POST.get("reason"),
            what=_("import of %(file)s") % {"file": pending["name"]},
            details=plan.summary(),
        )
        apply_import(plan, actor=actor, user=request.user)
    except ImportRefused as refused:
        for problem in refused.problems:
            messages.error(request, str(problem))
        return redirect("imports:unit_import", code=period.code, unit_id=unit.pk)
    except LockedScores as refusal:
        messages.error(request, str(refusal))
        return redirect("imports:unit_import", code=period.code, unit_id=unit.pk)
    discard(request)
    if touched:
        refresh_ranking(period, actor=actor)
    messages.success(
        request,
        _("Imported %(file)s: %(rows)s rows, %(changed)s changes.")
        % {"file": pending["name"], "rows": plan.rows, "changed": plan.changed},
    )
    return redirect("assessment:roster", code=period.code, unit_id=unit.pk)


def discard(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        (upload_folder() / pending["path"]).unlink(missing_ok=True)
