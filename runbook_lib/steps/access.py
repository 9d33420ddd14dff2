"""Identity Center access for one person: a user, a permission set, an account assignment.

Steps 03 (the Admin) and 04 (the developer) differ only in what they ask for, so both build an
``AccessSpec`` and share this module: read the live state by name, plan the differences (drift
included), apply them in order, verify. The runbook never leans on AWS (or moto, which accepts
duplicate names and any assignment target) to catch a mistake it can catch itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import botocore.exceptions

from runbook_lib import validate
from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.errors import AwsCallError, RunbookError
from runbook_lib.plan import FAIL, PASS, WARN, Change, Check, Plan, Verification
from runbook_lib.steps.identity_center import IdentityCenterInstance

RESERVED_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
STATUS_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class UserSpec:
    """The Identity Center user asked for (validated before it gets here)."""

    user_name: str
    given_name: str
    family_name: str
    display_name: str
    email: str


@dataclass(frozen=True)
class PermissionSetSpec:
    """The permission set asked for: its name, exact managed policies and session length."""

    name: str
    description: str
    managed_policy_arns: tuple[str, ...]
    session_duration: str  # ISO-8601, e.g. PT4H


@dataclass(frozen=True)
class AccessSpec:
    """A user, a permission set, and how the user gets it: directly, or through ``group_name``."""

    user: UserSpec
    permission_set: PermissionSetSpec
    group_name: str = ""

    @property
    def through_group(self) -> bool:
        """Return True when access is assigned to a group the user belongs to."""
        return bool(self.group_name)


def build_user_spec(*, user_name: str, given_name: str, family_name: str, display_name: str, email: str) -> UserSpec:
    """Validate a person's fields and return the user asked for (display name defaults to
    "given family").

    Raises:
        InputError: naming the first field that breaks its rule.
    """
    given = validate.validate_display_text(given_name, field="given_name")
    family = validate.validate_display_text(family_name, field="family_name")
    return UserSpec(
        user_name=user_name,
        given_name=given,
        family_name=family,
        display_name=validate.validate_display_text(display_name or f"{given} {family}", field="display_name"),
        email=validate.validate_email(email),
    )


def validate_group_name(group_name: str) -> str:
    """Return the group's name, validated, or "" (assign directly to the user).

    Raises:
        InputError: naming ``group_name`` when it is not a usable group name.
    """
    return validate.validate_display_text(group_name, field="group_name") if group_name else ""


@dataclass(frozen=True)
class UserState:
    """An existing Identity Center user."""

    user_id: str
    user_name: str
    email: str
    display_name: str


@dataclass(frozen=True)
class PermissionSetState:
    """An existing permission set, with what the drift check compares."""

    arn: str
    name: str
    session_duration: str
    managed_policy_arns: frozenset[str]
    has_inline_policy: bool
    provisioned: bool


@dataclass(frozen=True)
class AccessState:
    """What exists of an ``AccessSpec``, read live.

    Attributes:
        principal_assigned: The user (or the group) has the permission set on the account.
    """

    account_id: str
    instance: IdentityCenterInstance
    user: UserState | None
    group_id: str | None
    user_in_group: bool
    permission_set: PermissionSetState | None
    principal_assigned: bool


# ---------------------------------------------------------------------------------------------
# Reading


def look_up_id(ctx: AwsContext, identity_store_id: str, operation: str, attribute: str, value: str) -> str | None:
    """Return the id identitystore's ``get_user_id``/``get_group_id`` finds by a unique
    attribute, or None when nothing has that value (one call, no listing)."""
    try:
        answer = getattr(ctx.client("identitystore"), operation)(
            IdentityStoreId=identity_store_id,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": attribute, "AttributeValue": value}},
        )
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
    return answer.get("UserId") or answer.get("GroupId")


def find_user(ctx: AwsContext, identity_store_id: str, user_name: str) -> UserState | None:
    """Return the user with this user name (one lookup by name, then its details), or None.

    IAM actions: ``identitystore:GetUserId``, ``identitystore:DescribeUser``.
    """
    user_id = look_up_id(ctx, identity_store_id, "get_user_id", "userName", user_name)
    if user_id is None:
        return None
    user = ctx.client("identitystore").describe_user(IdentityStoreId=identity_store_id, UserId=user_id)
    emails = user.get("Emails") or []
    primary = next((email for email in emails if email.get("Primary")), emails[0] if emails else {})
    return UserState(user_id, user["UserName"], primary.get("Value", ""), user.get("DisplayName", ""))


def find_users_with_suffix(ctx: AwsContext, identity_store_id: str, suffix: str) -> list[UserState]:
    """Return every user whose user name ends with ``suffix`` (a listing: no lookup by suffix).

    IAM actions: ``identitystore:ListUsers``.
    """
    return [
        UserState(user["UserId"], user["UserName"], "", user.get("DisplayName", ""))
        for user in paginate(ctx.client("identitystore"), "list_users", "Users", IdentityStoreId=identity_store_id)
        if user["UserName"].endswith(suffix)
    ]


def has_any_assignment(ctx: AwsContext, instance: IdentityCenterInstance, account_id: str, user_id: str) -> bool:
    """Return True when the user holds any permission set on the account, directly or through
    one of their groups.

    IAM actions: ``sso:ListAccountAssignmentsForPrincipal``,
    ``identitystore:ListGroupMembershipsForMember``.
    """
    group_ids = [
        membership["GroupId"] for membership in paginate(
            ctx.client("identitystore"), "list_group_memberships_for_member", "GroupMemberships",
            IdentityStoreId=instance.identity_store_id, MemberId={"UserId": user_id},
        )
    ]
    principals = [(user_id, "USER"), *((group_id, "GROUP") for group_id in group_ids)]
    return any(
        assignment.get("AccountId") == account_id
        for principal_id, principal_type in principals
        for assignment in paginate(
            ctx.client("sso-admin"), "list_account_assignments_for_principal", "AccountAssignments",
            InstanceArn=instance.instance_arn, PrincipalId=principal_id, PrincipalType=principal_type,
        )
    )


def find_group(ctx: AwsContext, identity_store_id: str, group_name: str) -> str | None:
    """Return the id of the group with this display name, or None.

    IAM actions: ``identitystore:GetGroupId``.
    """
    return look_up_id(ctx, identity_store_id, "get_group_id", "displayName", group_name)


def is_group_member(ctx: AwsContext, identity_store_id: str, group_id: str, user_id: str) -> bool:
    """Return True when the user is a member of the group.

    IAM actions: ``identitystore:ListGroupMemberships``.
    """
    memberships = paginate(
        ctx.client("identitystore"), "list_group_memberships", "GroupMemberships",
        IdentityStoreId=identity_store_id, GroupId=group_id,
    )
    return any(membership.get("MemberId", {}).get("UserId") == user_id for membership in memberships)


def find_permission_set(ctx: AwsContext, instance_arn: str, name: str) -> str | None:
    """Return the ARN of the permission set with this name, or None.

    sso-admin has no lookup by name, so this lists and describes. Two with the same name (moto
    allows it; AWS does not) is refused rather than guessed.

    IAM actions: ``sso:ListPermissionSets``, ``sso:DescribePermissionSet``.

    Raises:
        RunbookError: when more than one permission set has this name.
    """
    sso_admin = ctx.client("sso-admin")
    found = [
        arn for arn in paginate(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance_arn)
        if sso_admin.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"] == name
    ]
    if len(found) > 1:
        raise RunbookError(
            f"{len(found)} permission sets are named {name!r}: {', '.join(found)}.",
            advice="Delete the extra ones in IAM Identity Center > Permission sets, then run this step again.",
        )
    return found[0] if found else None


def read_permission_set(ctx: AwsContext, instance_arn: str, arn: str, account_id: str) -> PermissionSetState:
    """Return a permission set's session length, policies and whether it is on the account.

    IAM actions: ``sso:DescribePermissionSet``, ``sso:ListManagedPoliciesInPermissionSet``,
    ``sso:GetInlinePolicyForPermissionSet``, ``sso:ListPermissionSetsProvisionedToAccount``.
    """
    sso_admin = ctx.client("sso-admin")
    described = sso_admin.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)["PermissionSet"]
    policies = frozenset(
        policy["Arn"] for policy in paginate(
            sso_admin, "list_managed_policies_in_permission_set", "AttachedManagedPolicies",
            InstanceArn=instance_arn, PermissionSetArn=arn,
        )
    )
    inline = sso_admin.get_inline_policy_for_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)
    provisioned = arn in set(paginate(
        sso_admin, "list_permission_sets_provisioned_to_account", "PermissionSets",
        InstanceArn=instance_arn, AccountId=account_id,
    ))
    return PermissionSetState(
        arn, described["Name"], described.get("SessionDuration", "PT1H"), policies,
        bool(inline.get("InlinePolicy")), provisioned,
    )


def is_assigned(ctx: AwsContext, instance_arn: str, account_id: str, permission_set_arn: str, principal_id: str) -> bool:
    """Return True when the principal holds the permission set on the account.

    IAM actions: ``sso:ListAccountAssignments``.
    """
    assignments = paginate(
        ctx.client("sso-admin"), "list_account_assignments", "AccountAssignments",
        InstanceArn=instance_arn, AccountId=account_id, PermissionSetArn=permission_set_arn,
    )
    return any(assignment.get("PrincipalId") == principal_id for assignment in assignments)


@translating_aws_errors
def read_access_state(
    ctx: AwsContext, instance: IdentityCenterInstance, account_id: str, spec: AccessSpec
) -> AccessState:
    """Read what exists of ``spec``: the user, the group, the permission set, the assignment.

    IAM actions: those of ``find_user``, ``find_group``, ``is_group_member``,
    ``find_permission_set``, ``read_permission_set`` and ``is_assigned``.
    """
    store_id = instance.identity_store_id
    user = find_user(ctx, store_id, spec.user.user_name)
    group_id = find_group(ctx, store_id, spec.group_name) if spec.through_group else None
    user_in_group = bool(group_id and user and is_group_member(ctx, store_id, group_id, user.user_id))
    arn = find_permission_set(ctx, instance.instance_arn, spec.permission_set.name)
    permission_set = read_permission_set(ctx, instance.instance_arn, arn, account_id) if arn else None
    principal_id = group_id if spec.through_group else (user.user_id if user else None)
    assigned = bool(
        permission_set and principal_id
        and is_assigned(ctx, instance.instance_arn, account_id, permission_set.arn, principal_id)
    )
    return AccessState(account_id, instance, user, group_id, user_in_group, permission_set, assigned)


# ---------------------------------------------------------------------------------------------
# Planning (pure)


def plan_access(step: str, state: AccessState, spec: AccessSpec) -> Plan:
    """Return the changes that bring the account in line with ``spec``, drift included.

    An existing user whose email differs is shown as a conflict and never overwritten.
    """
    changes: list[Change] = []
    user = spec.user
    if state.user is None:
        changes.append(Change(
            "create", f"user {user.user_name}",
            f"Identity Center user {user.user_name} ({user.display_name}, {user.email}). Users created "
            "by API get no email: the checklist below says how they first sign in.",
            "create_user",
        ))
    elif state.user.email.lower() != user.email.lower():
        changes.append(Change(
            "conflict", f"user {user.user_name}",
            f"Exists with email {state.user.email!r}, not {user.email!r}. The runbook leaves it as it is: "
            "change it in IAM Identity Center > Users, or set `email` to the existing one.",
            "user_email_differs",
        ))
    if spec.through_group:
        if state.group_id is None:
            changes.append(Change("create", f"group {spec.group_name}", f"Identity Center group {spec.group_name}.", "create_group"))
        if not state.user_in_group:
            changes.append(Change(
                "create", f"membership {user.user_name} in {spec.group_name}",
                f"Add {user.user_name} to {spec.group_name}; the group holds the access.", "create_group_membership",
            ))
    permission_set_changes = plan_permission_set(state.permission_set, spec.permission_set)
    changes.extend(permission_set_changes)
    if not state.principal_assigned:
        principal = f"group {spec.group_name}" if spec.through_group else f"user {user.user_name}"
        changes.append(Change(
            "create", f"assignment {spec.permission_set.name} -> {principal}",
            f"Give {principal} the permission set {spec.permission_set.name} on account {state.account_id}.",
            "create_account_assignment",
        ))
    # Last, once it is assigned: a changed permission set reaches the account's role only when
    # provisioned (AWS provisions on a first assignment; moto never does, and says so).
    current = state.permission_set
    if permission_set_changes or current is None or not current.provisioned:
        changes.append(Change(
            "update", f"permission set {spec.permission_set.name}",
            "Provision it to the account, so the account's role matches it.", "provision_permission_set",
        ))
    return Plan(step, tuple(changes))


def plan_permission_set(current: PermissionSetState | None, wanted: PermissionSetSpec) -> list[Change]:
    """Return the changes to the permission set: create it, or bring policies and duration in line."""
    resource = f"permission set {wanted.name}"
    if current is None:
        changes = [Change(
            "create", resource,
            f"Session {wanted.session_duration}; AWS managed policies: {', '.join(wanted.managed_policy_arns)}.",
            "create_permission_set",
        )]
        changes += [
            Change("create", resource, f"Attach {arn}.", "attach_managed_policy", arn)
            for arn in wanted.managed_policy_arns
        ]
    else:
        changes = []
        if current.session_duration != wanted.session_duration:
            changes.append(Change(
                "update", resource, f"Drift: session {current.session_duration} -> {wanted.session_duration}.",
                "update_session_duration",
            ))
        changes += [
            Change("update", resource, f"Drift: attach {arn} (asked for, missing).", "attach_managed_policy", arn)
            for arn in wanted.managed_policy_arns if arn not in current.managed_policy_arns
        ]
        changes += [
            Change("delete", resource, f"Drift: detach {arn} (attached, not asked for).", "detach_managed_policy", arn)
            for arn in sorted(current.managed_policy_arns - set(wanted.managed_policy_arns))
        ]
        if current.has_inline_policy:
            changes.append(Change(
                "delete", resource, "Drift: delete its inline policy (not asked for).", "delete_inline_policy",
            ))
    return changes


# ---------------------------------------------------------------------------------------------
# Applying


@translating_aws_errors
def apply_access(ctx: AwsContext, plan: Plan, state: AccessState, spec: AccessSpec) -> list[str]:
    """Make the plan's API changes in order; return one sentence per change made.

    Ids created early (the user, the group, the permission set) feed the later changes.

    IAM actions: ``identitystore:CreateUser``, ``identitystore:CreateGroup``,
    ``identitystore:CreateGroupMembership``, ``sso:CreatePermissionSet``,
    ``sso:UpdatePermissionSet``, ``sso:AttachManagedPolicyToPermissionSet``,
    ``sso:DetachManagedPolicyFromPermissionSet``, ``sso:DeleteInlinePolicyFromPermissionSet``,
    ``sso:ProvisionPermissionSet``, ``sso:CreateAccountAssignment`` (and their status reads).
    """
    store = ctx.client("identitystore")
    sso_admin = ctx.client("sso-admin")
    instance_arn = state.instance.instance_arn
    store_id = state.instance.identity_store_id
    user_id = state.user.user_id if state.user else ""
    group_id = state.group_id or ""
    permission_set_arn = state.permission_set.arn if state.permission_set else ""
    done = []
    for change in plan.api_changes:
        operation = change.operation
        if operation == "create_user":
            user = spec.user
            user_id = store.create_user(
                IdentityStoreId=store_id, UserName=user.user_name, DisplayName=user.display_name,
                Name={"GivenName": user.given_name, "FamilyName": user.family_name},
                Emails=[{"Value": user.email, "Type": "work", "Primary": True}],
            )["UserId"]
        elif operation == "create_group":
            group_id = store.create_group(
                IdentityStoreId=store_id, DisplayName=spec.group_name,
                Description="Created by the runbook; members get this group's account access.",
            )["GroupId"]
        elif operation == "create_group_membership":
            store.create_group_membership(IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id})
        elif operation == "create_permission_set":
            permission_set_arn = sso_admin.create_permission_set(
                InstanceArn=instance_arn, Name=spec.permission_set.name,
                Description=spec.permission_set.description, SessionDuration=spec.permission_set.session_duration,
            )["PermissionSet"]["PermissionSetArn"]
        elif operation == "update_session_duration":
            sso_admin.update_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=permission_set_arn,
                SessionDuration=spec.permission_set.session_duration,
            )
        elif operation == "attach_managed_policy":
            sso_admin.attach_managed_policy_to_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=permission_set_arn, ManagedPolicyArn=change.argument,
            )
        elif operation == "detach_managed_policy":
            sso_admin.detach_managed_policy_from_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=permission_set_arn, ManagedPolicyArn=change.argument,
            )
        elif operation == "delete_inline_policy":
            sso_admin.delete_inline_policy_from_permission_set(InstanceArn=instance_arn, PermissionSetArn=permission_set_arn)
        elif operation == "provision_permission_set":
            provision_permission_set(ctx, instance_arn, permission_set_arn, state.account_id)
        elif operation == "create_account_assignment":
            principal_id, principal_type = (group_id, "GROUP") if spec.through_group else (user_id, "USER")
            create_account_assignment(ctx, instance_arn, state.account_id, permission_set_arn, principal_id, principal_type)
        else:
            raise ValueError(f"plan_access made an operation apply_access does not know: {operation}")
        done.append(f"{change.resource}: {change.details}")
    return done


def wait_for_status(
    read_status: Callable[[], dict[str, Any]],
    *,
    what: str,
    timeout_seconds: float = STATUS_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll an asynchronous sso-admin request until it leaves IN_PROGRESS (bounded).

    Raises:
        AwsCallError: when AWS reports FAILED, with AWS's reason; or when time runs out.
    """
    deadline = time.monotonic() + timeout_seconds
    while True:
        status = read_status()
        if status.get("Status") == "SUCCEEDED":
            return status
        if status.get("Status") == "FAILED":
            raise AwsCallError(
                what, "FAILED", status.get("FailureReason", "no reason given"),
                advice="Fix what AWS's reason names (often a permission set or principal that was "
                "deleted meanwhile), then run this step again.",
            )
        if time.monotonic() >= deadline:
            raise AwsCallError(
                what, "IN_PROGRESS", f"still in progress after {timeout_seconds:.0f} s",
                advice="AWS is slow right now; run this step again in a minute (it picks up where it is).",
            )
        sleep(2.0)


def follow_request(started: dict[str, Any], describe: Callable[[str], dict[str, Any]], *, what: str) -> dict[str, Any]:
    """Wait for an asynchronous sso-admin request: its first status, then ``describe(RequestId)``.

    Raises:
        AwsCallError: when AWS reports FAILED (with AWS's reason) or time runs out.
    """
    if started.get("Status") == "IN_PROGRESS":
        return wait_for_status(lambda: describe(started["RequestId"]), what=what)
    return wait_for_status(lambda: started, what=what)


def provision_permission_set(ctx: AwsContext, instance_arn: str, permission_set_arn: str, account_id: str) -> None:
    """Provision the permission set to the account and wait for AWS to finish.

    IAM actions: ``sso:ProvisionPermissionSet``, ``sso:DescribePermissionSetProvisioningStatus``.
    """
    sso_admin = ctx.client("sso-admin")
    started = sso_admin.provision_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=permission_set_arn, TargetType="AWS_ACCOUNT", TargetId=account_id,
    )["PermissionSetProvisioningStatus"]
    follow_request(
        started,
        lambda request_id: sso_admin.describe_permission_set_provisioning_status(
            InstanceArn=instance_arn, ProvisionPermissionSetRequestId=request_id,
        )["PermissionSetProvisioningStatus"],
        what="sso:ProvisionPermissionSet",
    )


def create_account_assignment(
    ctx: AwsContext, instance_arn: str, account_id: str, permission_set_arn: str, principal_id: str, principal_type: str
) -> None:
    """Assign the permission set to the principal on the account and wait for AWS to finish.

    The principal id comes from live state or from a create call just made, never from input:
    moto accepts any principal, so nothing else would catch a wrong one.

    IAM actions: ``sso:CreateAccountAssignment``, ``sso:DescribeAccountAssignmentCreationStatus``.
    """
    if not principal_id or not permission_set_arn:
        raise RunbookError(
            "The assignment needs a user (or group) and a permission set, and one of them is missing.",
            advice="Run this step again: it re-reads what exists and plans what is missing.",
        )
    sso_admin = ctx.client("sso-admin")
    started = sso_admin.create_account_assignment(
        InstanceArn=instance_arn, TargetId=account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn, PrincipalType=principal_type, PrincipalId=principal_id,
    )["AccountAssignmentCreationStatus"]
    follow_request(
        started,
        lambda request_id: sso_admin.describe_account_assignment_creation_status(
            InstanceArn=instance_arn, AccountAssignmentCreationRequestId=request_id,
        )["AccountAssignmentCreationStatus"],
        what="sso:CreateAccountAssignment",
    )


# ---------------------------------------------------------------------------------------------
# Verifying


def verify_access(state: AccessState, spec: AccessSpec) -> list[Check]:
    """Judge the live state against ``spec``: user, group, exact policies, duration, assignment."""
    user, wanted = state.user, spec.permission_set
    permission_set = state.permission_set
    checks = [
        Check(
            "identitystore_user_exists", PASS if user else FAIL,
            f"User {spec.user.user_name} exists ({user.user_id})." if user else f"No user {spec.user.user_name} yet.",
        ),
    ]
    if user:
        same = user.email.lower() == spec.user.email.lower()
        checks.append(Check(
            "identitystore_user_email_matches", PASS if same else WARN,
            f"Email {user.email}." if same else f"Email is {user.email!r}, not {spec.user.email!r}: left as it is.",
        ))
    if spec.through_group:
        checks.append(Check(
            "identitystore_user_in_group", PASS if state.user_in_group else FAIL,
            f"{spec.user.user_name} is in group {spec.group_name}." if state.user_in_group
            else f"{spec.user.user_name} is not in group {spec.group_name}.",
        ))
    if permission_set is None:
        checks.append(Check("sso_permission_set_exists", FAIL, f"No permission set {wanted.name} yet."))
    else:
        exact = permission_set.managed_policy_arns == set(wanted.managed_policy_arns) and not permission_set.has_inline_policy
        checks += [
            Check(
                "sso_permission_set_policies_exact", PASS if exact else FAIL,
                f"{wanted.name} has exactly: {', '.join(sorted(permission_set.managed_policy_arns))}." if exact
                else f"{wanted.name} has {sorted(permission_set.managed_policy_arns)}"
                f"{' and an inline policy' if permission_set.has_inline_policy else ''}; asked: {sorted(wanted.managed_policy_arns)}.",
            ),
            Check(
                "sso_permission_set_session_duration", PASS if permission_set.session_duration == wanted.session_duration else FAIL,
                f"Session {permission_set.session_duration} (asked {wanted.session_duration}).",
            ),
            Check(
                "sso_permission_set_provisioned", PASS if permission_set.provisioned else FAIL,
                f"{wanted.name} is provisioned to account {state.account_id}." if permission_set.provisioned
                else f"{wanted.name} is not provisioned to account {state.account_id}.",
            ),
        ]
    principal = f"group {spec.group_name}" if spec.through_group else f"user {spec.user.user_name}"
    checks.append(Check(
        "sso_account_assignment_exists", PASS if state.principal_assigned else FAIL,
        f"{principal} has {wanted.name} on account {state.account_id}." if state.principal_assigned
        else f"{principal} does not have {wanted.name} on account {state.account_id} yet.",
    ))
    return checks


def verification_of(step: str, *check_lists: list[Check]) -> Verification:
    """Return one verification of several lists of checks."""
    return Verification(step, tuple(check for checks in check_lists for check in checks))
