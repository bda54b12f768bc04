"""Background jobs on RQ and Redis: long imports and exports leave the request.

A page enqueues a *task* (a function marked with :func:`saas.jobs.queue.task`) for the current
tenant and user (:func:`saas.jobs.queue.enqueue`); ``flask jobs worker`` runs it inside the
app, in that tenant's scope and as that user, through the same operations a request would call
(:mod:`saas.jobs.runner`), and commits once at its end. The task reports its progress
(:func:`saas.jobs.queue.progress`), which ``/<slug>/jobs/<id>`` shows; its result is a page to
go on to or a file kept for download for a bounded time (:func:`saas.jobs.queue.keep_file`).
"""
