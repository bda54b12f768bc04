"""Redirect targets and generated links that a request's headers cannot steer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths are allowed as redirect targets; control characters (a CR/LF
    would split the Location header) and anything that leaves the site fall back."""
    if not target:
        return fallback
    target = target.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return fallback
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return fallback
    return target


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for mails and pages: on ``SAAS_BASE_URL`` when it is configured
    (always in production), never on the request's Host or X-Forwarded-Host."""
    base = current_app.config.get("SAAS_BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    script_root = request.script_root if has_request_context() else ""
    if script_root and path.startswith(script_root):
        path = path[len(script_root) :]
    return str(base) + path


def host_allowed(host: str) -> bool:
    """Whether the request's host is one of ``SAAS_TRUSTED_HOSTS`` (all, when none is set)."""
    trusted = current_app.config.get("SAAS_TRUSTED_HOSTS") or []
    if not trusted:
        return True
    from werkzeug.sansio.utils import host_is_trusted

    return host_is_trusted(host, trusted)
