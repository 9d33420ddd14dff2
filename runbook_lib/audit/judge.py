"""Judge who can act in the account (pure): root, IAM users, the organization, Identity Center,
the administrators and the developer's permission set.

Every function takes plain facts (``audit.facts``) and returns ``Check``s, Prowler-style: one per
resource, a status and one sentence; what to do lives in ``checks.REGISTRY``. The audit knows what
the runbook built (``AuditDesign``): a finding the runbook makes on purpose, such as the Admin's
permission set attaching ``AdministratorAccess``, is ``ACCEPTED`` with its reason rather than a
failure the person can do nothing about.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field

from runbook_lib.audit.facts import ADMIN_EQUIVALENT_POLICY_ARNS, ADMINISTRATOR_ACCESS_ARN, IdentityFacts, PermissionSetFacts
from runbook_lib.checks import ACCEPTED, FAIL, MANUAL, PASS, Check
from runbook_lib import addresses

ROOT_RECENT_DAYS = 1
"""Root used within this many days fails (Prowler's ``iam_avoid_root_usage`` uses one day)."""
ACCESS_KEY_MAX_AGE_DAYS = 90
"""CIS 1.14: access keys are rotated every 90 days or less."""
RESERVED_ROLE_PATH = re.compile(r"^/aws-reserved/sso\.amazonaws\.com/(?:[a-z0-9-]+/)?$")


@dataclass(frozen=True)
class AuditDesign:
    """What the runbook built, so that findings it makes on purpose are told apart.

    Attributes:
        admin_permission_set: Step 03's permission set (``AdministratorAccess``).
        developer_permission_set: Step 04's permission set (``DeveloperAccess``).
        hardening_chosen: The optional items chosen in step 07 (its ledger), judged even when off.
        runbook_addresses: The addresses the ledger holds (what the runbook created).
    """

    admin_permission_set: str = "AdministratorAccess"
    developer_permission_set: str = "DeveloperAccess"
    hardening_chosen: frozenset[str] = frozenset()
    runbook_addresses: frozenset[str] = field(default_factory=frozenset)


def parse_time(text: str) -> datetime.datetime | None:
    """Return an ISO-8601 time of the credential report, or None for ``N/A`` and the like."""
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def judge_root(identity: IdentityFacts, account_id: str, *, now: datetime.datetime, recent_days: int = ROOT_RECENT_DAYS) -> list[Check]:
    """Judge root: MFA on, no access keys, not used within ``recent_days``."""
    root = identity.root
    checks = [
        Check("iam_root_mfa_enabled", PASS if root.mfa_enabled else FAIL, addresses.root_mfa_address(account_id),
              "Root has MFA." if root.mfa_enabled else "Root has no MFA device."),
        Check("iam_no_root_access_key", FAIL if root.access_keys_present else PASS, addresses.root_access_keys_address(account_id),
              "Root has access keys." if root.access_keys_present else "Root has no access keys."),
    ]
    address = addresses.credential_report_address(account_id)
    if not root.has_report_row:
        checks.append(Check("iam_avoid_root_usage", MANUAL, address,
                            "The credential report has no root row, so root's last use cannot be read here: "
                            "the console's IAM dashboard shows it."))
        return checks
    used = [moment for moment in map(parse_time, (root.password_last_used, *root.access_keys_last_used)) if moment]
    last = max(used, default=None)
    recent = last is not None and now - last < datetime.timedelta(days=recent_days)
    checks.append(Check(
        "iam_avoid_root_usage", FAIL if recent else PASS, address,
        f"Root was last used {last.isoformat(timespec='seconds')}, within the last {recent_days} day(s)." if recent
        else f"Root was last used {last.isoformat(timespec='seconds')}." if last else "Root has never been used to sign in.",
    ))
    return checks


def judge_organization(identity: IdentityFacts, account_id: str) -> list[Check]:
    """Judge the organization: this account manages one, with all features."""
    organization = identity.organization
    address = addresses.organization_address(account_id)
    if organization is None:
        return [Check("organizations_account_is_management", FAIL, address, "The account belongs to no organization.")]
    if organization.management_account_id != account_id:
        return [Check("organizations_account_is_management", FAIL, address,
                      f"The account is a member of {organization.organization_id}, managed by {organization.management_account_id}.")]
    if organization.feature_set != "ALL":
        return [Check("organizations_account_is_management", FAIL, address,
                      f"{organization.organization_id} has only {organization.feature_set}; Identity Center needs all features.")]
    return [Check("organizations_account_is_management", PASS, address,
                  f"The account manages {organization.organization_id}, all features on.")]


def judge_identity_center(identity: IdentityFacts, region: str) -> list[Check]:
    """Judge Identity Center: an active instance in the runbook's region."""
    instance = identity.identity_center
    active = instance is not None and instance.status == "ACTIVE"
    found = (f"No IAM Identity Center instance in {region}." if instance is None
             else f"Instance {instance.instance_arn} is {instance.status}.")
    return [Check("sso_instance_active", PASS if active else FAIL, addresses.instance_address(region), found)]


def holders_in_words(permission_set: PermissionSetFacts) -> str:
    """Return who holds a permission set, for a sentence."""
    return ", ".join(sorted(permission_set.holders())) or "nobody"


def judge_admin_access(identity: IdentityFacts, account_id: str, design: AuditDesign) -> list[Check]:
    """Judge that a person (the Admin) holds ``AdministratorAccess`` on this account through
    Identity Center, so root is never needed for everyday administration."""
    admin_sets = [found for found in identity.permission_sets if ADMINISTRATOR_ACCESS_ARN in found.managed_policy_arns]
    held = [found for found in admin_sets if found.holders()]
    if held:
        listed = "; ".join(f"{holders_in_words(found)} (permission set {found.name})" for found in held)
        return [Check("sso_admin_principal_assigned", PASS, addresses.permission_set_address(held[0].name),
                      f"The AWS managed policy AdministratorAccess on account {account_id} is held through Identity Center by {listed}.")]
    wanted = addresses.permission_set_address(design.admin_permission_set)
    found = "No permission set with AdministratorAccess is assigned to anyone on this account." if admin_sets else (
        "No permission set grants AdministratorAccess.")
    return [Check("sso_admin_principal_assigned", FAIL, wanted, found)]


def grants_everything(document: str) -> bool:
    """Return True when an inline policy allows ``*`` or ``iam:*`` on every resource."""
    try:
        policy = json.loads(document)
    except ValueError:
        return False
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if "*" in resources and any(action in ("*", "*:*", "iam:*") for action in actions):
            return True
    return False


def judge_developer_access(identity: IdentityFacts, design: AuditDesign) -> list[Check]:
    """Judge the developer's permission set: it holds no administrator-equivalent policy."""
    name = design.developer_permission_set
    address = addresses.permission_set_address(name)
    found = next((entry for entry in identity.permission_sets if entry.name == name), None)
    if found is None:
        return [Check("sso_developer_permission_set_no_admin_policy", FAIL, address,
                      f"No permission set {name}: the developer has no least-privilege access yet.")]
    admin_like = sorted(found.managed_policy_arns & ADMIN_EQUIVALENT_POLICY_ARNS)
    if admin_like or grants_everything(found.inline_policy):
        what = ", ".join(admin_like) or "an inline policy that allows * on every resource"
        return [Check("sso_developer_permission_set_no_admin_policy", FAIL, address,
                      f"{name} grants administrator-equivalent access: {what}.")]
    if found.customer_managed_policies:
        return [Check("sso_developer_permission_set_no_admin_policy", MANUAL, address,
                      f"{name} references customer managed policies ({', '.join(found.customer_managed_policies)}), "
                      "which this account's IAM defines: check they grant no administrator rights.")]
    return [Check("sso_developer_permission_set_no_admin_policy", PASS, address,
                  f"{name} grants no administrator-equivalent policy ({len(found.managed_policy_arns)} AWS managed "
                  f"policies{', and an inline policy' if found.inline_policy else ''}).")]


def is_admin_reserved_role(name: str, path: str, design: AuditDesign) -> bool:
    """Return True for the role Identity Center made from the Admin's permission set."""
    pattern = rf"AWSReservedSSO_{re.escape(design.admin_permission_set)}_[0-9a-f]{{16}}"
    return bool(re.fullmatch(pattern, name) and RESERVED_ROLE_PATH.match(path))


def judge_administrative_policies(identity: IdentityFacts, account_id: str, design: AuditDesign) -> list[Check]:
    """Judge where ``AdministratorAccess`` is attached (Prowler's
    ``iam_aws_attached_policy_no_administrative_privileges``, CIS 1.16).

    The Admin's permission set and the role Identity Center makes from it hold it by design: a
    person signing in with MFA through the access portal, instead of root. Anything else is a FAIL.
    """
    reason = ("ACCEPTED by design: the runbook's Admin (step 03) signs in through the access portal with MFA, so "
              "root stays locked away; Prowler reports this with no exception for it.")
    checks = []
    for found in identity.permission_sets:
        if ADMINISTRATOR_ACCESS_ARN not in found.managed_policy_arns:
            continue
        by_design = found.name == design.admin_permission_set
        checks.append(Check("iam_aws_attached_policy_no_administrative_privileges", ACCEPTED if by_design else FAIL, addresses.permission_set_address(found.name),
                            f"Permission set {found.name} attaches AdministratorAccess. " + (reason if by_design else
                            f"It is not the Admin's ({design.admin_permission_set}); held by {holders_in_words(found)}.")))
    for holder in identity.admin_policy_holders:
        by_design = holder.entity_type == "role" and is_admin_reserved_role(holder.name, holder.path, design)
        checks.append(Check("iam_aws_attached_policy_no_administrative_privileges", ACCEPTED if by_design else FAIL, addresses.address(f"iam_{holder.entity_type}", holder.name),
                            f"IAM {holder.entity_type} {holder.name} has AdministratorAccess attached. " + (
                                "It is the role Identity Center made from the Admin's permission set. " + reason
                                if by_design else "Give administrators the Admin's permission set instead.")))
    return checks or [Check("iam_aws_attached_policy_no_administrative_privileges", PASS, addresses.address("iam_account", account_id),
                            "No IAM entity or permission set has AdministratorAccess attached.")]


def judge_iam_users(identity: IdentityFacts, account_id: str, *, now: datetime.datetime) -> list[Check]:
    """Judge IAM users: a console password needs MFA; an active access key is at most 90 days old."""
    console = [user for user in identity.users if user.password_enabled]
    checks = [
        Check("iam_user_mfa_enabled_console_access", PASS if user.mfa_active else FAIL, addresses.address("iam_user", user.user_name),
              f"IAM user {user.user_name} signs in to the console {'with' if user.mfa_active else 'WITHOUT'} MFA.")
        for user in console
    ] or [Check("iam_user_mfa_enabled_console_access", PASS, addresses.address("iam_account", account_id),
                "No IAM user has a console password (people sign in through Identity Center).")]
    keyed = [user for user in identity.users if user.access_keys]
    for user in keyed:
        ages = [(now - rotated).days for rotated in (parse_time(key.last_rotated) for key in user.access_keys) if rotated]
        old = [age for age in ages if age > ACCESS_KEY_MAX_AGE_DAYS]
        checks.append(Check(
            "iam_rotate_access_key_90_days", FAIL if old else PASS, addresses.address("iam_user", user.user_name),
            f"IAM user {user.user_name} has an active access key {max(old)} days old (more than {ACCESS_KEY_MAX_AGE_DAYS})."
            if old else f"IAM user {user.user_name}'s active access keys are at most {ACCESS_KEY_MAX_AGE_DAYS} days old.",
        ))
    if not keyed:
        checks.append(Check("iam_rotate_access_key_90_days", PASS, addresses.address("iam_account", account_id),
                            "No IAM user has an active access key."))
    return checks


def judge_workloads(identity: IdentityFacts, account_id: str, design: AuditDesign) -> list[Check]:
    """Judge "the management account is not used for workloads" (CIS AWS Foundations v7.0, 2.1.3).

    No API can tell what runs here. When the runbook itself gave the developer access to this
    management account (a personal account, one account), that is by design: ``ACCEPTED``, with
    the advice of a member account for workloads. Otherwise only the person knows: ``MANUAL``.
    """
    address = addresses.address("organizations_management_account", account_id)
    organization = identity.organization
    if organization is None or organization.management_account_id != account_id:
        return [Check("organizations_management_account_no_workloads", PASS, address,
                      "This account is not an organization's management account.")]
    developer = next((entry for entry in identity.permission_sets if entry.name == design.developer_permission_set), None)
    advice = ("For workloads, AWS and CIS advise a member account: AWS Organizations > AWS accounts > Add an AWS "
              "account, then give the developer's permission set on that account instead.")
    if developer is not None and developer.holders():
        return [Check("organizations_management_account_no_workloads", ACCEPTED, address,
                      f"ACCEPTED by design: the runbook lets the developer ({holders_in_words(developer)}) work in this "
                      f"management account (one personal account). {advice}")]
    return [Check("organizations_management_account_no_workloads", MANUAL, address,
                  f"No API can tell what runs in this management account. {advice}")]
