"""What an import would change, in names: the preview before "Übernehmen" and the summary after.

A check (:mod:`saas.figures.importer`) speaks in codes and ids; the people deciding speak in
areas, metrics and months. :func:`preview_of` turns a check and its conflicts into plain data
(kept with the import batch as JSON, so the preview page of a file checked in the background
needs no second check): the counts, the new values, the changed ones with old → new, the
conflicts, the warnings — each list bounded, the counts never. :func:`fingerprint` of every
planned change tells at "Übernehmen" whether the data moved since the preview.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date
from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import shared_or_own
from saas.figures.messages import lang_of
from saas.figures.validation import ImportCheck
from saas.metrics.models import Metric

#: rows listed per kind on the preview page (the counts cover every row)
LISTED = 500
#: conflicts listed one by one, each with its own choice; beyond, one choice for all
LISTED_CONFLICTS = 1000


def _names(locale: str) -> tuple[dict[int, str], dict[int, str]]:
    areas = dict(db.session.execute(select(Area.id, Area.name)).all())
    english = lang_of(locale) == "en"
    metrics = {
        id_: (en if english else de) or de
        for id_, de, en in db.session.execute(
            select(Metric.id, Metric.label_de, Metric.label_en).where(shared_or_own(Metric))
        ).all()
    }
    return areas, metrics


def fingerprint(check: ImportCheck) -> str:
    """A digest of every planned change (row, target, old → new)."""
    digest = hashlib.sha256()
    for r in check.created:
        digest.update(f"c|{r.row}|{r.area_id}|{r.metric_id}|{r.period}|{r.value!r}\n".encode())
    for u in check.updated:
        digest.update(f"u|{u.row}|{u.figure_id}|{u.old!r}|{u.new!r}\n".encode())
    return digest.hexdigest()


def preview_of(check: ImportCheck, conflicts: set[int], *, skipped: int = 0) -> dict[str, Any]:
    """The preview of a clean check as plain data (JSON), in the check's language."""
    areas, metrics = _names(check.locale)

    def item(row: int, area_id: int, metric_id: int, code: str, area: str, period: str) -> dict:
        return {
            "row": row,
            "area": area,
            "area_name": areas.get(area_id, area),
            "metric": code,
            "metric_name": metrics.get(metric_id, code),
            "period": period,
        }

    created = [
        {
            **item(r.row, r.area_id, r.metric_id, r.metric_code, r.area_code, r.period),
            "new": r.value,
        }
        for r in check.created[:LISTED]
    ]
    changed: list[dict[str, Any]] = []
    conflicting: list[dict[str, Any]] = []
    for u in check.updated:
        target = conflicting if u.row in conflicts else changed
        limit = LISTED_CONFLICTS if u.row in conflicts else LISTED
        if len(target) < limit:
            target.append(
                {
                    **item(u.row, u.area_id, u.metric_id, u.metric_code, u.area_code, u.period),
                    "old": u.old,
                    "new": u.new,
                }
            )
    return {
        "filename": check.filename,
        "format": check.format,
        "locale": check.locale,
        "counts": {
            "created": len(check.created),
            "updated": len(check.updated) - len(conflicts),
            "conflicts": len(conflicts),
            "unchanged": check.unchanged,
            "skipped": skipped,
            "warnings": len(check.warnings),
        },
        "created": created,
        "updated": changed,
        "conflicts": conflicting,
        "conflict_rows": sorted(conflicts),
        "warnings": [
            {"row": w.row, "column": w.column, "message": w.message}
            for w in check.warnings[:LISTED]
        ],
        "fingerprint": fingerprint(check),
    }


def errors_of(check: ImportCheck) -> dict[str, Any]:
    """The row/column report of a check with errors, as plain data (JSON)."""
    return {
        "filename": check.filename,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in check.errors],
        "summary": check.summary(),
    }


def summary_of(check: ImportCheck, *, kept: int, written: int) -> dict[str, Any]:
    """What was written, in names (the success page; never the check's objects).

    ``check`` holds the changes as written (conflicts left as they were removed already).
    """
    preview = preview_of(check, set())
    return {
        "written": written,
        "created": len(check.created),
        "updated": len(check.updated),
        "kept": kept,
        "unchanged": check.unchanged,
        "changes": preview["updated"],
        "new": preview["created"],
    }


def period_label(period: str, locale: str = "de") -> str:
    """ "2024-11" → "November 2024" (in the locale); a year stays as it is."""
    if len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit():
        month = int(period[5:])
        if 1 <= month <= 12:
            with force_locale(lang_of(locale)):
                return str(format_date(date(int(period[:4]), month, 1), "MMMM yyyy"))
    return period
