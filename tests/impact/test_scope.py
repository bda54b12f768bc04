"""Impact analyses of a membership limited to an office: its own office's analysis only.

The pages need ``reports.run``; the demo's office-limited member is staff, so the tests give
that membership the coordinator role, keeping its scope."""

from __future__ import annotations

from sqlalchemy import select

from saas.auth.models import Membership
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offices.models import Office


def offices(marl) -> tuple[int, int]:  # noqa: ANN001
    """(the staff member's own office, another office) of Marl."""
    with tenant_scope(marl):
        staff = db.session.execute(
            select(Membership).where(Membership.role == "staff")
        ).scalar_one()
        own = staff.office_ids[0]
        other = db.session.execute(select(Office.id).where(Office.id != own)).scalars().first()
    db.session.rollback()
    return own, other


def scoped_coordinator(marl) -> None:  # noqa: ANN001
    with tenant_scope(marl):
        staff = db.session.execute(
            select(Membership).where(Membership.role == "staff")
        ).scalar_one()
        staff.role = "coordinator"
        db.session.commit()


def test_scoped_member_sees_only_its_offices_analysis(auth, client, marl):
    own, other = offices(marl)
    auth("staff", "marl")
    assert client.get(f"/marl/impact/{own}").status_code == 403  # staff: no reports.run
    scoped_coordinator(marl)
    auth("staff", "marl")
    assert client.get(f"/marl/impact/{own}").status_code == 200
    assert client.get(f"/marl/impact/{other}").status_code == 404
    assert client.get(f"/marl/impact/{other}/export.csv").status_code == 404
    index = client.get("/marl/impact/").get_data(as_text=True)
    assert f'href="/marl/impact/{own}?' in index and f'href="/marl/impact/{other}?' not in index


def test_unscoped_coordinator_sees_every_office(auth, client, marl):
    own, other = offices(marl)
    auth("coordinator", "marl")
    assert client.get(f"/marl/impact/{other}").status_code == 200
