"""``manage.py`` in a checkout: the development key of ``make run`` is used, a bad setting is one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

from testkit.commands import bare_env, manage_beside


def _manage(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run a copy of manage.py whose checkout-relative ``var/`` is ``tmp_path/var`` (the code stays the checkout's)."""
    return manage_beside(tmp_path, *args, env=bare_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra))


def test_missing_secret_key_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    done = _manage(tmp_path, "tm_export", "1")
    assert done.returncode == 1
    assert done.stderr == (
        "manage.py: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off (see Configuration in README.md)\n"
    )


def test_malformed_setting_is_one_line(tmp_path: Path) -> None:
    done = _manage(tmp_path, "tm_export", "1", DJANGO_DEBUG="maybe")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "manage.py: DJANGO_DEBUG must be a boolean (1/0, true/false), got 'maybe' (see Configuration in README.md)"
    ]


def test_a_make_run_checkout_uses_its_development_key(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("dev-key-written-by-make-run-" + "x" * 40)
    migrated = _manage(tmp_path, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    done = _manage(tmp_path, "tm_export", "1")
    assert done.returncode == 1
    assert done.stderr.strip() == "CommandError: no model '1'"


def test_an_unknown_log_format_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    done = _manage(tmp_path, "check", DJANGO_DEBUG="1", LOG_FORMAT="xml")
    assert done.returncode == 1
    assert "LOG_FORMAT must be one of plain, json" in done.stderr and "Traceback" not in done.stderr
