"""Import options as a page, the API or the CLI send them: validated into ``ImportOptions`` and back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from threatmodel.interchange.kubernetes import ImportOptions
from threatmodel.interchange.mesh.linkerd import ACCESS_POLICIES
from threatmodel.invariants import Issue, ModelValidationError

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_CHOICES = {"mesh_provider": ("istio", "linkerd"), "linkerd_default_policy": ACCESS_POLICIES}


def _namespace(key: str, value: Any, issues: list[Issue]) -> Any:
    if not isinstance(value, str) or not _NAME.match(value):
        issues.append(Issue(f"options.{key}", "must be a Kubernetes namespace name"))
    return value


def _namespaces(key: str, value: Any, issues: list[Issue]) -> frozenset[str]:
    names = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and _NAME.match(n) for n in names):
        issues.append(Issue(f"options.{key}", "must be a list of namespace names"))
        return frozenset()
    return frozenset(names)


def _choice(key: str, value: Any, issues: list[Issue]) -> Any:
    if value not in _CHOICES[key]:
        issues.append(Issue(f"options.{key}", f"must be one of {', '.join(_CHOICES[key])}"))
    return value


def _text(key: str, value: Any, issues: list[Issue]) -> Any:
    if not isinstance(value, str) or not 0 < len(value) <= 253:
        issues.append(Issue(f"options.{key}", "must be a non-empty string"))
    return value


_FIELDS = {
    "default_namespace": _namespace,
    "istio_root_namespace": _namespace,
    "meshed_namespaces": _namespaces,
    "ambient_namespaces": _namespaces,
    "mesh_provider": _choice,
    "linkerd_default_policy": _choice,
    "trust_domain": _text,
    "cluster_name": _text,
}


def options_from_dict(data: Mapping[str, Any] | None) -> ImportOptions:
    """Validated ``ImportOptions``; unknown keys and bad values raise ``ModelValidationError`` at ``options.<key>``."""
    data = dict(data or {})
    issues = [Issue(f"options.{key}", "unknown option") for key in sorted(set(data) - set(_FIELDS))]
    values = {key: check(key, data[key], issues) for key, check in _FIELDS.items() if key in data}
    if issues:
        raise ModelValidationError(issues)
    return ImportOptions(**values)


def options_to_dict(options: ImportOptions) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in ImportOptions.__dataclass_fields__:
        value = getattr(options, name)
        result[name] = sorted(value) if isinstance(value, frozenset) else value
    return result
