"""Fetch a Kiali graph over HTTP(S), bounded: a connect timeout, a read timeout over the whole answer (a server
that drips bytes is cut off too), a size limit (``Content-Length`` checked first, then the bytes counted), no
redirects followed, and errors that say what went wrong without echoing what the server answered.

``GET {base}/api/namespaces/graph?namespaces=a,b&graphType=workload&duration=600s`` with
``Authorization: Bearer <token>`` when a token is configured. No Django here: the caller passes the limits.
"""

from __future__ import annotations

import fnmatch
import http.client
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

USER_AGENT = "Trustmap-MeshPull/1"
GRAPH_PATH = "/api/namespaces/graph"


class KialiFetchError(Exception):
    """A pull that failed; ``code`` is one of ``invalid-url``, ``unreachable``, ``timeout``, ``http-status``,
    ``too-large`` (and ``not-a-graph``, raised by the caller after parsing)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    connect_timeout: float
    read_timeout: float
    max_bytes: int


def graph_url(base_url: str, namespaces: list[str], graph_type: str, duration: str) -> str:
    query = urlencode({"namespaces": ",".join(namespaces), "graphType": graph_type, "duration": duration})
    return f"{base_url.rstrip('/')}{GRAPH_PATH}?{query}"


def check_base_url(base_url: str) -> str | None:
    """Why the URL cannot be a Kiali base URL, or ``None``."""
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"invalid URL: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the URL must be http:// or https:// with a host name"
    if parts.username or parts.password:
        return "put credentials in the token, not in the URL"
    if parts.query or parts.fragment:
        return "the base URL takes no query or fragment"
    return None


def host_not_allowed(base_url: str, allowed: Sequence[str]) -> str | None:
    """Why the operator's list of allowed hosts (``KIALI_ALLOWED_HOSTS``) refuses the URL's host, or ``None``.

    A pattern is a host name (``kiali.internal``), a shell-style pattern (``*.mesh.example.com``) or either with a
    port (``kiali.internal:20001``); matching ignores case. An empty list allows any host."""
    if not allowed:
        return None
    try:
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None  # check_base_url reports the URL itself
    for pattern in allowed:
        name, _, want_port = pattern.lower().rpartition(":") if _has_port(pattern) else (pattern.lower(), "", "")
        if fnmatch.fnmatchcase(host, name) and (not want_port or want_port == str(port)):
            return None
    return f"the host {host}:{port} is not one the operator allows for live pulls (KIALI_ALLOWED_HOSTS)"


def _has_port(pattern: str) -> bool:
    head, sep, tail = pattern.rpartition(":")
    return bool(sep and head and tail.isdigit() and not head.endswith(":"))


def fetch(url: str, token: str | None, limits: Limits) -> bytes:
    """The body of a 200 answer, or ``KialiFetchError``."""
    problem = check_base_url(url.split("?", 1)[0])
    if problem:
        raise KialiFetchError("invalid-url", problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    where = f"{host}:{parts.port}" if parts.port else host
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=limits.connect_timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=limits.connect_timeout)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            connection.connect()
        except TimeoutError:
            raise KialiFetchError(
                "timeout", f"Kiali at {where} did not accept a connection within {limits.connect_timeout:g} s"
            ) from None
        except ssl.SSLError as exc:
            raise KialiFetchError("unreachable", f"TLS with Kiali at {where} failed: {exc.reason}") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise KialiFetchError("unreachable", f"Kiali at {where} is unreachable: {reason}") from None
        deadline = time.monotonic() + limits.read_timeout
        if connection.sock is not None:
            connection.sock.settimeout(limits.read_timeout)
        return _read(connection, path, headers, deadline, limits, where)
    finally:
        connection.close()


def _read(
    connection: http.client.HTTPConnection,
    path: str,
    headers: dict[str, str],
    deadline: float,
    limits: Limits,
    where: str,
) -> bytes:
    timed_out = KialiFetchError("timeout", f"Kiali at {where} did not answer within {limits.read_timeout:g} s")
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            hint = " (check the token)" if response.status in (401, 403) else ""
            raise KialiFetchError(
                "http-status", f"Kiali at {where} answered HTTP {response.status} {response.reason}{hint}"
            )
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > limits.max_bytes:
            raise KialiFetchError(
                "too-large", f"Kiali's answer is {int(declared):,} bytes; the limit is {limits.max_bytes:,}"
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise timed_out
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            chunk = response.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise KialiFetchError("too-large", f"Kiali's answer exceeds the limit of {limits.max_bytes:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    except TimeoutError:
        raise timed_out from None
    except (http.client.HTTPException, OSError) as exc:
        raise KialiFetchError(
            "unreachable", f"the connection to Kiali at {where} failed: {type(exc).__name__}"
        ) from None
