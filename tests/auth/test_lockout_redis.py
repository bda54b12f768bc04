"""The per-account lockout lives in Redis: two app instances (two workers) share it, and
guesses from rotating client addresses still lock the account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_lib

from saas import create_app
from saas.core.db import db
from tests.auth.conftest import from_address, post_form
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.redis


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"saas-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis_lib.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_lockout_is_shared_by_workers_and_ignores_the_client_address(
    fresh_config: Any, redis_url: str, key_prefix: str
):
    config = fresh_config()
    config.update(
        SAAS_LOCKOUT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=key_prefix
    )
    workers = [create_app(config) for _ in range(2)]
    try:
        _guess_from_rotating_addresses(workers, redis_url, key_prefix)
    finally:
        for worker in workers:  # each worker has its own engine (and pool)
            with worker.app_context():
                db.engine.dispose()


def _guess_from_rotating_addresses(workers: list[Any], redis_url: str, key_prefix: str) -> None:
    clients = [worker.test_client() for worker in workers]
    statuses = []
    for i in range(15):
        client = from_address(clients[i % 2], f"198.51.100.{i}")
        statuses.append(
            post_form(
                client, "/marl/login", {"email": "admin@marl.example", "password": "wrong"}
            ).status_code
        )
    assert statuses == [401] * 10 + [429] * 5
    right = post_form(
        from_address(clients[1], "203.0.113.1"),
        "/marl/login",
        {"email": "admin@marl.example", "password": DEMO_PASSWORD},
    )
    assert right.status_code == 429
    keys = list(redis_lib.Redis.from_url(redis_url).scan_iter(match=f"*{key_prefix}*"))
    assert any(b"secret-account" in key for key in keys), keys
