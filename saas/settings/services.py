"""A tenant's own settings: its name, default language and words for offices and areas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from saas.core import versions
from saas.core.db import db
from saas.core.operations import operation
from saas.core.tenancy import TenantNotSet, all_tenants, current_tenant_id
from saas.tenants.models import Tenant

VOCABULARY_KEYS = ("office", "offices", "area", "areas")


def current_tenant() -> Tenant:
    """The tenant of this request (settings always concern the current one)."""
    tenant_id = current_tenant_id()  # read before all_tenants() lifts the scope
    if tenant_id is None:
        raise TenantNotSet("settings concern the current tenant")
    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one()


@operation("config.manage")
def save_settings(
    name: str, default_locale: str, vocabulary: Mapping[str, str], expected_version: Any
) -> Tenant:
    """Rename the municipality, set its default language and its own words."""
    tenant = current_tenant()
    with versions.changing(tenant, expected_version):
        tenant.name = name.strip()
        tenant.default_locale = default_locale
        tenant.vocabulary = {
            **(tenant.vocabulary or {}),
            **{key: vocabulary[key].strip() for key in VOCABULARY_KEYS if key in vocabulary},
        }
    return tenant
