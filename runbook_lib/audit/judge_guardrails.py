"""Judge what guards the bill and the optional hardening (pure): budgets, cost anomaly alerts,
the security contact, CloudTrail, S3 Block Public Access, EBS encryption, IAM Access Analyzer.

Shared by the audit (any budget with email alerts will do) and step 07's verification (the
hardening it applied is judged by the same code the audit uses).
"""

from __future__ import annotations

import json

from runbook_lib import addresses
from runbook_lib.audit.facts import BucketFacts, CostFacts, HardeningFacts, TrailFacts
from runbook_lib.checks import FAIL, PASS, Check

CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"
EMAIL_FREQUENCIES = ("DAILY", "WEEKLY")
"""Cost anomaly email alerts work only with these (IMMEDIATE needs SNS)."""


def judge_budget_alerts(costs: CostFacts, account_id: str) -> list[Check]:
    """Judge that some cost budget emails someone before the bill surprises them."""
    alerting = [budget for budget in costs.budgets if budget.budget_type == "COST"
                and any(notification.emails for notification in budget.notifications)]
    if alerting:
        budget = alerting[0]
        alerts = ", ".join(notification.alert for notification in budget.notifications if notification.emails)
        return [Check("budgets_budget_email_alerts_configured", PASS, addresses.budget_address(budget.name),
                      f"Budget {budget.name} ({budget.limit_amount} {budget.limit_unit} {budget.time_unit.lower()}) "
                      f"emails at {alerts}.")]
    found = f"{len(costs.budgets)} budget(s), none of cost with an email alert." if costs.budgets else "No budget."
    return [Check("budgets_budget_email_alerts_configured", FAIL, addresses.address("budgets_account", account_id), found)]


def judge_anomaly_alerts(costs: CostFacts, account_id: str) -> list[Check]:
    """Judge that cost anomaly detection emails someone (a DAILY or WEEKLY subscription)."""
    monitors = {monitor.arn: monitor for monitor in costs.monitors}
    emailing = [subscription for subscription in costs.subscriptions
                if subscription.emails and subscription.frequency in EMAIL_FREQUENCIES
                and any(arn in monitors for arn in subscription.monitor_arns)]
    if emailing:
        subscription = emailing[0]
        watched = ", ".join(monitors[arn].name for arn in subscription.monitor_arns if arn in monitors)
        return [Check("ce_anomaly_subscription_email_configured", PASS,
                      addresses.anomaly_subscription_address(subscription.name),
                      f"Subscription {subscription.name} emails {subscription.frequency.lower()} about anomalies of {watched}.")]
    found = (f"{len(costs.monitors)} monitor(s) and {len(costs.subscriptions)} subscription(s), none emailing."
             if costs.monitors or costs.subscriptions else "Cost anomaly detection has no monitor and no subscription.")
    return [Check("ce_anomaly_subscription_email_configured", FAIL, addresses.address("ce_account", account_id), found)]


def judge_security_contact(costs: CostFacts) -> list[Check]:
    """Judge that AWS knows whom to tell about a security issue (CIS 1.2)."""
    contact = costs.security_contact
    address = addresses.alternate_contact_address("SECURITY")
    if contact is None:
        return [Check("account_security_contact_information_is_registered", FAIL, address, "No security contact is registered.")]
    return [Check("account_security_contact_information_is_registered", PASS, address,
                  f"Security contact: {contact.name} ({contact.title}), {contact.email}.")]


def is_cloudtrail_only_policy(policy: str) -> bool:
    """Return True when a bucket policy allows CloudTrail alone, and lets it write logs.

    Every Allow statement must name only ``cloudtrail.amazonaws.com`` as its principal, and one
    of them must allow ``s3:PutObject``; Deny statements (e.g. of plain HTTP) are welcome.
    """
    try:
        document = json.loads(policy) if policy else {}
    except ValueError:
        return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    allows = [statement for statement in statements if isinstance(statement, dict) and statement.get("Effect") == "Allow"]

    def only_cloudtrail(statement: dict[str, object]) -> bool:
        principal = statement.get("Principal")
        return isinstance(principal, dict) and set(principal) == {"Service"} and principal["Service"] in (
            CLOUDTRAIL_PRINCIPAL, [CLOUDTRAIL_PRINCIPAL])

    def writes(statement: dict[str, object]) -> bool:
        actions = statement.get("Action", [])
        return "s3:PutObject" in ([actions] if isinstance(actions, str) else actions)  # type: ignore[operator]

    return bool(allows) and all(only_cloudtrail(statement) for statement in allows) and any(writes(statement) for statement in allows)


def judge_trails(trails: tuple[TrailFacts, ...], buckets: tuple[BucketFacts, ...], account_id: str, *,
                 trail_name: str = "") -> list[Check]:
    """Judge CloudTrail: a multi-region trail that is logging, with log file validation, into a
    bucket only CloudTrail may write to (CIS 3.1, 3.2).

    Args:
        trail_name: Judge this trail (step 07's); "" for the best trail the account has (the audit).
    """
    candidates = [trail for trail in trails if trail.name == trail_name] if trail_name else sorted(
        trails, key=lambda trail: (not (trail.multi_region and trail.is_logging), not trail.log_file_validation))
    if not candidates:
        wanted = addresses.trail_address(trail_name) if trail_name else addresses.address("cloudtrail_account", account_id)
        return [
            Check("cloudtrail_multi_region_enabled", FAIL, wanted, f"No trail {trail_name}." if trail_name else "No trail."),
            Check("cloudtrail_log_file_validation_enabled", FAIL, wanted, "No trail, so no log file validation."),
        ]
    trail = candidates[0]
    address = addresses.trail_address(trail.name)
    bucket = next((found for found in buckets if found.name == trail.bucket), None)
    safe = bucket is not None and is_cloudtrail_only_policy(bucket.policy)
    return [
        Check("cloudtrail_multi_region_enabled", PASS if trail.multi_region and trail.is_logging else FAIL, address,
              f"Trail {trail.name} is {'multi-region' if trail.multi_region else 'single-region'} and "
              f"{'logging' if trail.is_logging else 'NOT logging'}, into s3://{trail.bucket}."),
        Check("cloudtrail_log_file_validation_enabled", PASS if trail.log_file_validation else FAIL, address,
              f"Trail {trail.name} {'validates' if trail.log_file_validation else 'does not validate'} its log files."),
        Check("s3_bucket_policy_cloudtrail_only", PASS if safe else FAIL, addresses.bucket_address(trail.bucket),
              f"Bucket {trail.bucket}'s policy lets only CloudTrail write to it." if safe else
              f"Bucket {trail.bucket}'s policy lets others than CloudTrail in, or does not let CloudTrail write."
              if bucket is not None and bucket.exists else f"Bucket {trail.bucket} was not found."),
    ]


def judge_public_access_block(settings: dict[str, bool], account_id: str) -> list[Check]:
    """Judge the account-level S3 Block Public Access: all four settings on (CIS 2.1.4)."""
    off = [key for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
           if not settings.get(key)]
    return [Check("s3_account_level_public_access_blocks", FAIL if off else PASS,
                  addresses.account_public_access_block_address(account_id),
                  f"Account-level Block Public Access is off for: {', '.join(off)}." if off
                  else "Account-level Block Public Access is on (all four settings).")]


def judge_ebs_encryption(by_region: dict[str, bool]) -> list[Check]:
    """Judge EBS encryption by default in every enabled region (CIS 2.2.1)."""
    return [Check("ec2_ebs_default_encryption", PASS if on else FAIL, addresses.ebs_encryption_address(region),
                  f"EBS encryption by default is {'on' if on else 'off'} in {region}.")
            for region, on in sorted(by_region.items())]


def judge_access_analyzer(hardening: HardeningFacts, region: str) -> list[Check]:
    """Judge IAM Access Analyzer: an active analyzer of external access in the region (CIS 1.20)."""
    analyzers = [analyzer for analyzer in hardening.analyzers or () if analyzer.analyzer_type in ("ACCOUNT", "ORGANIZATION")]
    active = [analyzer for analyzer in analyzers if analyzer.status == "ACTIVE"]
    if active:
        return [Check("accessanalyzer_analyzer_enabled", PASS, addresses.analyzer_address(active[0].name),
                      f"Analyzer {active[0].name} ({active[0].analyzer_type}) is active in {region}.")]
    return [Check("accessanalyzer_analyzer_enabled", FAIL, addresses.address("accessanalyzer_region", region),
                  f"No active analyzer of external access in {region}.")]


def judge_hardening(hardening: HardeningFacts, account_id: str, region: str, *, trail_name: str = "") -> list[Check]:
    """Judge every hardening item that was read (those left None were not asked for)."""
    checks: list[Check] = []
    if hardening.trails is not None:
        checks += judge_trails(hardening.trails, hardening.trail_buckets, account_id, trail_name=trail_name)
    if hardening.public_access_block is not None:
        checks += judge_public_access_block(hardening.public_access_block, account_id)
    if hardening.ebs_encryption is not None:
        checks += judge_ebs_encryption(hardening.ebs_encryption)
    if hardening.analyzers is not None:
        checks += judge_access_analyzer(hardening, region)
    return checks
