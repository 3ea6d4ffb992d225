"""The throttles' shared counters: Redis counts taken in leases, on one client per process (speed trick, fenced
here).

Why: every API request counts once against its token's rate. Through Django's Redis cache that is ``add``
then ``incr`` (three commands, ``incr`` checks ``exists`` first), and each call builds a new ``redis.Redis``
client, whose constructor fills its table of response callbacks: several times the CPU of one round trip on a
kept client (measured in benchmarks/NOTES.md, "The read path").

How: when the default cache is Django's Redis cache, the counter of a window is ``SET key 0 EX timeout NX``
then ``INCR key`` in one MULTI/EXEC (atomic, one round trip; the key always expires), on a client built once
per cache location from the same settings (URL, socket timeouts) and kept; the key is the cache's own
(``cache.make_key``). Any other cache backend (local memory without ``REDIS_URL``) counts through the cache API.
Errors propagate: the caller falls back to counting locally.

Leases (:class:`Leases`): even one round trip was a tenth of a read's CPU (redis-py's command machinery and the
socket wake-up; benchmarks/NOTES.md, "The load's reads, 2026-12-04"). So a
process takes counts from the shared counter in blocks (``INCRBY``, same MULTI/EXEC, same expiry) and spends them
locally. A block is counted in Redis before it is spent, so the rate is never exceeded across processes; it is
at most :data:`LEASE_MAX` and at most 1/:data:`LEASE_SHARE` of what the window has left (one count at a time
near the limit and for the first request of a window), so a token used from several processes may be refused
at most ``LEASE_MAX`` counts per other process before its limit (unspent counts of their current blocks).
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


def count(key: str, timeout: int, amount: int = 1) -> int:
    """Add ``amount`` to the shared counter ``key`` (created to expire after ``timeout`` s); its new value."""
    client = _client()
    if client is None:
        return count_in(cache, key, timeout, amount)
    pipe = client.pipeline(transaction=True)
    full = cache.make_key(key)
    pipe.set(full, 0, ex=timeout, nx=True)
    pipe.incrby(full, amount)
    return int(pipe.execute()[1])


#: Largest block of counts a process takes at once, and the share of the window's headroom a block may take.
LEASE_MAX = 16
LEASE_SHARE = 16
#: Keys held at most (old windows' keys are dropped with the rest when it is reached).
LEASE_KEYS = 10_000


class Leases:
    """This process's unspent counts of the shared counters, by key (the key names the window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left: dict[str, int] = {}
        self._next: dict[str, int] = {}  # the size of the key's next block

    def allow(self, key: str, limit: int, timeout: int) -> bool:
        """Whether one more request fits ``limit`` on ``key`` (one count spent, taking a block when none is
        left). Errors of the shared counter propagate."""
        with self._lock:
            left = self._left.get(key, 0)
            if left > 0:
                self._left[key] = left - 1
                return True
            size = self._next.get(key, 1)
        total = count(key, timeout, size)
        granted = min(size, limit - (total - size))  # the block's counts that are within the limit
        with self._lock:
            if len(self._next) >= LEASE_KEYS:
                self._left.clear()
                self._next.clear()
            self._left[key] = self._left.get(key, 0) + max(0, granted - 1)
            self._next[key] = max(1, min(LEASE_MAX, (limit - total) // LEASE_SHARE))
        return granted > 0


LEASES = Leases()


def allow(key: str, limit: int, timeout: int) -> bool:
    """Whether one more request on ``key`` fits ``limit``: leased from Redis, or counted through the cache."""
    if _client() is None:
        return count_in(cache, key, timeout) <= limit
    return LEASES.allow(key, limit, timeout)


def count_in(store: Any, key: str, timeout: int, amount: int = 1) -> int:
    """The same through a Django cache's API (``add``, then ``incr``)."""
    if store.add(key, amount, timeout):
        return amount
    try:
        return int(store.incr(key, amount))
    except ValueError:  # expired between add and incr
        store.add(key, amount, timeout)
        return amount
