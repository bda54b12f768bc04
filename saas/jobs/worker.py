"""The worker: RQ's forking worker, made safe for the app's database pool.

Each job runs in a forked child ("work horse"), so the memory a large import takes is given
back when the job ends and a job over its timeout is killed without taking the worker down.
A child must not use the parent's pooled database connections (two processes on one socket):
it drops them, without closing the parent's, before it runs the job.
"""

from __future__ import annotations

from typing import Any

from rq import Queue, SimpleWorker, Worker

from saas.core.db import db
from saas.jobs.queue import QUEUE_NAME, connection


class AppWorker(Worker):
    """A forking worker whose work horse starts with a fresh database pool."""

    def main_work_horse(self, job: Any, queue: Any) -> None:
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def make_worker(*, fork: bool = True) -> Worker | SimpleWorker:
    """A worker on the app's queue (``fork=False``: in this process, for tests and debugging)."""
    queue = Queue(QUEUE_NAME, connection=connection())
    cls = AppWorker if fork else SimpleWorker
    return cls([queue], connection=connection())
