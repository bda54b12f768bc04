"""``flask --app wsgi tenants import DIR [--dry-run]`` and ``tenants export SLUG DIR``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, g
from flask.cli import AppGroup

from saas.profiles.exporter import export_profile
from saas.profiles.importer import ImportRefused, apply_profile
from saas.profiles.loader import ProfileError, load_profile


@click.group("tenants", cls=AppGroup)
def tenants() -> None:
    """Tenant profiles: configuration as code (see tenants/README.md)."""


@tenants.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_command(directory: Path, dry_run: bool) -> None:
    """Create or update the tenant described by the profile folder DIRECTORY."""
    g.audit_user_id = None
    try:
        report = apply_profile(load_profile(directory), dry_run=dry_run)
    except ImportRefused as exc:
        click.echo(str(exc), err=True)
        click.echo("Import abgelehnt – nichts gespeichert.", err=True)
        raise SystemExit(1) from exc
    except ProfileError as exc:
        click.echo(str(exc), err=True)
        click.echo(
            f"Profil ungültig ({len(exc.issues)} Problem(e)) – nichts gespeichert.", err=True
        )
        raise SystemExit(1) from exc
    click.echo(str(report))


@tenants.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_command(slug: str, directory: Path) -> None:
    """Write the configuration of tenant SLUG as a profile folder DIRECTORY."""
    try:
        written = export_profile(slug, directory)
    except LookupError as exc:
        click.echo(str(exc.args[0]), err=True)
        raise SystemExit(1) from exc
    for path in written:
        click.echo(f"geschrieben: {path}")


def register(app: Flask) -> None:
    """Add the ``tenants`` command group to ``app.cli``."""
    app.cli.add_command(tenants)
