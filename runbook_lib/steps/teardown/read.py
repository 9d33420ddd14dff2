"""Read the teardown's inventory: Identity Center's resources of steps 03 and 04, step 07's
guardrails and hardening, and what stays."""

from __future__ import annotations

from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.ledger import Ledger
from runbook_lib.plan import Plan
from runbook_lib.steps.identity_center import read_instance
from runbook_lib.steps.teardown.identity import find_identity_resources
from runbook_lib.steps.teardown.inventory import TeardownInventory, find_cost_resources, find_hardening_resources
from runbook_lib.steps.teardown.plan import plan_teardown
from runbook_lib.target import CallerIdentity


@translating_aws_errors
@reads_once
def read_teardown_inventory(
    ctx: AwsContext, account_id: str, ledger: Ledger, caller: CallerIdentity | None, *, admin_user_name: str = "Admin",
) -> TeardownInventory:
    """Return what the runbook created in the account, in the order it can be deleted.

    Assignments go before their permission sets, subscriptions before their monitors, a trail
    before its bucket.

    IAM actions: ``sso:ListInstances`` and those of ``identity.find_identity_resources``,
    ``inventory.find_cost_resources`` and ``inventory.find_hardening_resources``.
    """
    instance = read_instance(ctx)
    found, kept = [], []
    if instance is not None and instance.status == "ACTIVE":
        found, kept = find_identity_resources(ctx, instance, account_id, ledger, caller, admin_user_name=admin_user_name)
    found += find_cost_resources(ctx, account_id, ledger, kept)
    found += find_hardening_resources(ctx, ledger, kept)
    return TeardownInventory(account_id, ctx.region, tuple(found), tuple(kept), instance)


@translating_aws_errors
def plan_teardown_now(
    ctx: AwsContext, account_id: str, caller: CallerIdentity | None, *, admin_user_name: str = "Admin",
) -> Plan:
    """Read the ledger and the account again and return the teardown's plan (a Delete button
    acts only when this is still the plan shown).

    IAM actions: those of ``read_teardown_inventory``.
    """
    ledger = Ledger.load(account_id, sandbox=ctx.is_sandbox)
    return plan_teardown(read_teardown_inventory(ctx, account_id, ledger, caller, admin_user_name=admin_user_name), ledger)
