from threatmodel.models.audit import AuditEvent, Invitation
from threatmodel.models.elements import (
    Component,
    ComponentData,
    Control,
    DataAsset,
    DataFlow,
    FlowData,
    Grant,
    Identity,
    Threat,
    TrustBoundary,
)
from threatmodel.models.mesh import MeshLiveSource, MeshSource
from threatmodel.models.model import ThreatModel
from threatmodel.models.revisions import ChangeRecord, CreationLog, Revision
from threatmodel.models.team import Membership, Team
from threatmodel.models.tokens import ApiToken, TokenScope

__all__ = [
    "ApiToken",
    "AuditEvent",
    "ChangeRecord",
    "CreationLog",
    "Component",
    "ComponentData",
    "Control",
    "DataAsset",
    "DataFlow",
    "FlowData",
    "Grant",
    "Identity",
    "Invitation",
    "Membership",
    "MeshLiveSource",
    "MeshSource",
    "Revision",
    "Team",
    "Threat",
    "ThreatModel",
    "TokenScope",
    "TrustBoundary",
]
