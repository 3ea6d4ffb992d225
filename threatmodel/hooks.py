"""What other apps hear of the model store without ``threatmodel`` importing them: a listener registered in
its app's ``ready`` is called with ``(model_id, revision)`` once the transaction that accepted a revision
commits (a change set from the editor or the API, an import, a replacement from a file).

A listener that raises is logged and does not fail the write that was already committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

LOGGER = logging.getLogger(__name__)

RevisionListener = Callable[[int, int], None]

_LISTENERS: list[RevisionListener] = []


def on_revision_accepted(listener: RevisionListener) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def revision_accepted(model_id: int, revision: int) -> None:
    """Called by the one place that records revisions, inside its transaction."""
    transaction.on_commit(lambda: _notify(model_id, revision))


def _notify(model_id: int, revision: int) -> None:
    for listener in list(_LISTENERS):
        try:
            listener(model_id, revision)
        except Exception:
            LOGGER.exception("revision listener %r failed for model %s r%s", listener, model_id, revision)
