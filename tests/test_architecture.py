"""Conventions that keep the architecture honest (STYLE.md)."""

from __future__ import annotations

import ast
import re
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
