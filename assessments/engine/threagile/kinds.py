"""What the Threagile rules ask about a technology or a protocol (the v0.9 engine's groupings).

The rules test these groupings, never a technology name directly, except where Threagile itself compares one
name (``load-balancer``, ``vault``, ...); those comparisons go through ``has``.
"""

from __future__ import annotations

from threatmodel.interchange.threagile.model import CommunicationLink, TechnicalAsset

WEB_APPLICATION = frozenset(
    {"web-server", "web-application", "application-server", "erp", "cms", "identity-provider", "report-engine"}
)
WEB_SERVICE = frozenset({"web-service-rest", "web-service-soap"})
IDENTITY_RELATED = frozenset({"identity-provider", "identity-store-ldap", "identity-store-database"})
IDENTITY_STORE = frozenset({"identity-store-ldap", "identity-store-database"})
UNPROTECTED_COMMS_TOLERATED = frozenset({"monitoring", "ids", "ips"})
UNNECESSARY_DATA_TOLERATED = UNPROTECTED_COMMS_TOLERATED
CLOSE_TO_HIGH_VALUE_TARGETS_TOLERATED = frozenset({"monitoring", "ids", "ips", "load-balancer", "reverse-proxy"})
CLIENT = frozenset({"client-system", "browser", "desktop", "mobile-app", "devops-client", "iot-device"})
PROPAGATES_IDENTITY = frozenset(
    {
        "client-system", "browser", "desktop", "mobile-app", "devops-client", "web-server", "web-application",
        "application-server", "erp", "cms", "web-service-rest", "web-service-soap", "ejb", "search-engine",
        "reverse-proxy", "load-balancer", "identity-provider", "tool", "cli", "task", "function", "gateway",
        "iot-device", "message-queue", "service-mesh", "report-engine", "waf", "library",
    }
)  # fmt: skip
LESS_PROTECTED = frozenset(
    {
        "client-system", "browser", "desktop", "mobile-app", "devops-client", "web-server", "web-application",
        "application-server", "cms", "web-service-rest", "web-service-soap", "ejb", "build-pipeline",
        "sourcecode-repository", "artifact-registry", "code-inspection-platform", "monitoring", "iot-device", "ai",
        "mail-server", "scheduler", "mainframe",
    }
)  # fmt: skip
PROCESSES_END_USER_REQUESTS = frozenset(
    {"web-server", "web-application", "application-server", "erp", "web-service-rest", "web-service-soap", "ejb",
     "report-engine"}
)  # fmt: skip
STORES_END_USER_DATA = frozenset(
    {"database", "erp", "file-server", "local-file-system", "block-storage", "mail-server", "stream-processing",
     "message-queue"}
)  # fmt: skip
FRONTEND = frozenset(
    {"client-system", "browser", "desktop", "mobile-app", "devops-client", "cms", "reverse-proxy", "waf",
     "load-balancer", "gateway", "iot-device"}
)  # fmt: skip
BACKEND = frozenset(
    {
        "database", "identity-provider", "identity-store-ldap", "identity-store-database", "erp", "web-service-rest",
        "web-service-soap", "ejb", "search-index", "search-engine", "container-platform", "batch-processing",
        "event-listener", "data-lake", "big-data-platform", "message-queue", "stream-processing", "service-mesh",
        "vault", "hsm", "scheduler", "mainframe", "file-server", "block-storage",
    }
)  # fmt: skip
DEVELOPMENT_RELEVANT = frozenset(
    {"build-pipeline", "sourcecode-repository", "artifact-registry", "code-inspection-platform", "devops-client"}
)
TRAFFIC_FORWARDING = frozenset({"load-balancer", "reverse-proxy", "waf"})
EMBEDDED = frozenset({"library"})

PROCESS_LOCAL = frozenset(
    {"in-process-library-call", "local-file-access", "container-spawning", "inter-process-communication"}
)
ENCRYPTED = frozenset(
    {
        "https", "wss", "jdbc-encrypted", "odbc-encrypted", "nosql-access-protocol-encrypted",
        "sql-access-protocol-encrypted", "binary-encrypted", "text-encrypted", "ssh", "ssh-tunnel", "ftps", "sftp",
        "scp", "ldaps", "reverse-proxy-web-protocol-encrypted", "iiop-encrypted", "jrmp-encrypted", "smb-encrypted",
        "smtp-encrypted", "pop3-encrypted", "imap-encrypted",
    }
)  # fmt: skip
DATABASE_STRICT = frozenset(
    {"jdbc-encrypted", "odbc-encrypted", "nosql-access-protocol-encrypted", "sql-access-protocol-encrypted", "jdbc",
     "odbc", "nosql-access-protocol", "sql-access-protocol"}
)  # fmt: skip
DATABASE_LAX = DATABASE_STRICT | {"https", "http", "binary", "binary-encrypted"}
WEB_ACCESS = frozenset(
    {"http", "https", "ws", "wss", "reverse-proxy-web-protocol", "reverse-proxy-web-protocol-encrypted"}
)


def has(asset: TechnicalAsset, group: frozenset[str] | str) -> bool:
    """Whether any of the asset's technologies is in the group (or is the named technology)."""
    if isinstance(group, str):
        return group in asset.technologies  # membership in the tuple of names, not a substring test
    return not group.isdisjoint(asset.technologies)


def proto(link: CommunicationLink, group: frozenset[str]) -> bool:
    return link.protocol in group
