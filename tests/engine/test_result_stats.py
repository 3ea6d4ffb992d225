"""Result statistics derived from the open checks agree with the findings themselves."""

from __future__ import annotations

from assessments.engine import assess
from assessments.engine.results import severity_counts
from testkit.synthetic import generate_snapshot


def test_stats_match_findings() -> None:
    result = assess(generate_snapshot(300, 1500, seed=5))
    assert result.stats["by_severity"] == severity_counts(result.findings)
    assert result.stats["mitigated"] == sum(1 for f in result.findings if f.mitigated)
    assert result.stats["findings"] == len(result.findings)
