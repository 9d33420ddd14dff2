"""The benchmark's own parts keep working: the bare script reaches the runbook's end state, and
the lookups section still finds the library's functions (``make bench`` itself is not a test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def test_the_bare_script_secures_a_new_account_as_the_runbook_does(sandbox):
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bare_boto3.py")], capture_output=True, text=True, timeout=120,
        env={**os.environ, "RUNBOOK_SANDBOX_URL": sandbox.url},
    )
    assert finished.returncode == 0, finished.stderr
    made = json.loads(finished.stdout)
    assert (made["aws_calls"], made["console_steps"]) == (20, 11)
    assert made["arn"].endswith("/ada-developer")
    assert sandbox.state()["root_mfa_enabled"] is True
    sso_admin = boto3.client("sso-admin", endpoint_url=sandbox.url, region_name="us-east-1",
                             aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    instance = sso_admin.list_instances()["Instances"][0]
    assert len(sso_admin.list_permission_sets(InstanceArn=instance["InstanceArn"])["PermissionSets"]) == 2


def test_the_lookups_section_runs_on_a_small_account():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--only", "lookups", "--scales", "3x2"],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "skipped" not in finished.stdout
    row = next(line for line in finished.stdout.splitlines() if line.startswith("| 3 users, 2 permission sets"))
    assert row.count("calls") == 3
