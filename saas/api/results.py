"""A report as the JSON API returns it: the tables the CSV export writes, cell by cell.

The tables are :meth:`SectionResult.tables` (the CSV's and XLSX's), every cell as
``{"value", "flag", "text"}`` where ``text`` is :func:`~saas.reports.result.format_cell`,
the CSV's text. Withheld cells come from the protected cube with no value
(:class:`~saas.reports.result.Cell`), so nothing here can give one back; the result's
``protection`` record (the cube cells and the figures behind them) is never written out.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from saas.reports.models import PublishedReport, ReportTemplate
from saas.reports.result import Cell, ReportResult, SectionResult, format_cell


def cell(item: Cell) -> dict[str, Any]:
    """One cell: its number (None when withheld or missing), its flag, its text."""
    if item.suppressed:
        return {"value": None, "flag": "–", "text": format_cell(item)}
    if item.value is None:  # not available, whatever flag the cell carries otherwise
        return {"value": None, "flag": ".", "text": format_cell(item)}
    return {
        "value": item.value,
        "flag": item.flag,
        "text": format_cell(item, grouping=False),
    }


def section(item: SectionResult) -> dict[str, Any]:
    return {
        "type": item.type,
        "title": item.title,
        "text": item.text,
        "tables": [
            {
                "caption": table.caption,
                "corner": table.corner,
                "columns": list(table.columns),
                "rows": [
                    {"label": row.label, "cells": [cell(c) for c in row.cells]}
                    for row in table.rows
                ],
            }
            for table in item.tables()
        ],
    }


def report(result: ReportResult) -> dict[str, Any]:
    """Everything a report shows, as the CSV export has it, without its protection record."""
    return {
        "title": result.title,
        "template": {
            "id": result.template_id,
            "code": result.template_code,
            "version": result.template_version,
            "local": result.local,
        },
        "tenant": result.tenant_slug,
        "first_year": result.first_year,
        "last_year": result.last_year,
        "level": result.level,
        "level_name": result.level_name,
        "locale": result.locale,
        "generated_at": result.generated_at,
        "approved": result.approved,
        "pending_years": list(result.pending_years),
        "sections": [section(s) for s in result.sections],
        "footnotes": list(result.footnotes),
        "legend": [{"flag": flag, "meaning": meaning} for flag, meaning in result.legend],
    }


def template(item: ReportTemplate) -> dict[str, Any]:
    return {
        "id": item.id,
        "code": item.code,
        "version": item.version,
        "title": item.title,
        "description": item.description or "",
        "local": item.is_local,
    }


def published_summary(item: PublishedReport) -> dict[str, Any]:
    params = item.params or {}
    return {
        "id": item.id,
        "title": item.title,
        "template_code": item.template_code,
        "template_version": item.template_version,
        "first_year": params.get("from"),
        "last_year": params.get("to"),
        "level": params.get("level"),
        "published_at": item.published_at.isoformat(),
        "url": url_for("api.published_report", report_id=item.id),
    }
