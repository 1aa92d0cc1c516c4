"""Turning one cell into a value of the model, or into the reason it cannot be one."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jixiao.core.text import clean_text, fold, normalize_staff_id

CENT = Decimal("0.01")
MAX_TOTAL = Decimal("99999.99")
STAFF_ID = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
# 2023-03-15, 2023/3/15, 2023.3.15, 2023年3月15日 (and a time of 0:00 after it, as a CSV of
# date cells may carry); 20230315.
DATE = re.compile(
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(\s+0{1,2}:00(:00(\.0+)?)?)?$"
)
COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
# Excel's day numbers (1 = 1900-01-01 in its calendar) of 1950 to 2100: a date typed into a
# column formatted as a number.
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_DAYS = range(18264, 73051)
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}


def shown(value) -> str:
    """A cell's value quoted in a message, cut short if it is long."""
    text = clean_text(value)
    return text if len(text) <= 30 else text[:30] + "…"


class CellError(ValueError):
    """The cell's value is unusable; the message says why, in the user's language."""


def text(value, *, max_length: int, required: bool) -> str:
    result = clean_text(value)
    if isinstance(value, float) and value.is_integer():
        result = str(int(value))
    if required and not result:
        raise CellError(_("is empty"))
    if len(result) > max_length:
        raise CellError(_("is longer than %(max)s characters") % {"max": max_length})
    return result


def staff_id(value) -> str:
    """Staff IDs are text; a number cell becomes its digits (a float's ``.0`` dropped)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = normalize_staff_id(value)
    if not result:
        raise CellError(_("is empty"))
    if not STAFF_ID.match(result):
        raise CellError(
            _("%(value)s is not a valid staff ID (letters, digits, - and _ only, at most 32)")
            % {"value": shown(value)}
        )
    return result


def score(value) -> tuple[Decimal, bool]:
    """A total as an exact two-decimal Decimal, rounded half-up; and whether it was rounded."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise CellError(_("is empty"))
    raw = value if isinstance(value, (int, float)) else fold(clean_text(value)).replace(",", "")
    try:
        # str() of a float is its shortest exact-looking form: 89.35, not 89.349999….
        number = Decimal(str(raw))
    except InvalidOperation:
        raise CellError(_("%(value)s is not a number") % {"value": shown(value)}) from None
    if not number.is_finite():
        raise CellError(_("%(value)s is not a number") % {"value": shown(value)})
    if number < 0:
        raise CellError(_("%(value)s is negative") % {"value": shown(value)})
    # Compared before rounding too: quantize() cannot even represent a 1e30.
    if number > MAX_TOTAL or (rounded := number.quantize(CENT, rounding=ROUND_HALF_UP)) > MAX_TOTAL:
        raise CellError(_("%(value)s is too large") % {"value": shown(value)})
    return rounded, rounded != number


def gender(value) -> str:
    result = fold(clean_text(value))
    if not result:
        return ""
    try:
        return GENDERS[result]
    except KeyError:
        raise CellError(_("%(value)s is not a gender (男 or 女)") % {"value": shown(value)}) from None


def date(value) -> datetime.date:
    """A date as Excel and WPS write it: a date cell, 2023-03-15, 2023/3/15, 2023年3月15日,
    20230315, or a day number of a date cell formatted as a number."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise CellError(_("is empty"))
    if isinstance(value, (int, float)):
        if float(value).is_integer() and int(value) in EXCEL_DAYS:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = fold(clean_text(value))
    match = DATE.match(text) or COMPACT_DATE.match(text)
    if match:
        try:
            return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            pass
    raise CellError(
        _("%(value)s is not a date (write it as 2023-03-15, 2023/3/15 or 2023年3月15日)")
        % {"value": shown(value)}
    )
