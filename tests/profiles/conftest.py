"""Profile messages come from the catalogue: tests without a database still read them in
German, the language of the command line (an app context without a request)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from saas import create_app
from tests.conftest import base_config


@pytest.fixture(scope="session")
def messages_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app for the message catalogue only (its database is never opened)."""
    path: Path = tmp_path_factory.mktemp("messages") / "unused.sqlite"
    return create_app(base_config(f"sqlite:///{path}"))


@pytest.fixture(autouse=True)
def german_messages(messages_app: Flask) -> Iterator[None]:
    with messages_app.app_context():
        yield
