"""Every setting that comes from the environment, declared once, typed, with its default.

Nothing secret lives in the repository: ``DJANGO_SECRET_KEY`` must be provided in production;
for local development (``DJANGO_DEBUG=1``) a random key is generated once into ``var/secret_key``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


class ImproperlyConfiguredEnv(RuntimeError):
    pass


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be a number, got {raw!r}") from None


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name) or default
    if raw not in choices:
        raise ImproperlyConfiguredEnv(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def parse_database_url(url: str, timeout: float = 3.0) -> dict[str, object]:
    """``sqlite:///path`` or ``postgres://user:pass@host:port/name`` -> Django DATABASES entry.

    ``timeout`` (``DATABASE_TIMEOUT``, seconds): how long a SQLite write waits for another writer's lock, and
    how long connecting to PostgreSQL may take, before the request answers 503 (not a 20 s hang)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("/") and url.startswith("sqlite:////"):
            name = path
        else:
            name = str(BASE_DIR / path.lstrip("/"))
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "timeout": timeout,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"connect_timeout": max(1, round(timeout))},
        }
    raise ImproperlyConfiguredEnv(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (sqlite, postgres)")


#: Secret keys that documentation and examples show: refused in production (anyone can sign sessions with them).
PLACEHOLDER_SECRETS = frozenset({"...", "change-me", "changeme", "secret", "your-secret-key", "<secret>", "xxx"})
MIN_SECRET_LENGTH = 32


def _secret_key(debug: bool) -> str:
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if (
        key
        and not debug
        and (key.strip() in PLACEHOLDER_SECRETS or key.startswith("django-insecure") or len(key) < MIN_SECRET_LENGTH)
    ):
        raise ImproperlyConfiguredEnv(
            "DJANGO_SECRET_KEY is a placeholder or shorter than 32 characters; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
        )
    if key:
        return key
    if not debug:
        raise ImproperlyConfiguredEnv("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    return local_secret("secret_key", 50)


def local_secret(name: str, nbytes: int) -> str:
    """A random secret generated once into ``var/<name>`` (mode 600) for local development."""
    path = BASE_DIR / "var" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Env:
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    database_url: str
    database_timeout: float
    redis_url: str
    task_time_limit: int
    task_soft_time_limit: int
    task_max_retries: int
    api_throttle_user: str
    api_throttle_anon: str
    api_throttle_token: str
    media_root: str
    static_root: str
    log_level: str
    log_format: str
    secure_cookies: bool
    api_docs_public: bool
    hsts_preload: bool
    login_failure_limit: int
    login_lockout_minutes: int
    webhook_timeout: int
    webhook_allow_private: bool
    engine_workers: int
    engine_parallel_min_elements: int
    revision_coalesce_seconds: int
    job_runner: str
    job_heartbeat_interval: int
    job_heartbeat_timeout: int
    job_requeue_after: int
    job_sweep_interval: int
    job_coalesce_seconds: float
    job_drain_seconds: float
    worker_nice: int
    proxy_hops: int
    invitation_days: int
    field_encryption_key: str
    mesh_pull_connect_timeout: float
    mesh_pull_read_timeout: float
    mesh_pull_max_bytes: int
    mesh_pull_sweep_interval: int
    kiali_allowed_hosts: list[str]


def load() -> Env:
    debug = _bool("DJANGO_DEBUG", False)
    secret_key = _secret_key(debug)
    return Env(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver"),
        csrf_trusted_origins=_list("DJANGO_CSRF_TRUSTED_ORIGINS", ""),
        database_url=_str("DATABASE_URL", "sqlite:///var/db.sqlite3"),
        database_timeout=_float("DATABASE_TIMEOUT", 3.0),
        redis_url=_str("REDIS_URL", ""),
        task_time_limit=_int("TASK_TIME_LIMIT", 600),
        task_soft_time_limit=_int("TASK_SOFT_TIME_LIMIT", 540),
        task_max_retries=_int("TASK_MAX_RETRIES", 3),
        api_throttle_user=_str("API_THROTTLE_USER", "600/minute"),
        api_throttle_anon=_str("API_THROTTLE_ANON", "60/minute"),
        api_throttle_token=_str("API_THROTTLE_TOKEN", "1200/minute"),
        media_root=_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")),
        static_root=_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")),
        log_level=_str("LOG_LEVEL", "INFO"),
        log_format=_choice("LOG_FORMAT", "plain", ("plain", "json")),
        secure_cookies=_bool("SECURE_COOKIES", False),
        api_docs_public=_bool("API_DOCS_PUBLIC", False),
        hsts_preload=_bool("HSTS_PRELOAD", False),
        login_failure_limit=_int("LOGIN_FAILURE_LIMIT", 5),
        login_lockout_minutes=_int("LOGIN_LOCKOUT_MINUTES", 15),
        webhook_timeout=_int("WEBHOOK_TIMEOUT", 5),
        webhook_allow_private=_bool("WEBHOOK_ALLOW_PRIVATE", False),
        engine_workers=_int("ENGINE_WORKERS", 0),
        engine_parallel_min_elements=_int("ENGINE_PARALLEL_MIN_ELEMENTS", 10_000),
        revision_coalesce_seconds=_int("REVISION_COALESCE_SECONDS", 5),
        job_runner=_choice("JOB_RUNNER", "thread", ("thread", "inline")),
        job_heartbeat_interval=_int("JOB_HEARTBEAT_INTERVAL", 10),
        job_heartbeat_timeout=_int("JOB_HEARTBEAT_TIMEOUT", 60),
        job_requeue_after=_int("JOB_REQUEUE_AFTER", 60),
        job_sweep_interval=_int("JOB_SWEEP_INTERVAL", 20),
        job_coalesce_seconds=_float("JOB_COALESCE_SECONDS", 1.0),
        job_drain_seconds=_float("JOB_DRAIN_SECONDS", 60.0),
        worker_nice=_int("WORKER_NICE", 10),
        proxy_hops=_int("PROXY_HOPS", 0),
        invitation_days=_int("INVITATION_DAYS", 7),
        # Encrypts secrets stored in the database (a Kiali token); without it, a key derived from the secret key
        # (rotating DJANGO_SECRET_KEY then makes stored tokens unreadable: they must be entered again).
        field_encryption_key=_str("FIELD_ENCRYPTION_KEY", "") or f"derived-from-secret-key:{secret_key}",
        mesh_pull_connect_timeout=_float("MESH_PULL_CONNECT_TIMEOUT", 5.0),
        mesh_pull_read_timeout=_float("MESH_PULL_READ_TIMEOUT", 20.0),
        mesh_pull_max_bytes=_int("MESH_PULL_MAX_BYTES", 20 * 1024 * 1024),
        mesh_pull_sweep_interval=_int("MESH_PULL_SWEEP_INTERVAL", 60),
        # Hosts a live pull may reach (comma-separated; exact names or patterns such as *.mesh.example.com,
        # optionally with :port); empty: any host.
        kiali_allowed_hosts=[h.lower() for h in _list("KIALI_ALLOWED_HOSTS", "")],
    )


ENV = load()
