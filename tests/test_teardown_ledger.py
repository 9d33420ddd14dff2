"""Steps 03 and 04 write what they create in the ledger, and the teardown deletes only what the
ledger and the marks both say the runbook made: a same-named thing made by hand (an ``Admin``
made before step 03, a user or permission set deleted and made again) is kept; without the ledger
only tagged resources are deleted; a second teardown changes nothing."""

from __future__ import annotations

import pytest

from runbook_built import ACCOUNT, admin_spec, give_access, secure_the_account
from runbook_lib.audit.clients import global_client
from runbook_lib.aws import AwsContext
from runbook_lib.ledger import RESOURCE, TAG_KEY, TAG_VALUE, Ledger, LedgerEntry, ledger_file
from runbook_lib.plan import DELETE, NO_OP
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import teardown
from runbook_lib.steps.identity_center import require_instance
from runbook_lib.steps.teardown.ownership import NOT_OURS, Evidence, judge_ownership
from runbook_lib.target import CallerIdentity

CONFIRM = f"delete {ACCOUNT}"
MOTO_CALLER = CallerIdentity(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:user/moto", "AIDA")


def ledger_now() -> Ledger:
    return Ledger.load(ACCOUNT, sandbox=True)


def read_plan(ctx: AwsContext) -> tuple[teardown.TeardownInventory, object]:
    inventory = teardown.read_teardown_inventory(ctx, ACCOUNT, ledger_now(), MOTO_CALLER)
    return inventory, teardown.plan_teardown(inventory, ledger_now())


def deletes(plan) -> set[str]:
    return {change.address for change in plan.changes if change.action == DELETE}


def kept(plan) -> dict[str, str]:
    return {change.address: change.detail for change in plan.changes if change.action == NO_OP}


def tear_down(ctx: AwsContext) -> list[str]:
    ledger = ledger_now()
    inventory = teardown.read_teardown_inventory(ctx, ACCOUNT, ledger, MOTO_CALLER)
    plan = teardown.plan_teardown(inventory, ledger)
    return teardown.apply_teardown(ctx, plan, inventory, ledger, confirm=CONFIRM, sleep=lambda _: None)


def user_ids(ctx: AwsContext) -> dict[str, str]:
    store = require_instance(ctx).identity_store_id
    return {user["UserName"]: user["UserId"] for user in ctx.client("identitystore").list_users(IdentityStoreId=store)["Users"]}


def permission_sets(ctx: AwsContext) -> dict[str, str]:
    instance, sso_admin = require_instance(ctx), ctx.client("sso-admin")
    return {sso_admin.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"]: arn
            for arn in sso_admin.list_permission_sets(InstanceArn=instance.instance_arn)["PermissionSets"]}


def make_user(ctx: AwsContext, name: str, email: str = "ada@example.com") -> str:
    return ctx.client("identitystore").create_user(
        IdentityStoreId=require_instance(ctx).identity_store_id, UserName=name, DisplayName=name,
        Name={"GivenName": "Ada", "FamilyName": "Lovelace"}, Emails=[{"Value": email, "Type": "work", "Primary": True}],
    )["UserId"]


# --- the appliers of steps 03 and 04 write the ledger ----------------------------------------------

def test_steps_03_and_04_write_each_thing_they_create_with_its_aws_id(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    entries = ledger_now().entries
    users, sets = user_ids(ctx), permission_sets(ctx)
    assert entries["identitystore_user.Admin"].resource_id == users["Admin"]
    assert entries["identitystore_user.ada-developer"].resource_id == users["ada-developer"]
    assert entries["sso_permission_set.DeveloperAccess"].resource_id == sets["DeveloperAccess"]
    assignment = entries["sso_account_assignment.AdministratorAccess@user.Admin"]
    assert (assignment.resource_id, assignment.detail["permission_set_arn"]) == (users["Admin"], sets["AdministratorAccess"])
    assert {entries[address].step for address in ("identitystore_user.Admin", "sso_permission_set.AdministratorAccess")} == {"test"}
    assert all(entry.kind == RESOURCE for address, entry in entries.items() if address.startswith(("identitystore_", "sso_")))
    tags = ctx.client("sso-admin").list_tags_for_resource(
        InstanceArn=require_instance(ctx).instance_arn, ResourceArn=sets["DeveloperAccess"])["Tags"]
    assert {"Key": TAG_KEY, "Value": TAG_VALUE} in tags


def test_a_group_and_its_membership_are_written_and_torn_down(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    store = require_instance(ctx).identity_store_id
    friends = ctx.client("identitystore").create_group(IdentityStoreId=store, DisplayName="Friends", Description="mine")["GroupId"]
    give_access(ctx, admin_spec(user_name="Grace", group_name="Friends"))  # the runbook adds Grace to a group made by hand
    give_access(ctx, admin_spec(user_name="Linus", group_name="Admins"))   # and makes a group of its own
    entries = ledger_now().entries
    assert entries["identitystore_group_membership.Grace@Friends"].detail["group_id"] == friends
    assert "identitystore_group.Admins" in entries and "identitystore_group.Friends" not in entries
    _, plan = read_plan(ctx)
    assert {"identitystore_group_membership.Grace@Friends", "identitystore_group.Admins",
            "identitystore_user.Grace", "identitystore_user.Linus"} <= deletes(plan)
    assert "identitystore_group.Friends" not in deletes(plan)
    tear_down(ctx)
    groups = ctx.client("identitystore").list_groups(IdentityStoreId=store)["Groups"]
    assert [group["DisplayName"] for group in groups] == ["Friends"]
    assert not any(address.startswith(("identitystore_", "sso_")) for address in ledger_now().entries)


# --- what the runbook did not make is kept ---------------------------------------------------------

def test_a_hand_made_admin_holding_a_runbook_permission_set_is_kept(sandbox: SandboxClient, ctx: AwsContext) -> None:
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    by_hand = make_user(ctx, "Admin")  # same email: step 03 takes it as the Admin and creates no user
    give_access(ctx, admin_spec())
    assert "identitystore_user.Admin" not in ledger_now().entries
    _, plan = read_plan(ctx)
    assert deletes(plan) == {"sso_account_assignment.AdministratorAccess@user.Admin", "sso_permission_set.AdministratorAccess"}
    assert kept(plan)["identitystore_user.Admin"].startswith(NOT_OURS)
    tear_down(ctx)
    assert user_ids(ctx) == {"Admin": by_hand}
    assert "AdministratorAccess" not in permission_sets(ctx)


def test_a_hand_made_permission_set_the_runbook_assigned_stays_and_loses_only_that_assignment(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    instance = require_instance(ctx)
    by_hand = ctx.client("sso-admin").create_permission_set(InstanceArn=instance.instance_arn, Name="AdministratorAccess",
                                                            SessionDuration="PT1H")["PermissionSet"]["PermissionSetArn"]
    give_access(ctx, admin_spec())  # step 03 takes the set as it is and assigns it to the Admin it creates
    assert "sso_permission_set.AdministratorAccess" not in ledger_now().entries
    _, plan = read_plan(ctx)
    assert deletes(plan) == {"sso_account_assignment.AdministratorAccess@user.Admin", "identitystore_user.Admin"}
    assert kept(plan)["sso_permission_set.AdministratorAccess"].startswith(NOT_OURS)
    tear_down(ctx)
    assert permission_sets(ctx) == {"AdministratorAccess": by_hand} and user_ids(ctx) == {}


def test_a_user_a_permission_set_and_a_budget_made_again_by_hand_are_kept(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    instance, sso_admin, identitystore = require_instance(ctx), ctx.client("sso-admin"), ctx.client("identitystore")
    # By hand: the developer deleted and made again; DeveloperAccess deleted and made again; the budget too.
    identitystore.delete_user(IdentityStoreId=instance.identity_store_id, UserId=user_ids(ctx)["ada-developer"])
    again = make_user(ctx, "ada-developer")
    old_set = permission_sets(ctx)["DeveloperAccess"]
    for assignment in sso_admin.list_account_assignments(InstanceArn=instance.instance_arn, AccountId=ACCOUNT,
                                                         PermissionSetArn=old_set)["AccountAssignments"]:
        sso_admin.delete_account_assignment(InstanceArn=instance.instance_arn, TargetId=ACCOUNT, TargetType="AWS_ACCOUNT",
                                            PermissionSetArn=old_set, PrincipalType=assignment["PrincipalType"],
                                            PrincipalId=assignment["PrincipalId"])
    sso_admin.delete_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=old_set)
    new_set = sso_admin.create_permission_set(InstanceArn=instance.instance_arn, Name="DeveloperAccess",
                                              Description="created by the runbook")["PermissionSet"]["PermissionSetArn"]
    budgets = global_client(ctx, "budgets")
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName="monthly-cost")
    budgets.create_budget(AccountId=ACCOUNT, Budget={"BudgetName": "monthly-cost", "BudgetLimit": {"Amount": "5", "Unit": "USD"},
                                                    "TimeUnit": "MONTHLY", "BudgetType": "COST"})
    _, plan = read_plan(ctx)
    reasons = kept(plan)
    for address in ("identitystore_user.ada-developer", "sso_permission_set.DeveloperAccess", "budgets_budget.monthly-cost"):
        assert address not in deletes(plan) and reasons[address].startswith(NOT_OURS), address
    assert f"has the id {again}" in reasons["identitystore_user.ada-developer"]
    assert f"has the id {new_set}" in reasons["sso_permission_set.DeveloperAccess"]
    assert "mark" in reasons["budgets_budget.monthly-cost"]  # same name, but without the runbook's tag
    tear_down(ctx)
    assert user_ids(ctx) == {"ada-developer": again} and permission_sets(ctx) == {"DeveloperAccess": new_set}
    assert [budget["BudgetName"] for budget in budgets.describe_budgets(AccountId=ACCOUNT)["Budgets"]] == ["monthly-cost"]


def test_without_the_ledger_only_tagged_resources_go_and_users_stay_with_the_reason(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    secure_the_account(sandbox, ctx)
    ledger_file(ACCOUNT, sandbox=True).unlink()
    _, plan = read_plan(ctx)
    assert {"sso_permission_set.AdministratorAccess", "sso_permission_set.DeveloperAccess",
            "sso_account_assignment.DeveloperAccess@user.ada-developer", "budgets_budget.monthly-cost",
            "ce_anomaly_monitor.runbook-aws-services"} <= deletes(plan)
    reasons = kept(plan)
    for user in ("identitystore_user.Admin", "identitystore_user.ada-developer"):
        assert user not in deletes(plan)
        assert "ledger" in reasons[user] and "is missing" in reasons[user] and "no tags on users" in reasons[user]
    tear_down(ctx)
    assert set(user_ids(ctx)) == {"Admin", "ada-developer"} and permission_sets(ctx) == {}


def test_a_second_teardown_changes_nothing(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    make_user(ctx, "Admin-by-hand")
    assert tear_down(ctx)
    after_first = (user_ids(ctx), permission_sets(ctx), dict(ledger_now().entries))
    inventory, plan = read_plan(ctx)
    assert inventory.found == () and deletes(plan) == set() and plan.api_changes == ()
    assert tear_down(ctx) == []
    assert (user_ids(ctx), permission_sets(ctx), dict(ledger_now().entries)) == after_first


# --- the judge, with hand-made inputs ---------------------------------------------------------------

@pytest.fixture
def ledger(tmp_path) -> Ledger:
    written = Ledger(ACCOUNT, tmp_path / "ledger.json")
    written.record(LedgerEntry("identitystore_user.Admin", RESOURCE, "u-1", "", "03_create_admin_user"))
    written.record(LedgerEntry("sso_permission_set.Dev", RESOURCE, "arn:ps-1", "", "04_create_developer_user"))
    return written


def test_judge_ours_only_when_the_ledgers_id_is_the_live_one(ledger: Ledger) -> None:
    assert judge_ownership(ledger, Evidence("identitystore_user.Admin", "u-1", "user Admin")).ours
    again = judge_ownership(ledger, Evidence("identitystore_user.Admin", "u-2", "user Admin"))
    assert not again.ours and "u-2" in again.reason and "u-1" in again.reason and "03_create_admin_user" in again.reason


def test_judge_keeps_a_ledger_named_resource_whose_mark_was_removed(ledger: Ledger) -> None:
    assert judge_ownership(ledger, Evidence("sso_permission_set.Dev", "arn:ps-1", "set Dev", tagged=True, described=False)).ours
    stripped = judge_ownership(ledger, Evidence("sso_permission_set.Dev", "arn:ps-1", "set Dev", tagged=False, described=False))
    assert not stripped.ours and "mark" in stripped.reason


def test_judge_without_an_entry_trusts_a_tag_only(ledger: Ledger, tmp_path) -> None:
    assert judge_ownership(ledger, Evidence("sso_permission_set.Ops", "arn:ps-9", "set Ops", tagged=True)).ours
    described = judge_ownership(ledger, Evidence("sso_permission_set.Ops", "arn:ps-9", "set Ops", tagged=False, described=True))
    assert not described.ours and described.reason.startswith(NOT_OURS)
    lost = Ledger(ACCOUNT, tmp_path / "gone.json")
    user = judge_ownership(lost, Evidence("identitystore_user.Admin", "u-1", "user Admin"))
    assert not user.ours and "is missing" in user.reason and "no tags on users" in user.reason
