"""The API's JSON parser: DRF's, reading through the input gate (``threatmodel.inputgate.loads``).

DRF's own parser hands any body to ``json.load``: 100,000 nested brackets raised ``RecursionError`` (a 500),
``NaN`` and ``1e999`` came through as floats, and a 5,000-digit integer raised ``ValueError``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

from threatmodel.inputgate import InputRefused, loads


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the request body is too large"
    default_code = "request_too_large"


def read_limited(stream: Any) -> bytes:
    """The body, at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (DRF reads the raw stream, past Django's check)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = stream.read(limit + 1) if stream is not None else b""
    if limit is not None and len(raw) > limit:
        raise RequestTooLarge(f"the request body is larger than {limit:,} bytes")
    return bytes(raw)


class GatedJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = read_limited(stream)
        try:
            return loads(raw)
        except InputRefused as exc:
            first = exc.issues[0]
            where = f"{first.path}: " if first.path else ""
            raise ParseError(f"JSON parse error: {where}{first.message}") from None


__all__ = ["GatedJSONParser", "RequestTooLarge", "read_limited"]
