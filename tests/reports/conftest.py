"""Report tests run on Marl with ten years of generated demo figures and activities.

Generating them takes a few seconds, so it happens once per session into a copy of the
template database; every test then gets a fresh copy of that file (the ``app`` fixture here
overrides the one of ``tests/conftest.py`` for this package only). On PostgreSQL the data is
generated once into a snapshot of its own, to which every test resets the tables.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from saas import create_app
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.conftest import app_on_copy, base_config, on_postgres, tenant

#: the PostgreSQL snapshot with Marl's generated figures and activities
REPORTS_SNAPSHOT = "reports"


def generate_marl() -> None:
    from saas.demo.generator import generate_demo_data

    generate_demo_data(tenant("marl"))
    db.session.commit()


@pytest.fixture(scope="session")
def reports_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template database plus Marl's synthetic demo data (2015–2024)."""
    path = tmp_path_factory.mktemp("reports-db") / "reports.sqlite"
    shutil.copyfile(template_db, path)
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        generate_marl()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """Like ``tests/conftest.py``'s app (twin context), on a copy of :func:`reports_db`."""
    if on_postgres():
        from tests.pg import app_on_snapshot

        database = request.getfixturevalue("pg_database")
        yield from app_on_snapshot(database, REPORTS_SNAPSHOT, generate_marl)
    else:
        yield from app_on_copy(request.getfixturevalue("reports_db"), tmp_path)


def shared(code: str) -> Any:
    """The latest version of a shared template."""
    from saas.reports.store import latest_shared

    with all_tenants():
        template = latest_shared()[code]
    db.session.expunge(template)
    return template


def run(
    code_or_template: Any,
    first: int = 2015,
    last: int = 2024,
    level: str | None = None,
    slug: str = "marl",
) -> Any:
    """``run_report`` as ``slug`` outside a request (German locale)."""
    from saas.reports.service import run_report

    template = shared(code_or_template) if isinstance(code_or_template, str) else code_or_template
    result = run_report(template, range(first, last + 1), level, tenant=tenant(slug))
    db.session.rollback()
    return result
