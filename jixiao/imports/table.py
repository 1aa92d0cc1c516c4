"""Finding the header row and the known columns of an imported sheet."""

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

from jixiao.core.text import clean_text, fold
from jixiao.imports.limits import MAX_PROBLEMS
from jixiao.imports.problems import ImportProblem, ImportRefused
from jixiao.imports.readers import Row

# A title row such as "2023年上半年绩效考核花名册" may stand above the header.
HEADER_SEARCH_ROWS = 20
# Characters nobody types and no database keeps (PostgreSQL refuses NUL in text): control
# characters other than tab and line breaks, and the two non-characters; also as Excel
# writes them into a workbook (_x0007_), which openpyxl passes on as those seven letters.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]|_x(000[0-8bcef]|001[0-9a-f]|007f|fff[ef])_",
    re.IGNORECASE,
)


def code_point(match: re.Match) -> int:
    found = match.group()
    return ord(found) if len(found) == 1 else int(match.group(1), 16)


@dataclass(frozen=True)
class Column:
    """A column of an import file: its Chinese header and the other names it goes by."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def matches(self, folded_header: str) -> bool:
        return folded_header == header_key(self.header) or folded_header in {
            header_key(alias) for alias in self.aliases
        }


STAFF_ID_COLUMN = Column(
    "staff_id", "工号", ("staff_id", "staff id", "职工号", "人员编号", "employee_id", "employee id")
)
NAME_COLUMN = Column("name", "姓名", ("name", "full name"))
OPTIONAL_NAME_COLUMN = replace(NAME_COLUMN, required=False)


def header_key(text) -> str:
    """Headers compare without case, spaces, full-width forms or required-marks (工号*)."""
    return re.sub(r"[\s*＊:：]", "", fold(clean_text(text)))


@dataclass
class Table:
    header_row: int
    headers: dict[str, str]  # column key → the header as written in the file
    positions: dict[str, int]
    body: Iterator[Row]
    # Headers that name none of the fixed columns, with their positions: an importer with
    # columns of its own (one per indicator, say) claims them; the rest are ignored.
    others: dict[str, int] = field(default_factory=dict)
    # Cells refused while the rows were read (a control character); their rows are not
    # passed on. ``imports.actions.plan_file`` refuses the file when there are any.
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ignored(self) -> list[str]:
        return list(self.others)

    def records(self, keys: Sequence[str], extra: Sequence[int] = ()) -> Iterator[tuple[int, tuple]]:
        """Non-blank data rows as ``(row_number, values in keys order, then at the extra
        positions)``; a column the file lacks reads as empty."""
        indices = [self.positions.get(key) for key in keys] + list(extra)
        for number, values in self.body:
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            width = len(values)
            record = tuple(values[i] if i is not None and i < width else None for i in indices)
            if self._invisible_characters(number, record, indices):
                continue
            yield number, record

    def _invisible_characters(self, number: int, record: tuple, indices: list) -> bool:
        found = False
        for value, position in zip(record, indices, strict=True):
            if isinstance(value, str) and (character := INVISIBLE.search(value)):
                found = True
                if len(self.problems) < MAX_PROBLEMS:
                    self.problems.append(
                        ImportProblem(
                            _(
                                "contains an invisible control character (U+%(code)04X): delete the cell's "
                                "text and type it again"
                            )
                            % {"code": code_point(character)},
                            row=number,
                            column=self._header_at(position),
                        )
                    )
        return found

    def _header_at(self, position: int | None) -> str | None:
        by_position = {self.positions[key]: header for key, header in self.headers.items()}
        by_position.update({p: header for header, p in self.others.items()})
        return by_position.get(position)

    def has(self, key: str) -> bool:
        return key in self.positions


def locate_table(sheets: list[Iterator[Row]], columns: Sequence[Column]) -> Table:
    """The first sheet whose header row names the first column (工号), with its columns.

    Refuses the file when no header is found, a required column is missing or a column
    appears twice.
    """
    key_column = columns[0]
    for rows in sheets:
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        for index, (number, values) in enumerate(head):
            folded = [header_key(v) for v in values]
            if any(key_column.matches(h) for h in folded):
                body = itertools.chain(head[index + 1 :], rows)
                return _read_header(number, values, folded, columns, body)
    raise ImportRefused(
        [
            ImportProblem(
                _(
                    "No header row found: none of the first %(rows)s rows has a «%(column)s» "
                    "column. Expected columns: %(expected)s."
                )
                % {
                    "rows": HEADER_SEARCH_ROWS,
                    "column": key_column.header,
                    "expected": "、".join(c.header for c in columns),
                }
            )
        ]
    )


def _read_header(number, values, folded, columns, body) -> Table:
    table = Table(header_row=number, headers={}, positions={}, body=body)
    problems = []
    for position, (raw, key) in enumerate(zip(values, folded, strict=False)):
        if not key:
            continue
        column = next((c for c in columns if c.matches(key)), None)
        if column is None:
            table.others.setdefault(clean_text(raw), position)
        elif column.key in table.positions:
            problems.append(
                ImportProblem(
                    _("Column «%(column)s» appears twice in the header.") % {"column": column.header},
                    row=number,
                )
            )
        else:
            table.positions[column.key] = position
            table.headers[column.key] = clean_text(raw)
    for column in columns:
        if column.required and column.key not in table.positions:
            problems.append(
                ImportProblem(
                    _("Required column «%(column)s» is missing.") % {"column": column.header},
                    row=number,
                )
            )
    if problems:
        raise ImportRefused(problems)
    return table
