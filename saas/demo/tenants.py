"""Demo tenants, accounts and synthetic figures (SPEC §6)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import select

from saas.auth.models import Membership, User
from saas.auth.services import create_user, find_user
from saas.config import ROOT
from saas.core.db import analyze, db
from saas.core.operations import acting_as_system, commit
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office
from saas.tenants.models import Tenant

DEMO_SLUGS = ("marl", "hamm", "rv-saarbruecken")
DEMO_ROLES = (
    ("admin", "tenant_admin"),
    ("coordinator", "coordinator"),
    ("staff", "staff"),
    ("viewer", "viewer"),
)


def _ensure_user(email: str, password: str, **fields: Any) -> User:
    user = find_user(email)
    if user is None:
        user = create_user(email, password, **fields)
        db.session.flush()
    return user


def _import_profiles(echo: Callable[[str], None]) -> list[Tenant]:
    from saas.profiles.importer import apply_profile
    from saas.profiles.loader import load_profile

    tenants = []
    for slug in DEMO_SLUGS:
        report = apply_profile(load_profile(ROOT / "tenants" / slug))
        echo(f"Profil {slug}: {report.lines()[-1]}")
        with all_tenants():
            tenants.append(
                db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one()
            )
    return tenants


def load_demo(echo: Callable[[str], None] = print, *, figures: bool = True) -> None:
    """Import the three real profiles, create the demo accounts and, with ``figures``,
    synthetic activities and key figures from 2015 to the last complete month (idempotent).

    A job run by the operator (the ``demo`` command, test fixtures, benchmarks): it acts as
    the system and is its own commit point, as it also runs outside a CLI command.
    """
    with acting_as_system():
        _load_demo(echo, figures=figures)
        commit()


def _load_demo(echo: Callable[[str], None], *, figures: bool) -> None:
    password = current_app.config["SAAS_DEMO_PASSWORD"]
    tenants = _import_profiles(echo)
    with all_tenants():
        _ensure_user(
            "platform@sozialraum.example",
            password,
            name="Plattform-Betrieb",
            is_platform_admin=True,
        )
        users = {
            (tenant.slug, key): _ensure_user(
                f"{key}@{tenant.slug}.example", password, name=f"Demo {key}"
            )
            for tenant in tenants
            for key, _role in DEMO_ROLES
        }
    for tenant in tenants:
        with tenant_scope(tenant):
            existing = set(db.session.execute(select(Membership.user_id)).scalars())
            first_office = (
                db.session.execute(
                    select(Office.id).where(Office.archived_at.is_(None)).order_by(Office.code)
                )
                .scalars()
                .first()
            )
            for key, role in DEMO_ROLES:
                user = users[(tenant.slug, key)]
                if user.id in existing:
                    continue
                scope = {"offices": [first_office]} if key == "staff" and first_office else {}
                db.session.add(Membership(user_id=user.id, role=role, scope=scope))
            db.session.flush()
    if figures:
        from saas.demo.generator import generate_demo_data

        for tenant in tenants:
            started = time.perf_counter()
            counts = generate_demo_data(tenant)
            # years of figures per tenant: committed one tenant at a time, so the
            # session does not hold the whole bulk load in memory
            commit()
            if any(counts.values()):
                echo(
                    f"Synthetische Demodaten {tenant.slug}: "
                    + ", ".join(f"{k} {v}" for k, v in counts.items())
                    + f" ({time.perf_counter() - started:.1f} s)"
                )
        analyze()  # bulk inserts leave PostgreSQL without statistics for the planner
    _demo_rings(tenants, echo, publish=figures)


#: demo comparison rings: code, name, member slugs
DEMO_RINGS = (
    ("nrw-staedte", "NRW-Städte", ("marl", "hamm")),
    ("alle", "Alle Kommunen", DEMO_SLUGS),
)


def _demo_rings(tenants: list[Tenant], echo: Callable[[str], None], *, publish: bool) -> None:
    """The demo comparison rings with their members; publishes the members' figures."""
    from saas.comparison.models import ComparisonRing, RingParticipation
    from saas.comparison.services import refresh_publication

    by_slug = {tenant.slug: tenant for tenant in tenants}
    for code, name, slugs in DEMO_RINGS:
        ring = db.session.execute(
            select(ComparisonRing).where(ComparisonRing.code == code)
        ).scalar_one_or_none()
        if ring is None:
            ring = ComparisonRing(code=code, name=name, description="")
            db.session.add(ring)
            db.session.flush()
        for slug in slugs:
            with tenant_scope(by_slug[slug]):
                joined = db.session.execute(
                    select(RingParticipation.id).where(RingParticipation.ring_id == ring.id)
                ).first()
                if joined is None:
                    db.session.add(RingParticipation(ring_id=ring.id))
                    db.session.flush()
    if publish:
        for tenant in tenants:
            count = refresh_publication(tenant)
            echo(f"Vergleichsring-Veröffentlichung {tenant.slug}: {count} Werte")
