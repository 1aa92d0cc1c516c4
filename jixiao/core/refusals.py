"""Refusals: every rule an action enforces has a code, and every code one message.

Each app lists its codes in an ``errors.py`` (``class SelectionRefusal(RefusalCode)``), each
member with its translatable message, so the pages, the commands and the import reports say
the same thing in the same words::

    class SelectionRefusal(RefusalCode):
        PERIOD_CLOSED = "period_closed", _("Period %(code)s is closed.")

    raise Refused(SelectionRefusal.PERIOD_CLOSED, code=period.code)
"""

from enum import StrEnum


class RefusalCode(StrEnum):
    """A code (the member's value) with its message (a lazy translation with ``%(name)s``
    placeholders filled from the refusal's parameters)."""

    def __new__(cls, code: str, message):
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member


class Refused(Exception):
    """An action refused what the rules forbid; nothing was changed. ``message`` says why,
    in the language active when it was refused (the user's)."""

    def __init__(self, code: RefusalCode, /, **params):
        self.code = code
        self.params = params
        self.message = str(code.message) % params
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
