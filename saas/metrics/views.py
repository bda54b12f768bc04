"""The shared catalogue under /platform/metrics and tenant-local metrics under /<slug>/metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.core.crud import Column, Crud
from saas.core.db import db
from saas.core.operations import Invalid
from saas.core.permissions import PLATFORM_MANAGE
from saas.core.tenancy import current_tenant_id, own_rows, shared_or_own, shared_rows
from saas.metrics.forms import MetricForm
from saas.metrics.models import KINDS, PERIODICITIES, Metric

bp = Blueprint("metrics", __name__, url_prefix="/platform/metrics")
local_bp = Blueprint("local_metrics", __name__, url_prefix="/<tenant_slug>/metrics")


def load_rules(form: MetricForm, metric: Metric) -> None:
    rules = metric.rules or {}
    form.min_value.data = rules.get("min", 0)
    form.integer.data = bool(rules.get("integer", True))
    form.warn_factor.data = rules.get("warn_factor", 3)


def save_rules(values: dict[str, Any], metric: Metric) -> None:
    """The validation rules of a metric, from the form's three rule fields."""
    rules = dict(metric.rules or {})
    rules.update(
        min=values.get("min_value"),
        integer=bool(values.get("integer")),
        warn_factor=values.get("warn_factor") or 3,
    )
    metric.rules = rules


def new_local() -> Metric:
    """A metric created on a tenant's pages is that tenant's own."""
    return Metric(tenant_id=current_tenant_id())


def check(values: dict[str, Any], metric: Metric | None) -> None:
    """Codes are unique among everything a tenant can see; a part names an existing total."""
    visible = shared_or_own(Metric) if current_tenant_id() is not None else shared_rows(Metric)
    query = select(Metric.id).where(Metric.code == values.get("code"), visible)
    if metric is not None:
        query = query.where(Metric.id != metric.id)
    if db.session.execute(query).first():
        raise Invalid(_("This code is already in use."), field="code")
    part_of = values.get("part_of")
    if (
        part_of
        and not db.session.execute(select(Metric.id).where(Metric.code == part_of, visible)).first()
    ):
        raise Invalid(_("There is no metric with this code."), field="part_of")


COLUMNS = [
    Column("code", _l("Code")),
    Column("label", _l("Label"), render=lambda m: m.label),
    Column("unit", _l("Unit")),
    Column("kind", _l("Kind"), render=lambda m: str(KINDS.get(m.kind, m.kind))),
    Column(
        "periodicity",
        _l("Periodicity"),
        render=lambda m: str(PERIODICITIES.get(m.periodicity, m.periodicity)),
    ),
]
DETAILS = [
    Column("label_de", _l("German label"), lang="de"),
    Column("label_en", _l("English label"), lang="en"),
    Column("unit", _l("Unit")),
    Column("kind", _l("Kind")),
    Column("time_aggregation", _l("Aggregation over time")),
    Column("area_aggregation", _l("Aggregation over areas")),
    Column("periodicity", _l("Periodicity")),
    Column("includes_eb", _l("Includes § 28")),
    Column("includes_35a", _l("Includes § 35a")),
    Column("part_of", _l("Part of")),
    Column("help_type", _l("Help type (§)")),
    Column("rules", _l("Validation rules")),
    Column("description", _l("Definition and notes")),
]


def _common(**kwargs: Any) -> dict[str, Any]:
    return dict(
        model=Metric,
        form_class=MetricForm,
        columns=COLUMNS,
        details=DETAILS,
        order_by=("position", "code"),
        load_form=load_rules,
        save=save_rules,
        check=check,
        **kwargs,
    )


shared = Crud(
    singular=_l("Metric"),
    plural=_l("Metric catalogue"),
    read_permission=PLATFORM_MANAGE,
    write_permission=PLATFORM_MANAGE,
    criteria=lambda: shared_rows(Metric),
    platform=True,
    **_common(),
).register(bp)

local = Crud(
    singular=_l("Local metric"),
    plural=_l("Local metrics"),
    read_permission="tenant.view",
    write_permission="config.manage",
    criteria=lambda: own_rows(Metric),
    factory=new_local,
    **_common(),
).register(local_bp)
