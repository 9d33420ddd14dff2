"""Where the runbook keeps its files: one answer, read when asked (never at import)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runbook_lib import paths
from runbook_lib.sandbox import process
from runbook_lib.steps import cli_profiles


def test_runbook_home_is_the_isolated_one_while_testing() -> None:
    assert paths.runbook_home() == Path(os.environ["RUNBOOK_HOME"])


def test_runbook_home_defaults_to_dot_runbook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RUNBOOK_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.runbook_home() == tmp_path / ".runbook"


def test_every_file_of_the_runbook_follows_a_changed_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUNBOOK_HOME", str(tmp_path))
    assert paths.settings_file() == tmp_path / "settings.json"
    assert paths.sandbox_config_file() == tmp_path / "sandbox" / "aws-config"
    assert cli_profiles.sandbox_config_file() == paths.sandbox_config_file()
    assert process.sandbox_state_file() == tmp_path / "sandbox.json"
