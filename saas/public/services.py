"""Writing the texts of a tenant's public pages (legal pages and feedback contact)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from saas.core import versions
from saas.core.operations import operation
from saas.public.texts import CONTACT_KEYS, TEXT_KEYS
from saas.settings.services import current_tenant
from saas.tenants.models import Tenant

PUBLIC_TEXT_KEYS = (*TEXT_KEYS.values(), *CONTACT_KEYS)


@operation("config.manage")
def save_public_texts(values: Mapping[str, str], expected_version: Any) -> Tenant:
    """Store the legal texts and the feedback contact; an empty text brings the default back."""
    tenant = current_tenant()
    with versions.changing(tenant, expected_version):
        settings = dict(tenant.settings or {})
        for key in PUBLIC_TEXT_KEYS:
            text = (values.get(key) or "").strip()
            if text:
                settings[key] = text
            else:
                settings.pop(key, None)
        tenant.settings = settings
        flag_modified(tenant, "settings")
    return tenant
