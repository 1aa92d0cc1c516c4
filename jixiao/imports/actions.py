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

from jixiao.assessment.actions import guard_locked_change, locked_units, require_open
from jixiao.assessment.models import Period, RosterEntry
from jixiao.imports.kinds import KINDS
from jixiao.imports.models import ImportRecord
from jixiao.imports.problems import ImportProblem, ImportRefused, ReadingStopped
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
