"""Run Graphviz ``dot`` on DOT source and return SVG ready to inline in HTML (pure Python + subprocess).

The DOT source comes from :mod:`assessments.reporting.dot`, which never emits ``image``/``URL``/``href``
attributes, so the SVG references nothing outside itself. :func:`inline_svg` strips the XML prolog, DOCTYPE
and comments so the markup can be placed inside an HTML document (WeasyPrint renders inline SVG).

Big graphs: ``fast=True`` adds ``-Gsplines=line -Gnslimit=2 -Gmclimit=0.5 -Gsearchsize=10`` which trade
edge routing and crossing minimisation for speed (see ``docs/reports.md``).
"""

from __future__ import annotations

import re
import shutil
import subprocess

FAST_OPTIONS: tuple[str, ...] = ("-Gsplines=line", "-Gnslimit=2", "-Gnslimit1=2", "-Gmclimit=0.5", "-Gsearchsize=10")
#: Even cheaper layout for a full (not overview) diagram of a large model: straight edges, minimal network-simplex
#: and crossing-minimisation effort (layout times in docs/reports.md and ``BENCH report_diagram_full_1000``).
LARGE_OPTIONS: tuple[str, ...] = (
    "-Gsplines=false",
    "-Gnslimit=1",
    "-Gnslimit1=1",
    "-Gmclimit=0.01",
    "-Gremincross=false",
    "-Gsearchsize=5",
)
DEFAULT_TIMEOUT = 60.0


class GraphvizError(RuntimeError):
    """``dot`` is missing, failed, or ran out of time."""


def available() -> bool:
    return shutil.which("dot") is not None


def render_svg(
    dot_source: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    fast: bool = False,
    engine: str = "dot",
    extra: tuple[str, ...] = (),
) -> str:
    """SVG text of ``dot_source`` laid out by Graphviz (``engine`` is a Graphviz layout program name)."""
    if engine not in ("dot", "neato", "fdp", "sfdp", "circo", "twopi"):
        raise GraphvizError(f"unsupported layout engine {engine!r}")
    executable = shutil.which(engine)
    if executable is None:
        raise GraphvizError(f"Graphviz '{engine}' is not installed (apt-get install graphviz)")
    args = [executable, "-Tsvg", *(FAST_OPTIONS if fast else ()), *extra]
    try:
        completed = subprocess.run(
            args, input=dot_source.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise GraphvizError(f"Graphviz timed out after {timeout:g} s") from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()[:500]
        raise GraphvizError(f"Graphviz failed ({completed.returncode}): {message}")
    return completed.stdout.decode("utf-8")


_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
_SIZE = re.compile(r'<svg([^>]*?)\swidth="[^"]*"\s+height="[^"]*"')


_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"')
PT_TO_MM = 25.4 / 72


def fit_size(svg: str, max_width_mm: float, max_height_mm: float, max_scale: float = 1.5) -> tuple[float, float]:
    """Width and height (mm) that fit the SVG's viewBox (Graphviz points) in the box, keeping its aspect ratio."""
    match = _VIEWBOX.search(svg)
    if not match:
        return max_width_mm, max_height_mm
    width, height = float(match.group(1)) * PT_TO_MM, float(match.group(2)) * PT_TO_MM
    if width <= 0 or height <= 0:
        return max_width_mm, max_height_mm
    scale = min(max_width_mm / width, max_height_mm / height, max_scale)
    return round(width * scale, 1), round(height * scale, 1)


def inline_svg(
    svg: str,
    *,
    css_class: str = "diagram",
    box_mm: tuple[float, float] | None = None,
    id_prefix: str = "",
    max_scale: float = 1.5,
) -> str:
    """The ``<svg>`` element only (no prolog, DOCTYPE or comments).

    With ``box_mm`` (max width, max height) the element gets an explicit size in millimetres that fits the box
    (print layout); without it the size is left to CSS through ``css_class``. ``id_prefix`` keeps the element
    ids Graphviz writes (``node1``, ``edge1``...) unique when several diagrams share one HTML document.
    """
    body = _PROLOG.sub("", svg).strip()
    start = body.find("<svg")
    if start < 0:
        raise GraphvizError("Graphviz produced no <svg> element")
    body = body[start:]
    body = _SIZE.sub(r"<svg\1", body, count=1)
    if id_prefix:
        body = re.sub(r'\sid="([^"]*)"', lambda m: f' id="{id_prefix}-{m.group(1)}"', body)
    size = ""
    if box_mm is not None:
        width, height = fit_size(body, *box_mm, max_scale=max_scale)
        size = f' width="{width}mm" height="{height}mm"'
    return body.replace("<svg", f'<svg class="{css_class}"{size}', 1)
