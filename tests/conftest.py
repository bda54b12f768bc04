"""Shared fixtures: a fresh migrated database per test, demo tenants, clients and factories.

The database backend of the ``app`` fixture (and of every fixture built on it) is chosen by
``SAAS_TEST_BACKEND``:

* ``sqlite`` (default): a copy of a migrated SQLite template file per test;
* ``postgresql``: the PostgreSQL database of ``TEST_DATABASE_URL``, the app connected as the
  runtime role under row-level security, every table reset to a snapshot before each test
  (``tests/pg.py``). Tests marked ``sqlite_only`` are deselected there.

Tests marked ``one_pass`` (the browser crawls over every page or each role's pages, minutes
each; the screenshots of the report PDFs, which CI's two passes, run at the same time, would
both write) run in every pass unless ``SAAS_ONE_PASS_BACKEND`` names one backend:
``.ci/run``, which runs both, sets ``postgresql``, the production backend, and the SQLite
pass says which it left out.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from saas import create_app
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests import routes_cache

pytest_plugins = ["tests.pg"]
routes_cache.install()

DEMO_PASSWORD = "demo-test-pw"
BACKENDS = ("sqlite", "postgresql")


def backend() -> str:
    """The database backend of the ``app`` fixture: ``SAAS_TEST_BACKEND``, default sqlite."""
    return os.environ.get("SAAS_TEST_BACKEND", "").strip().lower() or "sqlite"


def on_postgres() -> bool:
    return backend() == "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    if backend() not in BACKENDS:
        raise pytest.UsageError(
            f"SAAS_TEST_BACKEND must be one of {', '.join(BACKENDS)}, not {backend()!r}"
        )
    if on_postgres() and not os.environ.get("TEST_DATABASE_URL", "").strip():
        raise pytest.UsageError(
            "SAAS_TEST_BACKEND=postgresql needs TEST_DATABASE_URL (the owner connection, e.g. "
            "postgresql+psycopg://root@127.0.0.1:5432/test)"
        )


def pytest_report_header(config: pytest.Config) -> str:
    if on_postgres():
        from tests.pg import APP_ROLE, _safe

        url = _safe(os.environ["TEST_DATABASE_URL"])
        return f"database backend: postgresql at {url} (app as {APP_ROLE}, row-level security)"
    return "database backend: sqlite (SAAS_TEST_BACKEND=postgresql for PostgreSQL)"


ONE_PASS_ELSEWHERE = pytest.StashKey[list[str]]()


def pytest_itemcollected(item: pytest.Item) -> None:
    """A test that asks for the PostgreSQL database itself (``pg_database``, ``pg_app``, …) is a
    ``postgres`` test whatever its file says: CI's SQLite pass deselects those while its
    PostgreSQL pass, running at the same time, holds that database (five such tests once
    waited 600 s for its lock there and failed)."""
    names = getattr(item, "fixturenames", ())
    if "pg_database" in names and item.get_closest_marker("postgres") is None:
        item.add_marker(pytest.mark.postgres)


def one_pass_backend() -> str | None:
    """``SAAS_ONE_PASS_BACKEND``: the backend whose pass runs the ``one_pass`` tests when a
    run covers both backends (``.ci/run`` sets ``postgresql``); unset, every pass runs them."""
    value = os.environ.get("SAAS_ONE_PASS_BACKEND", "").strip().lower()
    return value or None


def deselected_here(item: pytest.Item) -> bool:
    """On PostgreSQL the few tests about SQLite itself; in a pass other than
    :func:`one_pass_backend` the long crawls marked ``one_pass``."""
    if on_postgres() and item.get_closest_marker("sqlite_only"):
        return True
    elsewhere = one_pass_backend() not in (None, backend())
    return elsewhere and item.get_closest_marker("one_pass") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, dropped = [], []
    for item in items:
        (dropped if deselected_here(item) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    elsewhere = [item.nodeid for item in dropped if item.get_closest_marker("one_pass")]
    if elsewhere:
        config.stash[ONE_PASS_ELSEWHERE] = elsewhere


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    elsewhere = config.stash.get(ONE_PASS_ELSEWHERE, [])
    if elsewhere:
        terminalreporter.write_line(
            f"{len(elsewhere)} one_pass test(s) deselected here; they run in the "
            f"{one_pass_backend()} pass (SAAS_ONE_PASS_BACKEND): {', '.join(elsewhere)}"
        )


def base_config(url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "MIGRATION_DATABASE_URL": url,
        "SAAS_DEMO_PASSWORD": DEMO_PASSWORD,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123",
    }


def migrate_to_head(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head with the demo tenants, copied for every test."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app(base_config(f"sqlite:///{path}"))
    migrate_to_head(app)
    with app.app_context():
        from saas.demo import load_demo

        load_demo(echo=lambda _msg: None, figures=False)
        db.session.remove()
        db.engine.dispose()
    return path


def app_on_copy(source: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app under test, on a fresh copy of the SQLite database ``source``.

    The test body runs inside the context of a *twin* app on the same database: Flask reuses
    an already pushed context of the same app for requests, which would share ``g`` and the
    SQLAlchemy session between the test and its requests. With the twin, every request gets
    its own context and session, as in production.
    """
    path = tmp_path / "test.sqlite"
    shutil.copyfile(source, path)
    config = base_config(f"sqlite:///{path}")
    app = create_app(config)
    twin = create_app(config)
    with twin.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app under test with the demo tenants, on a fresh database of the test backend:
    a copy of the SQLite template (see :func:`app_on_copy`) or, on PostgreSQL, the test
    database reset to its demo snapshot (``tests/pg.py::app_on_snapshot``)."""
    if on_postgres():
        from tests.pg import app_on_snapshot

        yield from app_on_snapshot(request.getfixturevalue("pg_database"))
    else:
        yield from app_on_copy(request.getfixturevalue("template_db"), tmp_path)


#: the PostgreSQL snapshot with Marl's generated figures and activities
MARL_DATA_SNAPSHOT = "marl_data"


def generate_marl_data() -> None:
    """Marl's synthetic demo figures and activities, 2015–2024 (a few seconds): up to a
    fixed month, so that the tests do not depend on today's date."""
    from saas.demo.generator import generate_demo_data

    generate_demo_data(tenant("marl"), until=(2024, 12))
    db.session.commit()


@pytest.fixture(scope="session")
def marl_data_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite template database plus :func:`generate_marl_data`."""
    path = tmp_path_factory.mktemp("marl-data-db") / "marl-data.sqlite"
    shutil.copyfile(template_db, path)
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        generate_marl_data()
        db.session.remove()
        db.engine.dispose()
    return path


def app_with_marl_data(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """Like :func:`app`, on a database that also has Marl's generated demo data.

    The data is generated once per session: into a SQLite file copied for every test, or on
    PostgreSQL into a snapshot of its own to which every test resets the tables. Packages whose
    tests need it override ``app`` with this (tests/reports, tests/impact).
    """
    if on_postgres():
        from tests.pg import app_on_snapshot

        database = request.getfixturevalue("pg_database")
        yield from app_on_snapshot(database, MARL_DATA_SNAPSHOT, generate_marl_data)
    else:
        yield from app_on_copy(request.getfixturevalue("marl_data_db"), tmp_path)


@pytest.fixture
def fresh_config(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], dict[str, Any]]:
    """``fresh_config()``: the config of a database in the state ``app`` starts from.

    On SQLite another copy of the template; on PostgreSQL the one test database reset to the
    demo snapshot, so what the test wrote before is gone there (read it first).
    """
    copies = iter(range(1, 1000))

    def _fresh() -> dict[str, Any]:
        if on_postgres():
            from tests.pg import fresh_pg_config

            return fresh_pg_config(request.getfixturevalue("pg_database"))
        path = tmp_path / f"fresh-{next(copies)}.sqlite"
        shutil.copyfile(request.getfixturevalue("template_db"), path)
        return base_config(f"sqlite:///{path}")

    return _fresh


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, url: str) -> str:
    """Fetch a page and read the CSRF token of its first form."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(
    client: FlaskClient,
    email: str,
    slug: str = "marl",
    password: str = DEMO_PASSWORD,
    remember: bool = False,
) -> Any:
    url = f"/{slug}/login" if slug != "platform" else "/platform/login"
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, url)}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data)


@pytest.fixture
def auth(client: FlaskClient):  # noqa: ANN201
    """``auth("admin", "marl")`` logs the client in as a demo account."""

    def _login(role: str = "admin", slug: str = "marl") -> FlaskClient:
        email = "platform@sozialraum.example" if slug == "platform" else f"{role}@{slug}.example"
        response = login(client, email, slug)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


def tenant(slug: str) -> Any:
    from saas.tenants.models import Tenant

    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one()


@pytest.fixture
def create_tenant(app: Flask):  # noqa: ANN201
    from saas.tenants.models import Tenant

    def _create(slug: str, name: str | None = None, **fields: Any) -> Any:
        with all_tenants():
            obj = Tenant(slug=slug, name=name or slug.title(), **fields)
            db.session.add(obj)
            db.session.commit()
        return obj

    return _create


@pytest.fixture
def create_user(app: Flask):  # noqa: ANN201
    from saas.auth.models import Membership
    from saas.auth.services import add_user as _create_user
    from saas.core.tenancy import tenant_scope

    def _create(
        email: str,
        *,
        tenant_obj: Any = None,
        role: str = "viewer",
        password: str = DEMO_PASSWORD,
        **fields: Any,
    ) -> Any:
        with all_tenants():
            user = _create_user(email, password, **fields)
            db.session.flush()
        if tenant_obj is not None:
            with tenant_scope(tenant_obj):
                db.session.add(Membership(user_id=user.id, role=role))
                db.session.flush()
        db.session.commit()
        return user

    return _create


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")
