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
    assert (made["aws_calls"], made["console_steps"]) == (61, 13)
    assert made["covers"] == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "99"]
    assert made["arn"].endswith("/ada-developer")
    assert sandbox.state()["root_mfa_enabled"] is True
    keys = {"endpoint_url": sandbox.url, "region_name": "us-east-1",
            "aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
    sso_admin = boto3.client("sso-admin", **keys)
    instance = sso_admin.list_instances()["Instances"][0]
    assert len(sso_admin.list_permission_sets(InstanceArn=instance["InstanceArn"])["PermissionSets"]) == 2
    # step 07's end state: the budget with its three alerts, the monitor and its subscription, the contact
    budgets = boto3.client("budgets", **keys).describe_budgets(AccountId="123456789012")["Budgets"]
    assert [budget["BudgetName"] for budget in budgets] == ["monthly-cost"]
    notifications = boto3.client("budgets", **keys).describe_notifications_for_budget(
        AccountId="123456789012", BudgetName="monthly-cost")["Notifications"]
    assert len(notifications) == 3
    ce = boto3.client("ce", **keys)
    assert [monitor["MonitorName"] for monitor in ce.get_anomaly_monitors()["AnomalyMonitors"]] == ["runbook-aws-services"]
    assert [found["SubscriptionName"] for found in ce.get_anomaly_subscriptions()["AnomalySubscriptions"]] == ["runbook-daily-anomalies"]
    contact = boto3.client("account", **keys).get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    assert contact["EmailAddress"] == "ada@example.com"


def test_the_lookups_section_runs_on_a_small_account():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--only", "lookups", "--scales", "3x2"],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "skipped" not in finished.stdout
    row = next(line for line in finished.stdout.splitlines() if line.startswith("| 3 users, 2 permission sets"))
    assert row.count("calls") == 3
