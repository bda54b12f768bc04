"""Broken profiles: every issue names file, line and key, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office
from saas.profiles import ProfileError, load_profile, load_profile_files
from saas.tenants.models import Tenant
from tests.profiles.builder import BASE, PROFILE, apply, line_of, row_counts, write_profile

# (file, text to replace, replacement, needle for the line, key, start of the message)
CASES = {
    "wrong key": (
        "areas.yaml",
        '    parent: "1"\n    area_km2: null',
        '    prent: "1"\n    area_km2: null',
        "prent:",
        "areas[1].prent",
        'unbekannter Schlüssel "prent" (gemeint: "parent"?)',
    ),
    "text instead of a number": (
        "offerings.yaml",
        "age_min: 0",
        'age_min: "null"',
        "age_min:",
        "offerings[0].age_min",
        "ganze Zahl erwartet",
    ),
    "text instead of a decimal": (
        "teams.yaml",
        "fte: 0.5",
        'fte: "0,5"',
        "Erika Muster",
        "teams[0].members[1].fte",
        "Zahl erwartet",
    ),
    "unknown parent area": (
        "areas.yaml",
        '    parent: "1"\n    area_km2: null',
        '    parent: "99x"\n    area_km2: null',
        '"99x"',
        "areas[1].parent",
        'unbekannter übergeordneter Gebietscode "99x"',
    ),
    "duplicate code": (
        "carriers.yaml",
        "code: yes",
        "code: awo",
        "Verein",
        "carriers[2].code",
        'Code "awo" doppelt vergeben (zuerst in Zeile 3)',
    ),
    "YAML syntax error": (
        "offices.yaml",
        "    name: Sozialraumbüro Hafen",
        "    name: Sozialraumbüro: Hafen",
        "Sozialraumbüro: Hafen",
        "",
        "YAML-Syntaxfehler: mapping values are not allowed here",
    ),
    "duplicate YAML key": (
        "tenant.yaml",
        "name: Stadt Teststadt",
        "name: Stadt Teststadt\nname: Teststadt",
        "name: Teststadt",
        "",
        'YAML-Fehler: Schlüssel "name" doppelt im selben Abschnitt',
    ),
    "unknown office in offerings": (
        "offerings.yaml",
        "office: srb-mitte",
        "office: srb-nirgendwo",
        "srb-nirgendwo",
        "offerings[0].office",
        'unbekannter Bürocode "srb-nirgendwo"',
    ),
    "unknown area in offices": (
        "offices.yaml",
        'areas: ["010"]',
        'areas: ["010", "77"]',
        '"77"',
        "offices[1].areas[1]",
        'unbekannter Gebietscode "77"',
    ),
    "unknown carrier of a member": (
        "teams.yaml",
        "carrier: awo, fte: 0.5",
        "carrier: diakonie, fte: 0.5",
        "diakonie",
        "teams[0].members[1].carrier",
        'unbekannter Trägercode "diakonie"',
    ),
    "unknown principle": (
        "offerings.yaml",
        "principles: [kooperation]",
        "principles: [kooperation, teilhabe]",
        "teilhabe",
        "offerings[1].principles[1]",
        'unbekannter Grundsatzcode "teilhabe"',
    ),
    "unknown level": (
        "areas.yaml",
        "level: sozialraum\n",
        "level: quartier\n",
        "level: quartier",
        "areas[3].level",
        'unbekannte Gebietsebene "quartier"',
    ),
    "parent on the same level": (
        "areas.yaml",
        '    parent: "1"\n    area_km2: null',
        '    parent: "010"\n    area_km2: null',
        'parent: "010"',
        "areas[1].parent",
        'übergeordnetes Gebiet "010" liegt nicht auf einer höheren Ebene',
    ),
    "parent in another hierarchy": (
        "areas.yaml",
        "    level: sozialraum\n    parent: null",
        '    level: sozialraum\n    parent: "1"  # falsch',
        "# falsch",
        "areas[3].parent",
        'übergeordnetes Gebiet "1" gehört zur Hierarchie "political"',
    ),
    "code written as a number": (
        "areas.yaml",
        'code: "010"',
        "code: 10",
        "code: 10",
        "areas[2].code",
        'Code als Text erwartet – Zahlen in Anführungszeichen setzen, z. B. "10"',
    ),
    "duplicate population date": (
        "areas.yaml",
        "{date: 2023-12-31",
        "{date: 2020-12-31",
        "41000",
        "areas[0].population[1].date",
        "Stichtag 2020-12-31 doppelt",
    ),
    "bad date": (
        "offices.yaml",
        "opened: 2020-03",
        "opened: März 2020",
        "März 2020",
        "offices[0].opened",
        "Datum erwartet (JJJJ-MM-TT oder JJJJ-MM)",
    ),
    "closed before opened": (
        "offices.yaml",
        "closed: 2024-06-30",
        "closed: 2018-06-30",
        "closed: 2018",
        "offices[1].closed",
        "Schließung liegt vor der Eröffnung",
    ),
    "bad carrier type": (
        "carriers.yaml",
        "type: awo",
        "type: arbeiterwohlfahrt",
        "arbeiterwohlfahrt",
        "carriers[1].type",
        'Trägertyp "arbeiterwohlfahrt" ist nicht vorgesehen; erlaubt: kommunal, awo',
    ),
    "bad schedule": (
        "offerings.yaml",
        '"Mo 10:00-12:00; Di 09:30-11:30"',
        '"Mo 10:00-12:00; Dienstag früh"',
        "Dienstag",
        "offerings[0].schedule",
        '"Dienstag früh" ist keine Wochenzeit wie "Di 15:00-17:00"',
    ),
    "unknown setting": (
        "tenant.yaml",
        "  state: NW",
        "  bundesland: NW",
        "bundesland",
        "settings.bundesland",
        "unbekannte Einstellung; bekannt: state, disclosure_threshold",
    ),
    "setting of the wrong type": (
        "tenant.yaml",
        "disclosure_threshold: 5",
        'disclosure_threshold: "5"',
        "disclosure_threshold",
        "settings.disclosure_threshold",
        "ganze Zahl erwartet",
    ),
    "unknown vocabulary word": (
        "tenant.yaml",
        "  area: Sozialraum\n",
        "  bereich: Sozialraum\n",
        "bereich",
        "vocabulary.bereich",
        'Begriff "bereich" ist nicht vorgesehen; erlaubt: office, offices, area, areas',
    ),
    "empty name": (
        "offices.yaml",
        "name: Sozialraumbüro Hafen",
        'name: ""',
        'name: ""',
        "offices[1].name",
        "darf nicht leer sein",
    ),
    "missing required key": (
        "principles.yaml",
        '    title: "Kooperation und Koordination"\n',
        "",
        "code: kooperation",
        "principles[2].title",
        "Pflichtangabe fehlt",
    ),
}


def _tenant_name() -> str:
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == "teststadt")).scalar_one()
    with tenant_scope(tenant):
        office = db.session.execute(select(Office).where(Office.code == "srb-mitte")).scalar_one()
        return f"{tenant.name}/{office.name}"


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_broken_profile_names_file_line_key(app: Flask, tmp_path: Path, case: str) -> None:
    file, old, new, needle, key, message = CASES[case]
    folder = write_profile(tmp_path)
    apply(load_profile(folder))
    before, names = row_counts(), _tenant_name()

    files = dict(PROFILE)
    assert old in files[file], case
    files[file] = files[file].replace(old, new, 1)
    # a valid change elsewhere must not be written either
    other = "offices.yaml" if file != "offices.yaml" else "tenant.yaml"
    files[other] = files[other].replace("Sozialraumbüro Mitte", "Neuer Name")
    files[other] = files[other].replace("name: Stadt Teststadt", "name: Neue Stadt")
    folder = write_profile(tmp_path, files)

    with pytest.raises(ProfileError) as info:
        apply(load_profile(folder))
    line = line_of(files[file], needle)
    where = f"{file}:{line}: {key}: " if key else f"{file}:{line}: "
    lines = str(info.value).splitlines()
    assert any(text.startswith(where + message) for text in lines), lines
    issue = next(i for i in info.value.issues if str(i).startswith(where + message))
    assert (issue.file, issue.line, issue.key) == (file, line, key)

    assert row_counts() == before
    assert _tenant_name() == names


def test_new_tenant_with_errors_is_not_created(app: Flask, tmp_path: Path) -> None:
    before = row_counts()
    files = dict(PROFILE)
    files["areas.yaml"] = files["areas.yaml"].replace('parent: "1"', 'parent: "99x"', 1)
    with pytest.raises(ProfileError):
        apply(load_profile(write_profile(tmp_path, files)))
    assert row_counts() == before


def test_not_utf8(tmp_path: Path) -> None:
    folder = write_profile(tmp_path)
    text = PROFILE["offices.yaml"].replace("Sozialraumbüro Hafen", "Sozialraumb\x00ro Hafen")
    raw = text.encode("utf-8").replace(b"\x00", "ü".encode("latin-1"))
    (folder / "offices.yaml").write_bytes(raw)
    with pytest.raises(ProfileError) as info:
        load_profile(folder)
    line = line_of(text, "Hafen")
    assert str(info.value).startswith(
        f"offices.yaml:{line}: Datei ist nicht UTF-8-kodiert (Byte 0xfc)"
    )


def test_missing_tenant_yaml_and_unknown_file(tmp_path: Path) -> None:
    files = {k: v for k, v in PROFILE.items() if k != "tenant.yaml"}
    folder = write_profile(tmp_path, files)
    (folder / "standorte.yaml").write_text("offices: []\n", encoding="utf-8")
    (folder / "README.md").write_text("notes are fine\n", encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(folder)
    text = str(info.value)
    assert "tenant.yaml: Datei fehlt (tenant.yaml ist Pflicht)" in text
    assert "standorte.yaml: unbekannte Datei; erlaubt: tenant.yaml, areas.yaml" in text
    assert "README" not in text


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    files = dict(PROFILE, **{"carriers.yaml": "- {code: x, name: X}\n"})
    with pytest.raises(ProfileError) as info:
        load_profile(write_profile(tmp_path, files))
    assert str(info.value) == "carriers.yaml:1: Abschnitt (Schlüssel: Wert) erwartet"


def test_only_tenant_yaml_is_required(tmp_path: Path) -> None:
    folder = write_profile(tmp_path, {"tenant.yaml": PROFILE["tenant.yaml"]})
    profile = load_profile(folder)
    assert profile.areas == [] and profile.offices == [] and profile.files == ("tenant.yaml",)
    assert [p.code for p in profile.principles] == ["wille", "ressourcen"]  # from _base


def test_broken_base_is_reported(tmp_path: Path) -> None:
    folder = write_profile(tmp_path)
    settings = BASE["settings.yaml"].replace("default: 3", 'default: "drei"')
    (tmp_path / "_base" / "settings.yaml").write_text(settings, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(folder)
    line = line_of(settings, '"drei"')
    assert str(info.value).startswith(
        f"_base/settings.yaml:{line}: settings.disclosure_threshold.default: ganze Zahl erwartet"
    )


def test_upload_files(tmp_path: Path) -> None:
    base = write_profile(tmp_path).parent / "_base"
    files: dict[str, str | bytes] = {f"teststadt/{k}": v for k, v in PROFILE.items()}
    profile = load_profile_files(files, "upload", base=base)
    assert profile.slug == "teststadt" and profile.origin == "upload"
    files["teststadt/areas.yaml"] = b"levels: [\n"
    files["teststadt/teams.yaml"] = "teams:\n  - {code: t, name: T, office: nirgends}\n"
    with pytest.raises(ProfileError) as info:
        load_profile_files(files, "upload", base=base)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("areas.yaml:2: YAML-Syntaxfehler")
    assert lines[1] == 'teams.yaml:2: teams[0].office: unbekannter Bürocode "nirgends"'
