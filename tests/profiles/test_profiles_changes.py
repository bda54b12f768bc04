"""Updates, removals, refusals and the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.carriers.models import Carrier
from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offices.models import Office, OfficeArea
from saas.principles.models import Principle
from saas.profiles import ImportRefused, load_profile
from saas.profiles.cli import register
from saas.teams.models import StaffMember, Team
from saas.tenants.models import Tenant
from tests.profiles.builder import PROFILE, apply, row_counts, write_profile


def _tenant() -> Tenant:
    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.slug == "teststadt")).scalar_one()


def _codes(model: type) -> list[str]:
    with tenant_scope(_tenant()):
        return list(db.session.execute(select(model.code).order_by(model.id)).scalars())


def _imported(tmp_path: Path) -> Tenant:
    apply(load_profile(write_profile(tmp_path)))
    return _tenant()


def _reimport(tmp_path: Path, files: dict[str, str], **kw: bool):  # noqa: ANN202
    return apply(load_profile(write_profile(tmp_path, files)), **kw)


def test_update_is_reported_and_audited(app: Flask, tmp_path: Path) -> None:
    tenant = _imported(tmp_path)
    files = dict(PROFILE)
    files["offices.yaml"] = (
        files["offices.yaml"]
        .replace("name: Sozialraumbüro Mitte", "name: Stadtteilbüro Mitte")
        .replace('areas: ["01.2", "1"]', 'areas: ["1", "010"]')
        .replace("opened: 2020-03", "opened: 2020-04-15")
    )
    files["teams.yaml"] = files["teams.yaml"].replace("fte: 0.5", "fte: 0.75")
    files["areas.yaml"] = files["areas.yaml"].replace("total: 9074", "total: 9100")
    files["offerings.yaml"] = files["offerings.yaml"].replace("[wille, ressourcen]", "[ressourcen]")
    report = _reimport(tmp_path, files)
    lines = str(report).splitlines()
    assert lines[0] == "Mandant teststadt, Profilversion 2026.1:"
    assert lines[1:-1] == [
        "~ Bevölkerungsstand 01.2 2022-06-01: total: 9074 → 9100",
        '~ Büro srb-mitte: name: "Sozialraumbüro Mitte" → "Stadtteilbüro Mitte"',
        "~ Büro srb-mitte: opened: 2020-03-01 → 2020-04-15",
        '~ Büro srb-mitte: areas: ["01.2", "1"] → ["1", "010"]',
        "~ Teammitglied team-mitte/Erika Muster: fte: 0.5 → 0.75",
        '~ Angebot elterncafe-mitte: principles: ["wille", "ressourcen"] → ["ressourcen"]',
    ]
    assert lines[-1] == "0 angelegt, 6 geändert, 0 entfernt"
    with tenant_scope(tenant):
        office = db.session.execute(select(Office).where(Office.code == "srb-mitte")).scalar_one()
        assert (office.name, office.opened_on) == ("Stadtteilbüro Mitte", date(2020, 4, 15))
        entry = db.session.execute(
            select(AuditLog)
            .where(AuditLog.entity == "offices", AuditLog.action == "update")
            .order_by(AuditLog.id.desc())
        ).scalar()
        assert entry is not None and entry.entity_id == office.id
        assert entry.changes["name"] == ["Sozialraumbüro Mitte", "Stadtteilbüro Mitte"]
    # and the new state is stable
    assert not _reimport(tmp_path, files).changed


def test_records_missing_from_the_profile_are_removed(app: Flask, tmp_path: Path) -> None:
    tenant = _imported(tmp_path)
    files = dict(PROFILE)
    areas = files["areas.yaml"]
    files["areas.yaml"] = (
        areas[: areas.index("  - code: sr-west")]
        .replace(
            "  - {code: sozialraum, name: Sozialraum, plural: Sozialräume, hierarchy: planning, "
            "position: 1}\n",
            "",
        )
        .replace(
            "      - {date: 2023-12-31, total: 41000, under_18: null, under_21: 8300, "
            'source: ""}\n',
            "",
        )
    )
    files["teams.yaml"] = files["teams.yaml"][: files["teams.yaml"].index("  - code: team-spr")]
    files["teams.yaml"] = files["teams.yaml"].replace(
        "      - {name: Leitung, role: leitung, carrier: stadt, fte: 1}\n", ""
    )
    files["offerings.yaml"] = files["offerings.yaml"][
        : files["offerings.yaml"].index("  - code: fest")
    ]
    files["principles.yaml"] = files["principles.yaml"][
        : files["principles.yaml"].index("  - code: kooperation")
    ]
    report = _reimport(tmp_path, files)
    removed = [line for line in str(report).splitlines() if line.startswith("- ")]
    assert removed == [
        "- Bevölkerungsstand 1 2023-12-31 entfernt",
        "- Teammitglied team-mitte/Leitung entfernt",
        '- Angebot fest ("Stadtteilfest") entfernt',
        '- Team team-springer ("Springerteam") entfernt',
        '- Grundsatz kooperation ("Kooperation und Koordination") entfernt',
        '- Gebiet sr-west ("Sozialraum West") entfernt',
        '- Gebietsebene sozialraum ("Sozialraum") entfernt',
    ]
    assert _codes(Area) == ["1", "01.2", "010"]
    assert _codes(AreaLevel) == ["bezirk", "stadtteil"]
    assert _codes(Team) == ["team-mitte"]
    assert _codes(Offering) == ["elterncafe-mitte"]
    assert _codes(Principle) == ["wille", "ressourcen"]
    with tenant_scope(tenant):
        assert db.session.execute(select(OfferingPrinciple.id)).all()
        names = db.session.execute(select(StaffMember.name)).scalars().all()
        assert names == ["N. N. (ASD)", "Erika Muster"]
        dates = db.session.execute(select(AreaPopulation.reference_date)).scalars().all()
        assert sorted(dates) == [date(2020, 12, 31), date(2022, 6, 1)]
    assert not _reimport(tmp_path, files).changed


def test_config_created_outside_the_profile_goes_with_it(app: Flask, tmp_path: Path) -> None:
    """An offering added in the web UI that points at a removed office is removed as well:
    both are configuration the profile no longer has, so nothing is left referring."""
    tenant = _imported(tmp_path)
    with tenant_scope(tenant):
        office = db.session.execute(select(Office).where(Office.code == "srb-hafen")).scalar_one()
        db.session.add(Offering(code="extra", name="Extra", office_id=office.id, schedule=[]))
        db.session.commit()
    files = dict(PROFILE)
    files["offices.yaml"] = files["offices.yaml"][: files["offices.yaml"].index("  - code: srb-h")]
    report = _reimport(tmp_path, files)
    assert '- Angebot extra ("Extra") entfernt' in str(report)
    assert '- Büro srb-hafen ("Sozialraumbüro Hafen") entfernt' in str(report)
    with tenant_scope(tenant):
        assert db.session.execute(select(OfficeArea.id)).all()  # srb-mitte's links stay
    assert _codes(Office) == ["srb-mitte"]


def test_removing_an_office_with_activities_is_refused(app: Flask, tmp_path: Path) -> None:
    from saas.activities.models import Activity

    tenant = _imported(tmp_path)
    with tenant_scope(tenant):
        office = db.session.execute(select(Office).where(Office.code == "srb-hafen")).scalar_one()
        db.session.add(Activity(date=date(2024, 5, 2), office_id=office.id, kind="event"))
        db.session.commit()
    before = row_counts()

    files = dict(PROFILE)
    files["offices.yaml"] = files["offices.yaml"][: files["offices.yaml"].index("  - code: srb-h")]
    files["offices.yaml"] = files["offices.yaml"].replace("Sozialraumbüro Mitte", "Neuer Name")
    with pytest.raises(ImportRefused) as info:
        _reimport(tmp_path, files)
    assert str(info.value) == (
        'offices.yaml: offices: Büro "srb-hafen" ("Sozialraumbüro Hafen") fehlt im Profil, wird '
        "aber noch verwendet von: Aktivitäten (1) – es kann nicht entfernt werden; Import "
        "abgebrochen, nichts gespeichert"
    )
    assert row_counts() == before
    assert _codes(Office) == ["srb-mitte", "srb-hafen"]
    with tenant_scope(tenant):
        names = db.session.execute(select(Office.name).order_by(Office.id)).scalars().all()
    assert names == ["Sozialraumbüro Mitte", "Sozialraumbüro Hafen"]


def test_removing_a_carrier_that_staff_outside_the_profile_uses_is_refused(
    app: Flask, tmp_path: Path
) -> None:
    """Staff without a team cannot be written in teams.yaml; they are data the import keeps."""
    tenant = _imported(tmp_path)
    with tenant_scope(tenant):
        carrier = db.session.execute(select(Carrier).where(Carrier.code == "yes")).scalar_one()
        db.session.add(
            StaffMember(name="Honorarkraft", role="stadtteilarbeit", carrier_id=carrier.id)
        )
        db.session.commit()
    before = row_counts()
    files = dict(PROFILE)
    files["carriers.yaml"] = files["carriers.yaml"][
        : files["carriers.yaml"].index("  - {code: yes")
    ]
    with pytest.raises(ImportRefused) as info:
        _reimport(tmp_path, files, dry_run=True)
    assert 'Träger "yes"' in str(info.value) and "Teammitglieder (1)" in str(info.value)
    with pytest.raises(ImportRefused):
        _reimport(tmp_path, files)
    assert row_counts() == before
    assert _codes(Carrier) == ["stadt", "awo", "yes"]


def test_cli_import_export(app: Flask, tmp_path: Path) -> None:
    register(app)
    runner = app.test_cli_runner()
    folder = write_profile(tmp_path)
    before = row_counts()

    result = runner.invoke(args=["tenants", "import", str(folder), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Probelauf" in result.output and "+ Büro srb-mitte" in result.output
    assert row_counts() == before

    result = runner.invoke(args=["tenants", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert '+ Mandant teststadt ("Stadt Teststadt") angelegt' in result.output
    result = runner.invoke(args=["tenants", "import", str(folder)])
    assert result.exit_code == 0 and "Keine Änderungen" in result.output

    out = tmp_path / "export"
    result = runner.invoke(args=["tenants", "export", "teststadt", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "tenant.yaml").read_text(encoding="utf-8").count("slug: teststadt") == 1
    result = runner.invoke(args=["tenants", "import", str(out)])
    assert result.exit_code == 0 and "Keine Änderungen" in result.output

    result = runner.invoke(args=["tenants", "export", "nirgendwo", str(out)])
    assert result.exit_code == 1 and 'Mandant "nirgendwo" nicht gefunden' in result.output

    files = dict(PROFILE)
    files["offerings.yaml"] = files["offerings.yaml"].replace("office: srb-mitte", "office: x")
    counts = row_counts()
    result = runner.invoke(args=["tenants", "import", str(write_profile(tmp_path, files))])
    assert result.exit_code == 1
    assert 'offerings.yaml:11: offerings[0].office: unbekannter Bürocode "x"' in result.output
    assert "nichts gespeichert" in result.output
    assert row_counts() == counts
