"""``flask jobs worker``: the process that runs the background jobs."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

jobs = AppGroup("jobs", help="Background jobs (large imports and exports).")


def register(app: Flask) -> None:
    app.cli.add_command(jobs)


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--no-fork", is_flag=True, help="Run jobs in this process (debugging).")
def worker_command(burst: bool, no_fork: bool) -> None:
    """Run queued jobs of every tenant (needs REDIS_URL; one or more per deployment)."""
    from saas.jobs.queue import JobsUnavailable
    from saas.jobs.worker import make_worker

    try:
        worker = make_worker(fork=not no_fork)
        worker.work(burst=burst, logging_level="INFO")
    except JobsUnavailable as error:
        raise click.ClickException(f"Redis nicht erreichbar: {error}") from None


# Not wrapped in the CLI commit point: that would run every job as the system. Each job is a
# commit point of its own (saas.jobs.runner), run as the user who started it.
worker_command.callback.commit_point = True  # type: ignore[union-attr]
