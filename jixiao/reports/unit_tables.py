"""A unit's own lists as .xlsx, for its office to file, print or send on: the ranking, the
roster with its scores, the candidates (as proposed, or as submitted and decided) and the
objections of its publicity. Headers are fixed Chinese, as in every export."""

from collections.abc import Iterable

from django.utils import timezone

from jixiao.assessment.models import Period, RosterEntry
from jixiao.org.models import Category, Person, Unit
from jixiao.reports import exports
from jixiao.reports.exports import ExportColumn
from jixiao.reports.tables import Table
from jixiao.selection import workflow
from jixiao.selection.models import Objection, Proposal, ProposalState, Resolution, share_percent_of

ROSTER_COLUMNS = (
    ExportColumn("工号", 12, "@"),
    ExportColumn("姓名", 10),
    ExportColumn("性别", 6),
    ExportColumn("人员类别", 12),
    ExportColumn("职务", 16),
    ExportColumn("总分", 9, "0.00"),
    ExportColumn("否决事由", 24),
)
OBJECTION_COLUMNS = (
    ExportColumn("收到时间", 17),
    ExportColumn("被反映人", 10),
    ExportColumn("工号", 12, "@"),
    ExportColumn("反映人", 10),
    ExportColumn("联系电话", 14),
    ExportColumn("反映内容", 40),
    ExportColumn("处理结果", 10),
    ExportColumn("处理理由", 30),
)
RESOLUTION_LABELS = {Resolution.OPEN: "待处理", Resolution.UPHELD: "成立", Resolution.DISMISSED: "不成立"}


def roster_rows(period: Period, unit: Unit) -> Iterable[tuple]:
    rows = (
        RosterEntry.objects.filter(period=period, unit=unit)
        .order_by("category__sort_order", "category_id", "person__staff_id")
        .values_list(
            "person__staff_id", "name", "gender", "category__name", "post", "score__total", "score__veto_text"
        )
    )
    for staff_id, name, gender, category, post, total, veto in rows:
        yield staff_id, name, exports.GENDER_LABELS.get(gender, ""), category, post, total, veto or ""


def candidate_rows(period: Period, unit: Unit) -> Iterable[tuple]:
    """The submitted list as decided so far; before the submission, who would be proposed now."""
    proposal = Proposal.objects.filter(period=period, unit=unit).first()
    if proposal is not None and proposal.state != ProposalState.DRAFT:
        yield from exports.candidate_rows(period, unit)
        return
    share = share_percent_of(period)
    people = workflow.current_candidates(period, unit)
    staff_ids = dict(
        Person.objects.filter(pk__in=[p.person_id for p in people]).values_list("pk", "staff_id")
    )
    categories = dict(Category.objects.values_list("pk", "name"))
    for person in people:
        yield (
            staff_ids[person.person_id],
            person.name,
            unit.name,
            categories[person.category_id],
            person.post,
            exports._route_label(person.route, share),
            person.total,
            person.rank,
            person.group_size,
            "",
            exports.STATE_LABELS[ProposalState.DRAFT],
        )


def objection_rows(period: Period, unit: Unit) -> Iterable[tuple]:
    objections = (
        Objection.objects.filter(notice__proposal__period=period, notice__proposal__unit=unit)
        .select_related("candidate__person")
        .order_by("received_at", "pk")
    )
    for o in objections:
        yield (
            f"{timezone.localtime(o.received_at):%Y-%m-%d %H:%M}",
            o.candidate.name,
            o.candidate.person.staff_id,
            o.objector,
            o.objector_phone,
            o.content,
            RESOLUTION_LABELS[o.resolution],
            o.resolution_reason,
        )


UNIT_TABLES = {
    table.slug: table
    for table in (
        Table("ranking", "同类人员排名", exports.RANKING_COLUMNS, exports.ranking_rows),
        Table("roster", "花名册与分数", ROSTER_COLUMNS, roster_rows),
        Table("candidates", "候选人", exports.CANDIDATE_COLUMNS, candidate_rows),
        Table("objections", "公示异议", OBJECTION_COLUMNS, objection_rows),
    )
}
