"""Append-only audit log, written by one mechanism: the session's flush events.

Views never call the audit log for data changes; every create, update and delete of an
audited model is recorded from ``after_flush`` with old and new values, user, tenant, time
and request id. Authentication events are recorded through :func:`record_event`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from saas.core.db import IdMixin, db, utcnow
from saas.core.tenancy import TenantModel, current_tenant_id

SECRET_COLUMNS = frozenset({"password_hash", "totp_secret", "token"})
IGNORED_COLUMNS = frozenset({"updated_at", "version", "lock_version"})


class AuditLog(IdMixin, db.Model):
    """One recorded event; rows are only ever inserted."""

    __tablename__ = "audit_log"
    # No INSERT … RETURNING: on PostgreSQL the returned row must also pass the read policy,
    # which hides platform rows (no tenant) from tenant sessions; the id comes from the
    # sequence instead.
    __table_args__ = {"implicit_returning": False}

    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, default=None
    )
    user_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(60), default=None)
    entity_id: Mapped[int | None] = mapped_column(Integer, default=None)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)


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
    return isinstance(obj, TenantModel) or getattr(obj, "__audited__", False)


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
        return g.get("audit_user_id")
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return current_user.id
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


def _after_flush(session: Session, _ctx: Any) -> None:
    # After the flush ids exist, while new/dirty/deleted and attribute history still show
    # the pre-flush state.
    pending = _pending_entries(session)
    if not pending:
        return
    now = utcnow()
    rows = []
    for entry in pending:
        obj = entry["obj"]
        tenant_id = getattr(obj, "tenant_id", None)
        if obj.__tablename__ == "tenants":
            tenant_id = obj.id
        rows.append(
            {
                "tenant_id": tenant_id,
                "user_id": acting_user_id(),
                "at": now,
                "request_id": request_id(),
                "action": entry["action"],
                "entity": obj.__tablename__,
                "entity_id": getattr(obj, "id", None),
                "changes": entry["changes"],
                "ip": _client_ip(),
            }
        )
    session.connection().execute(AuditLog.__table__.insert(), rows)


def install_session_events() -> None:
    """Register the audit events on every SQLAlchemy session (idempotent)."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)


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
