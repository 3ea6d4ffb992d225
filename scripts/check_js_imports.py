"""Fail when the editor's ES modules (``static/js/editor/``) break their layering or import each other in a cycle.

``make lint`` runs it. Each module belongs to one layer; it may import only from its own layer or a lower one
(state and change sets -> model operations -> views and interactions -> entry points), and no set of modules
may import each other in a circle, whatever their layers. A module missing from ``LAYERS`` fails the check, so
a new module has to be placed.

Usage: ``python scripts/check_js_imports.py`` (exit 1 with the offences printed).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import networkx as nx

EDITOR = Path(__file__).resolve().parents[1] / "static" / "js" / "editor"
ORDER = ("base", "state", "operations", "views", "entry")
LAYERS: dict[str, str] = {
    "config.js": "base",
    "dom.js": "base",
    "state.js": "state",
    "events.js": "state",
    "changes.js": "state",
    "history.js": "state",
    "save.js": "operations",
    "ops.js": "operations",
    "fixes.js": "operations",
    "styles.js": "views",
    "canvas.js": "views",
    "labels.js": "views",
    "resize.js": "views",
    "assessment.js": "views",
    "findings.js": "views",
    "selection.js": "views",
    "properties.js": "views",
    "panels.js": "views",
    "threats.js": "views",
    "conflicts.js": "views",
    "layout.js": "views",
    "edit.js": "views",
    "drag.js": "views",
    "connect.js": "views",
    "palette.js": "views",
    "clipboard.js": "views",
    "toolbar.js": "views",
    "conformance.js": "views",
    "main.js": "entry",
    "hooks.js": "entry",
}
IMPORT = re.compile(
    r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]\./([^'"]+)['"]|^\s*import\s*['"]\./([^'"]+)['"]""", re.M
)


def imports_of(path: Path) -> list[str]:
    return [a or b for a, b in IMPORT.findall(path.read_text(encoding="utf-8"))]


def offences(directory: Path = EDITOR) -> list[str]:
    out: list[str] = []
    graph: nx.DiGraph[str] = nx.DiGraph()
    for path in sorted(directory.glob("*.js")):
        name = path.name
        graph.add_node(name)
        if name not in LAYERS:
            out.append(f"{name}: not placed in a layer (add it to LAYERS in scripts/check_js_imports.py)")
            continue
        for target in imports_of(path):
            graph.add_edge(name, target)
            if target not in LAYERS:
                out.append(f"{name}: imports {target}, which is not placed in a layer")
            elif ORDER.index(LAYERS[target]) > ORDER.index(LAYERS[name]):
                upward = f"{name} ({LAYERS[name]}) imports {target} ({LAYERS[target]})"
                out.append(f"{upward}: a lower layer imports a higher one")
    for cycle in sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1):
        out.append("import cycle: " + " <-> ".join(cycle))
    return out


def main() -> int:
    found = offences()
    for line in found:
        print(line)
    if not found:
        print(f"{len(list(EDITOR.glob('*.js')))} editor modules, layered, no import cycles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
