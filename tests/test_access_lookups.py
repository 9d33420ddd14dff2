"""Lookups that stay flat as the account grows: 03's and 04's plan and 00's status make the same
AWS calls with 10 users as with 10,000 (and 2 permission sets as 200), and permission sets are
listed once per run."""

from __future__ import annotations

from collections import Counter

import boto3
import pytest

from runbook_lib import aws
from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.errors import RunbookError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access, admin_user, developer_user, identity_center, status
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.target import CallerIdentity

REGION = "us-east-1"
CALLER = CallerIdentity("123456789012", "arn:aws:sts::123456789012:user/moto", "AIDAEXAMPLE")
ADMIN = admin_user.build_admin_spec(
    user_name="Admin", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
    permission_set_name="AdministratorAccess", session_duration_hours=1, group_name="",
)
DEVELOPER, _ = developer_user.build_developer_spec(
    developer_name="ada", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
    services=["s3"], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name="",
)


def seed_account(sandbox: SandboxClient, *, users: int, permission_sets: int) -> IdentityCenterInstance:
    """Reset the sandbox to an account with Identity Center and ``users`` users and
    ``permission_sets`` permission sets that are none of the runbook's (the sandbox's crowd
    route makes them in its own process: 10,000 ``CreateUser`` calls would take minutes)."""
    sandbox.reset()
    session = boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION)
    session.client("organizations", endpoint_url=sandbox.url).create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center", region=REGION)
    made = sandbox.crowd(users=users, permission_sets=permission_sets, region=REGION)
    return identity_center.IdentityCenterInstance(
        made["instance_arn"], made["identity_store_id"], CALLER.account_id, "ACTIVE")


def calls_of(ctx: AwsContext, action) -> Counter[str]:
    """Run ``action``; return how many times it called each operation through ``ctx``."""
    before = len(ctx.recorder.calls)
    action()
    return Counter(str(call) for call in ctx.recorder.calls[before:])


def plan_of(ctx: AwsContext, instance: IdentityCenterInstance, spec: access.AccessSpec):
    """Read the live state and plan it, as 03's and 04's notebooks do."""
    return access.plan_access("step", access.read_access_state(ctx, instance, CALLER.account_id, spec), spec)


def measure_run(sandbox: SandboxClient, *, users: int, permission_sets: int) -> dict[str, Counter[str]]:
    """Seed the account, then count the calls of one run: the listing, 03's and 04's plan, 00's status."""
    instance = seed_account(sandbox, users=users, permission_sets=permission_sets)
    ctx = sandbox_context(sandbox.url, REGION)
    return {
        "listing": calls_of(ctx, lambda: access.list_permission_set_arns(ctx, instance.instance_arn)),
        "03's plan": calls_of(ctx, lambda: plan_of(ctx, instance, ADMIN)),
        "04's plan": calls_of(ctx, lambda: plan_of(ctx, instance, DEVELOPER)),
        "00's status": calls_of(ctx, lambda: status.read_step_statuses(ctx, CALLER)),
    }


def test_the_crowd_is_what_create_calls_would_have_made(sandbox) -> None:
    instance = seed_account(sandbox, users=3, permission_sets=2)
    session = boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION)
    store = session.client("identitystore", endpoint_url=sandbox.url)
    users = store.list_users(IdentityStoreId=instance.identity_store_id)["Users"]
    assert sorted(user["UserName"] for user in users) == ["learner-00000", "learner-00001", "learner-00002"]
    assert store.get_user_id(
        IdentityStoreId=instance.identity_store_id,
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "learner-00002"}},
    )["UserId"] in {user["UserId"] for user in users}
    sso_admin = session.client("sso-admin", endpoint_url=sandbox.url)
    arns = sso_admin.list_permission_sets(InstanceArn=instance.instance_arn)["PermissionSets"]
    names = [sso_admin.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"]
             for arn in arns]
    assert sorted(names) == ["Team000", "Team001"]


def test_the_crowd_needs_identity_center(sandbox) -> None:
    sandbox.reset()
    with pytest.raises(RunbookError, match="no instance"):
        sandbox.crowd(users=1, permission_sets=0)


def test_plans_and_status_make_the_same_calls_at_10_and_10000_users_and_2_and_200_permission_sets(sandbox) -> None:
    small = measure_run(sandbox, users=10, permission_sets=2)
    large = measure_run(sandbox, users=10_000, permission_sets=200)
    for measured in ("03's plan", "04's plan", "00's status"):
        assert large[measured] == small[measured], measured
        assert small[measured]["identitystore:ListUsers"] == 0
        assert small[measured]["sso-admin:ListPermissionSets"] == 0, "listed again after the run's listing"
    # What still grows: the run's one listing describes every permission set (no lookup by name).
    assert small["listing"]["sso-admin:DescribePermissionSet"] == 2
    assert large["listing"]["sso-admin:DescribePermissionSet"] == 200
    # One listing each: its pages (at most 100 permission sets a page), nothing more.
    assert small["listing"]["sso-admin:ListPermissionSets"] == 1
    assert large["listing"]["sso-admin:ListPermissionSets"] == 2


def test_a_permission_set_is_listed_once_per_run_and_the_create_keeps_the_map(ctx, sandbox) -> None:
    instance = seed_account(sandbox, users=0, permission_sets=3)
    for spec in (ADMIN, DEVELOPER):
        state = access.read_access_state(ctx, instance, CALLER.account_id, spec)
        access.apply_access(ctx, access.plan_access("step", state, spec), state, spec, sleep=lambda seconds: None)
    before = len(ctx.recorder.calls)
    for spec in (ADMIN, DEVELOPER):  # the re-run: nothing to do, nothing listed
        assert plan_of(ctx, instance, spec).is_empty
    status.read_step_statuses(ctx, CALLER)
    again = Counter(str(call) for call in ctx.recorder.calls[before:])
    assert [call for call in ctx.recorder.calls[before:] if call.mutating] == []
    assert again["sso-admin:ListPermissionSets"] == 0
    listed = Counter(str(call) for call in ctx.recorder.calls)
    assert listed["sso-admin:ListPermissionSets"] == 1
    assert set(ctx.permission_set_arns[instance.instance_arn]) == {"Team000", "Team001", "Team002", "AdministratorAccess", "DeveloperAccess"}


def test_a_permission_set_deleted_since_the_listing_is_looked_up_afresh(ctx, sandbox) -> None:
    instance = seed_account(sandbox, users=0, permission_sets=1)
    state = access.read_access_state(ctx, instance, CALLER.account_id, DEVELOPER)
    access.apply_access(ctx, access.plan_access("step", state, DEVELOPER), state, DEVELOPER, sleep=lambda seconds: None)
    arn = ctx.permission_set_arns[instance.instance_arn]["DeveloperAccess"]
    user = access.find_user(ctx, instance.identity_store_id, DEVELOPER.user.user_name)
    assert user is not None
    other = sandbox_context(sandbox.url, REGION).client("sso-admin")  # someone else, outside this run
    other.delete_account_assignment(
        InstanceArn=instance.instance_arn, TargetId=CALLER.account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn, PrincipalType="USER", PrincipalId=user.user_id,
    )
    other.delete_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)
    again = access.read_access_state(ctx, instance, CALLER.account_id, DEVELOPER)
    assert again.permission_set is None
    assert "DeveloperAccess" not in ctx.permission_set_arns[instance.instance_arn]
    assert plan_of(ctx, instance, DEVELOPER).changes[0].operation == "create_permission_set"


def test_a_name_taken_since_the_listing_drops_the_map(ctx, sandbox) -> None:
    instance = seed_account(sandbox, users=0, permission_sets=0)
    state = access.read_access_state(ctx, instance, CALLER.account_id, DEVELOPER)
    sandbox_context(sandbox.url, REGION).client("sso-admin").create_permission_set(
        InstanceArn=instance.instance_arn, Name="DeveloperAccess")  # someone else, after the plan was read
    with pytest.raises(RunbookError, match="was made since this plan was read"):
        access.apply_access(ctx, access.plan_access("step", state, DEVELOPER), state, DEVELOPER, sleep=lambda seconds: None)
    assert instance.instance_arn not in ctx.permission_set_arns
    assert access.find_permission_set(ctx, instance.instance_arn, "DeveloperAccess")


def test_contexts_share_the_maps_a_headless_run_carries_and_only_then(sandbox) -> None:
    instance = seed_account(sandbox, users=0, permission_sets=2)
    carried = aws.RunKnowledge()
    aws.carry_run(carried)
    try:
        listing = sandbox_context(sandbox.url, REGION)
        access.list_permission_set_arns(listing, instance.instance_arn)
        later = sandbox_context(sandbox.url, REGION)  # a later step of the run
        assert calls_of(later, lambda: access.find_permission_set(later, instance.instance_arn, "Team001")) == Counter()
        assert set(carried.permission_sets[instance.instance_arn]) == {"Team000", "Team001"}
    finally:
        aws.carry_run(None)
    alone = sandbox_context(sandbox.url, REGION)
    assert alone.permission_set_arns == {}
    assert calls_of(alone, lambda: access.find_permission_set(alone, instance.instance_arn, "Team001"))["sso-admin:ListPermissionSets"] == 1
