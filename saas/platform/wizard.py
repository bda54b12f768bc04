"""The onboarding wizard under ``/platform/onboard``: basics → profile → vocabulary → areas →
first administrator → done. Each step saves immediately; the tenant goes live at the end."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from saas.core.db import db
from saas.core.permissions import PLATFORM_MANAGE, require
from saas.core.tenancy import all_tenants, tenant_scope
from saas.members.services import invite, send_invitation_mail
from saas.platform.areas_csv import import_areas_csv
from saas.platform.forms import (
    RESERVED_SLUGS,
    AreasCsvForm,
    FirstAdminForm,
    ProfileChoiceForm,
    TenantBasicsForm,
    VocabularyForm,
)
from saas.platform.onboarding import (
    create_setup_tenant,
    slug_taken,
    tenant_in_setup,
    uploaded_profile_files,
)
from saas.tenants.models import Tenant

bp = Blueprint("onboarding", __name__, url_prefix="/platform/onboard", template_folder="templates")

STEPS = (
    ("basics", _l("Basics")),
    ("profile", _l("Profile")),
    ("vocabulary", _l("Vocabulary")),
    ("areas", _l("Areas")),
    ("admin", _l("First administrator")),
)


def _setup_tenant(tenant_id: int) -> Tenant:
    tenant = tenant_in_setup(tenant_id)
    if tenant is None or tenant.status != "setup":
        abort(404)
    return tenant


def _page(step: str, tenant: Tenant | None, form: Any, status: int = 200, **extra: Any) -> Any:
    return render_template(
        f"onboarding/{step}.html", steps=STEPS, step=step, tenant=tenant, form=form, **extra
    ), status


@bp.route("/", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def basics() -> Any:
    form = TenantBasicsForm()
    if form.validate_on_submit():
        slug = form.slug.data
        if slug in RESERVED_SLUGS or slug_taken(slug):
            form.slug.errors.append(_("This address is already taken."))
        else:
            tenant = create_setup_tenant(form.name.data, slug, form.default_locale.data)
            db.session.commit()
            return redirect(url_for("onboarding.profile", tenant_id=tenant.id))
    return _page("basics", None, form, 400 if form.is_submitted() else 200)


@bp.route("/<int:tenant_id>/profile", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def profile(tenant_id: int) -> Any:
    from saas.profiles.importer import apply_profile
    from saas.profiles.loader import ProfileError, load_profile, load_profile_files, template_dir

    tenant = _setup_tenant(tenant_id)
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
            loaded = replace(
                loaded,
                tenant=loaded.tenant.model_copy(
                    update={
                        "slug": tenant.slug,
                        "name": tenant.name,
                        "default_locale": tenant.default_locale,
                    }
                ),
            )
            report = apply_profile(loaded)
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
    tenant = _setup_tenant(tenant_id)
    keys = ("office", "offices", "area", "areas")
    form = VocabularyForm(data={key: tenant.word(key) for key in keys})
    if form.validate_on_submit():
        # platform code: the tenant's audit row needs all tenants under row-level security
        with all_tenants():
            tenant.vocabulary = {
                **(tenant.vocabulary or {}),
                **{key: form[key].data.strip() for key in keys},
            }
            db.session.commit()
        return redirect(url_for("onboarding.areas", tenant_id=tenant.id))
    return _page("vocabulary", tenant, form, 400 if form.is_submitted() else 200)


@bp.route("/<int:tenant_id>/areas", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def areas(tenant_id: int) -> Any:
    tenant = _setup_tenant(tenant_id)
    form = AreasCsvForm()
    errors: list[Any] = []
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        if request.form.get("skip") or not upload or not upload.filename:
            return redirect(url_for("onboarding.admin", tenant_id=tenant.id))
        with tenant_scope(tenant):
            result = import_areas_csv(upload.read(), reference_date=form.reference_date.data)
            if result.errors:
                db.session.rollback()
                errors = result.errors
            else:
                db.session.commit()
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
    tenant = _setup_tenant(tenant_id)
    form = FirstAdminForm()
    if form.validate_on_submit():
        with tenant_scope(tenant):
            invitation, link = invite(form.email.data, "tenant_admin", {}, tenant_slug=tenant.slug)
            tenant.status = "active"
            db.session.commit()
            # read inside the scope: the commit expired it, and outside the tenant's scope
            # PostgreSQL's row-level security would not find the row to reload
            email = invitation.email
        mailed = send_invitation_mail(email, link, tenant.name)
        return render_template(
            "onboarding/done.html",
            steps=STEPS,
            step="done",
            tenant=tenant,
            link=link,
            mailed=mailed,
            email=email,
        )
    return _page("admin", tenant, form, 400 if form.is_submitted() else 200)
