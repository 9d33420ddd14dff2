"""Users, permission sets and assignments: planning (pure), applying and drift, on the sandbox."""

from __future__ import annotations

import dataclasses

import pytest
from botocore.stub import Stubber

from runbook_lib.aws import AwsContext
from runbook_lib.errors import AccessDeniedError, AwsCallError, RunbookError
from runbook_lib.plan import Change, Plan, UnknownOperationError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access
from runbook_lib.steps.identity_center import IdentityCenterInstance, require_instance

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
    group_drift = dataclasses.replace(
        drifted_state(managed_policy_arns=frozenset({EXTRA}), inline_policy=INLINE), group_id=None)
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
