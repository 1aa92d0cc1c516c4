"""The end of every import: mark the period's ranking stale if anything changed, and record
who imported which file."""

from jixiao.imports.models import ImportRecord
from jixiao.selection.ranking import mark_period_changed


def record_import(kind: str, plan, *, actor: str, user=None) -> ImportRecord:
    """``plan`` is a roster or scores plan that has just been applied."""
    if plan.changed:
        mark_period_changed(plan.period)
    return ImportRecord.objects.create(
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
