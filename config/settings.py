"""Django settings. Every value that varies by deployment comes from ``config.env``."""

from __future__ import annotations

from config.env import BASE_DIR, ENV, parse_database_url

DEBUG = ENV.debug
SECRET_KEY = ENV.secret_key
ALLOWED_HOSTS = ENV.allowed_hosts
CSRF_TRUSTED_ORIGINS = ENV.csrf_trusted_origins

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "threatmodel",
    "catalog",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "threatmodel.security.HtmlCSPMiddleware",  # django-csp, on HTML answers only
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "threatmodel.api.unavailable.FailureAnswerMiddleware",
    "threatmodel.security.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into its answer
]
# -- Login throttling and lock-out (django-axes) on /login/ and /admin/login/: after LOGIN_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES.
# -- Content-Security-Policy (django-csp): scripts only from our own origin (no inline script, no eval; the
# editor's data travels in a JSON <script type="application/json"> block, which is not executed); styles may be
# inline (the graph library and ReDoc set them). Swagger UI loads its start-up script as a file (split view).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = ENV.login_failure_limit
AXES_COOLOFF_TIME = ENV.login_lockout_minutes / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
CSRF_FAILURE_VIEW = "threatmodel.api.unavailable.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": parse_database_url(ENV.database_url, ENV.database_timeout)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = ENV.static_root
# Production serves what `collectstatic` made: compressed (gzip, brotli) copies with content hashes in their
# names, which WhiteNoise sends with a year-long immutable cache; only development reads the source folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "config.storage.DedupCompressedManifestStaticFilesStorage"  # WhiteNoise's, compressing less
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Source maps (half the collected bytes: Swagger UI's and ReDoc's) are fetched by developer tools only; compressing
# them with gzip and brotli took most of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv", "woff"),
    *("woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map"),
)
MEDIA_ROOT = ENV.media_root
MEDIA_URL = "/media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = ENV.secure_cookies
CSRF_COOKIE_SECURE = ENV.secure_cookies
# SECURE_COOKIES=1 means "served over HTTPS" (directly or behind a proxy that sets X-Forwarded-Proto): HSTS,
# redirect plain HTTP (the health probes excepted), trust the proxy's scheme header.
SECURE_HSTS_SECONDS = 31_536_000 if ENV.secure_cookies else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENV.secure_cookies
SECURE_HSTS_PRELOAD = ENV.hsts_preload
# Preloading is the operator's call (HSTS_PRELOAD=1): once a domain is on the browsers' list it is hard to leave.
SILENCED_SYSTEM_CHECKS = [] if ENV.hsts_preload else ["security.W021"]
SECURE_SSL_REDIRECT = ENV.secure_cookies
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if ENV.secure_cookies else None
#: The OpenAPI schema and its Swagger/ReDoc pages need a login unless API_DOCS_PUBLIC=1.
API_DOCS_PUBLIC = ENV.api_docs_public
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "threatmodel.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "threatmodel.api.authentication.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "threatmodel.api.authentication.TokenRateThrottle",
        "threatmodel.api.authentication.SessionRateThrottle",
        "threatmodel.api.authentication.AnonymousRateThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "threatmodel.api.common.ApiPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "threatmodel.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "threatmodel.api.parsers.GatedJSONParser",  # the input gate: nesting, finite numbers, valid Unicode
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "URL_FORMAT_OVERRIDE": None,  # ``?format=`` is the export format, not content negotiation
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": ENV.api_throttle_user,
        "anon": ENV.api_throttle_anon,
        "token": ENV.api_throttle_token,
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Trustmap API",
    "DESCRIPTION": "Threat models, zero-trust posture assessments, findings and scores.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc served from our own static files (drf-spectacular-sidecar), never a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SECURITY": [{"tokenAuth": []}, {"cookieAuth": []}],
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "assessments.choices.Severity",
        "JobStatusEnum": "assessments.choices.JobStatus",
        "TriageStatusEnum": "assessments.choices.TriageStatus",
    },
}

# -- Celery: a real broker when REDIS_URL is set; otherwise tasks run in-process. ----------------
CELERY_BROKER_URL = ENV.redis_url or "memory://"
# kombu's Redis transport with the repair that keeps a worker alive when Redis goes away (config/broker.py)
CELERY_BROKER_TRANSPORT = "config.broker:Transport" if ENV.redis_url.startswith(("redis://", "rediss://")) else None
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not ENV.redis_url
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = ENV.task_time_limit
CELERY_TASK_SOFT_TIME_LIMIT = ENV.task_soft_time_limit
CELERY_TASK_MAX_RETRIES = ENV.task_max_retries
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": ENV.task_time_limit + 60}
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True  # redelivered, restarted by the service
# A broker that is down fails the enqueue within about a second (the row stays queued for the sweeper).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {"task": "assessments.tasks.sweep_jobs", "schedule": float(ENV.job_sweep_interval)},
    # models whose live Kiali pull is due (threatmodel/services_mesh_live.py); the in-process runner of the
    # embedded default runs the same task on its sweep cadence (assessments/runner.py)
    "pull-mesh-observations": {
        "task": "threatmodel.tasks.pull_due_mesh_observations",
        "schedule": float(ENV.mesh_pull_sweep_interval),
    },
}

# -- Background jobs (assessments/services/jobs.py, assessments/runner.py). Without REDIS_URL an in-process
# worker thread runs them ("thread"); "inline" runs them right after the commit in the committing thread (the
# unit-test setting, so that a test sees the result at once). Running jobs beat every ..._INTERVAL seconds; one
# silent for ..._TIMEOUT is interrupted and re-queued; a queued job older than JOB_REQUEUE_AFTER is re-sent.
JOB_RUNNER = ENV.job_runner
JOB_THREADS = 2
JOB_HEARTBEAT_INTERVAL = ENV.job_heartbeat_interval
JOB_HEARTBEAT_TIMEOUT = ENV.job_heartbeat_timeout
JOB_REQUEUE_AFTER = ENV.job_requeue_after
JOB_SWEEP_INTERVAL = ENV.job_sweep_interval
#: During a burst of edits to one model, a scheduled assessment waits this long for the next edits to join it.
JOB_COALESCE_SECONDS = ENV.job_coalesce_seconds
# A process of the embedded default that ends (a command, a stopping web worker) finishes its queued jobs first.
JOB_DRAIN_SECONDS = ENV.job_drain_seconds
#: CPU priority (nice increment) of a Celery worker's pool processes, below the web processes on a shared host.
WORKER_NICE = ENV.worker_nice

WEBHOOK_TIMEOUT = ENV.webhook_timeout
#: Key material for secrets stored encrypted in the database (threatmodel/fieldcrypt.py).
FIELD_ENCRYPTION_KEY = ENV.field_encryption_key
#: Live pulls of a model's Kiali graph (threatmodel/kiali_http.py): connect and read timeouts (seconds; the read
#: timeout bounds the whole answer), the largest answer accepted, and how often due pulls are looked for.
MESH_PULL_CONNECT_TIMEOUT = ENV.mesh_pull_connect_timeout
MESH_PULL_READ_TIMEOUT = ENV.mesh_pull_read_timeout
MESH_PULL_MAX_BYTES = ENV.mesh_pull_max_bytes
MESH_PULL_SWEEP_INTERVAL = ENV.mesh_pull_sweep_interval
#: Hosts (patterns, lower case) a live pull may reach: checked when a live source is saved and before every pull.
#: Empty: any host.
KIALI_ALLOWED_HOSTS = ENV.kiali_allowed_hosts
#: Processes one analysis of a large model may use (assessments/engine/parallel.py); 0 = automatic.
ENGINE_WORKERS = ENV.engine_workers
#: Smallest model (evaluated elements) an analysis forks for.
ENGINE_PARALLEL_MIN_ELEMENTS = ENV.engine_parallel_min_elements
#: Seconds within which an author's consecutive editor change sets merge into one revision (0: never).
REVISION_COALESCE_SECONDS = ENV.revision_coalesce_seconds
#: Webhook URLs resolving to private, loopback or link-local addresses are refused unless this is on.
WEBHOOK_ALLOW_PRIVATE = ENV.webhook_allow_private

# -- Cache (API throttle counters): shared in Redis when REDIS_URL is set, so a per-token rate holds across
# web processes and hosts; otherwise local memory, per process (the embedded default).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": ENV.redis_url,
        "KEY_PREFIX": "trustmap",
        # an unreachable Redis fails fast: the throttles fall back to local counters
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if ENV.redis_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # LOG_FORMAT=json: one JSON object per line for log shippers (python-json-logger), same fields
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": ENV.log_format}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # without REDIS_URL tasks run in-process and kombu complains about the unused in-memory broker
        "kombu.connection": {"level": "ERROR"},
        # in-process jobs: one "Task ... succeeded" line per sweep every JOB_SWEEP_INTERVAL seconds is console
        # chatter; the services log what a job did (a Celery worker, with REDIS_URL, keeps its task lines)
        **({} if ENV.redis_url else {"celery.app.trace": {"level": "WARNING"}}),
        # WeasyPrint and its font/CSS stack log ~100 INFO lines per PDF: warnings and errors only
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "tinycss2": {"level": "WARNING"},
    },
}

#: Reverse proxies in front of the web processes that append to X-Forwarded-For: the audit log takes the client
#: address that many hops from the right (0: the socket's peer address, REMOTE_ADDR).
PROXY_HOPS = ENV.proxy_hops
#: Days a team invitation stays open before it expires.
INVITATION_DAYS = ENV.invitation_days
