"""Import areas from a CSV file (code, name, level, parent_code, population) — all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.core.db import db
from saas.core.imports import RowError
from saas.core.text import control_character

REQUIRED = ("code", "name", "level")
OPTIONAL = ("parent_code", "population", "population_date", "under_18", "under_21")


@dataclass
class AreaImport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _count(value: str, row: int, column: str, errors: list[RowError]) -> int | None:
    value = value.strip().replace(".", "") if value else ""
    if not value:
        return None
    if not value.isdigit():
        errors.append(RowError(row, column, _("a whole number of 0 or more is expected")))
        return None
    return int(value)


def import_areas_csv(data: bytes, *, reference_date: date | None = None) -> AreaImport:
    """Validate every row first; write only when all rows are valid."""
    result = AreaImport()
    text = _decode(data)
    if text is None:
        result.errors.append(RowError(0, "-", _("the file is not UTF-8 encoded text")))
        return result
    if not text.strip():
        result.errors.append(RowError(0, "-", _("the file is empty")))
        return result
    dialect = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        result.errors.append(RowError(1, ", ".join(missing), _("required column is missing")))
        return result
    levels = {lvl.code: lvl for lvl in db.session.execute(select(AreaLevel)).scalars()}
    levels_by_name = {lvl.name.lower(): lvl for lvl in levels.values()}
    existing = {a.code for a in db.session.execute(select(Area)).unique().scalars()}
    rows = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        for column in ("code", "name", "level", "parent_code"):
            found = control_character(row.get(column, ""))
            if found is not None:
                result.errors.append(
                    RowError(
                        number,
                        column,
                        _(
                            "control characters such as line breaks or tabs (%(char)s) "
                            "are not allowed",
                            char=found,
                        ),
                    )
                )
        code, name, level = row.get("code", ""), row.get("name", ""), row.get("level", "")
        if not code:
            result.errors.append(RowError(number, "code", _("must not be empty")))
        elif code in seen:
            result.errors.append(
                RowError(number, "code", _("code %(code)s appears twice", code=code))
            )
        elif code in existing:
            result.errors.append(
                RowError(number, "code", _("code %(code)s already exists", code=code))
            )
        seen.add(code)
        if not name:
            result.errors.append(RowError(number, "name", _("must not be empty")))
        if not level:
            result.errors.append(RowError(number, "level", _("must not be empty")))
        parent = row.get("parent_code", "")
        population = _count(row.get("population", ""), number, "population", result.errors)
        under_18 = _count(row.get("under_18", ""), number, "under_18", result.errors)
        under_21 = _count(row.get("under_21", ""), number, "under_21", result.errors)
        when = reference_date
        if row.get("population_date"):
            try:
                when = date.fromisoformat(row["population_date"])
            except ValueError:
                result.errors.append(
                    RowError(number, "population_date", _("a date like 2023-12-31 is expected"))
                )
        rows.append((number, code, name, level, parent, population, under_18, under_21, when))
    all_codes = seen | existing
    for number, _code, _name, _level, parent, *_rest in rows:
        if parent and parent not in all_codes:
            result.errors.append(
                RowError(number, "parent_code", _("unknown area code %(code)s", code=parent))
            )
    if not rows and not result.errors:
        result.errors.append(RowError(1, "-", _("the file has no data rows")))
    if result.errors:
        return result
    # All rows are valid: create missing levels in order of appearance, then areas.
    next_position = max((lvl.position for lvl in levels.values()), default=0) + 1
    by_code = {a.code: a for a in db.session.execute(select(Area)).unique().scalars()}
    pending = list(rows)
    ordered: list[tuple[Any, ...]] = []
    while pending:  # parents before children, whatever the order in the file
        ready = [
            r for r in pending if not r[4] or r[4] in by_code or r[4] in {o[1] for o in ordered}
        ]
        if not ready:
            for r in pending:
                result.errors.append(RowError(r[0], "parent_code", _("circular parent codes")))
            return result
        ordered.extend(ready)
        pending = [r for r in pending if r not in ready]
    for _number, code, name, level_key, parent, population, u18, u21, when in ordered:
        level = levels.get(level_key) or levels_by_name.get(level_key.lower())
        if level is None:
            level = AreaLevel(
                code=level_key.lower().replace(" ", "-")[:60],
                name=level_key,
                plural=level_key,
                hierarchy="main",
                position=next_position,
            )
            next_position += 1
            db.session.add(level)
            db.session.flush()
            levels[level_key] = level
        area = Area(
            code=code,
            name=name,
            level_id=level.id,
            parent_id=by_code[parent].id if parent else None,
        )
        db.session.add(area)
        db.session.flush()
        by_code[code] = area
        if population is not None or u18 is not None or u21 is not None:
            db.session.add(
                AreaPopulation(
                    area_id=area.id,
                    reference_date=when or date.today(),
                    total=population,
                    under_18=u18,
                    under_21=u21,
                    source=_("CSV import"),
                )
            )
        result.created += 1
    return result
