"""Database handle, declarative base and the mixins every model builds on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import uuid4

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Integer, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names so Alembic diffs stay clean."""

    metadata = MetaData(naming_convention=NAMING)

    if TYPE_CHECKING:  # every model maps one table (SQLAlchemy types it as any FromClause)
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# Models subclass ``Model``. At run time it is Flask-SQLAlchemy's ``db.Model`` (built from Base,
# sharing its metadata and registry); mypy cannot take an instance attribute as a base class
# (python/mypy#8603), so it sees Base itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after bulk loads (no-op elsewhere)."""
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))


def ping() -> None:
    """Raise when the database does not answer (health check)."""
    from sqlalchemy import text

    db.session.execute(text("SELECT 1"))


class IdMixin:
    """Surrogate integer key."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)


class TimestampMixin:
    """Creation and modification time, in UTC."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class VersionedMixin:
    """Optimistic locking: a stale write raises instead of silently overwriting."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class PublicIdMixin:
    """A random UUID published as the row's id in open data (HSDS); it never changes on edits,
    so consumers can follow an office or offering although its name, code or row id change."""

    #: a unique index (not a constraint): SQLite adds it to a table with rows without a rebuild
    public_id: Mapped[str] = mapped_column(
        String(36), unique=True, index=True, default=lambda: str(uuid4())
    )


class ArchivableMixin:
    """Rows that history refers to are archived, never deleted."""

    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
