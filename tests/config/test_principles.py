"""Principles are ordered and can be moved up and down."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.principles.models import Principle
from tests.conftest import csrf_token, tenant


def titles() -> list[str]:
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        return list(
            db.session.execute(
                select(Principle.title)
                .where(Principle.archived_at.is_(None))
                .order_by(Principle.position, Principle.id)
            ).scalars()
        )


def test_move_principle_up_and_down(auth, client):
    auth("admin", "marl")
    before = titles()
    assert len(before) == 5  # Hinte's five from the _base profile
    with tenant_scope(tenant("marl")):
        third = db.session.execute(
            select(Principle.id).where(Principle.title == before[2])
        ).scalar_one()
    token = csrf_token(client, "/marl/principles/")
    assert f"principles/{third}/move/up" in client.get("/marl/principles/").get_data(as_text=True)
    client.post(f"/marl/principles/{third}/move/up", data={"csrf_token": token})
    assert titles() == [before[0], before[2], before[1], *before[3:]]
    client.post(f"/marl/principles/{third}/move/down", data={"csrf_token": token})
    assert titles() == before


def test_viewer_cannot_reorder(auth, client):
    auth("viewer", "marl")
    first = titles()
    with tenant_scope(tenant("marl")):
        last = db.session.execute(
            select(Principle.id).where(Principle.title == first[-1])
        ).scalar_one()
    token = csrf_token(client, "/marl/principles/")
    assert (
        client.post(f"/marl/principles/{last}/move/up", data={"csrf_token": token}).status_code
        == 403
    )
    assert titles() == first
