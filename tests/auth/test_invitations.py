"""Invitations: no password oracle, no takeover; existing accounts accept through the login."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from saas.auth.models import Membership, User
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from saas.members.models import Invitation
from tests.auth.conftest import invitation_link, path_of, post_form
from tests.conftest import DEMO_PASSWORD, login, tenant

GOOD_PASSWORD = "Zitronen-Falter-7-Blau"


def invite(client, email: str, slug: str = "marl", role: str = "tenant_admin") -> str:
    response = post_form(client, f"/{slug}/members/invite", {"email": email, "role": role})
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return path_of(invitation_link(response.get_data(as_text=True)))


def neutral(html: str, email: str, token: str) -> str:
    html = html.replace(email, "EMAIL").replace(token, "TOKEN")
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


def test_accept_page_says_nothing_about_existing_accounts(auth, client):
    auth("admin", "marl")
    victim = invite(client, "admin@hamm.example")  # another municipality's admin
    stranger = invite(client, "nobody-yet@example.org")
    victim_html = client.get(victim).get_data(as_text=True)
    stranger_html = client.get(stranger).get_data(as_text=True)
    assert neutral(victim_html, "admin@hamm.example", victim.rsplit("/", 1)[1]) == neutral(
        stranger_html, "nobody-yet@example.org", stranger.rsplit("/", 1)[1]
    )
    assert "already have an account. Confirm" not in victim_html
    assert "bereits ein Konto. Bestätigen" not in victim_html


def test_accept_page_takes_no_password_of_an_existing_account(app, auth, client):
    """The reproduced takeover: invite the platform admin, post their password on the page."""
    auth("admin", "marl")
    link = invite(client, "platform@sozialraum.example")
    attacker = app.test_client()
    for _ in range(3):
        response = post_form(attacker, link, {"password": DEMO_PASSWORD})
        assert response.status_code in (302, 400)
        assert "/dashboard" not in response.headers.get("Location", "")
    assert attacker.get("/platform/").status_code == 302  # not signed in as anybody
    assert attacker.get("/marl/dashboard").status_code == 302
    with tenant_scope(tenant("marl")):
        db.session.rollback()
        invitation = db.session.execute(
            select(Invitation).where(Invitation.email == "platform@sozialraum.example")
        ).scalar_one()
        assert invitation.accepted_at is None


def test_existing_account_accepts_by_signing_in(app, auth, client):
    auth("admin", "marl")
    link = invite(client, "viewer@hamm.example", role="viewer")
    invited = app.test_client()
    response = invited.get(link + "?signin=1")
    assert response.status_code == 302 and "/marl/login" in response.headers["Location"]
    response = login(invited, "viewer@hamm.example", "marl")
    assert response.status_code == 302
    assert invited.get("/marl/dashboard").status_code == 200
    with all_tenants():
        db.session.rollback()
        user = db.session.execute(
            select(User).where(User.email == "viewer@hamm.example")
        ).scalar_one()
    with tenant_scope(tenant("marl")):
        membership = db.session.execute(
            select(Membership).where(Membership.user_id == user.id)
        ).scalar_one()
        assert membership.role == "viewer"
    assert invited.get(link).status_code == 404  # single use


def test_invitation_binds_to_its_address(app, auth, client):
    auth("admin", "marl")
    link = invite(client, "viewer@hamm.example", role="coordinator")
    other = app.test_client()
    other.get(link + "?signin=1")
    assert login(other, "staff@hamm.example", "marl").status_code == 302
    assert other.get("/marl/dashboard").status_code == 403  # no membership in Marl
    assert other.get(link).status_code == 200  # still open for the invited address


def test_new_person_accepts_with_a_policy_password(app, auth, client):
    auth("admin", "marl")
    link = invite(client, "neu@example.org", role="viewer")
    person = app.test_client()
    short = post_form(person, link, {"name": "Neu", "password": "kurz", "confirm": "kurz"})
    assert short.status_code == 400 and "mindestens 12 Zeichen" in short.get_data(as_text=True)
    common = post_form(
        person, link, {"name": "Neu", "password": "password1234", "confirm": "password1234"}
    )
    assert common.status_code == 400 and "zu verbreitet" in common.get_data(as_text=True)
    done = post_form(
        person, link, {"name": "Neu", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    )
    assert done.status_code == 302
    assert person.get("/marl/dashboard").status_code == 200
    assert person.get(link).status_code == 404  # single use


def test_expired_invitation_is_refused(app, auth, client):
    auth("admin", "marl")
    link = invite(client, "spaet@example.org", role="viewer")
    with tenant_scope(tenant("marl")):
        db.session.execute(
            update(Invitation)
            .where(Invitation.email == "spaet@example.org")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    assert app.test_client().get(link).status_code == 404


def test_invitation_link_uses_the_configured_base_url(make_app):
    app = make_app(SAAS_BASE_URL="https://sozialraum.example", SAAS_PROXY_HOPS=1)
    client = app.test_client()
    assert login(client, "admin@marl.example").status_code == 302
    response = post_form(
        client,
        "/marl/members/invite",
        {"email": "x@example.org", "role": "viewer"},
        headers={"X-Forwarded-Host": "evil.example"},
    )
    link = invitation_link(response.get_data(as_text=True))
    assert link.startswith("https://sozialraum.example/marl/members/accept/"), link
