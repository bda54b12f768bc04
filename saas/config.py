"""Configuration from the environment: every option the app reads, typed and documented once."""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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
    Option(
        "SAAS_PREVIOUS_SECRET_KEYS",
        None,
        "comma-separated earlier SECRET_KEYs, while second-factor secrets sealed with them are"
        " sealed again (`flask users reseal`)",
    ),
    Option("SAAS_DEMO_PASSWORD", "demo", "password of all demo accounts"),
    Option("SAAS_DEBUG", "0", "1 turns Flask debug on (refused in production)"),
    Option("SAAS_PROXY_HOPS", "0", "number of reverse proxies in front (X-Forwarded-* trusted)"),
    Option("SMTP_HOST", None, "mail server for invitations; without it links are shown on screen"),
    Option("SMTP_PORT", "25", "mail server port"),
    Option("MAIL_FROM", "noreply@sozialraum.example", "sender of invitation mails"),
    Option(
        "SAAS_BASE_URL",
        None,
        "public address, e.g. https://sozialraum.example: every mailed or shown link is built on"
        " it, never on the request's Host; required in production",
    ),
    Option(
        "SAAS_TRUSTED_HOSTS",
        None,
        "comma-separated host names the app answers to; defaults to the host of SAAS_BASE_URL",
    ),
    Option("SAAS_SESSION_IDLE_MINUTES", "30", "a login session ends after this long unused"),
    Option("SAAS_SESSION_LIFETIME_HOURS", "12", "a login session ends this long after sign-in"),
    Option("SAAS_LOCKOUT_ATTEMPTS", "10", "wrong secrets per account before it is locked"),
    Option("SAAS_LOCKOUT_MINUTES", "15", "how long a locked account (or client) waits"),
    Option(
        "SAAS_JOBS",
        None,
        "1 runs large imports and exports as background jobs on REDIS_URL (`flask jobs worker`);"
        " on by default in production, off in development",
    ),
    Option("SAAS_IMPORT_JOB_ROWS", "20000", "a figures file with more lines is checked as a job"),
    Option("SAAS_IMPORT_JOB_BYTES", "524288", "a figures file larger than this runs as a job"),
    Option("SAAS_EXPORT_JOB_ROWS", "20000", "a figures export with more rows runs as a job"),
    Option(
        "SAAS_RING_EXPORT_JOB_CELLS",
        "20000",
        "a ring comparison export with more values (municipalities × years × indicators) runs"
        " as a job",
    ),
    Option(
        "SAAS_CUBE_REQUEST_ATOMS",
        "600",
        "a page needing more cold disclosure-control input (atoms) has it built as a job",
    ),
    Option("SAAS_JOB_TIMEOUT_SECONDS", "900", "a background job is stopped after this long"),
    Option("SAAS_JOB_FILE_MINUTES", "60", "a job's file stays ready for download this long"),
    Option("SAAS_JOB_FILE_MAX_MB", "50", "largest file a job keeps for download"),
    Option("SAAS_UPLOADS_PER_HOUR", "30", "file uploads one user may send per hour"),
    Option("SAAS_IMPORT_BATCH_HOURS", "24", "an unconfirmed import is deleted after this long"),
    Option("SAAS_RESET_MAILS", "3", "password-reset mails per address within that time"),
)

#: below this estimate of a secret's randomness (bits) production refuses to start; 32 random
#: hex digits (128 real bits) estimate at 100 to 120
MIN_SECRET_BITS = 88
MIN_SECRET_DISTINCT = 10
DEV_SECRET = "dev-only-insecure-key-never-used-in-production"  # noqa: S105  # nosec B105 - refused in production


def secret_bits(secret: str) -> float:
    """A conservative estimate of a secret's entropy: length times its per-character Shannon
    entropy. Random hex of 64 characters gives about 250, ``"s" * 40`` gives 0."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return len(secret) * per_char


def secret_is_predictable(secret: str) -> bool:
    """Too little estimated entropy, too few distinct characters, or a repeated pattern
    (which random keys of 32 to 64 characters practically never show)."""
    periodic = any(
        len(secret) % size == 0 and secret == secret[:size] * (len(secret) // size)
        for size in range(1, len(secret) // 2 + 1)
    )
    chunks = [secret[i : i + 8] for i in range(len(secret) - 7)]
    repeated = len(set(chunks)) < len(chunks)  # a run of 8 characters occurs twice
    return (
        periodic
        or repeated
        or len(set(secret)) < MIN_SECRET_DISTINCT
        or secret_bits(secret) < MIN_SECRET_BITS
    )


def _base_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(f"SAAS_BASE_URL must look like https://host[/path], not {value!r}")
    return value.strip().rstrip("/")


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
        if secret == DEV_SECRET or secret_is_predictable(secret):
            raise ConfigError(
                "SAAS_ENV=production needs a random SECRET_KEY (this one is too predictable;"
                " use e.g. `openssl rand -hex 32`)"
            )
        if not redis_url:
            raise ConfigError("SAAS_ENV=production needs REDIS_URL to be set")
        if debug:
            raise ConfigError("SAAS_ENV=production refuses to run with SAAS_DEBUG=1")
        if not env("SAAS_BASE_URL"):
            raise ConfigError("SAAS_ENV=production needs SAAS_BASE_URL (e.g. https://host)")
    base_url = _base_url(env("SAAS_BASE_URL"))
    trusted = [h.strip().lower() for h in (env("SAAS_TRUSTED_HOSTS") or "").split(",") if h.strip()]
    if base_url and not trusted:
        trusted = [urlsplit(base_url).netloc.lower()]
    database_url = env("DATABASE_URL")
    return {
        "SAAS_ENV": saas_env,
        "DEBUG": debug,
        "SECRET_KEY": secret or DEV_SECRET,
        "SAAS_PREVIOUS_SECRET_KEYS": [
            k.strip() for k in (env("SAAS_PREVIOUS_SECRET_KEYS") or "").split(",") if k.strip()
        ],
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
        "SAAS_BASE_URL": base_url,
        "SAAS_TRUSTED_HOSTS": trusted,
        "SAAS_SESSION_IDLE_MINUTES": int(env("SAAS_SESSION_IDLE_MINUTES") or 30),
        "SAAS_SESSION_LIFETIME_HOURS": int(env("SAAS_SESSION_LIFETIME_HOURS") or 12),
        "SAAS_LOCKOUT_ATTEMPTS": int(env("SAAS_LOCKOUT_ATTEMPTS") or 10),
        "SAAS_LOCKOUT_MINUTES": int(env("SAAS_LOCKOUT_MINUTES") or 15),
        "SAAS_JOBS": (env("SAAS_JOBS") or ("1" if production else "0")) == "1",
        "SAAS_IMPORT_JOB_ROWS": int(env("SAAS_IMPORT_JOB_ROWS") or 20000),
        "SAAS_IMPORT_JOB_BYTES": int(env("SAAS_IMPORT_JOB_BYTES") or 524288),
        "SAAS_EXPORT_JOB_ROWS": int(env("SAAS_EXPORT_JOB_ROWS") or 20000),
        "SAAS_RING_EXPORT_JOB_CELLS": int(env("SAAS_RING_EXPORT_JOB_CELLS") or 20000),
        "SAAS_CUBE_REQUEST_ATOMS": int(env("SAAS_CUBE_REQUEST_ATOMS") or 600),
        "SAAS_JOB_TIMEOUT_SECONDS": int(env("SAAS_JOB_TIMEOUT_SECONDS") or 900),
        "SAAS_JOB_FILE_MINUTES": int(env("SAAS_JOB_FILE_MINUTES") or 60),
        "SAAS_JOB_FILE_MAX_MB": int(env("SAAS_JOB_FILE_MAX_MB") or 50),
        "SAAS_UPLOADS_PER_HOUR": int(env("SAAS_UPLOADS_PER_HOUR") or 30),
        "SAAS_IMPORT_BATCH_HOURS": int(env("SAAS_IMPORT_BATCH_HOURS") or 24),
        "SAAS_RESET_MAILS": int(env("SAAS_RESET_MAILS") or 3),
        # Admins must use a second factor. In development they may postpone enrolment (a banner
        # says so on every page) so that the demo logins work; in production never.
        "SAAS_MFA_GRACE": not production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # "Stay signed in" never outlives the absolute session lifetime.
        "REMEMBER_COOKIE_DURATION": int(env("SAAS_SESSION_LIFETIME_HOURS") or 12) * 3600,
        # A social worker may write a note for an hour or more: the token lives for a working day.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
