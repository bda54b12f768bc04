"""Onboarding a municipality: the steps of the wizard as operations, and suspending one.

The tenant row is created in the first step with status ``setup``: it answers 404 to the
public until the last step activates it, and nothing the operator entered is lost between
steps or after a browser restart. Every step is an operation for platform admins: it takes
plain values, flushes, and the wizard page's commit point commits.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.db import db
from saas.core.operations import Invalid, operation
from saas.core.permissions import PLATFORM_MANAGE
from saas.core.tenancy import all_tenants, tenant_scope
from saas.core.versions import flush
from saas.platform.areas_csv import AreaImport, NewLevel, import_areas_csv
from saas.platform.forms import RESERVED_SLUGS
from saas.profiles.importer import ImportReport
from saas.profiles.schema import Profile
from saas.settings.services import VOCABULARY_KEYS
from saas.tenants.models import DEFAULT_VOCABULARY, Tenant

MAX_PROFILE_FILES = 20
MAX_PROFILE_BYTES = 2 * 1024 * 1024


def slug_taken(slug: str) -> bool:
    with all_tenants():
        return db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).first() is not None


@operation(PLATFORM_MANAGE)
def create_setup_tenant(name: str, slug: str, locale: str) -> Tenant:
    """Step 1: the tenant row, in status ``setup`` (not reachable yet)."""
    if slug in RESERVED_SLUGS or slug_taken(slug):
        raise Invalid(_("This address is already taken."), field="slug")
    with all_tenants():
        tenant = Tenant(
            name=name,
            slug=slug,
            default_locale=locale,
            status="setup",
            vocabulary=dict(DEFAULT_VOCABULARY),
            settings={},
        )
        db.session.add(tenant)
        flush(tenant)
    return tenant


def tenant_by_id(tenant_id: int) -> Tenant | None:
    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one_or_none()


def tenant_in_setup(tenant_id: int) -> Tenant:
    """A tenant still in the wizard, else 404 (finished ones are changed on their pages)."""
    tenant = tenant_by_id(tenant_id)
    if tenant is None or tenant.status != "setup":
        abort(404)
    return tenant


@operation(PLATFORM_MANAGE)
def apply_setup_profile(tenant_id: int, loaded: Profile) -> ImportReport:
    """Step 2: apply a profile (the template or an upload) under the tenant's own names."""
    from saas.profiles.importer import apply_profile

    tenant = tenant_in_setup(tenant_id)
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
    return apply_profile(loaded)


@operation(PLATFORM_MANAGE)
def set_setup_vocabulary(tenant_id: int, vocabulary: dict[str, str]) -> Tenant:
    """Step 3: the tenant's own words for offices and areas."""
    tenant = tenant_in_setup(tenant_id)
    tenant.vocabulary = {
        **(tenant.vocabulary or {}),
        **{key: vocabulary[key].strip() for key in VOCABULARY_KEYS if key in vocabulary},
    }
    _flush_platform_change(tenant)
    return tenant


@operation(PLATFORM_MANAGE)
def import_setup_areas(
    tenant_id: int,
    data: bytes,
    reference_date: date | None,
    answers: dict[str, NewLevel] | None = None,
) -> AreaImport:
    """Step 4: areas from a CSV, all or nothing: the errors say why, the questions ask for
    the levels and the reference date the file leaves open; then nothing is written."""
    tenant = tenant_in_setup(tenant_id)
    with tenant_scope(tenant):
        result = import_areas_csv(data, reference_date=reference_date, answers=answers)
        if not result.pending:
            flush()
    return result


def setup_levels(tenant_id: int) -> list[tuple[str, str]]:
    """(code, name) of the levels a tenant in the wizard has, top down."""
    from saas.areas.models import AreaLevel

    with tenant_scope(tenant_in_setup(tenant_id)):
        levels = db.session.execute(
            select(AreaLevel).order_by(AreaLevel.hierarchy, AreaLevel.position)
        ).scalars()
        return [(level.code, level.name) for level in levels]


@operation(PLATFORM_MANAGE)
def finish_onboarding(tenant_id: int, email: str) -> tuple[Any, str]:
    """Step 5: invite the first tenant admin and go live; (invitation, link)."""
    from saas.members.services import invite

    tenant = tenant_in_setup(tenant_id)
    with tenant_scope(tenant):
        invitation, link = invite(email, "tenant_admin", {}, tenant_slug=tenant.slug)
        tenant.status = "active"
        flush(tenant)
    return invitation, link


def _flush_platform_change(tenant: Tenant) -> None:
    """Flush a platform admin's change of a tenant row.

    Platform pages run without a current tenant; the audit row of the change belongs to the
    tenant, which PostgreSQL's row-level security only accepts in all-tenants mode.
    """
    with all_tenants():
        flush(tenant)


def _platform_tenant(tenant_id: int) -> Tenant:
    tenant = tenant_by_id(tenant_id)
    if tenant is None:
        abort(404)
    return tenant


@operation(PLATFORM_MANAGE)
def suspend_tenant(tenant_id: int) -> bool:
    """Take an active municipality off line (its pages answer 404); False if it was not."""
    tenant = _platform_tenant(tenant_id)
    if tenant.status != "active":
        return False
    tenant.status = "suspended"
    _flush_platform_change(tenant)
    return True


@operation(PLATFORM_MANAGE)
def reactivate_tenant(tenant_id: int) -> bool:
    """Bring a suspended municipality back; False if it was not suspended."""
    tenant = _platform_tenant(tenant_id)
    if tenant.status != "suspended":
        return False
    tenant.status = "active"
    _flush_platform_change(tenant)
    return True


def uploaded_profile_files(uploads: list[Any]) -> dict[str, str]:
    """Filename → text from uploaded YAML files or one ZIP; raises ValueError in German."""
    files: dict[str, bytes] = {}
    for upload in uploads:
        if not upload or not upload.filename:
            continue
        data = upload.read(MAX_PROFILE_BYTES + 1)
        if len(data) > MAX_PROFILE_BYTES:
            raise ValueError(_("The file %(name)s is too large.", name=upload.filename))
        if upload.filename.lower().endswith(".zip"):
            try:
                archive = zipfile.ZipFile(io.BytesIO(data))
                for info in archive.infolist()[:MAX_PROFILE_FILES]:
                    base = info.filename.rsplit("/", 1)[-1]
                    if base.endswith((".yaml", ".yml")) and info.file_size <= MAX_PROFILE_BYTES:
                        files[base] = archive.read(info)
            except zipfile.BadZipFile as exc:
                raise ValueError(_("The ZIP archive cannot be read.")) from exc
        else:
            files[upload.filename.rsplit("/", 1)[-1]] = data
    if not files:
        raise ValueError(_("Please choose the profile files (at least tenant.yaml)."))
    texts = {}
    for name, data in files.items():
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(_("%(name)s is not UTF-8 encoded.", name=name)) from exc
    return texts


def pending_invitations(tenant_id: int) -> list[Any]:
    """The invitations of a municipality nobody has accepted or withdrawn yet, newest first
    (after the wizard: the first administrator's, until they accept)."""
    from saas.members.models import Invitation

    tenant = _platform_tenant(tenant_id)
    with tenant_scope(tenant):
        return list(
            db.session.execute(
                select(Invitation)
                .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
                .order_by(Invitation.id.desc())
            ).scalars()
        )


@operation(PLATFORM_MANAGE)
def renew_invitation(tenant_id: int, invitation_id: int) -> tuple[Any, str]:
    """A new link for a pending invitation: (invitation, link).

    Only the token's hash is stored, so the first link cannot be shown again; instead the
    invitation gets a fresh token and fourteen days from now (:func:`new_link`, as a tenant
    admin's "send again"). The previous link stops working at once: every link stays
    single-use, expiring and bound to the same address.
    """
    from saas.members.services import new_link

    tenant = _platform_tenant(tenant_id)
    invitation = next((i for i in pending_invitations(tenant_id) if i.id == invitation_id), None)
    if invitation is None:
        abort(404)
    with tenant_scope(tenant):
        link = new_link(invitation, tenant.slug)
    return invitation, link
