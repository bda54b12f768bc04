"""Conventions that keep the architecture honest (STYLE.md)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from saas.core.tenancy import tenant_tables

ROOT = Path(__file__).resolve().parent.parent
SAAS = ROOT / "saas"


def python_files(outside_core: bool = True) -> list[Path]:
    return [p for p in SAAS.rglob("*.py") if not (outside_core and p.is_relative_to(SAAS / "core"))]


def test_no_raw_sql_outside_core():
    """Raw SQL would bypass the ORM scoping; only saas/core may speak SQL text."""
    offenders = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "sqlalchemy"
                and any(alias.name == "text" for alias in node.names)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr in ("exec_driver_sql",):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"raw SQL outside saas/core: {offenders}"


def test_objects_are_loaded_through_the_scoped_path():
    """Session.get may answer from the identity map without the tenant criteria."""
    pattern = re.compile(r"\bdb\.session\.get\(|\bdb\.get_or_404\(|\bsession\.get\([A-Z]")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, f"use saas.core.tenancy.get_or_404 instead: {offenders}"


def test_every_tenant_table_gets_row_level_security_in_a_migration():
    """Checked on SQLite too: every tenant table is named in an enable_tenant_rls call."""
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "migrations" / "versions").glob("*.py")
    )
    covered = set(re.findall(r'enable_tenant_rls\("(\w+)"\)', source))
    for block in re.findall(r"TENANT_TABLES = \((.*?)\)", source, flags=re.S):
        covered |= set(re.findall(r'"(\w+)"', block))
    for block in re.findall(
        r"for table in \((.*?)\):\s*\n\s*enable_tenant_rls", source, flags=re.S
    ):
        covered |= set(re.findall(r'"(\w+)"', block))
    missing = sorted(set(tenant_tables()) - covered)
    assert not missing, f"tenant tables without RLS in any migration: {missing}"


def test_templates_are_named_after_their_blueprints():
    """templates/<name>/ of an area belongs to a blueprint of that area (no collisions)."""
    for templates in SAAS.glob("*/templates"):
        area = templates.parent
        source = "\n".join(p.read_text(encoding="utf-8") for p in area.glob("*.py"))
        blueprints = set(re.findall(r'Blueprint\(\s*"(\w+)"', source)) | {area.name}
        names = {p.name for p in templates.iterdir() if p.is_dir()}
        assert names <= blueprints, (area.name, names - blueprints)


# -- layers and import cycles -----------------------------------------------------------------
#
# Packages of ``saas`` from the bottom up. A module may import from its own layer and the ones
# below, never from a higher one. ``views.py``, ``cli.py`` and every module that creates a
# Blueprint belong to the top layer whatever their package: they are entry points, nothing
# imports them but the app factory and other entry points.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("core", frozenset({"core", "config"})),
    (
        "domain data",
        frozenset(
            {
                "tenants",
                "auth",
                "members",
                "areas",
                "offices",
                "carriers",
                "teams",
                "principles",
                "offerings",
                "metrics",
                "profiles",
                "settings",  # the tenant's own settings (its page is a view: top)
                "jobs",  # background jobs: run any package's task as a tenant's user
            }
        ),
    ),
    ("periods", frozenset({"periods"})),
    # What is recorded per period: figures and activities are edited while a period is open.
    ("records", frozenset({"figures", "activities"})),
    ("indicators", frozenset({"indicators"})),
    # The disclosure-control cube over every output: reads indicators, read by the outputs.
    ("protection", frozenset({"protection"})),
    ("outputs", frozenset({"reports", "comparison", "impact"})),
    (
        "top",
        frozenset(
            {"", "platform", "dashboard", "search", "site", "public", "cli", "demo", "models"}
            | {"api"}  # the JSON API: an entry point, as the pages
        ),
    ),
)
TOP = len(LAYERS) - 1
ENTRY_POINT_FILES = ("views.py", "cli.py")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str) -> str:
    """``saas.figures.services`` → ``figures``; ``saas.cli`` → ``cli``; ``saas`` → ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """Every ``saas`` module imported anywhere in the file, with its line.

    ``ast.walk`` visits imports inside functions and inside ``if TYPE_CHECKING:`` alike. Both
    count: a deferred import is the same dependency, only hidden, and a type-only import still
    makes the lower module know the higher one (its signatures change with it, mypy follows
    it). Where a lower layer needs to speak of a higher type, it declares a Protocol instead.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                if path.name != "__init__.py":
                    anchor.pop()
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from saas.core import audit`` imports the module saas.core.audit.
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub if _module_file(sub) else base, node.lineno))
    return sorted({(name, line) for name, line in found if name.split(".")[0] == "saas"})


@cache
def _module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _is_entry_point(path: Path) -> bool:
    if path.name in ENTRY_POINT_FILES:
        return True
    return any(
        isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def _layer(module: str) -> int | None:
    path = _module_file(module)
    if path is not None and _is_entry_point(path):
        return TOP
    package = _package(module)
    placed = any(package in members for _name, members in LAYERS)
    return _package_layer(package) if placed else None


def import_graph() -> dict[str, list[tuple[str, int]]]:
    """Module → the ``saas`` modules it imports (with line numbers)."""
    modules = {_module_name(path): path for path in sorted(SAAS.rglob("*.py"))}
    return {module: _imports(path, module) for module, path in modules.items()}


def layer_violations(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    found = []
    for module, imported in graph.items():
        own = _layer(module)
        for target, line in imported:
            theirs = _layer(target)
            if own is not None and theirs is not None and theirs > own:
                found.append(
                    f"{module} → {target} ({line}): {LAYERS[own][0]} imports {LAYERS[theirs][0]}"
                )
    return found


def _node(module: str) -> str:
    """A package's entry points are a node of their own: they sit on top, nothing imports them."""
    path = _module_file(module)
    entry = path is not None and _is_entry_point(path)
    return f"{_package(module)} (entry points)" if entry else _package(module)


def package_cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Strongly connected components (size > 1) of the package graph, each as its edges."""
    edges: dict[str, set[str]] = {}
    for module, imported in graph.items():
        for target, _line in imported:
            if _node(module) != _node(target):
                edges.setdefault(_node(module), set()).add(_node(target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(set(edges) | {t for targets in edges.values() for t in targets}):
        if node not in index:
            visit(node)
    # A cycle needs at least one edge that does not go down the layers: show those edges.
    return [
        sorted(
            f"{module} → {target} ({line})"
            for module, imported in graph.items()
            for target, line in imported
            if _node(module) in component
            and _node(target) in component
            and _node(module) != _node(target)
            and _package_layer(_package(module)) <= _package_layer(_package(target))
        )
        for component in components
        if len(component) > 1
    ]


def _package_layer(package: str) -> int:
    return next((i for i, (_name, members) in enumerate(LAYERS) if package in members), TOP)


def test_every_package_has_a_layer():
    """A new package must be placed in LAYERS before the layer rule can say anything of it."""
    packages = {_package(module) for module in import_graph()}
    placed = set().union(*(members for _name, members in LAYERS))
    assert packages <= placed, f"give these packages a layer: {sorted(packages - placed)}"


def test_modules_import_only_from_their_own_layer_or_below():
    """Imports inside functions and under TYPE_CHECKING count (see :func:`_imports`)."""
    violations = layer_violations(import_graph())
    assert not violations, "imports from a higher layer:\n" + "\n".join(violations)


def test_no_import_cycle_between_packages():
    """Packages form a DAG, deferred imports included; each cycle is printed as its edges that
    do not go down the layers (every cycle has one), ``module → imported module (line)``."""
    cycles = package_cycles(import_graph())
    assert not cycles, "import cycles between packages:\n" + "\n\n".join(
        "\n".join(edges) for edges in cycles
    )
