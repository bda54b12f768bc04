"""Report tests run on Marl with ten years of generated demo figures and activities.

The ``app`` fixture here overrides the one of ``tests/conftest.py`` for this package only: see
``tests/conftest.py::app_with_marl_data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.conftest import app_with_marl_data, tenant


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """``tests/conftest.py``'s app, with Marl's demo figures (:func:`app_with_marl_data`)."""
    yield from app_with_marl_data(request, tmp_path)


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
    from saas.reports.builder import run_report

    template = shared(code_or_template) if isinstance(code_or_template, str) else code_or_template
    result = run_report(template, range(first, last + 1), level, tenant=tenant(slug))
    db.session.rollback()
    return result
