"""``flask figures import SLUG FILE`` and ``export SLUG FILE``; ``flask imports purge``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, g
from flask.cli import AppGroup
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant

figures = AppGroup("figures", help="Import and export key figures (CSV or XLSX).")
imports = AppGroup("imports", help="Uploaded import files waiting for confirmation.")


def register(app: Flask) -> None:
    """Add the ``figures`` and ``imports`` command groups to the app's CLI."""
    app.cli.add_command(figures)
    app.cli.add_command(imports)


def _tenant(slug: str) -> Tenant:
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise click.ClickException(f"Unbekannte Kommune: {slug}")
    return tenant


@figures.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", help="Message language.")
@click.option(
    "--overwrite-conflicts",
    is_flag=True,
    help="Also overwrite values changed in the system after the file was exported.",
)
def import_command(slug: str, file: Path, lang: str, overwrite_conflicts: bool) -> None:
    """Check FILE and, if every row is valid, write its figures for tenant SLUG.

    All or nothing: with any error nothing is written and the exit status is 1. A row of an
    exported file whose value was changed in the system after the export is such an error,
    unless --overwrite-conflicts.
    """
    from saas.figures.importer import MAX_BYTES, message
    from saas.figures.services import import_figures

    tenant = _tenant(slug)
    if not file.is_file():
        raise click.ClickException(f"Datei nicht gefunden: {file}")
    size = file.stat().st_size
    if size > MAX_BYTES:  # do not read a huge file just to refuse it
        text = message("too_large", lang, size=f"{size / 2**20:.1f}")
        click.echo(
            f"Row 0, column -: {text}" if lang == "en" else f"Zeile 0, Spalte -: {text}", err=True
        )
        raise SystemExit(1)
    data = file.read_bytes()
    g.audit_user_id = None
    with tenant_scope(tenant):
        outcome = import_figures(
            file.name, data, locale=lang, overwrite_conflicts=overwrite_conflicts
        )
        check = outcome.check
        click.echo(check.summary(lang))
        for error in check.errors:
            label = (
                "Row {row}, column {col}: {msg}"
                if lang == "en"
                else "Zeile {row}, Spalte {col}: {msg}"
            )
            click.echo(label.format(row=error.row, col=error.column, msg=error.message), err=True)
        for warning in check.warnings:
            label = (
                "Warning: row {row}, column {col}: {msg}"
                if lang == "en"
                else "Warnung: Zeile {row}, Spalte {col}: {msg}"
            )
            click.echo(label.format(row=warning.row, col=warning.column, msg=warning.message))
        if not check.ok:
            click.echo(
                "Nothing was imported." if lang == "en" else "Es wurde nichts importiert.", err=True
            )
            raise SystemExit(1)
        written = len(check.created) + len(check.updated)
    click.echo(f"{written} values written." if lang == "en" else f"{written} Werte geschrieben.")


@figures.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(slug: str, file: Path) -> None:
    """Write the figures of tenant SLUG to FILE (.csv or .xlsx)."""
    from saas.figures.exporter import FORMATS, export_figures

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.ClickException("Dateiendung muss .csv oder .xlsx sein.")
    tenant = _tenant(slug)
    with tenant_scope(tenant):
        content = export_figures(fmt)
    file.write_bytes(content)
    click.echo(f"Kennzahlen von {slug} nach {file} exportiert.")


@imports.command("purge")
def purge_command() -> None:
    """Delete unconfirmed import files older than SAAS_IMPORT_BATCH_HOURS, in every tenant."""
    from saas.figures.services import purge_import_batches

    with all_tenants():
        tenants = list(db.session.execute(select(Tenant).order_by(Tenant.slug)).scalars())
    total = 0
    for tenant in tenants:
        with tenant_scope(tenant):
            total += purge_import_batches()
    click.echo(f"{total} abgelaufene Importdateien gelöscht.")
