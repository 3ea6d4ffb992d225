"""Kind sets and small helpers shared by the rule modules."""

from __future__ import annotations

from assessments.engine.graph import MESHED_MODES, FlowFacts
from assessments.engine.results import EvidenceValue
from threatmodel.vocabulary import (
    END_USER_AUTHENTICATION,
    EXTERNAL_KINDS,
    PEER_AUTHENTICATION,
    STATIC_SECRET_AUTHENTICATION,
    Authentication,
    ComponentKind,
)

K = ComponentKind
#: Our own code that serves requests (workloads without the pure forwarders).
APP_KINDS = frozenset({K.SERVICE, K.WEB_FRONTEND, K.API_GATEWAY, K.SERVERLESS_FUNCTION, K.BATCH_JOB})
#: Workloads including load balancers.
WORKLOADS = frozenset(APP_KINDS | {K.LOAD_BALANCER})
#: Components holding data at rest.
STORES = frozenset({K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE, K.LOGGING, K.ANALYTICS})
#: Backing stores a service talks to (targets of tier / client-auth rules).
BACKING = frozenset({K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE, K.IDENTITY_PROVIDER})
OUTSIDE = EXTERNAL_KINDS
FRONT_KINDS = frozenset({K.WEB_FRONTEND, K.API_GATEWAY, K.LOAD_BALANCER, K.HUMAN_USER, K.EXTERNAL_ENTITY})
STRONG_AUTH = frozenset(END_USER_AUTHENTICATION | PEER_AUTHENTICATION)
#: A flow that presents nothing: ``none``, or ``unspecified`` (a flow the model does not describe is judged as
#: unauthenticated; the gap also lowers the coverage).
NO_AUTHENTICATION = frozenset({Authentication.NONE, Authentication.UNSPECIFIED})
PEER = PEER_AUTHENTICATION
STATIC = STATIC_SECRET_AUTHENTICATION
END_USER = END_USER_AUTHENTICATION
MESHED = MESHED_MODES
SECRET_KEY_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "credential",
    "access_key",
)
READ_VERBS = frozenset(
    {
        "read",
        "get",
        "fetch",
        "list",
        "query",
        "lookup",
        "consume",
        "download",
        "validate",
        "search",
        "browse",
        "view",
        "poll",
        "load",
    }
)


def flow_evidence(f: FlowFacts, **extra: EvidenceValue) -> tuple[tuple[str, EvidenceValue], ...]:
    """The standard evidence of a flow finding plus rule-specific values."""
    flow = f.flow
    base = (
        ("source", f.source.id),
        ("target", f.target.id),
        ("protocol", flow.protocol),
        ("data", flow.data_assets),
        ("crosses_boundary", f.crosses_network),
    )
    return base + tuple(extra.items()) if extra else base
