"""Inviting people, accepting invitations, changing and revoking memberships."""

from __future__ import annotations

import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from saas.auth.models import Membership, User
from saas.auth.services import create_user, find_user
from saas.core.audit import acting_user_id
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, current_tenant
from saas.members.models import Invitation, hash_token

INVITATION_DAYS = 14


def invite(
    email: str, role: str, scope: dict[str, list[int]], *, tenant_slug: str | None = None
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the one-time link (the token is stored hashed)."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email.strip().lower(),
        role=role,
        scope=scope,
        token_hash=hash_token(token),
        invited_by=acting_user_id(),
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    slug = tenant_slug or current_tenant.slug
    link = url_for("members.accept", tenant_slug=slug, token=token, _external=True)
    return invitation, link


def send_invitation_mail(email: str, link: str, tenant_name: str | None = None) -> bool:
    """Mail the link when SMTP is configured; False when it is not (the link is shown)."""
    host = current_app.config.get("SMTP_HOST")
    if not host:
        return False
    message = EmailMessage()
    name = tenant_name or current_tenant.name
    message["Subject"] = f"Einladung: {name} – Sozialraum"
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email
    message.set_content(
        f"Sie wurden zu {name} auf der Plattform Sozialraum eingeladen.\n\n"
        f"Bitte öffnen Sie diesen Link, um die Einladung anzunehmen:\n{link}\n\n"
        f"Der Link ist {INVITATION_DAYS} Tage gültig."
    )
    with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=10) as smtp:
        smtp.send_message(message)
    return True


def open_invitation(token: str) -> Invitation | None:
    """The pending, unexpired invitation of this tenant with this token."""
    invitation = db.session.execute(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    expires = invitation.expires_at
    if expires.tzinfo is None:  # SQLite drops the zone
        expires = expires.replace(tzinfo=utcnow().tzinfo)
    return invitation if expires > utcnow() else None


def accept(invitation: Invitation, user: User) -> Membership:
    """Turn an invitation into a membership (re-activating a revoked one)."""
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == user.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(user_id=user.id, role=invitation.role, scope=invitation.scope)
        db.session.add(membership)
    else:
        membership.role, membership.scope, membership.revoked_at = (
            invitation.role,
            invitation.scope,
            None,
        )
    invitation.accepted_at = utcnow()
    return membership


def existing_user(email: str) -> User | None:
    with all_tenants():
        return find_user(email)


def new_user(email: str, name: str, password: str) -> User:
    with all_tenants():
        user = create_user(email, password, name=name)
        db.session.flush()
    return user


def scope_from(form: Any) -> dict[str, list[int]]:
    scope = {}
    if form.office_ids.data:
        scope["offices"] = sorted(form.office_ids.data)
    if form.area_ids.data:
        scope["areas"] = sorted(form.area_ids.data)
    return scope
