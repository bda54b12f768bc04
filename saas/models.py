"""Imports every model module, so metadata (Alembic, tests) sees all tables."""

from saas.activities.models import Activity, ActivityCarrier, ActivityPrinciple  # noqa: F401
from saas.api.models import ApiToken  # noqa: F401
from saas.areas.models import Area, AreaLevel, AreaPopulation  # noqa: F401
from saas.auth.models import LoginSession, Membership, User  # noqa: F401
from saas.carriers.models import Carrier  # noqa: F401
from saas.comparison.models import (  # noqa: F401
    ComparisonRing,
    Publication,
    PublishedProtection,
    RingParticipation,
)
from saas.core.audit import AuditLog  # noqa: F401
from saas.core.idempotency import FormToken  # noqa: F401
from saas.figures.models import FigureValue, ImportBatch  # noqa: F401
from saas.members.models import Invitation  # noqa: F401
from saas.metrics.models import Metric  # noqa: F401
from saas.offerings.models import Offering, OfferingPrinciple  # noqa: F401
from saas.offices.models import Office, OfficeArea, OfficeCarrier  # noqa: F401
from saas.periods.models import PeriodStatus  # noqa: F401
from saas.principles.models import Principle  # noqa: F401
from saas.reports.models import PublishedReport, ReportTemplate  # noqa: F401
from saas.teams.models import StaffMember, Team  # noqa: F401
from saas.tenants.models import Tenant  # noqa: F401
