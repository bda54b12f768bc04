"""Flask extensions, created once and bound in ``create_app``."""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()

_COUNTERS = "saas_counters"


def counters(app: Flask | None = None) -> MovingWindowRateLimiter:
    """The app's one moving-window limiter over the rate-limit storage (Redis in production).

    The counters kept outside ``limiter``'s decorators (failed secrets and mail budgets in
    :mod:`saas.auth.throttle`, uploads in :mod:`saas.core.uploads`) all count here, built
    once per app from ``RATELIMIT_STORAGE_URI`` with short socket timeouts; storage errors
    are wrapped as ``limits.errors.StorageError`` for the callers to refuse clearly.
    """
    app = app or cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    found = app.extensions.get(_COUNTERS)
    if found is None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        options: dict[str, Any] = {"wrap_exceptions": True}
        if uri.startswith("redis"):
            options.update(socket_connect_timeout=2, socket_timeout=2)
        storage = cast(Storage, storage_from_string(uri, **options))  # a sync URI: sync storage
        found = app.extensions[_COUNTERS] = MovingWindowRateLimiter(storage)
    return found
