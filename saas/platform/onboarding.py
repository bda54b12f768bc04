"""Onboarding a municipality: the steps of the wizard as services.

The tenant row is created in the first step with status ``setup``: it answers 404 to the
public until the last step activates it, and nothing the operator entered is lost between
steps or after a browser restart.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import all_tenants
from saas.tenants.models import DEFAULT_VOCABULARY, Tenant

MAX_PROFILE_FILES = 20
MAX_PROFILE_BYTES = 2 * 1024 * 1024


def slug_taken(slug: str) -> bool:
    with all_tenants():
        return db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).first() is not None


def create_setup_tenant(name: str, slug: str, locale: str) -> Tenant:
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
        db.session.flush()
    return tenant


def tenant_in_setup(tenant_id: int) -> Tenant | None:
    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one_or_none()


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
