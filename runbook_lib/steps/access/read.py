"""Read what exists of an ``AccessSpec``: the user, the group, the permission set, the assignment.

Everything is looked up by name (a lookup where identitystore has one, a listing where it has
none), so a rerun finds what an earlier run made. Permission sets have no lookup by name: they
are listed once per run into a name -> ARN map on the ``AwsContext``, which answers every later
lookup. Two permission sets of one name (moto allows it, AWS does not) are refused rather than
guessed.
"""

from __future__ import annotations

import botocore.exceptions

from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.errors import AwsCallError, RunbookError
from runbook_lib.steps.access.specs import AccessSpec, AccessState, PermissionSetState, UserState, reference_path
from runbook_lib.steps.identity_center import IdentityCenterInstance


@translating_aws_errors
def look_up_id(ctx: AwsContext, identity_store_id: str, operation: str, attribute: str, value: str) -> str | None:
    """Return the id identitystore's ``get_user_id``/``get_group_id`` finds by a unique
    attribute, or None when nothing has that value (one call, no listing).

    IAM actions: ``identitystore:GetUserId`` or ``identitystore:GetGroupId``.
    """
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


@translating_aws_errors
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


@translating_aws_errors
def find_users_with_suffix(ctx: AwsContext, identity_store_id: str, suffix: str) -> list[UserState]:
    """Return every user whose user name ends with ``suffix`` (a listing: no lookup by suffix).

    It pages through the whole identity store; ``find_users_with_access`` asks the account instead.

    IAM actions: ``identitystore:ListUsers``.
    """
    return [
        UserState(user["UserId"], user["UserName"], "", user.get("DisplayName", ""))
        for user in paginate(ctx.client("identitystore"), "list_users", "Users", IdentityStoreId=identity_store_id)
        if user["UserName"].endswith(suffix)
    ]


@translating_aws_errors
@reads_once
def find_users_with_access(
    ctx: AwsContext, instance: IdentityCenterInstance, account_id: str, suffix: str
) -> list[UserState]:
    """Return the users whose user name ends with ``suffix`` and who hold a permission set on
    the account, directly or through a group.

    Read from the account's side, not the identity store's: the permission sets provisioned to
    the account, each one's assignments there, then the principals they name (a group's members)
    described one by one. The calls grow with what the account grants (its permission sets and
    assignments, those groups' members), never with the identity store's users.

    IAM actions: ``sso:ListPermissionSetsProvisionedToAccount``, ``sso:ListAccountAssignments``,
    ``identitystore:ListGroupMemberships``, ``identitystore:DescribeUser``.
    """
    sso_admin, store = ctx.client("sso-admin"), ctx.client("identitystore")
    store_id = instance.identity_store_id
    user_ids: dict[str, None] = {}  # ordered and without repeats
    group_ids: dict[str, None] = {}
    for permission_set_arn in paginate(
        sso_admin, "list_permission_sets_provisioned_to_account", "PermissionSets",
        InstanceArn=instance.instance_arn, AccountId=account_id,
    ):
        for assignment in paginate(
            sso_admin, "list_account_assignments", "AccountAssignments",
            InstanceArn=instance.instance_arn, AccountId=account_id, PermissionSetArn=permission_set_arn,
        ):
            if assignment.get("AccountId", account_id) != account_id:
                continue
            held_by = user_ids if assignment.get("PrincipalType") == "USER" else group_ids
            held_by[assignment["PrincipalId"]] = None
    for group_id in group_ids:
        for membership in paginate(
            store, "list_group_memberships", "GroupMemberships", IdentityStoreId=store_id, GroupId=group_id,
        ):
            member = membership.get("MemberId", {}).get("UserId")
            if member:
                user_ids[member] = None
    found = []
    for user_id in user_ids:
        try:
            user = store.describe_user(IdentityStoreId=store_id, UserId=user_id)
        except botocore.exceptions.ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                continue  # an assignment left behind by a deleted user grants no one
            raise
        if user["UserName"].endswith(suffix):
            found.append(UserState(user_id, user["UserName"], "", user.get("DisplayName", "")))
    return found


@translating_aws_errors
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


@translating_aws_errors
def find_group(ctx: AwsContext, identity_store_id: str, group_name: str) -> str | None:
    """Return the id of the group with this display name, or None.

    IAM actions: ``identitystore:GetGroupId``.
    """
    return look_up_id(ctx, identity_store_id, "get_group_id", "displayName", group_name)


@translating_aws_errors
def is_group_member(ctx: AwsContext, identity_store_id: str, group_id: str, user_id: str) -> bool:
    """Return True when the user is a member of the group.

    IAM actions: ``identitystore:ListGroupMemberships``.
    """
    memberships = paginate(
        ctx.client("identitystore"), "list_group_memberships", "GroupMemberships",
        IdentityStoreId=identity_store_id, GroupId=group_id,
    )
    return any(membership.get("MemberId", {}).get("UserId") == user_id for membership in memberships)


@translating_aws_errors
def list_permission_set_arns(ctx: AwsContext, instance_arn: str) -> dict[str, str]:
    """Return every permission set's name -> ARN, listed once per run and then kept on ``ctx``.

    sso-admin has no lookup by name, so the first lookup of a run lists every permission set and
    describes each; the later ones (the other step's, verify's, 00's) are answered from the map.
    Every one is described, not only until a name is found: refusing two of one name needs
    every name, and a name not there yet (every first run) needs every describe anyway.

    IAM actions: ``sso:ListPermissionSets``, ``sso:DescribePermissionSet``.

    Raises:
        RunbookError: when more than one permission set has one name (the map is not kept, so
            every later lookup refuses too).
    """
    known = ctx.permission_set_arns.get(instance_arn)
    if known is not None:
        return known
    sso_admin = ctx.client("sso-admin")
    found: dict[str, list[str]] = {}
    for arn in paginate(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance_arn):
        name = sso_admin.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"]
        found.setdefault(name, []).append(arn)
    for name, arns in found.items():
        if len(arns) > 1:
            raise RunbookError(
                f"{len(arns)} permission sets are named {name!r}: {', '.join(arns)}.",
                advice="Delete the extra ones in IAM Identity Center > Permission sets, then run this step again.",
            )
    known = {name: arns[0] for name, arns in found.items()}
    ctx.permission_set_arns[instance_arn] = known
    return known


def remember_permission_set(arns: dict[str, dict[str, str]], instance_arn: str, name: str, arn: str) -> None:
    """Add a permission set just made to a run's name -> ARN maps (``AwsContext.permission_set_arns``),
    if its instance was listed."""
    known = arns.get(instance_arn)
    if known is not None:
        known[name] = arn


def forget_permission_sets(arns: dict[str, dict[str, str]], instance_arn: str) -> None:
    """Drop a run's name -> ARN map of the instance (from ``AwsContext.permission_set_arns``):
    the next lookup lists again.

    Called when the map proved stale: an ARN from it is missing, or a name it lacks was taken.
    """
    arns.pop(instance_arn, None)


@translating_aws_errors
def find_permission_set(ctx: AwsContext, instance_arn: str, name: str) -> str | None:
    """Return the ARN of the permission set with this name, or None.

    Answered from the run's name -> ARN map (``list_permission_set_arns``): at most one listing
    per run. Two with the same name (moto allows it; AWS does not) is refused rather than guessed.

    IAM actions: ``sso:ListPermissionSets``, ``sso:DescribePermissionSet``.

    Raises:
        RunbookError: when more than one permission set has one name.
    """
    return list_permission_set_arns(ctx, instance_arn).get(name)


@translating_aws_errors
def read_permission_set(ctx: AwsContext, instance_arn: str, arn: str, account_id: str) -> PermissionSetState:
    """Return a permission set's session length, everything that grants or bounds its role's
    access, and whether it is on the account.

    Everything a permission set can carry is read, not only what the runbook attaches: a
    customer managed policy reference or a boundary set by hand changes what the role may do
    as surely as a managed policy does.

    IAM actions: ``sso:DescribePermissionSet``, ``sso:ListManagedPoliciesInPermissionSet``,
    ``sso:ListCustomerManagedPolicyReferencesInPermissionSet``, ``sso:GetInlinePolicyForPermissionSet``,
    ``sso:GetPermissionsBoundaryForPermissionSet``, ``sso:ListPermissionSetsProvisionedToAccount``.
    """
    sso_admin = ctx.client("sso-admin")
    where = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
    described = sso_admin.describe_permission_set(**where)["PermissionSet"]
    policies = frozenset(
        policy["Arn"] for policy in paginate(
            sso_admin, "list_managed_policies_in_permission_set", "AttachedManagedPolicies", **where,
        )
    )
    references = frozenset(
        reference_path(reference["Name"], reference.get("Path", "/")) for reference in paginate(
            sso_admin, "list_customer_managed_policy_references_in_permission_set",
            "CustomerManagedPolicyReferences", **where,
        )
    )
    inline = sso_admin.get_inline_policy_for_permission_set(**where)
    provisioned = arn in set(paginate(
        sso_admin, "list_permission_sets_provisioned_to_account", "PermissionSets",
        InstanceArn=instance_arn, AccountId=account_id,
    ))
    return PermissionSetState(
        arn, described["Name"], described.get("SessionDuration", "PT1H"), policies,
        inline.get("InlinePolicy") or "", provisioned,
        customer_managed_policies=references, permissions_boundary=read_permissions_boundary(ctx, instance_arn, arn),
    )


@translating_aws_errors
def read_permissions_boundary(ctx: AwsContext, instance_arn: str, arn: str) -> str:
    """Return the permission set's permissions boundary: an AWS managed policy's ARN, a customer
    managed reference as ``/path/Name``, or "" when it has none.

    sso-admin answers ``ResourceNotFoundException`` for a set without a boundary (as Terraform's
    AWS provider reads it); an answer without one means the same.

    IAM actions: ``sso:GetPermissionsBoundaryForPermissionSet``.
    """
    try:
        boundary = ctx.client("sso-admin").get_permissions_boundary_for_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn,
        ).get("PermissionsBoundary") or {}
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return ""
        raise
    reference = boundary.get("CustomerManagedPolicyReference")
    if reference:
        return reference_path(reference["Name"], reference.get("Path", "/"))
    return boundary.get("ManagedPolicyArn", "")


@translating_aws_errors
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
def read_named_permission_set(ctx: AwsContext, instance_arn: str, name: str, account_id: str) -> PermissionSetState | None:
    """Return the state of the permission set with this name, or None when there is none.

    An ARN from the run's map that AWS no longer knows (deleted since it was listed) drops the
    map, and the name is looked up again from a fresh listing.

    IAM actions: those of ``find_permission_set`` and ``read_permission_set``.
    """
    arn = find_permission_set(ctx, instance_arn, name)
    if arn is None:
        return None
    try:
        return read_permission_set(ctx, instance_arn, arn, account_id)
    except AwsCallError as error:
        if error.code != "ResourceNotFoundException":
            raise
    forget_permission_sets(ctx.permission_set_arns, instance_arn)
    arn = find_permission_set(ctx, instance_arn, name)
    return read_permission_set(ctx, instance_arn, arn, account_id) if arn else None


@translating_aws_errors
@reads_once
def read_access_state(
    ctx: AwsContext, instance: IdentityCenterInstance, account_id: str, spec: AccessSpec
) -> AccessState:
    """Read what exists of ``spec``: the user, the group, the permission set, the assignment.

    IAM actions: those of ``find_user``, ``find_group``, ``is_group_member``,
    ``read_named_permission_set`` and ``is_assigned``.
    """
    store_id = instance.identity_store_id
    user = find_user(ctx, store_id, spec.user.user_name)
    group_id = find_group(ctx, store_id, spec.group_name) if spec.through_group else None
    user_in_group = bool(group_id and user and is_group_member(ctx, store_id, group_id, user.user_id))
    permission_set = read_named_permission_set(ctx, instance.instance_arn, spec.permission_set.name, account_id)
    principal_id = group_id if spec.through_group else (user.user_id if user else None)
    assigned = bool(
        permission_set and principal_id
        and is_assigned(ctx, instance.instance_arn, account_id, permission_set.arn, principal_id)
    )
    return AccessState(account_id, instance, user, group_id, user_in_group, permission_set, assigned)
