"""Threagile's closed value sets, in Threagile's own order.

The position of a value in its tuple is the integer Threagile writes for it (v0.9 ``technical-assets.json``) and
the order the rules compare with (``confidential`` >= ``restricted``). Models may spell a value as its string, as
its integer, or in the pre-1.0 spelling listed in ``OLD_SPELLINGS``.
"""

from __future__ import annotations

QUANTITY = ("very-few", "few", "many", "very-many")
CONFIDENTIALITY = ("public", "internal", "restricted", "confidential", "strictly-confidential")
CRITICALITY = ("archive", "operational", "important", "critical", "mission-critical")
ASSET_TYPE = ("external-entity", "process", "datastore")
ASSET_SIZE = ("system", "service", "application", "component")
AUTHORIZATION = ("none", "technical-user", "end-user-identity-propagation")
AUTHENTICATION = ("none", "credentials", "session-id", "token", "client-certificate", "two-factor", "externalized")
USAGE = ("business", "devops")
ENCRYPTION = (
    "none",
    "transparent",
    "data-with-symmetric-shared-key",
    "data-with-asymmetric-shared-key",
    "data-with-end-user-individual-key",
)
DATA_FORMAT = ("json", "xml", "serialization", "file", "csv", "yaml")
MACHINE = ("physical", "virtual", "container", "serverless")
BOUNDARY_TYPE = (
    "network-on-prem",
    "network-dedicated-hoster",
    "network-virtual-lan",
    "network-cloud-provider",
    "network-cloud-security-group",
    "network-policy-namespace-isolation",
    "execution-environment",
)
PROTOCOL = (
    "unknown-protocol",
    "http",
    "https",
    "ws",
    "wss",
    "reverse-proxy-web-protocol",
    "reverse-proxy-web-protocol-encrypted",
    "mqtt",
    "jdbc",
    "jdbc-encrypted",
    "odbc",
    "odbc-encrypted",
    "sql-access-protocol",
    "sql-access-protocol-encrypted",
    "nosql-access-protocol",
    "nosql-access-protocol-encrypted",
    "binary",
    "binary-encrypted",
    "text",
    "text-encrypted",
    "ssh",
    "ssh-tunnel",
    "smtp",
    "smtp-encrypted",
    "pop3",
    "pop3-encrypted",
    "imap",
    "imap-encrypted",
    "ftp",
    "ftps",
    "sftp",
    "scp",
    "ldap",
    "ldaps",
    "jms",
    "nfs",
    "smb",
    "smb-encrypted",
    "local-file-access",
    "nrpe",
    "xmpp",
    "iiop",
    "iiop-encrypted",
    "jrmp",
    "jrmp-encrypted",
    "in-process-library-call",
    "container-spawning",
    "inter-process-communication",
)
TECHNOLOGY = (
    "unknown-technology",
    "client-system",
    "browser",
    "desktop",
    "mobile-app",
    "devops-client",
    "web-server",
    "web-application",
    "application-server",
    "database",
    "file-server",
    "local-file-system",
    "erp",
    "cms",
    "web-service-rest",
    "web-service-soap",
    "ejb",
    "search-index",
    "search-engine",
    "service-registry",
    "reverse-proxy",
    "load-balancer",
    "build-pipeline",
    "sourcecode-repository",
    "artifact-registry",
    "code-inspection-platform",
    "monitoring",
    "ldap-server",
    "container-platform",
    "batch-processing",
    "event-listener",
    "identity-provider",
    "identity-store-ldap",
    "identity-store-database",
    "tool",
    "cli",
    "task",
    "function",
    "gateway",
    "iot-device",
    "message-queue",
    "stream-processing",
    "service-mesh",
    "data-lake",
    "big-data-platform",
    "report-engine",
    "ai",
    "mail-server",
    "vault",
    "hsm",
    "waf",
    "ids",
    "ips",
    "scheduler",
    "mainframe",
    "block-storage",
    "library",
)
RISK_STATUS = ("unchecked", "in-discussion", "accepted", "in-progress", "mitigated", "false-positive")
SEVERITY = ("low", "medium", "elevated", "high", "critical")
LIKELIHOOD = ("unlikely", "likely", "very-likely", "frequent")
IMPACT = ("low", "medium", "high", "very-high")
DATA_BREACH_PROBABILITY = ("improbable", "possible", "probable")
RISK_FUNCTION = ("business-side", "architecture", "development", "operations")
STRIDE = (
    "spoofing",
    "tampering",
    "repudiation",
    "information-disclosure",
    "denial-of-service",
    "elevation-of-privilege",
)
EDGE_LAYOUT = ("spline", "polyline", "ortho", "curved", "false", "")

#: Spellings of the 2020-era models (v0.9) that 1.0 renamed, mapped to the current spelling.
OLD_SPELLINGS: dict[str, str] = {
    "enduser-identity-propagation": "end-user-identity-propagation",
    "data-with-enduser-individual-key": "data-with-end-user-individual-key",
}
#: Aliases Threagile 1.0 accepts for technologies (its ``technologies.yaml`` catalogue), by alias.
TECHNOLOGY_ALIASES: dict[str, str] = {
    "app-server": "application-server",
    "artificial-intelligence": "ai",
    "big-data": "big-data-platform",
    "ci": "build-pipeline",
    "client": "client-system",
    "code-analysis": "code-inspection-platform",
    "code-inspection": "code-inspection-platform",
    "command-line": "cli",
    "command-line-interface": "cli",
    "command-line-tool": "cli",
    "container": "container-platform",
    "content-management-system": "cms",
    "continuous-integration": "build-pipeline",
    "cron": "scheduler",
    "db": "database",
    "deep-learning": "ai",
    "desktop-system": "desktop",
    "dl": "ai",
    "docker": "container-platform",
    "email-server": "mail-server",
    "enterprise-java-beans": "ejb",
    "enterprise-resource-planning": "erp",
    "file-storage": "file-server",
    "git": "sourcecode-repository",
    "hardware-security-module": "hsm",
    "hashicorp-vault": "vault",
    "identity-store": "identity-store-database",
    "idp": "identity-provider",
    "intrusion-detection-system": "ids",
    "intrusion-prevention-system": "ips",
    "iot": "iot-device",
    "job": "task",
    "kubernetes": "container-platform",
    "lb": "load-balancer",
    "ldap": "ldap-server",
    "local-storage": "local-file-system",
    "machine-learning": "ai",
    "ml": "ai",
    "mq": "message-queue",
    "neural-network": "ai",
    "reporting": "report-engine",
    "rest-api": "web-service-rest",
    "san": "block-storage",
    "service-discovery": "service-registry",
    "siem": "monitoring",
    "soap-api": "web-service-soap",
    "unknown": "unknown-technology",
    "utility": "tool",
    "web-app": "web-application",
    "web-application-firewall": "waf",
    "web-browser": "browser",
}


#: The pre-1.0 spelling of each renamed value (what a v0.9-shaped output writes).
V09_SPELLING: dict[str, str] = {new: old for old, new in OLD_SPELLINGS.items()}

#: Outputs in the v0.9 shape (``technical-assets.json`` with integers) only know the v0.9 values.
V09_PROTOCOL_COUNT = PROTOCOL.index("container-spawning") + 1
V09_DATA_FORMAT_COUNT = DATA_FORMAT.index("csv") + 1

SEVERITY_WEIGHT_LIMITS = ((1, "low"), (3, "medium"), (8, "elevated"), (12, "high"))


def _band(product: int) -> int:
    for limit, name in SEVERITY_WEIGHT_LIMITS:
        if product <= limit:
            return SEVERITY.index(name)
    return SEVERITY.index("critical")


#: Threagile's matrix: the product of the 1-based weights of likelihood and impact, banded into 5 levels.
_SEVERITY_TABLE = tuple(tuple(_band((lk + 1) * (im + 1)) for im in range(len(IMPACT))) for lk in range(len(LIKELIHOOD)))


def severity_of(likelihood: int, impact: int) -> int:
    return _SEVERITY_TABLE[likelihood][impact]
