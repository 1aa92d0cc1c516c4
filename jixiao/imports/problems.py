"""What is wrong with an imported file, said the way the user sees the file in Excel."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jixiao.imports.limits import MAX_PROBLEMS


@dataclass(frozen=True)
class ImportProblem:
    """One problem; ``row`` is the spreadsheet row number (header = row 1 when it is first)."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.row is not None and self.column is not None:
            return _("Row %(row)s «%(column)s»: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class ImportRefused(Exception):
    """The file is refused whole; nothing was written."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ReadingStopped(ImportProblem):
    """The note that ends a list cut short at ``MAX_PROBLEMS``."""


class ProblemList(list):
    """The problems of one file, up to ``MAX_PROBLEMS``: one more stops the reading and
    refuses the file with those listed and a note that there are more."""

    def append(self, problem: ImportProblem) -> None:
        if len(self) >= MAX_PROBLEMS:
            more = ngettext(
                "Reading stopped after %(count)s problem: correct these and import the file again "
                "to see the rest.",
                "Reading stopped after %(count)s problems: correct these and import the file again "
                "to see the rest.",
                MAX_PROBLEMS,
            ) % {"count": MAX_PROBLEMS}
            raise ImportRefused([*self, ReadingStopped(more)])
        super().append(problem)


class StaffIdRegister:
    """Where each staff ID of a file was first seen; a repeat is a problem naming that row."""

    def __init__(self, problems: list[ImportProblem], column: str):
        self.problems = problems
        self.column = column
        self.first_row: dict[str, int] = {}

    def first_time(self, staff_id: str, row: int) -> bool:
        first = self.first_row.setdefault(staff_id, row)
        if first != row:
            self.problems.append(
                ImportProblem(
                    _("staff ID %(staff_id)s is duplicated (first on row %(row)s)")
                    % {"staff_id": staff_id, "row": first},
                    row=row,
                    column=self.column,
                )
            )
        return first == row


def not_on_roster(staff_id: str, period, twins: dict[str, str]) -> str:
    """The staff ID is not on the period's roster; said with the likely cause where the roster
    has it with leading zeros (``twins``, from ``lookups.zero_padded_twins``)."""
    if staff_id in twins:
        return _(
            "staff ID %(staff_id)s is not on the roster of %(period)s, but %(padded)s is: the "
            "spreadsheet dropped the leading zeros of the staff IDs (format the 工号 column as text)"
        ) % {"staff_id": staff_id, "period": period.code, "padded": twins[staff_id]}
    return _("staff ID %(staff_id)s is not on the roster of %(period)s") % {
        "staff_id": staff_id,
        "period": period.code,
    }


def dropped_zeros(staff_id: str, padded: str) -> str:
    """A new staff ID that is a known one without its leading zeros (123 for 000123)."""
    return _(
        "staff ID %(staff_id)s is the staff ID %(padded)s without its leading zeros: the spreadsheet "
        "turned the staff IDs into numbers. Format the 工号 column as text and enter them again"
    ) % {"staff_id": staff_id, "padded": padded}
