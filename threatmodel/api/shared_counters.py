"""The throttles' shared counters: one Redis round trip on one client per process (speed trick, fenced here).

Why: every API request counts once against its token's rate. Through Django's Redis cache that is ``add``
then ``incr`` (three commands, ``incr`` checks ``exists`` first), and each call builds a new ``redis.Redis``
client, whose constructor fills its table of ~170 response callbacks: about 0.9 ms of CPU per request on the
2-core box, against 0.2 ms here (benchmarks/NOTES.md, "The read path").

How: when the default cache is Django's Redis cache, the counter of a window is ``SET key 0 EX timeout NX``
then ``INCR key`` in one MULTI/EXEC (atomic, one round trip; the key always expires), on a client built once
per cache location from the same settings (URL, socket timeouts) and kept; the key is the cache's own
(``cache.make_key``). Any other cache backend (local memory without ``REDIS_URL``) counts through the cache API.
Errors propagate: the caller falls back to counting locally.
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
_clients: dict[tuple[str, float | None, float | None], redis.Redis] = {}
_lock = threading.Lock()


def _client() -> redis.Redis | None:
    """The process's client for the default cache's Redis (None when the cache is not Redis)."""
    config: dict[str, Any] = settings.CACHES["default"]
    if config.get("BACKEND") != REDIS_BACKEND:
        return None
    location = config["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]  # writes: the first
    options = config.get("OPTIONS", {})
    key = (url, options.get("socket_connect_timeout"), options.get("socket_timeout"))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis.Redis.from_url(url, socket_connect_timeout=key[1], socket_timeout=key[2])
                _clients[key] = client
    return client


def count(key: str, timeout: int) -> int:
    """Add one to the shared counter ``key`` (created to expire after ``timeout`` s); its new value."""
    client = _client()
    if client is None:
        return count_in(cache, key, timeout)
    pipe = client.pipeline(transaction=True)
    full = cache.make_key(key)
    pipe.set(full, 0, ex=timeout, nx=True)
    pipe.incr(full)
    return int(pipe.execute()[1])


def count_in(store: Any, key: str, timeout: int) -> int:
    """The same through a Django cache's API (``add``, then ``incr``)."""
    if store.add(key, 1, timeout):
        return 1
    try:
        return int(store.incr(key))
    except ValueError:  # expired between add and incr
        store.add(key, 1, timeout)
        return 1
