"""Secrets stored in the database (a model's Kiali token) are encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

The key is derived with HKDF-SHA256 from ``settings.FIELD_ENCRYPTION_KEY`` (``config/env.py``; by default derived
from ``DJANGO_SECRET_KEY``), so any string of enough entropy works as the setting. A value that cannot be decrypted
(the key changed) reads as ``None``: the user is asked to enter the secret again, nothing crashes.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"trustmap field encryption v1"


@lru_cache(maxsize=4)
def _fernet(material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_text(plaintext: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(ciphertext: str) -> str | None:
    """The plaintext, or ``None`` when the value was written with another key (or is not a Fernet token)."""
    if not ciphertext:
        return None
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        return None
