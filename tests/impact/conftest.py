"""Fixtures for the impact analysis: a tiny hand-built municipality and Marl's demo data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.offices.models import Office, OfficeArea
from tests.conftest import app_with_marl_data, tenant

# Annual case counts (running on 31 Dec + ended in the year) and under-21 population per
# figure area and year; the expectations in test_services.py are computed by hand from these.
CASES = {
    "P1": {2016: 38, 2017: 40, 2018: 44, 2019: 50, 2020: 38, 2021: 36, 2022: 35},
    "P2": {2016: 19, 2017: 20, 2018: 20, 2019: 22, 2020: 18, 2021: 16, 2022: 15},
    "B": {2016: 58, 2017: 60, 2018: 62, 2019: 66, 2020: 70, 2021: 72, 2022: 75},
    "D": {2016: 29, 2017: 30, 2018: 30, 2019: 30, 2020: 31, 2021: 33, 2022: 34},
    "C": dict.fromkeys(range(2016, 2023), 500),  # served since 2000: never a control
    "Z": dict.fromkeys(range(2016, 2023), 900),  # other hierarchy: never a control
}
U21 = {
    "P1": {2016: 1000, 2017: 1000, 2018: 1200, 2019: 1000, 2020: 1100, 2021: 900, 2022: 900},
    "P2": dict.fromkeys(range(2016, 2023), 500),
    "B": dict.fromkeys(range(2016, 2023), 2000),
    "D": dict.fromkeys(range(2016, 2023), 1000),
    "C": dict.fromkeys(range(2016, 2023), 1000),
    "Z": dict.fromkeys(range(2016, 2023), 1000),
}
#: cases by help type in the treated areas before the opening (2017, 2018): § 34 and § 31
#: (§ 31's monthly stocks are what the total leaves, see :func:`build_town`)
TYPES = {
    ("P1", 2017): {"34": 10, "31": 30},
    ("P1", 2018): {"34": 11, "31": 33},
    ("P2", 2017): {"34": 5, "31": 15},
    ("P2", 2018): {"34": 5, "31": 15},
}


class Town:
    """Ids of the tiny municipality's rows."""

    def __init__(self, tenant_obj: Any, areas: dict[str, int], offices: dict[str, int]) -> None:
        self.tenant = tenant_obj
        self.areas = areas
        self.offices = offices

    def office(self, code: str) -> Office:
        return db.session.execute(select(Office).where(Office.code == code)).scalar_one()


def _metric_ids() -> dict[str, int]:
    return {
        code: metric_id
        for code, metric_id in db.session.execute(
            select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
        )
    }


def two_cases(area_id: int, year: int) -> None:
    """The area has 2 cases in ``year`` (ended in March and September, none running at the
    end of a month but 1 in January–November); its population stays. Inside the tenant's
    scope; the caller commits."""
    metric = _metric_ids()
    db.session.execute(
        delete(FigureValue).where(
            FigureValue.area_id == area_id,
            FigureValue.period.like(f"{year}-%"),
            FigureValue.metric_id != metric["POP_U21"],
        )
    )
    for month in range(1, 13):
        db.session.add(
            FigureValue(
                metric_id=metric["HZE_RUN"],
                area_id=area_id,
                period=f"{year}-{month:02d}",
                value=0 if month == 12 else 1,
            )
        )
    for month in (3, 9):
        db.session.add(
            FigureValue(
                metric_id=metric["HZE_END"], area_id=area_id, period=f"{year}-{month:02d}", value=1
            )
        )


def build_town(tenant_obj: Any) -> Town:
    """Areas P (parent, linked to the new office) → P1, P2 (with figures); B and D (controls;
    D's office closed before the period); C (served all along); Z in a second hierarchy."""
    with tenant_scope(tenant_obj):
        bezirk = AreaLevel(code="bezirk", name="Bezirk", plural="Bezirke", position=1)
        quartier = AreaLevel(code="quartier", name="Quartier", plural="Quartiere", position=2)
        politik = AreaLevel(code="politik", name="Wahlbezirk", hierarchy="politisch", position=1)
        db.session.add_all([bezirk, quartier, politik])
        db.session.flush()
        parent = Area(level_id=bezirk.id, code="P", name="Parkviertel")
        db.session.add(parent)
        db.session.flush()
        areas = {"P": parent}
        for code, name, level, parent_id in (
            ("P1", "Parkviertel Nord", quartier, parent.id),
            ("P2", "Parkviertel Süd", quartier, parent.id),
            ("B", "Bachtal", bezirk, None),
            ("C", "Clarenberg", bezirk, None),
            ("D", "Dorfmitte", bezirk, None),
            ("Z", "Wahlbezirk Z", politik, None),
        ):
            areas[code] = Area(level_id=level.id, code=code, name=name, parent_id=parent_id)
            db.session.add(areas[code])
        db.session.flush()
        offices = {
            "new": Office(code="new", name="Büro Parkviertel", opened_on=date(2019, 7, 1)),
            "old": Office(code="old", name="Treff Clarenberg", opened_on=date(2000, 1, 1)),
            "gone": Office(
                code="gone",
                name="Büro Dorfmitte",
                opened_on=date(2008, 1, 1),
                closed_on=date(2015, 12, 31),
            ),
            "undated": Office(code="undated", name="Büro ohne Datum"),
        }
        db.session.add_all(offices.values())
        db.session.flush()
        for office_code, area_code in (
            ("new", "P"),
            ("old", "C"),
            ("gone", "D"),
            ("undated", "C"),
        ):
            db.session.add(
                OfficeArea(office_id=offices[office_code].id, area_id=areas[area_code].id)
            )
        metric = _metric_ids()

        def add(code: str, area: str, period: str, value: float) -> None:
            db.session.add(
                FigureValue(
                    metric_id=metric[code], area_id=areas[area].id, period=period, value=value
                )
            )

        for area, by_year in CASES.items():
            for year, cases in by_year.items():
                # the annual count = December stock + the year's ended cases; the other
                # months must not count there (each holds cases + 1), but they make the
                # running case-years: (11 × (cases + 1) + cases − 5) / 12 = cases + 0.5
                for month in range(1, 12):
                    add("HZE_RUN", area, f"{year}-{month:02d}", cases + 1)
                add("HZE_RUN", area, f"{year}-12", cases - 5)
                add("HZE_END", area, f"{year}-03", 2)
                add("HZE_END", area, f"{year}-09", 3)
                add("POP_U21", area, str(year), U21[area][year])
        for (area, year), by_type in TYPES.items():
            # § 34 holds the same stock all year (case-years = cases); § 31 holds the rest
            # of every month's total, so no case is without a help type: cases + 1 − § 34
            # in January to November, cases − 5 − § 34 in December (case-years = cases + ½)
            total = CASES[area][year]
            for month in range(1, 13):
                stock = total + 1 if month < 12 else total - 5
                add("HZE_RUN_34", area, f"{year}-{month:02d}", by_type["34"])
                add("HZE_RUN_31", area, f"{year}-{month:02d}", stock - by_type["34"])
        db.session.commit()
        return Town(
            tenant_obj,
            {code: a.id for code, a in areas.items()},
            {code: o.id for code, o in offices.items()},
        )


@pytest.fixture
def town(create_tenant: Any) -> Town:
    return build_town(create_tenant("kleinstadt", "Kleinstadt"))


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """``tests/conftest.py``'s app, with Marl's demo figures generated once per session."""
    yield from app_with_marl_data(request, tmp_path)


@pytest.fixture
def marl(app: Any) -> Any:
    """Marl with its synthetic demo figures (see :func:`app`)."""
    return tenant("marl")


def office_id(tenant_obj: Any, code: str) -> int:
    with tenant_scope(tenant_obj):
        return db.session.execute(select(Office.id).where(Office.code == code)).scalar_one()
