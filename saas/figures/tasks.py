"""The figures' background tasks: check a large file, apply it, export many values.

Each runs in a job (:mod:`saas.jobs.runner`) as the user who started it and calls the same
operations as the pages; the result tells the job page where to go on (the batch's preview,
report or summary) or names the file kept for download.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, url_for

from saas.core.uploads import DEFAULT_LIMITS, Limits
from saas.figures.exporter import MIMETYPES, Selection, export_figures
from saas.figures.services import apply_import_batch, check_import_batch, purge_import_batches
from saas.jobs.queue import keep_file, progress, task


def job_limits() -> Limits:
    """A job may read for most of its timeout (a request has 10 s); rows and sizes stay."""
    seconds = int(current_app.config.get("SAAS_JOB_TIMEOUT_SECONDS", 900))
    return replace(DEFAULT_LIMITS, max_seconds=max(DEFAULT_LIMITS.max_seconds, seconds * 0.6))


@task
def check_file(batch_id: int, locale: str = "de") -> dict[str, Any]:
    """Check a kept file; then its preview (or its row/column report) is shown."""
    purge_import_batches()
    batch = check_import_batch(batch_id, locale=locale, progress=progress, limits=job_limits())
    return {"redirect": url_for("figures.import_batch", batch_id=batch.id)}


@task
def apply_file(
    batch_id: int, choices: dict[int, str], choose_all: str, locale: str = "de"
) -> dict[str, Any]:
    """Write a previewed file with the user's choices; then its summary is shown."""
    apply_import_batch(
        batch_id,
        choices=choices,
        choose_all=choose_all,
        locale=locale,
        progress=progress,
        limits=job_limits(),
    )
    return {"redirect": url_for("figures.import_batch", batch_id=batch_id)}


@task
def export_file(
    fmt: str,
    area_ids: list[int] | None,
    metric_codes: list[str] | None,
    period_from: str,
    period_to: str,
    template: bool,
) -> dict[str, Any]:
    """Write an export and keep it for download."""
    selection = Selection(
        area_ids=frozenset(area_ids) if area_ids is not None else None,
        metric_codes=frozenset(metric_codes) if metric_codes is not None else None,
        period_from=period_from,
        period_to=period_to,
    )
    content = export_figures(fmt, selection, template=template, progress=progress)
    return keep_file(content, filename=f"kennzahlen.{fmt}", mimetype=MIMETYPES[fmt])
