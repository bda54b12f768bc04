"""The test suite's database backend switch (``SAAS_TEST_BACKEND``, see tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from saas.core.db import db
from tests.conftest import on_postgres
from tests.pg import APP_ROLE

ROOT = Path(__file__).resolve().parent.parent


def test_app_fixture_runs_on_the_selected_backend(app: Flask) -> None:
    for engine in (db.engine, *_engine_of(app)):
        if on_postgres():
            assert engine.dialect.name == "postgresql"
            assert engine.url.username == APP_ROLE
        else:
            assert engine.dialect.name == "sqlite"
    if on_postgres():
        superuser, bypass = db.session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        assert (superuser, bypass) == (False, False)


def _engine_of(app: Flask) -> list:
    with app.app_context():
        return [db.engine]


def _collect(
    *args: str, unset: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """``pytest --collect-only`` on ``args`` (default this file) with ``env`` set and
    ``SAAS_TEST_BACKEND`` and ``unset`` removed from the environment."""
    drop = ("SAAS_TEST_BACKEND", *unset)
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + list(args or ["tests/test_backend.py"]),
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SAAS_TEST_BACKEND": "mysql"}, "SAAS_TEST_BACKEND must be one of sqlite, postgresql"),
        (
            {"SAAS_TEST_BACKEND": "postgresql", "TEST_DATABASE_URL": ""},
            "SAAS_TEST_BACKEND=postgresql needs TEST_DATABASE_URL",
        ),
    ],
)
def test_a_wrong_backend_stops_the_run_before_any_test(env: dict[str, str], message: str) -> None:
    done = _collect(**env)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert message in done.stderr


def _collect_crawls(**env: str) -> str:
    env.setdefault("TEST_DATABASE_URL", os.environ.get("TEST_DATABASE_URL") or "unused://")
    done = _collect("tests/browser/test_every_page.py", unset=("SAAS_ONE_PASS_BACKEND",), **env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


CRAWL = "test_every_page_has_no_wcag_violations_for_every_role"


@pytest.mark.parametrize(
    ("env", "collected"),
    [
        ({}, True),  # a laptop's `make test`: every pass runs the crawls
        ({"SAAS_ONE_PASS_BACKEND": "postgresql"}, False),  # CI's SQLite pass
        ({"SAAS_ONE_PASS_BACKEND": "postgresql", "SAAS_TEST_BACKEND": "postgresql"}, True),
        ({"SAAS_ONE_PASS_BACKEND": "sqlite"}, True),
    ],
)
def test_the_crawls_run_in_the_one_pass_named(env: dict[str, str], collected: bool) -> None:
    out = _collect_crawls(**env)
    lines = out.splitlines()
    assert (f"tests/browser/test_every_page.py::{CRAWL}" in lines) is collected, out
    assert "tests/browser/test_every_page.py::test_parameters_of_pages_to_come_are_filled_too" in (
        lines
    )  # not one_pass
    if not collected:
        assert "one_pass test(s) deselected here; they run in the postgresql pass" in out


def test_a_test_asking_for_the_postgresql_database_is_a_postgres_test() -> None:
    """CI's SQLite pass (``-m 'not postgres'``) runs beside the PostgreSQL pass, which holds
    that database; a test that asks for it (here through ``pg_app``) must not be in it."""
    done = _collect("-m", "not postgres", "tests/core/test_concurrency.py")
    assert done.returncode == 0, done.stdout + done.stderr
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected, done.stdout  # the SQLite tests of the file stay
    assert not [line for line in collected if "on_postgres" in line], collected
