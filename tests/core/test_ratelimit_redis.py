"""The login rate limit ("10 per minute" on POST /<slug>/login) is shared through Redis.

Two app instances stand for two gunicorn workers. In one process both share the module-level
``limiter`` object, so the in-process test also checks that the counter really lives in
Redis; the second test runs the two "workers" as separate processes, which is what gunicorn
does, so nothing but Redis can share the count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from flask import Flask

from saas import create_app
from saas.core.db import db
from saas.core.extensions import limiter
from tests.conftest import csrf_token

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 10


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test only; its keys are removed afterwards."""
    prefix = f"saas-test-{uuid.uuid4().hex}"
    client = redis_lib.Redis.from_url(redis_url)
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def restore_limiter() -> Iterator[None]:
    """``limiter`` is a module-level singleton; leave it as the other tests expect it."""
    saved = {
        name: getattr(limiter, name)
        for name in ("enabled", "_storage", "_limiter", "_key_prefix", "_strategy")
    }
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(limiter, name, value)


def limited_config(database: dict[str, Any], redis_url: str, prefix: str) -> dict[str, Any]:
    config = dict(database)
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    return config


def post_login(client: Any, token: str, slug: str = "marl") -> int:
    return client.post(
        f"/{slug}/login",
        data={"email": "admin@marl.example", "password": "wrong", "csrf_token": token},
    ).status_code


def test_two_app_instances_share_the_login_limit(
    fresh_config: Any, redis_url: str, key_prefix: str, restore_limiter: None
):
    database = fresh_config()
    workers: list[Flask] = [
        create_app(limited_config(database, redis_url, key_prefix)) for _ in range(2)
    ]
    clients = [worker.test_client() for worker in workers]
    tokens = [csrf_token(client, "/marl/login") for client in clients]

    statuses = [post_login(clients[i % 2], tokens[i % 2]) for i in range(LIMIT)]
    assert statuses == [401] * LIMIT  # wrong password, not yet limited
    assert post_login(clients[0], tokens[0]) == 429
    assert post_login(clients[1], tokens[1]) == 429
    # GET is not limited, and the limit is per endpoint and client, not global
    assert clients[1].get("/marl/login").status_code == 200

    keys = list(redis_lib.Redis.from_url(redis_url).scan_iter(match=f"*{key_prefix}*"))
    assert keys, "the rate limit counter is not stored in Redis"
    for worker in workers:  # close their pooled connections (psycopg warns when collected)
        with worker.app_context():
            db.engine.dispose()


WORKER = textwrap.dedent(
    """
    import json, sys
    from saas import create_app
    from tests.conftest import csrf_token
    config, count = json.loads(sys.argv[1]), int(sys.argv[2])
    client = create_app(config).test_client()
    token = csrf_token(client, "/marl/login")
    data = {"email": "admin@marl.example", "password": "wrong", "csrf_token": token}
    print(json.dumps([client.post("/marl/login", data=data).status_code for _ in range(count)]))
    """
)


def run_worker(config: dict[str, Any], count: int) -> list[int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(config), str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_worker_processes_share_the_login_limit(
    fresh_config: Any, redis_url: str, key_prefix: str
):
    config = limited_config(fresh_config(), redis_url, key_prefix)
    first = LIMIT // 2
    assert run_worker(config, first) == [401] * first
    assert run_worker(config, LIMIT - first + 1) == [401] * (LIMIT - first) + [429]
    assert run_worker(config, 1) == [429]
