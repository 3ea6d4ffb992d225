"""gunicorn settings for the web processes: ``gunicorn -c config/gunicorn.py config.wsgi`` (options given on the
command line, e.g. ``--workers``, still win; gunicorn also reads ``WEB_CONCURRENCY`` for the worker count).

* gthread workers with 4 threads: a request is CPU-bound (about 1 ms in Django), so run about one worker per
  core; more threads per worker would only add GIL contention, and 4 keep a worker serving while one thread
  waits on the database or a slow client.
* ``reuse_port``: each worker listens on its own socket (``SO_REUSEPORT``) and the kernel spreads new connections
  over them. On one shared socket the worker that is already awake accepts a burst of connections before the
  other wakes, and a keep-alive connection stays with the worker that accepted it: under the load benchmark one
  worker served every request while the other idled, and reads queued behind the GIL (benchmarks/NOTES.md,
  "Connections spread over the workers"). The cost: a worker that restarts drops the connections still waiting
  in its own accept queue, and only processes of the same user may bind the port beside it.
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
reuse_port = True
keepalive = 30
accesslog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not in the first requests
    gc.collect()
    gc.freeze()
