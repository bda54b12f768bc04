"""Authorization is a two-way contract (CKAN's ``test_coding_standards``).

1. Every registered operation checks its permission: called by a user who lacks it, it
   raises :class:`Denied` before doing anything.
2. Every function that writes (adds, deletes or flushes ORM objects) in a package's services
   or operations modules is a registered operation, or a step only operations reach.
3. Every permission of the role map is needed by an operation, a view or a transition.
4. The navigation decides visibility by the permission of each entry's view.
"""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask_login import login_user
from sqlalchemy import select

from saas.auth.models import User
from saas.core.db import db
from saas.core.navigation import PLATFORM_NAV, TENANT_NAV, navigation
from saas.core.operations import REGISTRY, Denied
from saas.core.permissions import (
    AUTHENTICATED,
    PLATFORM_MANAGE,
    PUBLIC,
    all_permissions,
    role_permissions,
)
from saas.core.tenancy import all_tenants, tenant_scope
from saas.core.workflow import workflow
from tests.conftest import tenant

SAAS = Path(__file__).resolve().parents[2] / "saas"

#: the modules where a package's changes live (services, operations, wizard steps, importers)
WRITING_MODULES = (
    "*/services.py",
    "*/operations.py",
    "platform/onboarding.py",
    "platform/areas_csv.py",
    "profiles/importer.py",
    "reports/store.py",
)

#: packages reworked by other helpers in parallel; their writers join the contract when that
#: work lands (auth and members have joined)
ELSEWHERE: tuple[str, ...] = ()

#: the only operations anybody may run: signing in, asking for a password reset, accepting an
#: invitation with a new account. Each checks its own secret (password, token) itself.
PUBLIC_OPERATIONS = {
    "saas.auth.services.log_in",
    "saas.auth.services.request_password_reset",
    # using a reset link: the user is not signed in; the single-use token is the secret
    "saas.auth.services.reset_password",
    "saas.members.services.accept_with_new_account",
}

#: session methods that write
SESSION_WRITES = {"add", "add_all", "delete", "flush", "merge", "bulk_save_objects"}
#: helpers that write for their caller (flush with conflict handling, link rows)
WRITING_HELPERS = {"flush", "changing", "sync_links"}
#: Crud hooks run inside the Crud's operations
CRUD_HOOKS = {"save", "links", "check"}
CRUD_OPERATION = "<Crud operation>"
#: the demo loader: a bulk job that runs as the system (``acting_as_system``), outside any
#: request, and seeds three tenants' configuration, accounts and rings at once
SYSTEM_JOBS = {"saas.demo.tenants._load_demo", "saas.demo.tenants._demo_rings"}


def load_app_modules() -> None:
    """Import every module of the app, so every operation has registered itself."""
    import importlib

    for path in sorted(SAAS.rglob("*.py")):
        name = ".".join(path.relative_to(SAAS.parent).with_suffix("").parts)
        if name.endswith("__init__"):
            name = name.rsplit(".", 1)[0]
        importlib.import_module(name)


# -- 1. every operation checks a permission ---------------------------------------------------


@contextmanager
def acting(app: Flask, user: User | None, slug: str | None = "marl") -> Iterator[None]:
    """A request context of ``user`` (None: anonymous) in tenant ``slug`` (None: platform).

    On ``app``, not on the twin whose context the test body runs in: so every block gets an
    application context (``g``, session) of its own, as a request would.
    """
    with app.test_request_context(f"/{slug or 'platform'}/"):
        if user is not None:
            login_user(user)
        if slug is None:
            yield
            return
        g.tenant = tenant(slug)
        with tenant_scope(g.tenant):
            yield


def demo_user(email: str) -> User:
    with all_tenants():
        return db.session.execute(select(User).where(User.email == email)).scalar_one()


def lacking(permission: str) -> list[tuple[str, User | None, str | None]]:
    """(who, user, tenant slug) of every demo account that lacks ``permission``."""
    if permission == AUTHENTICATED:
        return [("anonymous", None, "marl")]
    found: list[tuple[str, User | None, str | None]] = [
        ("anonymous", None, "marl"),
        ("member of another tenant", demo_user("viewer@hamm.example"), "marl"),
    ]
    if permission == PLATFORM_MANAGE:
        found.append(("tenant admin on the platform", demo_user("admin@marl.example"), None))
    for key, role in (
        ("viewer", "viewer"),
        ("staff", "staff"),
        ("coordinator", "coordinator"),
        ("admin", "tenant_admin"),
    ):
        if permission not in role_permissions()[role]:
            found.append((role, demo_user(f"{key}@marl.example"), "marl"))
    return found


def test_the_registry_knows_the_operations_of_every_package(app: Flask) -> None:
    load_app_modules()
    packages = {name.split(".")[1] for name in REGISTRY}
    assert {"core", "areas", "principles", "settings", "impact", "comparison", "reports"} <= (
        packages
    ), packages
    assert {"platform", "profiles"} <= packages
    for endpoint in ("areas", "area_levels", "offices", "carriers", "teams", "staff", "rings"):
        for action in ("create", "edit", "archive", "restore", "delete"):
            assert f"saas.core.crud.Crud[{endpoint}].{action}" in REGISTRY


def test_every_operation_refuses_a_user_without_its_permission(app: Flask) -> None:
    load_app_modules()
    assert REGISTRY
    allowed = all_permissions() | {AUTHENTICATED, PLATFORM_MANAGE}
    ran: list[str] = []
    public = {name for name, info in REGISTRY.items() if info.permission == PUBLIC}
    assert public == PUBLIC_OPERATIONS, f"operations anybody may run: {sorted(public)}"
    for name, info in sorted(REGISTRY.items()):
        if name in PUBLIC_OPERATIONS:
            continue
        assert info.permission in allowed, f"{name} needs the unknown {info.permission!r}"
        for who, user, slug in lacking(info.permission):
            with acting(app, user, slug), pytest.raises(Denied):
                # the check comes first: the operation refuses before it reads its arguments
                info.function()
            ran.append(f"{name} as {who}")
    db.session.rollback()
    assert len(ran) >= len(REGISTRY) - len(PUBLIC_OPERATIONS)


def test_an_operation_runs_for_a_user_with_its_permission(app: Flask) -> None:
    """The refusal above is the permission check, not some other failure."""
    from saas.principles.models import Principle
    from saas.principles.services import move_principle

    with tenant_scope(tenant("marl")):
        first = db.session.execute(select(Principle.id).order_by(Principle.position)).scalar()
    with acting(app, demo_user("admin@marl.example")):
        assert move_principle(first, "down").id == first
    with acting(app, demo_user("viewer@marl.example")), pytest.raises(Denied):
        move_principle(first, "down")
    db.session.rollback()


def test_scoped_operations_check_the_object_scope(app: Flask) -> None:
    load_app_modules()
    for name, info in REGISTRY.items():
        if info.scoped:
            source = inspect.getsource(inspect.unwrap(info.function))
            assert "ensure_in_scope" in source or "scope" in source, name


# -- 2. every writer is an operation ----------------------------------------------------------


def _writes(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Attribute):
            owner = target.value
            owner_name = getattr(owner, "attr", None) or getattr(owner, "id", None)
            if target.attr in SESSION_WRITES and owner_name == "session":
                return True
            if target.attr in WRITING_HELPERS and owner_name == "versions":
                return True
        elif isinstance(target, ast.Name) and target.id in WRITING_HELPERS:
            return True
    return False


def _is_operation(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and getattr(d.func, "id", None) == "operation"
        for d in function.decorator_list
    )


def _is_receiver(function: ast.FunctionDef) -> bool:
    """A signal receiver runs inside the transaction of the operation that sent the signal."""
    return any(
        isinstance(d, ast.Attribute) and d.attr == "connect" for d in function.decorator_list
    )


class CallGraph:
    """Which function of the app calls (or hands as a Crud hook) which name."""

    def __init__(self) -> None:
        self.callers: dict[str, set[str]] = defaultdict(set)
        self.operations: set[str] = set()
        self.receivers: set[str] = set()
        for path in sorted(SAAS.rglob("*.py")):
            module = ".".join(path.relative_to(SAAS.parent).with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):  # Crud(..., links=f): f runs in its operations
                    for keyword in node.keywords:
                        if keyword.arg in CRUD_HOOKS:
                            self.callers[_name(keyword.value)].add(CRUD_OPERATION)
                if isinstance(node, ast.FunctionDef):
                    qualified = f"{module}.{node.name}"
                    if _is_operation(node):
                        self.operations.add(node.name)
                    if _is_receiver(node):
                        self.receivers.add(node.name)
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Call):
                            self.callers[_name(inner.func)].add(qualified)

    def reached_only_by_operations(self, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether every caller of ``name`` is an operation, a receiver, or again such a step."""
        callers = self.callers.get(name, set())
        if not callers or name in seen:
            return bool(callers)
        for caller in callers:
            short = caller.rsplit(".", 1)[-1]
            if caller in SYSTEM_JOBS or caller == CRUD_OPERATION:
                continue
            if short in self.operations | self.receivers:
                continue
            if not self.reached_only_by_operations(short, seen | {name}):
                return False
        return True


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Lambda):
        return "<lambda>"
    return ""


def writers() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for pattern in WRITING_MODULES:
        for path in sorted(SAAS.glob(pattern)):
            package = path.relative_to(SAAS).parts[0]
            if package in ELSEWHERE or package == "core":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and _writes(node):
                    found.append((f"{path.relative_to(SAAS.parent)}:{node.name}", node))
    return found


def test_the_writer_scan_finds_the_known_writers() -> None:
    """The scan is not vacuous: it sees operations and the steps they delegate to."""
    names = {name for name, _node in writers()}
    assert "saas/principles/services.py:move_principle" in names
    assert "saas/reports/operations.py:edit_variant" in names  # writes via versions.changing
    assert "saas/platform/areas_csv.py:import_areas_csv" in names
    assert "saas/comparison/services.py:join_ring" in names


def test_every_writer_is_an_operation_or_only_reached_by_operations() -> None:
    graph = CallGraph()
    stray = [
        name
        for name, node in writers()
        if not _is_operation(node) and not graph.reached_only_by_operations(node.name)
    ]
    assert not stray, (
        "functions that write without being an operation (or reached only from operations): "
        f"{stray}"
    )


def test_a_writer_called_from_a_page_is_found() -> None:
    """A view that calls a writing step directly breaks the contract (the test can fail)."""
    graph = CallGraph()
    assert graph.reached_only_by_operations("import_areas_csv")
    graph.callers["import_areas_csv"].add("saas.platform.wizard.a_page_writing_directly")
    assert not graph.reached_only_by_operations("import_areas_csv")


# -- 3. every permission is needed somewhere ---------------------------------------------------


def test_every_permission_of_the_role_map_is_checked_somewhere(app: Flask) -> None:
    load_app_modules()
    used = {info.permission for info in REGISTRY.values()}
    used |= {getattr(view, "permission", None) for view in app.view_functions.values()}
    used |= {t.permission for t in workflow().transitions.values()}
    unused = all_permissions() - used
    assert not unused, f"granted by the role map but checked nowhere: {sorted(unused)}"


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("staff", 403), ("coordinator", 200), ("admin", 200)]
)
def test_running_a_report_needs_reports_run(auth: Any, client: Any, role: str, status: int) -> None:
    auth(role, "marl")
    assert client.get("/marl/reports/run").status_code == status
    assert client.get("/marl/reports/").status_code == 200  # the list and snapshots: reports.view


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("coordinator", 200)])
def test_history_pages_need_audit_view(auth: Any, client: Any, role: str, status: int) -> None:
    from saas.carriers.models import Carrier

    with tenant_scope(tenant("marl")):
        carrier_id = db.session.execute(select(Carrier.id)).scalars().first()
    auth(role, "marl")
    assert client.get(f"/marl/carriers/{carrier_id}/history").status_code == status
    detail = client.get(f"/marl/carriers/{carrier_id}").get_data(as_text=True)
    assert (f"/marl/carriers/{carrier_id}/history" in detail) is (status == 200)


# -- 4. navigation follows the views ------------------------------------------------------------


def test_navigation_entries_name_no_permission_of_their_own() -> None:
    for item in (*TENANT_NAV, *PLATFORM_NAV):
        assert not hasattr(item, "permission"), item


@pytest.mark.parametrize("role", ["viewer", "staff", "coordinator", "admin"])
def test_navigation_shows_exactly_the_pages_the_views_allow(app: Flask, role: str) -> None:
    user = demo_user(f"{role}@marl.example")
    with acting(app, user):
        shown = {entry["url"] for entry in navigation()}
        from flask import url_for

        from saas.core.permissions import has_permission

        expected = {
            url_for(item.endpoint)
            for item in TENANT_NAV
            if has_permission(app.view_functions[item.endpoint].permission)
        }
    db.session.rollback()
    assert shown == expected
    assert len(shown) >= 3
