"""Pydantic models of every file of a tenant profile (format: ``tenants/README.md``).

The models check one file each: shapes, types and plain-value rules. Checks across files
(does this parent area exist, is this code used twice …) live in :mod:`saas.profiles.loader`,
which also turns validation errors into messages with file, line and key. Messages come from
the message catalogue, in the language of the request (German on the command line).

Types are strict: a number where text belongs fails, and so does text where a number belongs.
Codes must be written as text (``code: "14"``), because YAML reads ``14`` as a number and
``010`` loses its leading zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from saas.carriers.models import CARRIER_TYPES
from saas.core.text import control_character
from saas.teams.models import STAFF_ROLES
from saas.tenants.models import DEFAULT_VOCABULARY

#: The files of a profile folder, in the order they are read and written.
PROFILE_FILES: tuple[str, ...] = (
    "tenant.yaml",
    "areas.yaml",
    "carriers.yaml",
    "offices.yaml",
    "teams.yaml",
    "principles.yaml",
    "offerings.yaml",
)
#: The files of the ``_base`` folder this module understands.
BASE_FILES: tuple[str, ...] = ("settings.yaml", "principles.yaml", "roles.yaml")

LOCALES: tuple[str, ...] = ("de", "en")
SETTING_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}

CODE_MAX = 60
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


# -- value types -------------------------------------------------------------------------


def _as_code(value: Any) -> str:
    if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
        raise PydanticCustomError("code_type", _("code expected as text"))
    if not isinstance(value, str):
        raise PydanticCustomError(
            "code_type",
            _('code expected as text – put numbers in quotes, e.g. "{example}"'),
            {"example": str(value)},
        )
    if not value:
        raise PydanticCustomError("code_empty", _("code must not be empty"))
    if len(value) > CODE_MAX:
        raise PydanticCustomError(
            "code_length", _("code too long (at most {max} characters)"), {"max": CODE_MAX}
        )
    if not _CODE.fullmatch(value):
        raise PydanticCustomError(
            "code_pattern",
            _(
                'invalid code "{code}": letters, digits, ".", "_" and "-" are allowed, '
                "starting with a letter or a digit"
            ),
            {"code": value},
        )
    return value


def _as_slug(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", _("text expected"))
    if not _SLUG.fullmatch(value) or len(value) > 63:
        raise PydanticCustomError(
            "slug_pattern",
            _(
                'invalid short name "{slug}": only lower-case letters, digits and hyphens '
                "(at most 63 characters)"
            ),
            {"slug": value},
        )
    return value


def _as_key(value: Any) -> str:
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise PydanticCustomError(
            "key_pattern",
            _('invalid name "{key}": lower-case letters, digits and "_", starting with a letter'),
            {"key": str(value)},
        )
    return value


def parse_date(value: Any) -> date:
    """A YAML date, or a string ``YYYY-MM-DD`` / ``YYYY-MM`` (a month means its first day)."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date_type", _("date without time expected (YYYY-MM-DD)"))
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _DAY.fullmatch(value) or _MONTH.fullmatch(value)
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                return date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
            except ValueError:
                pass
            raise PydanticCustomError("date_value", _('not a valid date: "{v}"'), {"v": value})
    raise PydanticCustomError("date_type", _("date expected (YYYY-MM-DD or YYYY-MM)"))


def _choice(values: tuple[str, ...], what: Any) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in values:
            raise PydanticCustomError(
                "choice",
                _('{what} "{value}" is not provided for; allowed: {allowed}'),
                {"what": str(what), "value": str(value), "allowed": ", ".join(values)},
            )
        return value

    return BeforeValidator(check)


Code = Annotated[str, BeforeValidator(_as_code)]
Slug = Annotated[str, BeforeValidator(_as_slug)]
Key = Annotated[str, BeforeValidator(_as_key)]
Date = Annotated[date, BeforeValidator(parse_date)]
NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Locale = Annotated[str, _choice(LOCALES, _l("Language"))]
CarrierType = Annotated[str, _choice(tuple(CARRIER_TYPES), _l("Carrier type"))]
StaffRole = Annotated[str, _choice(tuple(STAFF_ROLES), _l("Role"))]
VocabularyKey = Annotated[str, _choice(tuple(DEFAULT_VOCABULARY), _l("Term"))]
SettingType = Annotated[str, _choice(tuple(SETTING_TYPES), _l("Type"))]


def _no_controls(multiline: bool) -> AfterValidator:
    def check(value: str) -> str:
        found = control_character(value, multiline=multiline)
        if found is not None:
            raise PydanticCustomError(
                "control_character",
                _("line breaks are allowed, other control characters ({char}) are not")
                if multiline
                else _("control characters such as line breaks or tabs ({char}) are not allowed"),
                {"char": found},
            )
        return value

    return AfterValidator(check)


# A profile's text fields, as types mypy can read: ``Annotated[str, Max(n), OneLine]`` is a
# single line of at most n characters; control characters are refused, multi-line text
# (descriptions) may hold line breaks.
OneLine = _no_controls(multiline=False)
MultiLine = _no_controls(multiline=True)


def Max(length: int) -> StringConstraints:  # noqa: N802
    """At most ``length`` characters (the column's size)."""
    return StringConstraints(max_length=length)


def Required(length: int) -> StringConstraints:  # noqa: N802
    """Not empty, at most ``length`` characters."""
    return StringConstraints(min_length=1, max_length=length)


Line = Annotated[str, OneLine]
Lines = Annotated[str, MultiLine]
Name = Annotated[str, Required(200), OneLine]


class Strict(BaseModel):
    """Base of every profile model: unknown keys and loose types are errors."""

    model_config = ConfigDict(strict=True, extra="forbid")


# -- tenant.yaml -------------------------------------------------------------------------


class TenantFile(Strict):
    profile_version: Annotated[str, Max(40), OneLine] | None = None
    slug: Slug
    name: Name
    default_locale: Locale = "de"
    vocabulary: dict[VocabularyKey, Annotated[str, Required(60), OneLine]] = Field(
        default_factory=dict
    )
    #: checked against ``_base/settings.yaml`` by the loader
    settings: dict[Key, Any] = Field(default_factory=dict)


# -- areas.yaml --------------------------------------------------------------------------


class LevelSpec(Strict):
    code: Code
    name: Annotated[str, Required(120), OneLine]
    plural: Annotated[str, Max(120), OneLine] = ""
    hierarchy: Code = "main"
    position: int = 0


class PopulationSpec(Strict):
    date: Date
    total: NonNegInt | None = None
    under_18: NonNegInt | None = None
    under_21: NonNegInt | None = None
    source: Annotated[str, Max(200), OneLine] = ""


class AreaSpec(Strict):
    code: Code
    name: Name
    level: Code
    parent: Code | None = None
    area_km2: NonNegFloat | None = None
    population: list[PopulationSpec] = Field(default_factory=list)
    #: street names, for "which office is mine" on the public pages
    streets: list[Annotated[str, Required(200), OneLine]] = Field(default_factory=list)


class AreasFile(Strict):
    levels: list[LevelSpec] = Field(default_factory=list)
    areas: list[AreaSpec] = Field(default_factory=list)


# -- carriers.yaml -----------------------------------------------------------------------


class CarrierSpec(Strict):
    code: Code
    name: Name
    type: CarrierType = "other"
    website: Annotated[str, Max(300), OneLine] = ""


class CarriersFile(Strict):
    carriers: list[CarrierSpec] = Field(default_factory=list)


# -- offices.yaml ------------------------------------------------------------------------


class OfficeSpec(Strict):
    code: Code
    name: Name
    address: Annotated[str, Max(300), OneLine] = ""
    postal_code: Annotated[str, Max(10), OneLine] = ""
    city: Annotated[str, Max(100), OneLine] = ""
    opening_hours: Lines = ""
    phone: Annotated[str, Max(60), OneLine] = ""
    email: Annotated[str, Max(254), OneLine] = ""
    opened: Date | None = None
    closed: Date | None = None
    areas: list[Code] = Field(default_factory=list)
    carriers: list[Code] = Field(default_factory=list)
    public: bool = True


class OfficesFile(Strict):
    offices: list[OfficeSpec] = Field(default_factory=list)


# -- teams.yaml --------------------------------------------------------------------------


class MemberSpec(Strict):
    name: Name
    role: StaffRole = "asd"
    carrier: Code | None = None
    fte: NonNegFloat | None = None


class TeamSpec(Strict):
    code: Code
    name: Name
    office: Code | None = None
    members: list[MemberSpec] = Field(default_factory=list)


class TeamsFile(Strict):
    teams: list[TeamSpec] = Field(default_factory=list)


# -- principles.yaml ---------------------------------------------------------------------


class PrincipleSpec(Strict):
    code: Code
    title: Name
    description: Lines = ""


class PrinciplesFile(Strict):
    principles: list[PrincipleSpec] = Field(default_factory=list)


# -- offerings.yaml ----------------------------------------------------------------------


class OfferingSpec(Strict):
    code: Code
    name: Name
    description: Lines = ""
    target_groups: Annotated[str, Max(300), OneLine] = ""
    age_min: NonNegInt | None = None
    age_max: NonNegInt | None = None
    #: weekly times separated by ";", e.g. "Di 09:30-11:30; Do 15:00-17:00"
    schedule: Line = ""
    #: dates that are not weekly, one per line
    dates: Lines = ""
    place: Annotated[str, Max(300), OneLine] = ""
    costs: Annotated[str, Max(300), OneLine] = ""
    office: Code | None = None
    carrier: Code | None = None
    principles: list[Code] = Field(default_factory=list)
    public: bool = False


class OfferingsFile(Strict):
    offerings: list[OfferingSpec] = Field(default_factory=list)


# -- _base/settings.yaml and _base/roles.yaml --------------------------------------------


class SettingDef(Strict):
    """One typed setting; ``default`` and ``choices`` are checked against ``type``."""

    type: SettingType
    default: Any = None
    description: Lines = ""
    choices: list[Any] | None = None


class SettingsFile(Strict):
    settings: dict[Key, SettingDef] = Field(default_factory=dict)


class RolesFile(Strict):
    roles: dict[Key, list[Annotated[str, Required(100), OneLine]]] = Field(default_factory=dict)


FILE_MODELS: dict[str, type[Strict]] = {
    "tenant.yaml": TenantFile,
    "areas.yaml": AreasFile,
    "carriers.yaml": CarriersFile,
    "offices.yaml": OfficesFile,
    "teams.yaml": TeamsFile,
    "principles.yaml": PrinciplesFile,
    "offerings.yaml": OfferingsFile,
}
BASE_MODELS: dict[str, type[Strict]] = {
    "settings.yaml": SettingsFile,
    "principles.yaml": PrinciplesFile,
    "roles.yaml": RolesFile,
}

_TYPE_WORDS = {
    "str": _l("text expected"),
    "int": _l("whole number expected"),
    "float": _l("number expected"),
    "bool": _l("true or false expected"),
}


def check_setting(definition: SettingDef, value: Any) -> tuple[Any, str | None]:
    """``(value, None)`` with the value in its type, or ``(None, message)``."""
    if value is None:
        return None, None
    kind = definition.type
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        return None, str(_TYPE_WORDS[kind])
    if definition.choices is not None and value not in definition.choices:
        allowed = ", ".join(str(c) for c in definition.choices)
        return None, _(
            'value "%(value)s" is not provided for; allowed: %(allowed)s',
            value=value,
            allowed=allowed,
        )
    return value, None


# -- the loaded profile ------------------------------------------------------------------


@dataclass
class BaseProfile:
    """What ``_base`` contributes: setting definitions, default principles, role map."""

    settings: dict[str, SettingDef] = field(default_factory=dict)
    principles: list[PrincipleSpec] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Profile:
    """One validated profile, ready for :func:`saas.profiles.importer.apply_profile`."""

    origin: str
    tenant: TenantFile
    levels: list[LevelSpec] = field(default_factory=list)
    areas: list[AreaSpec] = field(default_factory=list)
    carriers: list[CarrierSpec] = field(default_factory=list)
    offices: list[OfficeSpec] = field(default_factory=list)
    teams: list[TeamSpec] = field(default_factory=list)
    principles: list[PrincipleSpec] = field(default_factory=list)
    offerings: list[OfferingSpec] = field(default_factory=list)
    #: True when principles came from ``_base/principles.yaml``
    principles_inherited: bool = False
    base: BaseProfile = field(default_factory=BaseProfile)
    #: the profile's files that were present
    files: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.tenant.slug
