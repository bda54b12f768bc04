"""Protection tests that need the demo run on Marl's generated figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import app_with_marl_data


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """``tests/conftest.py``'s app, with Marl's demo figures."""
    yield from app_with_marl_data(request, tmp_path)
