"""The end of every import: mark the period's ranking stale if anything changed, and record
who imported which file."""

from django.utils.translation import gettext as _

from jixiao.assessment.changes import mark_period_changed
from jixiao.core.audit import AuditAction
from jixiao.core.audit import record as audit
from jixiao.imports.models import ImportRecord
from jixiao.org.models import Unit


def record_import(kind: str, plan, *, actor: str, user=None) -> ImportRecord:
    """``plan`` is a roster or scores plan that has just been applied."""
    if plan.changed:
        mark_period_changed(plan.period, plan.units)
    import_record = ImportRecord.objects.create(
        kind=kind,
        period=plan.period,
        actor=actor,
        user=user,
        file_name=plan.source.name,
        file_sha256=plan.source.sha256,
        rows=plan.rows,
        changed=plan.changed,
        summary=plan.summary(),
    )
    audit(
        actor=actor,
        action=AuditAction.IMPORT,
        target=import_record,
        unit=_only_unit(plan),
        period=plan.period,
        summary=_("%(kind)s import of %(file)s: %(rows)s rows, %(changed)s changed")
        % {
            "kind": import_record.get_kind_display(),
            "file": plan.source.name,
            "rows": plan.rows,
            "changed": plan.changed,
        },
        after={
            "file": plan.source.name,
            "sha256": plan.source.sha256,
            "rows": plan.rows,
            "changed": plan.changed,
            "kind": str(kind),
            "summary": import_record.summary,
        },
    )
    return import_record


def _only_unit(plan):
    """The unit an import concerns, when it concerns exactly one (for the audit log)."""
    unit_ids = set(plan.units)
    return Unit.objects.filter(pk=next(iter(unit_ids))).first() if len(unit_ids) == 1 else None
