"""Container healthcheck (deploy/compose.yaml), standard library only for the HTTP form.

``python deploy/healthcheck.py http://127.0.0.1:8000/readyz``: exit 0 when the URL answers 200, 1 otherwise (the
reason on stderr). The request names the first of ``DJANGO_ALLOWED_HOSTS`` as its Host, so it is answered like the
public name rather than refused as an unknown host.

``python deploy/healthcheck.py --checks``: for processes without a port (Celery beat): the same database and job
queue checks as ``/readyz``, run in this process with the deployment's settings.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 8.0


def public_host() -> str | None:
    first = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
    return first if first and first != "*" else None


def check_url(url: str) -> str | None:
    host = public_host()
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310 - http(s) only (main)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - our own URL
            return None if response.status == 200 else f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        body = exc.read(500).decode("utf-8", "replace")
        return f"{url} answered {exc.code}: {body}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url} unreachable: {exc}"


def run_checks() -> str | None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from threatmodel.health import database_check, queue_check

    problems = [problem for problem in (database_check(), queue_check()) if problem]
    return "; ".join(problems) or None


def main(argv: list[str]) -> int:
    if argv == ["--checks"]:
        problem = run_checks()
    elif len(argv) == 1 and argv[0].startswith(("http://", "https://")):
        problem = check_url(argv[0])
    else:
        print("usage: healthcheck.py URL | --checks", file=sys.stderr)
        return 2
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
