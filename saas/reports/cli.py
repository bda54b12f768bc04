"""``flask reports list`` and ``flask reports run SLUG TEMPLATE …`` (same numbers as the page)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant

reports = AppGroup("reports", help="Shared report templates: list them, run one for a tenant.")


def register(app: Flask) -> None:
    """Add the ``reports`` command group to the app's CLI."""
    app.cli.add_command(reports)


@reports.command("list")
def list_command() -> None:
    """Print the code of every shared report template, one per line."""
    from saas.reports.store import latest_shared

    with all_tenants():
        codes = sorted(latest_shared())
    for code in codes:
        click.echo(code)


@reports.command("run")
@click.argument("slug")
@click.argument("template")
@click.option("--from", "first", type=int, required=True, help="First year.")
@click.option("--to", "last", type=int, required=True, help="Last year.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "pdf", "docx"]),
    default=None,
    help="Output format (default: from the file name).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write.",
)
@click.option("--level", default=None, help="Area level code (default: the tenant's default).")
def run_command(
    slug: str,
    template: str,
    first: int,
    last: int,
    fmt: str | None,
    output: Path,
    level: str | None,
) -> None:
    """Run report TEMPLATE (a shared code or a local variant's code) for tenant SLUG."""
    from saas.reports.definition import DefinitionError
    from saas.reports.exports import FORMATS, render
    from saas.reports.operations import run
    from saas.reports.store import find_by_code

    fmt = fmt or output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.ClickException("Format muss csv, xlsx, pdf oder docx sein (--format).")
    if first > last:
        raise click.ClickException("--from darf nicht nach --to liegen.")
    if last - first >= 30:
        raise click.ClickException("Ein Bericht umfasst höchstens 30 Jahre.")
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise click.ClickException(f"Unbekannte Kommune: {slug}")
    with tenant_scope(tenant):
        found = find_by_code(template)
        if found is None:
            raise click.ClickException(
                f"Unbekannte Berichtsvorlage: {template} (siehe `flask reports list`)"
            )
        try:
            result = run(found, first, last, level, tenant=tenant)
        except DefinitionError as error:
            raise click.ClickException(f"Vorlage {template} ist ungültig: {error}") from None
        content = render(result, fmt)
        db.session.rollback()
    output.write_bytes(content)
    click.echo(f"{result.title} ({slug}, {result.years_label}) → {output}")
