"""Import → export → import into an empty database → export: identical bytes; idempotency."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from saas import create_app
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office
from saas.profiles import (
    base_dir,
    export_profile,
    load_base,
    load_profile,
    template_dir,
)
from saas.profiles.schema import PROFILE_FILES
from saas.tenants.models import Tenant
from tests.profiles.builder import PROFILE, apply, row_counts, write_profile


def _tenant(slug: str) -> Tenant:
    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one()


def _read(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_round_trip_is_byte_identical(
    app: Flask, fresh_config: Callable[[], dict[str, Any]], tmp_path: Path
) -> None:
    source = write_profile(tmp_path / "src")
    profile = load_profile(source)
    report = apply(profile)
    assert report.created_tenant and report.changed

    first = tmp_path / "export1"
    export_profile("teststadt", first)
    assert sorted(p.name for p in first.iterdir()) == sorted(PROFILE_FILES)

    # the export says the same as the source profile
    again = load_profile(first, base=tmp_path / "src" / "_base")
    for part in ("levels", "areas", "carriers", "offices", "teams", "principles", "offerings"):
        assert getattr(again, part) == getattr(profile, part), part
    assert again.tenant == profile.tenant

    other = create_app(fresh_config())
    second = tmp_path / "export2"
    with other.app_context():
        apply(load_profile(first, base=tmp_path / "src" / "_base"))
        export_profile("teststadt", second)
        db.session.remove()
        db.engine.dispose()
    assert _read(second) == _read(first)

    text = (first / "areas.yaml").read_text(encoding="utf-8")
    assert 'code: "1"' in text and 'code: "010"' in text and "date: 2022-06-01" in text
    assert 'parent: "1"' in text and "area_km2: null" in text
    assert 'code: "yes"' in (first / "carriers.yaml").read_text(encoding="utf-8")
    offices = (first / "offices.yaml").read_text(encoding="utf-8")
    assert 'areas: ["01.2", "1"]' in offices and "opened: 2020-03-01" in offices
    assert "opening_hours: |-\n      Mo–Do 9–16 Uhr\n      Fr 9–12 Uhr\n" in offices
    offerings = (first / "offerings.yaml").read_text(encoding="utf-8")
    assert "schedule: Mo 10:00-12:00; Di 09:30-11:30\n" in offerings


def test_export_writes_inherited_principles(app: Flask, tmp_path: Path) -> None:
    files = dict(PROFILE)
    del files["principles.yaml"]
    files["offerings.yaml"] = files["offerings.yaml"].replace("[kooperation]", "[wille]")
    source = write_profile(tmp_path, files)
    profile = load_profile(source)
    assert profile.principles_inherited
    assert [p.code for p in profile.principles] == ["wille", "ressourcen"]
    apply(profile)
    export_profile("teststadt", tmp_path / "out")
    text = (tmp_path / "out" / "principles.yaml").read_text(encoding="utf-8")
    assert "code: wille" in text and "code: ressourcen" in text


def test_second_import_changes_nothing(app: Flask, tmp_path: Path) -> None:
    source = write_profile(tmp_path)
    apply(load_profile(source))
    before = row_counts()
    report = apply(load_profile(source))
    assert not report.changed
    assert "Keine Änderungen" in str(report)
    assert row_counts() == before  # the audit log included


def test_dry_run_writes_nothing(app: Flask, tmp_path: Path) -> None:
    before = row_counts()
    report = apply(load_profile(write_profile(tmp_path)), dry_run=True)
    assert report.created_tenant and report.count("create") > 10
    assert "Probelauf" in str(report)
    assert row_counts() == before


def test_import_updates_an_existing_tenant(
    app: Flask, tmp_path: Path, create_tenant: Callable[..., Tenant]
) -> None:
    """A tenant created without configuration (e.g. by the onboarding wizard) is filled in."""
    existing = create_tenant("altstadt", "Altstadt", status="suspended")
    hamm_offices = _office_names("hamm")
    files = dict(PROFILE)
    files["tenant.yaml"] = files["tenant.yaml"].replace("slug: teststadt", "slug: altstadt")
    report = apply(load_profile(write_profile(tmp_path, files, slug="altstadt")))
    assert not report.created_tenant
    lines = str(report)
    assert '~ Mandant altstadt: name: "Altstadt" → "Stadt Teststadt"' in lines
    assert '~ Mandant altstadt: vocabulary.office: null → "Sozialraumbüro"' in lines
    assert '~ Mandant altstadt: profile_version: null → "2026.1"' in lines
    tenant = _tenant("altstadt")
    assert (tenant.id, tenant.status, tenant.profile_version) == (
        existing.id,
        "suspended",
        "2026.1",
    )
    assert tenant.settings == {
        "state": "NW",
        "disclosure_threshold": 5,
        "asd_fte": 12.5,
        "synthetic_demo": True,
    }
    assert _office_names("altstadt") == {"Sozialraumbüro Mitte", "Sozialraumbüro Hafen"}
    assert _office_names("hamm") == hamm_offices


def _office_names(slug: str) -> set[str]:
    with tenant_scope(_tenant(slug)):
        return set(db.session.execute(select(Office.name)).scalars())


def test_base_and_template_load() -> None:
    """The shipped ``_base`` and ``_template`` are valid (skipped while they do not exist)."""
    if (base_dir() / "settings.yaml").exists():
        assert "state" in load_base().settings
    if (template_dir() / "tenant.yaml").exists():
        profile = load_profile(template_dir())
        assert profile.principles
