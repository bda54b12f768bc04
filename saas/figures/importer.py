"""Import of key figures: check every row first, then write all or nothing.

Three steps along the seams of the work: :mod:`saas.figures.reading` turns bytes into
records, :mod:`saas.figures.validation` and :mod:`saas.figures.checks` turn records into an
:class:`ImportCheck` (errors naming line and column, warnings, the changes), and
:func:`apply_import` writes a clean check in one flush. A file has the columns
``area_code, metric_code, period, value`` (header required, any order); the entry grid
hands its typed values to :func:`check_values` as rows, without a file between.
:func:`check_import` never raises for whatever bytes it gets. The caller commits; the audit
log records every change through the session events.

Our own export (:mod:`saas.figures.exporter`) adds ``area_name``, ``metric_name`` and
``version`` (each value's lock version when it was exported). The names are for the reader and
ignored here; the versions tell which stored values were changed after the export
(:func:`find_conflicts`), so an old file never silently reverts newer work. In a file with a
``version`` column a row without a value is a line of the fill-in template nobody filled in:
it is skipped, not an error.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from saas.core.db import db
from saas.core.imports import RowError
from saas.core.tenancy import current_tenant_id
from saas.core.uploads import DEFAULT_LIMITS, Limits
from saas.figures.checks import check_file, chunks, load_areas, load_metrics, stored_values
from saas.figures.messages import MESSAGES, format_number, message
from saas.figures.models import FigureValue
from saas.figures.reading import COLUMNS, MAX_BYTES, FileProblem, Table, read_table
from saas.figures.validation import (
    ImportCheck,
    ImportRow,
    Parsed,
    Update,
    check_header,
    validate_row,
)
from saas.periods.services import locked_area_periods

__all__ = [
    "COLUMNS",
    "EXTRA_COLUMNS",
    "MAX_BYTES",
    "MESSAGES",
    "ImportCheck",
    "ImportRow",
    "RowError",
    "Update",
    "apply_import",
    "check_import",
    "check_values",
    "find_conflicts",
    "inspect_import",
    "format_number",
    "message",
]


#: columns of our export besides :data:`COLUMNS`: names for the reader, the lock version
EXTRA_COLUMNS = ("area_name", "metric_name", "version")

#: ``progress(done, total, phase)``: how far a long check is (a background job shows it)
Progress = Callable[[int, int, str], None]


def _no_progress(_done: int, _total: int, _phase: str) -> None:
    return None


@dataclass
class Inspection:
    """A check and what our export's extra columns said about the rows."""

    check: ImportCheck
    #: row → the value's version at export (None: no value then); None: no version column
    versions: dict[int, int | None] | None = None
    #: rows of the template left empty (skipped)
    skipped: int = 0
    rows_read: int = 0
    extra: list[str] = field(default_factory=list)


def check_import(filename: str, data: bytes, *, locale: str = "de") -> ImportCheck:
    """Parse and validate a whole figures file for the current tenant; writes nothing."""
    return inspect_import(filename, data, locale=locale).check


def inspect_import(
    filename: str,
    data: bytes,
    *,
    locale: str = "de",
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Inspection:
    """:func:`check_import`, keeping the export's versions and reporting progress.

    ``limits`` bound the reading; a background job may allow more seconds than a request.
    """
    check = ImportCheck(filename=filename or "", locale=locale, tenant_id=current_tenant_id())
    inspection = Inspection(check)
    progress = progress or _no_progress
    error = _collector(check)

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data is None or not isinstance(data, bytes | bytearray | memoryview):
        error(0, "-", "empty")
        return check
    data = bytes(data)
    if len(data) > MAX_BYTES:
        error(0, "-", "too_large", size=format_number(round(len(data) / 1024 / 1024, 1)))
        return inspection
    if not data.strip():
        error(0, "-", "empty")
        return inspection

    progress(0, 0, "reading")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = read_table(check.filename, data, limits)
    except FileProblem as problem:
        error(problem.row, "-", problem.key, **problem.params)
        return inspection
    except Exception as exc:  # noqa: BLE001 - never raise for bad input
        error(0, "-", "file_error", detail=type(exc).__name__)
        return inspection
    check.format = table.format
    # CSV: one record a line, nearly; XLSX: the rows are read already (a list's iterator)
    total = operator.length_hint(table.records) or max(data.count(b"\n") - table.header_line, 0)
    table = _without_extras(table, inspection)
    table.records = _counted(table.records, total, progress, inspection)
    if check_header(check, table):
        _validate(check, table, error, progress)
    return inspection


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _version(cell: Any) -> int | None:
    try:
        number = int(float(str(cell).strip()))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _without_extras(table: Table, inspection: Inspection) -> Table:
    """The table without the export's extra columns; their versions go to ``inspection``."""
    header = table.header
    extra = [i for i, name in enumerate(header) if name in EXTRA_COLUMNS]
    if not extra:
        return table
    inspection.extra = [header[i] for i in extra]
    keep = [i for i in range(len(header)) if i not in extra]
    version_at = header.index("version") if "version" in header else None
    value_at = header.index("value") if "value" in header else None
    versions: dict[int, int | None] | None = {} if version_at is not None else None
    inspection.versions = versions

    def records() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in table.records:
            if versions is not None and version_at is not None:
                versions[number] = _version(cells[version_at]) if version_at < len(cells) else None
                if (
                    value_at is not None
                    and any(not _blank(c) for c in cells)
                    and (value_at >= len(cells) or _blank(cells[value_at]))
                ):
                    inspection.skipped += 1
                    yield number, []  # a template line nobody filled in: a blank line
                    continue
            yield number, [cells[i] for i in keep if i < len(cells)]

    return Table(table.format, [header[i] for i in keep], table.header_line, records())


def _counted(
    records: Iterator[tuple[int, list[Any]]], total: int, progress: Progress, inspection: Inspection
) -> Iterator[tuple[int, list[Any]]]:
    for count, record in enumerate(records, 1):
        if count % 1000 == 0:
            progress(count, max(total, count), "checking")
        inspection.rows_read = count
        yield record


def check_values(
    area_code: str, period: str, entered: Mapping[str, str], *, locale: str = "de"
) -> ImportCheck:
    """Validate values typed into the entry grid with the file's rules; writes nothing.

    Row ``n + 2`` of the result is the ``n``-th entry of ``entered`` (metric code → text), as
    if it were the ``n``-th data row of a file.
    """
    check = ImportCheck(filename="", locale=locale, format="grid", tenant_id=current_tenant_id())
    records = (
        (index + 2, [area_code, code, period, (value or "").strip()])
        for index, (code, value) in enumerate(entered.items())
    )
    _validate(check, Table("grid", list(COLUMNS), 1, records), _collector(check))
    return check


#: row errors after which reading stops (nobody fixes 300,000 messages; the page stays small)
MAX_ROW_ERRORS = 500
#: file problems after which the rows read so far are not checked across rows
STOPPING = ("over_limit", "too_many_errors")


def _collector(check: ImportCheck) -> Any:
    def error(row: int, column: str, key: str, /, **params: Any) -> None:
        check.errors.append(RowError(row, column, message(key, check.locale, **params)))

    return error


def _validate(
    check: ImportCheck, table: Table, error: Any, progress: Progress = _no_progress
) -> None:
    """Validate the records of a read table into ``check`` (each row, then across rows)."""
    metrics = load_metrics()
    areas = load_areas()
    parsed: list[Parsed] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, cells in table.records:
                if table.format == "xlsx" and len(cells) < len(table.header):
                    cells = cells + [None] * (len(table.header) - len(cells))
                item = validate_row(number, cells, table.header, check, metrics, areas, error)
                if item is not None:
                    parsed.append(item)
                if len(check.errors) >= MAX_ROW_ERRORS:
                    raise FileProblem(number, "too_many_errors", limit=MAX_ROW_ERRORS)
    except FileProblem as problem:
        error(problem.row, "-", problem.key, **problem.params)
        if problem.key in STOPPING:
            return  # the file was not read to its end: checks across rows would mislead
    except Exception as exc:  # noqa: BLE001 - never raise for bad input
        error(0, "-", "file_error", detail=type(exc).__name__)
    if not parsed and not check.errors:
        error(table.header_line + 1, "-", "no_data")
    progress(len(parsed), len(parsed), "comparing")
    try:
        check_file(check, parsed, metrics, error)
    except SQLAlchemyError:
        raise  # a database problem is not the file's fault
    except Exception as exc:  # noqa: BLE001 - never raise for bad input
        error(0, "-", "file_error", detail=type(exc).__name__)


def apply_import(check: ImportCheck, *, source: str = "import") -> int:
    """Write the created and updated values of a clean check; flushes, the caller commits.

    Returns the number of values written. Raises :class:`ValueError` for a check with errors,
    a check made for another tenant, or when the stored data changed since the check
    (another edit, or a period submitted meanwhile) — nothing is written then.
    """
    if not check.ok:
        raise ValueError(_("The import contains errors and is not applied."))
    if check.tenant_id is not None and check.tenant_id != current_tenant_id():
        raise ValueError(_("The check belongs to another municipality."))
    if not check.created and not check.updated:
        return 0
    source = (source or "import")[:40]

    pairs = {(r.area_id, r.period) for r in check.created}
    pairs |= {(u.area_id, u.period) for u in check.updated}
    if locked_area_periods(pairs):
        raise ValueError(_("A period was submitted or approved meanwhile."))

    existing: dict[int, FigureValue] = {}
    for ids in chunks(u.figure_id for u in check.updated):
        for figure in db.session.execute(
            select(FigureValue).where(FigureValue.id.in_(ids))
        ).scalars():
            existing[figure.id] = figure
    for update in check.updated:
        current = existing.get(update.figure_id)
        if current is None or current.value != update.old:
            raise ValueError(_("The values were changed since the check; please check again."))
    if check.created:
        stored = stored_values(
            {r.area_id for r in check.created},
            {r.metric_id for r in check.created},
            {r.period for r in check.created},
        )
        if any((r.area_id, r.metric_id, r.period) in stored for r in check.created):
            raise ValueError(_("The values were changed since the check; please check again."))

    for update in check.updated:
        figure = existing[update.figure_id]
        figure.value = update.new
        figure.source = source
    db.session.add_all(
        FigureValue(
            area_id=r.area_id, metric_id=r.metric_id, period=r.period, value=r.value, source=source
        )
        for r in check.created
    )
    db.session.flush()
    return len(check.created) + len(check.updated)


def find_conflicts(check: ImportCheck, versions: dict[int, int | None] | None) -> set[int]:
    """Rows that would overwrite a value changed in the system after the file's export.

    A row of an exported file carries the value's version then; a stored value with another
    version (or a value stored since, where the file had none) was changed by someone after
    the export. Only rows that change something can conflict; a file without a version
    column (typed by hand) has none.
    """
    if versions is None or not check.updated:
        return set()
    stored: dict[int, int] = {}
    for ids in chunks(u.figure_id for u in check.updated):
        stored.update(
            db.session.execute(
                select(FigureValue.id, FigureValue.version).where(FigureValue.id.in_(ids))
            ).all()
        )
    return {
        u.row
        for u in check.updated
        if versions.get(u.row) is None or stored.get(u.figure_id) != versions.get(u.row)
    }
