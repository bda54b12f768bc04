"""Append-only, tamper-evident audit log, written by one mechanism: the session's flush events.

Views never call the audit log for data changes; every create, update and delete of an
audited model is recorded from ``after_flush`` with old and new values, user, tenant, time
and request id. Authentication events are recorded through :func:`record_event`.

Each tenant's rows (and the platform's, ``tenant_id`` NULL) form a hash chain: a row stores
its number in the chain (``seq``), its predecessor's hash and its own hash over its canonical
content (:func:`row_hash`). On PostgreSQL a ``SECURITY DEFINER`` trigger sets ``at`` (the
database's time), ``seq`` and both hashes, serialised per chain by the row lock on
``audit_chain_heads``; the client cannot choose any of them. On SQLite (no server, no roles)
the same fields are computed here, in :func:`_chain_sqlite`. :func:`verify` recomputes a chain
and names the first row that was changed, deleted or inserted.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    cast,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from saas.core.db import IdMixin, Model, db, utcnow
from saas.core.tenancy import TenantModel, current_tenant_id

SECRET_COLUMNS = frozenset({"password_hash", "totp_secret", "token", "token_hash"})
IGNORED_COLUMNS = frozenset({"updated_at", "version", "lock_version"})


class AuditLog(IdMixin, Model):
    """One recorded event; rows are only ever inserted."""

    __tablename__ = "audit_log"
    # No INSERT … RETURNING: on PostgreSQL the returned row must also pass the read policy,
    # which hides platform rows (no tenant) from tenant sessions; the id comes from the
    # sequence instead.
    __table_args__ = (
        Index("ix_audit_log_chain", "tenant_id", "seq"),
        Index("ix_audit_log_entity", "tenant_id", "entity", "entity_id"),
        {"implicit_returning": False},
    )

    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, default=None
    )
    user_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    #: the database's time (a trigger on PostgreSQL overrides whatever the client sends)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(60), default=None)
    entity_id: Mapped[int | None] = mapped_column(Integer, default=None)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    #: position in the tenant's chain, predecessor's hash, own hash (set on insert, see above)
    seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditChainHead(Model):
    """The last row of each chain (0 = platform rows); its row lock serialises the chain.

    Not readable by the runtime role on PostgreSQL; it also reveals rows cut off the end.
    """

    __tablename__ = "audit_chain_heads"

    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


GENESIS = "0" * 64
#: the columns a row's hash covers, in this order (``changes`` as the stored JSON text)
HASHED = (
    "tenant_id",
    "seq",
    "at",
    "user_id",
    "request_id",
    "action",
    "entity",
    "entity_id",
    "changes",
    "ip",
)


def _field(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        value = value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    value = str(value)
    return f"{len(value)}:{value}"


def row_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """SHA-256 over the predecessor's hash and the row's fields, each length-prefixed.

    The PostgreSQL trigger (:data:`CHAIN_TRIGGER_SQL`) builds the same text.
    """
    canonical = "|".join([prev_hash, *(_field(values[name]) for name in HASHED)])
    return hashlib.sha256(canonical.encode()).hexdigest()


#: the trigger that chains rows on PostgreSQL; the migration installs it, as the owner
CHAIN_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION saas_rls.audit_field(v text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT CASE WHEN v IS NULL THEN '-' ELSE length(v)::text || ':' || v END
$fn$
"""
CHAIN_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION saas_rls.audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  k integer := coalesce(NEW.tenant_id, 0);
  head record;
BEGIN
  NEW.at := now();
  INSERT INTO public.audit_chain_heads (chain, seq, hash)
    VALUES (k, 0, repeat('0', 64)) ON CONFLICT (chain) DO NOTHING;
  SELECT h.seq, h.hash INTO head FROM public.audit_chain_heads h WHERE h.chain = k FOR UPDATE;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := encode(sha256(convert_to(concat_ws('|', NEW.prev_hash,
      saas_rls.audit_field(NEW.tenant_id::text), saas_rls.audit_field(NEW.seq::text),
      saas_rls.audit_field(to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
      saas_rls.audit_field(NEW.user_id::text), saas_rls.audit_field(NEW.request_id),
      saas_rls.audit_field(NEW.action), saas_rls.audit_field(NEW.entity),
      saas_rls.audit_field(NEW.entity_id::text), saas_rls.audit_field(NEW.changes::text),
      saas_rls.audit_field(NEW.ip)), 'UTF8')), 'hex');
  UPDATE public.audit_chain_heads SET seq = NEW.seq, hash = NEW.hash WHERE chain = k;
  RETURN NEW;
END
$fn$
"""
#: the heads for :func:`verify`, to a caller that may read the chain anyway
HEADS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION saas_rls.audit_heads() RETURNS TABLE (chain integer, seq bigint,
  hash varchar) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT h.chain, h.seq, h.hash FROM public.audit_chain_heads h
  WHERE saas_rls.all_tenants() OR h.chain = saas_rls.tenant()
$fn$
"""


class AppendOnlyViolation(RuntimeError):
    """Something tried to change or delete an audit record."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):  # uploaded files: record the size, not the content
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _is_audited(obj: Any) -> bool:
    """Tenant rows and rows that ask for it; a model opts out with ``__audited__ = False``."""
    flag = getattr(obj, "__audited__", None)
    return bool(flag) if flag is not None else isinstance(obj, TenantModel)


def _column_changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in IGNORED_COLUMNS:
            continue
        hist = state.attrs[key].history
        if action == "create":
            old, new = None, getattr(obj, key)
            if new is None:
                continue
        elif action == "delete":
            old, new = (hist.deleted[0] if hist.deleted else getattr(obj, key)), None
        else:
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
        if key in SECRET_COLUMNS:
            old, new = ("***" if old is not None else None), ("***" if new is not None else None)
        changes[key] = [_jsonable(old), _jsonable(new)]
    return changes


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() or g else None


def acting_user_id() -> int | None:
    if g and g.get("audit_user_id"):
        return int(g.get("audit_user_id"))
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return int(current_user.id)
    return None


def _client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _pending_entries(session: Session) -> list[dict[str, Any]]:
    entries = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not _is_audited(obj):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, action)
            if action == "update" and not changes:
                continue
            entries.append({"obj": obj, "action": action, "changes": changes})
    return entries


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditLog):
            raise AppendOnlyViolation("audit records cannot be changed or deleted")


def _chain_sqlite(connection: Any, values: dict[str, Any]) -> None:
    """Chain one row on SQLite (PostgreSQL's trigger does this in the database).

    The head row is updated first, so the write lock is held before the head is read: two
    writers cannot both extend the same head.
    """
    heads = AuditChainHead.__table__
    chain = values.get("tenant_id") or 0
    moved = connection.execute(
        heads.update().where(heads.c.chain == chain).values(seq=heads.c.seq + 1)
    ).rowcount
    if moved:
        seq, prev = connection.execute(
            select(heads.c.seq, heads.c.hash).where(heads.c.chain == chain)
        ).one()
    else:
        seq, prev = 1, GENESIS
        connection.execute(heads.insert().values(chain=chain, seq=seq, hash=prev))
    values.update(at=utcnow(), seq=seq, prev_hash=prev)
    stored = {**values, "changes": json.dumps(values.get("changes"))}
    values["hash"] = row_hash(prev, {name: stored.get(name) for name in HASHED})
    connection.execute(heads.update().where(heads.c.chain == chain).values(hash=values["hash"]))


def _before_insert(_mapper: Any, connection: Any, target: AuditLog) -> None:
    """Rows added through the ORM (:func:`record_event`)."""
    if connection.dialect.name == "postgresql":
        return
    if target.changes is None:
        target.changes = {}
    values = {name: getattr(target, name) for name in HASHED if name not in ("seq", "at")}
    _chain_sqlite(connection, values)
    for name in ("at", "seq", "prev_hash", "hash"):
        setattr(target, name, values[name])


def _after_flush(session: Session, _ctx: Any) -> None:
    # After the flush ids exist, while new/dirty/deleted and attribute history still show
    # the pre-flush state.
    pending = _pending_entries(session)
    if not pending:
        return
    connection = session.connection()
    rows = []
    for entry in pending:
        obj = entry["obj"]
        tenant_id = getattr(obj, "tenant_id", None)
        if obj.__tablename__ == "tenants":
            tenant_id = obj.id
        row = {
            "tenant_id": tenant_id,
            "user_id": acting_user_id(),
            "request_id": request_id(),
            "action": entry["action"],
            "entity": obj.__tablename__,
            "entity_id": getattr(obj, "id", None),
            "changes": entry["changes"],
            "ip": _client_ip(),
        }
        if connection.dialect.name != "postgresql":
            _chain_sqlite(connection, row)
        rows.append(row)
    connection.execute(AuditLog.__table__.insert(), rows)


def install_session_events() -> None:
    """Register the audit events on every SQLAlchemy session (idempotent)."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(AuditLog, "before_insert", _before_insert)


def record_event(
    action: str,
    *,
    tenant_id: int | None = None,
    user_id: int | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record an event that is not a row change (login, logout, workflow transition …)."""
    db.session.add(
        AuditLog(
            tenant_id=tenant_id if tenant_id is not None else current_tenant_id(),
            user_id=user_id if user_id is not None else acting_user_id(),
            request_id=request_id(),
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=_jsonable(details or {}),
            ip=_client_ip(),
        )
    )


def history(entity: str, entity_id: int) -> list[AuditLog]:
    """All audit entries of one object of the current tenant, newest first."""
    return list(
        db.session.execute(
            select(AuditLog)
            .where(
                AuditLog.entity == entity,
                AuditLog.entity_id == entity_id,
                AuditLog.tenant_id == current_tenant_id(),
            )
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        ).scalars()
    )


def new_request_id() -> str:
    return uuid.uuid4().hex


# -- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first row where a chain does not hold."""

    chain: int
    row_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = "platform" if self.chain == 0 else f"tenant {self.chain}"
        row = f"row id={self.row_id} (seq {self.seq})" if self.row_id is not None else "end"
        return f"audit chain of {where} broken at {row}: {self.reason}"


def _chain_rows(chain: int) -> Any:
    table = AuditLog.__table__
    columns = [table.c[name] for name in HASHED if name != "changes"]
    tenant = table.c.tenant_id.is_(None) if chain == 0 else table.c.tenant_id == chain
    query = (
        select(
            table.c.id,
            table.c.prev_hash,
            table.c.hash,
            cast(table.c.changes, Text).label("changes"),
            *columns,
        )
        .where(tenant)
        .order_by(table.c.seq, table.c.id)
    )
    return db.session.execute(query.execution_options(yield_per=2000))


def _heads() -> dict[int, tuple[int, str]]:
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(text("SELECT chain, seq, hash FROM saas_rls.audit_heads()"))
    else:
        heads = AuditChainHead.__table__
        rows = db.session.execute(select(heads.c.chain, heads.c.seq, heads.c.hash))
    return {chain: (seq, digest) for chain, seq, digest in rows}


def verify_chain(chain: int, head: tuple[int, str] | None) -> Break | None:
    """Recompute one chain (a tenant id, or 0 for platform rows); the first break or None."""
    rows = _chain_rows(chain)
    try:
        return _first_break(chain, rows, head)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL


def _first_break(chain: int, rows: Any, head: tuple[int, str] | None) -> Break | None:
    expected, prev = 1, GENESIS
    for row in rows:
        values = row._mapping
        if values["seq"] != expected:
            what = "missing" if values["seq"] is not None and values["seq"] > expected else "extra"
            return Break(
                chain,
                row.id,
                values["seq"],
                f"sequence {values['seq']} where {expected} was due (a row is {what})",
            )
        if values["prev_hash"] != prev:
            return Break(chain, row.id, expected, "does not follow its predecessor's hash")
        if row_hash(prev, values) != values["hash"]:
            return Break(chain, row.id, expected, "content does not match its hash (changed)")
        prev, expected = values["hash"], expected + 1
    last = (expected - 1, prev)
    if head is None and last[0] > 0:
        return Break(chain, None, None, "the chain has rows but no head")
    if head is not None and tuple(head) != last:
        return Break(
            chain, None, last[0], f"the head is at sequence {head[0]}: rows at the end are missing"
        )
    return None


def verify(tenant_id: int | None = None) -> list[Break]:
    """Verify the chain of one tenant, or (None) every chain. Needs all-tenant scope."""
    heads = _heads()
    if tenant_id is not None:
        chains = [tenant_id]
    else:
        table = AuditLog.__table__
        stored = db.session.execute(select(func.coalesce(table.c.tenant_id, 0)).distinct())
        chains = sorted({*stored.scalars(), *heads})
    found = (verify_chain(chain, heads.get(chain)) for chain in chains)
    return [problem for problem in found if problem is not None]
