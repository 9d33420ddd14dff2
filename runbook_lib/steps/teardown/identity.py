"""Find the Identity Center resources steps 03 and 04 made: assignments, permission sets, groups,
users (in the order they can be deleted), and keep the runbook's own way in.

Identity Center has no tags for users and groups, and moto none for permission sets, so the marks
steps 03 and 04 leave are used (see ``inventory``): a permission set described "created by the
runbook", a group described "Created by the runbook", and a user of the runbook's names who holds
such a set or is in such a group. A hand-made user who was given a runbook permission set loses
that assignment (the set goes) but stays.
"""

from __future__ import annotations

from runbook_lib.aws import AwsContext, paginate, translating_aws_errors
from runbook_lib.ledger import Ledger
from runbook_lib import addresses
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.steps.teardown.inventory import (
    DEVELOPER_SUFFIX,
    GROUP_MARK,
    PERMISSION_SET_MARK,
    Found,
    Kept,
    acting_through,
    runbooks_own,
)
from runbook_lib.target import CallerIdentity


def is_runbook_user_name(user_name: str, admin_user_name: str) -> bool:
    """Return True for a name steps 03 and 04 give: the Admin's, or ``<name>-developer``."""
    return user_name == admin_user_name or user_name.endswith(DEVELOPER_SUFFIX)


@translating_aws_errors
def find_identity_resources(
    ctx: AwsContext,
    instance: IdentityCenterInstance,
    account_id: str,
    ledger: Ledger,
    caller: CallerIdentity | None,
    *,
    admin_user_name: str,
) -> tuple[list[Found], list[Kept]]:
    """Return the runbook's assignments, permission sets, groups and users, and what is kept.

    IAM actions: ``sso:ListPermissionSets``, ``sso:DescribePermissionSet``,
    ``sso:ListAccountAssignments``, ``identitystore:ListGroups``, ``identitystore:ListUsers``,
    ``identitystore:ListGroupMemberships``.
    """
    sso_admin, identitystore = ctx.client("sso-admin"), ctx.client("identitystore")
    store = instance.identity_store_id
    users = {user["UserId"]: user["UserName"] for user in paginate(identitystore, "list_users", "Users", IdentityStoreId=store)}
    groups = {group["GroupId"]: group for group in paginate(identitystore, "list_groups", "Groups", IdentityStoreId=store)
              if str(group.get("Description", "")).startswith(GROUP_MARK)
              or runbooks_own(ledger, addresses.group_address(group.get("DisplayName", "")))}
    acting_set, acting_user = acting_through(caller)
    found: list[Found] = []
    kept: list[Kept] = []
    holders: set[str] = set()
    permission_sets: list[Found] = []
    for arn in paginate(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance.instance_arn):
        described = sso_admin.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)["PermissionSet"]
        name = described["Name"]
        if PERMISSION_SET_MARK not in described.get("Description", "") and not runbooks_own(
                ledger, addresses.permission_set_address(name)):
            continue
        if name == acting_set:
            kept.append(Kept(addresses.permission_set_address(name),
                             f"The runbook acts through it now (as {acting_user}): deleting it would cut the teardown off. "
                             f"Remove it last, as root: IAM Identity Center > AWS accounts > {account_id} > remove its "
                             f"assignments; Permission sets > {name} > Delete; Users > {acting_user} > Delete."))
            continue
        for assignment in paginate(sso_admin, "list_account_assignments", "AccountAssignments", InstanceArn=instance.instance_arn,
                                   AccountId=account_id, PermissionSetArn=arn):
            principal_type, principal_id = assignment["PrincipalType"], assignment["PrincipalId"]
            principal = users.get(principal_id) if principal_type == "USER" else groups.get(principal_id, {}).get("DisplayName")
            principal = principal or principal_id
            holders.add(principal_id)
            found.append(Found(
                addresses.assignment_address(name, addresses.principal_name(principal_type, principal)), "sso_account_assignment",
                principal_id, f"{name}@{principal}",
                detail=f"{principal_type.lower()} {principal} loses {name} on account {account_id}.",
                extra=(("permission_set_arn", arn), ("principal_type", principal_type)),
            ))
        permission_sets.append(Found(addresses.permission_set_address(name), "sso_permission_set", arn, name,
                                     detail="Identity Center deletes its AWSReservedSSO_ role in the account."))
    found += permission_sets
    members: set[str] = set()
    for group_id, group in groups.items():
        members |= {membership["MemberId"]["UserId"] for membership in paginate(
            identitystore, "list_group_memberships", "GroupMemberships", IdentityStoreId=store, GroupId=group_id)
            if "UserId" in membership.get("MemberId", {})}
        found.append(Found(addresses.group_address(group["DisplayName"]), "identitystore_group", group_id, group["DisplayName"],
                           detail="Its memberships go with it; its members stay unless listed below."))
    for user_id, user_name in sorted(users.items(), key=lambda item: item[1]):
        ours = runbooks_own(ledger, addresses.user_address(user_name)) or (
            is_runbook_user_name(user_name, admin_user_name)
            and (user_id in holders or user_id in members or user_name == acting_user))
        if not ours:
            continue
        if user_name == acting_user:
            kept.append(Kept(addresses.user_address(user_name), f"The runbook acts as {user_name} now; remove the user last, "
                             "by hand (IAM Identity Center > Users)."))
            continue
        found.append(Found(addresses.user_address(user_name), "identitystore_user", user_id, user_name,
                           detail="They can no longer sign in to the access portal; their MFA devices go with them."))
    return found, kept
