"""Key figure operations: save the entry grid; check, preview and apply an imported file.

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
from saas.core.imports import RowError
from saas.core.operations import Conflict, Invalid, operation
from saas.core.permissions import ensure_in_scope, scope_criteria
from saas.core.signals import figures_changed
from saas.core.tenancy import get_or_404
from saas.core.uploads import DEFAULT_LIMITS, Limits
from saas.figures.grid import fingerprint, grid_rows
from saas.figures.importer import (
    ImportCheck,
    Inspection,
    Progress,
    apply_import,
    check_values,
    find_conflicts,
    inspect_import,
)
from saas.figures.models import FigureValue, ImportBatch
from saas.figures.preview import errors_of, preview_of, summary_of
from saas.figures.preview import fingerprint as planned_changes
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


# -- file imports: check, preview, apply ---------------------------------------------------
#
# An uploaded file becomes an import batch of the uploading user: checked ("pending", with its
# preview in ``details``) or refused ("invalid", with its row/column report; the content is
# dropped). Nothing is written before :func:`apply_import_batch`, which checks the file again
# and refuses when anything moved since the preview. Unapplied batches expire after
# ``SAAS_IMPORT_BATCH_HOURS`` (:func:`purge_import_batches`).


@dataclass
class ImportOutcome:
    """What became of an uploaded file or of a confirmed batch."""

    check: ImportCheck
    applied: bool = False
    #: the batch: pending (the preview), invalid (the report) or applied (the summary)
    batch: ImportBatch | None = None
    #: the data moved since the preview: a new preview, nothing written
    changed: bool = False


def conflict_message(current: float, locale: str) -> str:
    """The row error of a value changed after the export (the CLI refuses such files)."""
    from flask_babel import force_locale, format_decimal
    from flask_babel import gettext as _

    from saas.figures.messages import lang_of

    with force_locale(lang_of(locale)):
        return str(
            _(
                "The value was changed in the system after the file was exported (now "
                "%(current)s); it is not overwritten.",
                current=format_decimal(current),
            )
        )


@operation("figures.enter", scoped=True)
def import_figures(
    filename: str, data: bytes, *, locale: str = "de", overwrite_conflicts: bool = False
) -> ImportOutcome:
    """Check a figures file and write it at once when every row is valid (the CLI).

    Warnings are no obstacle (the CLI prints them). A row that would overwrite a value
    changed after the file's export is an error unless ``overwrite_conflicts``.
    """
    inspection = inspect_import(filename, data, locale=locale)
    check = inspection.check
    if check.ok and not overwrite_conflicts:
        conflicts = find_conflicts(check, inspection.versions)
        for update in check.updated:
            if update.row in conflicts:
                check.errors.append(
                    RowError(update.row, "value", conflict_message(update.old, locale))
                )
    if not check.ok:
        return ImportOutcome(check)
    _apply(check, "import")
    return ImportOutcome(check, applied=True)


def _new_batch(filename: str, data: bytes, status: str) -> ImportBatch:
    batch = ImportBatch(
        filename=(filename or "")[:255],
        content=data,
        status=status,
        created_by=acting_user_id(),
        details={},
    )
    db.session.add(batch)
    return batch


def _record_check(batch: ImportBatch, inspection: Inspection) -> None:
    check = inspection.check
    if not check.ok:
        batch.status, batch.content, batch.details = "invalid", b"", errors_of(check)
        return
    conflicts = find_conflicts(check, inspection.versions)
    batch.status = "pending"
    batch.details = preview_of(check, conflicts, skipped=inspection.skipped)
    batch.summary = check.summary(check.locale)


@operation("figures.enter", scoped=True)
def check_upload(
    filename: str, data: bytes, *, locale: str = "de", progress: Progress | None = None
) -> ImportOutcome:
    """Check a file in the request; a clean one is kept with its preview, nothing written."""
    inspection = inspect_import(filename, data, locale=locale, progress=progress)
    if not inspection.check.ok:
        return ImportOutcome(inspection.check)
    batch = _new_batch(filename, data, "pending")
    _record_check(batch, inspection)
    db.session.flush()
    return ImportOutcome(inspection.check, batch=batch)


@operation("figures.enter", scoped=True)
def receive_upload(filename: str, data: bytes) -> ImportBatch:
    """Keep a large file to be checked by a background job (:func:`check_import_batch`)."""
    batch = _new_batch(filename, data, "queued")
    db.session.flush()
    return batch


def _expiry() -> Any:
    from datetime import timedelta

    from flask import current_app

    from saas.core.db import utcnow

    return utcnow() - timedelta(hours=int(current_app.config.get("SAAS_IMPORT_BATCH_HOURS", 24)))


def own_batch(batch_id: int, *statuses: str) -> ImportBatch:
    """An import batch of the acting user in this tenant, not expired (404 otherwise)."""
    query = select(ImportBatch).where(
        ImportBatch.id == batch_id, ImportBatch.created_by == acting_user_id()
    )
    if statuses:
        query = query.where(ImportBatch.status.in_(statuses))
    batch = db.session.execute(query).scalar_one_or_none()
    if batch is None or (batch.status != "applied" and _aware(batch.created_at) < _expiry()):
        abort(404)
    return batch


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@operation("figures.enter", scoped=True)
def check_import_batch(
    batch_id: int,
    *,
    locale: str = "de",
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportBatch:
    """Check a kept file (a background job): its preview, or its row/column report."""
    batch = own_batch(batch_id, "queued")
    inspection = inspect_import(
        batch.filename, batch.content, locale=locale, progress=progress, limits=limits
    )
    _record_check(batch, inspection)
    db.session.flush()
    return batch


CHOICES = ("file", "keep")


@operation("figures.enter", scoped=True)
def apply_import_batch(
    batch_id: int,
    *,
    choices: Mapping[int, str] | None = None,
    choose_all: str = "",
    locale: str = "de",
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Write a previewed file ("Übernehmen"), resolving each conflict as the user chose.

    ``choices`` maps a conflicting row to ``"file"`` (take the file's value) or ``"keep"``
    (keep the value in the system); ``choose_all`` decides the rows without a choice of their
    own. Raises :class:`Invalid` when a conflict is left undecided. When the stored data moved
    since the preview (new conflicts, other old values, a period approved meanwhile) nothing
    is written: the batch gets a new preview (``changed``) or its report.
    """
    from flask_babel import gettext as _

    batch = own_batch(batch_id, "pending")
    inspection = inspect_import(
        batch.filename, batch.content, locale=locale, progress=progress, limits=limits
    )
    check = inspection.check
    conflicts = find_conflicts(check, inspection.versions) if check.ok else set()
    previewed = batch.details or {}
    if (
        not check.ok
        or planned_changes(check) != previewed.get("fingerprint")
        or conflicts != set(previewed.get("conflict_rows", ()))
    ):
        _record_check(batch, inspection)
        db.session.flush()
        return ImportOutcome(check, batch=batch, changed=check.ok)
    choices = choices or {}
    decided = {row: choices.get(row) or choose_all for row in conflicts}
    if any(choice not in CHOICES for choice in decided.values()):
        raise Invalid(
            _(
                "Please decide for every conflict: keep the value in the system or take the "
                "value of the file."
            )
        )
    kept = [u for u in check.updated if decided.get(u.row) == "keep"]
    check.updated = [u for u in check.updated if decided.get(u.row) != "keep"]
    if progress is not None:
        progress(0, len(check.created) + len(check.updated), "saving")
    written = _apply(check, "import")
    batch.status, batch.content = "applied", b""
    batch.summary = check.summary(locale)
    batch.details = {**previewed, "applied": summary_of(check, kept=len(kept), written=written)}
    db.session.flush()
    return ImportOutcome(check, applied=True, batch=batch)


@operation("figures.enter")
def purge_import_batches() -> int:
    """Delete this tenant's unapplied import batches older than ``SAAS_IMPORT_BATCH_HOURS``.

    Their files are social data nobody confirmed: kept no longer than needed. Applied batches
    keep their summary (their content was dropped when they were applied).
    """
    expired = list(
        db.session.execute(
            select(ImportBatch).where(
                ImportBatch.status != "applied", ImportBatch.created_at < _expiry()
            )
        ).scalars()
    )
    for batch in expired:
        db.session.delete(batch)
    db.session.flush()
    return len(expired)
