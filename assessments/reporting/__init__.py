"""Reports of an assessment: PDF/HTML (Django templates + WeasyPrint), SARIF, CSV and JSON.

Pure modules (no Django, no WeasyPrint; enforced by import-linter): ``model`` (the report model built from a
snapshot, an engine result, triage decisions and the score history), ``dot`` (Graphviz DOT writer), ``charts``
(server-side SVG charts), ``sarif``, ``csv_writer``, ``text`` and ``graphviz`` (runs ``dot`` in a subprocess).
Django side: ``html`` (templates), ``pdf`` (WeasyPrint with a locked-down URL fetcher), ``services``.
"""
