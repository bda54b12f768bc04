"""Every view declares its permission (CKAN-style), and roles get what the rolemap says."""

from __future__ import annotations

import pytest

from saas.core.permissions import (
    AUTHENTICATED,
    PLATFORM_MANAGE,
    PUBLIC,
    all_permissions,
    role_permissions,
)

KNOWN = {PUBLIC, AUTHENTICATED, PLATFORM_MANAGE}


def test_every_view_declares_a_known_permission(app):
    undeclared, unknown = [], []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        permission = getattr(view, "permission", None)
        if permission is None:
            undeclared.append(endpoint)
        elif permission not in KNOWN | all_permissions():
            unknown.append((endpoint, permission))
    assert not undeclared, f"views without a declared permission: {undeclared}"
    assert not unknown, f"views with unknown permissions: {unknown}"


def test_platform_pages_need_platform_rights(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/platform") and rule.endpoint not in (
            "platform.login",
            "platform.logout",
        ):
            assert app.view_functions[rule.endpoint].permission == PLATFORM_MANAGE, rule


def test_tenant_pages_never_public_except_the_listed_ones(app):
    # the public directory (issue 13): offices, offerings, the finder, the legal pages and the
    # HSDS open data; it reads only what the tenant marked public (tests/public)
    directory = {
        f"public.{name}"
        for name in [
            "finder",
            "office",
            "flyer",
            "offerings",
            "offering",
            "accessibility",
            "imprint",
            "privacy",
            "hsds_index",
            "hsds_services",
            "hsds_service",
            "hsds_organizations",
            "hsds_organization",
            "hsds_service_at_locations",
            "hsds_service_at_location",
        ]
    }
    public_ok = {"public.index", "auth.login", "members.accept"} | directory
    for rule in app.url_map.iter_rules():
        if "tenant_slug" in rule.arguments:
            permission = app.view_functions[rule.endpoint].permission
            if permission == PUBLIC:
                assert rule.endpoint in public_ok, rule


def test_rolemap_is_a_ladder():
    roles = role_permissions()
    assert roles["viewer"] < roles["staff"] < roles["coordinator"] < roles["tenant_admin"]
    assert "config.manage" not in roles["coordinator"]
    assert "figures.approve" not in roles["staff"]


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("viewer", "/marl/dashboard", 200),
        ("viewer", "/marl/activities/", 403),
        ("staff", "/marl/activities/", 200),
        ("staff", "/marl/members/", 403),
        ("coordinator", "/marl/members/", 403),
        ("coordinator", "/marl/figures/periods", 200),
        ("admin", "/marl/members/", 200),
        ("admin", "/marl/settings/", 200),
        ("admin", "/platform/", 403),
    ],
)
def test_role_access(auth, client, role, url, status):
    auth(role, "marl")
    assert client.get(url).status_code == status


def test_platform_admin_sees_no_tenant_pages_without_membership(auth, client):
    auth("platform", "platform")
    assert client.get("/platform/").status_code == 200
    assert client.get("/marl/dashboard").status_code == 403
