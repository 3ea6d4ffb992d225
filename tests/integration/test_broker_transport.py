"""The worker's Redis transport (config/broker.py) against a real redis-server: a channel that still holds an
unacknowledged message when the broker went away and the connection was collected closes cleanly, where
kombu's own transport raises the ``AttributeError`` that ended the Celery worker (an "Unrecoverable error" seen
in tests/integration/test_redis_restart.py)."""

from __future__ import annotations

from typing import Any

import pytest
from kombu import Connection, Exchange, Queue

from testkit import servers

pytestmark = pytest.mark.integration


def close_after_broker_loss(transport: str | None) -> tuple[Exception | None, int]:
    with servers.redis_server() as redis:
        connection = Connection(redis.url, transport=transport)
        channel: Any = connection.channel()
        queue = Queue("jobs", Exchange("jobs"), "jobs", channel=channel)
        queue.declare()
        connection.Producer(channel=channel).publish({"job": 1}, exchange="jobs", routing_key="jobs")
        assert queue.get(no_ack=False) is not None  # delivered, not acknowledged (a job with late ack)
        redis.stop()
        connection._do_close_transport()  # what Connection.collect() leaves: the transport without its client
        try:
            channel.close()
        except Exception as exc:  # the failure is what is compared
            return exc, len(channel.qos._delivered)
        return None, len(channel.qos._delivered)


def test_kombu_transport_crashes_closing_after_broker_loss() -> None:
    """The premise of the repair: when this stops failing, config/broker.py can go."""
    error, _ = close_after_broker_loss(None)
    assert isinstance(error, AttributeError)


def test_repaired_transport_closes_after_broker_loss() -> None:
    error, unacked = close_after_broker_loss("config.broker:Transport")
    assert error is None and unacked == 0
