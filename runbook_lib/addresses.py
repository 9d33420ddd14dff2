"""The names plans and checks give to what they act on: ``<kind>.<name>``, as Terraform does.

One scheme for every step, so a change and the check that later proves it name the same thing
(``identitystore_user.Admin`` is created by step 03's plan and found by its verification), and a
run's JSON can be searched by address. The kind is the service's resource in snake case
(``sso_permission_set``); the name is the resource's own name, not an id, so a plan reads the
same before anything exists. Parts of a name:

- ``@`` joins what a resource ties together: ``identitystore_group_membership.Admin@Admins``
  (a user in a group), ``sso_account_assignment.DeveloperAccess@user.ada-developer`` (a
  permission set to a principal), ``sso_permission_set_provisioning.DeveloperAccess@123456789012``
  (a permission set to an account);
- ``[...]`` picks one item of a resource: ``sso_managed_policy_attachment.DeveloperAccess[AmazonS3FullAccess]``,
  ``sso_customer_managed_policy_attachment.DeveloperAccess[team/Deploy]`` (its path and name),
  ``iam_role.AWSReservedSSO_DeveloperAccess_0123456789abcdef[s3:ListAllMyBuckets]``.
"""

from __future__ import annotations


def address(kind: str, name: str) -> str:
    """Return ``<kind>.<name>``."""
    return f"{kind}.{name}"


# --- the account and its root user (steps 00, 01) ----------------------------------------------


def root_mfa_address(account_id: str) -> str:
    """Return the address of root's MFA device in this account."""
    return address("iam_root_mfa", account_id)


def root_access_keys_address(account_id: str) -> str:
    """Return the address of root's access keys in this account."""
    return address("iam_root_access_keys", account_id)


def credential_report_address(account_id: str) -> str:
    """Return the address of the account's IAM credential report."""
    return address("iam_credential_report", account_id)


def caller_address(arn: str) -> str:
    """Return the address of the identity the runbook acts as."""
    return address("sts_caller_identity", arn)


# --- the organization and Identity Center (step 02) --------------------------------------------


def organization_address(account_id: str) -> str:
    """Return the address of the organization this account manages (or is to manage)."""
    return address("organizations_organization", account_id)


def instance_address(region: str) -> str:
    """Return the address of the Identity Center instance in ``region``."""
    return address("sso_instance", region)


# --- users, groups, permission sets (steps 03, 04) ---------------------------------------------


def user_address(user_name: str) -> str:
    """Return the address of an Identity Center user."""
    return address("identitystore_user", user_name)


def group_address(group_name: str) -> str:
    """Return the address of an Identity Center group."""
    return address("identitystore_group", group_name)


def membership_address(user_name: str, group_name: str) -> str:
    """Return the address of a user's membership in a group."""
    return address("identitystore_group_membership", f"{user_name}@{group_name}")


def permission_set_address(name: str) -> str:
    """Return the address of a permission set."""
    return address("sso_permission_set", name)


def policy_name(policy_arn: str) -> str:
    """Return a managed policy's name with its path (``job-function/ViewOnlyAccess``)."""
    return policy_arn.split(":policy/", 1)[-1]


def policy_attachment_address(permission_set_name: str, policy_arn: str) -> str:
    """Return the address of a managed policy attached to a permission set."""
    return address("sso_managed_policy_attachment", f"{permission_set_name}[{policy_name(policy_arn)}]")


def inline_policy_address(permission_set_name: str) -> str:
    """Return the address of a permission set's inline policy."""
    return address("sso_permission_set_inline_policy", permission_set_name)


def customer_managed_policy_attachment_address(permission_set_name: str, reference: str) -> str:
    """Return the address of a customer managed policy reference (``/path/Name``) on a permission set."""
    return address("sso_customer_managed_policy_attachment", f"{permission_set_name}[{reference.lstrip('/')}]")


def permissions_boundary_address(permission_set_name: str) -> str:
    """Return the address of a permission set's permissions boundary."""
    return address("sso_permissions_boundary_attachment", permission_set_name)


def principal_name(principal_type: str, name: str) -> str:
    """Return ``user.<UserName>`` or ``group.<GroupName>``, as an assignment names its principal."""
    return f"{principal_type.lower()}.{name}"


def assignment_address(permission_set_name: str, principal: str) -> str:
    """Return the address of a permission set assigned to a principal (``user.ada-developer``)."""
    return address("sso_account_assignment", f"{permission_set_name}@{principal}")


def provisioning_address(permission_set_name: str, account_id: str) -> str:
    """Return the address of a permission set's provisioning to an account."""
    return address("sso_permission_set_provisioning", f"{permission_set_name}@{account_id}")


def role_address(role_name: str, action: str = "") -> str:
    """Return the address of an IAM role, or of one action judged on it."""
    return address("iam_role", f"{role_name}[{action}]" if action else role_name)


# --- the AWS CLI and the sign-in (steps 05, 06) ------------------------------------------------


def cli_profile_address(profile_name: str) -> str:
    """Return the address of an AWS CLI profile."""
    return address("cli_profile", profile_name)


def sign_in_address(session_name: str) -> str:
    """Return the address of an sso-session's cached sign-in (its token)."""
    return address("sso_token", session_name)


# --- addresses in words, for buttons and headings ----------------------------------------------

KIND_TITLES = {
    "cli_profile": "AWS CLI profile",
    "iam_credential_report": "IAM credential report",
    "iam_role": "IAM role",
    "iam_root_access_keys": "root user access keys",
    "iam_root_mfa": "root user MFA",
    "identitystore_group": "Identity Center group",
    "identitystore_group_membership": "group membership",
    "identitystore_user": "Identity Center user",
    "organizations_organization": "AWS Organization",
    "sso_account_assignment": "account assignment",
    "sso_instance": "IAM Identity Center",
    "sso_managed_policy_attachment": "managed policy",
    "sso_customer_managed_policy_attachment": "customer managed policy",
    "sso_permissions_boundary_attachment": "permissions boundary",
    "sso_permission_set": "permission set",
    "sso_permission_set_inline_policy": "inline policy",
    "sso_permission_set_provisioning": "provisioning",
    "sso_token": "sign-in",
    "sts_caller_identity": "caller",
    "accessanalyzer_analyzer": "IAM Access Analyzer",
    "account_alternate_contact": "alternate contact",
    "budgets_budget": "budget",
    "budgets_notification": "budget alert",
    "ce_anomaly_monitor": "cost anomaly monitor",
    "ce_anomaly_subscription": "cost anomaly subscription",
    "cloudtrail_trail": "CloudTrail trail",
    "ec2_ebs_encryption_by_default": "EBS encryption by default",
    "freetier_account_plan": "account plan",
    "runbook_ledger": "the runbook's ledger",
    "s3_account_public_access_block": "S3 Block Public Access",
    "s3_bucket": "S3 bucket",
}
"""What each kind of address is called in words."""

_NAMED_BY_ACCOUNT = frozenset({"iam_root_mfa", "iam_root_access_keys", "iam_credential_report", "organizations_organization"})
"""Kinds whose name is just the account id: the words say enough without it."""


def title_of(address_text: str) -> str:
    """Return an address in words for a person: ``iam_root_mfa.123456789012`` is "root user MFA",
    ``sso_instance.us-east-1`` is "IAM Identity Center (us-east-1)"."""
    kind, _, name = address_text.partition(".")
    title = KIND_TITLES.get(kind)
    if title is None:
        return address_text
    if kind in _NAMED_BY_ACCOUNT or not name:
        return title
    return f"{title} ({name})"


# --- guardrails, the audit and the teardown (steps 07, 08, 99) ---------------------------------
# The audit (below the steps) names its resources from here too: one scheme for all.


def budget_address(name: str) -> str:
    """Return the address of a budget."""
    return address("budgets_budget", name)


def budget_notification_address(budget_name: str, alert: str) -> str:
    """Return the address of one alert of a budget (``ACTUAL>80``)."""
    return address("budgets_notification", f"{budget_name}[{alert}]")


def anomaly_monitor_address(name: str) -> str:
    """Return the address of a cost anomaly monitor."""
    return address("ce_anomaly_monitor", name)


def anomaly_subscription_address(name: str) -> str:
    """Return the address of a cost anomaly alert subscription."""
    return address("ce_anomaly_subscription", name)


def alternate_contact_address(contact_type: str) -> str:
    """Return the address of an alternate contact of the account (``SECURITY``)."""
    return address("account_alternate_contact", contact_type)


def console_setting_address(setting: str, account_id: str) -> str:
    """Return the address of a switch only the console has (``billing_iam_access``)."""
    return address(setting, account_id)


def account_plan_address(account_id: str) -> str:
    """Return the address of the account's plan (Free or Paid)."""
    return address("freetier_account_plan", account_id)


def trail_address(name: str) -> str:
    """Return the address of a CloudTrail trail."""
    return address("cloudtrail_trail", name)


def bucket_address(name: str) -> str:
    """Return the address of an S3 bucket."""
    return address("s3_bucket", name)


def account_public_access_block_address(account_id: str) -> str:
    """Return the address of the account-level S3 Block Public Access."""
    return address("s3_account_public_access_block", account_id)


def ebs_encryption_address(region: str) -> str:
    """Return the address of EBS encryption by default in one region."""
    return address("ec2_ebs_encryption_by_default", region)


def analyzer_address(name: str) -> str:
    """Return the address of an IAM Access Analyzer analyzer."""
    return address("accessanalyzer_analyzer", name)


def ledger_address(account_id: str) -> str:
    """Return the address of the runbook's ledger of what it created in an account."""
    return address("runbook_ledger", account_id)
