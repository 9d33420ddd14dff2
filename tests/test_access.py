"""Users, permission sets and assignments: planning (pure), applying and drift, on the sandbox."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.checks import FAIL, PASS, WARN
from runbook_lib.errors import AccessDeniedError, AwsCallError, NeedsYouError, RunbookError
from runbook_lib.notebook import begin_step
from runbook_lib.plan import Change, Plan, UnknownOperationError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access, admin_user, developer_user
from runbook_lib.steps.checklist import ADMIN_CHECKLIST, DEVELOPER_CHECKLIST, verify_checklist
from runbook_lib.steps.identity_center import IdentityCenterInstance, require_instance
from sandbox_seeds import prepare_account_for

ACCOUNT = "123456789012"
S3 = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
LAMBDA = "arn:aws:iam::aws:policy/AWSLambda_FullAccess"
EXTRA = "arn:aws:iam::aws:policy/IAMFullAccess"
INSTANCE = IdentityCenterInstance("arn:aws:sso:::instance/ssoins-0000000000000000", "d-0000000000", ACCOUNT, "ACTIVE")
INLINE = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}'
PERMISSION_SET_ARN = "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000000"


def spec_for(*policies: str, group: str = "", email: str = "ada@example.com", hours: str = "PT4H") -> access.AccessSpec:
    return access.AccessSpec(
        user=access.UserSpec("ada-developer", "Ada", "Lovelace", "Ada Lovelace", email),
        permission_set=access.PermissionSetSpec("DeveloperAccess", "test", tuple(policies), hours),
        group_name=group,
    )


def empty_state() -> access.AccessState:
    return access.AccessState(ACCOUNT, INSTANCE, None, None, False, None, False)


def operations(plan) -> list[tuple[str, object]]:
    """Return each change's operation and the policy it attaches (``after``) or detaches (``before``)."""
    return [
        (change.operation, change.after if change.operation == "attach_managed_policy"
         else change.before if change.operation == "detach_managed_policy" else "")
        for change in plan.changes
    ]


@pytest.fixture
def instance(sandbox: SandboxClient, ctx: AwsContext) -> IdentityCenterInstance:
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    return require_instance(ctx)


def apply_spec(ctx: AwsContext, instance: IdentityCenterInstance, spec: access.AccessSpec):
    """Read, plan and apply; return the plan and the mutating calls it made."""
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    plan = access.plan_access("04", state, spec)
    before = len(ctx.recorder.calls)
    access.apply_access(ctx, plan, state, spec)
    return plan, [str(call) for call in ctx.recorder.calls[before:] if call.mutating]


# --- planning, pure ---------------------------------------------------------------------------


def test_new_account_plans_user_permission_set_policies_assignment_then_provisioning():
    plan = access.plan_access("04", empty_state(), spec_for(S3, LAMBDA))
    assert operations(plan) == [
        ("create_user", ""), ("create_permission_set", ""),
        ("attach_managed_policy", S3), ("attach_managed_policy", LAMBDA),
        ("create_account_assignment", ""), ("provision_permission_set", ""),
    ]


def test_new_account_plan_names_each_resource_and_what_it_will_be():
    plan = access.plan_access("04", empty_state(), spec_for(S3))
    assert [(change.action, change.address, change.before) for change in plan.changes] == [
        ("create", "identitystore_user.ada-developer", None),
        ("create", "sso_permission_set.DeveloperAccess", None),
        ("create", "sso_managed_policy_attachment.DeveloperAccess[AmazonS3FullAccess]", None),
        ("create", "sso_account_assignment.DeveloperAccess@user.ada-developer", None),
        ("create", "sso_permission_set_provisioning.DeveloperAccess@123456789012", None),
    ]
    assert plan.changes[0].after == {"display_name": "Ada Lovelace", "email": "ada@example.com"}
    assert plan.changes[1].after == {"session_duration": "PT4H", "description": "test"}
    assert plan.changes[2].after == S3
    assert plan.changes[3].after == {"account_id": ACCOUNT}
    assert plan.to_json()["summary"] == {"create": 5}


def test_group_mode_plans_the_group_and_the_membership_and_assigns_the_group():
    plan = access.plan_access("04", empty_state(), spec_for(S3, group="Developers"))
    assert operations(plan)[:3] == [("create_user", ""), ("create_group", ""), ("create_group_membership", "")]
    assert plan.changes[-2].address == "sso_account_assignment.DeveloperAccess@group.Developers"
    assert [change.address for change in plan.changes[1:3]] == [
        "identitystore_group.Developers", "identitystore_group_membership.ada-developer@Developers"]


def test_drift_detaches_what_was_not_asked_attaches_what_is_missing_and_reprovisions():
    current = access.PermissionSetState("arn:ps", "DeveloperAccess", "PT1H", frozenset({S3, EXTRA}), INLINE, True)
    state = dataclasses.replace(
        empty_state(), user=access.UserState("u-1", "ada-developer", "ada@example.com", "Ada"),
        permission_set=current, principal_assigned=True,
    )
    plan = access.plan_access("04", state, spec_for(S3, LAMBDA))
    assert operations(plan) == [
        ("update_session_duration", ""), ("attach_managed_policy", LAMBDA),
        ("detach_managed_policy", EXTRA), ("delete_inline_policy", ""), ("provision_permission_set", ""),
    ]
    assert all("Drift" in change.detail for change in plan.changes[:-1])
    assert [(change.action, change.address, change.before, change.after) for change in plan.changes] == [
        ("update", "sso_permission_set.DeveloperAccess", "PT1H", "PT4H"),
        ("create", "sso_managed_policy_attachment.DeveloperAccess[AWSLambda_FullAccess]", None, LAMBDA),
        ("delete", "sso_managed_policy_attachment.DeveloperAccess[IAMFullAccess]", EXTRA, None),
        ("delete", "sso_permission_set_inline_policy.DeveloperAccess", INLINE, None),
        ("update", "sso_permission_set_provisioning.DeveloperAccess@123456789012", "outdated", "provisioned"),
    ]
    assert all(change.is_drift for change in plan.changes if change.action != "create")


def test_an_existing_user_with_another_email_is_a_conflict_never_applied():
    state = dataclasses.replace(empty_state(), user=access.UserState("u-1", "ada-developer", "old@example.com", "Ada"))
    plan = access.plan_access("04", state, spec_for(S3))
    conflict = plan.changes[0]
    assert conflict.action == "conflict" and "old@example.com" in conflict.detail
    assert (conflict.address, conflict.before, conflict.after) == (
        "identitystore_user.ada-developer", "old@example.com", "ada@example.com")
    assert conflict not in plan.api_changes and plan.conflicts == (conflict,)


def test_a_finished_state_plans_nothing():
    done = access.PermissionSetState("arn:ps", "DeveloperAccess", "PT4H", frozenset({S3}), "", True)
    state = access.AccessState(
        ACCOUNT, INSTANCE, access.UserState("u", "ada-developer", "ADA@example.com", "Ada"), None, False, done, True,
    )
    assert access.plan_access("04", state, spec_for(S3)).is_empty


# --- applying on the sandbox --------------------------------------------------------------------


def test_apply_then_rerun_plans_nothing_and_makes_no_write(ctx, instance):
    spec = spec_for(S3, LAMBDA)
    plan, writes = apply_spec(ctx, instance, spec)
    assert writes == [
        "identitystore:CreateUser", "sso-admin:CreatePermissionSet",
        "sso-admin:AttachManagedPolicyToPermissionSet", "sso-admin:AttachManagedPolicyToPermissionSet",
        "sso-admin:CreateAccountAssignment", "sso-admin:ProvisionPermissionSet",
    ]
    again, writes_again = apply_spec(ctx, instance, spec)
    assert again.is_empty and writes_again == []
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    assert all(check.status == "PASS" for check in access.verify_access(state, spec))


def test_changing_the_services_is_drift_that_apply_fixes(ctx, instance):
    apply_spec(ctx, instance, spec_for(S3, LAMBDA))
    changed = spec_for(S3, hours="PT2H")
    plan, writes = apply_spec(ctx, instance, changed)
    assert [change.operation for change in plan.changes] == [
        "update_session_duration", "detach_managed_policy", "provision_permission_set"]
    assert writes == ["sso-admin:UpdatePermissionSet", "sso-admin:DetachManagedPolicyFromPermissionSet",
                      "sso-admin:ProvisionPermissionSet"]
    state = access.read_access_state(ctx, instance, ACCOUNT, changed)
    assert state.permission_set.managed_policy_arns == {S3} and state.permission_set.session_duration == "PT2H"
    assert access.plan_access("04", state, changed).is_empty


def test_group_mode_on_the_sandbox_assigns_the_group(ctx, instance):
    spec = spec_for(S3, group="Developers")
    apply_spec(ctx, instance, spec)
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    assert state.group_id and state.user_in_group and state.principal_assigned
    assignments = ctx.client("sso-admin").list_account_assignments(
        InstanceArn=instance.instance_arn, AccountId=ACCOUNT, PermissionSetArn=state.permission_set.arn,
    )["AccountAssignments"]
    assert [(a["PrincipalType"], a["PrincipalId"]) for a in assignments] == [("GROUP", state.group_id)]


def test_an_inline_policy_added_by_hand_is_drift(ctx, instance):
    spec = spec_for(S3)
    apply_spec(ctx, instance, spec)
    arn = access.find_permission_set(ctx, instance.instance_arn, "DeveloperAccess")
    ctx.client("sso-admin").put_inline_policy_to_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn,
        InlinePolicy=INLINE,
    )
    plan, writes = apply_spec(ctx, instance, spec)
    assert [change.operation for change in plan.changes] == ["delete_inline_policy", "provision_permission_set"]
    assert plan.changes[0].before == INLINE and plan.changes[0].after is None
    assert "sso-admin:DeleteInlinePolicyFromPermissionSet" in writes


def test_two_permission_sets_of_one_name_are_refused_not_guessed(ctx):
    # AWS and the sandbox refuse a second permission set of one name (ConflictException); should
    # an account have two all the same, the runbook refuses to guess which one is meant.
    sso_admin = ctx.client("sso-admin")
    arns = [f"arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-000000000000000{n}" for n in (1, 2)]
    with Stubber(sso_admin) as stub:
        stub.add_response("list_permission_sets", {"PermissionSets": arns})
        for arn in arns:
            stub.add_response("describe_permission_set", {"PermissionSet": {"Name": "DeveloperAccess", "PermissionSetArn": arn}})
        with pytest.raises(RunbookError, match="2 permission sets are named 'DeveloperAccess'"):
            access.find_permission_set(ctx, INSTANCE.instance_arn, "DeveloperAccess")


def test_a_user_with_another_email_is_left_as_it_is(ctx, instance):
    apply_spec(ctx, instance, spec_for(S3))
    plan, writes = apply_spec(ctx, instance, spec_for(S3, email="new@example.com"))
    assert [change.action for change in plan.changes] == ["conflict"]
    assert writes == []
    assert access.find_user(ctx, instance.identity_store_id, "ada-developer").email == "ada@example.com"


# --- asynchronous status --------------------------------------------------------------------


REQUEST = "11111111-2222-3333-4444-555555555555"


def test_a_failed_assignment_shows_aws_reason(ctx):
    sso_admin = ctx.client("sso-admin")
    with Stubber(sso_admin) as stub:
        stub.add_response("create_account_assignment", {"AccountAssignmentCreationStatus": {"Status": "IN_PROGRESS", "RequestId": REQUEST}})
        stub.add_response("describe_account_assignment_creation_status", {"AccountAssignmentCreationStatus": {
            "Status": "FAILED", "RequestId": REQUEST, "FailureReason": "Received a 404 status error: No principal"}})
        with pytest.raises(AwsCallError) as failed:
            access.create_account_assignment(ctx, INSTANCE.instance_arn, ACCOUNT, PERMISSION_SET_ARN, "u-1", "USER")
    assert "No principal" in str(failed.value) and failed.value.code == "FAILED"


def test_provisioning_in_progress_is_polled_until_it_succeeds(ctx):
    sso_admin = ctx.client("sso-admin")
    with Stubber(sso_admin) as stub:
        stub.add_response("provision_permission_set", {"PermissionSetProvisioningStatus": {"Status": "IN_PROGRESS", "RequestId": REQUEST}})
        stub.add_response("describe_permission_set_provisioning_status",
                          {"PermissionSetProvisioningStatus": {"Status": "SUCCEEDED", "RequestId": REQUEST}},
                          {"InstanceArn": INSTANCE.instance_arn, "ProvisionPermissionSetRequestId": REQUEST})
        access.provision_permission_set(ctx, INSTANCE.instance_arn, PERMISSION_SET_ARN, ACCOUNT)
        stub.assert_no_pending_responses()


def test_an_assignment_needs_a_principal_and_a_permission_set(ctx):
    with pytest.raises(RunbookError, match="missing"):
        access.create_account_assignment(ctx, INSTANCE.instance_arn, ACCOUNT, "arn:ps", "", "USER")


# --- appliers by operation ----------------------------------------------------------------------


def drifted_state(**permission_set: object) -> access.AccessState:
    """Return a state whose user is as asked and whose permission set exists (on PT1H)."""
    found = access.PermissionSetState(PERMISSION_SET_ARN, "DeveloperAccess", "PT1H", frozenset({S3}), "", True)
    return dataclasses.replace(
        empty_state(), user=access.UserState("u-1", "ada-developer", "ada@example.com", "Ada"),
        permission_set=dataclasses.replace(found, **permission_set), principal_assigned=True,
    )


def test_every_operation_plan_access_emits_has_an_applier():
    group_drift = dataclasses.replace(drifted_state(
        managed_policy_arns=frozenset({EXTRA}), inline_policy=INLINE,
        customer_managed_policies=frozenset({"/IamEverything"}), permissions_boundary=S3,
    ), group_id=None)
    plans = [
        access.plan_access("04", empty_state(), spec_for(S3, group="Developers")),
        access.plan_access("04", group_drift, spec_for(S3, group="Developers")),
    ]
    emitted = {change.operation for plan in plans for change in plan.api_changes}
    assert emitted == set(access.APPLIERS)


def test_an_unknown_operation_applies_nothing(ctx):
    plan = Plan("04", (
        Change("create", "identitystore_user.ada-developer", "d", "create_user"),
        Change("update", "sso_permission_set.DeveloperAccess", "d", "rename_permission_set"),
    ))
    with pytest.raises(UnknownOperationError) as refused:
        access.apply_access(ctx, plan, empty_state(), spec_for(S3))
    assert refused.value.operations == ["rename_permission_set"]
    assert ctx.recorder.calls == []


def test_apply_says_what_it_did_per_address(ctx, instance):
    spec = spec_for(S3)
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    done = access.apply_access(ctx, access.plan_access("04", state, spec), state, spec)
    assert [line.split(":", 1)[0] for line in done] == [
        "identitystore_user.ada-developer", "sso_permission_set.DeveloperAccess",
        "sso_managed_policy_attachment.DeveloperAccess[AmazonS3FullAccess]",
        "sso_account_assignment.DeveloperAccess@user.ada-developer",
        "sso_permission_set_provisioning.DeveloperAccess@123456789012",
    ]
    assert "created (user id " in done[0]


def test_a_conflict_on_an_sso_admin_write_is_retried_with_a_growing_pause(ctx):
    spec, state = spec_for(S3), drifted_state()
    full = access.plan_access("04", state, spec)
    plan = full.only(full.changes[:1])
    assert plan.changes[0].operation == "update_session_duration"
    naps: list[float] = []
    with Stubber(ctx.client("sso-admin")) as stub:
        for _ in range(2):
            stub.add_client_error("update_permission_set", "ConflictException", "provisioning in progress", 409)
        stub.add_response("update_permission_set", {}, {
            "InstanceArn": INSTANCE.instance_arn, "PermissionSetArn": PERMISSION_SET_ARN, "SessionDuration": "PT4H"})
        done = access.apply_access(ctx, plan, state, spec, sleep=naps.append)
        stub.assert_no_pending_responses()
    assert naps == [1.0, 2.0]
    assert done == ["sso_permission_set.DeveloperAccess: session PT1H -> PT4H."]


def test_a_conflict_that_does_not_pass_is_reported_after_a_bounded_wait(ctx):
    spec, state = spec_for(S3, LAMBDA), drifted_state(session_duration="PT4H")
    plan = access.plan_access("04", state, spec)
    assert [change.operation for change in plan.api_changes] == ["attach_managed_policy", "provision_permission_set"]
    naps: list[float] = []
    with Stubber(ctx.client("sso-admin")) as stub:
        for _ in range(5):
            stub.add_client_error("attach_managed_policy_to_permission_set", "ConflictException", "busy", 409)
        with pytest.raises(AwsCallError) as failed:
            access.apply_access(ctx, plan, state, spec, sleep=naps.append)
        stub.assert_no_pending_responses()  # five attempts, then no provisioning either
    assert failed.value.code == "ConflictException"
    assert naps == [1.0, 2.0, 4.0, 8.0]


def test_a_conflict_on_create_permission_set_is_a_name_taken_meanwhile_not_retried(ctx):
    spec = spec_for(S3)
    plan = Plan("04", (access.plan_permission_set(None, spec.permission_set)[0],))
    naps: list[float] = []
    with Stubber(ctx.client("sso-admin")) as stub:
        stub.add_client_error("create_permission_set", "ConflictException", "exists", 409)
        with pytest.raises(RunbookError, match="was made since this plan was read") as refused:
            access.apply_access(ctx, plan, empty_state(), spec, sleep=naps.append)
    assert naps == [] and "Run this step again" in refused.value.advice


def test_access_denied_on_a_write_arrives_as_ours(ctx):
    spec = spec_for(S3)
    plan = Plan("04", (access.plan_user(empty_state(), spec)[0],))
    with Stubber(ctx.client("identitystore")) as stub:
        stub.add_client_error("create_user", "AccessDeniedException", "no", 403)
        with pytest.raises(AccessDeniedError) as refused:
            access.apply_access(ctx, plan, empty_state(), spec)
    assert refused.value.operation == "CreateUser"


# --- a user in conflict: a stop, not a success --------------------------------------------------


def conflicted_state(**fields: object) -> access.AccessState:
    """Return a state whose ``ada-developer`` exists with another email than ``spec_for``'s."""
    other = access.UserState("u-other", "ada-developer", "someone@other.example", "Someone Else")
    return dataclasses.replace(empty_state(), user=other, **fields)


def test_a_user_in_conflict_gets_no_assignment_and_no_first_provisioning_but_its_permission_set():
    plan = access.plan_access("04", conflicted_state(), spec_for(S3))
    assert [(change.action, change.operation) for change in plan.changes] == [
        ("conflict", ""), ("create", "create_permission_set"), ("create", "attach_managed_policy")]
    assert plan.conflicts[0].detail.startswith("Exists with email 'someone@other.example', not 'ada@example.com'")
    assert "no group, no assignment" in plan.conflicts[0].detail


def test_a_user_in_conflict_is_added_to_no_group_while_the_group_is_made_and_assigned():
    plan = access.plan_access("04", conflicted_state(), spec_for(S3, group="Developers"))
    operations_planned = [change.operation for change in plan.api_changes]
    assert "create_group_membership" not in operations_planned
    assert operations_planned == [
        "create_group", "create_permission_set", "attach_managed_policy", "create_account_assignment",
        "provision_permission_set"]
    assert plan.changes[-2].address == "sso_account_assignment.DeveloperAccess@group.Developers"


def test_a_user_in_conflict_still_has_its_permission_set_drift_fixed():
    drifted = access.PermissionSetState(PERMISSION_SET_ARN, "DeveloperAccess", "PT4H", frozenset({S3, EXTRA}), "", True)
    plan = access.plan_access("04", conflicted_state(permission_set=drifted, principal_assigned=True), spec_for(S3))
    assert [change.operation for change in plan.changes] == ["", "detach_managed_policy", "provision_permission_set"]


def test_verification_fails_a_user_in_conflict_and_counts_nothing_for_it():
    done = access.PermissionSetState(PERMISSION_SET_ARN, "DeveloperAccess", "PT4H", frozenset({S3}), "", True)
    state = conflicted_state(permission_set=done, principal_assigned=True)  # assigned before the runbook ran
    spec = spec_for(S3)
    checks = {check.check_id: check for check in access.verify_access(state, spec)}
    assert checks["identitystore_user_email_matches"].status == FAIL
    assert checks["sso_account_assignment_exists"].status == FAIL
    assert "someone@other.example" in checks["sso_account_assignment_exists"].detail
    confirmed = verify_checklist(ADMIN_CHECKLIST, {item.key: True for item in ADMIN_CHECKLIST}, "ada-developer", region="us-east-1")
    counted = {check.check_id: check for check in access.discount_confirmations(confirmed, state, spec)}
    assert {key for key, check in counted.items() if check.status == PASS} == {"sso_checklist_mfa_settings"}
    assert counted["sso_checklist_email_verified"].status == WARN
    assert counted["sso_checklist_email_verified"].detail.startswith("Not counted: ada-developer has the email")
    as_asked = dataclasses.replace(state, user=access.UserState("u-1", "ada-developer", "ada@example.com", "Ada"))
    assert access.discount_confirmations(confirmed, as_asked, spec) == confirmed


ADMIN_FIELDS = {
    "user_name": "Admin", "given_name": "Ada", "family_name": "Lovelace", "display_name": "",
    "email": "ada@example.com", "permission_set_name": "AdministratorAccess", "session_duration_hours": 1,
}


def create_someone_elses_user(ctx: AwsContext, instance: IdentityCenterInstance, user_name: str) -> str:
    """Create ``user_name`` with another person's email, as if made by hand before the runbook; return its id."""
    return ctx.client("identitystore").create_user(
        IdentityStoreId=instance.identity_store_id, UserName=user_name, DisplayName="Someone Else",
        Name={"GivenName": "Someone", "FamilyName": "Else"},
        Emails=[{"Value": "someone@other.example", "Type": "work", "Primary": True}],
    )["UserId"]


def test_an_existing_admin_with_another_email_needs_you_and_gets_no_assignment(sandbox, capsys):
    prepare_account_for("03_create_admin_user", sandbox)
    run = begin_step("03_create_admin_user", target="sandbox", headless=True, apply=True, simulate_console=True)
    instance = require_instance(run.ctx)
    someone = create_someone_elses_user(run.ctx, instance, "Admin")
    spec = admin_user.build_admin_spec(**ADMIN_FIELDS, group_name="")
    state = access.read_access_state(run.ctx, instance, ACCOUNT, spec)
    plan = run.show_plan(access.plan_access(admin_user.STEP_ID, state, spec))
    assert "Needs you: identitystore_user.Admin: Exists with email 'someone@other.example'" in capsys.readouterr().out

    with pytest.raises(NeedsYouError) as stopped:
        run.apply(plan, lambda: access.apply_access(run.ctx, plan, state, spec))
    assert stopped.value.step == admin_user.STEP_ID and stopped.value.decisions == run.report.needs_you
    assert [line.split(":", 1)[0] for line in run.report.applied] == [
        "sso_permission_set.AdministratorAccess",  # decided: the set itself gives nobody anything
        "sso_managed_policy_attachment.AdministratorAccess[AdministratorAccess]",
    ]

    # Read back with boto3: the other person's user holds nothing, and nothing is provisioned.
    sso_admin = run.ctx.client("sso-admin")
    assert sso_admin.list_account_assignments_for_principal(
        InstanceArn=instance.instance_arn, PrincipalId=someone, PrincipalType="USER")["AccountAssignments"] == []
    permission_set = access.find_permission_set(run.ctx, instance.instance_arn, "AdministratorAccess")
    assert sso_admin.list_account_assignments(
        InstanceArn=instance.instance_arn, AccountId=ACCOUNT, PermissionSetArn=permission_set)["AccountAssignments"] == []
    assert sso_admin.list_permission_sets_provisioned_to_account(
        InstanceArn=instance.instance_arn, AccountId=ACCOUNT)["PermissionSets"] == []

    # Its sandbox console steps (played for that other user) count for nothing here.
    for step in ("send-user-invitation", "verify-user-email", "register-user-mfa"):
        sandbox.play_console_step(step, user="Admin")
    run.checklist(ADMIN_CHECKLIST, user_name="Admin", confirmed=["email_verified"])
    assert run.report.confirmations == {"mfa_settings": True}  # played account-wide, the only one counted
    verification = admin_user.verify_admin(run.ctx, instance, ACCOUNT, spec, run.report.confirmations)
    statuses = {check.check_id: check.status for check in verification.checks}
    assert not verification.passed
    assert statuses["identitystore_user_email_matches"] == FAIL
    assert statuses["sso_account_assignment_exists"] == FAIL
    assert statuses["sso_checklist_email_verified"] == WARN


def test_an_existing_developer_with_another_email_is_added_to_no_group(sandbox):
    prepare_account_for("04_create_developer_user", sandbox)
    run = begin_step("04_create_developer_user", target="sandbox", headless=True, apply=True)
    instance = require_instance(run.ctx)
    someone = create_someone_elses_user(run.ctx, instance, "ada-developer")
    spec = spec_for(S3, group="Developers")
    state = access.read_access_state(run.ctx, instance, ACCOUNT, spec)
    plan = run.show_plan(access.plan_access("04_create_developer_user", state, spec))
    with pytest.raises(NeedsYouError):
        run.apply(plan, lambda: access.apply_access(run.ctx, plan, state, spec))
    identitystore = run.ctx.client("identitystore")
    assert identitystore.list_group_memberships_for_member(
        IdentityStoreId=instance.identity_store_id, MemberId={"UserId": someone})["GroupMemberships"] == []
    again = access.read_access_state(run.ctx, instance, ACCOUNT, spec)
    assert again.group_id and again.principal_assigned and not again.user_in_group  # the group holds the set


def test_a_plan_only_run_with_a_conflict_records_what_needs_you_without_stopping(sandbox):
    prepare_account_for("04_create_developer_user", sandbox)
    run = begin_step("04_create_developer_user", target="sandbox", headless=True, apply=False)
    instance = require_instance(run.ctx)
    create_someone_elses_user(run.ctx, instance, "ada-developer")
    spec = spec_for(S3)
    state = access.read_access_state(run.ctx, instance, ACCOUNT, spec)
    plan = run.show_plan(access.plan_access("04_create_developer_user", state, spec))
    run.apply(plan, lambda: pytest.fail("a plan-only run applied"))
    assert run.report.needs_you == [f"identitystore_user.ada-developer: {plan.conflicts[0].detail}"]
    assert run.finish().needs_you == run.report.needs_you


def test_the_notebook_of_step_03_ends_a_headless_run_with_a_conflict_as_needs_you(sandbox, tmp_path):
    from runbook_lib import runner

    prepare_account_for("03_create_admin_user", sandbox)
    create_someone_elses_user(sandbox_context(sandbox.url, "us-east-1"), require_instance(sandbox_context(sandbox.url, "us-east-1")), "Admin")
    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "03_create_admin_user.ipynb"
    report_file = tmp_path / "reports" / "03_create_admin_user.json"
    outcome = runner.run_notebook(notebook, tmp_path / notebook.name, {
        "target": "sandbox", "headless": True, "apply": True, "simulate_console": True,
        "summary_file": str(report_file), "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com",
    })
    assert not outcome.succeeded and outcome.error.startswith("NeedsYouError: Step 03_create_admin_user needs you")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["needs_you"] and report["needs_you"][0].startswith("identitystore_user.Admin: Exists with email")
    assert report["error"].startswith("NeedsYouError") and report["confirmations"] == {}


# --- everything that grants (or bounds) access on a permission set --------------------------------


def test_customer_managed_references_and_a_boundary_are_drift_with_before_and_after():
    state = drifted_state(
        session_duration="PT4H", customer_managed_policies=frozenset({"/team/Deploy", "/IamEverything"}),
        permissions_boundary="/team/Fence",
    )
    plan = access.plan_access("04", state, spec_for(S3))
    assert [(change.action, change.address, change.operation, change.before, change.after) for change in plan.changes] == [
        ("delete", "sso_customer_managed_policy_attachment.DeveloperAccess[IamEverything]",
         "detach_customer_managed_policy", "/IamEverything", None),
        ("delete", "sso_customer_managed_policy_attachment.DeveloperAccess[team/Deploy]",
         "detach_customer_managed_policy", "/team/Deploy", None),
        ("delete", "sso_permissions_boundary_attachment.DeveloperAccess", "delete_permissions_boundary", "/team/Fence", None),
        ("update", "sso_permission_set_provisioning.DeveloperAccess@123456789012", "provision_permission_set",
         "outdated", "provisioned"),
    ]
    assert all(change.is_drift and change.detail.startswith("Drift: ") for change in plan.changes[:3])
    [exact] = [check for check in access.verify_permission_set(state, spec_for(S3))
               if check.check_id == "sso_permission_set_policies_exact"]
    assert exact.status == FAIL
    assert "the customer managed policy reference /team/Deploy" in exact.detail
    assert "the permissions boundary /team/Fence" in exact.detail


def test_a_reference_is_one_string_and_back():
    assert access.reference_path("Deploy", "/team/") == "/team/Deploy"
    assert access.reference_fields("/team/Deploy") == {"Name": "Deploy", "Path": "/team/"}
    assert access.reference_fields("/IamEverything") == {"Name": "IamEverything", "Path": "/"}


IAM_EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]})
DEVELOPER_FIELDS = {
    "developer_name": "ada", "given_name": "Ada", "family_name": "Lovelace", "display_name": "",
    "email": "ada@example.com", "permission_set_name": "DeveloperAccess", "session_duration_hours": 4, "group_name": "",
}


def verify_step_04(ctx: AwsContext, instance: IdentityCenterInstance, spec: access.AccessSpec, chosen: tuple[str, ...]):
    """Return step 04's verification with every checklist item confirmed."""
    return developer_user.verify_developer(
        ctx, instance, ACCOUNT, spec, chosen, {item.key: True for item in DEVELOPER_CHECKLIST})


def test_a_customer_managed_policy_granting_iam_is_detached_and_step_04_verifies_after_apply(ctx, instance):
    spec, chosen = developer_user.build_developer_spec(**DEVELOPER_FIELDS, services=["s3"])
    apply_spec(ctx, instance, spec)
    assert verify_step_04(ctx, instance, spec, chosen).passed
    # By hand, outside the runbook: a customer managed policy granting iam:* referenced by the set.
    ctx.client("iam").create_policy(PolicyName="IamEverything", PolicyDocument=IAM_EVERYTHING)
    arn = access.find_permission_set(ctx, instance.instance_arn, "DeveloperAccess")
    sso_admin = ctx.client("sso-admin")
    sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn, CustomerManagedPolicyReference={"Name": "IamEverything"})
    access.provision_permission_set(ctx, instance.instance_arn, arn, ACCOUNT)
    before = verify_step_04(ctx, instance, spec, chosen)
    assert {(check.check_id, check.status) for check in before.failed_checks} == {
        ("sso_permission_set_policies_exact", FAIL), ("iam_permission_set_denies_other_services", FAIL),
        ("iam_role_session_cannot_call_other_services", FAIL)}  # the sandbox's real call as the role agrees

    plan, writes = apply_spec(ctx, instance, spec)
    assert [(change.address, change.before) for change in plan.changes] == [
        ("sso_customer_managed_policy_attachment.DeveloperAccess[IamEverything]", "/IamEverything"),
        ("sso_permission_set_provisioning.DeveloperAccess@123456789012", "outdated"),
    ]
    assert writes == ["sso-admin:DetachCustomerManagedPolicyReferenceFromPermissionSet", "sso-admin:ProvisionPermissionSet"]
    assert sso_admin.list_customer_managed_policy_references_in_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn)["CustomerManagedPolicyReferences"] == []
    assert verify_step_04(ctx, instance, spec, chosen).passed
    assert apply_spec(ctx, instance, spec)[0].is_empty


def test_a_permissions_boundary_set_by_hand_is_deleted_and_step_04_verifies_after_apply(ctx, instance):
    spec, chosen = developer_user.build_developer_spec(**DEVELOPER_FIELDS, services=["s3"])
    apply_spec(ctx, instance, spec)
    arn = access.find_permission_set(ctx, instance.instance_arn, "DeveloperAccess")
    dynamodb_only = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
    ctx.client("sso-admin").put_permissions_boundary_to_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn, PermissionsBoundary={"ManagedPolicyArn": dynamodb_only})
    access.provision_permission_set(ctx, instance.instance_arn, arn, ACCOUNT)
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    assert state.permission_set.permissions_boundary == dynamodb_only
    before = verify_step_04(ctx, instance, spec, chosen)
    assert {check.check_id for check in before.failed_checks} == {
        "sso_permission_set_policies_exact", "iam_permission_set_allows_chosen_service",
        "iam_role_session_can_call_chosen_service"}  # the boundary blocks S3, in the simulator and in a real call

    plan, writes = apply_spec(ctx, instance, spec)
    assert [(change.operation, change.before, change.after) for change in plan.changes] == [
        ("delete_permissions_boundary", dynamodb_only, None), ("provision_permission_set", "outdated", "provisioned")]
    assert writes == ["sso-admin:DeletePermissionsBoundaryFromPermissionSet", "sso-admin:ProvisionPermissionSet"]
    assert access.read_permission_set(ctx, instance.instance_arn, arn, ACCOUNT).permissions_boundary == ""
    assert verify_step_04(ctx, instance, spec, chosen).passed


def test_a_customer_managed_boundary_reads_as_its_path_and_name(ctx, instance):
    spec = spec_for(S3)
    apply_spec(ctx, instance, spec)
    arn = access.find_permission_set(ctx, instance.instance_arn, "DeveloperAccess")
    ctx.client("sso-admin").put_permissions_boundary_to_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn,
        PermissionsBoundary={"CustomerManagedPolicyReference": {"Name": "Fence", "Path": "/team/"}})
    assert access.read_permission_set(ctx, instance.instance_arn, arn, ACCOUNT).permissions_boundary == "/team/Fence"
