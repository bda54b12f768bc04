"""Role → permission map and the one way a view declares what it needs.

Every view function is wrapped by :func:`require` (or marked :data:`PUBLIC`); a test walks
the URL map and fails for any view that did not declare its permission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any, Protocol, TypeVar

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from ruamel.yaml import YAML

from saas.config import ROOT

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
AUTHENTICATED = "authenticated"
PLATFORM_MANAGE = "platform.manage"

ROLEMAP_FILE = ROOT / "tenants" / "_base" / "roles.yaml"


@cache
def role_permissions() -> dict[str, frozenset[str]]:
    """The role → permissions map from the ``_base`` profile."""
    data = YAML(typ="safe").load(ROLEMAP_FILE.read_text(encoding="utf-8"))
    return {role: frozenset(perms) for role, perms in data["roles"].items()}


def all_permissions() -> frozenset[str]:
    return frozenset().union(*role_permissions().values()) | {PLATFORM_MANAGE}


class Membership(Protocol):
    """What the checks read of a membership; the model is ``saas.auth.models.Membership``."""

    @property
    def role(self) -> str: ...

    @property
    def office_ids(self) -> list[int]: ...

    @property
    def area_ids(self) -> list[int]: ...


@dataclass
class _Lookups:
    """Queries on higher packages' tables, handed in by the app factory (:func:`init_app`)."""

    find_membership: Callable[[int], Membership | None]
    areas_served_by: Callable[[Iterable[int]], Iterable[int]]


_lookups: _Lookups | None = None


def init_app(
    *,
    find_membership: Callable[[int], Membership | None],
    areas_served_by: Callable[[Iterable[int]], Iterable[int]],
) -> None:
    """Give the checks their two lookups: core sits below auth and offices, so it cannot
    import their models. ``find_membership(user_id)`` answers the active membership in the
    current tenant, ``areas_served_by(office_ids)`` the areas those offices serve."""
    global _lookups
    _lookups = _Lookups(find_membership=find_membership, areas_served_by=areas_served_by)


def _get_lookups() -> _Lookups:
    if _lookups is None:
        raise RuntimeError("saas.core.permissions.init_app() was not called")
    return _lookups


def current_membership() -> Membership | None:
    """The user's active membership in the current tenant, or None (cached per request)."""
    if "membership" in g:
        found: Membership | None = g.membership
        return found
    membership = None
    if current_user.is_authenticated and g.get("tenant") is not None:
        membership = _get_lookups().find_membership(current_user.id)
    g.membership = membership
    return membership


def has_permission(permission: str) -> bool:
    """Whether the current user holds ``permission`` here (tenant or platform)."""
    from saas.core.operations import is_system

    if permission == PUBLIC or is_system():
        return True
    if not current_user.is_authenticated:
        return False
    if permission == AUTHENTICATED:
        return True
    if permission == PLATFORM_MANAGE:
        return bool(current_user.is_platform_admin)
    membership = current_membership()
    return membership is not None and permission in role_permissions().get(membership.role, ())


def in_scope(*, office_id: int | None = None, area_id: int | None = None) -> bool:
    """Local roles: a membership limited to offices/areas only covers those."""
    from saas.core.operations import is_system

    if is_system():
        return True
    membership = current_membership()
    if membership is None:
        return False
    offices, areas = membership.office_ids, membership.area_ids
    if not offices and not areas:
        return True
    if office_id is not None and office_id in offices:
        return True
    if area_id is None:
        return False
    return area_id in areas or area_id in _areas_served_by(tuple(offices))


def ensure_in_scope(*, office_id: int | None = None, area_id: int | None = None) -> None:
    """404 unless the object (an office's or an area's) is within the user's local scope.

    Out-of-scope objects answer like objects of another tenant: as if they did not exist.
    """
    if not in_scope(office_id=office_id, area_id=area_id):
        abort(404)


def scope_limits() -> tuple[frozenset[int], frozenset[int]] | None:
    """(office ids, area ids) a scoped membership is limited to; None when unlimited."""
    from saas.core.operations import is_system

    if is_system():
        return None
    membership = current_membership()
    if membership is None:
        return frozenset(), frozenset()
    offices, areas = membership.office_ids, membership.area_ids
    if not offices and not areas:
        return None
    return frozenset(offices), frozenset(areas) | frozenset(_areas_served_by(tuple(offices)))


def _areas_served_by(office_ids: tuple[int, ...]) -> set[int]:
    """Areas served by the offices a membership is limited to (cached per request)."""
    cache: dict[tuple[int, ...], set[int]] = g.setdefault("served_areas", {})
    if office_ids not in cache:
        cache[office_ids] = set(_get_lookups().areas_served_by(office_ids))
    return cache[office_ids]


def _deny(permission: str) -> Any:
    if not current_user.is_authenticated:
        if g.get("tenant") is not None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("platform.login", next=request.full_path.rstrip("?")))
    if g.get("tenant") is not None and current_membership() is None:
        return render_template("errors/no_tenant_access.html"), 403
    abort(403)


def require(permission: str) -> Callable[[F], F]:
    """Declare and enforce the permission a view needs."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(permission):
                return _deny(permission)
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as open to everybody."""
    return require(PUBLIC)(view)
