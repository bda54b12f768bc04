"""The ring export as a background job (:mod:`saas.jobs`), for a comparison too large to be
written in the request (``SAAS_RING_EXPORT_JOB_CELLS``).

The job runs as the user who asked, in their tenant and language (:mod:`saas.jobs.runner`),
through the same operation as the page (:func:`saas.comparison.operations.compare`: the
permission and the participation are checked again), and keeps the file for download.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from saas.comparison import exports, operations
from saas.jobs.queue import keep_file, progress, task


@task
def export_ring(
    ring_id: int,
    codes: list[str],
    year_from: int | None,
    year_to: int | None,
    per_1000: bool,
    fmt: str,
) -> dict[str, Any]:
    """The ring's comparison as CSV or XLSX, exactly as the export endpoint writes it."""
    if fmt not in exports.FORMATS:
        raise ValueError(f"unknown export format: {fmt!r}")
    ring, comparison = operations.compare(ring_id, codes, (year_from, year_to), per_1000=per_1000)
    progress(0, 0, "writing", force=True)
    data = exports.export_comparison(comparison, fmt, str(get_locale() or "de"))
    return keep_file(data, filename=exports.filename(ring, fmt), mimetype=exports.MIMETYPES[fmt])
