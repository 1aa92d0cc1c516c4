"""An uploaded or named file, read once: its bytes, hash and table."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from jixiao.imports.problems import ImportProblem, ImportRefused
from jixiao.imports.readers import sheet_rows
from jixiao.imports.table import Column, Table, locate_table


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str
    table: Table


def open_source(path: Path | str, columns: Sequence[Column], *, name: str | None = None) -> SourceFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused([ImportProblem(_("File not found: %(path)s") % {"path": path})]) from None
    except IsADirectoryError:
        raise ImportRefused([ImportProblem(_("Not a file: %(path)s") % {"path": path})]) from None
    except OSError as error:
        raise ImportRefused(
            [ImportProblem(_("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror})]
        ) from None
    table = locate_table(sheet_rows(path, data), columns)
    return SourceFile(name=name or path.name, sha256=hashlib.sha256(data).hexdigest(), table=table)


def no_rows_problem() -> ImportRefused:
    return ImportRefused([ImportProblem(_("The file has a header but no data rows."))])
