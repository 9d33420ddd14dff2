"""Step 07's notebook headless: a budget beyond AWS's maximums is refused before any call to AWS
Budgets (the only call made is who the runbook acts as), and nothing is created."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from runbook_lib.audit.clients import global_client
from runbook_lib.aws import sandbox_context
from runbook_lib.sandbox import SandboxClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_set_guardrails.ipynb"


def run_guardrails(tmp_path: Path, **parameters: object) -> tuple[papermill.PapermillExecutionError | None, dict]:
    """Run 07 headless with ``apply`` on; return its error (None when it succeeded) and its report."""
    report = tmp_path / "reports" / "07_set_guardrails.json"
    try:
        papermill.execute_notebook(
            str(NOTEBOOK), str(tmp_path / "07.ipynb"), kernel_name="python3", cwd=str(NOTEBOOK.parent),
            progress_bar=False, log_output=False,
            parameters={"target": "sandbox", "headless": True, "apply": True, "simulate_console": True,
                        "summary_file": str(report), **parameters},
        )
    except papermill.PapermillExecutionError as failure:
        # A parameter refused by the notebook's own check stops it before the step began: no report.
        return failure, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return None, json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.notebooks
@pytest.mark.parametrize(("parameters", "field"), [
    ({"budget_alerts": [f"ACTUAL>{n}" for n in range(10, 120, 10)]}, "budget_alerts"),
    ({"alert_emails": [f"person{n}@example.com" for n in range(11)]}, "alert_emails"),
])
def test_a_budget_beyond_aws_maximums_is_refused_before_any_budgets_call(
    sandbox: SandboxClient, tmp_path: Path, parameters: dict[str, object], field: str
) -> None:
    failure, report = run_guardrails(tmp_path, **parameters)
    assert failure is not None and failure.ename == "ParametersError" and field in failure.evalue
    assert report == {}  # refused by the parameters check, before the step's first AWS call
    budgets = global_client(sandbox_context(sandbox.url, "us-east-1"), "budgets")
    assert budgets.describe_budgets(AccountId="123456789012").get("Budgets", []) == []
