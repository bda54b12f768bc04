"""Row-numbered messages of file imports (key figures, areas): one shape for every importer."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem that blocks the import: line in the file (header = 1), column, message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return str(
            _(
                "Row %(row)s, column %(column)s: %(message)s",
                row=self.row,
                column=self.column,
                message=self.message,
            )
        )


@dataclass(frozen=True, slots=True)
class RowWarning(RowError):
    """Something implausible that does not block the import."""
