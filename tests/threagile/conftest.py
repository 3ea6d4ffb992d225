from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "threagile"
ORACLE = DATA / "v1-oracle"
ORACLE_MODELS = {
    "example": ORACLE / "example" / "threagile-example-model.yaml",
    "minimalist": ORACLE / "minimalist" / "threagile-minimalist.yaml",
}
UPSTREAM = DATA / "upstream"
