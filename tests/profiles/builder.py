"""A rich test profile covering every file and field of the format, written to tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_tables

BASE = {
    "settings.yaml": """\
settings:
  state:
    type: str
    default: null
    description: "Bundesland"
  disclosure_threshold:
    type: int
    default: 3
    description: "Geheimhaltungsschwelle"
  asd_fte:
    type: float
    default: null
  synthetic_demo:
    type: bool
    default: false
""",
    "principles.yaml": """\
principles:
  - {code: wille, title: "Orientierung am Willen", description: "Basis"}
  - {code: ressourcen, title: "Ressourcen", description: ""}
""",
    "roles.yaml": """\
roles:
  viewer: [tenant.view]
""",
}

PROFILE = {
    "tenant.yaml": """\
# Teststadt: alles, was das Format kann
profile_version: "2026.1"
slug: teststadt
name: Stadt Teststadt
default_locale: de
vocabulary:
  office: Sozialraumbüro
  offices: Sozialraumbüros
  area: Sozialraum
  areas: Sozialräume
settings:
  state: NW
  disclosure_threshold: 5
  asd_fte: 12.5
  synthetic_demo: true
""",
    "areas.yaml": """\
levels:
  - {code: bezirk, name: Stadtbezirk, plural: Stadtbezirke, hierarchy: political, position: 1}
  - {code: stadtteil, name: Stadtteil, plural: Stadtteile, hierarchy: political, position: 2}
  - {code: sozialraum, name: Sozialraum, plural: Sozialräume, hierarchy: planning, position: 1}
areas:
  - code: "1"
    name: Mitte
    level: bezirk
    parent: null
    area_km2: 12.75
    population:
      - {date: 2020-12-31, total: 40000, under_18: 7000, under_21: 8200, source: "Melderegister"}
      - {date: 2023-12-31, total: 41000, under_18: null, under_21: 8300, source: ""}
  - code: "01.2"
    name: "Altstadt: Nord"
    level: stadtteil
    parent: "1"
    area_km2: null
    population:
      - {date: "2022-06", total: 9074, under_18: null, under_21: null, source: "Stadt Teststadt"}
  - code: "010"
    name: Hafen
    level: stadtteil
    parent: "1"
    area_km2: 3
    population: []
  - code: sr-west
    name: Sozialraum West
    level: sozialraum
    parent: null
    area_km2: 0.3
    population: []
""",
    "carriers.yaml": """\
carriers:
  - {code: stadt, name: Jugendamt Teststadt, type: kommunal, website: ""}
  - {code: awo, name: "AWO Kreisverband", type: awo, website: "https://awo.example"}
  - {code: yes, name: "Verein \\"Ja\\" e. V.", type: other, website: ""}
""",
    "offices.yaml": """\
offices:
  - code: srb-mitte
    name: Sozialraumbüro Mitte
    address: "Marktplatz 1"
    postal_code: "12345"
    city: Teststadt
    opening_hours: |-
      Mo–Do 9–16 Uhr
      Fr 9–12 Uhr
    phone: "+49 123 456"
    email: srb-mitte@teststadt.example
    opened: 2020-03
    closed: null
    areas: ["01.2", "1"]
    carriers: [awo, stadt]
  - code: srb-hafen
    name: Sozialraumbüro Hafen
    opened: "2019-01-15"
    closed: 2024-06-30
    areas: ["010"]
""",
    "teams.yaml": """\
teams:
  - code: team-mitte
    name: Team Mitte
    office: srb-mitte
    members:
      - {name: "N. N. (ASD)", role: asd, carrier: null, fte: 1.0}
      - {name: "Erika Muster", role: stadtteilarbeit, carrier: awo, fte: 0.5}
      - {name: Leitung, role: leitung, carrier: stadt, fte: 1}
  - code: team-springer
    name: Springerteam
    office: null
""",
    "principles.yaml": """\
principles:
  - code: wille
    title: "Orientierung am Willen"
    description: >-
      Ausgangspunkt ist, was die Menschen selbst wollen.
  - code: ressourcen
    title: "Konzentration auf die Ressourcen"
    description: "Stärken: Familie, Nachbarschaft, Vereine"
  - code: kooperation
    title: "Kooperation und Koordination"
""",
    "offerings.yaml": """\
offerings:
  - code: elterncafe-mitte
    name: Elterncafé
    description: |-
      Offener Treff.
      Mit Kinderbetreuung.
    target_groups: "Eltern mit Kindern unter 6"
    age_min: 0
    age_max: 6
    schedule: "Mo 10:00-12:00; Di 09:30-11:30"
    office: srb-mitte
    carrier: awo
    principles: [wille, ressourcen]
  - code: fest
    name: Stadtteilfest
    office: null
    carrier: null
    principles: [kooperation]
""",
}


def write_profile(
    root: Path, files: dict[str, str] | None = None, *, slug: str = "teststadt"
) -> Path:
    """Write ``_base`` and the profile folder under ``root``; returns the profile folder."""
    base = root / "_base"
    base.mkdir(parents=True, exist_ok=True)
    for name, text in BASE.items():
        (base / name).write_text(text, encoding="utf-8")
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files if files is not None else PROFILE).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def row_counts() -> dict[str, int]:
    """Rows of the tenants table, the audit log and every tenant table, of every tenant."""
    tables = ["tenants", "audit_log", *tenant_tables()]
    # an ORM execution in all_tenants(): on PostgreSQL row-level security sees every tenant
    with all_tenants():
        return {
            name: db.session.execute(
                select(func.count()).select_from(db.metadata.tables[name])
            ).scalar_one()
            for name in tables
        }


def apply(profile: Any, **kw: Any) -> Any:
    """Apply a profile as the operator's ``tenants import`` does: as the system, committed."""
    from saas.core.operations import acting_as_system, commit
    from saas.profiles import apply_profile

    with acting_as_system():
        report = apply_profile(profile, **kw)
        commit()
    return report
