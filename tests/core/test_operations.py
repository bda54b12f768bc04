"""The one commit point: a request commits once after its handler, or not at all."""

from __future__ import annotations

from typing import Any

import click
import pytest
from flask import Flask
from sqlalchemy import func, select

from saas import create_app
from saas.core import operations
from saas.core.db import db
from saas.core.operations import Conflict, Denied, acting_as_system, check_permission
from saas.core.tenancy import tenant_scope
from saas.principles.models import Principle
from tests.conftest import base_config, tenant


def _count(code: str) -> int:
    with tenant_scope(tenant("marl")):
        return db.session.execute(
            select(func.count()).select_from(Principle).where(Principle.code == code)
        ).scalar_one()


def _add(code: str) -> None:
    with tenant_scope(tenant("marl")):
        db.session.add(Principle(code=code, title=code))
        db.session.flush()


@pytest.fixture
def probe_app(app: Flask) -> Flask:
    """A second app on the test database with probe views, wrapped like every other view."""
    probe = create_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"])})

    def ok() -> str:
        _add("ok")
        return "ok"

    def fails() -> str:
        _add("raises")
        raise RuntimeError("boom")

    def refused() -> Any:
        _add("refused")
        return "refused", 400

    def kept() -> Any:
        _add("kept")
        operations.keep_changes()
        return "kept", 401

    for name, view in {"ok": ok, "fails": fails, "refused": refused, "kept": kept}.items():
        probe.add_url_rule(f"/_probe/{name}", f"probe_{name}", view)
    operations.init_app(probe)
    probe.config["PROPAGATE_EXCEPTIONS"] = False
    yield probe
    with probe.app_context():
        db.engine.dispose()


def test_a_successful_request_commits(probe_app: Flask) -> None:
    assert probe_app.test_client().get("/_probe/ok").status_code == 200
    assert _count("ok") == 1


def test_an_exception_rolls_everything_back(probe_app: Flask) -> None:
    assert probe_app.test_client().get("/_probe/fails").status_code == 500
    assert _count("raises") == 0


def test_an_error_status_rolls_back(probe_app: Flask) -> None:
    assert probe_app.test_client().get("/_probe/refused").status_code == 400
    assert _count("refused") == 0


def test_keep_changes_commits_on_an_error_status(probe_app: Flask) -> None:
    assert probe_app.test_client().get("/_probe/kept").status_code == 401
    assert _count("kept") == 1


def test_every_view_of_the_app_has_the_commit_point(app: Flask) -> None:
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if not getattr(view, "commit_point", False)
    ]
    assert not missing


def test_every_cli_command_has_the_commit_point(app: Flask) -> None:
    def walk(command: click.Command, path: str) -> list[str]:
        if isinstance(command, click.Group):
            return [
                x for name, sub in command.commands.items() for x in walk(sub, f"{path} {name}")
            ]
        return [] if getattr(command.callback, "commit_point", False) else [path]

    missing = [x for name, cmd in app.cli.commands.items() if name != "db" for x in walk(cmd, name)]
    assert not missing


def test_a_unique_key_taken_at_commit_is_a_conflict(app: Flask) -> None:
    _add("twice")
    db.session.commit()
    with tenant_scope(tenant("marl")):
        db.session.add(Principle(code="twice", title="again"))
        with pytest.raises(Conflict):
            operations.commit()
    assert _count("twice") == 1


def test_permission_checks_without_a_user_deny_unless_system(app: Flask) -> None:
    with pytest.raises(Denied):
        check_permission("config.manage")
    with acting_as_system():
        check_permission("config.manage")
