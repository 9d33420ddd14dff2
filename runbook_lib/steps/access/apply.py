"""Apply an access plan: one applier per operation, made in the plan's order.

The ids a plan cannot know (the user, the group, the permission set made a moment ago) live in
an ``AccessApplyTarget`` that the early appliers fill in and the later ones read. sso-admin
refuses a write with ``ConflictException`` while another change to the instance is under way;
those writes are retried with a bounded backoff (botocore's standard retries do not cover it).

Each applier that creates something (the user, the group, the membership, the permission set,
the assignment) writes it in the account's ledger with AWS's id for it, right after AWS answered:
Identity Center keeps no tags on users and groups, so the ledger is how the teardown (step 99)
tells what the runbook made from a same-named thing made by hand. The permission set is tagged
too, so a lost ledger still leaves it recognisable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from runbook_lib.aws import AwsContext, error_code, translating_aws_errors
from runbook_lib.errors import RunbookError
from runbook_lib.ledger import RESOURCE, Ledger, LedgerEntry, runbook_tags
from runbook_lib.plan import Applier, Change, Plan, apply_plan
from runbook_lib.steps.access.read import forget_permission_sets, remember_permission_set
from runbook_lib.steps.access.specs import AccessSpec, AccessState, reference_fields
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.waiting import Sleep, follow_request, retry_on_conflict


@dataclass
class AccessApplyTarget:
    """What the appliers act on: the context, the instance, the spec, and the ids found or made.

    Attributes:
        user_id: The user's id: from the live state, or from ``create_user`` once it ran.
        group_id: The group's id, likewise (empty when access is not through a group).
        permission_set_arn: The permission set's ARN, likewise.
        sleep: How to pause between retries and status reads (a test passes its own).
        ledger: Where each created thing is written down (None: nowhere).
        step: The step creating them (the plan's), as the ledger and the tags name it.
    """

    ctx: AwsContext
    instance: IdentityCenterInstance
    account_id: str
    spec: AccessSpec
    user_id: str = ""
    group_id: str = ""
    permission_set_arn: str = ""
    sleep: Sleep = field(default=time.sleep, repr=False)
    ledger: Ledger | None = None
    step: str = ""

    @classmethod
    def from_state(
        cls, ctx: AwsContext, state: AccessState, spec: AccessSpec, *, sleep: Sleep = time.sleep,
        ledger: Ledger | None = None, step: str = "",
    ) -> AccessApplyTarget:
        """Return a target holding the ids the live state already has."""
        return cls(
            ctx, state.instance, state.account_id, spec,
            user_id=state.user.user_id if state.user else "",
            group_id=state.group_id or "",
            permission_set_arn=state.permission_set.arn if state.permission_set else "",
            sleep=sleep, ledger=ledger, step=step,
        )

    def note(self, change: Change, resource_id: str, **detail: str) -> None:
        """Write what ``change`` created in the ledger, by AWS's id for it."""
        if self.ledger is not None:
            self.ledger.record(LedgerEntry(change.address, RESOURCE, resource_id, "", self.step, detail=dict(detail)))

    @property
    def instance_arn(self) -> str:
        """The Identity Center instance's ARN."""
        return self.instance.instance_arn

    @property
    def identity_store_id(self) -> str:
        """The identity store's id."""
        return self.instance.identity_store_id

    def write_permission_set(self, operation: str, **params: Any) -> dict[str, Any]:
        """Make an sso-admin write to the permission set, retried while AWS answers ConflictException.

        Args:
            operation: The sso-admin client's method, e.g. ``update_permission_set``.
            params: Its parameters besides the instance and the permission set.
        """
        write = getattr(self.ctx.client("sso-admin"), operation)
        return retry_on_conflict(
            lambda: write(InstanceArn=self.instance_arn, PermissionSetArn=self.permission_set_arn, **params),
            sleep=self.sleep,
        )


def apply_create_user(target: AccessApplyTarget, change: Change) -> str:
    """Create the Identity Center user.

    IAM actions: ``identitystore:CreateUser``.
    """
    user = target.spec.user
    target.user_id = target.ctx.client("identitystore").create_user(
        IdentityStoreId=target.identity_store_id, UserName=user.user_name, DisplayName=user.display_name,
        Name={"GivenName": user.given_name, "FamilyName": user.family_name},
        Emails=[{"Value": user.email, "Type": "work", "Primary": True}],
    )["UserId"]
    target.note(change, target.user_id, user_name=user.user_name)
    return f"{change.address}: created (user id {target.user_id})."


def apply_create_group(target: AccessApplyTarget, change: Change) -> str:
    """Create the group that holds the access.

    IAM actions: ``identitystore:CreateGroup``.
    """
    target.group_id = target.ctx.client("identitystore").create_group(
        IdentityStoreId=target.identity_store_id, DisplayName=target.spec.group_name,
        Description="Created by the runbook; members get this group's account access.",
    )["GroupId"]
    target.note(change, target.group_id, group_name=target.spec.group_name)
    return f"{change.address}: created (group id {target.group_id})."


def apply_create_group_membership(target: AccessApplyTarget, change: Change) -> str:
    """Add the user to the group.

    IAM actions: ``identitystore:CreateGroupMembership``.
    """
    membership_id = target.ctx.client("identitystore").create_group_membership(
        IdentityStoreId=target.identity_store_id, GroupId=target.group_id, MemberId={"UserId": target.user_id},
    )["MembershipId"]
    target.note(change, membership_id, group_id=target.group_id, user_id=target.user_id)
    return f"{change.address}: {target.spec.user.user_name} added to {target.spec.group_name}."


def apply_create_permission_set(target: AccessApplyTarget, change: Change) -> str:
    """Create the permission set (its policies are changes of their own).

    A conflict here is not transient: AWS refuses a second permission set of one name, so one
    was made since the plan was read.

    IAM actions: ``sso:CreatePermissionSet``, ``sso:TagResource``.

    Raises:
        RunbookError: when a permission set of this name appeared since the plan was made.
    """
    wanted = target.spec.permission_set
    try:
        created = target.ctx.client("sso-admin").create_permission_set(
            InstanceArn=target.instance_arn, Name=wanted.name, Description=wanted.description,
            SessionDuration=wanted.session_duration,
            Tags=[{"Key": key, "Value": value} for key, value in runbook_tags(target.step).items()],
        )
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ConflictException":
            raise
        forget_permission_sets(target.ctx.permission_set_arns, target.instance_arn)  # the run's map missed it: list again
        raise RunbookError(
            f"A permission set named {wanted.name!r} was made since this plan was read.",
            advice="Run this step again: it reads what exists and plans only what is missing.",
        ) from error
    target.permission_set_arn = created["PermissionSet"]["PermissionSetArn"]
    remember_permission_set(target.ctx.permission_set_arns, target.instance_arn, wanted.name, target.permission_set_arn)
    target.note(change, target.permission_set_arn, name=wanted.name)
    return f"{change.address}: created ({target.permission_set_arn})."


def apply_update_session_duration(target: AccessApplyTarget, change: Change) -> str:
    """Bring the permission set's session length to the one asked for.

    IAM actions: ``sso:UpdatePermissionSet``.
    """
    target.write_permission_set("update_permission_set", SessionDuration=target.spec.permission_set.session_duration)
    return f"{change.address}: session {change.before} -> {change.after}."


def apply_attach_managed_policy(target: AccessApplyTarget, change: Change) -> str:
    """Attach the managed policy the change names (``after``).

    IAM actions: ``sso:AttachManagedPolicyToPermissionSet``.
    """
    target.write_permission_set("attach_managed_policy_to_permission_set", ManagedPolicyArn=change.after)
    return f"{change.address}: attached {change.after}."


def apply_detach_managed_policy(target: AccessApplyTarget, change: Change) -> str:
    """Detach the managed policy the change names (``before``).

    IAM actions: ``sso:DetachManagedPolicyFromPermissionSet``.
    """
    target.write_permission_set("detach_managed_policy_from_permission_set", ManagedPolicyArn=change.before)
    return f"{change.address}: detached {change.before}."


def apply_delete_inline_policy(target: AccessApplyTarget, change: Change) -> str:
    """Delete the permission set's inline policy (nothing asks for one).

    IAM actions: ``sso:DeleteInlinePolicyFromPermissionSet``.
    """
    target.write_permission_set("delete_inline_policy_from_permission_set")
    return f"{change.address}: deleted."


def apply_detach_customer_managed_policy(target: AccessApplyTarget, change: Change) -> str:
    """Detach the customer managed policy reference the change names (``before``, ``/path/Name``).

    IAM actions: ``sso:DetachCustomerManagedPolicyReferenceFromPermissionSet``.
    """
    target.write_permission_set(
        "detach_customer_managed_policy_reference_from_permission_set",
        CustomerManagedPolicyReference=reference_fields(change.before),
    )
    return f"{change.address}: detached {change.before}."


def apply_delete_permissions_boundary(target: AccessApplyTarget, change: Change) -> str:
    """Delete the permission set's permissions boundary (nothing asks for one).

    IAM actions: ``sso:DeletePermissionsBoundaryFromPermissionSet``.
    """
    target.write_permission_set("delete_permissions_boundary_from_permission_set")
    return f"{change.address}: deleted ({change.before})."


def apply_create_account_assignment(target: AccessApplyTarget, change: Change) -> str:
    """Assign the permission set to the user (or the group) on the account.

    IAM actions: those of ``create_account_assignment``.
    """
    principal_id, principal_type = (
        (target.group_id, "GROUP") if target.spec.through_group else (target.user_id, "USER")
    )
    create_account_assignment(
        target.ctx, target.instance_arn, target.account_id, target.permission_set_arn, principal_id, principal_type,
        sleep=target.sleep,
    )
    target.note(change, principal_id, permission_set_arn=target.permission_set_arn, principal_type=principal_type)
    return f"{change.address}: assigned on account {target.account_id}."


def apply_provision_permission_set(target: AccessApplyTarget, change: Change) -> str:
    """Provision the permission set to the account.

    IAM actions: those of ``provision_permission_set``.
    """
    provision_permission_set(target.ctx, target.instance_arn, target.permission_set_arn, target.account_id, sleep=target.sleep)
    return f"{change.address}: provisioned."


APPLIERS: dict[str, Applier[AccessApplyTarget]] = {
    "create_user": apply_create_user,
    "create_group": apply_create_group,
    "create_group_membership": apply_create_group_membership,
    "create_permission_set": apply_create_permission_set,
    "update_session_duration": apply_update_session_duration,
    "attach_managed_policy": apply_attach_managed_policy,
    "detach_managed_policy": apply_detach_managed_policy,
    "delete_inline_policy": apply_delete_inline_policy,
    "detach_customer_managed_policy": apply_detach_customer_managed_policy,
    "delete_permissions_boundary": apply_delete_permissions_boundary,
    "create_account_assignment": apply_create_account_assignment,
    "provision_permission_set": apply_provision_permission_set,
}
"""The applier of each operation ``plan_access`` emits."""


@translating_aws_errors
def apply_access(
    ctx: AwsContext, plan: Plan, state: AccessState, spec: AccessSpec, *, sleep: Sleep = time.sleep,
    ledger: Ledger | None = None,
) -> list[str]:
    """Make the plan's API changes in order; return one sentence per change made.

    Ids created early (the user, the group, the permission set) feed the later changes. What is
    created is written in ``ledger``, by default the account's (``Ledger.load``): the notebooks
    of steps 03 and 04 need not know of it.

    IAM actions: ``identitystore:CreateUser``, ``identitystore:CreateGroup``,
    ``identitystore:CreateGroupMembership``, ``sso:CreatePermissionSet``,
    ``sso:UpdatePermissionSet``, ``sso:AttachManagedPolicyToPermissionSet``,
    ``sso:DetachManagedPolicyFromPermissionSet``, ``sso:DeleteInlinePolicyFromPermissionSet``,
    ``sso:DetachCustomerManagedPolicyReferenceFromPermissionSet``,
    ``sso:DeletePermissionsBoundaryFromPermissionSet``, ``sso:ProvisionPermissionSet``, ``sso:CreateAccountAssignment`` (and their status reads),
    ``sso:TagResource``.

    Raises:
        UnknownOperationError: before any change, when the plan holds an operation with no applier.
        LedgerError: before any change, when the account's ledger cannot be read.
    """
    if ledger is None:
        ledger = Ledger.load(state.account_id, sandbox=ctx.is_sandbox)
    return apply_plan(plan, APPLIERS, AccessApplyTarget.from_state(ctx, state, spec, sleep=sleep, ledger=ledger, step=plan.step))


@translating_aws_errors
def provision_permission_set(
    ctx: AwsContext, instance_arn: str, permission_set_arn: str, account_id: str, *, sleep: Sleep = time.sleep
) -> None:
    """Provision the permission set to the account and wait for AWS to finish.

    IAM actions: ``sso:ProvisionPermissionSet``, ``sso:DescribePermissionSetProvisioningStatus``.
    """
    sso_admin = ctx.client("sso-admin")
    started = retry_on_conflict(lambda: sso_admin.provision_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=permission_set_arn, TargetType="AWS_ACCOUNT", TargetId=account_id,
    ), sleep=sleep)["PermissionSetProvisioningStatus"]
    follow_request(
        started,
        lambda request_id: sso_admin.describe_permission_set_provisioning_status(
            InstanceArn=instance_arn, ProvisionPermissionSetRequestId=request_id,
        )["PermissionSetProvisioningStatus"],
        what="sso:ProvisionPermissionSet", sleep=sleep,
    )


@translating_aws_errors
def create_account_assignment(
    ctx: AwsContext,
    instance_arn: str,
    account_id: str,
    permission_set_arn: str,
    principal_id: str,
    principal_type: str,
    *,
    sleep: Sleep = time.sleep,
) -> None:
    """Assign the permission set to the principal on the account and wait for AWS to finish.

    The principal id comes from live state or from a create call just made, never from input:
    moto accepts any principal, so nothing else would catch a wrong one.

    IAM actions: ``sso:CreateAccountAssignment``, ``sso:DescribeAccountAssignmentCreationStatus``.

    Raises:
        RunbookError: when the principal or the permission set is missing.
    """
    if not principal_id or not permission_set_arn:
        raise RunbookError(
            "The assignment needs a user (or group) and a permission set, and one of them is missing.",
            advice="Run this step again: it re-reads what exists and plans what is missing.",
        )
    sso_admin = ctx.client("sso-admin")
    started = retry_on_conflict(lambda: sso_admin.create_account_assignment(
        InstanceArn=instance_arn, TargetId=account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn, PrincipalType=principal_type, PrincipalId=principal_id,
    ), sleep=sleep)["AccountAssignmentCreationStatus"]
    follow_request(
        started,
        lambda request_id: sso_admin.describe_account_assignment_creation_status(
            InstanceArn=instance_arn, AccountAssignmentCreationRequestId=request_id,
        )["AccountAssignmentCreationStatus"],
        what="sso:CreateAccountAssignment", sleep=sleep,
    )
