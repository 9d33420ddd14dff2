"""Step 99: after the whole runbook, the teardown removes exactly what it created (from the ledger,
tags and marks) and nothing made by hand beside it; nothing happens without the typed confirmation;
the runbook's own way in is kept; the plan is pure and its operations all have appliers."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from aws_guard import refuse_every_aws_call
from runbook_built import ACCOUNT, HARDENING, secure_the_account
from runbook_lib.audit.clients import global_client
from runbook_lib.aws import AwsContext
from runbook_lib.checks import FAIL, PASS, WARN
from runbook_lib.errors import RunbookError
from runbook_lib.ledger import SETTING, Ledger
from runbook_lib.plan import DELETE, NO_OP
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import teardown
from runbook_lib.steps.identity_center import require_instance
from runbook_lib.target import CallerIdentity

CONFIRM = f"delete {ACCOUNT}"
MOTO_CALLER = CallerIdentity(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:user/moto", "AIDA")


def make_by_hand(ctx: AwsContext) -> None:
    """Make, beside the runbook's, what a person makes by hand: a user, a group, a permission set,
    a budget, a bucket, an anomaly monitor."""
    instance = require_instance(ctx)
    identitystore = ctx.client("identitystore")
    identitystore.create_user(IdentityStoreId=instance.identity_store_id, UserName="carol", DisplayName="Carol",
                              Name={"GivenName": "Carol", "FamilyName": "Ng"})
    identitystore.create_group(IdentityStoreId=instance.identity_store_id, DisplayName="Friends", Description="mine")
    ctx.client("sso-admin").create_permission_set(InstanceArn=instance.instance_arn, Name="ByHand", Description="made by hand")
    global_client(ctx, "budgets").create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": "by-hand", "BudgetLimit": {"Amount": "5", "Unit": "USD"}, "TimeUnit": "MONTHLY", "BudgetType": "COST"})
    ctx.client("s3").create_bucket(Bucket="hand-made-bucket")
    global_client(ctx, "ce").create_anomaly_monitor(AnomalyMonitor={
        "MonitorName": "my-tags", "MonitorType": "CUSTOM",
        "MonitorSpecification": {"Tags": {"Key": "team", "Values": ["me"]}}})


def inventory_of(ctx: AwsContext, caller: CallerIdentity = MOTO_CALLER) -> teardown.TeardownInventory:
    """Return the teardown's inventory, read now."""
    return teardown.read_teardown_inventory(ctx, ACCOUNT, Ledger.load(ACCOUNT, sandbox=True), caller)


def what_is_there(ctx: AwsContext) -> dict[str, set[str]]:
    """Return the names of what exists, by kind."""
    instance = require_instance(ctx)
    sso_admin, identitystore = ctx.client("sso-admin"), ctx.client("identitystore")
    store = instance.identity_store_id
    return {
        "users": {user["UserName"] for user in identitystore.list_users(IdentityStoreId=store)["Users"]},
        "groups": {group["DisplayName"] for group in identitystore.list_groups(IdentityStoreId=store)["Groups"]},
        "permission_sets": {sso_admin.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)[
            "PermissionSet"]["Name"] for arn in sso_admin.list_permission_sets(InstanceArn=instance.instance_arn)["PermissionSets"]},
        "budgets": {budget["BudgetName"] for budget in global_client(ctx, "budgets").describe_budgets(AccountId=ACCOUNT).get("Budgets", [])},
        "buckets": {bucket["Name"] for bucket in ctx.client("s3").list_buckets()["Buckets"]},
        "monitors": {monitor["MonitorName"] for monitor in global_client(ctx, "ce").get_anomaly_monitors()["AnomalyMonitors"]},
        "trails": {trail["Name"] for trail in ctx.client("cloudtrail").describe_trails()["trailList"]},
        "analyzers": {analyzer["name"] for analyzer in ctx.client("accessanalyzer").list_analyzers()["analyzers"]},
        "reserved_roles": {role["RoleName"] for role in ctx.client("iam").list_roles()["Roles"]
                           if role["RoleName"].startswith("AWSReservedSSO_")},
    }


def test_after_a_full_run_the_teardown_leaves_nothing_of_the_runbooks_and_the_hand_made_untouched(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    secure_the_account(sandbox, ctx, **HARDENING)
    make_by_hand(ctx)
    # A log file in the trail's bucket; its policy refuses the sandbox's plain HTTP (moto enforces the
    # Deny), so it goes in once the policy is lifted.
    s3 = ctx.client("s3")
    s3.delete_bucket_policy(Bucket="runbook-cloudtrail-123456789012")
    s3.put_object(Bucket="runbook-cloudtrail-123456789012", Key=f"AWSLogs/{ACCOUNT}/log.json", Body=b"{}")
    ledger = Ledger.load(ACCOUNT, sandbox=True)
    inventory = inventory_of(ctx)
    plan = teardown.plan_teardown(inventory, ledger)
    deleted = {change.address for change in plan.changes if change.action == DELETE}
    assert deleted == {
        "sso_account_assignment.AdministratorAccess@user.Admin", "sso_account_assignment.DeveloperAccess@user.ada-developer",
        "sso_permission_set.AdministratorAccess", "sso_permission_set.DeveloperAccess",
        "identitystore_user.Admin", "identitystore_user.ada-developer",
        "ce_anomaly_subscription.runbook-daily-anomalies", "ce_anomaly_monitor.runbook-aws-services",
        "budgets_budget.monthly-cost", "cloudtrail_trail.runbook-trail", "s3_bucket.runbook-cloudtrail-123456789012",
        "accessanalyzer_analyzer.runbook-external-access",
    }
    kept = {change.address for change in plan.changes if change.action == NO_OP}
    assert {"organizations_organization.123456789012", "sso_instance.us-east-1", "account_alternate_contact.SECURITY",
            "s3_account_public_access_block.123456789012", "ec2_ebs_encryption_by_default.us-east-1"} <= kept
    applied = teardown.apply_teardown(ctx, plan, inventory, ledger, confirm=CONFIRM, sleep=lambda _: None)
    assert len(applied) == len(deleted) and "emptied (1 object version(s)) and deleted" in " ".join(applied)
    assert inventory_of(ctx).found == ()
    assert teardown.verify_teardown(inventory_of(ctx), confirmed=True).passed
    assert what_is_there(ctx) == {
        "users": {"carol"}, "groups": {"Friends"}, "permission_sets": {"ByHand"}, "budgets": {"by-hand"},
        "buckets": {"hand-made-bucket"}, "monitors": {"my-tags"}, "trails": set(), "analyzers": set(), "reserved_roles": set(),
    }
    assert {entry.kind for entry in Ledger.load(ACCOUNT, sandbox=True).entries.values()} == {SETTING}


def test_without_the_typed_confirmation_nothing_is_deleted_and_no_call_is_made(
    sandbox: SandboxClient, ctx: AwsContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    secure_the_account(sandbox, ctx)
    ledger = Ledger.load(ACCOUNT, sandbox=True)
    inventory = inventory_of(ctx)
    plan = teardown.plan_teardown(inventory, ledger)
    before = what_is_there(ctx)
    attempted = refuse_every_aws_call(monkeypatch)
    for typed in ("", "delete", "delete 999999999999", "yes"):
        with pytest.raises(teardown.TeardownNotConfirmedError, match=CONFIRM):
            teardown.apply_teardown(ctx, plan, inventory, ledger, confirm=typed)
    assert attempted == []
    monkeypatch.undo()
    assert what_is_there(ctx) == before
    statuses = {check.status for check in teardown.verify_teardown(inventory_of(ctx), confirmed=False).checks}
    assert statuses == {WARN}


def test_the_permission_set_and_user_the_runbook_acts_through_are_kept(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    as_admin = CallerIdentity(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/Admin", "AROA")
    inventory = inventory_of(ctx, as_admin)
    found = {entry.address for entry in inventory.found}
    assert "sso_permission_set.AdministratorAccess" not in found and "identitystore_user.Admin" not in found
    assert "sso_permission_set.DeveloperAccess" in found
    assert {kept.address for kept in inventory.kept} == {"sso_permission_set.AdministratorAccess", "identitystore_user.Admin"}
    assert "Remove it last, as root" in inventory.kept[0].reason


def test_the_sandbox_reset_is_for_the_sandbox_only_and_after_the_confirmation(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    assert "not reset" in teardown.reset_the_sandbox(sandbox, confirmed=False)
    assert require_instance(ctx)
    assert "brand-new account" in teardown.reset_the_sandbox(sandbox, confirmed=True)
    assert ctx.client("sso-admin").list_instances()["Instances"] == []
    with pytest.raises(RunbookError, match="Only the sandbox"):
        teardown.reset_the_sandbox(None, confirmed=True)


def test_verify_teardown_fails_what_is_left_once_confirmed() -> None:
    left = teardown.TeardownInventory(ACCOUNT, "us-east-1", (teardown.Found("budgets_budget.b", "budgets_budget", "b", "b"),), ())
    assert [check.status for check in teardown.verify_teardown(left, confirmed=True).checks] == [FAIL]
    assert [check.status for check in teardown.verify_teardown(left, confirmed=False).checks] == [WARN]
    empty = teardown.TeardownInventory(ACCOUNT, "us-east-1", (), ())
    assert [check.status for check in teardown.verify_teardown(empty, confirmed=True).checks] == [PASS]


def test_the_confirmation_is_delete_and_the_account_id() -> None:
    assert teardown.confirmation_phrase(ACCOUNT) == CONFIRM
    assert teardown.is_confirmed(f"  {CONFIRM} ", ACCOUNT) and not teardown.is_confirmed("delete", ACCOUNT)


def test_the_notebook_is_numbered_last() -> None:
    notebooks = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks[-1].name == "99_teardown.ipynb"


@pytest.mark.notebooks
def test_the_notebook_headless_with_confirm_deletes_and_resets_the_sandbox(sandbox: SandboxClient, ctx: AwsContext,
                                                                         tmp_path: Path) -> None:
    secure_the_account(sandbox, ctx)
    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "99_teardown.ipynb"
    report = tmp_path / "99.json"
    papermill.execute_notebook(
        str(notebook), str(tmp_path / "99.ipynb"), kernel_name="python3", cwd=str(notebook.parent), progress_bar=False,
        log_output=False, parameters={"target": "sandbox", "headless": True, "apply": True, "summary_file": str(report),
                                      "confirm": CONFIRM, "reset_sandbox": True},
    )
    written = json.loads(report.read_text(encoding="utf-8"))
    assert len(written["applied"]) == 9 and written["verified"] is True
    assert ctx.client("sso-admin").list_instances()["Instances"] == []  # and then the sandbox was reset
