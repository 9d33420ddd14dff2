"""Collect who can act in the account: root, IAM users, the organization, Identity Center, the
permission sets and who holds them, and whatever has ``AdministratorAccess`` attached.

Reads only, plus ``iam:GenerateCredentialReport`` when no report exists yet (it builds a report
of what exists and changes nothing). Root's state is judged from the credential report's
``<root_account>`` row, as Prowler's root checks do, and from the account summary.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import botocore.exceptions

from runbook_lib.audit.facts import (
    ADMINISTRATOR_ACCESS_ARN,
    AccessKeyFacts,
    IamUserFacts,
    IdentityCenterFacts,
    IdentityFacts,
    OrganizationFacts,
    PermissionSetFacts,
    PolicyHolderFacts,
    PrincipalFacts,
    RootFacts,
)
from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.waiting import Clock, Sleep

ROOT_ROW_USER = "<root_account>"
REPORT_WAIT_SECONDS = 30.0
REPORT_NOT_READY_CODES = frozenset({"ReportNotPresent", "ReportExpired", "ReportInProgress"})


def read_credential_report(iam: Any, *, wait_seconds: float = REPORT_WAIT_SECONDS, sleep: Sleep = time.sleep,
                           clock: Clock = time.monotonic) -> list[dict[str, str]]:
    """Return the credential report's rows, generating the report once when there is none.

    Takes the IAM client: it is a part of ``collect_identity``, which translates AWS's errors.
    A report that exists is reused (AWS regenerates it at most every 4 hours).

    IAM actions: ``iam:GetCredentialReport``, ``iam:GenerateCredentialReport`` (only when none exists).

    Raises:
        botocore.exceptions.ClientError: when AWS refuses, or the report is not ready in time.
    """
    deadline = clock() + wait_seconds
    generated = False
    while True:
        try:
            content = iam.get_credential_report()["Content"].decode("utf-8")
            return list(csv.DictReader(io.StringIO(content)))
        except botocore.exceptions.ClientError as error:
            if error_code(error) not in REPORT_NOT_READY_CODES or clock() > deadline:
                raise
        if not generated:
            iam.generate_credential_report()
            generated = True
        else:
            sleep(1)


def root_facts(summary: dict[str, Any], rows: list[dict[str, str]]) -> RootFacts:
    """Return root's facts from the account summary and the report's ``<root_account>`` row."""
    row = next((row for row in rows if row.get("user") == ROOT_ROW_USER), None)
    return RootFacts(
        mfa_enabled=bool(summary.get("AccountMFAEnabled", 0)),
        access_keys_present=bool(summary.get("AccountAccessKeysPresent", 0)),
        password_last_used=row.get("password_last_used", "") if row else "",
        access_keys_last_used=tuple(row.get(f"access_key_{n}_last_used_date", "N/A") for n in (1, 2)) if row else (),
        has_report_row=row is not None,
    )


def user_facts(rows: list[dict[str, str]]) -> tuple[IamUserFacts, ...]:
    """Return the IAM users of the credential report (root's row left out)."""
    return tuple(
        IamUserFacts(
            row["user"], row.get("password_enabled") == "true", row.get("mfa_active") == "true",
            tuple(AccessKeyFacts(row.get(f"access_key_{n}_active") == "true", row.get(f"access_key_{n}_last_rotated", "N/A"))
                  for n in (1, 2) if row.get(f"access_key_{n}_active") == "true"),
        )
        for row in rows if row.get("user") != ROOT_ROW_USER
    )


@translating_aws_errors
def collect_organization(ctx: AwsContext) -> OrganizationFacts | None:
    """Return the account's organization, or None.

    IAM actions: ``organizations:DescribeOrganization``.
    """
    try:
        found = ctx.client("organizations").describe_organization()["Organization"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "AWSOrganizationsNotInUseException":
            return None
        raise
    return OrganizationFacts(found["Id"], found["MasterAccountId"], found.get("FeatureSet", "ALL"))


@translating_aws_errors
def collect_identity_center(ctx: AwsContext) -> IdentityCenterFacts | None:
    """Return the region's Identity Center instance, or None.

    IAM actions: ``sso:ListInstances``.
    """
    for found in paginate(ctx.client("sso-admin"), "list_instances", "Instances"):
        return IdentityCenterFacts(found["InstanceArn"], found["IdentityStoreId"], found.get("Status", "ACTIVE"))
    return None


@translating_aws_errors
def principal_facts(ctx: AwsContext, store_id: str, assignment: dict[str, Any]) -> PrincipalFacts:
    """Return who an assignment names, by name (a group with its members).

    IAM actions: ``identitystore:DescribeUser`` or ``identitystore:DescribeGroup`` and
    ``identitystore:ListGroupMemberships``, ``identitystore:DescribeUser`` per member.
    """
    identitystore = ctx.client("identitystore")
    principal_id, principal_type = assignment["PrincipalId"], assignment["PrincipalType"]
    try:
        if principal_type == "USER":
            user = identitystore.describe_user(IdentityStoreId=store_id, UserId=principal_id)
            return PrincipalFacts("USER", principal_id, user["UserName"])
        group = identitystore.describe_group(IdentityStoreId=store_id, GroupId=principal_id)
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        return PrincipalFacts(principal_type, principal_id, f"(deleted {principal_type.lower()} {principal_id})")
    members = tuple(
        identitystore.describe_user(IdentityStoreId=store_id, UserId=membership["MemberId"]["UserId"])["UserName"]
        for membership in paginate(identitystore, "list_group_memberships", "GroupMemberships",
                                   IdentityStoreId=store_id, GroupId=principal_id)
        if "UserId" in membership.get("MemberId", {})
    )
    return PrincipalFacts("GROUP", principal_id, group["DisplayName"], members)


@translating_aws_errors
def collect_permission_sets(ctx: AwsContext, instance: IdentityCenterFacts, account_id: str) -> tuple[PermissionSetFacts, ...]:
    """Return every permission set: its policies, and who holds it on this account.

    IAM actions: ``sso:ListPermissionSets``, ``sso:DescribePermissionSet``,
    ``sso:ListManagedPoliciesInPermissionSet``, ``sso:GetInlinePolicyForPermissionSet``,
    ``sso:ListCustomerManagedPolicyReferencesInPermissionSet``, ``sso:ListAccountAssignments``,
    and those of ``principal_facts``.
    """
    sso_admin = ctx.client("sso-admin")
    found = []
    for arn in paginate(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance.instance_arn):
        scope = {"InstanceArn": instance.instance_arn, "PermissionSetArn": arn}
        described = sso_admin.describe_permission_set(**scope)["PermissionSet"]
        managed = frozenset(policy["Arn"] for policy in paginate(
            sso_admin, "list_managed_policies_in_permission_set", "AttachedManagedPolicies", **scope))
        customer = tuple(f"{reference.get('Path', '/')}{reference['Name']}" for reference in paginate(
            sso_admin, "list_customer_managed_policy_references_in_permission_set", "CustomerManagedPolicyReferences", **scope))
        assignments = paginate(sso_admin, "list_account_assignments", "AccountAssignments", AccountId=account_id, **scope)
        found.append(PermissionSetFacts(
            described["Name"], arn, described.get("Description", ""), managed,
            sso_admin.get_inline_policy_for_permission_set(**scope).get("InlinePolicy") or "",
            tuple(principal_facts(ctx, instance.identity_store_id, assignment) for assignment in assignments),
            customer,
        ))
    return tuple(found)


@translating_aws_errors
def collect_admin_policy_holders(ctx: AwsContext) -> tuple[PolicyHolderFacts, ...]:
    """Return the IAM users, groups and roles that have ``AdministratorAccess`` attached.

    IAM actions: ``iam:ListEntitiesForPolicy``.
    """
    holders: list[PolicyHolderFacts] = []
    for page in ctx.client("iam").get_paginator("list_entities_for_policy").paginate(PolicyArn=ADMINISTRATOR_ACCESS_ARN):
        holders += [PolicyHolderFacts("user", user["UserName"]) for user in page.get("PolicyUsers", [])]
        holders += [PolicyHolderFacts("group", group["GroupName"]) for group in page.get("PolicyGroups", [])]
        holders += [PolicyHolderFacts("role", role["RoleName"], path_of_role(ctx, role["RoleName"]))
                    for role in page.get("PolicyRoles", [])]
    return tuple(holders)


@translating_aws_errors
def path_of_role(ctx: AwsContext, role_name: str) -> str:
    """Return a role's path (``ListEntitiesForPolicy`` gives only names and ids).

    IAM actions: ``iam:GetRole``.
    """
    return ctx.client("iam").get_role(RoleName=role_name)["Role"].get("Path", "/")


@translating_aws_errors
def collect_identity(ctx: AwsContext, account_id: str, *, sleep: Sleep = time.sleep) -> IdentityFacts:
    """Return root, IAM users, the organization, Identity Center and the administrators.

    IAM actions: ``iam:GetAccountSummary``, ``iam:GetCredentialReport`` (and
    ``iam:GenerateCredentialReport`` when none exists), and those of ``collect_organization``,
    ``collect_identity_center``, ``collect_permission_sets``, ``collect_admin_policy_holders``.
    """
    iam = ctx.client("iam")
    rows = read_credential_report(iam, sleep=sleep)
    instance = collect_identity_center(ctx)
    return IdentityFacts(
        root=root_facts(iam.get_account_summary()["SummaryMap"], rows),
        users=user_facts(rows),
        organization=collect_organization(ctx),
        identity_center=instance,
        permission_sets=collect_permission_sets(ctx, instance, account_id) if instance and instance.status == "ACTIVE" else (),
        admin_policy_holders=collect_admin_policy_holders(ctx),
    )
