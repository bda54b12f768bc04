"""Configuration from the environment: every option the app reads, typed and documented once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = f"sqlite:///{ROOT / 'instance' / 'sozialraum.sqlite'}"


class ConfigError(RuntimeError):
    """The environment describes a configuration the app refuses to run with."""


@dataclass(frozen=True)
class Option:
    name: str
    default: str | None
    doc: str


OPTIONS: tuple[Option, ...] = (
    Option("SAAS_ENV", "development", "development | production"),
    Option("DATABASE_URL", DEFAULT_SQLITE, "runtime database (application role on PostgreSQL)"),
    Option(
        "MIGRATION_DATABASE_URL",
        None,
        "database URL of the table owner used by `flask db upgrade`; defaults to DATABASE_URL",
    ),
    Option("SAAS_DB_APP_ROLE", "sozialraum_app", "PostgreSQL role the app connects as (grants)"),
    Option("REDIS_URL", None, "Redis for rate limits and shared state; required in production"),
    Option("SECRET_KEY", None, "signs sessions and CSRF tokens; required in production"),
    Option("SAAS_DEMO_PASSWORD", "demo", "password of all demo accounts"),
    Option("SAAS_DEBUG", "0", "1 turns Flask debug on (refused in production)"),
    Option("SAAS_PROXY_HOPS", "0", "number of reverse proxies in front (X-Forwarded-* trusted)"),
    Option("SMTP_HOST", None, "mail server for invitations; without it links are shown on screen"),
    Option("SMTP_PORT", "25", "mail server port"),
    Option("MAIL_FROM", "noreply@sozialraum.example", "sender of invitation mails"),
)


def env(name: str) -> str | None:
    option = next(o for o in OPTIONS if o.name == name)
    value = os.environ.get(name)
    return value if value not in (None, "") else option.default


def load_config() -> dict[str, object]:
    """Build the Flask config mapping from the environment, refusing insecure production setups."""
    saas_env = env("SAAS_ENV")
    if saas_env not in ("development", "production"):
        raise ConfigError(f"SAAS_ENV must be 'development' or 'production', not {saas_env!r}")
    production = saas_env == "production"
    debug = env("SAAS_DEBUG") == "1"
    secret = env("SECRET_KEY")
    redis_url = env("REDIS_URL")
    if production:
        if not secret:
            raise ConfigError("SAAS_ENV=production needs SECRET_KEY to be set")
        if len(secret) < 32:
            raise ConfigError("SAAS_ENV=production needs a SECRET_KEY of at least 32 characters")
        if not redis_url:
            raise ConfigError("SAAS_ENV=production needs REDIS_URL to be set")
        if debug:
            raise ConfigError("SAAS_ENV=production refuses to run with SAAS_DEBUG=1")
    database_url = env("DATABASE_URL")
    return {
        "SAAS_ENV": saas_env,
        "DEBUG": debug,
        "SECRET_KEY": secret or "dev-only-insecure-key-never-used-in-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": env("MIGRATION_DATABASE_URL") or database_url,
        "SAAS_DB_APP_ROLE": env("SAAS_DB_APP_ROLE"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SAAS_DEMO_PASSWORD": env("SAAS_DEMO_PASSWORD"),
        "SAAS_PROXY_HOPS": int(env("SAAS_PROXY_HOPS") or 0),
        "SMTP_HOST": env("SMTP_HOST"),
        "SMTP_PORT": int(env("SMTP_PORT") or 25),
        "MAIL_FROM": env("MAIL_FROM"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        # A social worker may write a note for an hour or more: the token lives for a working day.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
