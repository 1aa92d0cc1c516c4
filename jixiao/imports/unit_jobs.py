"""An import in the background (``selection.unit_jobs``), a unit's or the city office's: the
uploaded file checked
(what it would change, or its problems) and, once its user has seen that, applied — a large
file is read, planned and written by a worker while the page shows its progress."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from jixiao.assessment.models import RosterEntry, Score
from jixiao.core.refusals import Refused
from jixiao.imports.actions import import_file
from jixiao.imports.kinds import KINDS, describe_plan
from jixiao.imports.models import PendingImport
from jixiao.imports.problems import ImportRefused
from jixiao.imports.source import read_source
from jixiao.selection.unit_jobs import ACTION_PRIORITY, run_as_user


def import_page(period, unit) -> str:
    """The import page of the unit (``None``: the city office's)."""
    if unit is None:
        return reverse("imports:city_import", args=[period.code])
    return reverse("imports:unit_import", args=[period.code, unit.pk])


def source_of(kind: str, pending: PendingImport):
    columns, _plan, _apply, _lockable = KINDS[kind]
    return read_source(bytes(pending.content), columns, name=pending.file_name)


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
                # As text: kept in the job's outcome (JSON), shown as the page showed them.
                "old_total": str(old[row.entry_id].total) if row.entry_id in old else None,
                "old_veto": old[row.entry_id].veto_text if row.entry_id in old else "",
                "total": str(row.total),
                "veto": row.veto_text,
            }
            for row in rows
        ),
        key=lambda row: row["staff_id"],
    )


CHECK = "import-check"


@task(priority=ACTION_PRIORITY)
def check_import(key: str) -> None:
    """What importing the user's uploaded file (``PendingImport``) would change, or its
    problems (the file is then removed): the dry run of the import, shown on the import
    page that the outcome leads to."""

    def act(job, period, unit, user) -> dict:
        parameters = job.parameters
        kind, page = parameters["kind"], f"{import_page(period, unit)}?checked={job.key}"
        stored = PendingImport.objects.get(pk=parameters["pending"], user=user)
        try:
            checked = import_file(
                kind, period, source_of(kind, stored), acting_user=user, unit=unit, dry_run=True
            )
        except ImportRefused as refused:
            stored.delete()
            return {"problems": [str(problem) for problem in refused.problems], "next": page}
        except Refused as refusal:
            stored.delete()
            return {"problems": [refusal.message], "next": page}
        plan = checked.plan
        preview = {
            "preview": [str(line) for line in describe_plan(kind, plan)],
            "changes": plan.changed,
            "locked": bool(checked.locked),
            "score_changes": score_changes(plan) if kind == "scores" else [],
            "more_changes": max(0, plan.changed - PREVIEW_ROWS) if kind == "scores" else 0,
        }
        return {"preview": preview, "next": page}

    run_as_user(key, act)


@task(priority=ACTION_PRIORITY)
def apply_import(key: str) -> None:
    """Import the user's previewed file (``PendingImport``) as its kind, with the reason given
    for locked scores; the file is removed once imported, kept when refused."""

    def act(job, period, unit, user) -> dict:
        parameters = job.parameters
        name = parameters["name"]
        stored = PendingImport.objects.filter(pk=parameters["pending"], user=user).first()
        if stored is None:
            return {
                "messages": [
                    (
                        "error",
                        _("%(file)s is no longer waiting to be imported: upload it again.") % {"file": name},
                    )
                ]
            }
        try:
            result = import_file(
                parameters["kind"],
                period,
                source_of(parameters["kind"], stored),
                acting_user=user,
                unit=unit,
                reason=parameters["reason"],
            )
        except ImportRefused as refused:
            problems = [("error", str(problem)) for problem in refused.problems]
            return {"messages": [("error", _("%(file)s was not imported:") % {"file": name}), *problems]}
        except Refused as refusal:
            return {
                "messages": [
                    (
                        "error",
                        _("%(file)s was not imported: %(reason)s")
                        % {"file": name, "reason": refusal.message},
                    )
                ]
            }
        stored.delete()
        done = _("Imported %(file)s: %(rows)s rows, %(changed)s changes.") % {
            "file": name,
            "rows": result.plan.rows,
            "changed": result.plan.changed,
        }
        flags = [
            ("warning", _("The list needs a new decision: %(why)s") % {"why": flagged.flag_reason})
            for flagged in result.flagged
        ]
        if unit is None:
            after = reverse("selection:period", args=[period.code])
        else:
            after = reverse("selection:roster", args=[period.code, unit.pk])
        return {"messages": [("success", done), *flags], "next": after}

    run_as_user(key, act)
