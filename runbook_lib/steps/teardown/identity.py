"""Find the Identity Center resources steps 03 and 04 made: assignments, permission sets, groups,
memberships, users (in the order they can be deleted), and keep the runbook's own way in.

Steps 03 and 04 write each user, group, membership, permission set and assignment they create in
the ledger with AWS's id for it, and tag the permission set; ``ownership.judge_ownership`` decides
from those (the ledger's id against the live one, and the mark) what the runbook made. A
same-named thing it did not make (an ``Admin`` made by hand, a user deleted and made again) is
listed as kept and never deleted. A permission set of the runbook's goes with every assignment of
it (AWS deletes no permission set still assigned): a hand-made user who was given it loses that
assignment, and stays.
"""

from __future__ import annotations

from typing import Any

from runbook_lib.aws import AwsContext, paginate, translating_aws_errors
from runbook_lib.ledger import Ledger, is_runbook_tagged
from runbook_lib import addresses
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.steps.teardown.inventory import (
    DEVELOPER_SUFFIX,
    GROUP_MARK,
    PERMISSION_SET_MARK,
    Found,
    Kept,
    acting_through,
)
from runbook_lib.steps.teardown.ownership import Evidence, Ownership, judge_ownership
from runbook_lib.target import CallerIdentity

MEMBERSHIP_KIND = "identitystore_group_membership."


def is_runbook_user_name(user_name: str, admin_user_name: str) -> bool:
    """Return True for a name steps 03 and 04 give: the Admin's, or ``<name>-developer``."""
    return user_name == admin_user_name or user_name.endswith(DEVELOPER_SUFFIX)


@translating_aws_errors
def permission_set_tags(ctx: AwsContext, instance_arn: str, arn: str) -> dict[str, str]:
    """Return a permission set's tags.

    IAM actions: ``sso:ListTagsForResource``.
    """
    listed = paginate(ctx.client("sso-admin"), "list_tags_for_resource", "Tags", InstanceArn=instance_arn, ResourceArn=arn)
    return {tag["Key"]: tag["Value"] for tag in listed}


class IdentityFinder:
    """One reading of Identity Center for the teardown: what it finds, what it keeps and why."""

    def __init__(self, ctx: AwsContext, instance: IdentityCenterInstance, account_id: str, ledger: Ledger,
                 caller: CallerIdentity | None, admin_user_name: str) -> None:
        self.ctx, self.instance, self.account_id, self.ledger = ctx, instance, account_id, ledger
        self.admin_user_name = admin_user_name
        self.acting_set, self.acting_user = acting_through(caller)
        self.found: list[Found] = []
        self.kept: list[Kept] = []
        store = instance.identity_store_id
        identitystore = ctx.client("identitystore")
        self.users = {user["UserId"]: user["UserName"]
                      for user in paginate(identitystore, "list_users", "Users", IdentityStoreId=store)}
        self.groups = {group["GroupId"]: group for group in paginate(identitystore, "list_groups", "Groups", IdentityStoreId=store)}

    def keep(self, address: str, ownership: Ownership) -> None:
        """List ``address`` as kept, with why."""
        self.kept.append(Kept(address, ownership.reason))

    def principal(self, principal_type: str, principal_id: str) -> str:
        """Return a principal's name (its id when it is gone)."""
        if principal_type == "USER":
            return self.users.get(principal_id, principal_id)
        return str(self.groups.get(principal_id, {}).get("DisplayName", principal_id))

    def assignments(self, name: str, arn: str, *, all_of_them: bool) -> list[Found]:
        """Return the set's assignments on the account to delete: all of them when the set goes,
        else those the ledger says the runbook made (the same permission set and principal)."""
        sso_admin = self.ctx.client("sso-admin")
        found = []
        for assignment in paginate(sso_admin, "list_account_assignments", "AccountAssignments",
                                   InstanceArn=self.instance.instance_arn, AccountId=self.account_id, PermissionSetArn=arn):
            principal_type, principal_id = assignment["PrincipalType"], assignment["PrincipalId"]
            principal = self.principal(principal_type, principal_id)
            address = addresses.assignment_address(name, addresses.principal_name(principal_type, principal))
            entry = self.ledger.get(address)
            made = entry is not None and entry.resource_id == principal_id and entry.detail.get("permission_set_arn") == arn
            if all_of_them or made:
                found.append(Found(address, "sso_account_assignment", principal_id, f"{name}@{principal}",
                                   detail=f"{principal_type.lower()} {principal} loses {name} on account {self.account_id}.",
                                   extra=(("permission_set_arn", arn), ("principal_type", principal_type))))
        return found

    def find_permission_sets(self) -> None:
        """Find the runbook's permission sets, each after its assignments; keep look-alikes."""
        sso_admin = self.ctx.client("sso-admin")
        assigned_arns = {str(entry.detail.get("permission_set_arn")) for entry in self.ledger.entries.values()
                         if entry.address.startswith("sso_account_assignment.")}
        permission_sets: list[Found] = []
        for arn in paginate(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=self.instance.instance_arn):
            described = sso_admin.describe_permission_set(InstanceArn=self.instance.instance_arn, PermissionSetArn=arn)["PermissionSet"]
            name, address = described["Name"], addresses.permission_set_address(described["Name"])
            tagged = is_runbook_tagged(permission_set_tags(self.ctx, self.instance.instance_arn, arn))
            described_so = PERMISSION_SET_MARK in described.get("Description", "")
            if not (tagged or described_so or self.ledger.get(address) or arn in assigned_arns):
                continue  # nothing says the runbook had a hand in it
            ownership = judge_ownership(self.ledger, Evidence(address, arn, f"permission set {name}", tagged, described_so))
            if ownership.ours and name == self.acting_set:
                self.kept.append(Kept(address,
                                      f"The runbook acts through it now (as {self.acting_user}): deleting it would cut the "
                                      f"teardown off. Remove it last, as root: IAM Identity Center > AWS accounts > "
                                      f"{self.account_id} > remove its assignments; Permission sets > {name} > Delete; "
                                      f"Users > {self.acting_user} > Delete."))
                continue
            self.found += self.assignments(name, arn, all_of_them=ownership.ours)
            if ownership.ours:
                permission_sets.append(Found(address, "sso_permission_set", arn, name,
                                             detail=" ".join(filter(None, [
                                                 "Identity Center deletes its AWSReservedSSO_ role in the account.",
                                                 ownership.reason]))))
            else:  # a look-alike: named in the ledger, described so, or holding an assignment the runbook made
                self.keep(address, ownership)
        self.found += permission_sets

    def find_groups(self) -> None:
        """Find the runbook's groups (their memberships go with them), and its memberships in groups it keeps."""
        kept_groups: dict[str, Any] = {}
        for group_id, group in self.groups.items():
            name = str(group.get("DisplayName", ""))
            address = addresses.group_address(name)
            described_so = str(group.get("Description", "")).startswith(GROUP_MARK)
            if not (described_so or self.ledger.get(address)):
                kept_groups[group_id] = group
                continue
            ownership = judge_ownership(self.ledger, Evidence(address, group_id, f"Identity Center group {name}", None, described_so))
            if ownership.ours:
                self.found.append(Found(address, "identitystore_group", group_id, name,
                                        detail="Its memberships go with it; its members stay unless listed below."))
            else:
                kept_groups[group_id] = group
                self.keep(address, ownership)
        self.find_memberships(kept_groups)

    def find_memberships(self, kept_groups: dict[str, Any]) -> None:
        """Find the memberships the ledger names in groups that stay (the runbook added a user to them)."""
        identitystore = self.ctx.client("identitystore")
        for entry in self.ledger.entries.values():
            group_id = str(entry.detail.get("group_id", ""))
            if not entry.address.startswith(MEMBERSHIP_KIND) or group_id not in kept_groups:
                continue
            live = {membership["MembershipId"] for membership in paginate(
                identitystore, "list_group_memberships", "GroupMemberships",
                IdentityStoreId=self.instance.identity_store_id, GroupId=group_id)}
            if entry.resource_id in live:
                self.found.append(Found(entry.address, "identitystore_group_membership", entry.resource_id,
                                        entry.address.split(".", 1)[1],
                                        detail="The user leaves the group; the group stays (the runbook did not make it)."))

    def find_users(self) -> None:
        """Find the runbook's users; keep a same-named user it did not make, and the one it acts as."""
        for user_id, user_name in sorted(self.users.items(), key=lambda item: item[1]):
            address = addresses.user_address(user_name)
            if not (self.ledger.get(address) or is_runbook_user_name(user_name, self.admin_user_name)):
                continue
            ownership = judge_ownership(self.ledger, Evidence(address, user_id, f"Identity Center user {user_name}"))
            if ownership.ours and user_name == self.acting_user:
                self.kept.append(Kept(address, f"The runbook acts as {user_name} now; remove the user last, "
                                      "by hand (IAM Identity Center > Users)."))
            elif ownership.ours:
                self.found.append(Found(address, "identitystore_user", user_id, user_name,
                                        detail="They can no longer sign in to the access portal; their MFA devices go with them."))
            else:
                self.keep(address, ownership)


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
    """Return the runbook's assignments, permission sets, groups, memberships and users, and what is kept.

    IAM actions: ``sso:ListPermissionSets``, ``sso:DescribePermissionSet``, ``sso:ListTagsForResource``,
    ``sso:ListAccountAssignments``, ``identitystore:ListGroups``, ``identitystore:ListUsers``,
    ``identitystore:ListGroupMemberships``.
    """
    finder = IdentityFinder(ctx, instance, account_id, ledger, caller, admin_user_name)
    finder.find_permission_sets()
    finder.find_groups()
    finder.find_users()
    return finder.found, finder.kept
