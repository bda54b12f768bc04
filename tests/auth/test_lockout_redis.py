"""The per-account lockout lives in Redis: two app instances (two workers) share it, and
guesses from rotating client addresses still lock the account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from saas import create_app
from tests.auth.conftest import from_address, post_form
from tests.conftest import DEMO_PASSWORD, base_config
from tests.pg import sqlite_copy

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
    template_db: Path, tmp_path: Path, redis_url: str, key_prefix: str
):
    config = base_config(sqlite_copy(template_db, tmp_path / "lock.sqlite"))
    config.update(
        SAAS_LOCKOUT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=key_prefix
    )
    workers = [create_app(config) for _ in range(2)]
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
