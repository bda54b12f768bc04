"""What the PostgreSQL benchmarks share: their own database and a runtime role."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def create_database(
    owner_url: str, database: str, role: str, password: str, *, reuse: bool
) -> tuple[str, str, bool]:
    """The benchmark ``database`` (fresh, or a kept one with ``reuse``) and the runtime
    ``role`` that owns nothing; (owner URL, app URL, whether the kept database was reused)."""
    admin = sa.create_engine(
        make_url(owner_url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
        ).first()
        reused = bool(reuse and kept)
        if not reused:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {database}"))
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
        if not exists:
            conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(
            sa.text(f"ALTER ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{password}'")
        )
    admin.dispose()
    bench_owner = make_url(owner_url).set(database=database)
    bench_app = bench_owner.set(username=role, password=password)
    return (
        bench_owner.render_as_string(hide_password=False),
        bench_app.render_as_string(hide_password=False),
        reused,
    )


def make_app(url: str, owner_url: str, role: str, password: str, **extra: Any) -> Any:
    """The app on the benchmark database as ``role`` (test settings, no CSRF or limits)."""
    from saas import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MIGRATION_DATABASE_URL": owner_url,
            "SAAS_DB_APP_ROLE": role,
            "SAAS_DEMO_PASSWORD": password,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
            **extra,
        }
    )
