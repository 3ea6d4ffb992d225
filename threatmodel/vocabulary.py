"""The closed vocabularies of the threat-model domain.

Pure Python (no Django): the engine, the interchange readers/writers and the Django
models all draw their allowed values from here, so a value means the same thing
everywhere. Django ``choices`` are derived from these enums in ``threatmodel.choices``.
"""

from __future__ import annotations

from enum import StrEnum


class BusinessCriticality(StrEnum):
    ARCHIVE = "archive"
    OPERATIONAL = "operational"
    IMPORTANT = "important"
    CRITICAL = "critical"
    MISSION_CRITICAL = "mission-critical"


class BoundaryKind(StrEnum):
    INTERNET = "internet"
    NETWORK_ZONE = "network-zone"
    VPC = "vpc"
    CLOUD_ACCOUNT = "cloud-account"
    DATACENTER = "datacenter"
    CLUSTER = "cluster"
    NAMESPACE = "namespace"
    EXECUTION_ENVIRONMENT = "execution-environment"
    THIRD_PARTY = "third-party"


class TrustLevel(StrEnum):
    """How much the zone is trusted. Ordered: see ``TRUST_ORDER``."""

    UNTRUSTED = "untrusted"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


TRUST_ORDER: dict[str, int] = {
    TrustLevel.UNTRUSTED: 0,
    TrustLevel.LOW: 1,
    TrustLevel.MEDIUM: 2,
    TrustLevel.HIGH: 3,
}


class ComponentKind(StrEnum):
    SERVICE = "service"
    WEB_FRONTEND = "web-frontend"
    API_GATEWAY = "api-gateway"
    LOAD_BALANCER = "load-balancer"
    DATASTORE = "datastore"
    QUEUE = "queue"
    CACHE = "cache"
    SERVERLESS_FUNCTION = "serverless-function"
    EXTERNAL_ENTITY = "external-entity"
    HUMAN_USER = "human-user"
    IDENTITY_PROVIDER = "identity-provider"
    SECRET_STORE = "secret-store"
    LOGGING = "logging"
    ANALYTICS = "analytics"
    BATCH_JOB = "batch-job"


#: Kinds that hold data at rest.
STORAGE_KINDS = frozenset(
    {
        ComponentKind.DATASTORE,
        ComponentKind.CACHE,
        ComponentKind.QUEUE,
        ComponentKind.SECRET_STORE,
        ComponentKind.LOGGING,
        ComponentKind.ANALYTICS,
    }
)
#: Kinds that run our own code (workloads).
WORKLOAD_KINDS = frozenset(
    {
        ComponentKind.SERVICE,
        ComponentKind.WEB_FRONTEND,
        ComponentKind.API_GATEWAY,
        ComponentKind.SERVERLESS_FUNCTION,
        ComponentKind.BATCH_JOB,
        ComponentKind.LOAD_BALANCER,
    }
)
#: Kinds outside our control.
EXTERNAL_KINDS = frozenset({ComponentKind.EXTERNAL_ENTITY, ComponentKind.HUMAN_USER})


class MeshMode(StrEnum):
    NONE = "none"
    SIDECAR = "sidecar"
    AMBIENT = "ambient"


class Authentication(StrEnum):
    """How a caller proves who it is (for a flow), or what a component requires."""

    NONE = "none"
    API_KEY = "api-key"
    BASIC = "basic"
    SESSION = "session"
    JWT = "jwt"
    OAUTH2 = "oauth2"
    MTLS = "mtls"
    CLIENT_CERTIFICATE = "client-certificate"
    CLOUD_IAM = "cloud-iam"
    PASSWORD = "password"


#: Methods that bind a cryptographic peer (workload) identity.
PEER_AUTHENTICATION = frozenset({Authentication.MTLS, Authentication.CLIENT_CERTIFICATE, Authentication.CLOUD_IAM})
#: Methods that carry an end-user identity.
END_USER_AUTHENTICATION = frozenset({Authentication.JWT, Authentication.OAUTH2, Authentication.SESSION})
#: Long-lived shared secrets.
STATIC_SECRET_AUTHENTICATION = frozenset({Authentication.API_KEY, Authentication.BASIC, Authentication.PASSWORD})


class Authorization(StrEnum):
    NONE = "none"
    NETWORK = "network"  # network location only (IP allow-lists, NetworkPolicy)
    ROLE = "role"  # per-request role based
    ATTRIBUTE = "attribute"  # per-request attribute/policy based


class Encryption(StrEnum):
    NONE = "none"
    TLS = "tls"
    MTLS = "mtls"


class Logging(StrEnum):
    NONE = "none"
    BASIC = "basic"  # operational logs only
    AUDIT = "audit"  # security-relevant audit trail


class Provenance(StrEnum):
    DECLARED = "declared"
    OBSERVED = "observed"


class Classification(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"
    UNCLASSIFIED = "unclassified"  # hygiene: somebody still has to decide


CLASSIFICATION_ORDER: dict[str, int] = {
    Classification.UNCLASSIFIED: 0,
    Classification.PUBLIC: 0,
    Classification.INTERNAL: 1,
    Classification.CONFIDENTIAL: 2,
    Classification.RESTRICTED: 3,
}
SENSITIVE_CLASSIFICATIONS = frozenset({Classification.CONFIDENTIAL, Classification.RESTRICTED})


class Rating(StrEnum):
    """Confidentiality / integrity / availability rating of a data asset."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class IdentityKind(StrEnum):
    WORKLOAD = "workload"
    SERVICE_ACCOUNT = "service-account"
    HUMAN_ROLE = "human-role"


class GrantAction(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    ANY = "any"  # wildcard


class ControlStatus(StrEnum):
    IMPLEMENTED = "implemented"
    PLANNED = "planned"


#: Protocols whose names already say they are encrypted (a flow's ``encryption`` still rules).
ENCRYPTED_PROTOCOLS = frozenset(
    {
        "https",
        "grpcs",
        "wss",
        "ssh",
        "sftp",
        "ftps",
        "ldaps",
        "smtps",
        "imaps",
        "amqps",
        "mqtts",
        "postgresql+tls",
        "mysql+tls",
        "rediss",
        "kafka+tls",
    }
)
#: Legacy or inherently weak protocols.
LEGACY_PROTOCOLS = frozenset({"ftp", "telnet", "rsh", "rlogin", "tftp", "snmpv1", "snmpv2", "smbv1", "pop3", "imap"})
