"""Server-side SVG charts for reports (pure Python, no JavaScript).

Every text that reaches the SVG goes through :func:`esc` (XML escaping of ``& < > " '``), and numbers are
formatted by us, so a hostile element or model name cannot add markup. The charts use only basic SVG
(``rect``, ``line``, ``polyline``, ``circle``, ``text``) which both browsers and WeasyPrint render.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from assessments.reporting.model import HistoryPoint
from threatmodel.vocabulary import SEVERITIES, SEVERITY_LABELS, STAGE_LABELS

SEVERITY_FILL: dict[str, str] = {
    "critical": "#8b0a1a",
    "high": "#d1382b",
    "medium": "#e08a00",
    "low": "#2f7ab8",
    "info": "#6b7785",
}
STAGE_FILL: dict[str, str] = {
    "traditional": "#d1382b",
    "initial": "#e08a00",
    "advanced": "#2f7ab8",
    "optimal": "#1f8a4c",
}
#: Score-axis ticks of the score bars: 0, the maturity-stage thresholds of docs/scoring.md, 100.
STAGE_TICKS: tuple[int, ...] = (0, 50, 75, 90, 100)
INK = "#1d2330"
MUTED = "#5f6b7a"
GRID = "#dde1e7"
FONT = "DejaVu Sans, sans-serif"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{esc(title)}" '
        f'font-family="{FONT}" font-size="11">'
        f"<title>{esc(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    text: object,
    *,
    anchor: str = "start",
    size: float = 11,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size:g}" fill="{fill}" '
        f'font-weight="{weight}">{esc(text)}</text>'
    )


def stage_of(score: float) -> str:
    """Fallback stage from a 0..100 score alone (docs/scoring.md thresholds 50/75/90; the engine's stage, which also
    looks at the worst open finding, is used whenever an entry has one)."""
    if score < 50:
        return "traditional"
    if score < 75:
        return "initial"
    if score < 90:
        return "advanced"
    return "optimal"


def trend_chart(history: Sequence[HistoryPoint], *, width: int = 520, height: int = 200) -> str:
    """Overall score per assessment run (x: run order, labelled with the revision; y: 0..100)."""
    left, right, top, bottom = 40, 16, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    body: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, tick, anchor="end", size=9, fill=MUTED))
    points = list(history)
    if not points:
        body.append(
            _text(left + plot_w / 2, top + plot_h / 2, "No assessment history yet", anchor="middle", fill=MUTED)
        )
        return _svg(width, height, body, "Overall score trend")
    n = len(points)
    step = plot_w / (n - 1) if n > 1 else 0.0
    coords = []
    for i, point in enumerate(points):
        x = left + (i * step if n > 1 else plot_w / 2)
        y = top + plot_h * (1 - max(0.0, min(100.0, point.score)) / 100)
        coords.append((x, y, point))
    if n > 1:
        body.append(
            '<polyline fill="none" stroke="#1f4fd1" stroke-width="2" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
            + '"/>'
        )
    label_every = max(1, n // 10)
    for i, (x, y, point) in enumerate(coords):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="#1f4fd1" stroke="#fff" stroke-width="1"/>')
        if i % label_every == 0 or i == n - 1:
            body.append(_text(x, top + plot_h + 14, f"r{point.revision}", anchor="middle", size=9, fill=MUTED))
        if i == n - 1:
            body.append(
                _text(x, y - 8, f"{point.score:.1f}", anchor="middle" if n == 1 else "end", size=10, weight="bold")
            )
    body.append(
        _text(left + plot_w / 2, height - 4, "assessment runs (model revision)", anchor="middle", size=9, fill=MUTED)
    )
    return _svg(width, height, body, "Overall score trend")


def severity_bars(counts: Mapping[str, int], *, width: int = 360, height: int = 150) -> str:
    """Horizontal bars: open findings per severity."""
    values = {s: int(counts.get(s, 0)) for s in SEVERITIES}
    left, right, top = 74, 40, 8
    row = (height - top - 6) / len(SEVERITIES)
    biggest = max(values.values()) or 1
    body: list[str] = []
    for i, severity in enumerate(SEVERITIES):
        y = top + i * row
        bar = (width - left - right) * values[severity] / biggest
        body.append(_text(left - 8, y + row * 0.62, SEVERITY_LABELS[severity], anchor="end", size=10))
        body.append(
            f'<rect x="{left}" y="{y + row * 0.15:.1f}" width="{max(bar, 0.0):.1f}" height="{row * 0.7:.1f}" '
            f'rx="2" fill="{SEVERITY_FILL[severity]}"/>'
        )
        body.append(_text(left + bar + 6, y + row * 0.62, values[severity], size=10, weight="bold"))
    return _svg(width, height, body, "Open findings by severity")


def score_bars(entries: Sequence[object], *, title: str, width: int = 520, row: int = 22) -> str:
    """Horizontal 0..100 bars for score entries (objects with ``name``, ``score`` and ``stage``)."""
    items = list(entries)
    left, right, top = 190, 120, 18
    height = top + row * max(len(items), 1) + 8
    plot_w = width - left - right
    body: list[str] = []
    for tick in STAGE_TICKS:
        x = left + plot_w * tick / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 6}" stroke="{GRID}"/>')
        body.append(_text(x, top - 7, tick, anchor="middle", size=8, fill=MUTED))
    if not items:
        body.append(_text(left, top + 14, "No scores", fill=MUTED))
    for i, entry in enumerate(items):
        name = str(getattr(entry, "name", ""))
        score = float(getattr(entry, "score", 0.0))
        stage = str(getattr(entry, "stage", "")) or stage_of(score)
        y = top + i * row
        fill = STAGE_FILL.get(stage, "#1f4fd1")
        body.append(_text(left - 8, y + row * 0.65, name, anchor="end", size=10))
        body.append(f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="{row - 8}" rx="2" fill="#eef1f5"/>')
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{plot_w * max(0.0, min(score, 100.0)) / 100:.1f}" '
            f'height="{row - 8}" rx="2" fill="{fill}"/>'
        )
        body.append(_text(left + plot_w + 8, y + row * 0.65, f"{score:.1f}", size=10, weight="bold"))
        body.append(_text(left + plot_w + 44, y + row * 0.65, STAGE_LABELS.get(stage, stage), size=9, fill=fill))
    return _svg(width, height, body, title)


def score_gauge(score: float | None, stage: str, *, size: int = 150, grade: str | None = None) -> str:
    """A ring gauge with the overall score in the middle (and its grade); ``None``: not assessed, an empty ring."""
    if score is None:
        return _svg(
            size,
            size,
            [
                f'<circle cx="{size / 2}" cy="{size / 2}" r="{size / 2 - 12:.1f}" fill="none" stroke="#eef1f5" '
                'stroke-width="12"/>',
                _text(size / 2, size / 2 + 6, "—", anchor="middle", size=30, weight="bold"),
                _text(size / 2, size / 2 + 24, "not assessed", anchor="middle", size=9, fill=MUTED),
            ],
            "Not enough detail to assess",
        )
    r = size / 2 - 12
    cx = cy = size / 2
    fraction = max(0.0, min(score, 100.0)) / 100
    circumference = 2 * math.pi * r
    fill = STAGE_FILL.get(stage, "#1f4fd1")
    body = [
        f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" fill="none" stroke="#eef1f5" stroke-width="12"/>',
        f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" fill="none" stroke="{fill}" stroke-width="12" '
        f'stroke-dasharray="{circumference * fraction:.1f} {circumference:.1f}" '
        f'transform="rotate(-90 {cx} {cy})"/>',
        _text(cx, cy + 6, f"{score:.0f}", anchor="middle", size=30, weight="bold"),
        _text(cx, cy + 24, f"grade {grade}" if grade else "of 100", anchor="middle", size=9, fill=MUTED),
    ]
    return _svg(size, size, body, f"Overall score {score:.1f}" + (f", grade {grade}" if grade else ""))
