from threatmodel.models.elements import (
    Component,
    ComponentData,
    Control,
    DataAsset,
    DataFlow,
    FlowData,
    Grant,
    Identity,
    TrustBoundary,
)
from threatmodel.models.mesh import MeshLiveSource, MeshSource
from threatmodel.models.model import ThreatModel
from threatmodel.models.revisions import ChangeRecord, Revision
from threatmodel.models.team import Membership, Team
from threatmodel.models.tokens import ApiToken, TokenScope

__all__ = [
    "ApiToken",
    "ChangeRecord",
    "Component",
    "ComponentData",
    "Control",
    "DataAsset",
    "DataFlow",
    "FlowData",
    "Grant",
    "Identity",
    "Membership",
    "MeshLiveSource",
    "MeshSource",
    "Revision",
    "Team",
    "ThreatModel",
    "TokenScope",
    "TrustBoundary",
]
