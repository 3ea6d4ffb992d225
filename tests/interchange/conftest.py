from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
INTERCHANGE = DATA / "interchange"
MODELS = DATA / "models"
