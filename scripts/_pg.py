"""Helpers of scripts/backup and scripts/restore (standard library and psql only)."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 # fixed programs, no shell
import sys
from typing import NoReturn


def fail(message: str, status: int) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(status)


def libpq_url(url: str | None) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as libpq understands it."""
    if not url:
        fail("no database URL: pass one or set the variable named in --help", 64)
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        fail("only PostgreSQL databases can be backed up (SQLite: copy the file)", 64)
    return f"postgresql://{rest}"


def tool(name: str) -> str:
    """The full path of a PostgreSQL client program (matching the server's major version)."""
    path = shutil.which(name)
    if path is None:
        fail(f"{name} not found: install the PostgreSQL client programs", 69)
    return path


def psql_value(url: str, sql: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed program, arguments are ours  # nosec B603
        [
            tool("psql"),
            "--no-psqlrc",
            "--no-password",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        fail(f"cannot query the database: {result.stderr.strip()}", 1)
    return result.stdout.strip()
