"""Tenant isolation in one place.

Three independent layers keep tenants apart:

1. resolution: every tenant page lives under ``/<tenant_slug>/`` and sets the current tenant
   (see :func:`init_app`);
2. ORM scoping: every ORM select/update/delete of a :class:`TenantModel` gets the current
   tenant's criteria, and it fails closed when no tenant is set (:func:`_scope_statement`);
3. the database: ``tenant_id`` is in a unique key of every tenant table, foreign keys between
   tenant tables are composite, and on PostgreSQL row-level security reads the per-transaction
   settings ``app.tenant_id`` / ``app.all_tenants`` written here with a signature the runtime
   role cannot forge (:func:`_sync_rls`, :mod:`saas.core.rls`).

Nothing outside this module filters by tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, Protocol, TypeVar

from flask import Flask, abort, g
from sqlalchemy import ForeignKey, ForeignKeyConstraint, UniqueConstraint, event, select, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables
from werkzeug.local import LocalProxy

from saas.core.db import Base, IdMixin, db

T = TypeVar("T")

_tenant_id: ContextVar[int | None] = ContextVar("tenant_id", default=None)
_all_tenants: ContextVar[bool] = ContextVar("all_tenants", default=False)
_orm_scoping: ContextVar[bool] = ContextVar("orm_scoping", default=True)


class TenantNotSet(RuntimeError):
    """A tenant-owned table was queried or written without a current tenant."""


class CrossTenantWrite(RuntimeError):
    """A row of one tenant was about to be written while another tenant is current."""


class TenantModel(IdMixin):
    """Base of every tenant-owned model: ``tenant_id`` plus a unique key ``(tenant_id, id)``."""

    __abstract__ = True
    __tenant_args__: tuple[Any, ...] = ()
    #: a single-column index on ``tenant_id``; off where a composite index leads with it
    __tenant_index__: bool = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("tenants.id", ondelete="RESTRICT"), index=cls.__tenant_index__
        )

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            UniqueConstraint("tenant_id", "id"),
            *cls.__tenant_args__,
        )


def tenant_fk(column: str, target: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    """Composite foreign key ``(tenant_id, column) → target(tenant_id, id)``.

    The database then rejects a reference to another tenant's row on its own.
    """
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"], ondelete=ondelete
    )


def tenant_tables() -> list[str]:
    """Names of all tables owned by tenants (the RLS catalogue is checked against this)."""
    return sorted(
        mapper.tables[0].name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantModel)
    )


# -- the current tenant -------------------------------------------------------------------


def current_tenant_id() -> int | None:
    return _tenant_id.get()


class Tenant(Protocol):
    """What core reads of a tenant; the model is ``saas.tenants.models.Tenant``.

    Core sits below the packages, so it names the shape it needs instead of importing the model.
    """

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def settings(self) -> dict[str, Any]: ...

    def word(self, key: str) -> str: ...


def _get_current_tenant() -> Tenant | None:
    tenant: Tenant | None = g.get("tenant")
    return tenant


current_tenant: Tenant = LocalProxy(_get_current_tenant)  # type: ignore[assignment]


@contextmanager
def tenant_scope(tenant_or_id: Tenant | int) -> Iterator[None]:
    """Run a block as one tenant (CLI, tests, background jobs)."""
    tenant_id = tenant_or_id if isinstance(tenant_or_id, int) else tenant_or_id.id
    token = _tenant_id.set(tenant_id)
    all_token = _all_tenants.set(False)
    try:
        yield
    finally:
        _all_tenants.reset(all_token)
        _tenant_id.reset(token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Explicitly lift tenant scoping, for platform code and the CLI only."""
    token = _all_tenants.set(True)
    id_token = _tenant_id.set(None)
    try:
        yield
    finally:
        _tenant_id.reset(id_token)
        _all_tenants.reset(token)


@contextmanager
def orm_scoping_disabled() -> Iterator[None]:
    """Switch layer 2 off, so tests can prove the database layer holds on its own."""
    token = _orm_scoping.set(False)
    try:
        yield
    finally:
        _orm_scoping.reset(token)


def get_or_404(model: type[T], object_id: Any) -> T:
    """Load one object through the scoped query path.

    ``Session.get`` may answer from the identity map without SQL; a select never does, so
    another tenant's id answers 404 exactly like an id that never existed.
    """
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.execute(
        select(model).where(model.id == object_id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def shared_or_own(model: Any) -> Any:
    """Criteria for platform tables that mix shared rows (no tenant) with tenant-local ones."""
    from sqlalchemy import or_

    tenant_id = _tenant_id.get()
    if tenant_id is None and not _all_tenants.get():
        raise TenantNotSet("shared-or-own query without a current tenant")
    if _all_tenants.get():
        return model.tenant_id.is_(None)
    return or_(model.tenant_id.is_(None), model.tenant_id == tenant_id)


def own_rows(model: Any) -> Any:
    """Criteria for the current tenant's own rows of a mixed platform table."""
    tenant_id = _tenant_id.get()
    if tenant_id is None:
        raise TenantNotSet("own-rows query without a current tenant")
    return model.tenant_id == tenant_id


def shared_rows(model: Any) -> Any:
    """Criteria for the shared rows (no tenant) of a mixed platform table."""
    return model.tenant_id.is_(None)


# -- layer 2: ORM scoping ------------------------------------------------------------------


@cache
def _tenant_table_names(_mapper_count: int) -> frozenset[str]:
    return frozenset(tenant_tables())


def _touched_tenant_tables(statement: Any) -> bool:
    # keyed by the number of mappers, so models imported later are still seen
    names = _tenant_table_names(len(Base.registry.mappers))
    return any(
        getattr(table, "name", None) in names
        for table in find_tables(statement, include_joins=True, include_aliases=True)
    )


def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.execution_options.get("skip_tenant_scope"):
        return
    if not _orm_scoping.get() or _all_tenants.get():
        return
    tenant_id = _tenant_id.get()
    if tenant_id is None:
        if _touched_tenant_tables(state.statement):
            raise TenantNotSet("query on tenant data without a current tenant")
        return
    orm_enabled = state.statement._propagate_attrs.get("compile_state_plugin") == "orm"
    if not orm_enabled and _touched_tenant_tables(state.statement):
        # Loader criteria only reach mapped classes; a Core statement on a tenant Table would
        # see every tenant's rows, so it is refused (fail closed).
        raise TenantNotSet("Core statement on a tenant table: use the mapped class")
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantModel,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            track_closure_variables=True,
        )
    )


def _stamp_new_rows(session: Session, _flush_context: Any, _instances: Any) -> None:
    if not _orm_scoping.get():
        return
    tenant_id = _tenant_id.get()
    for obj in session.new:
        if not isinstance(obj, TenantModel):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantNotSet(f"new {type(obj).__name__} without a current tenant")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")
    if tenant_id is None:
        return
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TenantModel) and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")


# -- layer 3: PostgreSQL row-level security ------------------------------------------------


def _rls_state() -> tuple[str, str]:
    tenant_id = _tenant_id.get()
    return ("" if tenant_id is None else str(tenant_id), "on" if _all_tenants.get() else "off")


@cache
def _rls_key(secret_key: str) -> bytes:
    from saas.core.rls import derive_key

    return derive_key(secret_key)


def _apply_rls(session: Session, connection: Any, state: tuple[str, str]) -> None:
    """Write the scope with its signature (see :mod:`saas.core.rls`).

    The signature binds the scope to this backend and this transaction (its start time), so
    neither SQL run as the runtime role nor a signature replayed later can widen it.
    """
    from flask import current_app

    from saas.core.rls import TRANSACTION_STAMP_SQL, scope_signature

    stamp = session.info.get("rls_stamp")
    if stamp is None:
        stamp = tuple(connection.execute(text(TRANSACTION_STAMP_SQL)).one())
        session.info["rls_stamp"] = stamp
    pid, started = stamp
    signature = scope_signature(
        _rls_key(current_app.config["SECRET_KEY"]), state[0], state[1], pid, started
    )
    connection.execute(
        text(
            "SELECT set_config('app.tenant_id', :t, true), set_config('app.all_tenants', :a, true),"
            " set_config('app.scope_sig', :s, true)"
        ),
        {"t": state[0], "a": state[1], "s": signature},
    )


def _after_begin(session: Session, _transaction: Any, connection: Any) -> None:
    if connection.dialect.name != "postgresql":
        return
    session.info.pop("rls_stamp", None)
    state = _rls_state()
    _apply_rls(session, connection, state)
    session.info["rls_state"] = state


def _sync_rls(state: ORMExecuteState) -> None:
    session = state.session
    if "rls_state" not in session.info:
        return
    wanted = _rls_state()
    if session.info["rls_state"] != wanted:
        _apply_rls(session, session.connection(), wanted)
        session.info["rls_state"] = wanted


def _sync_rls_before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    """A flush writes under the tenant current now, not the one of the last query."""
    if "rls_state" in session.info and session.info["rls_state"] != _rls_state():
        _apply_rls(session, session.connection(), _rls_state())
        session.info["rls_state"] = _rls_state()


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("rls_state", None)
        session.info.pop("rls_stamp", None)


def install_session_events() -> None:
    """Register the scoping events on every SQLAlchemy session (idempotent)."""
    if event.contains(Session, "do_orm_execute", _scope_statement):
        return
    event.listen(Session, "do_orm_execute", _sync_rls)
    event.listen(Session, "do_orm_execute", _scope_statement)
    event.listen(Session, "before_flush", _sync_rls_before_flush)
    event.listen(Session, "before_flush", _stamp_new_rows)
    event.listen(Session, "after_begin", _after_begin)
    event.listen(Session, "after_transaction_end", _after_transaction_end)


# -- layer 1: resolution -------------------------------------------------------------------


def enter_request_tenant(tenant: Tenant) -> None:
    """Make ``tenant`` the current request's tenant, as ``/<tenant_slug>/…`` does.

    The JSON API takes the tenant from the caller's token instead of the address; the
    teardown below forgets it the same way.
    """
    g.tenant = tenant
    g.tenant_token = _tenant_id.set(tenant.id)


def init_app(app: Flask, find_active_tenant: Callable[[str], Tenant | None]) -> None:
    """Resolve ``/<tenant_slug>/…`` to the current tenant; unknown or suspended → 404.

    ``find_active_tenant(slug)`` comes from the tenants package (the app factory passes it).
    """
    install_session_events()

    @app.url_value_preprocessor
    def _resolve_tenant(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        if not values or "tenant_slug" not in values:
            return
        slug = values.pop("tenant_slug")
        with all_tenants():
            tenant = find_active_tenant(slug)
        if tenant is None:
            abort(404)
        enter_request_tenant(tenant)

    @app.url_defaults
    def _add_tenant_slug(endpoint: str, values: dict[str, Any]) -> None:
        if "tenant_slug" in values or endpoint not in app.view_functions:
            return
        if not app.url_map.is_endpoint_expecting(endpoint, "tenant_slug"):
            return
        tenant = g.get("tenant")
        if tenant is not None:
            values["tenant_slug"] = tenant.slug

    @app.teardown_request
    def _forget_tenant(_exc: BaseException | None) -> None:
        token = g.pop("tenant_token", None)
        if token is not None:
            try:
                _tenant_id.reset(token)
            except ValueError:  # reset from another context; just clear it
                _tenant_id.set(None)

    @app.context_processor
    def _inject_tenant() -> dict[str, Any]:
        return {"current_tenant": g.get("tenant")}
