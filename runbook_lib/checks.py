"""Checks as data: one verified fact per resource, and the registry every check id belongs to.

Collecting state (boto3) is apart from judging it: a step's judge is pure code that returns
``Check``s. What does not change from run to run (title, severity, remediation, the CIS AWS
Foundations item, Prowler's id where the meaning is the same, the notebook that fixes it) lives
once, in ``REGISTRY``, the way Prowler keeps it in each check's metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is heavy; only the table views need it
    import pandas

PASS, FAIL, WARN, MANUAL, ACCEPTED = "PASS", "FAIL", "WARN", "MANUAL", "ACCEPTED"
STATUSES = (PASS, FAIL, WARN, MANUAL, ACCEPTED)
"""``WARN``: worth knowing, does not fail the step. ``MANUAL``: no API can tell; the person
confirms. ``ACCEPTED``: a finding the runbook makes by design, with its reason."""

SEVERITIES = ("critical", "high", "medium", "low", "informational")
CHECK_ID_PATTERN = re.compile(r"^[a-z0-9]+(_[a-z0-9]+){2,}$")
"""``<service>_<resource>_<condition>``, as Prowler names its checks."""


@dataclass(frozen=True)
class Check:
    """One verified fact about one resource, Prowler-style.

    Attributes:
        check_id: A registered id, ``<service>_<resource>_<condition>``.
        status: One of ``STATUSES``.
        resource: What was checked, as a plan's address names it (``identitystore_user.Admin``);
            it tells apart the rows of one id.
        detail: What was found, in one sentence (the remediation lives in the registry).
    """

    check_id: str
    status: str
    resource: str
    detail: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Check.status must be one of {STATUSES}, not {self.status!r}")

    @property
    def metadata(self) -> CheckMetadata:
        """The registry's entry for this check's id."""
        return metadata_for(self.check_id)


@dataclass(frozen=True)
class CheckMetadata:
    """What a check means, whatever it finds.

    Attributes:
        check_id: The id, ``<service>_<resource>_<condition>``.
        title: What a PASS means, in a short phrase.
        severity: One of ``SEVERITIES``.
        remediation: What to do when it fails: the exact console path or call.
        fixed_by: The notebook that makes it pass, e.g. ``01_secure_root_user``.
        cis: The CIS AWS Foundations Benchmark item (v3.0), or "" when none means the same.
        prowler_id: Prowler's check id where it means the same, or "".
    """

    check_id: str
    title: str
    severity: str
    remediation: str
    fixed_by: str
    cis: str = ""
    prowler_id: str = ""


@dataclass(frozen=True)
class Verification:
    """The checks a step ran after applying; it passes when none failed.

    A verification with no check proves nothing, so it cannot be made.
    """

    step: str
    checks: tuple[Check, ...]

    def __post_init__(self) -> None:
        if not self.checks:
            raise ValueError(f"{self.step}: a verification needs at least one check")

    @property
    def passed(self) -> bool:
        """Return True when no check failed."""
        return all(check.status != FAIL for check in self.checks)

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if check.status == FAIL)

    @property
    def failures(self) -> list[str]:
        """One sentence per failed check: what was found, and what to do from the registry."""
        return [f"{check.detail} {check.metadata.remediation}".strip() for check in self.failed_checks]

    def to_frame(self) -> pandas.DataFrame:
        """Return the checks as a table: check, status, resource, detail."""
        import pandas

        rows = [
            {"check": check.check_id, "status": check.status, "resource": check.resource, "detail": check.detail}
            for check in self.checks
        ]
        return pandas.DataFrame(rows, columns=["check", "status", "resource", "detail"])


def verification_of(step: str, *check_lists: list[Check] | tuple[Check, ...]) -> Verification:
    """Return one verification of several lists of checks."""
    return Verification(step, tuple(check for checks in check_lists for check in checks))


def metadata_for(check_id: str) -> CheckMetadata:
    """Return the registry's entry for ``check_id``.

    Raises:
        KeyError: when the id is not registered (a test keeps every emitted id registered).
    """
    return REGISTRY[check_id]


def _entries(*entries: CheckMetadata) -> dict[str, CheckMetadata]:
    """Return the registry keyed by id; a duplicate id is a bug caught at import."""
    registry: dict[str, CheckMetadata] = {}
    for entry in entries:
        if entry.check_id in registry:
            raise ValueError(f"check id registered twice: {entry.check_id}")
        registry[entry.check_id] = entry
    return registry


_ROOT = "01_secure_root_user"
_IDC = "02_enable_identity_center"
_ADMIN = "03_create_admin_user"
_DEV = "04_create_developer_user"
_CLI = "05_configure_aws_cli"
_SIGN_IN = "06_verify_developer_access"
_GUARDRAILS = "07_set_guardrails"
_TEARDOWN = "99_teardown"

REGISTRY: dict[str, CheckMetadata] = _entries(
    # Root (step 01)
    CheckMetadata(
        "iam_root_mfa_enabled", "The root user has MFA", "critical",
        "Sign in as root, open the account menu > Security credentials > Multi-factor "
        "authentication (MFA) > Assign MFA device, and follow the prompts.",
        _ROOT, cis="1.5", prowler_id="iam_root_mfa_enabled",
    ),
    CheckMetadata(
        "iam_no_root_access_key", "The root user has no access key", "critical",
        "Sign in as root, open the account menu > Security credentials > Access keys, and "
        "deactivate then delete every key.",
        _ROOT, cis="1.4", prowler_id="iam_no_root_access_key",
    ),
    CheckMetadata(
        "iam_avoid_root_usage", "Root has not been used recently", "high",
        "Use the Admin's access portal sign-in for everyday work; sign out of root and keep its "
        "password and MFA device safe.",
        _ROOT, cis="1.7", prowler_id="iam_avoid_root_usage",
    ),
    CheckMetadata(
        "iam_credential_report_root_row", "The credential report describes root", "medium",
        "Generate the credential report again (IAM > Credential report > Download), then re-run the check.",
        _ROOT,
    ),
    # Organization and Identity Center (step 02)
    CheckMetadata(
        "organizations_account_is_management", "This account manages an organization", "high",
        "Apply step 02's plan: it creates the organization with all features.",
        _IDC, prowler_id="organizations_account_part_of_organizations",
    ),
    CheckMetadata(
        "organizations_all_features_enabled", "The organization has all features", "high",
        "AWS Organizations console > Settings > 'Enable all features'.",
        _IDC,
    ),
    CheckMetadata(
        "sso_instance_active", "IAM Identity Center is enabled and active", "high",
        "In the console, in the runbook's region, open IAM Identity Center and click 'Enable' "
        "(with AWS Organizations).",
        _IDC,
    ),
    # Users, groups, permission sets (steps 03 and 04)
    CheckMetadata(
        "identitystore_user_exists", "The Identity Center user exists", "high",
        "Apply the step's plan (it creates the user), or add it in IAM Identity Center > Users.",
        _ADMIN,
    ),
    CheckMetadata(
        "identitystore_user_email_matches", "The user's email is the one asked for", "high",
        "Change the email in IAM Identity Center > Users > the user > Edit, or set `email` to the existing one.",
        _ADMIN,
    ),
    CheckMetadata(
        "identitystore_user_in_group", "The user is a member of the group that holds the access", "high",
        "Apply the step's plan, or add the user in IAM Identity Center > Groups > the group > Add users.",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_permission_set_exists", "The permission set exists", "high",
        "Apply the step's plan (it creates the permission set).",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_permission_set_policies_exact", "The permission set grants exactly the policies asked for", "high",
        "Apply the step's plan: it attaches what is missing and removes what was not asked for.",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_permission_set_session_duration", "The permission set's session length is the one asked for", "low",
        "Apply the step's plan, or edit the permission set's session duration in IAM Identity Center.",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_permission_set_provisioned", "The permission set is provisioned to the account", "high",
        "Apply the step's plan (it provisions the permission set), or IAM Identity Center > AWS "
        "accounts > the account > Permission sets > Reprovision.",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_account_assignment_exists", "The user (or group) has the permission set on the account", "high",
        "Apply the step's plan, or IAM Identity Center > AWS accounts > the account > Assign users or groups.",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_checklist_invitation", "The user can sign in for the first time", "medium",
        "Follow the checklist item's console path, then tick it (or list it in `confirmed`).",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_checklist_email_verified", "The user's email is verified", "medium",
        "Follow the checklist item's console path, then tick it (or list it in `confirmed`).",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_checklist_mfa_registered", "The user has an MFA device", "high",
        "Follow the checklist item's console path, then tick it (or list it in `confirmed`).",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_checklist_mfa_settings", "Identity Center requires MFA at every sign-in", "high",
        "IAM Identity Center > Settings > Authentication > Multi-factor authentication > Configure: "
        "'Every time they sign in (always-on)'.",
        _ADMIN,
    ),
    CheckMetadata(
        "iam_reserved_role_exists", "The permission set's role exists in the account", "high",
        "Provision and assign the permission set (apply the step's plan); IAM may take a few "
        "seconds to show the new role.",
        _DEV,
    ),
    CheckMetadata(
        "iam_permission_set_allows_chosen_service", "The role may use each chosen service", "high",
        "Choose the service again in step 04 and apply its plan.",
        _DEV,
    ),
    CheckMetadata(
        "iam_permission_set_denies_other_services", "The role may not use services that were not chosen", "high",
        "Apply step 04's plan: it removes policies that were not asked for.",
        _DEV,
    ),
    CheckMetadata(
        "sso_developer_user_assigned", "The developer has access to the account", "high",
        "Run step 04.",
        _DEV,
    ),
    # AWS CLI (step 05) and the sign-in (step 06)
    CheckMetadata(
        "cli_profile_reads_back", "botocore reads the profile as written", "high",
        "Apply step 05's plan (with `replace_conflicts` if a same-named profile differs).",
        _CLI,
    ),
    CheckMetadata(
        "cli_sso_session_reads_back", "botocore reads the sso-session as written", "high",
        "Apply step 05's plan (with `replace_conflicts` if a same-named session differs).",
        _CLI,
    ),
    CheckMetadata(
        "cli_config_file_private", "The AWS CLI config file is readable by its owner only", "low",
        "chmod 600 the config file.",
        _CLI,
    ),
    CheckMetadata(
        "sts_caller_identity_known", "The profile's credentials answer sts:GetCallerIdentity", "high",
        "Sign in again in step 06 (or `aws sso login --profile <name> --use-device-code`).",
        _SIGN_IN,
    ),
    CheckMetadata(
        "sts_profile_account_matches", "The profile acts in the runbook's account", "high",
        "Correct the profile's sso_account_id (re-apply step 05).",
        _SIGN_IN,
    ),
    CheckMetadata(
        "sts_profile_is_permission_set_role", "The profile acts as the permission set's role", "high",
        "Sign in as the person the profile belongs to (step 06), and check the profile's sso_role_name.",
        _SIGN_IN,
    ),
    CheckMetadata(
        "sso_instance_in_runbook_region", "IAM Identity Center is managed from the runbook's region", "high",
        "Set `region` to the region the detail names (00_start_here, or `region` in your parameters); do not "
        "enable Identity Center a second time.",
        _IDC,
    ),
    # Sandbox only: step 04's real calls with the developer role's own credentials
    CheckMetadata(
        "iam_role_session_can_call_chosen_service", "A real call as the role reaches each chosen service", "high",
        "Choose the service again in step 04 and apply its plan (the sandbox refuses what the role's "
        "policies do not allow).",
        _DEV,
    ),
    CheckMetadata(
        "iam_role_session_cannot_call_other_services", "A real call as the role to IAM or an unchosen service is refused", "high",
        "Apply step 04's plan: it removes policies that were not asked for.",
        _DEV,
    ),
    # Guardrails (step 07): the bill, the security contact, the console-only billing switches
    CheckMetadata(
        "budgets_budget_limit_matches", "The runbook's budget is a monthly cost budget with the limit asked for",
        "medium",
        "Apply step 07's plan, or Billing and Cost Management > Budgets > the budget > Edit (period Monthly, "
        "budget type Cost, the amount).",
        _GUARDRAILS,
    ),
    CheckMetadata(
        "budgets_budget_email_alerts_configured", "A cost budget emails someone before the bill surprises them",
        "high",
        "Apply step 07's plan, or Billing and Cost Management > Budgets > Create budget > Monthly cost budget, "
        "with email recipients (aws budgets create-budget --account-id <id> --budget ... "
        "--notifications-with-subscribers ...).",
        _GUARDRAILS,
    ),
    CheckMetadata(
        "ce_anomaly_monitor_services_exists", "Cost anomaly detection watches AWS services", "medium",
        "Apply step 07's plan, or Billing and Cost Management > Cost Anomaly Detection > Cost monitors > Create "
        "monitor > AWS services.",
        _GUARDRAILS,
    ),
    CheckMetadata(
        "ce_anomaly_subscription_email_configured", "Cost anomalies are emailed daily or weekly", "medium",
        "Apply step 07's plan, or Cost Anomaly Detection > Alert subscriptions > Create subscription: Daily "
        "summaries, an email recipient, a threshold (aws ce create-anomaly-subscription with ThresholdExpression).",
        _GUARDRAILS,
    ),
    CheckMetadata(
        "account_security_contact_information_is_registered", "AWS knows whom to tell about a security issue",
        "medium",
        "Apply step 07's plan, or the account menu > Account > Alternate contacts > Edit > Security contact "
        "(aws account put-alternate-contact --alternate-contact-type SECURITY ..., without --account-id).",
        _GUARDRAILS, cis="1.2", prowler_id="account_security_contact_information_is_registered",
    ),
    CheckMetadata(
        "billing_iam_access_activated", "IAM users and roles may see billing information", "medium",
        "As root: account menu > Account > 'IAM user and role access to Billing information' > Edit > "
        "'Activate IAM Access' > Update; then tick it in step 07 (or list billing_access in `confirmed`).",
        _GUARDRAILS,
    ),
    CheckMetadata(
        "freetier_usage_alerts_enabled", "AWS emails when Free Tier usage nears its limits", "low",
        "Billing and Cost Management > Billing preferences > Alert preferences > Edit > 'AWS Free Tier alerts' > "
        "Update; then tick it in step 07 (or list free_tier_alerts in `confirmed`).",
        _GUARDRAILS,
    ),
    # Optional hardening (step 07, when chosen; judged by the audit too)
    CheckMetadata(
        "cloudtrail_multi_region_enabled", "A multi-region CloudTrail trail is logging", "high",
        "Run step 07 with cloudtrail=True, or CloudTrail > Trails > Create trail (every region, a new S3 bucket), "
        "and make sure it is logging (aws cloudtrail start-logging --name <trail>).",
        _GUARDRAILS, cis="3.1", prowler_id="cloudtrail_multi_region_enabled",
    ),
    CheckMetadata(
        "cloudtrail_log_file_validation_enabled", "The trail validates its log files", "medium",
        "Run step 07 with cloudtrail=True, or aws cloudtrail update-trail --name <trail> --enable-log-file-validation.",
        _GUARDRAILS, cis="3.2", prowler_id="cloudtrail_log_file_validation_enabled",
    ),
    CheckMetadata(
        "s3_bucket_policy_cloudtrail_only", "Only CloudTrail may write to the trail's bucket", "medium",
        "Apply step 07's plan (for the runbook's bucket), or S3 > the bucket > Permissions > Bucket policy: allow "
        "only the service cloudtrail.amazonaws.com (s3:GetBucketAcl, s3:PutObject with aws:SourceArn).",
        _GUARDRAILS,
    ),
    CheckMetadata(
        "s3_account_level_public_access_blocks", "S3 Block Public Access is on for the whole account", "medium",
        "Run step 07 with s3_block_public_access=True, or S3 > Block Public Access settings for this account > "
        "Edit > tick all four (aws s3control put-public-access-block --account-id <id> ...).",
        _GUARDRAILS, cis="2.1.4", prowler_id="s3_account_level_public_access_blocks",
    ),
    CheckMetadata(
        "ec2_ebs_default_encryption", "New EBS volumes are encrypted by default in the region", "medium",
        "Run step 07 with ebs_encryption_by_default=True, or EC2 (in that region) > Settings > Data protection and "
        "security > EBS encryption > Manage > Enable (aws ec2 enable-ebs-encryption-by-default --region <region>).",
        _GUARDRAILS, cis="2.2.1", prowler_id="ec2_ebs_default_encryption",
    ),
    CheckMetadata(
        "accessanalyzer_analyzer_enabled", "IAM Access Analyzer watches for external access", "medium",
        "Run step 07 with access_analyzer=True, or IAM > Access analyzer > Create analyzer (external access, "
        "zone of trust: this account).",
        _GUARDRAILS, cis="1.20", prowler_id="accessanalyzer_enabled",
    ),
    # The audit (step 08): who can act in the account
    CheckMetadata(
        "sso_admin_principal_assigned", "A person holds AdministratorAccess on the account through Identity Center",
        "high",
        "Run step 03 (the Admin user with the AdministratorAccess permission set on this account), or IAM Identity "
        "Center > AWS accounts > the account > Assign users or groups.",
        _ADMIN,
    ),
    CheckMetadata(
        "sso_developer_permission_set_no_admin_policy", "The developer's permission set grants no administrator rights",
        "high",
        "Run step 04 with only the services the developer uses (it detaches what was not asked for), or IAM "
        "Identity Center > Permission sets > the set > detach AdministratorAccess / IAMFullAccess and remove a '*' "
        "inline policy.",
        _DEV,
    ),
    CheckMetadata(
        "iam_aws_attached_policy_no_administrative_privileges", "Full administrative rights are attached only where "
        "the runbook means them", "high",
        "Give administrators the Admin's permission set (step 03) and detach AdministratorAccess elsewhere: aws iam "
        "detach-role-policy / detach-user-policy / detach-group-policy --policy-arn "
        "arn:aws:iam::aws:policy/AdministratorAccess, or remove it from the permission set in IAM Identity Center.",
        _DEV, cis="1.16", prowler_id="iam_aws_attached_policy_no_administrative_privileges",
    ),
    CheckMetadata(
        "iam_user_mfa_enabled_console_access", "Every IAM user with a console password has MFA", "high",
        "Move the person to Identity Center (steps 03 and 04) and delete the IAM user, or IAM > Users > the user > "
        "Security credentials > Assign MFA device.",
        _ADMIN, cis="1.10", prowler_id="iam_user_mfa_enabled_console_access",
    ),
    CheckMetadata(
        "iam_rotate_access_key_90_days", "No active IAM access key is older than 90 days", "medium",
        "Use the SSO profiles of step 05 instead of keys, then IAM > Users > the user > Security credentials > "
        "Deactivate and delete the key (or create a new one and delete the old).",
        _CLI, cis="1.14", prowler_id="iam_rotate_access_key_90_days",
    ),
    CheckMetadata(
        "organizations_management_account_no_workloads", "The management account runs no workloads", "medium",
        "AWS Organizations > AWS accounts > Add an AWS account > Create an AWS account; then give the developer's "
        "permission set on that member account (IAM Identity Center > AWS accounts > it > Assign users or groups). "
        "CIS AWS Foundations v7.0, 2.1.3 (no v3.0 item).",
        _IDC,
    ),
    # The teardown (step 99)
    CheckMetadata(
        "runbook_created_resources_removed", "Nothing the runbook created is left", "low",
        "Run step 99 with `confirm` set to 'delete <account id>' (headless) or type it in the notebook; a thing "
        "still there after that is named in its row: delete it by hand in its console.",
        _TEARDOWN,
    ),
)
