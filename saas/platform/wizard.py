"""The onboarding wizard under ``/platform/onboard``: basics → profile → vocabulary → areas →
first administrator → done. Each step saves immediately; the tenant goes live at the end."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from saas.core.crud import field_errors
from saas.core.db import db
from saas.core.operations import Invalid
from saas.core.permissions import PLATFORM_MANAGE, require
from saas.members.services import send_invitation_mail
from saas.platform.forms import (
    AreasCsvForm,
    FirstAdminForm,
    ProfileChoiceForm,
    TenantBasicsForm,
    VocabularyForm,
)
from saas.platform.onboarding import (
    apply_setup_profile,
    create_setup_tenant,
    finish_onboarding,
    import_setup_areas,
    set_setup_vocabulary,
    tenant_in_setup,
    uploaded_profile_files,
)
from saas.settings.services import VOCABULARY_KEYS
from saas.tenants.models import Tenant

bp = Blueprint("onboarding", __name__, url_prefix="/platform/onboard", template_folder="templates")

STEPS = (
    ("basics", _l("Basics")),
    ("profile", _l("Profile")),
    ("vocabulary", _l("Vocabulary")),
    ("areas", _l("Areas")),
    ("admin", _l("First administrator")),
)


def _page(step: str, tenant: Tenant | None, form: Any, status: int = 200, **extra: Any) -> Any:
    return render_template(
        f"onboarding/{step}.html", steps=STEPS, step=step, tenant=tenant, form=form, **extra
    ), status


@bp.route("/", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def basics() -> Any:
    form = TenantBasicsForm()
    if form.validate_on_submit():
        try:
            tenant = create_setup_tenant(form.name.data, form.slug.data, form.default_locale.data)
        except Invalid as error:
            field_errors(form, error)
        else:
            return redirect(url_for("onboarding.profile", tenant_id=tenant.id))
    return _page("basics", None, form, 400 if form.is_submitted() else 200)


@bp.route("/<int:tenant_id>/profile", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def profile(tenant_id: int) -> Any:
    from saas.profiles.loader import ProfileError, load_profile, load_profile_files, template_dir

    tenant = tenant_in_setup(tenant_id)
    form = ProfileChoiceForm()
    issues: list[str] = []
    if form.validate_on_submit():
        try:
            if form.source.data == "upload":
                loaded = load_profile_files(
                    uploaded_profile_files(request.files.getlist(form.files.name)), "upload"
                )
            else:
                loaded = load_profile(template_dir())
            report = apply_setup_profile(tenant.id, loaded)
        except ValueError as exc:
            issues = [str(exc)]
        except ProfileError as exc:
            db.session.rollback()
            issues = [str(issue) for issue in exc.issues]
        else:
            flash(_("The profile was applied: %(summary)s", summary=report.lines()[-1]), "success")
            return redirect(url_for("onboarding.vocabulary", tenant_id=tenant.id))
    return _page("profile", tenant, form, 400 if issues or form.errors else 200, issues=issues)


@bp.route("/<int:tenant_id>/vocabulary", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def vocabulary(tenant_id: int) -> Any:
    tenant = tenant_in_setup(tenant_id)
    form = VocabularyForm(data={key: tenant.word(key) for key in VOCABULARY_KEYS})
    if form.validate_on_submit():
        set_setup_vocabulary(tenant.id, {key: form[key].data for key in VOCABULARY_KEYS})
        return redirect(url_for("onboarding.areas", tenant_id=tenant.id))
    return _page("vocabulary", tenant, form, 400 if form.is_submitted() else 200)


@bp.route("/<int:tenant_id>/areas", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def areas(tenant_id: int) -> Any:
    tenant = tenant_in_setup(tenant_id)
    form = AreasCsvForm()
    errors: list[Any] = []
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        if request.form.get("skip") or not upload or not upload.filename:
            return redirect(url_for("onboarding.admin", tenant_id=tenant.id))
        result = import_setup_areas(tenant.id, upload.read(), form.reference_date.data)
        if result.errors:
            errors = result.errors  # answered with 400: the commit point rolls back
        else:
            flash(
                ngettext(
                    "%(num)s area was imported.", "%(num)s areas were imported.", result.created
                ),
                "success",
            )
            return redirect(url_for("onboarding.admin", tenant_id=tenant.id))
    return _page("areas", tenant, form, 400 if errors else 200, errors=errors)


@bp.route("/<int:tenant_id>/admin", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def admin(tenant_id: int) -> Any:
    tenant = tenant_in_setup(tenant_id)
    form = FirstAdminForm()
    if form.validate_on_submit():
        invitation, link = finish_onboarding(tenant.id, form.email.data)
        mailed = send_invitation_mail(invitation.email, link, tenant.name)
        return render_template(
            "onboarding/done.html",
            steps=STEPS,
            step="done",
            tenant=tenant,
            link=link,
            mailed=mailed,
            email=invitation.email,
        )
    return _page("admin", tenant, form, 400 if form.is_submitted() else 200)
