"""Alembic environment: runs as the table owner (MIGRATION_DATABASE_URL), never as the app role."""

import logging
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import create_engine

import saas.models  # noqa: F401 - every model must be known to autogenerate
from saas.core import rls

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    if owner_url and owner_url != current_app.config["SQLALCHEMY_DATABASE_URI"]:
        return create_engine(owner_url)
    return target_db.engine


def run_migrations_offline():
    context.configure(
        url=str(get_engine().url), target_metadata=target_db.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_as_batch", True)

    engine = get_engine()
    try:
        with engine.connect() as connection:
            # Fail closed: without the runtime role its grants would be skipped, and every
            # page would fail later while the migration reported success.
            try:
                rls.require_app_role(connection)
            except rls.RuntimeRoleMissing as exc:
                raise CommandError(str(exc)) from None
            finally:
                connection.rollback()  # alembic only commits a transaction it began itself
            context.configure(
                connection=connection, target_metadata=target_db.metadata, **conf_args
            )
            with context.begin_transaction():
                context.run_migrations()
                # Every run, even with nothing to apply: the RLS key and the runtime role's
                # grants are repaired here (saas/core/rls.py).
                rls.sync(connection, current_app.config["SECRET_KEY"])
    finally:
        if engine is not target_db.engine:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
