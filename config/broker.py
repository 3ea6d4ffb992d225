"""The Redis broker transport the Celery worker uses: kombu's, with one repair.

When the worker loses its broker connection while it holds an unacknowledged message (a running job with late
acknowledgement), Celery 5.7 first *collects* the broken connection (the transport forgets its client) and then
closes it; closing the channel tries to put the unacknowledged messages back through that forgotten client and
raises ``AttributeError`` - an "Unrecoverable error" that ends the worker instead of reconnecting
(tests/integration/test_redis_restart.py). Here a channel whose transport has lost its client skips that
restore: nothing can reach a broker that is gone, the message is still in the broker's unacked set (restored
after the visibility timeout if the broker kept it), and the job's row is re-queued by the sweeper either way.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis

LOGGER = logging.getLogger(__name__)


class QoS(redis.QoS):  # type: ignore[misc]
    def restore_unacked(self, client: Any = None) -> None:
        delivered = self._delivered
        if client is None and delivered is not None and getattr(self.channel.connection, "client", None) is None:
            LOGGER.warning(
                "broker connection lost: %d unacknowledged message(s) left to the broker and the job sweeper",
                len(delivered),
            )
            delivered.clear()
            return
        super().restore_unacked(client)


class Channel(redis.Channel):  # type: ignore[misc]
    QoS = QoS


class Transport(redis.Transport):  # type: ignore[misc]
    Channel = Channel
