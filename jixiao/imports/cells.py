"""Turning one cell into a value of the model, or into the reason it cannot be one."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jixiao.core.text import clean_text, fold, normalize_staff_id

CENT = Decimal("0.01")
MAX_TOTAL = Decimal("99999.99")
STAFF_ID = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
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
