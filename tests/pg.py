"""PostgreSQL and Redis fixtures, plus the generic row builder the layer-3 tests share.

Registered from ``tests/conftest.py`` through ``pytest_plugins = ["tests.pg"]``.

``TEST_DATABASE_URL`` is the *owner* connection (it creates the schema and runs the
migrations). The app under test connects as a separate runtime role, :data:`APP_ROLE`, which
owns nothing, is no superuser and cannot bypass row-level security, as in production.

When a service is not configured or not reachable the tests that need it are skipped with the
reason shown in the summary (``-ra``); with ``SAAS_REQUIRE_SERVICES=1`` (CI) they fail instead.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from saas import create_app
from saas.core.db import db

APP_ROLE = "sozialraum_app_test"
APP_ROLE_PASSWORD = "sozialraum-app-test"  # unused with trust auth, needed with md5/scram
#: serialises test runs that share one PostgreSQL database (drop schema vs. running tests)
ADVISORY_LOCK_KEY = 0x50_7A_1A_12
LOCK_WAIT_SECONDS = 600
#: copy of every table right after migration and demo load, restored before each test;
#: further snapshots built on it (see :meth:`PgDatabase.ensure_snapshot`) get a suffix
SEED_SCHEMA = "saas_test_seed"
#: the snapshot of the migrated schema with the demo tenants
DEMO = "demo"


def services_required() -> bool:
    return os.environ.get("SAAS_REQUIRE_SERVICES") == "1"


def unavailable(reason: str, *, backend: bool = False) -> None:
    """Skip (visible reason) or, with ``SAAS_REQUIRE_SERVICES=1``, fail.

    ``backend``: the service is the database backend the whole run was asked for
    (``SAAS_TEST_BACKEND=postgresql``); then it always fails.
    """
    if services_required():
        pytest.fail(f"{reason}; SAAS_REQUIRE_SERVICES=1 requires these tests to run", pytrace=False)
    if backend:
        pytest.fail(f"{reason}; SAAS_TEST_BACKEND=postgresql needs it", pytrace=False)
    pytest.skip(reason)


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only used in messages
        return "<unparsable URL>"


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    """Set environment variables for a block (``saas.core.rls`` reads SAAS_DB_APP_ROLE)."""
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- PostgreSQL ----------------------------------------------------------------------------


@contextlib.contextmanager
def owner_engines_disposed() -> Iterator[list[Engine]]:
    """Dispose the engines ``migrations/env.py`` creates for MIGRATION_DATABASE_URL.

    env.py calls ``create_engine(owner_url)`` on every run and never disposes it, so its
    pooled connection is only closed by the garbage collector (a ResourceWarning, which this
    suite turns into an error). Until env.py disposes it, the tests do.
    """
    created: list[Engine] = []
    original = sa.create_engine

    def recording(*args: Any, **kwargs: Any) -> Engine:
        engine = original(*args, **kwargs)
        created.append(engine)
        return engine

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sa, "create_engine", recording)
        try:
            yield created
        finally:
            for engine in created:
                engine.dispose()


def pg_base_config(owner_url: str, app_url: str) -> dict[str, Any]:
    from tests.conftest import base_config

    config = base_config(app_url)
    config["MIGRATION_DATABASE_URL"] = owner_url
    config["SAAS_DB_APP_ROLE"] = APP_ROLE
    return config


class PgDatabase:
    """The test database: owner engine, runtime URL, and the session-wide app pair."""

    def __init__(self, owner_url: str) -> None:
        self.owner_url = owner_url
        self.app_url = (
            make_url(owner_url)
            .set(username=APP_ROLE, password=APP_ROLE_PASSWORD)
            .render_as_string(hide_password=False)
        )
        self.owner: Engine = sa.create_engine(owner_url, poolclass=NullPool)
        #: snapshot name → the tables it holds (empty: nothing built yet)
        self.snapshots: dict[str, list[str]] = {}
        self.sequences: list[Any] = []
        self._apps: tuple[Flask, Flask] | None = None

    @property
    def migrated(self) -> bool:
        """Whether the schema is migrated with the demo snapshot taken (False: rebuild)."""
        return DEMO in self.snapshots

    @migrated.setter
    def migrated(self, value: bool) -> None:
        if not value:  # a test changed the schema: every snapshot is stale
            self.snapshots.clear()

    # the runtime role -----------------------------------------------------------------
    def ensure_app_role(self) -> None:
        with self.owner.begin() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
            ).first()
            if not exists:
                conn.execute(sa.text(f"CREATE ROLE {APP_ROLE} LOGIN"))
            conn.execute(
                sa.text(
                    f"ALTER ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB "
                    f"NOCREATEROLE NOREPLICATION PASSWORD '{APP_ROLE_PASSWORD}'"
                )
            )
            # "owning nothing": anything it may own in this database from an earlier run
            conn.execute(sa.text(f"REASSIGN OWNED BY {APP_ROLE} TO CURRENT_USER"))

    # schema ---------------------------------------------------------------------------
    def reset_schema(self) -> None:
        """Drop and recreate ``public`` as the owner; nothing of the app survives."""
        self.dispose_apps()
        self.migrated = False
        with self.owner.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
            for schema in conn.execute(
                sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                {"p": f"{SEED_SCHEMA}%"},
            ).scalars():
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))

    def migration_app(self) -> Flask:
        """An app whose ``flask db`` commands migrate as the owner (grants to APP_ROLE)."""
        return create_app(pg_base_config(self.owner_url, self.app_url))

    def run_migration(self, command: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        app = self.migration_app()
        with environ(SAAS_DB_APP_ROLE=APP_ROLE), app.app_context(), owner_engines_disposed():
            try:
                command(*args, **kwargs)
            finally:
                db.session.remove()
                db.engine.dispose()

    def build(self) -> None:
        """Schema from scratch, migrated as the owner, demo loaded as the runtime role."""
        from flask_migrate import upgrade

        self.reset_schema()
        self.run_migration(upgrade)
        app, _twin = self.apps()
        with app.app_context():
            load_demo_data()
        self.dispose_apps()
        self.snapshot(DEMO)

    def ensure_snapshot(self, name: str, populate: Callable[[], Any] | None = None) -> None:
        """Make sure snapshot ``name`` exists: the demo snapshot plus ``populate``'s rows.

        ``populate`` runs once (per schema build) in an app context as the runtime role.
        """
        if not self.migrated:
            self.build()
        if name in self.snapshots:
            return
        if populate is None:
            raise KeyError(f"no PostgreSQL test snapshot {name!r} and nothing to build it")
        self.restore(DEMO)
        app, _twin = self.apps()
        try:
            with app.app_context():
                populate()
                db.session.commit()
        finally:
            self.dispose_apps()
        self.snapshot(name)

    @staticmethod
    def schema_of(name: str) -> str:
        return SEED_SCHEMA if name == DEMO else f"{SEED_SCHEMA}_{name}"

    def tables(self, conn: Connection) -> list[str]:
        return list(
            conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ).scalars()
        )

    def snapshot(self, name: str = DEMO) -> None:
        """Copy every table (migration seeds and demo data) to the snapshot's schema."""
        schema = self.schema_of(name)
        with self.owner.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            tables = self.tables(conn)
            for table in tables:
                conn.execute(sa.text(f"CREATE TABLE {schema}.{table} AS TABLE public.{table}"))
            self.snapshots[name] = tables
            self.sequences = conn.execute(
                sa.text(
                    "SELECT c.relname, a.attname, "
                    "pg_get_serial_sequence('public.' || quote_ident(c.relname), a.attname) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_attribute a ON a.attrelid = c.oid "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 "
                    "AND NOT a.attisdropped AND pg_get_serial_sequence("
                    "'public.' || quote_ident(c.relname), a.attname) IS NOT NULL"
                )
            ).all()

    def restore(self, name: str = DEMO) -> None:
        """Every table back to snapshot ``name``, sequences just after the highest id."""
        schema = self.schema_of(name)
        snapshot_tables = self.snapshots[name]
        with self.owner.begin() as conn:
            # a test database: a crash may lose the last resets, so no wait for the WAL flush
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
            tables = self.tables(conn)
            superuser = conn.execute(
                sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            ).scalar()
            statements = []
            if superuser:  # no foreign key (or other) triggers while resetting: any order
                statements.append("SET LOCAL session_replication_role = replica")
                statements += [f"DELETE FROM public.{table}" for table in tables]  # noqa: S608
            else:
                statements.append(f"TRUNCATE {', '.join(tables)} CASCADE")
            with warnings.catch_warnings():  # a cycle only makes the order a guess
                warnings.simplefilter("ignore", sa.exc.SAWarning)
                order = [t.name for t in db.metadata.sorted_tables]
            statements += [
                f"INSERT INTO public.{table} OVERRIDING SYSTEM VALUE "  # noqa: S608
                f"SELECT * FROM {schema}.{table}"
                for table in sorted(
                    snapshot_tables, key=lambda t: order.index(t) if t in order else len(order)
                )
            ]
            statements += [
                f"SELECT setval('{sequence}', COALESCE((SELECT max({column}) "  # noqa: S608
                f"FROM public.{table}), 0) + 1, false)"
                for table, column, sequence in self.sequences
            ]
            # one round trip (the simple query protocol takes several statements at once)
            conn.exec_driver_sql(";\n".join(statements))

    # apps -----------------------------------------------------------------------------
    def apps(self) -> tuple[Flask, Flask]:
        """The app under test and its twin (see ``tests/conftest.py::app``), made once."""
        if self._apps is None:
            config = pg_base_config(self.owner_url, self.app_url)
            self._apps = (create_app(config), create_app(config))
        return self._apps

    def dispose_apps(self) -> None:
        for app in self._apps or ():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    def close(self) -> None:
        self.dispose_apps()
        self.owner.dispose()


@contextlib.contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    conn = engine.connect()
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
        ).scalar():
            if time.monotonic() > deadline:
                pytest.fail(
                    f"another test run has held the PostgreSQL test database for more than "
                    f"{LOCK_WAIT_SECONDS}s (advisory lock {ADVISORY_LOCK_KEY})",
                    pytrace=False,
                )
            time.sleep(0.5)
        conn.commit()
        yield
    finally:
        with contextlib.suppress(Exception):
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()
        conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PgDatabase]:
    """The reachable PostgreSQL test database with the runtime role (schema built lazily)."""
    from tests.conftest import on_postgres

    backend = on_postgres()
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        unavailable(
            "TEST_DATABASE_URL is not set (needed by the PostgreSQL tests)", backend=backend
        )
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001
        unavailable(f"TEST_DATABASE_URL is not a database URL: {exc}", backend=backend)
    if parsed.get_backend_name() != "postgresql":
        unavailable(
            f"TEST_DATABASE_URL must be a postgresql URL, not {_safe(url)}", backend=backend
        )
    database = PgDatabase(url)
    try:
        with database.owner.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            can_create_roles = conn.execute(
                sa.text(
                    "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
                )
            ).scalar()
    except Exception as exc:  # noqa: BLE001 - any connection problem means "unreachable"
        database.owner.dispose()
        unavailable(
            f"PostgreSQL at {_safe(url)} is unreachable: {exc.__class__.__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
            backend=backend,
        )
    if not can_create_roles:
        database.owner.dispose()
        pytest.fail(
            f"TEST_DATABASE_URL ({_safe(url)}) must be an owner that may create roles "
            f"(superuser or CREATEROLE) to set up {APP_ROLE}",
            pytrace=False,
        )
    with _advisory_lock(database.owner):
        database.ensure_app_role()
        try:
            yield database
        finally:
            database.close()


@contextlib.contextmanager
def fast_password_hashing() -> Iterator[None]:
    """Hash each distinct password once (argon2 is slow on purpose; demo users share one)."""
    import saas.auth.services as services

    original = services.hash_password
    cache: dict[str, str] = {}

    def cached(password: str) -> str:
        if password not in cache:
            cache[password] = original(password)
        return cache[password]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "hash_password", cached)
        yield


def load_demo_data() -> None:
    from saas.demo import load_demo

    with fast_password_hashing():
        load_demo(echo=lambda _msg: None, figures=False)
    db.session.remove()


def app_on_snapshot(
    database: PgDatabase, name: str = DEMO, populate: Callable[[], Any] | None = None
) -> Iterator[Flask]:
    """The app on PostgreSQL as :data:`APP_ROLE`, every table reset to snapshot ``name``.

    The PostgreSQL counterpart of ``tests/conftest.py::app_on_copy``: the app under test is
    made for this test (a test may add routes to it); the test body runs in the context of
    the session's twin app, which never serves a request.
    """
    database.ensure_snapshot(name, populate)
    database.restore(name)
    _session_app, twin = database.apps()
    app = create_app(pg_base_config(database.owner_url, database.app_url))
    try:
        with twin.app_context():
            yield app
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        database.dispose_apps()


@pytest.fixture
def pg_app(pg_database: PgDatabase) -> Iterator[Flask]:
    """The app on PostgreSQL, connected as :data:`APP_ROLE`, with the demo tenants.

    The schema is migrated and the demo loaded once per session (again after a test rebuilt
    the schema); before every other test the owner resets all tables to that snapshot. Like
    ``app``, the test body runs in a twin app context.
    """
    yield from app_on_snapshot(pg_database)


def fresh_pg_config(database: PgDatabase, name: str = DEMO) -> dict[str, Any]:
    """The config of the PostgreSQL test database, just reset to snapshot ``name``.

    There is one test database: whatever the test wrote before is gone. The session of the
    current app context (if any) is closed first, so its transaction cannot block the reset.
    """
    from flask import has_app_context

    if has_app_context():
        db.session.remove()
    database.ensure_snapshot(name)
    database.restore(name)
    return pg_base_config(database.owner_url, database.app_url)


@pytest.fixture
def pg_owner(pg_database: PgDatabase) -> Engine:
    """Engine on the owner connection (superuser in the test setup: bypasses RLS)."""
    return pg_database.owner


# -- Redis ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        unavailable("REDIS_URL is not set (needed by the Redis tests)")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"Redis at {url} is unreachable: {exc.__class__.__name__}: {exc}")
    return url


# -- layer 3: building rows generically ----------------------------------------------------


def tenant_table_names() -> set[str]:
    from saas.core.tenancy import tenant_tables

    return set(tenant_tables())


def is_tenant_scoped_fk(fk: sa.ForeignKeyConstraint) -> bool:
    """Whether ``fk`` maps the local ``tenant_id`` onto the referred table's ``tenant_id``."""
    return any(
        el.parent.name == "tenant_id" and el.column.name == "tenant_id" for el in fk.elements
    )


def composite_tenant_fks() -> list[sa.ForeignKeyConstraint]:
    """Every foreign key whose columns include ``tenant_id`` and at least one other column."""
    import saas.models  # noqa: F401 - all tables known

    found = []
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        for fk in sorted(table.foreign_key_constraints, key=lambda c: str(c.name)):
            names = [c.name for c in fk.columns]
            if "tenant_id" in names and len(names) > 1:
                found.append(fk)
    return found


def fk_id(fk: sa.ForeignKeyConstraint) -> str:
    names = ",".join(c.name for c in fk.columns)
    return f"{fk.parent.name}({names})->{fk.referred_table.name}"


class RowBuilder:
    """Inserts minimal valid rows with Core (no ORM events), creating required parents.

    Values are unique per builder, so unique constraints do not get in the way; a test
    always inserts a same-tenant control row first, so a failure of the synthesis shows
    up as an error there, never as a false "rejected" result.
    """

    def __init__(self, conn: Connection | Any) -> None:
        self.conn = conn
        self.counter = itertools.count(1)

    def sample(self, column: sa.Column[Any]) -> Any:
        n = next(self.counter)
        kind = column.type
        if isinstance(kind, sa.Enum) and kind.enums:
            return kind.enums[0]
        if isinstance(kind, sa.Boolean):
            return False
        if isinstance(kind, sa.DateTime):
            return datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
        if isinstance(kind, sa.Date):
            return date(2020, 1, 1) + timedelta(days=n)
        if isinstance(kind, sa.Time):
            return time_of_day(0, n % 60)
        if isinstance(kind, sa.Interval):
            return timedelta(minutes=n)
        if isinstance(kind, sa.Integer):
            return n
        if isinstance(kind, sa.Float | sa.Numeric):  # Float is no Numeric in SQLAlchemy 2.1
            return Decimal(n) if getattr(kind, "asdecimal", False) else float(n)
        if isinstance(kind, sa.JSON):
            return {}
        if isinstance(kind, sa.LargeBinary):
            return f"b{n}".encode()
        if isinstance(kind, sa.Uuid):
            return uuid.uuid4() if kind.as_uuid else str(uuid.uuid4())
        if isinstance(kind, sa.String):
            text = f"t{n}"
            length = getattr(kind, "length", None)
            return text[-length:] if length else text
        raise NotImplementedError(
            f"tests/pg.py RowBuilder has no sample value for {column.table.name}.{column.name} "
            f"({kind!r}); add one"
        )

    def insert(
        self,
        table: sa.Table,
        tenant_id: int | None,
        overrides: dict[str, Any] | None = None,
        depth: int = 0,
    ) -> dict[str, Any]:
        """Insert one row of ``table`` (in ``tenant_id``) and return its values with the key."""
        if depth > 8:
            raise RuntimeError(f"required foreign keys too deep at {table.name}")
        values: dict[str, Any] = dict(overrides or {})
        if "tenant_id" in table.c and "tenant_id" not in values:
            values["tenant_id"] = tenant_id
        for fk in sorted(table.foreign_key_constraints, key=lambda c: str(c.name)):
            local = [el.parent for el in fk.elements if el.parent.name != "tenant_id"]
            if not local or any(c.name in values for c in local):
                continue
            if all(c.nullable for c in local):
                continue
            target = fk.referred_table
            if target.name == "tenants":
                for el in fk.elements:
                    values[el.parent.name] = tenant_id
                continue
            parent = self.insert(target, tenant_id, depth=depth + 1)
            for el in fk.elements:
                if el.parent.name != "tenant_id":
                    values[el.parent.name] = parent[el.column.name]
        for column in table.columns:
            if column.name in values or column.nullable:
                continue
            if column.default is not None or column.server_default is not None:
                continue
            if (
                column.primary_key
                and column.autoincrement in (True, "auto")
                and isinstance(column.type, sa.Integer)
            ):
                continue
            values[column.name] = self.sample(column)
        result = self.conn.execute(table.insert().values(**values))
        for column, key in zip(table.primary_key.columns, result.inserted_primary_key, strict=True):
            values[column.name] = key
        return values


def fk_is_violation(exc: BaseException, fk: sa.ForeignKeyConstraint, dialect: str) -> bool:
    """Whether a DB error is the foreign key ``fk`` rejecting the row."""
    orig = getattr(exc, "orig", exc)
    if dialect == "postgresql":
        import psycopg.errors

        return isinstance(orig, psycopg.errors.ForeignKeyViolation) and (
            fk.name is None or orig.diag.constraint_name == fk.name
        )
    return "FOREIGN KEY constraint failed" in str(orig)


def cross_tenant_reference(
    conn: Any, fk: sa.ForeignKeyConstraint, tenant_a: int, tenant_b: int
) -> tuple[dict[str, Any], Callable[[], Any]]:
    """Insert parents in A and B and a child in A pointing to A's parent (must work).

    Returns the control child row and a callable that inserts the child in A pointing to
    B's parent, which the composite foreign key must reject.
    """
    builder = RowBuilder(conn)
    child, parent_table = fk.parent, fk.referred_table
    parent_a = builder.insert(parent_table, tenant_a)
    parent_b = builder.insert(parent_table, tenant_b)

    def pointing_to(parent: dict[str, Any]) -> dict[str, Any]:
        return {
            el.parent.name: parent[el.column.name]
            for el in fk.elements
            if el.parent.name != "tenant_id"
        }

    control = builder.insert(child, tenant_a, pointing_to(parent_a))

    def attack() -> Any:
        return builder.insert(child, tenant_a, pointing_to(parent_b))

    return control, attack


def assert_cross_tenant_reference_rejected(fk: sa.ForeignKeyConstraint, dialect: str) -> None:
    """With ORM scoping off, the composite foreign key alone rejects a reference from the
    first demo tenant into the second (layer 3), while a same-tenant reference works."""
    from saas.core.db import db
    from saas.core.tenancy import all_tenants, orm_scoping_disabled
    from tests.conftest import tenant

    marl, hamm = tenant("marl").id, tenant("hamm").id
    with orm_scoping_disabled(), all_tenants():
        control, attack = cross_tenant_reference(db.session, fk, marl, hamm)
        assert control["tenant_id"] == marl
        with pytest.raises(sa.exc.IntegrityError) as caught:
            attack()
        assert fk_is_violation(caught.value, fk, dialect), caught.value
        db.session.rollback()
