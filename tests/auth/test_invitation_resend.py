"""A tenant admin's "Erneut senden": a new single-use link, the old one stops working, the same
fourteen days from now as a new invitation, an audit event, limited like the reset mails."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select, update

from saas.auth.services import aware
from saas.core.audit import AuditLog
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from saas.members.models import Invitation
from saas.members.services import INVITATION_DAYS
from tests.auth.conftest import invitation_link, path_of, post_form
from tests.auth.test_invitations import invite
from tests.conftest import csrf_token, login, tenant
from tests.core.test_ratelimit_redis import restore_limiter  # noqa: F401  # a fixture


def _invitation(email: str, slug: str = "marl") -> SimpleNamespace:
    """The invitation's columns as plain values (the row is only visible in its tenant)."""
    with tenant_scope(tenant(slug)):
        db.session.rollback()
        row = db.session.execute(select(Invitation).where(Invitation.email == email)).scalar_one()
        return SimpleNamespace(**{c.key: getattr(row, c.key) for c in Invitation.__table__.c})


def _resend(client, invitation_id: int, slug: str = "marl"):  # noqa: ANN202
    return client.post(
        f"/{slug}/members/invitations/{invitation_id}/resend",
        data={"csrf_token": csrf_token(client, f"/{slug}/members/")},
    )


def test_send_again_gives_a_new_link_and_ends_the_old_one(app, auth, client):
    auth("admin", "marl")
    first = invite(client, "nochmal@example.org", role="viewer")
    invitation = _invitation("nochmal@example.org")
    # nearly expired: the new link has the full fourteen days again, like a new invitation
    with tenant_scope(tenant("marl")):
        db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id)
            .values(expires_at=utcnow() + timedelta(hours=1))
        )
        db.session.commit()

    index = client.get("/marl/members/").get_data(as_text=True)
    assert f"/marl/members/invitations/{invitation.id}/resend" in index
    assert "Erneut senden" in index

    response = _resend(client, invitation.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Neuer Einladungslink" in html and "nochmal@example.org" in html
    assert "Der bisherige Link dieser Einladung funktioniert nicht mehr." in html
    second = path_of(invitation_link(html))
    assert second != first

    visitor = app.test_client()
    assert visitor.get(first).status_code == 404  # the old link stops working at once
    assert visitor.get(second).status_code == 200

    renewed = _invitation("nochmal@example.org")
    assert renewed.id == invitation.id  # the same invitation: address and role kept
    assert renewed.role == "viewer"
    left = aware(renewed.expires_at) - utcnow()
    assert timedelta(days=INVITATION_DAYS) - timedelta(minutes=5) < left
    assert left <= timedelta(days=INVITATION_DAYS)
    with all_tenants():
        events = db.session.execute(
            select(AuditLog).where(
                AuditLog.action == "invitation_renewed", AuditLog.entity_id == invitation.id
            )
        ).scalars()
        assert [(e.entity, e.tenant_id) for e in events] == [("invitations", tenant("marl").id)]


def test_the_new_link_is_single_use(app, auth, client):
    auth("admin", "marl")
    invite(client, "einmal@example.org", role="viewer")
    html = _resend(client, _invitation("einmal@example.org").id).get_data(as_text=True)
    link = path_of(invitation_link(html))
    person = app.test_client()
    password = "Zitronen-Falter-7-Blau"
    done = post_form(person, link, {"name": "Einmal", "password": password, "confirm": password})
    assert done.status_code == 302
    assert app.test_client().get(link).status_code == 404


def test_a_withdrawn_invitation_is_not_sent_again(app, auth, client):
    auth("admin", "marl")
    link = invite(client, "weg@example.org", role="viewer")
    invitation = _invitation("weg@example.org")
    client.post(
        f"/marl/members/invitations/{invitation.id}/revoke",
        data={"csrf_token": csrf_token(client, "/marl/members/")},
    )
    response = _resend(client, invitation.id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/members/")
    page = client.get("/marl/members/").get_data(as_text=True)
    assert "inzwischen angenommen oder zurückgezogen" in page
    assert _invitation("weg@example.org").revoked_at is not None
    assert app.test_client().get(link).status_code == 404
    with all_tenants():
        assert not db.session.execute(
            select(AuditLog.id).where(
                AuditLog.action == "invitation_renewed", AuditLog.entity_id == invitation.id
            )
        ).all()


def test_only_the_tenants_admins_send_again(app, auth, client):
    auth("admin", "hamm")
    invite(client, "hammgast@example.org", slug="hamm", role="viewer")
    hamm_invitation = _invitation("hammgast@example.org", "hamm")
    client.post("/hamm/logout", data={"csrf_token": csrf_token(client, "/hamm/members/")})

    other = app.test_client()
    assert login(other, "admin@marl.example", "marl").status_code == 302
    # another municipality's invitation is not found through Marl
    assert _resend(other, hamm_invitation.id).status_code == 404

    coordinator = app.test_client()
    assert login(coordinator, "coordinator@hamm.example", "hamm").status_code == 302
    token = csrf_token(coordinator, "/hamm/dashboard")
    refused = coordinator.post(
        f"/hamm/members/invitations/{hamm_invitation.id}/resend", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert _invitation("hammgast@example.org", "hamm").token_hash == hamm_invitation.token_hash


def test_send_again_is_rate_limited_like_the_reset_mails(make_app, restore_limiter):  # noqa: F811
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_KEY_PREFIX=f"saas-test-{uuid.uuid4().hex}",
    )
    client = app.test_client()
    assert login(client, "admin@marl.example", "marl").status_code == 302
    invite(client, "oft@example.org", role="viewer")
    invitation_id = _invitation("oft@example.org").id
    statuses = [_resend(client, invitation_id).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # the wizard's "create a new link and send it again" has the same limit
    platform = app.test_client()
    assert login(platform, "platform@sozialraum.example", "platform").status_code == 302
    page = f"/platform/onboard/{tenant('marl').id}/invitation"
    token = csrf_token(platform, page)
    statuses = [
        platform.post(page, data={"csrf_token": token, "invitation_id": invitation_id}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
