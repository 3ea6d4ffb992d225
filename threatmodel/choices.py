"""Django ``choices`` derived from the pure vocabularies (one source of truth)."""

from __future__ import annotations

from enum import StrEnum

from django.db import models

from threatmodel import vocabulary as v


def choices(kind: type[StrEnum]) -> list[tuple[str, str]]:
    return [(m.value, m.value.replace("-", " ").capitalize()) for m in kind]


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.OWNER: 2}


class ChangeAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class DataRole(models.TextChoices):
    STORED = "stored", "Stored"
    PROCESSED = "processed", "Processed"


BUSINESS_CRITICALITY = choices(v.BusinessCriticality)
BOUNDARY_KIND = choices(v.BoundaryKind)
TRUST_LEVEL = choices(v.TrustLevel)
COMPONENT_KIND = choices(v.ComponentKind)
MESH_MODE = choices(v.MeshMode)
AUTHENTICATION = choices(v.Authentication)
AUTHORIZATION = choices(v.Authorization)
ENCRYPTION = choices(v.Encryption)
LOGGING = choices(v.Logging)
PROVENANCE = choices(v.Provenance)
CLASSIFICATION = choices(v.Classification)
RATING = choices(v.Rating)
IDENTITY_KIND = choices(v.IdentityKind)
CONTROL_STATUS = choices(v.ControlStatus)
THREAT_CATEGORY = [(value, v.THREAT_CATEGORY_LABELS[value]) for value in v.THREAT_CATEGORIES]
THREAT_STATUS = [(value, v.THREAT_STATUS_LABELS[value]) for value in v.THREAT_STATUSES]
LIKELIHOOD = choices(v.Likelihood)
IMPACT = choices(v.Impact)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"


class AuditAction(models.TextChoices):
    TEAM_CREATED = "team.created", "Team created"
    TOKEN_CREATED = "token.created", "API token created"
    TOKEN_REVOKED = "token.revoked", "API token revoked"
    MEMBERSHIP_ADDED = "membership.added", "Member added"
    MEMBERSHIP_CHANGED = "membership.changed", "Member's role changed"
    MEMBERSHIP_REMOVED = "membership.removed", "Member removed"
    INVITATION_CREATED = "invitation.created", "Invitation sent"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    INVITATION_DECLINED = "invitation.declined", "Invitation declined"
    TRIAGE_DECIDED = "triage.decided", "Triage decision"
    MODEL_DELETED = "model.deleted", "Model deleted"
