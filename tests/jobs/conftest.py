"""A real RQ worker for the job tests, on the Redis of ``REDIS_URL`` (skipped without it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, current_app

from saas.jobs import queue
from tests.figures.conftest import marl, store  # noqa: F401 - the figures' fixtures

pytestmark = pytest.mark.redis


def _clean(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = [*client.scan_iter(match="rq:*"), *client.scan_iter(match="saas:jobs:*")]
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def jobs_on(app: Flask, redis_url: str) -> Iterator[dict[str, Any]]:
    """Jobs switched on, with small thresholds, on the app and on the twin the test runs in
    (an in-process worker runs the jobs in the test's app context)."""
    settings = {
        "SAAS_JOBS": True,
        "REDIS_URL": redis_url,
        "SAAS_IMPORT_JOB_ROWS": 500,
        "SAAS_EXPORT_JOB_ROWS": 500,
    }
    _clean(redis_url)
    app.config.update(settings)
    current_app.config.update(settings)
    yield settings
    for target in (app, current_app):
        with target.app_context():
            queue.close()
    _clean(redis_url)


def run_worker(*, fork: bool = False) -> bool:
    """Run every queued job with a real RQ worker, then stop (burst mode)."""
    from saas.jobs.worker import make_worker

    worker = make_worker(fork=fork)
    return worker.work(burst=True, logging_level="WARNING")
