"""Tests for runbook_lib.steps.least_privilege: the reserved role found by its whole name, and the
evaluator's decisions judged (pure), then the same on the sandbox; and the sandbox-only real calls
with the role's own credentials, judged (pure) and made."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from runbook_lib import catalogue
from runbook_lib.aws import AwsContext
from runbook_lib.checks import FAIL, PASS
from runbook_lib.errors import RunbookError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import developer_user, least_privilege
from runbook_lib.steps.identity_center import IdentityCenterInstance, require_instance
from runbook_lib.steps.least_privilege import Decision, is_reserved_role, judge_decisions

ACCOUNT = "123456789012"
HEX = "0123456789abcdef"
PATH = "/aws-reserved/sso.amazonaws.com/"
ROLE = f"AWSReservedSSO_DeveloperAccess_{HEX}"


def role(name: str, path: str = PATH) -> dict[str, str]:
    """Return a role as ``iam:ListRoles`` lists it."""
    return {"RoleName": name, "Path": path, "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}"}


# --- the reserved role's name, matched whole (pure) ------------------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (f"AWSReservedSSO_Dev_{HEX}", PATH),
        (f"AWSReservedSSO_Dev_{HEX}", f"{PATH}eu-west-1/"),  # Identity Center outside us-east-1
        (f"AWSReservedSSO_Dev_{HEX}", f"{PATH}ap-southeast-2/"),
    ],
)
def test_the_set_s_own_role_matches(name: str, path: str) -> None:
    assert is_reserved_role(role(name, path), "Dev")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (f"AWSReservedSSO_Dev_Ops_{HEX}", PATH),  # another set whose name starts with Dev_
        (f"AWSReservedSSO_Dev_{HEX}x", PATH),
        (f"AWSReservedSSO_Dev_{HEX[:-1]}", PATH),  # 15 hex digits
        (f"AWSReservedSSO_Dev_{HEX.upper()}", PATH),
        (f"AWSReservedSSO_Dev_{HEX}", "/"),  # a look-alike made by hand, not by Identity Center
        (f"AWSReservedSSO_Dev_{HEX}", "/aws-reserved/sso.amazonaws.com/eu-west-1/extra/"),
        (f"AWSReservedSSO_Dev_{HEX}", "/aws-reserved/ssoXamazonaws.com/"),
        (f"AWSReservedSSO_dev_{HEX}", PATH),
        (f"xAWSReservedSSO_Dev_{HEX}", PATH),
    ],
)
def test_other_roles_do_not_match(name: str, path: str) -> None:
    assert not is_reserved_role(role(name, path), "Dev")


def test_a_set_name_with_pattern_characters_is_matched_literally() -> None:
    assert is_reserved_role(role(f"AWSReservedSSO_a.b+c_{HEX}"), "a.b+c")
    assert not is_reserved_role(role(f"AWSReservedSSO_aXb+c_{HEX}"), "a.b+c")


def test_the_set_named_dev_ops_finds_its_own_role_not_dev_s() -> None:
    assert is_reserved_role(role(f"AWSReservedSSO_Dev_Ops_{HEX}"), "Dev_Ops")
    assert not is_reserved_role(role(f"AWSReservedSSO_Dev_{HEX}"), "Dev_Ops")


# --- judging the evaluator's decisions (pure) ------------------------------------------------


def test_allowed_and_denied_as_asked_pass_and_name_the_role_and_action() -> None:
    checks = judge_decisions(
        [Decision("s3:ListAllMyBuckets", "allowed"), Decision("iam:CreateUser", "implicitDeny"),
         Decision("dynamodb:ListTables", "explicitDeny")],
        role_name=ROLE, must_allow=["s3:ListAllMyBuckets"], must_deny=["iam:CreateUser", "dynamodb:ListTables"],
        evaluator="the test",
    )
    assert [(check.check_id, check.status, check.resource) for check in checks] == [
        ("iam_permission_set_allows_chosen_service", PASS, f"iam_role.{ROLE}[s3:ListAllMyBuckets]"),
        ("iam_permission_set_denies_other_services", PASS, f"iam_role.{ROLE}[iam:CreateUser]"),
        ("iam_permission_set_denies_other_services", PASS, f"iam_role.{ROLE}[dynamodb:ListTables]"),
    ]
    assert checks[1].detail == "iam:CreateUser: implicitDeny (evaluated by the test)."


def test_a_denied_chosen_service_and_an_allowed_other_fail() -> None:
    checks = judge_decisions(
        [Decision("s3:ListAllMyBuckets", "implicitDeny"), Decision("iam:CreateUser", "allowed")],
        role_name=ROLE, must_allow=["s3:ListAllMyBuckets"], must_deny=["iam:CreateUser"], evaluator="e",
    )
    assert [check.status for check in checks] == [FAIL, FAIL]


def test_an_action_the_evaluator_did_not_answer_fails_either_way() -> None:
    checks = judge_decisions([], role_name=ROLE, must_allow=["s3:GetObject"], must_deny=["iam:CreateUser"], evaluator="e")
    assert [check.status for check in checks] == [FAIL, FAIL]
    assert all("not evaluated" in check.detail for check in checks)


def test_no_actions_asked_no_checks() -> None:
    assert judge_decisions([Decision("s3:GetObject", "allowed")], role_name=ROLE, must_allow=[], must_deny=[], evaluator="e") == []


def test_the_evaluator_is_named_for_the_target() -> None:
    assert least_privilege.evaluator_name(True) == least_privilege.SANDBOX_EVALUATOR
    assert least_privilege.evaluator_name(False) == least_privilege.AWS_EVALUATOR


# --- on the sandbox ------------------------------------------------------------------------------


@pytest.fixture
def instance(sandbox: SandboxClient, ctx: AwsContext) -> IdentityCenterInstance:
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    return require_instance(ctx)


def provision(ctx: AwsContext, instance: IdentityCenterInstance, name: str, policy_arn: str) -> None:
    """Create a permission set with one managed policy and provision it (the sandbox makes its role)."""
    sso_admin = ctx.client("sso-admin")
    arn = sso_admin.create_permission_set(InstanceArn=instance.instance_arn, Name=name)["PermissionSet"]["PermissionSetArn"]
    sso_admin.attach_managed_policy_to_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn)
    sso_admin.provision_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn, TargetType="AWS_ACCOUNT", TargetId=ACCOUNT)


def test_before_provisioning_there_is_no_role(ctx: AwsContext, instance: IdentityCenterInstance) -> None:
    [check] = least_privilege.check_role_permissions(ctx, "Dev", must_allow=["s3:ListAllMyBuckets"], must_deny=[])
    assert (check.check_id, check.status, check.resource) == ("iam_reserved_role_exists", FAIL, "iam_role.AWSReservedSSO_Dev_*")


def test_dev_and_dev_ops_each_find_their_own_role(ctx: AwsContext, instance: IdentityCenterInstance) -> None:
    provision(ctx, instance, "Dev_Ops", "arn:aws:iam::aws:policy/IAMFullAccess")
    assert least_privilege.find_reserved_role(ctx, "Dev") is None  # Dev_Ops's role is not Dev's
    provision(ctx, instance, "Dev", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    dev = least_privilege.find_reserved_role(ctx, "Dev")
    dev_ops = least_privilege.find_reserved_role(ctx, "Dev_Ops")
    assert dev and dev_ops and dev != dev_ops
    assert "/AWSReservedSSO_Dev_" in dev and "/AWSReservedSSO_Dev_Ops_" in dev_ops
    checks = least_privilege.check_role_permissions(
        ctx, "Dev", must_allow=["s3:ListAllMyBuckets"], must_deny=["iam:CreateUser"])
    assert [(check.check_id, check.status) for check in checks] == [
        ("iam_reserved_role_exists", PASS),
        ("iam_permission_set_allows_chosen_service", PASS),
        ("iam_permission_set_denies_other_services", PASS),  # IAMFullAccess is Dev_Ops's, not Dev's
    ]
    role_name = dev.rsplit("/", 1)[-1]
    assert checks[2].resource == f"iam_role.{role_name}[iam:CreateUser]"


# --- IAM is eventually consistent: a bounded wait right after an apply ----------------------------


class FakeClock:
    """A clock that only the wait's own sleeps move; it notes each pause."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def listed_role() -> dict[str, object]:
    """Return the reserved role as ``iam:ListRoles`` lists it (every field botocore requires)."""
    return {**role(ROLE), "RoleId": "AROAEXAMPLEEXAMPLE01", "CreateDate": "2026-12-01T00:00:00Z"}


def test_a_role_iam_shows_late_is_waited_for_and_the_progress_said(ctx: AwsContext) -> None:
    clock, said = FakeClock(), []
    with Stubber(ctx.client("iam")) as stub:
        for _ in range(2):
            stub.add_response("list_roles", {"Roles": []})
        stub.add_response("list_roles", {"Roles": [listed_role()]})
        stub.add_response("simulate_principal_policy", {"EvaluationResults": [
            {"EvalActionName": "s3:ListAllMyBuckets", "EvalResourceName": "*", "EvalDecision": "allowed"}]})
        checks = least_privilege.check_role_permissions(
            ctx, "DeveloperAccess", must_allow=["s3:ListAllMyBuckets"], must_deny=[],
            wait=least_privilege.IamWait(on_progress=said.append, sleep=clock.sleep, clock=clock),
        )
        stub.assert_no_pending_responses()
    assert [check.status for check in checks] == [PASS, PASS]
    assert clock.pauses == [5.0, 5.0] and clock.now == 10.0
    assert said[0].startswith("Waiting for IAM to catch up (0 of at most 60 s): No role AWSReservedSSO_DeveloperAccess_")
    assert said[1].startswith("Waiting for IAM to catch up (5 of at most 60 s)")


def test_iam_s_settling_reports_its_progress_and_can_be_cancelled(ctx: AwsContext) -> None:
    from runbook_lib.errors import WaitCancelled
    from runbook_lib.progress import CANCELLED, DONE, END, START, TICK

    class Shown:
        tick_seconds = 1.0

        def __init__(self, cancel_after: int | None = None) -> None:
            self.statuses: list = []
            self.cancel_after = cancel_after

        def report(self, status) -> None:  # type: ignore[no-untyped-def]
            self.statuses.append(status)

        def cancelled(self) -> bool:
            ticks = sum(status.stage == TICK for status in self.statuses)
            return self.cancel_after is not None and ticks >= self.cancel_after

    shown, clock = Shown(), FakeClock()
    with Stubber(ctx.client("iam")) as stub:
        stub.add_response("list_roles", {"Roles": []})
        stub.add_response("list_roles", {"Roles": [listed_role()]})
        stub.add_response("simulate_principal_policy", {"EvaluationResults": [
            {"EvalActionName": "s3:ListAllMyBuckets", "EvalResourceName": "*", "EvalDecision": "allowed"}]})
        least_privilege.check_role_permissions(
            ctx, "DeveloperAccess", must_allow=["s3:ListAllMyBuckets"], must_deny=[],
            wait=least_privilege.IamWait(sleep=clock.sleep, clock=clock, progress=shown),
        )
    stages = [status.stage for status in shown.statuses]
    assert stages[0] == START and stages[-1] == END and TICK in stages
    assert shown.statuses[-1].outcome == DONE
    assert shown.statuses[1].what == "IAM to show the role of DeveloperAccess and its policies"
    assert shown.statuses[1].detail.startswith("No role AWSReservedSSO_DeveloperAccess_")

    cancelling, clock = Shown(cancel_after=2), FakeClock()
    with Stubber(ctx.client("iam")) as stub:
        for _ in range(3):
            stub.add_response("list_roles", {"Roles": []})
        with pytest.raises(WaitCancelled):
            least_privilege.check_role_permissions(
                ctx, "DeveloperAccess", must_allow=["s3:ListAllMyBuckets"], must_deny=[],
                wait=least_privilege.IamWait(sleep=clock.sleep, clock=clock, progress=cancelling),
            )
    assert cancelling.statuses[-1].outcome == CANCELLED and clock.now < 60


def test_a_role_that_never_shows_fails_after_the_bounded_wait(ctx: AwsContext) -> None:
    clock = FakeClock()
    with Stubber(ctx.client("iam")) as stub:
        for _ in range(13):  # a read at 0, 5, ..., 60 s
            stub.add_response("list_roles", {"Roles": []})
        [check] = least_privilege.check_role_permissions(
            ctx, "DeveloperAccess", must_allow=["s3:ListAllMyBuckets"], must_deny=[],
            wait=least_privilege.IamWait(sleep=clock.sleep, clock=clock),
        )
        stub.assert_no_pending_responses()
    assert clock.now == 60.0
    assert (check.check_id, check.status) == ("iam_reserved_role_exists", FAIL)
    assert check.detail.endswith("Still so after waiting 60 s for IAM.")


def test_a_simulation_not_yet_matching_is_read_again_until_it_does(ctx: AwsContext) -> None:
    clock = FakeClock()
    with Stubber(ctx.client("iam")) as stub:
        for decision in ("implicitDeny", "allowed"):  # the role's new policy reaches IAM's evaluator late
            stub.add_response("list_roles", {"Roles": [listed_role()]})
            stub.add_response("simulate_principal_policy", {"EvaluationResults": [
                {"EvalActionName": "s3:ListAllMyBuckets", "EvalResourceName": "*", "EvalDecision": decision}]})
        checks = least_privilege.check_role_permissions(
            ctx, "DeveloperAccess", must_allow=["s3:ListAllMyBuckets"], must_deny=[],
            wait=least_privilege.IamWait(sleep=clock.sleep, clock=clock),
        )
    assert [check.status for check in checks] == [PASS, PASS] and clock.pauses == [5.0]


def test_without_a_wait_the_role_is_read_once(ctx: AwsContext) -> None:
    with Stubber(ctx.client("iam")) as stub:
        stub.add_response("list_roles", {"Roles": []})
        [check] = least_privilege.check_role_permissions(ctx, "DeveloperAccess", must_allow=["s3:ListAllMyBuckets"], must_deny=[])
        stub.assert_no_pending_responses()
    assert check.status == FAIL and "Still so" not in check.detail


def test_verification_waits_only_when_identity_center_holds_the_access_as_asked(
    sandbox: SandboxClient, ctx: AwsContext, instance: IdentityCenterInstance
) -> None:
    """A role missing because nothing was provisioned (a user in conflict) is not IAM lagging."""
    from runbook_lib.steps import access, developer_user

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for IAM where waiting changes nothing")

    wait = least_privilege.IamWait(sleep=no_sleep)
    spec, chosen = developer_user.build_developer_spec(
        developer_name="ada", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
        services=["s3"], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name="")
    ctx.client("identitystore").create_user(
        IdentityStoreId=instance.identity_store_id, UserName="ada-developer", DisplayName="Someone Else",
        Name={"GivenName": "Someone", "FamilyName": "Else"}, Emails=[{"Value": "someone@other.example", "Primary": True}])
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    access.apply_access(ctx, access.plan_access("04", state, spec), state, spec)
    assert not access.iam_may_lag(access.read_access_state(ctx, instance, ACCOUNT, spec), spec)
    verification = developer_user.verify_developer(ctx, instance, ACCOUNT, spec, chosen, {}, iam_wait=wait)
    assert "iam_reserved_role_exists" in {check.check_id for check in verification.failed_checks}


# --- sandbox only: real calls with the role's own credentials ------------------------------------

S3_PROBE = least_privilege.CHOSEN_SERVICE_PROBES["s3"]
TABLES_PROBE = least_privilege.OTHER_SERVICE_PROBES["dynamodb"]
CREATE_USER = least_privilege.CREATE_USER_PROBE


def test_judging_real_calls_allowed_and_denied_as_asked() -> None:
    checks = least_privilege.judge_calls(
        [least_privilege.CallResult(S3_PROBE, ""), least_privilege.CallResult(TABLES_PROBE, "NotImplemented")],
        [least_privilege.CallResult(CREATE_USER, "AccessDenied")], role_name=ROLE,
    )
    assert [(check.check_id, check.status, check.resource) for check in checks] == [
        ("iam_role_session_can_call_chosen_service", PASS, f"iam_role.{ROLE}[s3:ListAllMyBuckets]"),
        ("iam_role_session_can_call_chosen_service", PASS, f"iam_role.{ROLE}[dynamodb:ListTables]"),
        ("iam_role_session_cannot_call_other_services", PASS, f"iam_role.{ROLE}[iam:CreateUser]"),
    ]
    assert "authorized, then NotImplemented (not an access denial)" in checks[1].detail
    assert "denied (AccessDenied)" in checks[2].detail and "real call in the sandbox" in checks[2].detail


def test_judging_real_calls_a_denied_choice_and_an_allowed_other_fail() -> None:
    checks = least_privilege.judge_calls(
        [least_privilege.CallResult(S3_PROBE, "AccessDenied")],
        [least_privilege.CallResult(CREATE_USER, ""), least_privilege.CallResult(TABLES_PROBE, "ValidationException")],
        role_name=ROLE,
    )
    assert [check.status for check in checks] == [FAIL, FAIL, FAIL]
    assert "NOT denied (it succeeded)" in checks[1].detail and "NOT denied (ValidationException)" in checks[2].detail


def test_real_calls_as_the_role_are_allowed_and_refused_by_its_policies(
    ctx: AwsContext, instance: IdentityCenterInstance
) -> None:
    provision(ctx, instance, "Dev", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    before = len(ctx.recorder.calls)
    checks = least_privilege.check_role_calls(
        ctx, "Dev", must_succeed=[S3_PROBE], must_be_denied=[CREATE_USER, TABLES_PROBE], session_name="ada-developer")
    assert [(check.check_id, check.status) for check in checks] == [
        ("iam_role_session_can_call_chosen_service", PASS),
        ("iam_role_session_cannot_call_other_services", PASS),
        ("iam_role_session_cannot_call_other_services", PASS),
    ]
    assert "denied (AccessDeniedException)" in checks[2].detail
    assert [str(call) for call in ctx.recorder.calls[before:]] == ["iam:ListRoles"]  # the role's calls are not the runbook's


def test_a_wrongly_allowed_create_user_fails_and_leaves_no_user(ctx: AwsContext, instance: IdentityCenterInstance) -> None:
    provision(ctx, instance, "Dev", "arn:aws:iam::aws:policy/IAMFullAccess")
    [check] = least_privilege.check_role_calls(ctx, "Dev", must_succeed=[], must_be_denied=[CREATE_USER], session_name="ada")
    assert (check.check_id, check.status) == ("iam_role_session_cannot_call_other_services", FAIL)
    users = [user["UserName"] for user in ctx.client("iam").list_users()["Users"]]
    assert least_privilege.PROBE_USER_NAME not in users


def test_no_role_yet_no_real_call(ctx: AwsContext, instance: IdentityCenterInstance) -> None:
    assert least_privilege.check_role_calls(ctx, "Dev", must_succeed=[S3_PROBE], must_be_denied=[], session_name="a") == []


def test_real_calls_as_the_role_are_for_the_sandbox_only(ctx: AwsContext) -> None:
    real = AwsContext(ctx.session, ctx.region, target="profile")
    with pytest.raises(RunbookError, match="sandbox-only proof"):
        least_privilege.check_role_calls(real, "Dev", must_succeed=[S3_PROBE], must_be_denied=[], session_name="a")


def test_every_choice_has_a_probe_its_own_policies_allow_and_no_other_service_s_do(
    ctx: AwsContext, instance: IdentityCenterInstance
) -> None:
    assert set(least_privilege.CHOSEN_SERVICE_PROBES) == {choice.key for choice in catalogue.CHOICES}
    assert {key: probe.action for key, probe in least_privilege.OTHER_SERVICE_PROBES.items()} == {
        service.key: service.example_actions[0] for service in catalogue.SERVICES}  # the simulator's proof, as calls
    sso_admin = ctx.client("sso-admin")
    for choice in catalogue.CHOICES:
        name = f"Probe{choice.key.capitalize()}"
        arn = sso_admin.create_permission_set(InstanceArn=instance.instance_arn, Name=name)["PermissionSet"]["PermissionSetArn"]
        for policy_arn in choice.policy_arns:
            sso_admin.attach_managed_policy_to_permission_set(
                InstanceArn=instance.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn)
        sso_admin.provision_permission_set(
            InstanceArn=instance.instance_arn, PermissionSetArn=arn, TargetType="AWS_ACCOUNT", TargetId=ACCOUNT)
        others = [probe for key, probe in least_privilege.OTHER_SERVICE_PROBES.items()
                  if key != choice.key and choice in catalogue.SERVICES]
        checks = least_privilege.check_role_calls(
            ctx, name, must_succeed=[least_privilege.CHOSEN_SERVICE_PROBES[choice.key]], must_be_denied=others,
            session_name="p")
        assert [check for check in checks if check.status != PASS] == [], choice.key


@pytest.mark.parametrize(("services", "succeed", "denied"), [
    (("s3", "lambda", "logs"), ["s3:ListAllMyBuckets", "lambda:ListFunctions", "logs:DescribeLogGroups"],
     ["iam:CreateUser", "dynamodb:ListTables", "apigateway:GET"]),
    (("s3", "dynamodb"), ["s3:ListAllMyBuckets", "dynamodb:ListTables"],
     ["iam:CreateUser", "lambda:GetAccountSettings", "apigateway:GET"]),  # DynamoDB's policy grants lambda:ListFunctions
    (("ReadOnly",), ["s3:ListAllMyBuckets"], ["iam:CreateUser"]),  # a preset spans services: IAM only
])
def test_the_developer_s_probes_follow_the_simulator_s_proof(
    services: tuple[str, ...], succeed: list[str], denied: list[str]
) -> None:
    must_succeed, must_be_denied = developer_user.sandbox_call_probes(services)
    assert ([probe.action for probe in must_succeed], [probe.action for probe in must_be_denied]) == (succeed, denied)
    _, simulated_denied = developer_user.least_privilege_proof(services)
    assert simulated_denied == denied  # the same actions, simulated and called
