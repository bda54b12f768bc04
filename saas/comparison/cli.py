"""``flask comparison publish [SLUG]``: refresh the comparison publication."""

from __future__ import annotations

import click
from flask import Flask, g
from flask.cli import AppGroup

comparison = AppGroup("comparison", help="Cross-city comparison: publish approved figures.")


def register(app: Flask) -> None:
    """Add the ``comparison`` command group to the app's CLI."""
    app.cli.add_command(comparison)


@comparison.command("publish")
@click.argument("slug", required=False)
def publish_command(slug: str | None) -> None:
    """Publish the approved figures of tenant SLUG (default: every active tenant).

    Tenants that take part in no ring publish nothing (their rows are removed).
    """
    from saas.comparison.operations import publish_all

    g.audit_user_id = None
    written = publish_all([slug] if slug else None)
    if slug and not written:
        raise click.ClickException(f"Unbekannte oder inaktive Kommune: {slug}")
    for tenant_slug, count in written.items():
        click.echo(f"{tenant_slug}: {count} Werte veröffentlicht")
