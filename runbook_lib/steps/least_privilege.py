"""Prove what a permission set allows, with the same call on AWS and in the sandbox.

On AWS, provisioning a permission set creates the role ``AWSReservedSSO_<name>_<suffix>`` in the
account; IAM's policy simulator evaluates it. The sandbox creates that role too and answers
``iam:SimulatePrincipalPolicy`` with moto's own IAM policy evaluator, so the runbook's code path is
one; the notebook says which evaluator answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from runbook_lib.aws import AwsContext, paginate, translating_aws_errors
from runbook_lib.plan import FAIL, PASS, Check

RESERVED_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
AWS_EVALUATOR = "AWS IAM policy simulator (iam:SimulatePrincipalPolicy)"
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


def evaluator_name(ctx: AwsContext) -> str:
    """Return which evaluator answers for this target, to say so next to its answers."""
    return SANDBOX_EVALUATOR if ctx.is_sandbox else AWS_EVALUATOR


@translating_aws_errors
def find_reserved_role(ctx: AwsContext, permission_set_name: str) -> str | None:
    """Return the ARN of the role that provisioning this permission set created, or None.

    IAM actions: ``iam:ListRoles``.
    """
    prefix = f"AWSReservedSSO_{permission_set_name}_"
    for role in paginate(ctx.client("iam"), "list_roles", "Roles", PathPrefix=RESERVED_ROLE_PATH):
        if role["RoleName"].startswith(prefix):
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
    decisions: list[Decision], *, must_allow: list[str], must_deny: list[str], evaluator: str
) -> list[Check]:
    """Return one check per action: those in ``must_allow`` allowed, those in ``must_deny`` not."""
    by_action = {decision.action: decision for decision in decisions}
    checks = []
    for action in must_allow:
        decision = by_action.get(action)
        checks.append(Check(
            "iam_permission_set_allows_chosen_service", PASS if decision and decision.allowed else FAIL,
            f"{action}: {decision.decision if decision else 'not evaluated'} (evaluated by {evaluator}).",
        ))
    for action in must_deny:
        decision = by_action.get(action)
        checks.append(Check(
            "iam_permission_set_denies_other_services", PASS if decision and not decision.allowed else FAIL,
            f"{action}: {decision.decision if decision else 'not evaluated'} (evaluated by {evaluator}).",
        ))
    return checks


def check_role_permissions(
    ctx: AwsContext,
    permission_set_name: str,
    *,
    must_allow: list[str],
    must_deny: list[str],
    resources: Mapping[str, str] | None = None,
) -> list[Check]:
    """Find the permission set's role and judge what it may do; FAIL when there is no role yet.

    IAM actions: ``iam:ListRoles``, ``iam:SimulatePrincipalPolicy``.
    """
    role_arn = find_reserved_role(ctx, permission_set_name)
    if role_arn is None:
        return [Check(
            "iam_reserved_role_exists", FAIL,
            f"No role AWSReservedSSO_{permission_set_name}_* in the account yet: the permission set "
            "is not provisioned and assigned.",
        )]
    decisions = simulate_actions(ctx, role_arn, [*must_allow, *must_deny], resources=resources)
    return [
        Check("iam_reserved_role_exists", PASS, f"Role {role_arn}."),
        *judge_decisions(decisions, must_allow=must_allow, must_deny=must_deny, evaluator=evaluator_name(ctx)),
    ]
