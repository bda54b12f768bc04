"""Fixtures of the account-security tests: apps with other settings, client addresses, TOTP."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from saas import create_app
from saas.core.db import db
from tests.conftest import base_config, csrf_token


@pytest.fixture
def make_app(template_db: Path, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make_app(SAAS_MFA_GRACE=False, …)``: the app on a fresh copy of the demo database
    with these settings; the test body runs in a twin app context like with ``app``."""
    stack = contextlib.ExitStack()
    count = 0

    def _make(**overrides: Any) -> Flask:
        nonlocal count
        count += 1
        path = tmp_path / f"custom-{count}.sqlite"
        shutil.copyfile(template_db, path)
        config = {**base_config(f"sqlite:///{path}"), **overrides}
        app, twin = create_app(config), create_app(config)
        stack.enter_context(twin.app_context())
        return app

    with stack:
        yield _make
        db.session.remove()


#: the lockout on, counted in this app's own memory (rate limits are off in the tests, and
#: with REDIS_URL set every test app would otherwise share the counts in Redis)
LOCKING = {"SAAS_LOCKOUT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def locking_client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(**LOCKING).test_client()


def post_form(client: FlaskClient, url: str, data: dict[str, str], **kwargs: Any) -> Any:
    """Fetch the form page for its CSRF token, then post ``data``."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)}, **kwargs)


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    """Let every later request of ``client`` come from ``address``."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def invitation_link(html: str) -> str:
    match = re.search(r'value="(https?://[^"]+/members/accept/[^"]+)"', html)
    assert match, html[-2000:]
    return match.group(1)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
