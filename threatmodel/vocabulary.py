"""The closed vocabularies of the threat-model domain and of its assessment.

Pure Python (no Django): the engine, the interchange readers/writers, the rule packs, the report writers and
the Django models all draw their allowed values from here, so a value means the same thing everywhere. Django
``choices`` are derived from these enums in ``threatmodel.choices`` and ``assessments.choices``.
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
    """How much the zone is trusted. Ordered: see ``TRUST_ORDER``.

    ``unspecified`` (the default): the model does not say; the engine judges it from the boundary's kind
    (``judged_trust``) and the gap lowers the coverage (docs/scoring.md, "Unspecified values")."""

    UNSPECIFIED = "unspecified"
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
#: Trust an unspecified boundary is judged to have, by kind (zones outside our control are not trusted; any
#: other zone gets the middle rank, the former default). Kinds not listed: ``TrustLevel.MEDIUM``.
UNSPECIFIED_TRUST_BY_KIND: dict[str, TrustLevel] = {
    BoundaryKind.INTERNET: TrustLevel.UNTRUSTED,
    BoundaryKind.THIRD_PARTY: TrustLevel.LOW,
}


def judged_trust(trust_level: TrustLevel, kind: BoundaryKind) -> TrustLevel:
    """The trust level the engine judges a boundary to have: the stated one, or the one its kind implies."""
    if trust_level is TrustLevel.UNSPECIFIED:
        return UNSPECIFIED_TRUST_BY_KIND.get(kind, TrustLevel.MEDIUM)
    return trust_level


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
    """How a caller proves who it is (for a flow), or what a component requires.

    ``unspecified`` (the default of components and flows): the model does not say. A flow is then judged as
    unauthenticated (``none``, the attacker-favourable reading); a component requires what its inbound flows
    present (docs/scoring.md, "Unspecified values"). Either way the gap lowers the model's coverage."""

    UNSPECIFIED = "unspecified"
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
    """How a request is authorised. ``unspecified`` (a flow's default): judged as ``none``; lowers coverage."""

    UNSPECIFIED = "unspecified"
    NONE = "none"
    NETWORK = "network"  # network location only (IP allow-lists, NetworkPolicy)
    ROLE = "role"  # per-request role based
    ATTRIBUTE = "attribute"  # per-request attribute/policy based


class Encryption(StrEnum):
    """Transport protection of a flow. ``unspecified`` (the default): judged from the protocol (``judged_encryption``);
    lowers coverage."""

    UNSPECIFIED = "unspecified"
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
    """Sensitivity of a data asset. ``unclassified`` (the default, the vocabulary's "unspecified"): somebody still
    has to decide; it is judged as ``internal`` (rank 1), raises ``hyg.unclassified-data`` and lowers coverage."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"
    UNCLASSIFIED = "unclassified"


CLASSIFICATION_ORDER: dict[str, int] = {
    Classification.UNCLASSIFIED: 1,
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


def judged_encryption(encryption: Encryption, protocol: str) -> Encryption:
    """The encryption the engine judges a flow to have: the stated one; when unspecified, the weakest the protocol
    allows (``tls`` for a protocol whose name says it is encrypted, such as https, otherwise ``none``)."""
    if encryption is Encryption.UNSPECIFIED:
        return Encryption.TLS if protocol.lower() in ENCRYPTED_PROTOCOLS else Encryption.NONE
    return encryption


def judged_authorization(authorization: Authorization) -> Authorization:
    """The authorization the engine judges a flow to have: the stated one, ``none`` when unspecified."""
    return Authorization.NONE if authorization is Authorization.UNSPECIFIED else authorization


#: Legacy or inherently weak protocols.
LEGACY_PROTOCOLS = frozenset({"ftp", "telnet", "rsh", "rlogin", "tftp", "snmpv1", "snmpv2", "smbv1", "pop3", "imap"})


# -- the assessment vocabulary -----------------------------------------------------------------------------------
# Declared here, on the lowest floor, because every layer needs it and may import only downwards: the engine and
# the report writers (assessments), the rule-pack schema (catalog.packs: the pure core only), and the editor of
# this app, which shows findings (threatmodel never imports assessments). Django choices (assessments.choices),
# serializers, the JSON Schemas (docs/schema/) and the editor's page vocabulary derive from these declarations;
# tests/foundation/test_vocabulary_agreement.py fails when a copy disagrees.


class Severity(StrEnum):
    """Severity of a finding or of a rule's base rating, most severe first (the declaration order)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


#: Severities, most severe first; ``SEVERITY_RANK`` orders findings (0 = most severe).
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}
SEVERITY_LABELS: dict[str, str] = {s.value: s.value.capitalize() for s in Severity}


class Likelihood(StrEnum):
    """Likelihood scale of a finding (Threagile style), least likely first (weights 1..4)."""

    UNLIKELY = "unlikely"
    LIKELY = "likely"
    VERY_LIKELY = "very-likely"
    FREQUENT = "frequent"


class Impact(StrEnum):
    """Impact scale of a finding, lowest first (weights 1..4)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very-high"


LIKELIHOODS: tuple[str, ...] = tuple(s.value for s in Likelihood)
IMPACTS: tuple[str, ...] = tuple(s.value for s in Impact)


def severity_of(likelihood: int, impact: int) -> str:
    """Severity from likelihood and impact indexes (0..3): product of the 1..4 weights.

    ======  ==========
    score   severity
    ======  ==========
    1       info
    2       low
    3-4     medium
    6-9     high
    12-16   critical
    ======  ==========
    """
    product = (likelihood + 1) * (impact + 1)
    if product >= 12:
        return "critical"
    if product >= 6:
        return "high"
    if product >= 3:
        return "medium"
    if product == 2:
        return "low"
    return "info"


def rated_severity(likelihood: str, impact: str) -> str:
    """Severity of a likelihood and an impact given by name (a manual threat's rating)."""
    return severity_of(LIKELIHOODS.index(likelihood), IMPACTS.index(impact))


class Principle(StrEnum):
    """The six principles of the posture score (one score entry each)."""

    ZERO_TRUST = "zero-trust"
    LEAST_PRIVILEGE = "least-privilege"
    ENCRYPTION = "encryption"
    SEGMENTATION = "segmentation"
    DATA_PROTECTION = "data-protection"
    VISIBILITY = "visibility"


#: Principle -> display name, in score order.
PRINCIPLES: dict[str, str] = {
    Principle.ZERO_TRUST.value: "Zero trust",
    Principle.LEAST_PRIVILEGE.value: "Least privilege",
    Principle.ENCRYPTION.value: "Encryption and secrets",
    Principle.SEGMENTATION.value: "Segmentation and exposure",
    Principle.DATA_PROTECTION.value: "Data protection",
    Principle.VISIBILITY.value: "Visibility",
}


class Pillar(StrEnum):
    """CISA Zero Trust Maturity Model v2.0: five pillars and three cross-cutting capabilities."""

    IDENTITY = "identity"
    DEVICES = "devices"
    NETWORKS = "networks"
    APPLICATIONS_AND_WORKLOADS = "applications-and-workloads"
    DATA = "data"
    VISIBILITY_AND_ANALYTICS = "visibility-and-analytics"
    AUTOMATION_AND_ORCHESTRATION = "automation-and-orchestration"
    GOVERNANCE = "governance"


#: ZTMM pillar -> display name, in score order.
PILLARS: dict[str, str] = {
    Pillar.IDENTITY.value: "Identity",
    Pillar.DEVICES.value: "Devices",
    Pillar.NETWORKS.value: "Networks",
    Pillar.APPLICATIONS_AND_WORKLOADS.value: "Applications & Workloads",
    Pillar.DATA.value: "Data",
    Pillar.VISIBILITY_AND_ANALYTICS.value: "Visibility & Analytics",
    Pillar.AUTOMATION_AND_ORCHESTRATION.value: "Automation & Orchestration",
    Pillar.GOVERNANCE.value: "Governance",
}


class MaturityStage(StrEnum):
    """ZTMM maturity stages, least mature first; ``not-assessed`` when the model states too little to judge."""

    NOT_ASSESSED = "not-assessed"
    TRADITIONAL = "traditional"
    INITIAL = "initial"
    ADVANCED = "advanced"
    OPTIMAL = "optimal"


MATURITY_STAGES: tuple[str, ...] = tuple(s.value for s in MaturityStage)
STAGE_LABELS: dict[str, str] = {s.value: s.value.replace("-", " ").capitalize() for s in MaturityStage}
#: Letter grades of the posture score, best first, and the ZTMM stage each one means (thresholds: scoring.py).
GRADES: tuple[str, ...] = ("A", "B", "C", "D", "F")
GRADE_STAGE: dict[str, str] = {
    "A": MaturityStage.OPTIMAL.value,
    "B": MaturityStage.ADVANCED.value,
    "C": MaturityStage.INITIAL.value,
    "D": MaturityStage.INITIAL.value,
    "F": MaturityStage.TRADITIONAL.value,
}


class Stride(StrEnum):
    """STRIDE threat category of a rule."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information-disclosure"
    DENIAL_OF_SERVICE = "denial-of-service"
    ELEVATION_OF_PRIVILEGE = "elevation-of-privilege"


STRIDE_CATEGORIES: tuple[str, ...] = tuple(s.value for s in Stride)
STRIDE_LABELS: dict[str, str] = {s.value: s.value.replace("-", " ").capitalize() for s in Stride}


class ThreatCategory(StrEnum):
    """Category of a manual threat: a STRIDE category, or a LINDDUN (privacy) one (``THREAT_CATEGORY_FAMILY``)."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information-disclosure"
    DENIAL_OF_SERVICE = "denial-of-service"
    ELEVATION_OF_PRIVILEGE = "elevation-of-privilege"
    LINKING = "linking"
    IDENTIFYING = "identifying"
    NON_REPUDIATION = "non-repudiation"
    DETECTING = "detecting"
    DATA_DISCLOSURE = "data-disclosure"
    UNAWARENESS = "unawareness"
    NON_COMPLIANCE = "non-compliance"


THREAT_CATEGORIES: tuple[str, ...] = tuple(c.value for c in ThreatCategory)
#: Category -> the method it belongs to ("stride" or "linddun"); the STRIDE ones are exactly ``Stride``.
THREAT_CATEGORY_FAMILY: dict[str, str] = {
    c.value: ("stride" if c.value in STRIDE_CATEGORIES else "linddun") for c in ThreatCategory
}
THREAT_CATEGORY_LABELS: dict[str, str] = {
    c.value: ("LINDDUN: " if THREAT_CATEGORY_FAMILY[c.value] == "linddun" else "")
    + c.value.replace("-", " ").capitalize()
    for c in ThreatCategory
}


class ThreatStatus(StrEnum):
    """Status of a manual threat. ``open`` and ``accepted`` threats are findings that cost score, ``mitigated``
    ones are listed but cost nothing, ``false-positive`` and ``not-applicable`` ones are no findings at all
    (docs/scoring.md, "Manual threats")."""

    OPEN = "open"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    FALSE_POSITIVE = "false-positive"
    NOT_APPLICABLE = "not-applicable"


THREAT_STATUSES: tuple[str, ...] = tuple(s.value for s in ThreatStatus)
THREAT_STATUS_LABELS: dict[str, str] = {
    ThreatStatus.OPEN.value: "Open",
    ThreatStatus.MITIGATED.value: "Mitigated",
    ThreatStatus.ACCEPTED.value: "Accepted",
    ThreatStatus.FALSE_POSITIVE.value: "False positive",
    ThreatStatus.NOT_APPLICABLE.value: "Not applicable",
}
#: Rule id of the findings made from manual threats (``manual.threat@<threat id>``).
MANUAL_THREAT_RULE = "manual.threat"


class FindingStatus(StrEnum):
    """Triage status a team records for a finding fingerprint."""

    OPEN = "open"
    ACCEPTED = "accepted"
    MITIGATED = "mitigated"
    FALSE_POSITIVE = "false_positive"


FINDING_STATUS_LABELS: dict[str, str] = {
    FindingStatus.OPEN.value: "Open",
    FindingStatus.ACCEPTED.value: "Accepted risk",
    FindingStatus.MITIGATED.value: "Mitigated",
    FindingStatus.FALSE_POSITIVE.value: "False positive",
}


class ReportFormat(StrEnum):
    """File formats a report can be rendered in."""

    PDF = "pdf"
    HTML = "html"
    SARIF = "sarif"
    CSV = "csv"
    JSON = "json"
    TEXT = "text"


REPORT_FORMAT_LABELS: dict[str, str] = {
    ReportFormat.PDF.value: "PDF",
    ReportFormat.HTML.value: "HTML",
    ReportFormat.SARIF.value: "SARIF 2.1.0",
    ReportFormat.CSV.value: "CSV",
    ReportFormat.JSON.value: "JSON",
    ReportFormat.TEXT.value: "Text",
}


class RuleScope(StrEnum):
    """What one check of a rule looks at: one element of a kind, or the whole model."""

    COMPONENT = "component"
    FLOW = "flow"
    GRANT = "grant"
    IDENTITY = "identity"
    DATA_ASSET = "data_asset"
    BOUNDARY = "boundary"
    MODEL = "model"


#: Rule scopes in evaluation order.
RULE_SCOPES: tuple[str, ...] = tuple(s.value for s in RuleScope)


class CustomRuleKind(StrEnum):
    """Element kinds a team's custom rule can target; each is also the engine scope it runs in."""

    COMPONENT = "component"
    FLOW = "flow"
    DATA_ASSET = "data_asset"
    IDENTITY = "identity"
    GRANT = "grant"
    BOUNDARY = "boundary"


CUSTOM_RULE_KIND_LABELS: dict[str, str] = {
    CustomRuleKind.COMPONENT.value: "Component",
    CustomRuleKind.FLOW.value: "Data flow",
    CustomRuleKind.DATA_ASSET.value: "Data asset",
    CustomRuleKind.IDENTITY.value: "Identity",
    CustomRuleKind.GRANT.value: "Grant",
    CustomRuleKind.BOUNDARY.value: "Trust boundary",
}
#: A custom rule's own id (its findings use ``custom.<id>``): the API, the database column and the engine agree.
CUSTOM_RULE_ID_MAX_LENGTH = 96
CUSTOM_RULE_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{CUSTOM_RULE_ID_MAX_LENGTH - 1}}}$"
#: Longest CEL expression a custom rule may have.
CUSTOM_RULE_EXPRESSION_MAX_LENGTH = 2000
