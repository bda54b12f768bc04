"""Inviting people, accepting invitations, changing and revoking memberships."""

from __future__ import annotations

import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app, flash, session
from flask_babel import gettext as _
from sqlalchemy import select, update

from saas.auth.models import Membership, User
from saas.auth.services import add_user, aware, find_user, revoke_sessions, start_session
from saas.core.audit import acting_user_id, record_event
from saas.core.db import db, utcnow
from saas.core.operations import operation
from saas.core.permissions import AUTHENTICATED, PUBLIC
from saas.core.tenancy import all_tenants, current_tenant, tenant_scope
from saas.core.urls import external_url
from saas.members.models import Invitation, hash_token

INVITATION_DAYS = 14
#: "send again" mails a new link: limited per client like the password-reset mails
RESEND_LIMIT = "5 per minute"


@operation("users.manage")
def invite_member(email: str, role: str, scope: dict[str, list[int]]) -> tuple[Invitation, str]:
    """A tenant admin invites somebody to the current municipality."""
    return invite(email, role, scope)


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
    link = external_url("members.accept", tenant_slug=slug, token=token)
    return invitation, link


def new_link(invitation: Invitation, tenant_slug: str) -> str:
    """Give a pending invitation a fresh single-use link; the previous one stops working.

    Only the token's hash is stored, so a lost link cannot be shown again: the invitation gets
    a new token and ``INVITATION_DAYS`` from now, like a new invitation, and stays bound to
    the same address and role. Records ``invitation_renewed``. The caller has checked that
    the invitation is pending and of the current municipality.
    """
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = utcnow() + timedelta(days=INVITATION_DAYS)
    record_event("invitation_renewed", entity="invitations", entity_id=invitation.id)
    db.session.flush()
    return external_url("members.accept", tenant_slug=tenant_slug, token=token)


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
    return invitation if aware(invitation.expires_at) > utcnow() else None


def accept(invitation: Invitation, user: User) -> Membership | None:
    """Turn an invitation into a membership (re-activating a revoked one).

    The invitation binds to its address and is spent once: a conditional update wins for
    exactly one of two concurrent acceptances; None for the other, or for another address.
    """
    if user.email.lower() != invitation.email.lower():
        return None
    won = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult (DML)
    if not won:
        return None
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
    record_event(
        "invitation_accepted", user_id=user.id, entity="invitations", entity_id=invitation.id
    )
    return membership


@operation(AUTHENTICATED)
def attach_pending_invitation() -> None:
    """After a complete login: accept the invitation the user came from, if it is theirs."""
    from flask_login import current_user

    user = current_user._get_current_object()
    token = session.pop("pending_invitation", None)
    if not token:
        return
    with all_tenants():
        invitation = db.session.execute(
            select(Invitation).where(Invitation.token_hash == hash_token(token))
        ).scalar_one_or_none()
    if invitation is None:
        return
    with tenant_scope(invitation.tenant_id):
        invitation = open_invitation(token)
        membership = accept(invitation, user) if invitation is not None else None
    if membership is None:
        flash(
            _(
                "The invitation could not be accepted: it is not valid any more or it was"
                " sent to another e-mail address."
            ),
            "error",
        )
    else:
        flash(_("Welcome! Your access is active."), "success")


def _of_tenant(model: Any, object_id: int) -> Any:
    """One row through the tenant-scoped query path (``Session.get`` may skip it)."""
    return db.session.execute(select(model).where(model.id == object_id)).scalar_one_or_none()


@operation("users.manage")
def change_membership(membership_id: int, role: str, scope: dict[str, list[int]]) -> Membership:
    """Change the role and scope of a membership of the current municipality."""
    membership = _of_tenant(Membership, membership_id)
    if membership is None:
        raise LookupError(membership_id)
    membership.role, membership.scope = role, scope
    return membership


@operation("users.manage")
def revoke_membership(membership_id: int) -> Membership | None:
    """End a membership and the person's sessions; None when it had ended already."""
    membership = _of_tenant(Membership, membership_id)
    if membership is None or membership.revoked_at is not None:
        return None
    membership.revoked_at = utcnow()
    end_membership_sessions(membership)
    record_event("membership_revoked", entity="memberships", entity_id=membership.id)
    return membership


@operation("users.manage")
def withdraw_invitation(invitation_id: int) -> bool:
    """Withdraw an invitation nobody has accepted yet."""
    invitation = _of_tenant(Invitation, invitation_id)
    if invitation is None or invitation.revoked_at or invitation.accepted_at:
        return False
    invitation.revoked_at = utcnow()
    return True


@operation("users.manage")
def renew_member_invitation(invitation_id: int) -> tuple[Invitation, str] | None:
    """A tenant admin sends a pending invitation again: (invitation, new link), or None when
    it was accepted or withdrawn in the meantime (or is not of this municipality)."""
    invitation = _of_tenant(Invitation, invitation_id)
    if invitation is None or invitation.revoked_at or invitation.accepted_at:
        return None
    return invitation, new_link(invitation, current_tenant.slug)


def end_membership_sessions(membership: Membership) -> None:
    """Deactivating a membership ends the person's sessions at once (they sign in again)."""
    with all_tenants():
        revoke_sessions(membership.user)


def existing_user(email: str) -> User | None:
    with all_tenants():
        return find_user(email)


@operation(PUBLIC)
def accept_with_new_account(token: str, name: str, password: str) -> Invitation | None:
    """A new person accepts an invitation with a new account and is signed in.

    None when the invitation is not open any more (the caller answers 404, which rolls the
    new account back). The caller has checked the password policy and that the address has
    no account yet.
    """
    invitation = open_invitation(token)
    if invitation is None:
        return None
    user = new_user(invitation.email, name, password)
    if accept(invitation, user) is None:
        return None
    start_session(user, remember=False)
    return invitation


def new_user(email: str, name: str, password: str) -> User:
    with all_tenants():
        user = add_user(email, password, name=name)
        db.session.flush()
    return user


def scope_from(form: Any) -> dict[str, list[int]]:
    scope = {}
    if form.office_ids.data:
        scope["offices"] = sorted(form.office_ids.data)
    if form.area_ids.data:
        scope["areas"] = sorted(form.area_ids.data)
    return scope
