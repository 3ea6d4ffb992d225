"""Typed field access over one parsed manifest document, with errors that name file, document and path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from threatmodel.interchange.mesh.model import IpBlock, LabelExpression, LabelSelector, SourceRef, labels_of
from threatmodel.invariants import Issue, ModelValidationError

_OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist"}


class Doc:
    """One manifest document plus where it came from."""

    __slots__ = ("body", "kind", "name", "namespace", "source")

    def __init__(self, body: Mapping[str, Any], source: SourceRef, default_namespace: str):
        self.body = body
        self.source = source
        meta = body.get("metadata") or {}
        if not isinstance(meta, Mapping):
            self.fail("metadata", "must be a mapping")
        self.kind = str(body.get("kind") or "")
        self.name = str(meta.get("name") or "")
        self.namespace = str(meta.get("namespace") or default_namespace)

    def fail(self, path: str, message: str) -> NoReturn:
        where = f"{self.source}"
        if self.kind:
            where += f" ({self.kind} {self.name})" if self.name else f" ({self.kind})"
        raise ModelValidationError([Issue(f"{where}: {path}" if path else where, message)])

    @property
    def meta(self) -> Mapping[str, Any]:
        value = self.body.get("metadata") or {}
        return value if isinstance(value, Mapping) else {}

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.mapping(self.body, "spec")

    def mapping(self, parent: Mapping[str, Any], key: str, path: str = "") -> Mapping[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(_join(path or _default_path(key), ""), "must be a mapping")
        return value

    def items(self, parent: Mapping[str, Any], key: str, path: str = "") -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path or _default_path(key), "must be a list")
        return value

    def strings(self, parent: Mapping[str, Any], key: str, path: str = "") -> tuple[str, ...]:
        values = self.items(parent, key, path)
        for index, value in enumerate(values):
            if not isinstance(value, str | int):
                self.fail(f"{path or key}[{index}]", "must be a string")
        return tuple(str(v) for v in values)

    def entry(self, value: Any, path: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, "must be a mapping")
        return value

    def selector(self, value: Any, path: str) -> LabelSelector:
        body = self.entry(value, path)
        match = body.get("matchLabels")
        if match is not None and not isinstance(match, Mapping):
            self.fail(f"{path}.matchLabels", "must be a mapping")
        expressions = []
        for index, raw in enumerate(self.items(body, "matchExpressions", f"{path}.matchExpressions")):
            item = self.entry(raw, f"{path}.matchExpressions[{index}]")
            operator = str(item.get("operator") or "")
            if operator not in _OPERATORS:
                self.fail(f"{path}.matchExpressions[{index}].operator", f"unknown operator {operator!r}")
            values = self.strings(item, "values", f"{path}.matchExpressions[{index}].values")
            expressions.append(LabelExpression(str(item.get("key") or ""), operator, values))
        return LabelSelector(labels_of(match), tuple(expressions))

    def optional_selector(self, parent: Mapping[str, Any], key: str, path: str) -> LabelSelector | None:
        if parent.get(key) is None:
            return None
        return self.selector(parent.get(key), path)

    def ip_block(self, value: Any, path: str) -> IpBlock:
        body = self.entry(value, path)
        cidr = body.get("cidr")
        if not isinstance(cidr, str) or not cidr:
            self.fail(f"{path}.cidr", "is required")
        return IpBlock(str(cidr), self.strings(body, "except", f"{path}.except"))

    def port(self, value: Any, path: str) -> int | str:
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(path, "must be a port number or name")
        port: int | str = int(value) if isinstance(value, str) and value.isdigit() else value
        if isinstance(port, int) and not 0 < port < 65536:
            self.fail(path, f"port {port} is out of range")
        return port


def _default_path(key: str) -> str:
    return f"spec.{key}" if key not in ("metadata", "spec") else key


def _join(a: str, b: str) -> str:
    return f"{a}.{b}" if a and b else a or b
