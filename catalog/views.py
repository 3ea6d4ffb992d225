"""Pages of the catalog app: the rule catalog browser with its mappings (STRIDE, CWE, ASVS, NIST 800-207
tenet, CISA ZTMM pillar and function) and the catalog of mitigating controls."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.packs.controls import controls

RULES_DIR = Path(__file__).resolve().parent / "packs" / "rules"
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


@cache
def rule_catalog() -> tuple[dict[str, Any], ...]:
    """Every built-in rule of the catalog packs, most severe first."""
    try:  # the engine's loader when it is there (validated packs) ...
        from catalog.packs import rules as loader  # type: ignore[attr-defined]

        loaded = getattr(loader, "catalog_rules", None) or getattr(loader, "load_rules", None)
        if callable(loaded):
            items = [dict(r) if isinstance(r, dict) else dict(vars(r)) for r in loaded()]
            if items:
                return tuple(sorted(items, key=lambda r: (SEVERITY_RANK.get(r.get("severity", ""), 9), r["id"])))
    except Exception:  # noqa: S110 - fall back to reading the packs directly
        pass
    items = []
    for path in sorted(RULES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in data.get("rules") or []:
            items.append({**rule, "family": rule.get("family") or data.get("family", path.stem), "pack": path.stem})
    return tuple(sorted(items, key=lambda r: (SEVERITY_RANK.get(r.get("severity", ""), 9), r["id"])))


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    all_rules = rule_catalog()
    q = request.GET.get("q", "").strip().lower()
    facets = {name: request.GET.get(name, "") for name in ("family", "severity", "pillar", "stride", "principle")}
    shown = [
        r
        for r in all_rules
        if all(not value or str(r.get(name, "")) == value for name, value in facets.items())
        and (not q or q in " ".join(str(r.get(k, "")) for k in ("id", "title", "description", "cwe", "asvs")).lower())
    ]
    options = {name: sorted({str(r.get(name, "")) for r in all_rules if r.get(name)}) for name in facets}
    control_names = {c["id"]: c.get("name", c["id"]) for c in controls()}
    return render(
        request,
        "catalog/rules.html",
        {
            "rules": shown,
            "total": len(all_rules),
            "q": request.GET.get("q", ""),
            "facets": facets,
            "options": options,
            "controls": controls(),
            "control_names": control_names,
        },
    )
