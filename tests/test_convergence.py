"""A run stopped half-way, or a create whose answer was lost and retried, converges on the next run.

AWS refuses a second permission set of one name (the sandbox does too), so a lost answer to
``CreatePermissionSet`` followed by botocore's retry must leave exactly one; a run killed between
two changes must leave a plan of just what is missing.
"""

from __future__ import annotations

import pytest

from runbook_lib.aws import AwsContext, paginate
from runbook_lib.errors import RunbookError
from runbook_lib.plan import Change, apply_plan
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access, admin_user
from runbook_lib.steps.access.apply import APPLIERS, AccessApplyTarget
from runbook_lib.steps.identity_center import IdentityCenterInstance, require_instance
from sandbox_seeds import ACCOUNT_ID, prepare_account_for


@pytest.fixture
def instance(sandbox: SandboxClient, ctx: AwsContext) -> IdentityCenterInstance:
    prepare_account_for("03_create_admin_user", sandbox)
    return require_instance(ctx)


def admin_spec() -> access.AccessSpec:
    return admin_user.build_admin_spec(
        user_name="Admin", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
        permission_set_name="AdministratorAccess", session_duration_hours=1, group_name="",
    )


def permission_sets_named(ctx: AwsContext, instance: IdentityCenterInstance, name: str) -> int:
    sso_admin = ctx.client("sso-admin")
    return sum(
        1 for arn in paginate(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance.instance_arn)
        if sso_admin.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"] == name
    )


def run_step(ctx: AwsContext, instance: IdentityCenterInstance, spec: access.AccessSpec) -> list[str]:
    """Plan from the live account and apply, as a run of step 03 does; return what was applied."""
    state = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    plan = access.plan_access(admin_user.STEP_ID, state, spec)
    return access.apply_access(ctx, plan, state, spec, sleep=lambda seconds: None)


def verified(ctx: AwsContext, instance: IdentityCenterInstance, spec: access.AccessSpec) -> bool:
    return admin_user.verify_admin(ctx, instance, ACCOUNT_ID, spec, {key: True for key in ("invitation", "email_verified", "mfa_registered", "mfa_settings")}).passed


def test_a_lost_answer_to_create_permission_set_then_botocores_retry_leaves_one_and_the_next_run_converges(ctx, instance):
    spec = admin_spec()
    retried: list[bool] = []

    def lose_the_first_answer(attempts: int, response: object, caught_exception: object, **_: object) -> float | None:
        # The request reached AWS and the set was made; the answer is "lost", so botocore retries.
        if attempts == 1 and not retried:
            retried.append(True)
            return 0
        return None

    ctx.client("sso-admin").meta.events.register("needs-retry.sso-admin.CreatePermissionSet", lose_the_first_answer)
    with pytest.raises(RunbookError, match="was made since this plan was read") as refused:
        run_step(ctx, instance, spec)
    assert retried  # the retry met the set its own first try made: refused, never a second set
    assert "Run this step again" in refused.value.advice
    assert permission_sets_named(ctx, instance, "AdministratorAccess") == 1
    ctx.client("sso-admin").meta.events.unregister("needs-retry.sso-admin.CreatePermissionSet", lose_the_first_answer)

    run_step(ctx, instance, spec)  # the next run finds the set by name and finishes the rest
    assert permission_sets_named(ctx, instance, "AdministratorAccess") == 1
    assert verified(ctx, instance, spec)
    assert access.plan_access(admin_user.STEP_ID, access.read_access_state(ctx, instance, ACCOUNT_ID, spec), spec).is_empty


@pytest.mark.parametrize("stop_after", [1, 2, 3, 4])
def test_a_run_killed_between_two_changes_converges_on_the_next_run(ctx, instance, stop_after):
    spec = admin_spec()
    state = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    plan = access.plan_access(admin_user.STEP_ID, state, spec)
    made: list[str] = []

    def applier_then_kill(operation: str):
        def apply(target: AccessApplyTarget, change: Change) -> str:
            if len(made) == stop_after:
                raise KeyboardInterrupt  # the person stops the kernel half-way
            made.append(operation)
            return APPLIERS[operation](target, change)
        return apply

    killing = {operation: applier_then_kill(operation) for operation in APPLIERS}
    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, killing, AccessApplyTarget.from_state(ctx, state, spec, sleep=lambda seconds: None))
    assert len(made) == stop_after

    rest = access.plan_access(admin_user.STEP_ID, access.read_access_state(ctx, instance, ACCOUNT_ID, spec), spec)
    assert len(rest.api_changes) < len(plan.api_changes)  # only what is still missing
    run_step(ctx, instance, spec)
    assert permission_sets_named(ctx, instance, "AdministratorAccess") == 1
    assert verified(ctx, instance, spec)
    assert access.plan_access(admin_user.STEP_ID, access.read_access_state(ctx, instance, ACCOUNT_ID, spec), spec).is_empty
