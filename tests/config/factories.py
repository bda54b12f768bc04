"""Build a small but complete configuration for a tenant, directly through the ORM."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from saas.activities.models import Activity
from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.carriers.models import Carrier
from saas.core.db import db, utcnow
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.members.models import Invitation, hash_token
from saas.metrics.models import Metric
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offices.models import Office, OfficeArea, OfficeCarrier
from saas.principles.models import Principle
from saas.teams.models import StaffMember, Team


def seed_config(tenant: Any, prefix: str = "") -> dict[str, Any]:
    """One object of every configuration type; returns them by name.

    Codes start with "zz" so they never collide with a real profile's codes.
    """
    c = f"zz{prefix.lower()}"
    with tenant_scope(tenant):
        level = AreaLevel(code=f"{c}stadtteil", name="Stadtteil", plural="Stadtteile", position=1)
        sub = AreaLevel(code=f"{c}quartier", name="Quartier", plural="Quartiere", position=2)
        db.session.add_all([level, sub])
        db.session.flush()
        area = Area(code=f"{c}14", name=f"{prefix}Drewer-Nord", level_id=level.id)
        db.session.add(area)
        db.session.flush()
        quarter = Area(code=f"{c}141", name=f"{prefix}Quartier", level_id=sub.id, parent_id=area.id)
        carrier = Carrier(code=f"{c}awo", name=f"{prefix}AWO", type="awo")
        principle = Principle(code=f"{c}wille", title=f"{prefix}Wille", position=1)
        office = Office(code=f"{c}stb", name=f"{prefix}Stadtteilbüro", opened_on=date(2020, 3, 1))
        db.session.add_all([quarter, carrier, principle, office])
        db.session.flush()
        team = Team(code=f"{c}team", name=f"{prefix}Team", office_id=office.id)
        db.session.add(team)
        db.session.flush()
        staff = StaffMember(name=f"{prefix}Fachkraft", role="asd", team_id=team.id)
        offering = Offering(
            code=f"{c}cafe", name=f"{prefix}Elterncafé", office_id=office.id, carrier_id=carrier.id
        )
        db.session.add_all([staff, offering])
        db.session.flush()
        db.session.add_all(
            [
                OfficeArea(office_id=office.id, area_id=area.id),
                OfficeCarrier(office_id=office.id, carrier_id=carrier.id),
                OfferingPrinciple(offering_id=offering.id, principle_id=principle.id),
                AreaPopulation(
                    area_id=area.id,
                    reference_date=date(2023, 12, 31),
                    total=9074,
                    under_18=1600,
                    under_21=1900,
                    source="test",
                ),
            ]
        )
        invitation = Invitation(
            email=f"{prefix.lower()}new@example.org",
            role="staff",
            token_hash=hash_token(f"{prefix}token"),
            expires_at=utcnow() + timedelta(days=3),
        )
        db.session.add(invitation)
        db.session.flush()
        activity = Activity(
            date=date(2024, 5, 6),
            office_id=office.id,
            area_id=area.id,
            kind="group_session",
            offering_id=offering.id,
            p_0_5=5,
        )
        metric = Metric(
            code=f"{c.upper().replace('-', '_')}LOCAL",
            label_de="Lokal",
            label_en="Local",
            tenant_id=tenant.id,
        )
        db.session.add_all([activity, metric])
        db.session.flush()
        shared = db.session.execute(select(Metric).where(Metric.code == "HZE_RUN_34")).scalar_one()
        figure = FigureValue(metric_id=shared.id, area_id=area.id, period="2024-05", value=12)
        db.session.add(figure)
        db.session.commit()
        objs = {
            "level": level,
            "area": area,
            "quarter": quarter,
            "carrier": carrier,
            "principle": principle,
            "office": office,
            "team": team,
            "staff": staff,
            "offering": offering,
            "invitation": invitation,
            "activity": activity,
            "metric": metric,
            "figure": figure,
        }
        return loaded(objs)


def loaded(objs: dict[str, Any]) -> dict[str, Any]:
    """The objects with their columns loaded, detached from the session.

    A later commit or rollback would expire them, and reloading one outside its tenant's
    scope finds nothing under PostgreSQL's row-level security: detached, they keep what
    was loaded (inside the scope) and are read without a query.
    """
    for obj in objs.values():
        db.session.refresh(obj)
        db.session.expunge(obj)
    return objs


def seed_config_for_staff(tenant: Any) -> dict[str, Any]:
    """:func:`seed_config`, with the demo staff member limited to its office (local role)."""
    from saas.auth.models import Membership

    objs = seed_config(tenant)
    with tenant_scope(tenant):
        staff = db.session.execute(
            select(Membership).where(Membership.role == "staff")
        ).scalar_one()
        staff.scope = {"offices": [objs["office"].id]}
        db.session.commit()
    return objs
