"""Settings for the test suite: the normal settings with a throwaway key and fast hashing.

Environment variables still win (e.g. DATABASE_URL=postgres://... to run the suite on PostgreSQL).
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("JOB_RUNNER", "inline")  # jobs right after the commit; the thread runner has its own tests
os.environ.setdefault("MEDIA_ROOT", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test-media"))

from config import settings as _base

globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

os.makedirs(str(_base.STATIC_ROOT), exist_ok=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
