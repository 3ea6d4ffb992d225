"""``/healthz`` (liveness: the process answers) and ``/readyz`` (readiness: the database and the job queue are
reachable; 503 naming whichever is not). No login, no session, no database access for liveness."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

#: How long the queue probe may take before the queue counts as unreachable.
PROBE_TIMEOUT_SECONDS = 2.0


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def database_check() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"database unreachable: {exc.__class__.__name__}: {exc}"
    return None


def queue_check() -> str | None:
    """The Celery broker (Redis) answers a PING; without REDIS_URL jobs run in-process and there is no queue."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
        )
        client.ping()
        client.close()
    except (redis.RedisError, OSError) as exc:
        return f"job queue (Redis) unreachable: {exc}"
    return None


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    checks = {"database": database_check(), "queue": queue_check()}
    failed = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: checks[name] or "ok" for name in checks},
        "seconds": round(time.monotonic() - started, 3),
    }
    if failed:
        body["detail"] = "; ".join(failed.values())
        response = JsonResponse(body, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse(body)
