"""Operations: the one way in for a change, and the one commit point around it.

An *operation* is a function of the package that owns the data. It takes plain values (ids,
strings, numbers — never a form or the request), checks the permission and the object scope
itself, applies the rules, only **flushes**, and announces what happened with a signal
(:mod:`saas.core.signals`). Pages, CLI commands, the onboarding wizard and the API call the
same operations, so they share one authorization check.

The caller commits once (Indico's ``RH.process``): :func:`commit_point` wraps every view
function (installed by :func:`init_app`), :func:`cli_commit_point` every CLI command. A
handler that ends with an exception or an error status (≥ 400) is rolled back, unless it
asked with :func:`keep_changes` to keep what it recorded (a failed login's audit event).
A race the database detects at commit time (a stale version, a unique key taken meanwhile)
becomes :class:`Conflict`, which the conflict page answers with 409 — never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, g, has_request_context, make_response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from saas.core.db import db

P = ParamSpec("P")
R = TypeVar("R")

_system: ContextVar[bool] = ContextVar("system_actor", default=False)


class Denied(PermissionError):
    """The acting user may not perform this operation (answered with 403)."""


class Conflict(RuntimeError):
    """Someone else changed the same record first (answered with the conflict page, 409)."""

    def __init__(self, message: str = "", current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class Invalid(ValueError):
    """Input an operation refuses, with a message for the user; nothing was changed."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class OperationInfo:
    """What the authorization test needs to know about an operation."""

    name: str
    permission: str
    scoped: bool
    function: Callable[..., Any]


#: every operation of the app, by qualified name (filled at import time)
REGISTRY: dict[str, OperationInfo] = {}


def is_system() -> bool:
    """Whether the code runs as the system (CLI, demo loader, background job)."""
    return _system.get()


@contextmanager
def acting_as_system() -> Iterator[None]:
    """Run a block with every permission (CLI commands and jobs run by the operator)."""
    token = _system.set(True)
    try:
        yield
    finally:
        _system.reset(token)


def check_permission(permission: str) -> None:
    """Raise :class:`Denied` unless the acting user (or the system) holds ``permission``."""
    from saas.core.permissions import has_permission

    if is_system():
        return
    if not has_request_context() or not has_permission(permission):
        raise Denied(permission)


def operation(
    permission: str, *, scoped: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare an operation: checks ``permission`` before running, registered for the tests.

    ``scoped=True`` says the operation also checks the object scope of a membership limited
    to offices or areas (with :func:`saas.core.permissions.ensure_in_scope`); the
    authorization test holds it to that.
    """

    def decorator(function: Callable[P, R]) -> Callable[P, R]:
        @wraps(function)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            check_permission(permission)
            return function(*args, **kwargs)

        name = f"{function.__module__}.{function.__qualname__}"
        REGISTRY[name] = OperationInfo(name, permission, scoped, wrapped)
        wrapped.permission = permission  # type: ignore[attr-defined]
        wrapped.operation = REGISTRY[name]  # type: ignore[attr-defined]
        return wrapped

    return decorator


def keep_changes() -> None:
    """Commit this request's changes even though it answers with an error status."""
    g.keep_changes = True


def commit() -> None:
    """Commit the session; a race the database detects becomes :class:`Conflict`."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as error:
        db.session.rollback()
        raise Conflict(str(error)) from error


def commit_point(view: Callable[P, Any]) -> Callable[P, Any]:
    """Run a view, then commit once; roll back on an exception or an error status."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        if response.status_code < 400 or g.get("keep_changes"):
            commit()
        else:
            db.session.rollback()
        return response

    wrapped.commit_point = True  # type: ignore[attr-defined]
    return wrapped


def cli_commit_point(callback: Callable[P, R]) -> Callable[P, R]:
    """Run a CLI command as the system and commit once at its end (rollback on error)."""

    @wraps(callback)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with acting_as_system():
            try:
                result = callback(*args, **kwargs)
            except BaseException:
                db.session.rollback()
                raise
            commit()
        return result

    return wrapped


def init_app(app: Flask) -> None:
    """Wrap every registered view in the commit point (call after registering blueprints)."""
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "commit_point", False):
            app.view_functions[endpoint] = commit_point(view)


def init_cli(app: Flask) -> None:
    """Wrap every CLI command of the app (groups recursively) in the CLI commit point."""
    import click

    def wrap(command: click.Command) -> None:
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                wrap(sub)
        elif command.callback is not None and not getattr(command.callback, "commit_point", False):
            command.callback = cli_commit_point(command.callback)
            command.callback.commit_point = True  # type: ignore[attr-defined]

    for command in app.cli.commands.values():
        if command.name in ("db",):  # Flask-Migrate manages its own transactions
            continue
        wrap(command)
