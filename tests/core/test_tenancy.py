"""The three isolation layers of ``saas.core.tenancy`` on SQLite.

Layer 1 resolves ``/<slug>/`` to the current tenant, layer 2 scopes every ORM statement
(failing closed without a tenant), layer 3 is the database: ``tenant_id`` in every key and
every foreign key between tenant tables. The PostgreSQL-only parts (RLS) are in
``test_postgres.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy import delete, func, select, update
from werkzeug.exceptions import NotFound

from saas.auth.models import Membership, User
from saas.core.db import db
from saas.core.permissions import public
from saas.core.tenancy import (
    CrossTenantWrite,
    TenantNotSet,
    all_tenants,
    current_tenant_id,
    get_or_404,
    tenant_scope,
    tenant_tables,
)
from tests.conftest import tenant
from tests.pg import (
    assert_cross_tenant_reference_rejected,
    composite_tenant_fks,
    fk_id,
    is_tenant_scoped_fk,
)


def memberships_by_tenant() -> dict[int, int]:
    with all_tenants():
        rows = db.session.execute(
            select(Membership.tenant_id, func.count()).group_by(Membership.tenant_id)
        ).all()
    return {tenant_id: count for tenant_id, count in rows}


@pytest.fixture
def two_memberships(app, create_user) -> tuple[Any, Any, User]:  # noqa: ANN001
    """One fresh user with a membership in marl and one in hamm."""
    marl, hamm = tenant("marl"), tenant("hamm")
    user = create_user("twice@example.org", tenant_obj=marl, role="viewer")
    with tenant_scope(hamm):
        db.session.add(Membership(user_id=user.id, role="viewer"))
        db.session.commit()
    return marl, hamm, user


# -- layer 1: resolution -------------------------------------------------------------------


def test_unknown_slug_is_404(client):
    assert client.get("/marl/login").status_code == 200
    assert client.get("/no-such-town/login").status_code == 404
    assert client.get("/no-such-town/").status_code == 404


def test_suspended_tenant_is_404(app, client):
    assert client.get("/hamm/").status_code == 200
    assert client.get("/hamm/login").status_code == 200
    hamm = tenant("hamm")
    with all_tenants():
        hamm.status = "suspended"
        db.session.commit()
    for url in ("/hamm/", "/hamm/login"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Stadt Hamm" not in response.get_data(as_text=True)
    assert client.get("/marl/").status_code == 200


def test_tenant_url_sets_current_tenant_for_the_request_only(app, client):
    seen: dict[str, Any] = {}

    @public
    def probe() -> str:
        seen["tenant_id"] = current_tenant_id()
        seen["slug"] = g.tenant.slug
        seen["memberships"] = {
            m.tenant_id for m in db.session.execute(select(Membership)).scalars()
        }
        return "ok"

    app.add_url_rule("/<tenant_slug>/_tenancy_probe", "tenancy_probe", probe)
    hamm = tenant("hamm")
    assert client.get("/hamm/_tenancy_probe").status_code == 200
    assert seen == {"tenant_id": hamm.id, "slug": "hamm", "memberships": {hamm.id}}
    # the request's tenant does not leak into the caller's context afterwards
    assert current_tenant_id() is None
    with pytest.raises(TenantNotSet):
        db.session.execute(select(Membership)).all()
    assert client.get("/no-such-town/_tenancy_probe").status_code == 404


# -- layer 2: ORM scoping ------------------------------------------------------------------


def test_select_sees_only_current_tenant(app):
    counts = memberships_by_tenant()
    assert len(counts) >= 2, "demo data should have memberships in several tenants"
    for slug in ("marl", "hamm", "rv-saarbruecken"):
        obj = tenant(slug)
        with tenant_scope(obj):
            rows = db.session.execute(select(Membership)).scalars().all()
            count = db.session.execute(select(func.count()).select_from(Membership)).scalar()
            joined = (
                db.session.execute(
                    select(User.email).join(Membership, Membership.user_id == User.id)
                )
                .scalars()
                .all()
            )
        assert rows and {m.tenant_id for m in rows} == {obj.id}
        assert len(rows) == count == counts[obj.id]
        assert len(joined) == counts[obj.id]


def test_update_and_delete_touch_only_current_tenant(two_memberships):
    marl, hamm, user = two_memberships
    with tenant_scope(marl):
        result = db.session.execute(
            update(Membership).where(Membership.user_id == user.id).values(role="coordinator")
        )
        assert result.rowcount == 1
        db.session.commit()
    with all_tenants():
        roles = dict(
            db.session.execute(
                select(Membership.tenant_id, Membership.role).where(Membership.user_id == user.id)
            ).all()
        )
    assert roles == {marl.id: "coordinator", hamm.id: "viewer"}

    with tenant_scope(hamm):
        result = db.session.execute(delete(Membership).where(Membership.user_id == user.id))
        assert result.rowcount == 1
        db.session.commit()
    with all_tenants():
        left = (
            db.session.execute(select(Membership.tenant_id).where(Membership.user_id == user.id))
            .scalars()
            .all()
        )
    assert left == [marl.id]


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(lambda: select(Membership), id="select"),
        pytest.param(lambda: select(func.count()).select_from(Membership), id="count"),
        pytest.param(lambda: select(Membership.role).where(Membership.id > 0), id="columns"),
        pytest.param(
            lambda: select(User).join(Membership, Membership.user_id == User.id), id="join"
        ),
        pytest.param(lambda: update(Membership).values(role="viewer"), id="update"),
        pytest.param(lambda: delete(Membership), id="delete"),
    ],
)
def test_no_tenant_fails_closed(app, statement):
    before = memberships_by_tenant()
    assert current_tenant_id() is None
    with pytest.raises(TenantNotSet):
        db.session.execute(statement())
    db.session.rollback()
    assert memberships_by_tenant() == before


def test_no_tenant_still_allows_platform_tables(app):
    """Only tenant tables fail closed: the guard is specific, not a blanket error."""
    assert db.session.execute(select(func.count()).select_from(User)).scalar() > 0


def test_all_tenants_lifts_scoping(app):
    counts = memberships_by_tenant()
    with all_tenants():
        assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == sum(
            counts.values()
        )
        assert {m.tenant_id for m in db.session.execute(select(Membership)).scalars()} == set(
            counts
        )
    with pytest.raises(TenantNotSet):
        db.session.execute(select(Membership))


def test_new_rows_are_stamped_with_current_tenant(app, create_user):
    user = create_user("stamp@example.org")
    hamm = tenant("hamm")
    with tenant_scope(hamm):
        membership = Membership(user_id=user.id, role="viewer")
        db.session.add(membership)
        db.session.commit()
        assert membership.tenant_id == hamm.id  # reloaded in the scope (row-level security)


def test_new_row_without_tenant_is_refused(app, create_user):
    user = create_user("nobody@example.org")
    db.session.add(Membership(user_id=user.id, role="viewer"))
    with pytest.raises(TenantNotSet):
        db.session.flush()
    db.session.rollback()


def test_writing_another_tenants_row_is_refused(two_memberships):
    marl, hamm, user = two_memberships
    other = User(email="other@example.org", name="")
    with all_tenants():
        db.session.add(other)
        db.session.commit()
        marl_row = db.session.execute(
            select(Membership).where(Membership.tenant_id == marl.id, Membership.user_id == user.id)
        ).scalar_one()

    def reload_marl_row() -> None:
        # the rollback expired it; reloaded while B is current, PostgreSQL's row-level
        # security would hide the row before layer 2 could refuse the write
        with all_tenants():
            db.session.refresh(marl_row)

    with tenant_scope(hamm):  # insert with A's id while B is current
        db.session.add(Membership(tenant_id=marl.id, user_id=other.id, role="viewer"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    reload_marl_row()

    with tenant_scope(hamm):  # change A's row while B is current
        marl_row.role = "tenant_admin"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    reload_marl_row()

    with tenant_scope(hamm):  # delete A's row while B is current
        db.session.delete(marl_row)
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()

    with all_tenants():
        row = db.session.execute(
            select(Membership).where(Membership.tenant_id == marl.id, Membership.user_id == user.id)
        ).scalar_one()
        assert row.role == "viewer"
        assert (
            db.session.execute(
                select(func.count()).select_from(Membership).where(Membership.user_id == other.id)
            ).scalar()
            == 0
        )


def test_get_or_404_with_another_tenants_id(two_memberships):
    marl, hamm, user = two_memberships
    with all_tenants():  # both objects sit in the identity map: get_or_404 must still say 404
        ids = dict(
            db.session.execute(
                select(Membership.tenant_id, Membership.id).where(Membership.user_id == user.id)
            ).all()
        )
        db.session.execute(select(Membership).where(Membership.user_id == user.id)).all()
    with tenant_scope(marl):
        assert get_or_404(Membership, ids[marl.id]).tenant_id == marl.id
        assert get_or_404(Membership, str(ids[marl.id])).id == ids[marl.id]
        for bad in (ids[hamm.id], str(ids[hamm.id]), 999_999, "abc", None):
            with pytest.raises(NotFound):
                get_or_404(Membership, bad)


# -- layer 3: the database itself ----------------------------------------------------------

COMPOSITE_FKS = composite_tenant_fks()


def test_tenant_tables_are_known():
    names = tenant_tables()
    assert "memberships" in names
    assert "tenants" not in names and "users" not in names and "audit_log" not in names


def _keys_with_tenant(table: sa.Table) -> list[list[str]]:
    keys = [[c.name for c in table.primary_key.columns]]
    keys += [
        [c.name for c in con.columns]
        for con in table.constraints
        if isinstance(con, sa.UniqueConstraint)
    ]
    return [k for k in keys if "tenant_id" in k]


def test_every_tenant_table_has_a_key_with_tenant_id(app):
    problems = []
    inspector = sa.inspect(db.engine)
    for name in tenant_tables():
        table = db.metadata.tables[name]
        if table.c.tenant_id.nullable:
            problems.append(f"{name}.tenant_id is nullable")
        if ["tenant_id", "id"] not in _keys_with_tenant(table):
            problems.append(f"{name}: model has no unique key (tenant_id, id)")
        reflected = [uc["column_names"] for uc in inspector.get_unique_constraints(name)]
        reflected.append(inspector.get_pk_constraint(name)["constrained_columns"])
        if not any("tenant_id" in cols for cols in reflected):
            problems.append(f"{name}: migrated table has no unique key with tenant_id")
    assert not problems, "\n".join(problems)


def test_every_fk_between_tenant_tables_includes_tenant_id(app):
    names = set(tenant_tables())
    problems = []
    inspector = sa.inspect(db.engine)
    for name in sorted(names):
        table = db.metadata.tables[name]
        for fk in table.foreign_key_constraints:
            if fk.referred_table.name in names and not is_tenant_scoped_fk(fk):
                problems.append(f"model: {fk_id(fk)} does not map tenant_id -> tenant_id")
        for fk in inspector.get_foreign_keys(name):
            if fk["referred_table"] not in names:
                continue
            pairs = set(zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
            if ("tenant_id", "tenant_id") not in pairs:
                problems.append(
                    f"database: {name}{fk['constrained_columns']} -> "
                    f"{fk['referred_table']}{fk['referred_columns']} lacks tenant_id"
                )
    assert not problems, "\n".join(problems)


def test_composite_fk_targets_are_unique_keys():
    """A composite FK needs a unique key on exactly its referred columns (else SQLite errs)."""
    problems = []
    for fk in COMPOSITE_FKS:
        referred = {el.column.name for el in fk.elements}
        target = fk.referred_table
        keys = [{c.name for c in target.primary_key.columns}] + [
            {c.name for c in con.columns}
            for con in target.constraints
            if isinstance(con, sa.UniqueConstraint)
        ]
        if referred not in keys:
            problems.append(f"{fk_id(fk)}: no unique key on {sorted(referred)}")
    assert not problems, "\n".join(problems)


def test_models_have_composite_tenant_foreign_keys():
    assert len(COMPOSITE_FKS) >= 20  # the cases below must not silently shrink to nothing


@pytest.mark.parametrize("fk", COMPOSITE_FKS, ids=fk_id)
def test_db_rejects_cross_tenant_reference(app, fk):
    """With layer 2 off, the composite foreign key alone rejects a reference into tenant B."""
    assert_cross_tenant_reference_rejected(fk, db.session.get_bind().dialect.name)


def test_core_table_statement_is_scoped_or_refused(app):
    marl = tenant("marl")
    table = Membership.__table__
    with tenant_scope(marl):
        try:
            rows = db.session.execute(select(table)).all()
        except TenantNotSet:
            return  # refusing is fine too
    assert rows and {row.tenant_id for row in rows} == {marl.id}
