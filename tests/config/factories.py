"""Build a small but complete configuration for a tenant, directly through the ORM."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.carriers.models import Carrier
from saas.core.db import db, utcnow
from saas.core.tenancy import tenant_scope
from saas.members.models import Invitation, hash_token
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offices.models import Office, OfficeArea, OfficeCarrier
from saas.principles.models import Principle
from saas.teams.models import StaffMember, Team


def seed_config(tenant: Any, prefix: str = "") -> dict[str, Any]:
    """One object of every configuration type; returns them by name."""
    with tenant_scope(tenant):
        level = AreaLevel(code="stadtteil", name="Stadtteil", plural="Stadtteile", position=1)
        sub = AreaLevel(code="quartier", name="Quartier", plural="Quartiere", position=2)
        db.session.add_all([level, sub])
        db.session.flush()
        area = Area(code=f"{prefix}14", name=f"{prefix}Drewer-Nord", level_id=level.id)
        db.session.add(area)
        db.session.flush()
        quarter = Area(
            code=f"{prefix}141", name=f"{prefix}Quartier", level_id=sub.id, parent_id=area.id
        )
        carrier = Carrier(code="awo", name=f"{prefix}AWO", type="awo")
        principle = Principle(code="wille", title=f"{prefix}Wille", position=1)
        office = Office(code="stb", name=f"{prefix}Stadtteilbüro", opened_on=date(2020, 3, 1))
        db.session.add_all([quarter, carrier, principle, office])
        db.session.flush()
        team = Team(code="team", name=f"{prefix}Team", office_id=office.id)
        db.session.add(team)
        db.session.flush()
        staff = StaffMember(name=f"{prefix}Fachkraft", role="asd", team_id=team.id)
        offering = Offering(
            code="cafe", name=f"{prefix}Elterncafé", office_id=office.id, carrier_id=carrier.id
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
        db.session.commit()
        return {
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
        }
