"""The operator's restriction of the hosts a live pull may reach (``KIALI_ALLOWED_HOSTS``), as pure matching."""

from __future__ import annotations

import pytest

from threatmodel.kiali_http import host_not_allowed

ALLOWED = ["kiali.internal", "*.mesh.example.com", "10.0.0.7:20001"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://kiali.internal/kiali", True),
        ("http://KIALI.Internal:20001", True),  # no port in the pattern: any port
        ("https://east.mesh.example.com/kiali", True),
        ("https://mesh.example.com/kiali", False),  # *. needs a label before the domain
        ("https://mesh.example.com.evil.test/", False),
        ("http://10.0.0.7:20001/", True),
        ("http://10.0.0.7/", False),  # the pattern names port 20001, the URL means 80
        ("http://169.254.169.254/latest/meta-data", False),
        ("https://kiali.internal.evil.test/", False),
    ],
)
def test_allowed_hosts_patterns(url: str, allowed: bool) -> None:
    problem = host_not_allowed(url, ALLOWED)
    assert (problem is None) is allowed
    if problem:
        assert "KIALI_ALLOWED_HOSTS" in problem and "the host " in problem


def test_an_empty_list_allows_any_host() -> None:
    assert host_not_allowed("http://169.254.169.254/", []) is None
