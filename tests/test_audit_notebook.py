"""Step 08's notebook headless on a brand-new sandbox: the report is written, then the run fails
with ``AuditFailedError`` naming the serious failures (the runner maps that error's name)."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from runbook_lib.audit.report import REPORT_FILES
from runbook_lib.sandbox import SandboxClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_audit_account.ipynb"


@pytest.mark.notebooks
def test_a_headless_audit_of_a_new_account_writes_its_report_then_fails(sandbox: SandboxClient, tmp_path: Path) -> None:
    folder = tmp_path / "report"
    report = tmp_path / "reports" / "08_audit_account.json"
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(
            str(NOTEBOOK), str(tmp_path / "08.ipynb"), kernel_name="python3", cwd=str(NOTEBOOK.parent),
            progress_bar=False, log_output=False,
            parameters={"target": "sandbox", "headless": True, "apply": True, "summary_file": str(report),
                        "report_folder": str(folder)},
        )
    assert failed.value.ename == "AuditFailedError"
    assert "iam_root_mfa_enabled" in failed.value.evalue and "budgets_budget_email_alerts_configured" in failed.value.evalue
    assert sorted(path.name for path in folder.iterdir()) == sorted(REPORT_FILES)
    written = json.loads((folder / "audit-checks.json").read_text(encoding="utf-8"))
    assert written["summary"]["FAIL"] >= 8
    step = json.loads(report.read_text(encoding="utf-8"))
    assert step["verified"] is False and step["write_calls"] == 0 and step["error"].startswith("AuditFailedError")
