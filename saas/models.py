"""Imports every model module, so metadata (Alembic, tests) sees all tables."""

from saas.auth.models import LoginSession, Membership, User  # noqa: F401
from saas.core.audit import AuditLog  # noqa: F401
from saas.tenants.models import Tenant  # noqa: F401
