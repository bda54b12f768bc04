"""Role → permission map, the one way a view declares what it needs, and the object scope.

Every view function is wrapped by :func:`require` (or marked :data:`PUBLIC`); a test walks
the URL map and fails for any view that did not declare its permission.

Object scope (local roles): a membership may be limited to offices and/or areas. Each model
a local role can reach declares once how it belongs to them, ``__scope__ = {"office":
"office_id", "area": "area_id"}`` (either key may be missing); :func:`scope_criteria` turns
that into SQL criteria for lists, choices, exports and imports, and :func:`ensure_in_scope`
checks one object. Both follow one rule, :meth:`Scope.covers`. Pages about the whole tenant
(reports) refuse local roles with :func:`ensure_unscoped`.
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
    area_parents: Callable[[], Iterable[tuple[int, int | None]]]


_lookups: _Lookups | None = None


def init_app(
    *,
    find_membership: Callable[[int], Membership | None],
    areas_served_by: Callable[[Iterable[int]], Iterable[int]],
    area_parents: Callable[[], Iterable[tuple[int, int | None]]],
) -> None:
    """Give the checks their lookups: core sits below auth, offices and areas, so it cannot
    import their models. ``find_membership(user_id)``: the active membership in the current
    tenant; ``areas_served_by(office_ids)``: the areas those offices serve;
    ``area_parents()``: (area id, parent id) of every area of the current tenant."""
    global _lookups
    _lookups = _Lookups(find_membership, areas_served_by, area_parents)


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


@dataclass(frozen=True)
class Scope:
    """What a membership limited to offices or areas (a local role) may reach.

    * ``offices``: the offices it is limited to.
    * ``own_areas``: the areas it is limited to, with all their sub-areas.
    * ``areas``: ``own_areas`` plus the areas the offices serve, with all their sub-areas.

    A staff member limited to an office therefore sees the areas its office serves and every
    area below them (a Stadtteil served brings its Quartiere), never a parent or a sibling.
    """

    offices: frozenset[int]
    own_areas: frozenset[int]
    areas: frozenset[int]

    def covers(self, office_id: int | None, area_id: int | None) -> bool:
        """The one rule (SQL twin: :func:`scope_criteria`).

        An office's rows belong to the office: in scope through the office, or through an
        area the membership is limited to itself. An area's rows (no office) belong to the
        area: in scope through any area of :attr:`areas`. So another office's activity in an
        area my office serves stays that office's.
        """
        if office_id is not None and office_id in self.offices:
            return True
        if area_id is None:
            return False
        return area_id in (self.areas if office_id is None else self.own_areas)


def current_scope() -> Scope | None:
    """The acting membership's scope; None when it reaches the whole tenant.

    Also None for the system and outside a request (CLI, jobs, the demo loader): no user
    acts there, and operations there are authorized by :func:`check_permission` alone.
    """
    from flask import has_request_context

    from saas.core.operations import is_system

    if is_system() or not has_request_context():
        return None
    membership = current_membership()
    if membership is None:
        return Scope(frozenset(), frozenset(), frozenset())
    offices, areas = membership.office_ids, membership.area_ids
    if not offices and not areas:
        return None
    key = (tuple(sorted(offices)), tuple(sorted(areas)))
    cache: dict[tuple[tuple[int, ...], tuple[int, ...]], Scope] = g.setdefault("scopes", {})
    if key not in cache:
        own = _with_sub_areas(set(areas))
        served = _with_sub_areas(_areas_served_by(key[0]) if offices else set())
        cache[key] = Scope(frozenset(offices), frozenset(own), frozenset(own | served))
    return cache[key]


def _columns(model: Any) -> tuple[Any, Any]:
    """(office column, area column) a model declares in ``__scope__`` (either may be None)."""
    declared = getattr(model, "__scope__", None)
    if declared is None:
        raise TypeError(f"{model.__name__} declares no object scope (__scope__)")
    office, area = declared.get("office"), declared.get("area")
    return (getattr(model, office) if office else None, getattr(model, area) if area else None)


def scope_criteria(model: Any) -> Any:
    """SQL criteria limiting ``model`` to the acting membership's scope (true when unlimited).

    Models declare how they belong to offices and areas once, e.g.
    ``__scope__ = {"office": "office_id", "area": "area_id"}``; every list, choice, export
    and check goes through here or through :func:`ensure_in_scope` (same rule:
    :meth:`Scope.covers`).
    """
    from sqlalchemy import and_, false, or_, true

    scope = current_scope()
    if scope is None:
        return true()
    office, area = _columns(model)
    terms = []
    if office is not None:
        terms.append(office.in_(sorted(scope.offices)) if scope.offices else false())
    if area is not None:
        if office is None:
            terms.append(area.in_(sorted(scope.areas)) if scope.areas else false())
        else:
            if scope.own_areas:
                terms.append(area.in_(sorted(scope.own_areas)))
            if scope.areas:
                terms.append(and_(office.is_(None), area.in_(sorted(scope.areas))))
    return or_(*terms) if terms else false()


def in_scope(obj: Any = None, *, office_id: int | None = None, area_id: int | None = None) -> bool:
    """Whether an object (of a model declaring ``__scope__``), or an office/area, is in scope."""
    scope = current_scope()
    if scope is None:
        return True
    if obj is not None:
        office, area = _columns(type(obj))
        office_id = getattr(obj, office.key) if office is not None else None
        area_id = getattr(obj, area.key) if area is not None else None
    return scope.covers(office_id, area_id)


def ensure_in_scope(
    obj: Any = None, *, office_id: int | None = None, area_id: int | None = None
) -> None:
    """404 unless the object (or the office's, the area's data) is within the user's scope.

    Out-of-scope objects answer like objects of another tenant: as if they did not exist.
    """
    if not in_scope(obj, office_id=office_id, area_id=area_id):
        abort(404)


def ensure_unscoped() -> None:
    """403 for a membership limited to offices or areas, on pages about the whole tenant.

    Reports and their snapshots aggregate every area of the municipality; a local role does
    not reach them (rather than seeing city-wide numbers built from areas outside its scope).
    """
    if current_scope() is not None:
        abort(403)


def scope_limits() -> tuple[frozenset[int], frozenset[int]] | None:
    """(office ids, area ids) a scoped membership is limited to; None when unlimited."""
    scope = current_scope()
    return None if scope is None else (scope.offices, scope.areas)


def _areas_served_by(office_ids: tuple[int, ...]) -> set[int]:
    """Areas served by the offices a membership is limited to."""
    return set(_get_lookups().areas_served_by(office_ids))


def _with_sub_areas(area_ids: set[int]) -> set[int]:
    """The areas and every area below them in their trees (one query for the tenant's tree)."""
    if not area_ids:
        return set()
    children: dict[int, list[int]] = {}
    for id_, parent in _get_lookups().area_parents():
        if parent is not None:
            children.setdefault(parent, []).append(id_)
    found, todo = set(area_ids), list(area_ids)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


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
