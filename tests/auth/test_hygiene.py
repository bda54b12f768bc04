"""Redirect and header hygiene: CR/LF in next, trusted hosts, no-store, CSP, the 500 page,
the password reset by mail (single use, expiring, no account oracle)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants
from tests.auth.conftest import post_form
from tests.conftest import DEMO_PASSWORD, csrf_token, login

NEW_PASSWORD = "Zitronen-Falter-7-Blau"


def test_crlf_in_next_is_refused_not_a_500(client):
    """Finding: a CR/LF in next= turned a successful login into a 500."""
    for evil in ("/marl/\r\nSet-Cookie: x=1", "/marl/%0d%0a", "/marl/\n", "/marl/\x00"):
        response = post_form(
            client,
            "/marl/login",
            {"email": "admin@marl.example", "password": DEMO_PASSWORD, "next": evil},
        )
        assert response.status_code == 302, evil
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location
        if "Set-Cookie" in evil or "\x00" in evil:
            assert location == "/marl/dashboard", location
        client.post("/marl/logout", data={"csrf_token": csrf_token(client, "/marl/dashboard")})


def test_language_switch_refuses_crlf(client):
    response = client.post(
        "/lang",
        data={
            "locale": "en",
            "next": "/marl/\r\nX: y",
            "csrf_token": csrf_token(client, "/marl/login"),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_untrusted_host_is_refused(make_app):
    app = make_app(SAAS_BASE_URL="https://sozialraum.example", SAAS_TRUSTED_HOSTS=[])
    assert app.config["SAAS_TRUSTED_HOSTS"] == []  # test config bypasses load_config
    app.config["SAAS_TRUSTED_HOSTS"] = ["sozialraum.example"]
    client = app.test_client()
    assert client.get("/marl/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/marl/login", headers={"Host": "sozialraum.example"}).status_code == 200
    # probes of the load balancer use the container's address
    assert client.get("/healthz", headers={"Host": "10.0.0.5:5000"}).status_code == 200


def test_trusted_hosts_default_to_the_base_url(monkeypatch):
    from saas.config import load_config

    monkeypatch.setenv("SAAS_BASE_URL", "https://sozialraum.example/")
    monkeypatch.delenv("SAAS_TRUSTED_HOSTS", raising=False)
    config = load_config()
    assert config["SAAS_BASE_URL"] == "https://sozialraum.example"
    assert config["SAAS_TRUSTED_HOSTS"] == ["sozialraum.example"]


def test_authenticated_pages_are_not_cached(client):
    login(client, "admin@marl.example")
    for url in ("/marl/dashboard", "/marl/members/", "/account/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store", url


def test_csp_forbids_plugins(client):
    csp = client.get("/marl/login").headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'self'" in csp and "frame-ancestors 'none'" in csp


def test_500_page_names_the_request_id_in_german_and_english(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail of the traceback")

    boom.permission = "public"
    response = app.test_client().get("/boom", headers={"X-Request-ID": "abc123"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Ein interner Fehler ist aufgetreten" in html and "An internal error occurred" in html
    assert "abc123" in html
    assert "secret detail" not in html and "Traceback" not in html


def test_reset_without_smtp_says_so(client):
    html = client.get("/account/reset").get_data(as_text=True)
    assert "kein Mailserver" in html


class FakeSMTP:
    sent: list = []

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send_message(self, message) -> None:
        FakeSMTP.sent.append(message)


def test_password_reset_by_mail(make_app, monkeypatch):
    import smtplib

    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app = make_app(SMTP_HOST="mail.example", SAAS_BASE_URL="https://sozialraum.example")
    client = app.test_client()
    known = post_form(client, "/account/reset", {"email": "viewer@marl.example"})
    unknown = post_form(client, "/account/reset", {"email": "nobody@marl.example"})
    assert known.status_code == unknown.status_code == 302
    assert client.get(known.headers["Location"]).get_data(as_text=True).count("Falls zu") == 1
    (mail,) = FakeSMTP.sent  # only the real account gets a mail
    link = re.search(r"https://sozialraum\.example(/account/reset/\S+)", mail.get_content())
    assert link, mail.get_content()
    path = link.group(1)
    weak = post_form(client, path, {"password": "kurz", "confirm": "kurz"})
    assert weak.status_code == 400
    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # single use
    assert login(app.test_client(), "viewer@marl.example", password=NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), "viewer@marl.example").status_code == 401


def test_password_reset_link_expires(make_app, monkeypatch):
    import smtplib

    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app = make_app(SMTP_HOST="mail.example", SAAS_BASE_URL="https://sozialraum.example")
    client = app.test_client()
    post_form(client, "/account/reset", {"email": "viewer@marl.example"})
    path = re.search(r"(/account/reset/\S+)", FakeSMTP.sent[0].get_content()).group(1)
    from saas.auth.models import PasswordReset

    with all_tenants():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert db.session.execute(select(PasswordReset)).scalars().all()
    assert client.get(path).status_code == 404


def test_reset_requests_cannot_lock_an_account_out(make_app, monkeypatch):
    """Asking for reset links spent the account's login attempts: twelve requests for somebody
    else's address locked that person out of signing in. Now they spend a mail budget of their
    own: the fourth request is refused (429, audited) and the login still works."""
    import smtplib

    from saas.core.audit import AuditLog
    from tests.auth.conftest import LOCKING

    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app = make_app(SMTP_HOST="mail.example", SAAS_BASE_URL="https://sozialraum.example", **LOCKING)
    attacker = app.test_client()
    statuses = [
        post_form(attacker, "/account/reset", {"email": "viewer@marl.example"}).status_code
        for _ in range(12)
    ]
    assert login(app.test_client(), "viewer@marl.example").status_code == 302
    assert statuses[:3] == [302, 302, 302] and set(statuses[3:]) == {429}, statuses
    assert len(FakeSMTP.sent) == 3  # no mail bombing either
    with all_tenants():
        refused = (
            db.session.execute(
                select(AuditLog).where(AuditLog.action == "password_reset_throttled")
            )
            .scalars()
            .all()
        )
    assert refused
