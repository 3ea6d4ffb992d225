"""The user types that services, selectors and views take: the project uses Django's own user model
(``settings.AUTH_USER_MODEL`` is ``auth.User``), and ``request.user`` may be the anonymous user."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account

#: Whoever makes a request: a signed-in account or the anonymous user.
RequestUser = Account | AnonymousUser

__all__ = ["Account", "RequestUser"]
