"""Tests for runbook_lib.ledger: one private file per account, the sandbox's inside its own folder."""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbook_lib.ledger import RESOURCE, SETTING, Ledger, LedgerEntry, LedgerError, is_runbook_tagged, ledger_file, runbook_tags
from runbook_lib.paths import runbook_home, sandbox_home

ACCOUNT = "123456789012"
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(autouse=True)
def no_ledger_left() -> Iterator[None]:
    """Remove the real-account ledgers a test wrote (the sandbox's go with its folder)."""
    yield
    shutil.rmtree(runbook_home() / "ledger", ignore_errors=True)


def test_the_sandboxs_ledger_lives_in_the_folder_a_reset_removes() -> None:
    assert ledger_file(ACCOUNT, sandbox=True).is_relative_to(sandbox_home())
    assert ledger_file(ACCOUNT, sandbox=False) == runbook_home() / "ledger" / f"{ACCOUNT}.json"


def test_recorded_entries_are_read_back_with_their_time_and_the_file_is_private() -> None:
    ledger = Ledger.load(ACCOUNT, sandbox=False)
    assert ledger.entries == {}
    ledger.record(LedgerEntry("budgets_budget.b", RESOURCE, "b", "", "07_set_guardrails"), now=NOW)
    ledger.record(LedgerEntry("ec2_ebs_encryption_by_default.us-east-1", SETTING, "us-east-1", "us-east-1",
                              "07_set_guardrails", detail={"before": False}), now=NOW)
    again = Ledger.load(ACCOUNT, sandbox=False)
    assert [entry.address for entry in again.of_step("07_set_guardrails")] == [
        "budgets_budget.b", "ec2_ebs_encryption_by_default.us-east-1"]
    assert again.get("budgets_budget.b").created_at == "2026-12-01T12:00:00+00:00"
    assert again.get("ec2_ebs_encryption_by_default.us-east-1").detail == {"before": False}
    assert os.stat(again.path).st_mode & 0o077 == 0
    again.forget("budgets_budget.b")
    assert list(Ledger.load(ACCOUNT, sandbox=False).entries) == ["ec2_ebs_encryption_by_default.us-east-1"]


def test_a_ledger_of_another_account_or_not_a_ledger_is_refused_and_left_alone() -> None:
    path = ledger_file(ACCOUNT, sandbox=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"account_id": "999999999999", "entries": []}', encoding="utf-8")
    with pytest.raises(LedgerError, match="describes account '999999999999'"):
        Ledger.load(ACCOUNT, sandbox=False)
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(LedgerError, match="cannot be read"):
        Ledger.load(ACCOUNT, sandbox=False)
    assert path.read_text(encoding="utf-8") == "not json"
    path.unlink()


def test_the_runbooks_tags_mark_what_it_made() -> None:
    tags = runbook_tags("07_set_guardrails")
    assert tags == {"managed-by": "aws-guided-runbook", "runbook-step": "07_set_guardrails"}
    assert is_runbook_tagged(tags) and not is_runbook_tagged({"managed-by": "someone"})


def test_the_ledger_path_follows_runbook_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBOOK_HOME", str(tmp_path))
    assert ledger_file(ACCOUNT, sandbox=False) == tmp_path / "ledger" / f"{ACCOUNT}.json"
