"""Apply step 07's plan: one applier per operation, each writing what it made in the ledger.

Everything that takes tags gets the runbook's (``managed-by: aws-guided-runbook``), and every
resource the runbook creates (the budget, the monitor, the subscription, the bucket, the trail,
the analyzer) or setting it changes (the contact, Block Public Access, EBS encryption) is written
in the ledger right after AWS answered, so the teardown knows it even if a later change fails.
The security contact is set without ``AccountId``: AWS refuses a management or standalone
account's own id there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from runbook_lib.audit.clients import client_in, global_client, s3control_client
from runbook_lib.audit.collect_hardening import PUBLIC_ACCESS_BLOCK_KEYS
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.ledger import RESOURCE, SETTING, Ledger, LedgerEntry, runbook_tags
from runbook_lib.plan import Applier, Change, Plan, apply_plan
from runbook_lib.steps.guardrails.plan import find_services_monitor
from runbook_lib.steps.guardrails.read import GuardrailsState
from runbook_lib.steps.guardrails.specs import (
    MONITOR_DIMENSION,
    MONITOR_TYPE,
    STEP_ID,
    SUBSCRIPTION_FREQUENCY,
    BudgetAlert,
    GuardrailsSpec,
)


@dataclass
class GuardrailsApplyTarget:
    """What the appliers act on, and the ARN of a monitor created a moment ago.

    Attributes:
        monitor_arn: The services monitor's ARN: from the live state, or from
            ``create_anomaly_monitor`` once it ran.
    """

    ctx: AwsContext
    account_id: str
    spec: GuardrailsSpec
    state: GuardrailsState
    ledger: Ledger
    monitor_arn: str = ""

    def note(self, change: Change, kind: str, resource_id: str, *, region: str = "", **detail: object) -> None:
        """Write what ``change`` made in the ledger."""
        self.ledger.record(LedgerEntry(change.address, kind, resource_id, region, STEP_ID, detail=dict(detail)))


def tag_list(*, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    """Return the runbook's tags as AWS's list of pairs."""
    return [{key: name, value: text} for name, text in runbook_tags(STEP_ID).items()]


def alert_of(target: GuardrailsApplyTarget, change: Change) -> BudgetAlert:
    """Return the alert a notification change names (its address ends in ``[ACTUAL>80]``)."""
    name = change.address.rsplit("[", 1)[-1].rstrip("]")
    return next(alert for alert in target.spec.budget.alerts if alert.name == name)


def apply_create_budget(target: GuardrailsApplyTarget, change: Change) -> str:
    """Create the monthly cost budget with its alerts and subscribers, tagged.

    IAM actions: ``budgets:ModifyBudget`` (``CreateBudget``), ``budgets:TagResource``.
    """
    budget = target.spec.budget
    global_client(target.ctx, "budgets").create_budget(
        AccountId=target.account_id,
        Budget={"BudgetName": budget.name, "BudgetLimit": {"Amount": budget.limit_usd, "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        NotificationsWithSubscribers=[{"Notification": alert.notification(), "Subscribers": budget.subscribers()}
                                      for alert in budget.alerts],
        ResourceTags=tag_list(),
    )
    target.note(change, RESOURCE, budget.name)
    return f"{change.address}: created ({budget.limit_usd} USD a month, {len(budget.alerts)} alerts)."


def apply_update_budget_limit(target: GuardrailsApplyTarget, change: Change) -> str:
    """Bring the budget's monthly limit to the one asked for.

    IAM actions: ``budgets:ModifyBudget`` (``UpdateBudget``).
    """
    budget = target.spec.budget
    global_client(target.ctx, "budgets").update_budget(
        AccountId=target.account_id,
        NewBudget={"BudgetName": budget.name, "BudgetLimit": {"Amount": budget.limit_usd, "Unit": "USD"},
                   "TimeUnit": "MONTHLY", "BudgetType": "COST"},
    )
    return f"{change.address}: limit {change.before} -> {change.after}."


def apply_create_budget_notification(target: GuardrailsApplyTarget, change: Change) -> str:
    """Add one alert to the budget, with its subscribers.

    IAM actions: ``budgets:ModifyBudget`` (``CreateNotification``).
    """
    alert = alert_of(target, change)
    global_client(target.ctx, "budgets").create_notification(
        AccountId=target.account_id, BudgetName=target.spec.budget.name, Notification=alert.notification(),
        Subscribers=target.spec.budget.subscribers(),
    )
    return f"{change.address}: created."


def apply_replace_budget_notification(target: GuardrailsApplyTarget, change: Change) -> str:
    """Make one alert again with the subscribers asked for (delete, then create).

    IAM actions: ``budgets:ModifyBudget`` (``DeleteNotification``, ``CreateNotification``).
    """
    alert = alert_of(target, change)
    budgets = global_client(target.ctx, "budgets")
    budgets.delete_notification(AccountId=target.account_id, BudgetName=target.spec.budget.name,
                                Notification=alert.notification())
    apply_create_budget_notification(target, change)
    return f"{change.address}: replaced; it now emails {', '.join(target.spec.budget.emails)}."


def apply_create_anomaly_monitor(target: GuardrailsApplyTarget, change: Change) -> str:
    """Create the services monitor, tagged.

    IAM actions: ``ce:CreateAnomalyMonitor``, ``ce:TagResource``.
    """
    target.monitor_arn = global_client(target.ctx, "ce").create_anomaly_monitor(
        AnomalyMonitor={"MonitorName": target.spec.anomaly.monitor_name, "MonitorType": MONITOR_TYPE,
                        "MonitorDimension": MONITOR_DIMENSION},
        ResourceTags=tag_list(),
    )["MonitorArn"]
    target.note(change, RESOURCE, target.monitor_arn)
    return f"{change.address}: created ({target.monitor_arn})."


def subscription_fields(target: GuardrailsApplyTarget) -> dict[str, object]:
    """Return what a subscription holds: the monitor, the daily email, the impact threshold."""
    anomaly = target.spec.anomaly
    return {"MonitorArnList": [target.monitor_arn], "Subscribers": anomaly.subscribers(),
            "Frequency": SUBSCRIPTION_FREQUENCY, "ThresholdExpression": anomaly.threshold_expression()}


def apply_create_anomaly_subscription(target: GuardrailsApplyTarget, change: Change) -> str:
    """Create the daily email subscription on the services monitor, tagged.

    IAM actions: ``ce:CreateAnomalySubscription``, ``ce:TagResource``.
    """
    arn = global_client(target.ctx, "ce").create_anomaly_subscription(
        AnomalySubscription={"SubscriptionName": target.spec.anomaly.subscription_name, **subscription_fields(target)},
        ResourceTags=tag_list(),
    )["SubscriptionArn"]
    target.note(change, RESOURCE, arn)
    return f"{change.address}: created ({arn})."


def apply_update_anomaly_subscription(target: GuardrailsApplyTarget, change: Change) -> str:
    """Bring the subscription in line: monitor, addresses, frequency, threshold.

    IAM actions: ``ce:UpdateAnomalySubscription``.
    """
    name = target.spec.anomaly.subscription_name
    arn = next(found.arn for found in target.state.costs.subscriptions if found.name == name)
    global_client(target.ctx, "ce").update_anomaly_subscription(SubscriptionArn=arn, **subscription_fields(target))
    return f"{change.address}: updated."


def apply_put_security_contact(target: GuardrailsApplyTarget, change: Change) -> str:
    """Set the SECURITY alternate contact, without ``AccountId`` (AWS refuses the account's own id).

    IAM actions: ``account:PutAlternateContact``.
    """
    contact = target.spec.contact
    target.ctx.client("account").put_alternate_contact(
        AlternateContactType="SECURITY", Name=contact.name, Title=contact.title, EmailAddress=contact.email,
        PhoneNumber=contact.phone,
    )
    target.note(change, SETTING, "SECURITY", before=change.before)
    return f"{change.address}: {contact.name}, {contact.email}."


def trail_arn(target: GuardrailsApplyTarget) -> str:
    """Return the ARN the trail has (or will have): its policy conditions name it."""
    return f"arn:aws:cloudtrail:{target.ctx.region}:{target.account_id}:trail/{target.spec.hardening.trail_name}"


def trail_bucket_policy(target: GuardrailsApplyTarget, bucket: str) -> str:
    """Return the bucket policy: CloudTrail may check the ACL and write this trail's logs, and only
    with ``bucket-owner-full-control``; plain HTTP is refused to everyone."""
    source = {"aws:SourceArn": trail_arn(target)}
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}", "Condition": {"StringEquals": source}},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{target.account_id}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}},
        {"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]})


def apply_create_trail_bucket(target: GuardrailsApplyTarget, change: Change) -> str:
    """Create the trail's bucket: private, tagged, and only CloudTrail may write to it.

    IAM actions: ``s3:CreateBucket``, ``s3:PutBucketPublicAccessBlock``, ``s3:PutBucketTagging``,
    ``s3:PutBucketPolicy``.
    """
    bucket = target.spec.hardening.bucket_name
    s3 = target.ctx.client("s3")
    where = {} if target.ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": target.ctx.region}}
    s3.create_bucket(Bucket=bucket, **where)
    target.note(change, RESOURCE, bucket, region=target.ctx.region)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={key: True for key in PUBLIC_ACCESS_BLOCK_KEYS})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list()})
    s3.put_bucket_policy(Bucket=bucket, Policy=trail_bucket_policy(target, bucket))
    return f"{change.address}: created, private, CloudTrail only."


def apply_put_trail_bucket_policy(target: GuardrailsApplyTarget, change: Change) -> str:
    """Set the runbook's trail bucket's policy back to CloudTrail only.

    IAM actions: ``s3:PutBucketPolicy``.
    """
    bucket = change.address.split(".", 1)[1]
    target.ctx.client("s3").put_bucket_policy(Bucket=bucket, Policy=trail_bucket_policy(target, bucket))
    return f"{change.address}: policy set to CloudTrail only."


def apply_create_trail(target: GuardrailsApplyTarget, change: Change) -> str:
    """Create the multi-region trail with log file validation, tagged, and start its logging.

    IAM actions: ``cloudtrail:CreateTrail``, ``cloudtrail:AddTags``, ``cloudtrail:StartLogging``.
    """
    hardening = target.spec.hardening
    cloudtrail = target.ctx.client("cloudtrail")
    arn = cloudtrail.create_trail(
        Name=hardening.trail_name, S3BucketName=hardening.bucket_name, IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True, EnableLogFileValidation=True, TagsList=tag_list(),
    )["TrailARN"]
    target.note(change, RESOURCE, arn, region=target.ctx.region, bucket=hardening.bucket_name)
    cloudtrail.start_logging(Name=arn)
    return f"{change.address}: created and logging ({arn})."


def apply_update_trail(target: GuardrailsApplyTarget, change: Change) -> str:
    """Bring the trail back to multi-region with validation, and logging.

    IAM actions: ``cloudtrail:UpdateTrail``, ``cloudtrail:StartLogging``.
    """
    cloudtrail = target.ctx.client("cloudtrail")
    name = target.spec.hardening.trail_name
    cloudtrail.update_trail(Name=name, IsMultiRegionTrail=True, EnableLogFileValidation=True)
    cloudtrail.start_logging(Name=name)
    return f"{change.address}: multi-region, validating, logging."


def apply_put_account_public_access_block(target: GuardrailsApplyTarget, change: Change) -> str:
    """Switch on the account-level S3 Block Public Access (all four settings).

    IAM actions: ``s3:PutAccountPublicAccessBlock``.
    """
    s3control_client(target.ctx, target.account_id).put_public_access_block(
        AccountId=target.account_id, PublicAccessBlockConfiguration={key: True for key in PUBLIC_ACCESS_BLOCK_KEYS},
    )
    target.note(change, SETTING, target.account_id, before=change.before)
    return f"{change.address}: on."


def apply_enable_ebs_encryption_by_default(target: GuardrailsApplyTarget, change: Change) -> str:
    """Switch on EBS encryption by default in the change's region.

    IAM actions: ``ec2:EnableEbsEncryptionByDefault``.
    """
    region = change.address.split(".", 1)[1]
    client_in(target.ctx, "ec2", region).enable_ebs_encryption_by_default()
    target.note(change, SETTING, region, region=region, before=False)
    return f"{change.address}: on."


def apply_create_access_analyzer(target: GuardrailsApplyTarget, change: Change) -> str:
    """Create the analyzer of external access in the runbook's region, tagged.

    IAM actions: ``access-analyzer:CreateAnalyzer``, ``access-analyzer:TagResource``,
    ``iam:CreateServiceLinkedRole`` (AWS makes its role the first time).
    """
    name = target.spec.hardening.analyzer_name
    arn = target.ctx.client("accessanalyzer").create_analyzer(
        analyzerName=name, type="ACCOUNT", tags=runbook_tags(STEP_ID))["arn"]
    target.note(change, RESOURCE, arn, region=target.ctx.region, name=name)
    return f"{change.address}: created ({arn})."


APPLIERS: dict[str, Applier[GuardrailsApplyTarget]] = {
    "create_budget": apply_create_budget,
    "update_budget_limit": apply_update_budget_limit,
    "create_budget_notification": apply_create_budget_notification,
    "replace_budget_notification": apply_replace_budget_notification,
    "create_anomaly_monitor": apply_create_anomaly_monitor,
    "create_anomaly_subscription": apply_create_anomaly_subscription,
    "update_anomaly_subscription": apply_update_anomaly_subscription,
    "put_security_contact": apply_put_security_contact,
    "create_trail_bucket": apply_create_trail_bucket,
    "put_trail_bucket_policy": apply_put_trail_bucket_policy,
    "create_trail": apply_create_trail,
    "update_trail": apply_update_trail,
    "put_account_public_access_block": apply_put_account_public_access_block,
    "enable_ebs_encryption_by_default": apply_enable_ebs_encryption_by_default,
    "create_access_analyzer": apply_create_access_analyzer,
}
"""The applier of each operation ``plan_guardrails`` emits."""


@translating_aws_errors
def apply_guardrails(ctx: AwsContext, plan: Plan, state: GuardrailsState, spec: GuardrailsSpec, ledger: Ledger) -> list[str]:
    """Make the plan's changes in order, writing each in the ledger; return what was done.

    IAM actions: ``budgets:ModifyBudget``, ``budgets:TagResource``, ``ce:CreateAnomalyMonitor``,
    ``ce:CreateAnomalySubscription``, ``ce:UpdateAnomalySubscription``, ``ce:TagResource``,
    ``account:PutAlternateContact``; when chosen: ``s3:CreateBucket``, ``s3:PutBucketPolicy``,
    ``s3:PutBucketPublicAccessBlock``, ``s3:PutBucketTagging``, ``cloudtrail:CreateTrail``,
    ``cloudtrail:UpdateTrail``, ``cloudtrail:AddTags``, ``cloudtrail:StartLogging``,
    ``s3:PutAccountPublicAccessBlock``, ``ec2:EnableEbsEncryptionByDefault``,
    ``access-analyzer:CreateAnalyzer``.

    Raises:
        UnknownOperationError: before any change, when the plan holds an operation with no applier.
    """
    _, monitor = find_services_monitor(state, spec.anomaly.monitor_name)
    target = GuardrailsApplyTarget(ctx, state.account_id, spec, state, ledger, monitor.arn if monitor else "")
    return apply_plan(plan, APPLIERS, target)
