"""The dashboard makes a constant number of queries whatever the amount of data."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from saas.core.db import db
from tests.config.factories import seed_config
from tests.conftest import tenant


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def dashboard_queries(app, client) -> int:
    client.get("/marl/dashboard")  # warm caches (rolemap, templates)
    with count_queries(app) as statements:
        assert client.get("/marl/dashboard").status_code == 200
    return len(statements)


def test_dashboard_query_count_is_constant(app, auth, client):
    """Measured from a tenant with one object of every kind (and a figure, so the trends
    are read): what it shows then may take a few more statements than an empty tenant's
    page, but more of the same data must not add any."""
    auth("admin", "marl")
    seed_config(tenant("marl"), prefix="0-")
    few = dashboard_queries(app, client)
    for i in range(1, 5):
        _more(i)
    full = dashboard_queries(app, client)
    assert full == few, (few, full)


def _more(i: int) -> None:
    from saas.carriers.models import Carrier
    from saas.core.tenancy import tenant_scope
    from saas.offices.models import Office

    with tenant_scope(tenant("marl")):
        db.session.add_all([Office(code=f"o{i}-{j}", name=f"Büro {i}-{j}") for j in range(20)])
        db.session.add_all([Carrier(code=f"c{i}-{j}", name=f"Träger {i}-{j}") for j in range(20)])
        db.session.commit()
