"""The starting points offered by "New model": native model files in this directory, plus the demo (pure).

A template is an ordinary model file; creating a model from one reads it exactly as an import would.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from catalog.packs.controls import control_ids
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model

HERE = Path(__file__).resolve().parent
DEMO_FILE = HERE.parent / "demo" / "online-shop.yaml"


@dataclass(frozen=True)
class ModelTemplate:
    slug: str
    title: str
    summary: str
    path: Path

    def snapshot(self) -> Snapshot:
        return _read(self.path)


TEMPLATES: tuple[ModelTemplate, ...] = (
    ModelTemplate(
        "three-tier-web-app",
        "Three-tier web application",
        "CDN, load balancer, web tier, application tier, relational database and a session cache.",
        HERE / "three-tier-web-app.yaml",
    ),
    ModelTemplate(
        "kubernetes-microservices",
        "Kubernetes microservices",
        "An API gateway in front of services in namespaces on a service mesh, a broker and per-service databases.",
        HERE / "kubernetes-microservices.yaml",
    ),
    ModelTemplate(
        "serverless-api",
        "Serverless API",
        "API gateway, functions with their own roles, a NoSQL table, object storage and a queue.",
        HERE / "serverless-api.yaml",
    ),
    ModelTemplate(
        "online-shop-demo",
        "Demo: Boutique online shop",
        "The demo e-commerce platform on EKS with an Istio mesh, deliberate weaknesses included.",
        DEMO_FILE,
    ),
)
TEMPLATE_BY_SLUG = {t.slug: t for t in TEMPLATES}


@cache
def _read(path: Path) -> Snapshot:
    return read_model(path.read_bytes(), path.name, known_controls=control_ids())
