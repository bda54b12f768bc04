"""Key figure operations: save the entry grid, import a file, confirm a file with warnings.

Every way in validates with the same rules (:mod:`saas.figures.validation`) and writes with
the same step (:func:`saas.figures.importer.apply_import`). Figures belong to their area
(``FigureValue.__scope__``): a member limited to offices or areas reaches only the areas in
its scope — elsewhere an area answers as if it did not exist (a row of a file naming it is an
"unknown area" error, and nothing of the file is written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, g
from sqlalchemy import select

from saas.areas.models import Area
from saas.core.audit import acting_user_id
from saas.core.db import db
from saas.core.operations import Conflict, operation
from saas.core.permissions import ensure_in_scope, scope_criteria
from saas.core.signals import figures_changed
from saas.core.tenancy import get_or_404
from saas.figures.grid import fingerprint, grid_rows
from saas.figures.importer import ImportCheck, apply_import, check_import, check_values
from saas.figures.models import FigureValue, ImportBatch
from saas.periods.services import is_editable


def visible_areas() -> Any:
    """A select of the areas the user may see, by code."""
    return select(Area).where(scope_criteria(Area)).order_by(Area.code)


def area_choices(*, include_archived: bool = False) -> list[tuple[int, str]]:
    """(id, "name (code)") of the areas in scope (archived ones only if asked)."""
    query = visible_areas()
    if not include_archived:
        query = query.where(Area.archived_at.is_(None))
    return [(area.id, str(area)) for area in db.session.execute(query).scalars()]


def load_area(area_id: int) -> Area:
    """One area of the tenant within the user's scope (404 otherwise)."""
    area = get_or_404(Area, area_id)
    ensure_in_scope(area)
    return area


def load_figure(figure_id: int) -> FigureValue:
    """One stored value within the user's scope (404 otherwise)."""
    figure = get_or_404(FigureValue, figure_id)
    ensure_in_scope(figure)
    return figure


def _apply(check: ImportCheck, source: str) -> int:
    """Write a clean check (every area in scope, else 404) and tell the listeners."""
    pairs = {(r.area_id, r.period) for r in check.created}
    pairs |= {(u.area_id, u.period) for u in check.updated}
    for area_id in {a for a, _ in pairs}:
        ensure_in_scope(area_id=area_id)
    try:
        written = apply_import(check, source=source)
    except ValueError as error:  # the data changed since the check
        raise Conflict(str(error)) from error
    if written:
        figures_changed.send(
            g.get("tenant"), periods={p for _, p in pairs}, area_ids={a for a, _ in pairs}
        )
    return written


@operation("figures.enter", scoped=True)
def save_figure_grid(
    area_id: int,
    period: str,
    entered: Mapping[str, str],
    *,
    started_from: str,
    confirmed: bool = False,
    locale: str = "de",
) -> ImportCheck:
    """Validate and save the values typed into one area's grid for one period.

    ``entered`` maps metric codes to the typed text (only the changed ones); ``started_from``
    is the grid's fingerprint when the user opened it. Raises :class:`Conflict` when someone
    saved figures of the page meanwhile, :class:`Invalid` when the period is locked. Returns
    the check: written when it has no errors and no warnings (or ``confirmed``).
    """
    area = load_area(area_id)
    if started_from != fingerprint(grid_rows(area.id, period)):
        raise Conflict("figures of this grid changed meanwhile")
    if not is_editable("area", area.id, period):
        abort(403)
    check = check_values(area.code, period, entered, locale=locale)
    if check.ok and (not check.warnings or confirmed):
        _apply(check, "manual")
    return check


@dataclass
class ImportOutcome:
    """What became of an uploaded file."""

    check: ImportCheck
    applied: bool = False
    #: the kept file when it has warnings and waits for the user's confirmation
    batch: ImportBatch | None = None


@operation("figures.enter", scoped=True)
def import_figures(
    filename: str, data: bytes, *, locale: str = "de", confirmed: bool = False
) -> ImportOutcome:
    """Check a figures file; write it when clean, keep it for confirmation when it warns.

    ``confirmed`` writes a file with warnings at once (the CLI, which shows them).
    """
    check = check_import(filename, data, locale=locale)
    if check.ok and (not check.warnings or confirmed):
        _apply(check, "import")
        return ImportOutcome(check, applied=True)
    if not check.ok:
        return ImportOutcome(check)
    batch = ImportBatch(
        filename=(filename or "")[:255],
        content=data,
        status="pending",
        created_by=acting_user_id(),
    )
    db.session.add(batch)
    db.session.flush()
    return ImportOutcome(check, batch=batch)


@operation("figures.enter", scoped=True)
def confirm_import(batch_id: int, *, locale: str = "de") -> ImportOutcome:
    """Write a file kept for confirmation (checked again: the data may have changed)."""
    batch = db.session.execute(
        select(ImportBatch).where(
            ImportBatch.id == batch_id,
            ImportBatch.status == "pending",
            ImportBatch.created_by == acting_user_id(),
        )
    ).scalar_one_or_none()
    if batch is None:
        abort(404)
    check = check_import(batch.filename, batch.content, locale=locale)
    if not check.ok:
        return ImportOutcome(check, batch=batch)
    _apply(check, "import")
    batch.status = "applied"
    batch.summary = check.summary(locale)
    db.session.flush()
    return ImportOutcome(check, applied=True, batch=batch)
