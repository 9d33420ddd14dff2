"""Apply the teardown's plan: one applier per kind, each forgetting its ledger entry once gone.

Deleting an account assignment is asynchronous (the deletion's status is followed), sso-admin's
writes are retried while AWS answers ``ConflictException``, and a bucket is emptied of every
object version and delete marker before it is deleted. A thing already gone (deleted by hand
since the plan was read) is no error: the teardown wanted it gone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import botocore.exceptions

from runbook_lib.audit.clients import client_in, global_client
from runbook_lib.aws import AwsContext, error_code, translating_aws_errors
from runbook_lib.errors import RunbookError
from runbook_lib.ledger import Ledger
from runbook_lib.sandbox import SandboxClient
from runbook_lib.plan import Applier, Change, Plan, apply_plan
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.steps.teardown.inventory import Found, TeardownInventory
from runbook_lib.steps.teardown.plan import confirmation_phrase
from runbook_lib.waiting import Sleep, follow_request, retry_on_conflict

GONE_CODES = frozenset({"ResourceNotFoundException", "NotFoundException", "UnknownMonitorException",
                        "UnknownSubscriptionException", "TrailNotFoundException", "NoSuchBucket"})
DELETE_BATCH = 1000
"""S3's ``DeleteObjects`` takes at most 1000 keys."""


class TeardownNotConfirmedError(RunbookError):
    """Raised when the teardown is asked to delete without the typed confirmation.

    Attributes:
        expected: What has to be typed, ``delete <account id>``.
    """

    def __init__(self, expected: str, given: str) -> None:
        self.expected = expected
        super().__init__(
            f"The teardown was not confirmed ({given!r} is not {expected!r}); nothing was deleted.",
            advice=f"Read the plan above, then type {expected} (or set `confirm` to it) and run the step again.",
        )


def is_confirmed(typed: str, account_id: str) -> bool:
    """Return True when ``typed`` is the confirmation of this account's teardown."""
    return typed.strip() == confirmation_phrase(account_id)


@dataclass
class TeardownApplyTarget:
    """What the appliers act on: the context, the inventory, the ledger to keep up to date."""

    ctx: AwsContext
    account_id: str
    inventory: TeardownInventory
    ledger: Ledger
    sleep: Sleep = field(default=time.sleep, repr=False)

    def found(self, change: Change) -> Found:
        """Return the inventory's entry the change deletes."""
        return next(found for found in self.inventory.found if found.address == change.address)

    def instance(self) -> IdentityCenterInstance:
        """Return the Identity Center instance the inventory found its assignments in.

        Raises:
            RunbookError: when there is none (a plan of Identity Center changes without one is a bug).
        """
        if self.inventory.instance is None:
            raise RunbookError("The teardown's plan deletes Identity Center resources, but no instance was read.",
                               advice="This is a bug in the runbook: please report it with the plan shown above.")
        return self.inventory.instance

    def gone(self, change: Change, sentence: str) -> str:
        """Forget the change's ledger entry and return what was done."""
        self.ledger.forget(change.address)
        return f"{change.address}: {sentence}"


def deleting(delete: Callable[[], object]) -> bool:
    """Run ``delete()``; return False when AWS says the thing is already gone."""
    try:
        delete()
    except botocore.exceptions.ClientError as error:
        if error_code(error) in GONE_CODES:
            return False
        raise
    return True


def apply_delete_account_assignment(target: TeardownApplyTarget, change: Change) -> str:
    """Delete an account assignment and wait for Identity Center to finish.

    IAM actions: ``sso:DeleteAccountAssignment``, ``sso:DescribeAccountAssignmentDeletionStatus``.
    """
    found, instance = target.found(change), target.instance()
    sso_admin = target.ctx.client("sso-admin")
    started = retry_on_conflict(lambda: sso_admin.delete_account_assignment(
        InstanceArn=instance.instance_arn, TargetId=target.account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=found.get("permission_set_arn"), PrincipalType=found.get("principal_type"), PrincipalId=found.resource_id,
    ), sleep=target.sleep)["AccountAssignmentDeletionStatus"]
    follow_request(started, lambda request_id: sso_admin.describe_account_assignment_deletion_status(
        InstanceArn=instance.instance_arn, AccountAssignmentDeletionRequestId=request_id)["AccountAssignmentDeletionStatus"],
        what="sso:DeleteAccountAssignment", sleep=target.sleep)
    return target.gone(change, "deleted.")


def apply_delete_permission_set(target: TeardownApplyTarget, change: Change) -> str:
    """Delete a permission set (its assignments went first).

    IAM actions: ``sso:DeletePermissionSet``.
    """
    instance = target.instance()
    sso_admin = target.ctx.client("sso-admin")
    deleting(lambda: retry_on_conflict(lambda: sso_admin.delete_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=target.found(change).resource_id), sleep=target.sleep))
    return target.gone(change, "deleted.")


def apply_delete_group(target: TeardownApplyTarget, change: Change) -> str:
    """Delete an Identity Center group (its memberships go with it).

    IAM actions: ``identitystore:DeleteGroup``.
    """
    store, group_id = target.instance().identity_store_id, target.found(change).resource_id
    deleting(lambda: target.ctx.client("identitystore").delete_group(IdentityStoreId=store, GroupId=group_id))
    for entry in list(target.ledger.entries.values()):  # the memberships the runbook made in it went with it
        if entry.detail.get("group_id") == group_id:
            target.ledger.forget(entry.address)
    return target.gone(change, "deleted.")


def apply_delete_group_membership(target: TeardownApplyTarget, change: Change) -> str:
    """Take a user out of a group the runbook did not make (the group stays).

    IAM actions: ``identitystore:DeleteGroupMembership``.
    """
    store = target.instance().identity_store_id
    deleting(lambda: target.ctx.client("identitystore").delete_group_membership(
        IdentityStoreId=store, MembershipId=target.found(change).resource_id))
    return target.gone(change, "deleted.")


def apply_delete_user(target: TeardownApplyTarget, change: Change) -> str:
    """Delete an Identity Center user.

    IAM actions: ``identitystore:DeleteUser``.
    """
    store = target.instance().identity_store_id
    deleting(lambda: target.ctx.client("identitystore").delete_user(IdentityStoreId=store, UserId=target.found(change).resource_id))
    return target.gone(change, "deleted.")


def apply_delete_anomaly_subscription(target: TeardownApplyTarget, change: Change) -> str:
    """Delete a cost anomaly subscription.

    IAM actions: ``ce:DeleteAnomalySubscription``.
    """
    deleting(lambda: global_client(target.ctx, "ce").delete_anomaly_subscription(SubscriptionArn=target.found(change).resource_id))
    return target.gone(change, "deleted.")


def apply_delete_anomaly_monitor(target: TeardownApplyTarget, change: Change) -> str:
    """Delete a cost anomaly monitor (its subscriptions went first).

    IAM actions: ``ce:DeleteAnomalyMonitor``.
    """
    deleting(lambda: global_client(target.ctx, "ce").delete_anomaly_monitor(MonitorArn=target.found(change).resource_id))
    return target.gone(change, "deleted.")


def apply_delete_budget(target: TeardownApplyTarget, change: Change) -> str:
    """Delete a budget with its alerts.

    IAM actions: ``budgets:ModifyBudget`` (``DeleteBudget``).
    """
    deleting(lambda: global_client(target.ctx, "budgets").delete_budget(AccountId=target.account_id,
                                                                         BudgetName=target.found(change).resource_id))
    return target.gone(change, "deleted.")


def apply_delete_trail(target: TeardownApplyTarget, change: Change) -> str:
    """Delete a trail, in its home region.

    IAM actions: ``cloudtrail:DeleteTrail``.
    """
    found = target.found(change)
    deleting(lambda: client_in(target.ctx, "cloudtrail", found.region or target.ctx.region).delete_trail(Name=found.resource_id))
    return target.gone(change, "deleted.")


def apply_delete_bucket(target: TeardownApplyTarget, change: Change) -> str:
    """Empty a bucket of every object version and delete marker, then delete it.

    IAM actions: ``s3:ListBucketVersions``, ``s3:DeleteObjectVersion``, ``s3:DeleteObject``,
    ``s3:DeleteBucket``.
    """
    s3, bucket = target.ctx.client("s3"), target.found(change).resource_id
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [{"Key": entry["Key"], "VersionId": entry["VersionId"]}
                for entry in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        for start in range(0, len(keys), DELETE_BATCH):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start:start + DELETE_BATCH], "Quiet": True})
        removed += len(keys)
    deleting(lambda: s3.delete_bucket(Bucket=bucket))
    return target.gone(change, f"emptied ({removed} object version(s)) and deleted.")


def apply_delete_access_analyzer(target: TeardownApplyTarget, change: Change) -> str:
    """Delete an IAM Access Analyzer analyzer, in its region.

    IAM actions: ``access-analyzer:DeleteAnalyzer``.
    """
    found = target.found(change)
    deleting(lambda: client_in(target.ctx, "accessanalyzer", found.region or target.ctx.region).delete_analyzer(
        analyzerName=found.resource_id))
    return target.gone(change, "deleted.")


APPLIERS: dict[str, Applier[TeardownApplyTarget]] = {
    "delete_account_assignment": apply_delete_account_assignment,
    "delete_permission_set": apply_delete_permission_set,
    "delete_group": apply_delete_group,
    "delete_group_membership": apply_delete_group_membership,
    "delete_user": apply_delete_user,
    "delete_anomaly_subscription": apply_delete_anomaly_subscription,
    "delete_anomaly_monitor": apply_delete_anomaly_monitor,
    "delete_budget": apply_delete_budget,
    "delete_trail": apply_delete_trail,
    "delete_bucket": apply_delete_bucket,
    "delete_access_analyzer": apply_delete_access_analyzer,
}
"""The applier of each operation ``plan_teardown`` emits."""


@translating_aws_errors
def apply_teardown(
    ctx: AwsContext, plan: Plan, inventory: TeardownInventory, ledger: Ledger, *, confirm: str, sleep: Sleep = time.sleep,
) -> list[str]:
    """Delete what the plan lists, in its order, once ``confirm`` is ``delete <account id>``.

    IAM actions: those of every applier above.

    Raises:
        TeardownNotConfirmedError: before any call, when ``confirm`` is not the confirmation.
        UnknownOperationError: before any change, when the plan holds an operation with no applier.
    """
    if not is_confirmed(confirm, inventory.account_id):
        raise TeardownNotConfirmedError(confirmation_phrase(inventory.account_id), confirm)
    return apply_plan(plan, APPLIERS, TeardownApplyTarget(ctx, inventory.account_id, inventory, ledger, sleep))


def reset_the_sandbox(sandbox: SandboxClient | None, *, confirmed: bool) -> str:
    """Make the sandbox a brand-new account, whole (everything, not only the runbook's), once confirmed.

    Returns:
        What happened, in a sentence.

    Raises:
        RunbookError: on a real account, which only the person can close (in the console).
        SandboxError: when the sandbox cannot be reached.
    """
    if sandbox is None:
        raise RunbookError("Only the sandbox can be reset; a real account is never reset by the runbook.",
                           advice="Set `reset_sandbox` to False. To close a real account: the account menu > Account > "
                           "Close account, as root.")
    if not confirmed:
        return "The sandbox was not reset: the teardown was not confirmed."
    removed = sandbox.reset()
    return f"The sandbox is a brand-new account again ({len(removed)} of its files on this machine removed too)."
