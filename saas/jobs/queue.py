"""Enqueue a task, follow its progress, keep its file: the jobs API the pages use.

Everything a job knows lives in Redis: RQ's job hash (the task, its parameters, ``meta`` with
tenant, user, title, phase and counts) and, for exports, the file under a key of its own that
expires (``SAAS_JOB_FILE_MINUTES``) and is refused above ``SAAS_JOB_FILE_MAX_MB``. Nothing of a
job is in the database, so a worker killed mid-way leaves no half-written row behind.

With Redis unreachable every function here raises :class:`JobsUnavailable`; the pages answer
it with a message (never a 500).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, has_app_context

QUEUE_NAME = "sozialraum"
RUNNER = "saas.jobs.runner.run"
_EXTENSION = "saas_jobs_redis"
_FILE_KEY = "saas:jobs:file:{id}"
#: how often a task writes its progress to Redis at most (seconds)
_PROGRESS_EVERY = 0.5

F = TypeVar("F", bound=Callable[..., Any])


class JobsUnavailable(RuntimeError):
    """Redis (the job queue) does not answer, or background jobs are switched off."""


class FileTooLarge(RuntimeError):
    """A job's file is larger than ``SAAS_JOB_FILE_MAX_MB`` and is not kept."""


def task(function: F) -> F:
    """Mark a function a job may run (the runner refuses every other dotted path)."""
    function.job_task = True  # type: ignore[attr-defined]
    return function


def enabled() -> bool:
    """Whether large work goes to the queue (``SAAS_JOBS`` and a ``REDIS_URL``)."""
    config = current_app.config
    return bool(config.get("SAAS_JOBS") and config.get("REDIS_URL"))


def connection() -> Any:
    """The app's Redis connection for jobs (one per app, short timeouts: fail fast)."""
    from redis import Redis

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise JobsUnavailable("REDIS_URL is not set")
    client = current_app.extensions.get(_EXTENSION)
    if client is None:
        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        current_app.extensions[_EXTENSION] = client
    return client


def ping() -> None:
    """Raise :class:`JobsUnavailable` unless Redis answers (before anything is stored)."""
    try:
        connection().ping()
    except _redis_errors() as error:
        raise JobsUnavailable(str(error)) from error


def _queue() -> Any:
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection())


def _redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def enqueue(
    task_path: str,
    params: dict[str, Any],
    *,
    title: str,
    tenant_id: int,
    user_id: int,
    locale: str,
) -> str:
    """Queue ``task_path(**params)`` to run as ``user_id`` in ``tenant_id``; the job's id."""
    config = current_app.config
    minutes = int(config.get("SAAS_JOB_FILE_MINUTES", 60))
    try:
        job = _queue().enqueue_call(
            RUNNER,
            kwargs={"task_path": task_path, "params": params},
            timeout=int(config.get("SAAS_JOB_TIMEOUT_SECONDS", 900)),
            result_ttl=minutes * 60,
            failure_ttl=minutes * 60,
            ttl=24 * 3600,  # waiting longer than a day: nobody looks at it any more
            description=title,
            meta={
                "tenant_id": tenant_id,
                "user_id": user_id,
                "title": title,
                "locale": locale,
                "phase": "",
                "done": 0,
                "total": 0,
            },
        )
    except _redis_errors() as error:
        raise JobsUnavailable(str(error)) from error
    return str(job.id)


@dataclass
class JobState:
    """What the job page shows of one job."""

    id: str
    title: str
    status: str  # queued | started | finished | failed
    phase: str = ""
    done: int = 0
    total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def percent(self) -> int:
        if self.status == "finished":
            return 100
        if not self.total:
            return 0
        return max(0, min(99, int(100 * self.done / self.total)))

    @property
    def running(self) -> bool:
        return self.status in ("queued", "started", "scheduled", "deferred")


def job_state(job_id: str, *, tenant_id: int | None, user_id: int | None) -> JobState | None:
    """The state of a job of this tenant started by this user; None for any other job."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    if not job_id or len(job_id) > 64 or not job_id.replace("-", "").isalnum():
        return None
    try:
        job = Job.fetch(job_id, connection=connection())
    except NoSuchJobError:
        return None
    except _redis_errors() as error:
        raise JobsUnavailable(str(error)) from error
    meta = job.meta or {}
    if tenant_id is None or meta.get("tenant_id") != tenant_id or meta.get("user_id") != user_id:
        return None
    try:
        raw = job.get_status(refresh=False)
        status = str(getattr(raw, "value", raw) or "queued")
        result = job.return_value() if status == "finished" else None
    except _redis_errors() as error:
        raise JobsUnavailable(str(error)) from error
    state = JobState(
        id=job.id,
        title=str(meta.get("title", "")),
        status=status if status in ("finished", "failed", "started") else "queued",
        phase=str(meta.get("phase", "")),
        done=int(meta.get("done") or 0),
        total=int(meta.get("total") or 0),
        result=result if isinstance(result, dict) else {},
    )
    if status in ("failed", "stopped", "canceled"):
        state.status = "failed"
        state.error = str(meta.get("error", ""))
    elif state.result.get("error"):
        state.status = "failed"
        state.error = str(state.result["error"])
    return state


def progress(done: int, total: int, phase: str, *, force: bool = False) -> None:
    """Report the current job's progress (a no-op outside a job; written at most twice a second)."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return
    now = time.monotonic()
    last = job.meta.get("_written", 0.0)
    if not force and now - last < _PROGRESS_EVERY and phase == job.meta.get("phase"):
        return
    job.meta.update(done=int(done), total=int(total), phase=phase)
    job.meta["_written"] = now
    job.save_meta()


def current_job_id() -> str | None:
    from rq import get_current_job

    job = get_current_job()
    return str(job.id) if job is not None else None


def keep_file(content: bytes, *, filename: str, mimetype: str) -> dict[str, Any]:
    """Keep the current job's file for download; the job result that names it."""
    job_id = current_job_id()
    if job_id is None:
        raise RuntimeError("keep_file() outside a job")
    limit = int(current_app.config.get("SAAS_JOB_FILE_MAX_MB", 50)) * 1024 * 1024
    if len(content) > limit:
        raise FileTooLarge(f"{len(content)} bytes > {limit}")
    minutes = int(current_app.config.get("SAAS_JOB_FILE_MINUTES", 60))
    connection().set(_FILE_KEY.format(id=job_id), content, ex=minutes * 60)
    return {"file": {"filename": filename, "mimetype": mimetype, "size": len(content)}}


def load_file(job_id: str) -> bytes | None:
    """The kept file of a job (check :func:`job_state` first); None once it expired."""
    try:
        content = connection().get(_FILE_KEY.format(id=job_id))
    except _redis_errors() as error:
        raise JobsUnavailable(str(error)) from error
    return bytes(content) if content is not None else None


def close() -> None:
    """Drop the app's Redis connection (tests, worker shutdown)."""
    if has_app_context():
        client = current_app.extensions.pop(_EXTENSION, None)
        if client is not None:
            client.close()
