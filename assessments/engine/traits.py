"""The trait bits of a flow (``FlowFacts.traits``): structural bits and protection bits (graph.py computes them).

Both kinds of bits are pre-filters of flow rules (``registry.rule``): structural bits say when a rule cannot
apply, protection bits when it cannot fire. They only save calls; tests/engine/test_prefilters.py checks every
rule agrees with its filters.
"""

from __future__ import annotations

from threatmodel.domain import DataFlow
from threatmodel.vocabulary import (
    LEGACY_PROTOCOLS,
    PEER_AUTHENTICATION,
    STATIC_SECRET_AUTHENTICATION,
    Authentication,
    Authorization,
    Encryption,
    Provenance,
)

# Structural traits of a flow, the bits of ``FlowFacts.traits``. A flow rule may declare the traits it needs
# (``registry.rule(requires=..., excludes=..., any_of=...)``): the evaluator then skips calls that could only
# answer "not applicable" (the rule still checks for itself; tests/engine/test_prefilters.py checks they agree).
CROSSES_NETWORK = 1
CARRIES_SENSITIVE = 2  # confidential or restricted data
CARRIES_CREDENTIALS = 4
CARRIES_RESTRICTED = 8
SOURCE_EXTERNAL = 16
TARGET_EXTERNAL = 32
SOURCE_MESHED = 64
TARGET_MESHED = 128
SOURCE_IN_UNTRUSTED_BOUNDARY = 256  # the source sits in a boundary of trust "untrusted"
# the target authorises per request (role or attribute): not structure, but a target attribute that a flow rule's
# applicability already reads (zt.identity-not-propagated); the facts of a component's flows are rebuilt when it
# changes, so the bit never goes stale
TARGET_PER_REQUEST_AUTHZ = 524288
#: Every structural (applicability) bit.
STRUCTURAL_TRAITS = 511 | TARGET_PER_REQUEST_AUTHZ
#: Authorization values that decide per request.
PER_REQUEST_AUTHORIZATION = frozenset({Authorization.ROLE, Authorization.ATTRIBUTE})

# Protection traits of a flow, also bits of ``FlowFacts.traits``: what the flow states (or is judged to have).
# They never decide whether a rule applies (applicability is structural, registry.py); a flow rule may declare
# the ones it needs to *fire* (``registry.rule(fire_requires=..., fire_excludes=..., fire_any_of=...)``): the
# evaluator then counts the rule as applied and passed without calling it when a flow lacks them
# (tests/engine/test_prefilters.py checks that the rule itself would answer "passed").
PLAINTEXT = 512  # judged encryption none
TLS_ENCRYPTED = 1024  # judged encryption tls
MTLS_ENCRYPTED = 2048  # judged encryption mtls
NO_AUTH = 4096  # authentication none or unspecified (judged as none)
STATIC_AUTH = 8192  # a long-lived shared secret (STATIC_SECRET_AUTHENTICATION)
PEER_AUTH = 16384  # PEER_AUTHENTICATION
LEGACY_PROTOCOL = 32768  # a protocol in LEGACY_PROTOCOLS (any case)
OBSERVED = 65536  # provenance observed
NO_DATA = 131072  # carries no data asset
LOCATION_AUTHZ = 262144  # judged authorization none or network (authorised by location at best)

_ENCRYPTION_TRAITS = {Encryption.NONE: PLAINTEXT, Encryption.TLS: TLS_ENCRYPTED, Encryption.MTLS: MTLS_ENCRYPTED}
_AUTHENTICATION_TRAITS = {
    auth: (NO_AUTH if auth in (Authentication.NONE, Authentication.UNSPECIFIED) else 0)
    | (STATIC_AUTH if auth in STATIC_SECRET_AUTHENTICATION else 0)
    | (PEER_AUTH if auth in PEER_AUTHENTICATION else 0)
    for auth in Authentication
}
_AUTHORIZATION_TRAITS = {
    authz: LOCATION_AUTHZ if authz in (Authorization.NONE, Authorization.NETWORK) else 0 for authz in Authorization
}


def protection_traits(flow: DataFlow, encryption: Encryption, authorization: Authorization) -> int:
    """The protection bits of a flow with this judged encryption and authorization."""
    traits = (
        _ENCRYPTION_TRAITS.get(encryption, 0)
        | _AUTHENTICATION_TRAITS[flow.authentication]
        | _AUTHORIZATION_TRAITS[authorization]
    )
    if flow.protocol.lower() in LEGACY_PROTOCOLS:
        traits |= LEGACY_PROTOCOL
    if flow.provenance is Provenance.OBSERVED:
        traits |= OBSERVED
    if not flow.data_assets:
        traits |= NO_DATA
    return traits
