"""Demo tenants and accounts (SPEC §6)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import select

from saas.auth.models import Membership
from saas.auth.services import create_user, find_user
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant

DEMO_TENANTS = (
    ("marl", "Stadt Marl"),
    ("hamm", "Stadt Hamm"),
    ("rv-saarbruecken", "Regionalverband Saarbrücken"),
)
DEMO_ROLES = (
    ("admin", "tenant_admin"),
    ("coordinator", "coordinator"),
    ("staff", "staff"),
    ("viewer", "viewer"),
)


def _ensure_user(email: str, password: str, **fields: object) -> object:
    user = find_user(email)
    if user is None:
        user = create_user(email, password, **fields)
        db.session.flush()
    return user


def load_demo(echo: Callable[[str], None] = print, *, figures: bool = True) -> None:
    """Create the three demo tenants and their demo accounts (idempotent)."""
    password = current_app.config["SAAS_DEMO_PASSWORD"]
    with all_tenants():
        _ensure_user(
            "platform@sozialraum.example",
            password,
            name="Plattform-Betrieb",
            is_platform_admin=True,
        )
        tenants = []
        for slug, name in DEMO_TENANTS:
            tenant = db.session.execute(
                select(Tenant).where(Tenant.slug == slug)
            ).scalar_one_or_none()
            if tenant is None:
                tenant = Tenant(slug=slug, name=name, default_locale="de")
                db.session.add(tenant)
                db.session.flush()
            tenants.append(tenant)
        users = {
            (slug, key): _ensure_user(f"{key}@{slug}.example", password, name=f"Demo {key}")
            for slug, _ in DEMO_TENANTS
            for key, _role in DEMO_ROLES
        }
    for tenant in tenants:
        with tenant_scope(tenant):
            existing = set(db.session.execute(select(Membership.user_id)).scalars())
            for key, role in DEMO_ROLES:
                user = users[(tenant.slug, key)]
                if user.id not in existing:
                    db.session.add(Membership(user_id=user.id, role=role))
            db.session.flush()
        echo(f"Demo tenant {tenant.slug}: {tenant.name}")
    db.session.commit()


def register_extra_cli(app: Flask) -> None:
    """Hook for CLI groups of later areas (tenants, figures, reports)."""
