"""Prove what a permission set allows, with the same call on AWS and in the sandbox.

On AWS, provisioning a permission set creates the role ``AWSReservedSSO_<name>_<16 hex>`` under
``/aws-reserved/sso.amazonaws.com/`` (a region added when Identity Center lives outside
us-east-1) in the account; IAM's policy simulator evaluates it. The sandbox creates that role too
and answers ``iam:SimulatePrincipalPolicy`` with moto's own IAM policy evaluator, so the runbook's
code path is one; the notebook says which evaluator answered.

In the sandbox only, the proof also makes real calls as the role (``check_role_calls``): the
sandbox mints the role's credentials (a control route AWS has no twin of; on a real account only
the person's sign-in gets them) and enforces the role's policies on every call made with them, so
an allowed read of each chosen service must answer and ``iam:CreateUser`` must be refused.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import boto3
import botocore.config
import botocore.exceptions

from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.aws_memo import reads_paused
from runbook_lib.checks import FAIL, PASS, Check
from runbook_lib.errors import RunbookError
from runbook_lib.sandbox.client import SandboxClient
from runbook_lib import addresses
from runbook_lib.progress import Progress as WaitProgress
from runbook_lib.waiting import Clock, Sleep, poll_until

RESERVED_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
RESERVED_ROLE_PATH_PATTERN = re.compile(r"^/aws-reserved/sso\.amazonaws\.com/(?:[a-z0-9-]+/)?$")
"""The reserved roles' path: ``/aws-reserved/sso.amazonaws.com/``, or with the region of an
Identity Center instance outside us-east-1 (``.../sso.amazonaws.com/eu-west-1/``)."""
AWS_EVALUATOR = "AWS IAM policy simulator (iam:SimulatePrincipalPolicy)"
IAM_SETTLE_SECONDS = 60.0
"""How long to wait for IAM to show a role just provisioned, and its new policies (IAM is
eventually consistent: seconds, rarely a minute)."""
IAM_SETTLE_POLL_SECONDS = 5.0
Progress = Callable[[str], None]
"""Told, in a sentence, what the wait is waiting for (the notebook shows it; the library never prints)."""


@dataclass(frozen=True)
class IamWait:
    """How to wait for IAM to catch up with a change just applied: bounded, clock injectable.

    Attributes:
        timeout_seconds: The longest wait.
        interval_seconds: The pause between two reads.
        on_progress: Also told, in a sentence, what is still awaited after each read that is not
            final; None: nobody (the wait reports to its ``progress`` display in any case).
        sleep: How to pause (a test passes one that moves its clock).
        clock: Where the time comes from.
        progress: Where the wait reports (``runbook_lib.progress``); None: the notebook's.
    """

    timeout_seconds: float = IAM_SETTLE_SECONDS
    interval_seconds: float = IAM_SETTLE_POLL_SECONDS
    on_progress: Progress | None = None
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic
    progress: WaitProgress | None = None


SANDBOX_EVALUATOR = (
    "the sandbox's iam:SimulatePrincipalPolicy, built on moto's IAM policy evaluator "
    "(moto/iam/access_control.py): Deny over Allow, wildcards, NotAction and NotResource; conditions "
    "only as AWS treats a missing context key; no SCPs or resource policies"
)


@dataclass(frozen=True)
class Decision:
    """What the evaluator decided for one action: ``allowed``, ``explicitDeny`` or ``implicitDeny``."""

    action: str
    decision: str

    @property
    def allowed(self) -> bool:
        """Return True when the action is allowed."""
        return self.decision == "allowed"


def evaluator_name(is_sandbox: bool) -> str:
    """Return which evaluator answers for this target, to say so next to its answers."""
    return SANDBOX_EVALUATOR if is_sandbox else AWS_EVALUATOR


def reserved_role_name_pattern(permission_set_name: str) -> str:
    """Return the regular expression of the reserved role's name for this permission set.

    Permission set names may contain ``_``, so the whole name is matched: ``AWSReservedSSO_Dev_``
    is also the start of a role of the set ``Dev_Ops``.
    """
    return rf"AWSReservedSSO_{re.escape(permission_set_name)}_[0-9a-f]{{16}}"


def is_reserved_role(role: Mapping[str, Any], permission_set_name: str) -> bool:
    """Return True when ``role`` (as ``iam:ListRoles`` lists it) is the one Identity Center made
    for this permission set: the whole name, under the reserved path."""
    return bool(
        re.fullmatch(reserved_role_name_pattern(permission_set_name), role.get("RoleName", ""))
        and RESERVED_ROLE_PATH_PATTERN.match(role.get("Path", ""))
    )


@translating_aws_errors
def find_reserved_role(ctx: AwsContext, permission_set_name: str) -> str | None:
    """Return the ARN of the role that provisioning this permission set created, or None.

    IAM actions: ``iam:ListRoles``.
    """
    for role in paginate(ctx.client("iam"), "list_roles", "Roles", PathPrefix=RESERVED_ROLE_PATH):
        if is_reserved_role(role, permission_set_name):
            return role["Arn"]
    return None


@translating_aws_errors
def simulate_actions(
    ctx: AwsContext, role_arn: str, actions: list[str], *, resources: Mapping[str, str] | None = None
) -> list[Decision]:
    """Ask the evaluator what the role may do, action by action.

    Args:
        resources: The resource to evaluate an action on where ``*`` would not do (e.g. API
            Gateway's policies name ``arn:aws:apigateway:*::/*``); other actions use ``*``.

    IAM actions: ``iam:SimulatePrincipalPolicy`` (one call per distinct resource).
    """
    resources = resources or {}
    by_resource: dict[str, list[str]] = {}
    for action in actions:
        by_resource.setdefault(resources.get(action, "*"), []).append(action)
    decisions = []
    for resource, grouped in by_resource.items():
        results = paginate(
            ctx.client("iam"), "simulate_principal_policy", "EvaluationResults",
            PolicySourceArn=role_arn, ActionNames=grouped, ResourceArns=[resource],
        )
        decisions += [Decision(result["EvalActionName"], result["EvalDecision"]) for result in results]
    return decisions


def judge_decisions(
    decisions: list[Decision], *, role_name: str, must_allow: list[str], must_deny: list[str], evaluator: str
) -> list[Check]:
    """Return one check per action: those in ``must_allow`` allowed, those in ``must_deny`` not.

    Each check's resource is the role and the action (``iam_role.<role>[s3:ListAllMyBuckets]``),
    so the rows of one check id tell apart.
    """
    by_action = {decision.action: decision for decision in decisions}
    checks = []
    for action in must_allow:
        decision = by_action.get(action)
        checks.append(Check(
            "iam_permission_set_allows_chosen_service", PASS if decision and decision.allowed else FAIL,
            addresses.role_address(role_name, action),
            f"{action}: {decision.decision if decision else 'not evaluated'} (evaluated by {evaluator}).",
        ))
    for action in must_deny:
        decision = by_action.get(action)
        checks.append(Check(
            "iam_permission_set_denies_other_services", PASS if decision and not decision.allowed else FAIL,
            addresses.role_address(role_name, action),
            f"{action}: {decision.decision if decision else 'not evaluated'} (evaluated by {evaluator}).",
        ))
    return checks


@translating_aws_errors
def check_role_permissions(
    ctx: AwsContext,
    permission_set_name: str,
    *,
    must_allow: list[str],
    must_deny: list[str],
    resources: Mapping[str, str] | None = None,
    wait: IamWait | None = None,
) -> list[Check]:
    """Find the permission set's role and judge what it may do; FAIL when there is no role yet.

    With ``wait`` (right after the step provisioned the set), a missing role or a judgement that
    fails is read again until it passes or the wait is over: IAM shows a new role, or a role's new
    policies, some seconds after Identity Center reports the provisioning done. A failure still
    there at the end says how long it was waited for.

    IAM actions: ``iam:ListRoles``, ``iam:SimulatePrincipalPolicy``.
    """
    def judge() -> list[Check]:
        return judge_role_permissions(
            ctx, permission_set_name, must_allow=must_allow, must_deny=must_deny, resources=resources)

    if wait is None:
        return judge()
    started = wait.clock()

    def settled(checks: list[Check]) -> bool:
        failed = [check for check in checks if check.status == FAIL]
        if failed and wait.on_progress is not None:
            waited = wait.clock() - started
            wait.on_progress(
                f"Waiting for IAM to catch up ({waited:.0f} of at most {wait.timeout_seconds:.0f} s): {failed[0].detail}"
            )
        return not failed

    def still_missing(checks: list[Check]) -> str:
        return next((check.detail for check in checks if check.status == FAIL), "")

    with reads_paused(ctx):  # each try must see IAM as it is now
        checks = poll_until(
            judge, settled, timeout_seconds=wait.timeout_seconds, interval_seconds=wait.interval_seconds,
            sleep=wait.sleep, clock=wait.clock, what=f"IAM to show the role of {permission_set_name} and its policies",
            progress=wait.progress, describe_pending=still_missing,
        )
    waited = f" Still so after waiting {wait.timeout_seconds:.0f} s for IAM."
    return [dataclasses.replace(check, detail=check.detail + waited) if check.status == FAIL else check for check in checks]


@translating_aws_errors
def judge_role_permissions(
    ctx: AwsContext,
    permission_set_name: str,
    *,
    must_allow: list[str],
    must_deny: list[str],
    resources: Mapping[str, str] | None = None,
) -> list[Check]:
    """Find the permission set's role and judge what it may do, once; FAIL when there is no role.

    IAM actions: ``iam:ListRoles``, ``iam:SimulatePrincipalPolicy``.
    """
    role_arn = find_reserved_role(ctx, permission_set_name)
    if role_arn is None:
        return [Check(
            "iam_reserved_role_exists", FAIL, addresses.role_address(f"AWSReservedSSO_{permission_set_name}_*"),
            f"No role AWSReservedSSO_{permission_set_name}_<16 hex> under {RESERVED_ROLE_PATH} in the account yet: "
            "the permission set is not provisioned and assigned.",
        )]
    role_name = role_arn.rsplit("/", 1)[-1]
    decisions = simulate_actions(ctx, role_arn, [*must_allow, *must_deny], resources=resources)
    return [
        Check("iam_reserved_role_exists", PASS, addresses.role_address(role_name), f"Role {role_arn}."),
        *judge_decisions(
            decisions, role_name=role_name, must_allow=must_allow, must_deny=must_deny,
            evaluator=evaluator_name(ctx.is_sandbox),
        ),
    ]


# --- sandbox only: real calls with the role's own credentials ------------------------------------


@dataclass(frozen=True)
class CallProbe:
    """A real call that needs exactly one IAM action, made with the role's own credentials.

    Attributes:
        action: The IAM action it needs, e.g. ``s3:ListAllMyBuckets``.
        service: The boto3 client, e.g. ``s3``.
        operation: The client's method, e.g. ``list_buckets``.
        parameters: Its arguments.
    """

    action: str
    service: str
    operation: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


PROBE_USER_NAME = "runbook-least-privilege-probe"
CREATE_USER_PROBE = CallProbe("iam:CreateUser", "iam", "create_user", {"UserName": PROBE_USER_NAME})
"""The denied call: should the role be allowed it, the user it made is deleted at once."""
CHOSEN_SERVICE_PROBES: Mapping[str, CallProbe] = MappingProxyType({
    # per catalogue choice (service or preset): a read its policies allow, one moto answers
    "s3": CallProbe("s3:ListAllMyBuckets", "s3", "list_buckets"),
    "lambda": CallProbe("lambda:ListFunctions", "lambda", "list_functions"),
    "dynamodb": CallProbe("dynamodb:ListTables", "dynamodb", "list_tables"),
    "apigateway": CallProbe("apigateway:GET", "apigateway", "get_rest_apis"),
    "logs": CallProbe("logs:DescribeLogGroups", "logs", "describe_log_groups"),
    "cloudformation": CallProbe("cloudformation:ListStacks", "cloudformation", "list_stacks"),
    "ec2": CallProbe("ec2:DescribeInstances", "ec2", "describe_instances"),
    "ecr": CallProbe("ecr:DescribeRepositories", "ecr", "describe_repositories"),
    "sqs": CallProbe("sqs:ListQueues", "sqs", "list_queues"),
    "sns": CallProbe("sns:ListTopics", "sns", "list_topics"),
    "stepfunctions": CallProbe("states:ListStateMachines", "stepfunctions", "list_state_machines"),
    "bedrock": CallProbe("bedrock:ListFoundationModels", "bedrock", "list_foundation_models"),
    "ReadOnly": CallProbe("s3:ListAllMyBuckets", "s3", "list_buckets"),
    "ViewOnly": CallProbe("ec2:DescribeRegions", "ec2", "describe_regions"),
    "PowerUser": CallProbe("lambda:ListFunctions", "lambda", "list_functions"),
})
"""The allowed direction: any read of the choice will do."""
OTHER_SERVICE_PROBES: Mapping[str, CallProbe] = MappingProxyType({
    # per service: the catalogue's first example action, which no other service's policies grant
    "s3": CallProbe("s3:ListAllMyBuckets", "s3", "list_buckets"),
    "lambda": CallProbe("lambda:GetAccountSettings", "lambda", "get_account_settings"),
    "dynamodb": CallProbe("dynamodb:ListTables", "dynamodb", "list_tables"),
    "apigateway": CallProbe("apigateway:GET", "apigateway", "get_rest_apis"),
    "logs": CallProbe("logs:DescribeMetricFilters", "logs", "describe_metric_filters"),
    "cloudformation": CallProbe("cloudformation:ListStacks", "cloudformation", "list_stacks"),
    "ec2": CallProbe("ec2:DescribeInstances", "ec2", "describe_instances"),
    "ecr": CallProbe("ecr:DescribeRepositories", "ecr", "describe_repositories"),
    "sqs": CallProbe("sqs:ListQueues", "sqs", "list_queues"),
    "sns": CallProbe("sns:ListPlatformApplications", "sns", "list_platform_applications"),
    "stepfunctions": CallProbe("states:ListActivities", "stepfunctions", "list_activities"),
    "bedrock": CallProbe("bedrock:ListFoundationModels", "bedrock", "list_foundation_models"),
})
"""The denied direction: ``lambda:ListFunctions`` would not do (AmazonDynamoDBFullAccess grants it
too), so a service the person did not choose is probed with the action only its own policies grant."""
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation"})
"""How AWS says "your policies do not allow this", by protocol (SNS and EC2 have their own)."""
PROBE_CONFIG = botocore.config.Config(retries={"total_max_attempts": 1})
"""One attempt: a refusal is the answer, not a fault to retry."""


@dataclass(frozen=True)
class CallResult:
    """How one probe answered: ``code`` is "" when it succeeded, else AWS's error code."""

    probe: CallProbe
    code: str

    @property
    def denied(self) -> bool:
        """Return True when the answer was an access denial (the policies do not allow it)."""
        return self.code in DENIED_CODES


@translating_aws_errors
def call_as_role(session: boto3.Session, ctx: AwsContext, probe: CallProbe) -> CallResult:
    """Make one probe's call with the role's session; return how it answered.

    IAM actions: the probe's ``action``, as the role.
    """
    client = session.client(probe.service, region_name=ctx.region, endpoint_url=ctx.endpoint_url, config=PROBE_CONFIG)
    try:
        getattr(client, probe.operation)(**probe.parameters)
    except botocore.exceptions.ClientError as error:
        return CallResult(probe, error_code(error))
    return CallResult(probe, "")


def judge_calls(allowed: list[CallResult], denied: list[CallResult], *, role_name: str) -> list[Check]:
    """Return one check per call: those of ``allowed`` not denied, those of ``denied`` denied.

    A call that was authorized but failed for another reason (moto lacks it: ``NotImplemented``)
    still proves the role may make it, and says so.
    """
    checks = []
    for result in allowed:
        action = result.probe.action
        answered = "answered" if not result.code else f"authorized, then {result.code} (not an access denial)"
        checks.append(Check(
            "iam_role_session_can_call_chosen_service", FAIL if result.denied else PASS,
            addresses.role_address(role_name, action),
            f"{action} as the role: {'denied (' + result.code + ')' if result.denied else answered} "
            "(a real call in the sandbox, with the role's own credentials).",
        ))
    for result in denied:
        action = result.probe.action
        checks.append(Check(
            "iam_role_session_cannot_call_other_services", PASS if result.denied else FAIL,
            addresses.role_address(role_name, action),
            f"{action} as the role: "
            + (f"denied ({result.code})" if result.denied else f"NOT denied ({result.code or 'it succeeded'})")
            + " (a real call in the sandbox, with the role's own credentials).",
        ))
    return checks


@translating_aws_errors
def check_role_calls(
    ctx: AwsContext,
    permission_set_name: str,
    *,
    must_succeed: list[CallProbe],
    must_be_denied: list[CallProbe],
    session_name: str,
) -> list[Check]:
    """Call AWS as the permission set's role: sandbox only, beside the simulator's proof.

    The sandbox mints the role's credentials (``SandboxClient.mint_role_credentials``) and
    enforces the role's policies on every call made with them; the calls are the role's, so they
    are not in the step's recorder. A ``CREATE_USER_PROBE`` that wrongly succeeds is undone at once
    with the runbook's own credentials. No role yet: no check here (``check_role_permissions``
    fails ``iam_reserved_role_exists`` already).

    IAM actions: ``iam:ListRoles``, and ``iam:DeleteUser`` only after a wrongly allowed
    ``iam:CreateUser``; as the role, each probe's own action.

    Args:
        session_name: The role session's name, e.g. the developer's user name.

    Raises:
        RunbookError: on a real account, where only the person's sign-in gets the role's credentials.
        SandboxError: when the sandbox refuses to mint them.
    """
    if not ctx.is_sandbox:
        raise RunbookError(
            "Real calls as the permission set's role are a sandbox-only proof.",
            advice="On a real account the simulator proves least privilege; step 06 signs the person in.",
        )
    role_arn = find_reserved_role(ctx, permission_set_name)
    if role_arn is None:
        return []
    role_name = role_arn.rsplit("/", 1)[-1]
    credentials = SandboxClient(ctx.endpoint_url or "").mint_role_credentials(
        role_name, session_name=session_name, region=ctx.region
    )
    session = boto3.Session(
        aws_access_key_id=credentials.access_key_id, aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token, region_name=ctx.region,
    )
    allowed = [call_as_role(session, ctx, probe) for probe in must_succeed]
    denied = [call_as_role(session, ctx, probe) for probe in must_be_denied]
    if any(result.probe == CREATE_USER_PROBE and not result.code for result in denied):
        ctx.client("iam").delete_user(UserName=PROBE_USER_NAME)  # the proof must not leave a user behind
    return judge_calls(allowed, denied, role_name=role_name)
