"""Actions on periods."""

from django.db import transaction

from jixiao.assessment.models import Period, period_dates
from jixiao.selection.models import SelectionRules


def get_or_create_period(code: str) -> tuple[Period, bool]:
    """The period with this code, created with the default rules when it does not exist."""
    code = code.strip().upper()
    start, end = period_dates(code)
    with transaction.atomic():
        period, created = Period.objects.get_or_create(code=code, defaults={"start": start, "end": end})
        SelectionRules.objects.get_or_create(period=period)
    return period, created
