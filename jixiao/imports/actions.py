"""Importing a file: the one action behind ``jixiao import`` and the import pages.

Checked whole and written whole in one transaction: the period must be open, the actor may
import for the city (every unit) or for one unit (its own people only), locked scores are
changed only with a reason (recorded per unit), and a change to a locked unit's scores —
from the submission of its list on, they are locked — ranks that unit again at once, so a
list the change would alter is flagged there and then.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.assessment.actions import guard_locked_change, locked_units, refresh_sanction_vetoes, require_open
from jixiao.assessment.models import Period, RosterEntry
from jixiao.core.audit import AuditAction
from jixiao.core.audit import record as audit
from jixiao.imports.kinds import KINDS
from jixiao.imports.models import ImportKind, ImportRecord
from jixiao.imports.problems import ImportProblem, ImportRefused, ReadingStopped
from jixiao.imports.sanctions import apply_sanctions_plan, plan_sanctions_import
from jixiao.imports.source import SourceFile
from jixiao.org.access import account_of, actor_name, require_city_admin, require_unit_role
from jixiao.org.models import RoleKind, Unit
from jixiao.selection.actions import rank, ranking_lock
from jixiao.selection.models import RankingRun


@dataclass
class ImportResult:
    plan: object
    record: ImportRecord | None  # None for a dry run
    locked: list[Unit] = field(default_factory=list)  # locked units the file changes
    rankings: list[RankingRun] = field(default_factory=list)  # rankings it caused

    @property
    def flagged(self) -> list:
        """The lists those rankings flagged for a new decision."""
        return [proposal for run in self.rankings for proposal in run.flagged]


def plan_file(kind: str, period: Period, source: SourceFile, *, unit: Unit | None = None):
    """What importing the file would change, or ``ImportRefused`` with every problem. A
    unit's file may name only the unit's own people."""
    _columns, plan_import, _apply, _lockable = KINDS[kind]
    if kind != "roster":
        _require_roster(period, unit)
    try:
        plan = plan_import(period, source)
    except ImportRefused as refused:
        found = refused.problems
        if source.table.problems:
            # The rows with control characters were held back: a file-wide problem such as
            # "no data rows" follows from that, and would only mislead.
            found = [p for p in found if p.row is not None or isinstance(p, ReadingStopped)]
        raise ImportRefused(in_row_order([*source.table.problems, *found])) from None
    if source.table.problems:
        raise ImportRefused(in_row_order(source.table.problems))
    if unit is not None and (
        set(plan.units) - {unit.pk} or getattr(plan, "touched_units", set()) - {unit.name}
    ):
        # Which other units, the unit's office is not told.
        raise ImportRefused(
            [ImportProblem(_("The file changes people of other units: a unit imports only its own people."))]
        )
    return plan


def _require_roster(period: Period, unit: Unit | None) -> None:
    """Scores need people to belong to: on an empty roster, one problem saying what to do
    first rather than one per row of the file."""
    roster = RosterEntry.objects.filter(period=period)
    if unit is not None:
        roster = roster.filter(unit=unit)
    if roster.exists():
        return
    if unit is None:
        message = _(
            "The roster of %(period)s is empty: import the roster (花名册) first, then the scores."
        ) % {"period": period.code}
    else:
        message = _(
            "%(unit)s has nobody on the roster of %(period)s yet: import the roster (花名册) "
            "first, then the scores."
        ) % {"unit": unit.name, "period": period.code}
    raise ImportRefused([ImportProblem(message)])


def in_row_order(problems: list[ImportProblem]) -> list[ImportProblem]:
    """The file's own problems (no row) first, then row by row as the user reads the file,
    and a note that reading stopped last."""

    def place(problem: ImportProblem) -> tuple[int, int]:
        if isinstance(problem, ReadingStopped):
            return (2, 0)
        return (0, 0) if problem.row is None else (1, problem.row)

    return sorted(problems, key=place)


def import_file(
    kind: str,
    period: Period,
    source: SourceFile,
    *,
    acting_user,
    unit: Unit | None = None,
    reason: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import ``source`` as ``kind`` (roster, scores, indicator-scores, rater-scores,
    adjustments) into the period, for the city or, with ``unit``, for that unit only.
    ``dry_run`` checks everything and writes nothing."""
    if unit is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, unit, RoleKind.ASSESSOR)
    require_open(period)
    _columns, _plan, apply_import, lockable = KINDS[kind]
    with transaction.atomic():
        plan = plan_file(kind, period, source, unit=unit)
        if dry_run:
            return ImportResult(plan, None, locked_units(period, plan.units) if lockable else [])
        locked = []
        if lockable and locked_units(period, plan.units):
            # Rankings come after: the ranking lock first, the audit log's last (always in
            # that order, so two actions never wait for each other).
            ranking_lock(period)
            locked = guard_locked_change(
                period,
                plan.units,
                acting_user=acting_user,
                reason=reason,
                what=_("import of %(file)s") % {"file": source.name},
                details=plan.summary(),
            )
        record = apply_import(plan, actor=actor_name(acting_user), user=account_of(acting_user))
        # One ranking of the whole period rather than one per unit of a city-wide file.
        scopes = [None] if unit is None and len(locked) > 1 else locked
        rankings = [rank(period, acting_user=acting_user, unit=scope, rate_limited=False) for scope in scopes]
    return ImportResult(plan, record, locked, rankings)


@dataclass
class SanctionsResult:
    plan: object
    record: ImportRecord | None  # None for a dry run
    # The open periods whose vetoes changed, with the units of the people concerned.
    periods: list[tuple[Period, list[int]]] = field(default_factory=list)
    rankings: list[RankingRun] = field(default_factory=list)  # of locked units, to flag lists

    @property
    def flagged(self) -> list:
        return [proposal for run in self.rankings for proposal in run.flagged]


def import_sanctions(source: SourceFile, *, acting_user, dry_run: bool = False) -> SanctionsResult:
    """Import the sanctions register (for the city office only): every problem or nothing
    written; then the vetoes of the people concerned follow the register in every open
    period a new or changed influence window touches (a closed period keeps what it showed),
    and a unit whose scores are locked is ranked again at once, so a list the new veto
    changes is flagged for a new decision."""
    require_city_admin(acting_user)
    actor = actor_name(acting_user)
    with transaction.atomic():
        plan = plan_sanctions_import(source)
        if dry_run:
            return SanctionsResult(plan, None)
        apply_sanctions_plan(plan)
        periods = refresh_sanction_vetoes(plan.person_ids(), plan.windows())
        to_rank = [(period, unit) for period, unit_ids in periods for unit in locked_units(period, unit_ids)]
        # The ranking locks before the audit log's (the order every action takes them in).
        for period in dict.fromkeys(period for period, _unit in to_rank):
            ranking_lock(period)
        record = ImportRecord.objects.create(
            kind=ImportKind.SANCTIONS,
            period=None,
            actor=actor,
            user=account_of(acting_user),
            file_name=source.name,
            file_sha256=source.sha256,
            rows=plan.rows,
            changed=plan.changes,
            summary=plan.summary(),
        )
        audit(
            actor=actor,
            action=AuditAction.IMPORT,
            target=record,
            summary=_(
                "sanctions register import of %(file)s: %(new)s new, %(changed)s changed; vetoes "
                "changed in %(periods)s open periods"
            )
            % {
                "file": source.name,
                "new": len(plan.new),
                "changed": len(plan.changed),
                "periods": len(periods),
            },
            after={
                "file": source.name,
                "sha256": source.sha256,
                "kind": ImportKind.SANCTIONS.value,
                "summary": record.summary,
                "periods": {period.code: unit_ids for period, unit_ids in periods},
            },
        )
        rankings = [
            rank(period, acting_user=acting_user, unit=unit, rate_limited=False) for period, unit in to_rank
        ]
    return SanctionsResult(plan, record, periods, rankings)
