"""Reports aggregate the whole municipality: a membership limited to an office may not run them.

The demo staff member of Marl is limited to the first office (see ``saas/demo.py``).
"""

from __future__ import annotations

from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offices.models import Office
from tests.conftest import login, tenant
from tests.reports.conftest import shared

HZE = "entwicklung-hze"
PARAMS = "&from=2015&to=2024&level=stadtteil"


def test_scoped_coordinator_cannot_run_or_download_a_report(client, create_user):
    """A role that may run reports (``reports.run``), limited to one office: refused."""
    template = shared(HZE)
    marl = tenant("marl")
    with tenant_scope(marl):
        office_id = db.session.execute(select(Office.id).order_by(Office.id)).scalars().first()
    create_user("local@marl.example", tenant_obj=marl, role="coordinator")
    with tenant_scope(marl):
        from saas.auth.models import Membership, User

        member = db.session.execute(
            select(Membership).join(User).where(User.email == "local@marl.example")
        ).scalar_one()
        member.scope = {"offices": [office_id]}
        db.session.commit()
    assert login(client, "local@marl.example").status_code == 302
    assert client.get(f"/marl/reports/run?template={template.id}{PARAMS}").status_code == 403
    url = f"/marl/reports/run/export.csv?template={template.id}{PARAMS}"
    assert client.get(url).status_code == 403


def test_unscoped_coordinator_runs_the_same_report(auth, client):
    template = shared(HZE)
    auth("coordinator", "marl")
    assert client.get(f"/marl/reports/run?template={template.id}{PARAMS}").status_code == 200
