"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app, g

from saas.auth.models import ROLES, Membership
from saas.auth.services import create_user, find_user
from saas.core.audit import verify
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(users)
    app.cli.add_command(audit_cli)
    register_extra_cli(app)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no tenants yet.")
def demo_command(if_empty: bool) -> None:
    """Load the demo tenants, accounts and synthetic figures."""
    from saas.demo import load_demo

    if current_app.config["SAAS_ENV"] == "production" and (
        current_app.config["SAAS_DEMO_PASSWORD"] in (None, "", "demo")
    ):
        raise click.ClickException(
            "Demo-Konten in Produktion nur mit eigenem SAAS_DEMO_PASSWORD (nicht 'demo')."
        )
    if current_app.config["SAAS_ENV"] == "production":
        # Only a development instance may use the short demo password of the README.
        from saas.core.passwords import password_problem

        problem = password_problem(current_app.config["SAAS_DEMO_PASSWORD"] or "")
        if problem:
            raise click.ClickException(f"SAAS_DEMO_PASSWORD: {problem}")
    g.audit_user_id = None
    with all_tenants():
        present = db.session.execute(db.select(Tenant.id).limit(1)).first() is not None
    if if_empty and present:
        click.echo("Demo data already present; nothing loaded.")
    else:
        load_demo(echo=click.echo)
    password = current_app.config["SAAS_DEMO_PASSWORD"]
    click.echo(f"Demo accounts (password: {password!r}):")
    click.echo("  platform@sozialraum.example  (platform admin)  → /platform/")
    for slug in ("marl", "hamm", "rv-saarbruecken"):
        for role in ("admin", "coordinator", "staff", "viewer"):
            click.echo(f"  {role}@{slug}.example  → /{slug}/login")


@click.group("audit")
def audit_cli() -> None:
    """The audit log."""


@audit_cli.command("verify")
@click.argument("slug", required=False)
def verify_command(slug: str | None) -> None:
    """Recompute the hash chains (one tenant's, or all); exit 1 naming the first broken row."""
    with all_tenants():
        tenant_id = None
        if slug is not None:
            tenant_id = db.session.execute(
                db.select(Tenant.id).where(Tenant.slug == slug)
            ).scalar_one_or_none()
            if tenant_id is None:
                raise click.ClickException(f"no tenant {slug!r}")
        problems = verify(tenant_id)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"audit log verified ({slug or 'all chains'})")


@click.group("users")
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@click.option("--platform-admin", is_flag=True, help="Give the account platform rights.")
@click.option("--tenant", "slug", default=None, help="Add a membership in this tenant.")
@click.option("--role", type=click.Choice(ROLES), default="viewer")
def users_create(
    email: str, password: str, name: str, platform_admin: bool, slug: str | None, role: str
) -> None:
    """Create an account, optionally with a membership in one tenant."""
    from saas.core.passwords import password_problem

    problem = password_problem(password, email=email)
    if problem:
        raise click.ClickException(problem)
    with all_tenants():
        if find_user(email) is not None:
            raise click.ClickException(f"Ein Konto mit der E-Mail {email} existiert bereits.")
        tenant = None
        if slug:
            tenant = db.session.execute(
                db.select(Tenant).where(Tenant.slug == slug)
            ).scalar_one_or_none()
            if tenant is None:
                raise click.ClickException(f"Unbekannte Kommune: {slug}")
        user = create_user(email, password, name=name, is_platform_admin=platform_admin)
        db.session.flush()
    if tenant is not None:
        with tenant_scope(tenant):
            db.session.add(Membership(user_id=user.id, role=role))
            db.session.flush()  # stamped with the tenant while its scope is set
    click.echo(f"Konto {email} angelegt.")


@users.command("reseal")
def users_reseal() -> None:
    """Seal every second-factor secret again with the current SECRET_KEY (after a rotation:
    the old key in SAAS_PREVIOUS_SECRET_KEYS until this has run)."""
    from saas.auth.services import reseal_second_factors

    with all_tenants():
        done, broken = reseal_second_factors()
        db.session.commit()
    click.echo(f"{done} Zweitfaktor-Geheimnis(se) neu versiegelt.")
    if broken:
        raise click.ClickException(
            f"{broken} Geheimnis(se) ließen sich mit keinem Schlüssel öffnen: diese Konten"
            " melden sich mit einem Wiederherstellungscode an und richten den zweiten Faktor"
            " neu ein."
        )


def register_extra_cli(app: Flask) -> None:
    """CLI groups of the domain areas."""
    from saas.comparison.cli import register as register_comparison
    from saas.figures.cli import register as register_figures
    from saas.jobs.cli import register as register_jobs
    from saas.profiles.cli import register as register_profiles
    from saas.reports.cli import register as register_reports

    register_profiles(app)
    register_figures(app)
    register_reports(app)
    register_comparison(app)
    register_jobs(app)
