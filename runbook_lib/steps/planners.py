"""Read the account and plan, in one call: what an Apply button re-runs before it applies.

A button shown beside a plan must act only on what the person saw. Before it applies, it asks
one of these for the plan of the account as it is now; if that differs from the plan on the
screen, it shows the new plan and changes nothing. Each takes every value it needs as an
argument, so a button bound to them keeps the values of the cell that made it.
"""

from __future__ import annotations

from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.plan import Plan
from runbook_lib.steps import access, developer_access, identity_center, secure_root
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.target import CallerIdentity


@translating_aws_errors
def plan_secure_root_now(ctx: AwsContext, caller: CallerIdentity) -> Plan:
    """Return step 01's plan of the account as it is now.

    IAM actions: those of ``secure_root.read_root_state``.
    """
    return secure_root.plan_secure_root(secure_root.read_root_state(ctx, caller))


@translating_aws_errors
def plan_identity_center_now(ctx: AwsContext, account_id: str) -> Plan:
    """Return step 02's plan of the account as it is now.

    IAM actions: those of ``identity_center.read_identity_center_state``.
    """
    return identity_center.plan_identity_center(identity_center.read_identity_center_state(ctx, account_id))


@translating_aws_errors
def plan_access_now(
    ctx: AwsContext, instance: IdentityCenterInstance, account_id: str, step: str, spec: access.AccessSpec
) -> Plan:
    """Return step 03's or 04's plan of the account as it is now.

    IAM actions: those of ``access.read_access_state``.
    """
    return access.plan_access(step, access.read_access_state(ctx, instance, account_id, spec), spec)


@translating_aws_errors
def plan_sign_in_now(ctx: AwsContext, settings: developer_access.SsoProfileSettings) -> Plan:
    """Return step 06's plan of the cached sign-in as it is now.

    IAM actions: none (``sso:ListAccountRoles`` with the cached token).
    """
    return developer_access.plan_sign_in(settings, developer_access.read_token_state(ctx, settings))
