"""The function every job runs: the task, inside the app, as the user who started it.

A job is a request that happens later. The runner builds what a request would have: a request
context of the tenant's address, the tenant (``g.tenant`` and :func:`tenant_scope`), the user
signed in (so :func:`saas.core.operations.check_permission` and the object scope see that user,
not the system), the user's language. The task calls the same operations a page would; the
runner commits once when the task returns and rolls back when it raises — the commit point of
a request. A user who was deactivated or lost the tenant meanwhile runs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_user
from rq import get_current_job
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from saas.auth.models import User
from saas.core.db import db
from saas.core.operations import Conflict, Denied, Invalid, commit
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant


def _task(path: str) -> Any:
    module, _dot, name = path.rpartition(".")
    if not module.startswith("saas."):
        raise LookupError(path)
    function = getattr(importlib.import_module(module), name, None)
    if not getattr(function, "job_task", False):
        raise LookupError(path)
    return function


def run(task_path: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one task for the job's tenant and user; its result (a dict) or ``{"error": …}``."""
    job = get_current_job()
    meta = job.meta if job is not None else {}
    function = _task(task_path)
    with all_tenants():
        tenant = db.session.execute(
            select(Tenant).where(Tenant.id == meta.get("tenant_id"), Tenant.status == "active")
        ).scalar_one_or_none()
        user = db.session.execute(
            select(User).where(User.id == meta.get("user_id"))
        ).scalar_one_or_none()
    db.session.rollback()
    base = current_app.config.get("SAAS_BASE_URL") or "http://localhost"
    locale = str(meta.get("locale") or "de")
    # a context of its own (own ``g``, own session), also when the worker runs in-process
    path = f"/{tenant.slug if tenant else 'platform'}/"
    with (
        current_app.app_context(),
        current_app.test_request_context(path, base_url=base),
        force_locale(locale),
    ):
        if tenant is None or user is None or not user.is_active:
            return {"error": _("The job was not run: the account is no longer active.")}
        login_user(user)
        g.tenant = tenant
        g.request_id = f"job-{job.id}"[:64] if job is not None else "job"
        with tenant_scope(tenant):
            return _commit_point(function, params)


def _commit_point(function: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Run the task, commit once; a refusal rolls back and becomes the job's message."""
    try:
        result = function(**params)
        commit()
    except (Invalid, Conflict) as error:
        db.session.rollback()
        return {"error": getattr(error, "message", None) or str(error)}
    except (Denied, HTTPException):  # 403/404 of a permission or scope check: refused
        db.session.rollback()
        return {"error": _("You do not have permission to do this.")}
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session.remove()
    return result if isinstance(result, dict) else {}
