"""An uploaded or named file, read once: its bytes, hash and table."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from jixiao.imports.limits import MAX_FILE_BYTES, MB
from jixiao.imports.problems import ImportProblem, ImportRefused
from jixiao.imports.readers import sheet_rows
from jixiao.imports.table import Column, Table, locate_table


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str
    table: Table


def open_source(
    path: Path | str, columns: Sequence[Column], *, name: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> SourceFile:
    """The file at ``path``, known to its user as ``name`` (an upload's own name; the
    path's by default), read whole once it is known to be at most ``max_bytes``."""
    path = Path(path)
    name = name or path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportRefused(
                [
                    ImportProblem(
                        _(
                            "%(name)s is %(size)s MB, more than the %(limit)s MB an import file may be: "
                            "split it into several files (by unit, say)."
                        )
                        % {"name": name, "size": f"{size / MB:,.0f}", "limit": max_bytes // MB}
                    )
                ]
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused([ImportProblem(_("File not found: %(path)s") % {"path": path})]) from None
    except IsADirectoryError:
        raise ImportRefused([ImportProblem(_("Not a file: %(path)s") % {"path": path})]) from None
    except OSError as error:
        raise ImportRefused(
            [ImportProblem(_("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror})]
        ) from None
    return read_source(data, columns, name=name)


def read_source(data: bytes, columns: Sequence[Column], *, name: str) -> SourceFile:
    """A file's bytes (an upload kept in the database), known to its user as ``name``."""
    table = locate_table(sheet_rows(name, data), columns)
    return SourceFile(name=name, sha256=hashlib.sha256(data).hexdigest(), table=table)


def no_rows_problem() -> ImportRefused:
    return ImportRefused([ImportProblem(_("The file has a header but no data rows."))])
