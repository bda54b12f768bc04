"""Read and validate a profile folder (or uploaded files) into a :class:`Profile`.

Every problem becomes an :class:`Issue` naming file, line and key, e.g.::

    areas.yaml:17: areas[3].parent: unbekannter übergeordneter Gebietscode "99x"

YAML is parsed in ruamel's round-trip mode, which keeps the line of every key and list item;
the data is then copied into plain Python values (no ruamel subclasses reach pydantic) along
with a map from key paths to lines. All issues of all files are collected before raising.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, get_args, get_origin

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from saas.config import ROOT
from saas.core.uploads import UploadRefused, check_yaml, describe
from saas.offerings.schedule import parse_schedule
from saas.profiles.schema import (
    BASE_MODELS,
    FILE_MODELS,
    PROFILE_FILES,
    AreasFile,
    BaseProfile,
    CarriersFile,
    OfferingsFile,
    OfficesFile,
    PrinciplesFile,
    Profile,
    RolesFile,
    SettingsFile,
    TeamsFile,
    TenantFile,
    check_setting,
)

Path_ = tuple[str | int, ...]


def tenants_dir() -> Path:
    return ROOT / "tenants"


def base_dir() -> Path:
    """``tenants/_base``: defaults every tenant extends."""
    return tenants_dir() / "_base"


def template_dir() -> Path:
    """``tenants/_template``: the starting point for a new municipality."""
    return tenants_dir() / "_template"


# -- issues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One problem of a profile: where it is and what is wrong (in the user's language)."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ProfileError(Exception):
    """A profile cannot be loaded or applied; ``issues`` says why, one line each."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = list(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


def format_key(path: Iterable[str | int]) -> str:
    """``("areas", 3, "parent")`` → ``areas[3].parent``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# -- YAML with positions -----------------------------------------------------------------


@dataclass
class Source:
    """One parsed YAML file: plain data plus the line of every key path."""

    name: str
    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _plain(node: Any, path: Path_, lines: dict[Path_, int]) -> Any:
    """Copy ruamel's round-trip objects into plain values, recording lines (1-based)."""
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            plain_key = _plain(key, (), {})
            child = (*path, plain_key)
            try:
                lines[child] = node.lc.key(key)[0] + 1
            except (KeyError, TypeError):
                lines[child] = lines.get(path, 1)
            out[plain_key] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                lines[child] = node.lc.item(index)[0] + 1
            except (KeyError, TypeError, IndexError):
                lines[child] = lines.get(path, 1)
            items.append(_plain(value, child, lines))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, date):
        return node
    if isinstance(node, Mapping):  # pragma: no cover - rt mode always gives CommentedMap
        return {k: _plain(v, (*path, k), lines) for k, v in node.items()}
    return node


def parse_yaml(name: str, raw: bytes | str) -> tuple[Source | None, list[Issue]]:
    """Decode and parse one file; returns the source or the issues that stopped it."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return None, [
                Issue(
                    name,
                    line,
                    "",
                    _(
                        "file is not UTF-8 encoded (byte 0x%(byte)s); please save it as UTF-8",
                        byte=f"{raw[exc.start]:02x}",
                    ),
                )
            ]
    else:
        text = raw
    try:
        # before loading: aliases and depth are bounded on the event stream, which never
        # expands an alias (a 2 KB alias bomb would otherwise take gigabytes)
        check_yaml(text)
    except UploadRefused as refused:
        return None, [Issue(name, refused.params.get("line"), "", describe(refused))]
    except YAMLError:
        pass  # a syntax error: reported with its line by the loader below
    yaml = YAML(typ="rt")
    try:
        document = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        found = re.search(r'duplicate key "(.*?)"', exc.problem or "")
        key = found.group(1) if found else "?"
        return None, [
            Issue(
                name,
                mark.line + 1 if mark is not None else None,
                "",
                _('YAML error: key "%(key)s" twice in the same section', key=key),
            )
        ]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or _("invalid YAML")
        return None, [Issue(name, at, "", _("YAML syntax error: %(problem)s", problem=problem))]
    except YAMLError as exc:
        return None, [Issue(name, None, "", _("YAML syntax error: %(problem)s", problem=exc))]
    source = Source(name, lines={(): 1})
    source.data = _plain(document, (), source.lines)
    if source.data is None:
        source.data = {}
    return source, []


# -- pydantic errors in the user's language ----------------------------------------------

_MAPPING_EXPECTED = _l("section (key: value) expected")
_MESSAGES = {
    "missing": _l("required entry is missing"),
    "string_type": _l("text expected"),
    "int_type": _l("whole number expected"),
    "int_from_float": _l("whole number expected"),
    "float_type": _l("number expected"),
    "bool_type": _l("true or false expected"),
    "list_type": _l("list expected"),
    "dict_type": _MAPPING_EXPECTED,
    "model_type": _MAPPING_EXPECTED,
    "model_attributes_type": _MAPPING_EXPECTED,
    "invalid_key": _l("key must be text"),
    "date_type": _l("date expected (YYYY-MM-DD or YYYY-MM)"),
}


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Annotated / Optional / list / dict."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    out = []
    for arg in get_args(annotation):
        if isinstance(arg, type) or get_origin(arg) is not None:
            out.extend(_unwrap(arg))
    return out


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose fields are expected at ``loc`` (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        candidates = [
            t for t in _unwrap(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)
        ]
        current = candidates[0] if candidates else None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _message(error: Any, model: type[BaseModel]) -> str:
    """The message of one pydantic error (our own validators already speak the language)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"])
    if "url" not in error:  # a PydanticCustomError raised by saas.profiles.schema
        return str(error["msg"])
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        key = str(loc[-1])
        if owner is None:
            return _('unknown key "%(key)s"', key=key)
        known = list(owner.model_fields)
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            return _('unknown key "%(key)s" (did you mean "%(close)s"?)', key=key, close=close[0])
        return _('unknown key "%(key)s"; allowed: %(known)s', key=key, known=", ".join(known))
    if kind == "string_too_short":
        return _("must not be empty")
    if kind == "string_too_long":
        return _("too long (at most %(max)s characters)", max=ctx.get("max_length"))
    if kind in ("greater_than_equal", "greater_than"):
        return _("value must be at least %(min)s", min=ctx.get("ge", ctx.get("gt")))
    return str(_MESSAGES.get(kind, error["msg"]))


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's markers such as ``[key]`` from an error location."""
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("[")))


def validate_source(source: Source, model: type[BaseModel]) -> tuple[Any, list[Issue]]:
    if not isinstance(source.data, dict):
        return None, [Issue(source.name, 1, "", str(_MAPPING_EXPECTED))]
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = _clean_loc(tuple(error["loc"]))
            issues.append(
                Issue(source.name, source.line(loc), format_key(loc), _message(error, model))
            )
        return None, issues


# -- loading -----------------------------------------------------------------------------


def _default_base(path: Path) -> Path:
    """A profile's ``_base``: its sibling folder if there is one, else ``tenants/_base``."""
    sibling = path.resolve().parent / "_base"
    return sibling if sibling.is_dir() else base_dir()


def _read_folder(path: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(path.iterdir())
        if p.is_file() and p.suffix in (".yaml", ".yml")
    }


def load_base(path: Path | None = None) -> BaseProfile:
    """Read ``_base`` (settings, default principles, roles); raises :class:`ProfileError`."""
    base, issues = _load_base(Path(path) if path is not None else base_dir())
    if issues:
        raise ProfileError(issues)
    return base


def _load_base(path: Path) -> tuple[BaseProfile, list[Issue]]:
    base = BaseProfile()
    issues: list[Issue] = []
    if not path.is_dir():
        return base, issues
    for name, model in BASE_MODELS.items():
        file = path / name
        if not file.is_file():
            continue
        source, problems = parse_yaml(f"_base/{name}", file.read_bytes())
        issues += problems
        if source is None:
            continue
        parsed, problems = validate_source(source, model)
        issues += problems
        if parsed is None:
            continue
        if isinstance(parsed, SettingsFile):
            issues += _check_setting_definitions(source, parsed)
            base.settings = dict(parsed.settings)
        elif isinstance(parsed, PrinciplesFile):
            issues += _duplicates(source, ("principles",), [p.code for p in parsed.principles])
            base.principles = list(parsed.principles)
        elif isinstance(parsed, RolesFile):
            base.roles = dict(parsed.roles)
    return base, issues


def _check_setting_definitions(source: Source, parsed: SettingsFile) -> list[Issue]:
    """Defaults and choices of ``_base/settings.yaml`` must have the declared type."""
    issues = []
    for key, definition in parsed.settings.items():
        checks: list[tuple[Path_, Any, Any]] = [
            (
                ("settings", key, "choices", index),
                choice,
                definition.model_copy(update={"choices": None}),
            )
            for index, choice in enumerate(definition.choices or [])
        ]
        checks.append((("settings", key, "default"), definition.default, definition))
        for loc, value, rule in checks:
            _value, message = check_setting(rule, value)
            if message:
                issues.append(Issue(source.name, source.line(loc), format_key(loc), message))
    return issues


def load_profile(path: Path, *, base: Path | None = None) -> Profile:
    """Load and validate the profile folder ``path``; raises :class:`ProfileError`.

    ``base`` is the ``_base`` folder; by default the profile's sibling ``_base`` folder if
    there is one (``tenants/marl`` → ``tenants/_base``), else ``tenants/_base``.
    """
    path = Path(path)
    if not path.is_dir():
        raise ProfileError([Issue(str(path), None, "", _("profile folder not found"))])
    return _load(_read_folder(path), str(path), base if base is not None else _default_base(path))


def load_profile_files(
    files: Mapping[str, str | bytes], origin: str, *, base: Path | None = None
) -> Profile:
    """Load and validate a profile given as file name → YAML text (a web upload)."""
    by_name: dict[str, str | bytes] = {}
    issues = []
    for name, content in files.items():
        short = PurePosixPath(name.replace("\\", "/")).name
        if short in by_name:
            issues.append(Issue(short, None, "", _("file uploaded twice")))
        by_name[short] = content
    if issues:
        raise ProfileError(issues)
    return _load(by_name, origin, base if base is not None else base_dir())


def _duplicates(source: Source, prefix: Path_, codes: list[str], key: str = "code") -> list[Issue]:
    """Issues for every repeated value in ``codes`` (the ``key`` of the list at ``prefix``)."""
    seen: dict[str, int] = {}
    issues = []
    for index, code in enumerate(codes):
        loc = (*prefix, index, key)
        if code in seen:
            first = source.line((*prefix, seen[code], key))
            if key == "name" and first:
                message = _(
                    'name "%(code)s" used twice (first in line %(first)s)', code=code, first=first
                )
            elif key == "name":
                message = _('name "%(code)s" used twice', code=code)
            elif first:
                message = _(
                    'code "%(code)s" used twice (first in line %(first)s)', code=code, first=first
                )
            else:
                message = _('code "%(code)s" used twice', code=code)
            issues.append(Issue(source.name, source.line(loc), format_key(loc), message))
        else:
            seen[code] = index
    return issues


def _load(files: Mapping[str, str | bytes], origin: str, base_path: Path) -> Profile:
    issues: list[Issue] = []
    for name in files:
        if name not in PROFILE_FILES:
            issues.append(
                Issue(
                    name,
                    None,
                    "",
                    _("unknown file; allowed: %(files)s", files=", ".join(PROFILE_FILES)),
                )
            )
    if "tenant.yaml" not in files:
        issues.append(Issue("tenant.yaml", None, "", _("file missing (tenant.yaml is required)")))

    base, base_issues = _load_base(base_path)
    issues += base_issues

    sources: dict[str, Source] = {}
    parsed: dict[str, Any] = {}
    for name in PROFILE_FILES:
        if name not in files:
            continue
        source, problems = parse_yaml(name, files[name])
        issues += problems
        if source is None:
            continue
        sources[name] = source
        model, problems = validate_source(source, FILE_MODELS[name])
        issues += problems
        if model is not None:
            parsed[name] = model

    def empty(name: str) -> Any:
        return FILE_MODELS[name]() if name not in files else None

    tenant: TenantFile | None = parsed.get("tenant.yaml")
    areas: AreasFile | None = parsed.get("areas.yaml", empty("areas.yaml"))
    carriers: CarriersFile | None = parsed.get("carriers.yaml", empty("carriers.yaml"))
    offices: OfficesFile | None = parsed.get("offices.yaml", empty("offices.yaml"))
    teams: TeamsFile | None = parsed.get("teams.yaml", empty("teams.yaml"))
    offerings: OfferingsFile | None = parsed.get("offerings.yaml", empty("offerings.yaml"))
    principles_inherited = "principles.yaml" not in files
    principles: PrinciplesFile | None
    if principles_inherited:
        principles = PrinciplesFile(principles=list(base.principles))
        principles_file = "_base/principles.yaml"
    else:
        principles = parsed.get("principles.yaml")
        principles_file = "principles.yaml"

    checker = _CrossChecker(sources, base, principles_file)
    if tenant is not None:
        checker.tenant(tenant)
    if areas is not None:
        checker.areas(areas)
    if carriers is not None:
        checker.carriers(carriers)
    if principles is not None and not principles_inherited:
        checker.principles(principles)
    if offices is not None:
        checker.offices(offices, areas, carriers)
    if teams is not None:
        checker.teams(teams, offices, carriers)
    if offerings is not None:
        checker.offerings(offerings, offices, carriers, principles)
    issues += checker.issues

    if issues or tenant is None:
        raise ProfileError(issues)
    if (  # pragma: no cover - a missing file is an issue above
        areas is None
        or carriers is None
        or offices is None
        or teams is None
        or principles is None
        or offerings is None
    ):
        raise ProfileError(issues)
    return Profile(
        origin=origin,
        tenant=tenant.model_copy(update={"settings": checker.settings}),
        levels=list(areas.levels),
        areas=list(areas.areas),
        carriers=list(carriers.carriers),
        offices=list(offices.offices),
        teams=list(teams.teams),
        principles=list(principles.principles),
        offerings=list(offerings.offerings),
        principles_inherited=principles_inherited,
        base=base,
        files=tuple(name for name in PROFILE_FILES if name in files),
    )


class _CrossChecker:
    """Checks across records and files; collects issues."""

    def __init__(self, sources: dict[str, Source], base: BaseProfile, principles_file: str):
        self.sources = sources
        self.base = base
        self.principles_file = principles_file
        self.issues: list[Issue] = []
        self.settings: dict[str, Any] = {}

    def add(self, file: str, loc: Path_, message: str) -> None:
        source = self.sources.get(file)
        line = source.line(loc) if source is not None else None
        self.issues.append(Issue(file, line, format_key(loc), message))

    def dupes(self, file: str, prefix: Path_, codes: list[str], key: str = "code") -> None:
        source = self.sources.get(file)
        if source is not None:
            self.issues += _duplicates(source, prefix, codes, key)

    def known(
        self, file: str, loc: Path_, code: str | None, codes: set[str] | None, message: Any
    ) -> None:
        """``message`` is a catalogue message with a ``%(code)s`` placeholder."""
        if code is not None and codes is not None and code not in codes:
            self.add(file, loc, str(message) % {"code": code})

    def code_list(
        self, file: str, loc: Path_, codes: list[str], known: set[str] | None, message: Any
    ) -> None:
        seen = set()
        for index, code in enumerate(codes):
            if code in seen:
                self.add(file, (*loc, index), _('"%(code)s" listed twice', code=code))
            seen.add(code)
            self.known(file, (*loc, index), code, known, message)

    # -- per file ------------------------------------------------------------------------

    def tenant(self, tenant: TenantFile) -> None:
        definitions = self.base.settings
        for key, value in tenant.settings.items():
            loc = ("settings", key)
            definition = definitions.get(key)
            if definition is None:
                known = ", ".join(definitions) or _("none")
                self.add("tenant.yaml", loc, _("unknown setting; known: %(known)s", known=known))
                continue
            checked, message = check_setting(definition, value)
            if message:
                self.add("tenant.yaml", loc, message)
            else:
                self.settings[key] = checked

    def areas(self, areas: AreasFile) -> None:
        file = "areas.yaml"
        self.dupes(file, ("levels",), [level.code for level in areas.levels])
        self.dupes(file, ("areas",), [area.code for area in areas.areas])
        levels = {level.code: level for level in areas.levels}
        by_code = {area.code: area for area in areas.areas}
        for index, area in enumerate(areas.areas):
            loc = ("areas", index)
            level = levels.get(area.level)
            if level is None:
                self.add(
                    file, (*loc, "level"), _('unknown area level "%(level)s"', level=area.level)
                )
            dates = [p.date for p in area.population]
            for p_index, when in enumerate(dates):
                if dates.index(when) != p_index:
                    self.add(
                        file,
                        (*loc, "population", p_index, "date"),
                        _("reference date %(date)s twice", date=when.isoformat()),
                    )
            if area.parent is None:
                continue
            parent = by_code.get(area.parent)
            if parent is None:
                self.add(
                    file,
                    (*loc, "parent"),
                    _('unknown parent area code "%(code)s"', code=area.parent),
                )
                continue
            if parent.code == area.code:
                self.add(file, (*loc, "parent"), _("an area cannot be its own parent"))
                continue
            parent_level = levels.get(parent.level)
            if level is None or parent_level is None:
                continue
            if parent_level.hierarchy != level.hierarchy:
                self.add(
                    file,
                    (*loc, "parent"),
                    _(
                        'parent area "%(parent)s" belongs to hierarchy "%(theirs)s", this '
                        'area to hierarchy "%(ours)s"',
                        parent=parent.code,
                        theirs=parent_level.hierarchy,
                        ours=level.hierarchy,
                    ),
                )
            elif parent_level.position >= level.position:
                self.add(
                    file,
                    (*loc, "parent"),
                    _(
                        'parent area "%(parent)s" is not on a higher level (level '
                        '"%(their_level)s", position %(their_position)s; this area: level '
                        '"%(our_level)s", position %(our_position)s)',
                        parent=parent.code,
                        their_level=parent_level.code,
                        their_position=parent_level.position,
                        our_level=level.code,
                        our_position=level.position,
                    ),
                )

    def carriers(self, carriers: CarriersFile) -> None:
        self.dupes("carriers.yaml", ("carriers",), [c.code for c in carriers.carriers])

    def principles(self, principles: PrinciplesFile) -> None:
        self.dupes("principles.yaml", ("principles",), [p.code for p in principles.principles])

    def offices(
        self, offices: OfficesFile, areas: AreasFile | None, carriers: CarriersFile | None
    ) -> None:
        file = "offices.yaml"
        self.dupes(file, ("offices",), [o.code for o in offices.offices])
        area_codes = {a.code for a in areas.areas} if areas is not None else None
        carrier_codes = {c.code for c in carriers.carriers} if carriers is not None else None
        for index, office in enumerate(offices.offices):
            loc = ("offices", index)
            self.code_list(
                file, (*loc, "areas"), office.areas, area_codes, _l('unknown area code "%(code)s"')
            )
            self.code_list(
                file,
                (*loc, "carriers"),
                office.carriers,
                carrier_codes,
                _l('unknown carrier code "%(code)s"'),
            )
            if office.opened and office.closed and office.closed < office.opened:
                self.add(file, (*loc, "closed"), _("closing date is before the opening date"))

    def teams(
        self, teams: TeamsFile, offices: OfficesFile | None, carriers: CarriersFile | None
    ) -> None:
        file = "teams.yaml"
        self.dupes(file, ("teams",), [t.code for t in teams.teams])
        office_codes = {o.code for o in offices.offices} if offices is not None else None
        carrier_codes = {c.code for c in carriers.carriers} if carriers is not None else None
        for index, team in enumerate(teams.teams):
            loc = ("teams", index)
            self.known(
                file,
                (*loc, "office"),
                team.office,
                office_codes,
                _l('unknown office code "%(code)s"'),
            )
            self.dupes(file, (*loc, "members"), [m.name for m in team.members], "name")
            for m_index, member in enumerate(team.members):
                self.known(
                    file,
                    (*loc, "members", m_index, "carrier"),
                    member.carrier,
                    carrier_codes,
                    _l('unknown carrier code "%(code)s"'),
                )

    def offerings(
        self,
        offerings: OfferingsFile,
        offices: OfficesFile | None,
        carriers: CarriersFile | None,
        principles: PrinciplesFile | None,
    ) -> None:
        file = "offerings.yaml"
        self.dupes(file, ("offerings",), [o.code for o in offerings.offerings])
        office_codes = {o.code for o in offices.offices} if offices is not None else None
        carrier_codes = {c.code for c in carriers.carriers} if carriers is not None else None
        principle_codes = (
            {p.code for p in principles.principles} if principles is not None else None
        )
        for index, offering in enumerate(offerings.offerings):
            loc = ("offerings", index)
            self.known(
                file,
                (*loc, "office"),
                offering.office,
                office_codes,
                _l('unknown office code "%(code)s"'),
            )
            self.known(
                file,
                (*loc, "carrier"),
                offering.carrier,
                carrier_codes,
                _l('unknown carrier code "%(code)s"'),
            )
            self.code_list(
                file,
                (*loc, "principles"),
                offering.principles,
                principle_codes,
                _l('unknown principle code "%(code)s"'),
            )
            if (
                offering.age_min is not None
                and offering.age_max is not None
                and offering.age_min > offering.age_max
            ):
                self.add(file, (*loc, "age_max"), _("maximum age is below the minimum age"))
            for part in filter(None, (p.strip() for p in offering.schedule.split(";"))):
                try:
                    parse_schedule(part)
                except ValueError:
                    self.add(
                        file,
                        (*loc, "schedule"),
                        _(
                            '"%(part)s" is not a weekly time like "Di 15:00-17:00" (day Mo–So, '
                            "end after start, several times separated by ;)",
                            part=part,
                        ),
                    )
