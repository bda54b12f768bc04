"""Users of a tenant: list, invite, change role and scope, revoke; accept an invitation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from saas.areas.models import Area
from saas.auth.models import Membership, User
from saas.core.audit import record_event
from saas.core.crud import by_label, options, sort_order, sorted_by
from saas.core.db import db
from saas.core.extensions import limiter
from saas.core.fields import as_choices
from saas.core.labels import ROLE_LABELS
from saas.core.permissions import public, require
from saas.core.tenancy import get_or_404
from saas.members.forms import AcceptNewForm, InviteForm, MembershipForm
from saas.members.models import Invitation
from saas.members.services import (
    RESEND_LIMIT,
    accept_with_new_account,
    change_membership,
    existing_user,
    invite_member,
    open_invitation,
    renew_member_invitation,
    revoke_membership,
    scope_from,
    send_invitation_mail,
    withdraw_invitation,
)
from saas.offices.models import Office

bp = Blueprint(
    "members", __name__, url_prefix="/<tenant_slug>/members", template_folder="templates"
)


def _scope_choices(form: Any) -> None:
    form.office_ids.choices = as_choices(options(Office))
    form.area_ids.choices = as_choices(options(Area, label=str, order_by="code"))


def sort_columns() -> dict[str, Any]:
    """The user list's sortable columns (``?sort=email``, ``?sort=-role`` …) and what each
    orders by: what it shows."""

    def of_user(column: Any) -> Any:
        return select(column).where(User.id == Membership.user_id).scalar_subquery()

    return {
        "name": func.coalesce(of_user(User.name), ""),  # no name yet: "–", first
        "email": of_user(User.email),
        "role": by_label(Membership.role, ROLE_LABELS),
        "status": Membership.revoked_at.is_not(None),  # active, then revoked
    }


@bp.route("/")
@require("users.manage")
def index() -> str:
    columns = sort_columns()
    sort = sort_order(columns)
    memberships = (
        db.session.execute(
            sorted_by(select(Membership), sort, columns).order_by(
                Membership.revoked_at.is_not(None), Membership.id
            )
        )
        .unique()
        .scalars()
        .all()
    )
    invitations = (
        db.session.execute(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "members/index.html",
        memberships=memberships,
        sort=sort,
        invitations=invitations,
        offices=dict(options(Office, include_archived=True)),
        areas=dict(options(Area, label=str, order_by="code", include_archived=True)),
    )


@bp.route("/invite", methods=["GET", "POST"])
@require("users.manage")
def invite_view() -> Any:
    form = InviteForm()
    _scope_choices(form)
    if form.validate_on_submit():
        invitation, link = invite_member(form.email.data, form.role.data, scope_from(form))
        mailed = send_invitation_mail(invitation.email, link)
        return render_template(
            "members/invited.html", invitation=invitation, link=link, mailed=mailed
        )
    return render_template("members/invite.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/<int:object_id>/edit", methods=["GET", "POST"])
@require("users.manage")
def edit(object_id: int) -> Any:
    membership = get_or_404(Membership, object_id)
    form = MembershipForm(obj=membership)
    _scope_choices(form)
    if not form.is_submitted():
        form.office_ids.data = membership.office_ids
        form.area_ids.data = membership.area_ids
    if form.validate_on_submit():
        if membership.user_id == current_user.id and form.data["role"] != "tenant_admin":
            form.role.errors.append(_("You cannot take away your own administrator role."))
        else:
            change_membership(membership.id, form.role.data, scope_from(form))
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("members.index"))
    return render_template("members/edit.html", form=form, membership=membership), (
        400 if form.is_submitted() else 200
    )


@bp.route("/<int:object_id>/revoke", methods=["POST"])
@require("users.manage")
def revoke(object_id: int) -> Any:
    membership = get_or_404(Membership, object_id)
    if membership.user_id == current_user.id:
        flash(_("You cannot revoke your own access."), "error")
    elif revoke_membership(membership.id) is not None:
        flash(_("Access of %(email)s was revoked.", email=membership.user.email), "success")
    return redirect(url_for("members.index"))


@bp.route("/invitations/<int:object_id>/revoke", methods=["POST"])
@require("users.manage")
def revoke_invitation(object_id: int) -> Any:
    invitation = get_or_404(Invitation, object_id)
    if withdraw_invitation(invitation.id):
        flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("members.index"))


@bp.route("/invitations/<int:object_id>/resend", methods=["POST"])
@limiter.limit(RESEND_LIMIT, methods=["POST"])
@require("users.manage")
def resend_invitation(object_id: int) -> Any:
    """ "Send again": a new single-use link (the previous one stops working), shown and mailed."""
    invitation = get_or_404(Invitation, object_id)
    renewed = renew_member_invitation(invitation.id)
    if renewed is None:
        flash(_("The invitation was accepted or withdrawn in the meantime."), "info")
        return redirect(url_for("members.index"))
    invitation, link = renewed
    mailed = send_invitation_mail(invitation.email, link)
    return render_template(
        "members/invited.html", invitation=invitation, link=link, mailed=mailed, renewed=True
    )


@bp.route("/accept/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def accept(token: str) -> Any:
    """One page for everybody: it never says whether the address already has an account.

    A new person chooses a name and password here; somebody with an account follows the
    sign-in link and accepts by logging in through the normal (rate-limited, second-factor)
    login, after which the membership is attached.
    """
    invitation = open_invitation(token)
    if invitation is None:
        return render_template(
            "errors/error.html",
            title=_("Invitation not valid"),
            message=_("This invitation link is not valid any more. Please ask for a new one."),
        ), 404
    if request.args.get("signin") == "1":
        session["pending_invitation"] = token
        return redirect(url_for("auth.login"))
    form = AcceptNewForm()
    form.policy_email = invitation.email
    if form.validate_on_submit():
        if existing_user(invitation.email) is not None:
            # Not a new account: the same way as the sign-in link, no password checked here.
            record_event(
                "invitation_existing_account", entity="invitations", entity_id=invitation.id
            )
            session["pending_invitation"] = token
            flash(_("Please sign in with your account to accept the invitation."), "info")
            return redirect(url_for("auth.login"))
        if accept_with_new_account(token, form.name.data, form.password.data) is None:
            # the 404 rolls the new account back
            return render_template(
                "errors/error.html",
                title=_("Invitation not valid"),
                message=_("This invitation link is not valid any more. Please ask for a new one."),
            ), 404
        flash(_("Welcome! Your access is active."), "success")
        return redirect(
            url_for("account.enrol")
            if invitation.role == "tenant_admin"
            else url_for("dashboard.index")
        )
    return render_template("members/accept.html", form=form, invitation=invitation, token=token), (
        400 if form.is_submitted() else 200
    )
