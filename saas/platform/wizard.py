"""The onboarding wizard under ``/platform/onboard``: basics → profile → vocabulary → areas →
first administrator → done. Each step saves immediately; the tenant goes live at the end."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from saas.core.crud import field_errors
from saas.core.db import db
from saas.core.extensions import limiter
from saas.core.operations import Invalid
from saas.core.permissions import PLATFORM_MANAGE, require
from saas.core.urls import external_url
from saas.members.services import RESEND_LIMIT, send_invitation_mail
from saas.platform.areas_csv import NewLevel
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
    pending_invitations,
    renew_invitation,
    set_setup_vocabulary,
    setup_levels,
    tenant_by_id,
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
    example = external_url("public.index", tenant_slug="stadt-beispiel")
    hint = _(
        "The municipality's pages will be reachable at %(address)s followed by this short "
        "name, e.g. %(example)s.",
        address=example.removesuffix("stadt-beispiel/"),
        example=example,
    )
    return _page("basics", None, form, 400 if form.is_submitted() else 200, address_hint=hint)


@bp.route("/<int:tenant_id>/profile", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def profile(tenant_id: int) -> Any:
    from saas.profiles.loader import ProfileError, load_profile, load_profile_files, template_dir

    tenant = tenant_in_setup(tenant_id)
    form = ProfileChoiceForm()
    issues: list[str] = []
    if form.validate_on_submit() and form.source.data == "upload":
        refused = _upload_refused("profile")
        if refused:
            return _page("profile", tenant, form, 429, issues=[refused])
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
    """Upload, then — if the file leaves levels or the population's date open — the same
    file again (carried in the form) with the answers, until it can be imported whole."""
    tenant = tenant_in_setup(tenant_id)
    form = AreasCsvForm()
    errors: list[Any] = []
    questions: list[Any] = []
    needs_date = False
    carried = request.form.get("carried", "")
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        if request.form.get("skip"):
            return redirect(url_for("onboarding.admin", tenant_id=tenant.id))
        if upload and upload.filename:
            refused = _upload_refused("areas")
            if refused:
                return _page(
                    "areas",
                    tenant,
                    form,
                    429,
                    errors=[refused],
                    questions=[],
                    needs_date=False,
                    carried=carried,
                    levels=setup_levels(tenant.id),
                )
        data = upload.read() if upload and upload.filename else _uncarry(carried)
        if data is None:
            return redirect(url_for("onboarding.admin", tenant_id=tenant.id))
        result = import_setup_areas(
            tenant.id, data, form.reference_date.data, _level_answers(request.form)
        )
        errors, questions, needs_date = result.errors, result.questions, result.needs_date
        if not result.pending:
            flash(
                ngettext(
                    "%(num)s area was imported.", "%(num)s areas were imported.", result.created
                ),
                "success",
            )
            return redirect(url_for("onboarding.admin", tenant_id=tenant.id))
        carried = "" if errors else base64.b64encode(data).decode("ascii")
        if needs_date and request.form.get("carried"):  # asked before, still not given
            form.reference_date.errors = [
                _("Please enter the reference date of the population figures.")
            ]
    return _page(
        "areas",
        tenant,
        form,
        400 if errors or form.errors else 200,
        errors=errors,
        questions=questions,
        needs_date=needs_date,
        carried=carried,
        levels=setup_levels(tenant.id),
    )


def _upload_refused(kind: str) -> str | None:
    """Count the platform admin's upload (the same hourly budget as every file upload); the
    message when it is used up or the counters do not answer, None otherwise."""
    from saas.core.uploads import UploadRateUnavailable, upload_refusal

    try:
        return upload_refusal(kind)
    except UploadRateUnavailable:
        return _("The service is busy at the moment. Please try again in a few minutes.")


def _uncarry(carried: str) -> bytes | None:
    """The file of the previous step, carried in the form (base64); None if there is none."""
    if not carried:
        return None
    try:
        return base64.b64decode(carried.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        return None


def _level_answers(values: Any) -> dict[str, NewLevel]:
    """The answers of the level questions: ``level-N-word`` with ``-existing`` (a level's
    code, empty for a new one), ``-name``, ``-plural`` and ``-below``."""
    answers = {}
    for key in values:
        if key.startswith("level-") and key.endswith("-word"):
            prefix = key[: -len("word")]
            answers[values[key]] = NewLevel(
                existing=values.get(prefix + "existing", "").strip(),
                name=values.get(prefix + "name", "").strip(),
                plural=values.get(prefix + "plural", "").strip(),
                below=values.get(prefix + "below", "").strip(),
            )
    return answers


@bp.route("/<int:tenant_id>/admin", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def admin(tenant_id: int) -> Any:
    existing = tenant_by_id(tenant_id)
    if existing is not None and existing.status == "active":
        # the wizard is done (a reload of its last page): the invitation has its own page
        return redirect(url_for("onboarding.invitation", tenant_id=tenant_id), 303)
    tenant = tenant_in_setup(tenant_id)
    form = FirstAdminForm()
    if form.validate_on_submit():
        invitation, link = finish_onboarding(tenant.id, form.email.data)
        mailed = send_invitation_mail(invitation.email, link, tenant.name)
        return _invitation_page(tenant, invitation, link, mailed, done=True)
    return _page("admin", tenant, form, 400 if form.is_submitted() else 200)


@bp.route("/<int:tenant_id>/invitation", methods=["GET", "POST"])
@limiter.limit(RESEND_LIMIT, methods=["POST"])
@require(PLATFORM_MANAGE)
def invitation(tenant_id: int) -> Any:
    """The pending invitations of a municipality; a new link for one, shown and mailed."""
    tenant = tenant_by_id(tenant_id)
    if tenant is None or tenant.status == "setup":
        abort(404)
    if request.method == "POST":
        renewed, link = renew_invitation(tenant.id, request.form.get("invitation_id", 0, type=int))
        mailed = send_invitation_mail(renewed.email, link, tenant.name)
        return _invitation_page(tenant, renewed, link, mailed)
    return _invitation_page(tenant, None, None, False)


def _invitation_page(
    tenant: Tenant, invitation: Any, link: str | None, mailed: bool, done: bool = False
) -> Any:
    return render_template(
        "onboarding/done.html",
        steps=STEPS,
        step="done",
        tenant=tenant,
        done=done,
        invitation=invitation,
        link=link,
        mailed=mailed,
        address=external_url("public.index", tenant_slug=tenant.slug),
        pending=pending_invitations(tenant.id),
    )
