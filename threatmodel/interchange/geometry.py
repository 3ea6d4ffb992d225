"""Plane geometry of diagram files (Threat Dragon cells, TM7 stencils): boxes, and the boxes of nodes and curves.

Pure Python. Foreign diagrams record boundary membership by drawing, not by reference: the readers place a
node in the innermost boundary box that contains its centre, using these boxes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from threatmodel.interchange.base import list_of, mapping_of, number_of

#: Size of a node whose cell records none (Threat Dragon's default shape size).
NODE_SIZE = (160.0, 80.0)


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def contains(self, point: tuple[float, float]) -> bool:
        return self.x <= point[0] <= self.x + self.width and self.y <= point[1] <= self.y + self.height

    def encloses(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.width <= self.x + self.width
            and other.y + other.height <= self.y + self.height
            and self.area > other.area
        )

    @property
    def area(self) -> float:
        return self.width * self.height

    def distance(self, point: tuple[float, float]) -> float:
        dx = max(self.x - point[0], 0.0, point[0] - (self.x + self.width))
        dy = max(self.y - point[1], 0.0, point[1] - (self.y + self.height))
        return float((dx * dx + dy * dy) ** 0.5)


def point_of(value: Any, path: str) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    x = number_of(value.get("x"), f"{path}.x")
    y = number_of(value.get("y"), f"{path}.y")
    return (x, y) if x is not None and y is not None else None


def node_box(cell: Mapping[str, Any], path: str) -> Box | None:
    position = point_of(cell.get("position"), f"{path}.position")
    if position is None:
        return None
    size = mapping_of(cell.get("size"), f"{path}.size")
    width = number_of(size.get("width"), f"{path}.size.width") or NODE_SIZE[0]
    height = number_of(size.get("height"), f"{path}.size.height") or NODE_SIZE[1]
    return Box(position[0], position[1], abs(width), abs(height))


def curve_box(cell: Mapping[str, Any], path: str) -> Box | None:
    points = [
        p
        for p in (
            point_of(cell.get("source"), f"{path}.source"),
            point_of(cell.get("target"), f"{path}.target"),
            *(
                point_of(v, f"{path}.vertices[{i}]")
                for i, v in enumerate(list_of(cell.get("vertices"), f"{path}.vertices"))
            ),
        )
        if p is not None
    ]
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
