"""gunicorn settings for the web processes: ``gunicorn -c config/gunicorn.py config.wsgi`` (options given on the
command line, e.g. ``--workers``, still win; gunicorn also reads ``WEB_CONCURRENCY`` for the worker count).

* gthread workers with 4 threads: a request is CPU-bound (about 1 ms in Django), so run about one worker per
  core; more threads per worker would only add GIL contention, and 4 keep a worker serving while one thread
  waits on the database or a slow client.
* Once a worker has loaded the application, every view module is imported (the URLconf is otherwise loaded by
  the first request) and all objects that now exist — Django, DRF, the apps, about 115,000 of them — are
  moved to the garbage collector's permanent generation (``gc.freeze``). They live as long as the process, and
  a full collection no longer scans them: without this, each worker pauses 30-70 ms now and then for a full
  collection, which is the whole p99 budget of an API request.
"""

from __future__ import annotations

import gc
from typing import Any

worker_class = "gthread"
threads = 4
keepalive = 30
accesslog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not in the first requests
    gc.collect()
    gc.freeze()
