"""An online rating round under way in the demo city: the accounts' unit has issued codes to
its leaders, colleagues and service users, some raters have submitted, and a few codes are
left for whoever tries the demo to score with on a phone."""

import datetime
import random
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from jixiao.assessment.models import Period, RaterGroup, RosterEntry, ScoringMethod
from jixiao.assessment.schemes import applicable_scheme
from jixiao.demo.workflow import ACTOR
from jixiao.org.models import Unit
from jixiao.rating import actions
from jixiao.rating.models import RatingRound
from jixiao.rating.sheets import sheet_for

ADDRESS = "127.0.0.1"


@dataclass
class DemoRound:
    round: RatingRound
    issued: int
    submitted: int
    unused: list[str]  # codes shown in the demo's output, to try the rating page with


def open_demo_round(period: Period, unit: Unit, rng: random.Random, *, unused: int = 3) -> DemoRound | None:
    """The unit's largest category with rater-scored indicators gets a round: one code per
    of the scheme's rater groups a few anonymous codes; two thirds of the first group's
    codes are submitted."""
    for row in (
        RosterEntry.objects.filter(period=period, unit=unit)
        .values("category")
        .annotate(people=Count("id"))
        .order_by("-people", "category")
    ):
        scheme = applicable_scheme(period, unit.pk, row["category"])
        if scheme and row["people"] >= 3 and scheme.indicators.filter(method=ScoringMethod.RATERS).exists():
            break
    else:
        return None
    now = timezone.now()
    round_ = actions.create_round(
        period=period,
        category=scheme.category,
        unit=unit,
        name=f"{unit.name}{scheme.category.name}在线测评",
        opens_at=now - datetime.timedelta(hours=2),
        closes_at=now + datetime.timedelta(days=7),
        acting_user=ACTOR,
    )
    groups = [RaterGroup.objects.get(pk=g.group_id) for g in scheme.rater_groups.all()]
    issued = []
    for group in groups:
        count = max(3, min(8, row["people"] // 3))
        issued.append(actions.issue_codes(round_, group=group, count=count, acting_user=ACTOR))
    submitted = 0
    first = issued[0]
    for code in first[: len(first) * 2 // 3]:
        opened = actions.open_code(code.text, address=ADDRESS, round_key=round_.key)
        sheet = sheet_for(opened)
        scores = {}
        # Top marks for as many as the scheme's share allows (the first people), no more.
        allowance = sheet.top_allowance()
        for person_index, person in enumerate(sheet.people):
            top = allowance is None or person_index < allowance
            for indicator in sheet.indicators:
                full = int(indicator.full_marks * 100)
                scores[(person.pk, indicator.pk)] = int(full * (0.95 if top else rng.uniform(0.7, 0.88)))
        actions.save_draft(opened, scores)
        actions.submit(opened)
        submitted += 1
    spare = [code.text for batch in issued[1:] for code in batch][:unused]
    return DemoRound(round_, sum(len(batch) for batch in issued), submitted, spare)
