"""A unit's previewed import applied in the background (``selection.unit_jobs``): a large
file is planned and written by a worker while the page shows its progress."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from jixiao.core.refusals import Refused
from jixiao.imports.actions import import_file
from jixiao.imports.kinds import KINDS
from jixiao.imports.models import PendingImport
from jixiao.imports.problems import ImportRefused
from jixiao.imports.source import read_source
from jixiao.selection.unit_jobs import ACTION_PRIORITY, run_as_user


def source_of(kind: str, pending: PendingImport):
    columns, _plan, _apply, _lockable = KINDS[kind]
    return read_source(bytes(pending.content), columns, name=pending.file_name)


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
        return {
            "messages": [("success", done), *flags],
            "next": reverse("selection:roster", args=[period.code, unit.pk]),
        }

    run_as_user(key, act)
