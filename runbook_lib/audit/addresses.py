"""The addresses the audit's checks name, in the steps' scheme: ``<kind>.<name>``.

The audit sits below the steps (step 07 plans from its facts), so it cannot import
``runbook_lib.steps.addresses``; it names the same resources the same way here, and
``tests/test_audit_judge.py`` checks that every function of both modules of one name agrees.
"""

from __future__ import annotations


def address(kind: str, name: str) -> str:
    """Return ``<kind>.<name>``."""
    return f"{kind}.{name}"


def root_mfa_address(account_id: str) -> str:
    """Return the address of root's MFA device in this account."""
    return address("iam_root_mfa", account_id)


def root_access_keys_address(account_id: str) -> str:
    """Return the address of root's access keys in this account."""
    return address("iam_root_access_keys", account_id)


def credential_report_address(account_id: str) -> str:
    """Return the address of the account's IAM credential report."""
    return address("iam_credential_report", account_id)


def organization_address(account_id: str) -> str:
    """Return the address of the organization this account manages (or is to manage)."""
    return address("organizations_organization", account_id)


def instance_address(region: str) -> str:
    """Return the address of the Identity Center instance in ``region``."""
    return address("sso_instance", region)


def permission_set_address(name: str) -> str:
    """Return the address of a permission set."""
    return address("sso_permission_set", name)


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
