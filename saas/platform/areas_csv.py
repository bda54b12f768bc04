"""Import areas from a CSV file (code, name, level, parent_code, population) — all or nothing.

The file's ``level`` column is matched against the tenant's existing levels (by code, name or
plural, ignoring case). A level the tenant does not have yet is never made up: the import stops
and asks (:class:`LevelQuestion`) what it is — one of the existing levels under another word,
or a new level with its name, its plural and its place in the hierarchy. Population figures
need a reference date, from the row or from the form; without one the import asks for it
rather than taking today.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.core.db import db
from saas.core.imports import RowError
from saas.core.text import control_character

REQUIRED = ("code", "name", "level")
OPTIONAL = ("parent_code", "population", "population_date", "under_18", "under_21")


@dataclass(frozen=True)
class NewLevel:
    """The answer for a level word of the file: a new level (``existing`` empty) or one of
    the tenant's levels under another word (``existing``: its code)."""

    existing: str = ""
    name: str = ""
    plural: str = ""
    below: str = ""  # code of the level above the new one; "" for a top level


@dataclass(frozen=True)
class LevelQuestion:
    """A level word of the file the tenant has no level for, and what the file tells of it."""

    word: str
    rows: int
    below: str  # the code of the existing level its areas' parents are on ("" if none/unknown)


@dataclass
class AreaImport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    questions: list[LevelQuestion] = field(default_factory=list)
    needs_date: bool = False

    @property
    def pending(self) -> bool:
        """Nothing was written: there are errors or questions to answer first."""
        return bool(self.errors or self.questions or self.needs_date)


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


def _day(text: str) -> date | None:
    """A date written as 31.12.2023 or 2023-12-31."""
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _find_level(levels: dict[str, AreaLevel], word: str) -> AreaLevel | None:
    key = word.strip().lower()
    for level in levels.values():
        if key in (level.code.lower(), level.name.lower(), (level.plural or "").lower()):
            return level
    return None


def _level_code(name: str, taken: set[str]) -> str:
    base = "-".join(name.lower().split())[:55] or "ebene"
    code, number = base, 2
    while code in taken:
        code, number = f"{base}-{number}", number + 1
    return code


def import_areas_csv(
    data: bytes,
    *,
    reference_date: date | None = None,
    answers: dict[str, NewLevel] | None = None,
) -> AreaImport:
    """Validate every row first; write only when all rows are valid, every level word of the
    file is known or answered (``answers``: word → :class:`NewLevel`) and every population
    figure has a reference date."""
    answers = answers or {}
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
            when = _day(row["population_date"])
            if when is None:
                result.errors.append(
                    RowError(number, "population_date", _("a date like 31.12.2023 is expected"))
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
    result.needs_date = any(r[8] is None and any(v is not None for v in r[5:8]) for r in rows)
    level_of = _resolve_levels(rows, levels, answers, result)
    if result.pending:
        return result
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
        area = Area(
            code=code,
            name=name,
            level_id=level_of[level_key.lower()].id,
            parent_id=by_code[parent].id if parent else None,
        )
        db.session.add(area)
        db.session.flush()
        by_code[code] = area
        if population is not None or u18 is not None or u21 is not None:
            db.session.add(
                AreaPopulation(
                    area_id=area.id,
                    reference_date=when,
                    total=population,
                    under_18=u18,
                    under_21=u21,
                    source=_("CSV import"),
                )
            )
        result.created += 1
    return result


def _resolve_levels(
    rows: list[tuple[Any, ...]],
    levels: dict[str, AreaLevel],
    answers: dict[str, NewLevel],
    result: AreaImport,
) -> dict[str, AreaLevel]:
    """The level of every level word of the file (lower case): an existing one, or one the
    answers create. Words without a usable answer become :attr:`AreaImport.questions`, and
    then nothing is created."""
    resolved: dict[str, AreaLevel] = {}
    unknown: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        level = _find_level(levels, row[3])
        if level is not None:
            resolved[row[3].lower()] = level
        else:
            unknown.setdefault(row[3], []).append(row)
    file_level = {r[1]: r[3] for r in rows}
    stored = {a.code: a.level.code for a in db.session.execute(select(Area)).unique().scalars()}
    for word, its_rows in unknown.items():
        answer = answers.get(word)
        if answer is not None and (
            answer.existing in levels
            or (not answer.existing and answer.name.strip() and answer.plural.strip())
        ):
            continue
        above = set()
        for row in its_rows:
            if row[4]:
                known = _find_level(levels, file_level.get(row[4], ""))
                above.add(stored.get(row[4]) or (known.code if known else file_level[row[4]]))
        result.questions.append(
            LevelQuestion(word, len(its_rows), above.pop() if len(above) == 1 else "")
        )
    order: list[str] = []
    pending = [word for word in unknown if not result.pending]  # else nothing is written
    while pending:  # a new level below another new level of the file comes after it
        waiting = {w.lower() for w in pending}
        ready = [w for w in pending if answers[w].below.lower() not in waiting - {w.lower()}]
        if not ready:  # new levels below each other in a circle: ask again
            result.questions += [LevelQuestion(w, len(unknown[w]), "") for w in pending]
            return resolved
        order += ready
        pending = [w for w in pending if w not in ready]
    for word in order if not result.pending else []:
        answer = answers[word]
        if answer.existing:
            resolved[word.lower()] = levels[answer.existing]
        else:
            resolved[word.lower()] = _new_level(levels, answer, resolved)
    return resolved


def _new_level(
    levels: dict[str, AreaLevel], answer: NewLevel, resolved: dict[str, AreaLevel]
) -> AreaLevel:
    """A new level directly below ``answer.below`` — an existing level's code or another
    new level's word — or on top, in that level's hierarchy; the levels under it move one
    place down."""
    above = levels.get(answer.below) or resolved.get(answer.below.lower())
    hierarchy = above.hierarchy if above is not None else "main"
    position = above.position + 1 if above is not None else 1
    for level in levels.values():
        if level.hierarchy == hierarchy and level.position >= position:
            level.position += 1
    level = AreaLevel(
        code=_level_code(answer.name, set(levels)),
        name=answer.name.strip(),
        plural=answer.plural.strip(),
        hierarchy=hierarchy,
        position=position,
    )
    db.session.add(level)
    db.session.flush()
    levels[level.code] = level
    return level
