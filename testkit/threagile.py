"""Threagile models for tests and benchmarks: the example model and disconnected copies of it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from threatmodel.interchange.threagile.model import ThreagileModel
from threatmodel.interchange.threagile.reader import link_id, read_threagile_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_MODEL = ROOT / "tests" / "data" / "threagile" / "v1-oracle" / "example" / "threagile-example-model.yaml"


def example_model() -> ThreagileModel:
    return read_threagile_file(EXAMPLE_MODEL)


def scaled(model: ThreagileModel, copies: int) -> ThreagileModel:
    """``copies`` disconnected copies of the model in one model (copy 0 keeps the ids, copy n suffixes "-cn" to
    every id and " cn" to every title). Custom risk categories are dropped; risk tracking is kept, so wildcard
    entries cover every copy and exact ones copy 0. This is how the Threagile timings in
    ``benchmarks/NOTES.md`` were made (x4 gives Threagile's 325 risks, x128 its 10,369)."""
    data, assets, boundaries, runtimes = [], [], [], []
    for n in range(copies):
        sfx, tsfx = (f"-c{n}", f" c{n}") if n else ("", "")

        def ref(value: str, sfx: str = sfx) -> str:
            return value + sfx

        def refs(values: tuple[str, ...], sfx: str = sfx) -> tuple[str, ...]:
            return tuple(v + sfx for v in values)

        data += [replace(d, id=ref(d.id), title=d.title + tsfx) for d in model.data_assets]
        for a in model.technical_assets:
            links = tuple(
                replace(
                    link,
                    id=link_id(ref(a.id), link.title),
                    source_id=ref(link.source_id),
                    target_id=ref(link.target_id),
                    data_assets_sent=refs(link.data_assets_sent),
                    data_assets_received=refs(link.data_assets_received),
                )
                for link in a.communication_links
            )
            assets.append(
                replace(
                    a,
                    id=ref(a.id),
                    title=a.title + tsfx,
                    data_assets_processed=refs(a.data_assets_processed),
                    data_assets_stored=refs(a.data_assets_stored),
                    communication_links=links,
                )
            )
        boundaries += [
            replace(
                b,
                id=ref(b.id),
                title=b.title + tsfx,
                technical_assets_inside=refs(b.technical_assets_inside),
                trust_boundaries_nested=refs(b.trust_boundaries_nested),
            )
            for b in model.trust_boundaries
        ]
        runtimes += [
            replace(r, id=ref(r.id), title=r.title + tsfx, technical_assets_running=refs(r.technical_assets_running))
            for r in model.shared_runtimes
        ]
    return replace(
        model,
        data_assets=tuple(data),
        technical_assets=tuple(assets),
        trust_boundaries=tuple(boundaries),
        shared_runtimes=tuple(runtimes),
        custom_risk_categories=(),
    )
