"""Tests for runbook_lib.steps.identity_center: organization, console Enable, portal URL."""

from __future__ import annotations

import time

import pytest
from botocore.stub import Stubber

from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.checks import FAIL, PASS
from runbook_lib.errors import (
    AccessDeniedError,
    IdentityCenterInOtherRegionError,
    IdentityCenterNotEnabledError,
    OrganizationConflictError,
    PrerequisiteMissingError,
    RunbookError,
)
from runbook_lib.plan import Change, Plan, UnknownOperationError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps.console import apply_console_changes
from runbook_lib.steps.identity_center import (
    APPLIERS,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    DELETE_IN_PROGRESS,
    STEP_ID,
    IdentityCenterInstance,
    IdentityCenterState,
    Organization,
    apply_identity_center,
    create_organization,
    lists_every_region as identity_center_lists_every_region,
    plan_identity_center,
    portal_url_candidates,
    read_identity_center_state,
    read_instance,
    read_organization,
    require_instance,
    verify_identity_center,
    wait_for_instance,
)
from runbook_lib.validate import validate_portal_url

ACCOUNT = "123456789012"  # the sandbox's account
OTHER_ACCOUNT = "999999999999"
INSTANCE = IdentityCenterInstance(
    "arn:aws:sso:::instance/ssoins-7223fd24797c3af2", "d-1234567890", ACCOUNT, "ACTIVE"
)


def statuses(state: IdentityCenterState) -> dict[str, str]:
    """Return check id -> status of the step's verification."""
    return {check.check_id: check.status for check in verify_identity_center(state).checks}


def enable_everything(sandbox: SandboxClient, ctx: AwsContext) -> None:
    """Plan, apply the organization, and play the console's Enable, as the notebook does."""
    plan = plan_identity_center(read_identity_center_state(ctx, ACCOUNT))
    apply_identity_center(ctx, plan, ACCOUNT)
    apply_console_changes(plan, console=sandbox, region=ctx.region)


class RecordingSleep:
    """A ``sleep`` that really sleeps and remembers what it was asked for."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        time.sleep(seconds)


# --- a new account --------------------------------------------------------------------------


def test_new_account_has_no_organization_and_no_instance(ctx: AwsContext) -> None:
    assert read_identity_center_state(ctx, ACCOUNT) == IdentityCenterState(
        ACCOUNT, "us-east-1", None, None
    )


def test_new_account_plan_creates_the_organization_then_the_console_step(ctx: AwsContext) -> None:
    plan = plan_identity_center(read_identity_center_state(ctx, ACCOUNT))
    assert plan.step == STEP_ID
    assert [(change.action, change.operation) for change in plan.changes] == [
        ("create", "create_organization"),
        ("console", "enable-identity-center"),
    ]
    assert ACCOUNT in plan.changes[0].detail
    assert plan.changes[0].address == f"organizations_organization.{ACCOUNT}"
    assert plan.changes[0].after == {"feature_set": "ALL"}
    assert plan.changes[1].address == "sso_instance.us-east-1"
    assert (plan.changes[1].before, plan.changes[1].after) == (None, "ACTIVE")
    assert "switch to region us-east-1" in plan.changes[1].detail


def test_new_account_verification_fails_every_check(ctx: AwsContext) -> None:
    assert set(statuses(read_identity_center_state(ctx, ACCOUNT)).values()) == {FAIL}


def test_reading_makes_no_write(ctx: AwsContext) -> None:
    read_identity_center_state(ctx, ACCOUNT)
    assert [str(call) for call in ctx.recorder.calls] == [
        "organizations:DescribeOrganization",
        "sso-admin:ListInstances",
        "sso-admin:ListInstances",  # none here: then every region's (RegionScope=ALL_REGIONS)
    ]
    assert ctx.recorder.writes == []


# --- applying -------------------------------------------------------------------------------


def test_apply_creates_the_organization_with_one_write(ctx: AwsContext) -> None:
    plan = plan_identity_center(read_identity_center_state(ctx, ACCOUNT))
    before = len(ctx.recorder.calls)
    applied = apply_identity_center(ctx, plan, ACCOUNT)
    made = ctx.recorder.calls[before:]
    assert [str(call) for call in made] == ["organizations:CreateOrganization"]
    organization = read_organization(ctx)
    assert organization is not None
    assert applied == [f"Created organization {organization.organization_id} (all features)."]
    assert (organization.management_account_id, organization.feature_set) == (ACCOUNT, "ALL")


def test_apply_of_a_console_only_plan_calls_nothing(ctx: AwsContext) -> None:
    plan = Plan(
        STEP_ID,
        plan_identity_center(IdentityCenterState(ACCOUNT, "us-east-1", None, None)).console_changes,
    )
    assert apply_identity_center(ctx, plan, ACCOUNT) == []
    assert ctx.recorder.calls == []


def test_after_the_organization_only_the_console_step_is_left(ctx: AwsContext) -> None:
    create_organization(ctx, ACCOUNT)
    plan = plan_identity_center(read_identity_center_state(ctx, ACCOUNT))
    assert [change.operation for change in plan.changes] == ["enable-identity-center"]
    assert statuses(read_identity_center_state(ctx, ACCOUNT)) == {
        "organizations_account_is_management": PASS,
        "organizations_all_features_enabled": PASS,
        "sso_instance_active": FAIL,
    }


def test_after_organization_and_console_step_plan_is_empty_and_verify_passes(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    enable_everything(sandbox, ctx)
    state = read_identity_center_state(ctx, ACCOUNT)
    assert state.instance is not None and state.instance.owner_account_id == ACCOUNT
    assert plan_identity_center(state).is_empty
    verification = verify_identity_center(state)
    assert verification.passed
    assert state.instance.instance_arn in verification.checks[2].detail


def test_an_instance_in_another_region_is_named_with_the_region_to_set(sandbox: SandboxClient, ctx: AwsContext) -> None:
    enable_everything(sandbox, ctx)
    elsewhere = sandbox_context(sandbox.url, "eu-west-1")
    state = read_identity_center_state(elsewhere, ACCOUNT)
    assert state.instance is None and state.instance_elsewhere is not None
    assert state.instance_elsewhere.primary_region == "us-east-1"
    with pytest.raises(IdentityCenterInOtherRegionError) as refused:  # not a second "Enable" in eu-west-1
        plan_identity_center(state)
    assert (refused.value.region, refused.value.instance_region) == ("eu-west-1", "us-east-1")
    assert "Set `region` to us-east-1" in refused.value.advice
    [failure] = verify_identity_center(state).failures
    assert failure.startswith("IAM Identity Center is enabled in us-east-1, not in eu-west-1 (the runbook's region).")
    assert "click 'Enable'" not in failure


def test_no_instance_in_any_region_still_plans_the_console_click(sandbox: SandboxClient, ctx: AwsContext) -> None:
    create_organization(ctx, ACCOUNT)
    state = read_identity_center_state(sandbox_context(sandbox.url, "eu-west-1"), ACCOUNT)
    assert state.instance is None and state.instance_elsewhere is None
    assert [change.operation for change in plan_identity_center(state).changes] == ["enable-identity-center"]
    [failure] = verify_identity_center(state).failures
    assert "No IAM Identity Center instance in eu-west-1" in failure and "click 'Enable'" in failure


def listed_instance(status: str = "ACTIVE", **region_fields: object) -> dict[str, object]:
    """Return an instance as a multi-Region ``ListInstances`` lists it."""
    return {"InstanceArn": INSTANCE.instance_arn, "IdentityStoreId": INSTANCE.identity_store_id,
            "OwnerAccountId": ACCOUNT, "Status": status, **region_fields}


def test_an_additional_region_is_refused_for_changes_naming_the_primary(ctx: AwsContext) -> None:
    replicated = listed_instance(PrimaryRegion="eu-west-1", Regions=[
        {"RegionName": "eu-west-1", "Status": "ACTIVE", "IsPrimaryRegion": True},
        {"RegionName": "us-east-1", "Status": "ACTIVE", "IsPrimaryRegion": False}])
    with Stubber(ctx.client("sso-admin")) as stub:
        stub.add_response("list_instances", {"Instances": [replicated]})
        with pytest.raises(IdentityCenterInOtherRegionError) as refused:
            require_instance(ctx)
    assert refused.value.additional_region and refused.value.instance_region == "eu-west-1"
    assert "us-east-1 is an additional Region" in refused.value.message
    assert not isinstance(refused.value, PrerequisiteMissingError)  # not worth waiting for


def test_the_instance_of_the_runbooks_own_region_is_used_as_before(ctx: AwsContext) -> None:
    with Stubber(ctx.client("sso-admin")) as stub:
        stub.add_response("list_instances", {"Instances": [listed_instance(PrimaryRegion="us-east-1")]})
        instance = require_instance(ctx)
        stub.assert_no_pending_responses()  # one read: nothing else to ask
    assert instance.primary_region == "us-east-1" and instance.is_managed_from("us-east-1")


def test_with_none_here_every_region_is_asked_and_the_other_one_named(ctx: AwsContext) -> None:
    with Stubber(ctx.client("sso-admin")) as stub:
        stub.add_response("list_instances", {"Instances": []}, {})
        stub.add_response("list_instances", {"Instances": [listed_instance(PrimaryRegion="ap-southeast-2")]},
                          {"RegionScope": "ALL_REGIONS"})
        with pytest.raises(IdentityCenterInOtherRegionError, match="enabled in ap-southeast-2, not in us-east-1"):
            require_instance(ctx)
        stub.assert_no_pending_responses()


def test_a_model_that_cannot_ask_other_regions_says_not_enabled(ctx: AwsContext, monkeypatch) -> None:
    import runbook_lib.steps.identity_center as identity_center_module

    monkeypatch.setattr(identity_center_module, "lists_every_region", lambda client: False)
    with Stubber(ctx.client("sso-admin")) as stub:
        stub.add_response("list_instances", {"Instances": []})
        with pytest.raises(IdentityCenterNotEnabledError):
            require_instance(ctx)
        stub.assert_no_pending_responses()  # no RegionScope call botocore could not make


def test_the_installed_botocore_model_can_list_every_region(ctx: AwsContext) -> None:
    assert identity_center_lists_every_region(ctx.client("sso-admin"))


def test_create_organization_when_it_already_exists(ctx: AwsContext) -> None:
    first = create_organization(ctx, ACCOUNT)
    assert first.startswith("Created organization o-")
    # AWS answers AlreadyInOrganizationException; the account manages it, so nothing to do
    assert (
        create_organization(ctx, ACCOUNT) == "The organization already existed; nothing to create."
    )


def test_create_organization_when_another_account_manages_it(ctx: AwsContext) -> None:
    with Stubber(ctx.client("organizations")) as stub:
        stub.add_client_error(
            "create_organization", "AlreadyInOrganizationException", "already a member", 400
        )
        stub.add_response(
            "describe_organization",
            {
                "Organization": {
                    "Id": "o-abcdefghij",
                    "FeatureSet": "ALL",
                    "MasterAccountId": OTHER_ACCOUNT,
                }
            },
        )
        with pytest.raises(OrganizationConflictError) as caught:
            create_organization(ctx, ACCOUNT)
        stub.assert_no_pending_responses()
    assert (caught.value.account_id, caught.value.management_account_id) == (ACCOUNT, OTHER_ACCOUNT)
    assert caught.value.__cause__ is None  # the conflict, not AWS's error, is the story


def test_create_organization_refused_says_what_to_do(ctx: AwsContext) -> None:
    with Stubber(ctx.client("organizations")) as stub:
        stub.add_client_error("create_organization", "AccessDeniedException", "no", 403)
        with pytest.raises(AccessDeniedError) as caught:
            create_organization(ctx, ACCOUNT)
    assert caught.value.operation == "CreateOrganization"


def test_consolidated_billing_organization_in_the_sandbox(ctx: AwsContext) -> None:
    ctx.client("organizations").create_organization(FeatureSet="CONSOLIDATED_BILLING")
    state = read_identity_center_state(ctx, ACCOUNT)
    assert (
        state.organization is not None and state.organization.feature_set == "CONSOLIDATED_BILLING"
    )
    with pytest.raises(RunbookError, match="has only consolidated billing"):
        plan_identity_center(state)
    assert statuses(state)["organizations_all_features_enabled"] == FAIL


# --- pure planning --------------------------------------------------------------------------


def test_organization_managed_elsewhere_is_a_conflict() -> None:
    state = IdentityCenterState(
        ACCOUNT, "us-east-1", Organization("o-abcdefghij", OTHER_ACCOUNT, "ALL"), None
    )
    with pytest.raises(OrganizationConflictError) as caught:
        plan_identity_center(state)
    assert caught.value.management_account_id == OTHER_ACCOUNT
    assert f"managed by account {OTHER_ACCOUNT}" in str(caught.value)
    assert "Leave organization" in caught.value.advice
    assert statuses(state)["organizations_account_is_management"] == FAIL


def test_consolidated_billing_only_is_refused() -> None:
    state = IdentityCenterState(
        ACCOUNT, "us-east-1", Organization("o-abcdefghij", ACCOUNT, "CONSOLIDATED_BILLING"), None
    )
    with pytest.raises(RunbookError) as caught:
        plan_identity_center(state)
    assert not isinstance(caught.value, OrganizationConflictError)
    assert "Enable all features" in caught.value.advice


def with_instance_status(status: str) -> IdentityCenterState:
    """Return a state with an all-features organization and an instance of this status."""
    instance = IdentityCenterInstance(INSTANCE.instance_arn, INSTANCE.identity_store_id, ACCOUNT, status)
    return IdentityCenterState(ACCOUNT, "us-east-1", Organization("o-abcdefghij", ACCOUNT, "ALL"), instance)


@pytest.mark.parametrize("status", [CREATE_IN_PROGRESS, "PENDING"])  # PENDING: a status newer than the code
def test_an_instance_not_active_yet_needs_no_change_but_fails_verification(status: str) -> None:
    state = with_instance_status(status)
    assert plan_identity_center(state).is_empty
    assert statuses(state)["sso_instance_active"] == FAIL
    [failure] = verify_identity_center(state).failed_checks
    assert f"{status}, not ACTIVE" in failure.detail


@pytest.mark.parametrize(("status", "says"), [(CREATE_FAILED, "failed"), (DELETE_IN_PROGRESS, "being deleted")])
def test_a_failed_or_deleted_instance_is_a_clear_error_not_a_wait(status: str, says: str) -> None:
    state = with_instance_status(status)
    with pytest.raises(RunbookError, match=says) as refused:
        plan_identity_center(state)
    assert not isinstance(refused.value, PrerequisiteMissingError)
    assert status in refused.value.message and refused.value.advice
    assert statuses(state)["sso_instance_active"] == FAIL


def stubbed_instances(ctx: AwsContext, *statuses_listed: str) -> Stubber:
    """Return a Stubber answering ``ListInstances`` once per status given, in order."""
    stub = Stubber(ctx.client("sso-admin"))
    for status in statuses_listed:
        stub.add_response("list_instances", {"Instances": [{
            "InstanceArn": INSTANCE.instance_arn, "IdentityStoreId": INSTANCE.identity_store_id,
            "OwnerAccountId": ACCOUNT, "Status": status,
        }]})
    return stub


def test_require_instance_while_it_is_being_created_says_its_status(ctx: AwsContext) -> None:
    with stubbed_instances(ctx, CREATE_IN_PROGRESS), pytest.raises(PrerequisiteMissingError) as waiting:
        require_instance(ctx)
    assert "status CREATE_IN_PROGRESS" in waiting.value.message
    assert "02_enable_identity_center" in waiting.value.advice


def test_require_instance_that_failed_is_a_clear_error(ctx: AwsContext) -> None:
    with stubbed_instances(ctx, CREATE_FAILED), pytest.raises(RunbookError, match="failed") as refused:
        require_instance(ctx)
    assert not isinstance(refused.value, PrerequisiteMissingError)


def test_wait_for_instance_waits_until_it_is_active(ctx: AwsContext) -> None:
    now = [0.0]
    with stubbed_instances(ctx, CREATE_IN_PROGRESS, CREATE_IN_PROGRESS, "ACTIVE") as stub:
        instance = wait_for_instance(
            ctx, timeout_seconds=60, interval_seconds=5, sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
            clock=lambda: now[0],
        )
        stub.assert_no_pending_responses()
    assert instance is not None and instance.status == "ACTIVE"
    assert now[0] == 10.0


def test_wait_for_instance_still_being_created_at_the_deadline_is_none(ctx: AwsContext) -> None:
    now = [0.0]
    with stubbed_instances(ctx, CREATE_IN_PROGRESS, CREATE_IN_PROGRESS):
        instance = wait_for_instance(
            ctx, timeout_seconds=5, interval_seconds=5, sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
            clock=lambda: now[0],
        )
    assert instance is None


def test_wait_for_instance_stops_at_once_when_it_failed(ctx: AwsContext) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError("waited for an instance that failed")

    with stubbed_instances(ctx, CREATE_FAILED), pytest.raises(RunbookError, match="failed"):
        wait_for_instance(ctx, timeout_seconds=60, sleep=no_sleep)


def test_every_operation_plan_identity_center_emits_has_an_applier() -> None:
    plan = plan_identity_center(IdentityCenterState(ACCOUNT, "us-east-1", None, None))
    assert {change.operation for change in plan.api_changes} == set(APPLIERS)


def test_an_unknown_operation_applies_nothing(ctx: AwsContext) -> None:
    plan = Plan(STEP_ID, (
        Change("create", f"organizations_organization.{ACCOUNT}", "d", "create_organization"),
        Change("delete", f"organizations_organization.{ACCOUNT}", "d", "delete_organization"),
    ))
    with pytest.raises(UnknownOperationError, match="delete_organization"):
        apply_identity_center(ctx, plan, ACCOUNT)
    assert ctx.recorder.calls == []


def test_require_instance_before_the_console_step_says_what_to_do(ctx: AwsContext) -> None:
    create_organization(ctx, ACCOUNT)
    with pytest.raises(IdentityCenterNotEnabledError) as caught:
        require_instance(ctx)
    assert caught.value.region == "us-east-1"
    assert "02_enable_identity_center" in caught.value.advice


def test_require_instance_returns_the_instance(sandbox: SandboxClient, ctx: AwsContext) -> None:
    enable_everything(sandbox, ctx)
    assert require_instance(ctx) == read_instance(ctx)
    with pytest.raises(IdentityCenterInOtherRegionError, match="enabled in us-east-1, not in eu-west-1"):
        require_instance(sandbox_context(sandbox.url, "eu-west-1"))


# --- waiting for the instance ---------------------------------------------------------------


def test_wait_finds_a_delayed_instance(sandbox: SandboxClient, ctx: AwsContext) -> None:
    create_organization(ctx, ACCOUNT)
    played = time.monotonic()  # the sandbox counts the delay from the play, so measure from here
    sandbox.play_console_step("enable-identity-center", region="us-east-1", delay_seconds=0.6)
    assert read_instance(ctx) is None
    sleep = RecordingSleep()
    started = time.monotonic()
    instance = wait_for_instance(ctx, timeout_seconds=2.5, interval_seconds=0.2, sleep=sleep)
    done = time.monotonic()
    assert instance is not None and instance.status == "ACTIVE"
    assert done - played >= 0.6  # found only once the delay was over, however busy the machine
    assert done - started < 2.5  # and before the wait's own timeout
    assert sleep.asked and all(0 <= seconds <= 0.2 for seconds in sleep.asked)


def test_wait_without_an_instance_returns_none_within_the_timeout(ctx: AwsContext) -> None:
    sleep = RecordingSleep()
    started = time.monotonic()
    assert wait_for_instance(ctx, timeout_seconds=0.7, interval_seconds=0.3, sleep=sleep) is None
    elapsed = time.monotonic() - started
    assert sum(sleep.asked) <= 0.7
    assert all(seconds <= 0.3 for seconds in sleep.asked)
    assert elapsed >= 0.7  # it waited the whole timeout; how much longer depends on the machine's load, not on us
    reads = [str(call) for call in ctx.recorder.calls]
    assert set(reads) == {"sso-admin:ListInstances"}
    assert len(reads) == len(sleep.asked) + 1  # one read per wake-up, no busy loop


def test_wait_with_no_time_reads_once_and_does_not_sleep(ctx: AwsContext) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"asked to sleep {seconds} s with no time to wait")

    assert wait_for_instance(ctx, timeout_seconds=0, sleep=no_sleep) is None
    assert len(ctx.recorder.calls) == 1


def test_wait_on_a_fake_clock_polls_once_per_interval_then_gives_up(ctx: AwsContext) -> None:
    now = [1000.0]

    def advance(seconds: float) -> None:
        now[0] += seconds

    assert wait_for_instance(
        ctx, timeout_seconds=120, interval_seconds=5, sleep=advance, clock=lambda: now[0]
    ) is None
    assert now[0] == 1120.0
    assert len(ctx.recorder.calls) == 120 // 5 + 1  # a read at 0, 5, ..., 120 s


# --- the access portal URL ------------------------------------------------------------------


def test_instance_id_is_the_end_of_the_arn() -> None:
    assert INSTANCE.instance_id == "ssoins-7223fd24797c3af2"


def test_portal_url_candidates_forms() -> None:
    assert portal_url_candidates(INSTANCE, "eu-west-1") == [
        "https://d-1234567890.awsapps.com/start",
        "https://ssoins-7223fd24797c3af2.portal.eu-west-1.app.aws",
    ]


def test_portal_url_candidates_of_the_sandbox_instance_are_valid(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    enable_everything(sandbox, ctx)
    instance = read_instance(ctx)
    assert instance is not None
    candidates = portal_url_candidates(instance, ctx.region)
    assert [validate_portal_url(candidate) for candidate in candidates] == candidates
    assert candidates[0] == f"https://{instance.identity_store_id}.awsapps.com/start"
