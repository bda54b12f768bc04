"""Report downloads as background jobs: the PDF, XLSX (and further) files of a report.

Rendering a report with its charts can take longer than a request should; the download
endpoints queue these tasks when jobs are on (:mod:`saas.jobs`). Each runs as the user who
asked, through the same loading and operations as the endpoint, and keeps the file for
download.
"""

from __future__ import annotations

from typing import Any

from saas.core.permissions import ensure_unscoped
from saas.core.tenancy import get_or_404
from saas.jobs.queue import keep_file, progress, task
from saas.reports import operations, store
from saas.reports.document import Document
from saas.reports.exports import MIMETYPES, filename, render
from saas.reports.models import PublishedReport
from saas.reports.result import ReportResult


def _keep(report: ReportResult | Document, fmt: str) -> dict[str, Any]:
    progress(0, 0, "writing", force=True)
    result = report.result if isinstance(report, Document) else report
    return keep_file(render(report, fmt), filename=filename(result, fmt), mimetype=MIMETYPES[fmt])


@task
def export_run(template_id: int, first: int, last: int, level: str | None, fmt: str) -> dict:
    """A report run on the current data, as a file."""
    ensure_unscoped()
    template = store.visible_template(template_id)
    return _keep(operations.run(template, first, last, level), fmt)


@task
def export_published(report_id: int, fmt: str) -> dict:
    """A published snapshot, as a file."""
    ensure_unscoped()
    report = get_or_404(PublishedReport, report_id)
    commentary = operations.commentary_of(report.id)
    document = Document(
        ReportResult.from_dict(report.snapshot),
        commentary.texts() if commentary else {},
        report.published_at,
    )
    return _keep(document, fmt)
