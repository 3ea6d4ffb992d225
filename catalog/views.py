"""Pages of the catalog app: the rule catalog browser with its mappings (STRIDE, CWE, ASVS, NIST 800-207
tenet, CISA ZTMM pillar and function) and the catalog of mitigating controls.

The rules are the catalog loader's records (``catalog.packs.loader``, the only reader of the packs)."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.packs.controls import controls
from catalog.packs.loader import RuleMeta, load_rule_catalog
from threatmodel.vocabulary import SEVERITY_RANK

#: The rule fields the page filters on, and the ones its search box matches.
FACETS = ("family", "severity", "pillar", "stride", "principle")
SEARCHED = ("id", "title", "description", "cwe", "asvs")


@cache
def rule_catalog() -> tuple[RuleMeta, ...]:
    """Every built-in rule, most severe first (then by id)."""
    return tuple(sorted(load_rule_catalog().values(), key=lambda r: (SEVERITY_RANK[r.severity], r.id)))


def _matches(rule: RuleMeta, facets: dict[str, str], query: str) -> bool:
    if any(value and str(getattr(rule, name)) != value for name, value in facets.items()):
        return False
    return not query or query in " ".join(str(getattr(rule, k)) for k in SEARCHED).lower()


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    all_rules = rule_catalog()
    query = request.GET.get("q", "").strip().lower()
    facets = {name: request.GET.get(name, "") for name in FACETS}
    shown = [r for r in all_rules if _matches(r, facets, query)]
    options = {name: sorted({str(getattr(r, name)) for r in all_rules if getattr(r, name)}) for name in facets}
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
            "control_names": {c["id"]: c.get("name", c["id"]) for c in controls()},
        },
    )
