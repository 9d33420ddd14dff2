"""What step 07 asks for: a budget and its alerts, anomaly detection, the security contact, and
the optional hardening, validated whole before any AWS call.

Pure data and its validation. Each field is checked with AWS's own limits (``validate.guardrails``),
so a budget with eleven alerts or eleven addresses is refused here, naming the field, and never
reaches AWS (where botocore would not catch it, and the sandbox's moto would accept it).
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_lib.errors import InputError
from runbook_lib.validate import guardrails as rules

STEP_ID = "07_set_guardrails"
COMPARISON, THRESHOLD_TYPE = "GREATER_THAN", "PERCENTAGE"
"""Every alert the runbook makes: spend greater than a percentage of the limit."""
MONITOR_TYPE, MONITOR_DIMENSION = "DIMENSIONAL", "SERVICE"
"""AWS's "AWS services" monitor: it watches each service's spend on its own."""
SUBSCRIPTION_FREQUENCY = "DAILY"
"""A daily summary by email (IMMEDIATE alerts need an SNS topic; email works with DAILY or WEEKLY)."""
IMPACT_KEY = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
SANDBOX_PHONE = "+1 555 0100"
"""The security contact's phone in the sandbox when none is given (555-01xx numbers are fictional)."""


@dataclass(frozen=True)
class BudgetAlert:
    """One alert: email when the actual (or forecast) spend exceeds ``percentage`` of the limit."""

    notification_type: str
    percentage: str

    @property
    def name(self) -> str:
        """The alert as the parameters write it, and as its address names it: ``ACTUAL>80``."""
        return f"{self.notification_type}>{self.percentage}"

    def notification(self) -> dict[str, object]:
        """Return the notification as AWS Budgets takes it."""
        return {
            "NotificationType": self.notification_type, "ComparisonOperator": COMPARISON,
            "Threshold": float(self.percentage), "ThresholdType": THRESHOLD_TYPE,
        }


@dataclass(frozen=True)
class BudgetSpec:
    """A monthly cost budget with its alerts and who gets them."""

    name: str
    limit_usd: str
    alerts: tuple[BudgetAlert, ...]
    emails: tuple[str, ...]
    sns_topics: tuple[str, ...] = ()

    def subscribers(self) -> list[dict[str, str]]:
        """Return the alerts' subscribers as AWS Budgets takes them."""
        return [{"SubscriptionType": "EMAIL", "Address": email} for email in self.emails] + [
            {"SubscriptionType": "SNS", "Address": topic} for topic in self.sns_topics]


@dataclass(frozen=True)
class AnomalySpec:
    """A services monitor and a daily email subscription above an impact in US dollars."""

    monitor_name: str
    subscription_name: str
    emails: tuple[str, ...]
    threshold_usd: str

    def threshold_expression(self) -> dict[str, object]:
        """Return the ``ThresholdExpression``: an anomaly's total impact at least the threshold."""
        return {"Dimensions": {"Key": IMPACT_KEY, "Values": [self.threshold_usd], "MatchOptions": ["GREATER_THAN_OR_EQUAL"]}}

    def subscribers(self) -> list[dict[str, str]]:
        """Return the subscription's subscribers as Cost Explorer takes them."""
        return [{"Type": "EMAIL", "Address": email} for email in self.emails]


@dataclass(frozen=True)
class ContactSpec:
    """The account's SECURITY alternate contact."""

    name: str
    title: str
    email: str
    phone: str


@dataclass(frozen=True)
class HardeningSpec:
    """The optional hardening, each off unless chosen.

    Attributes:
        bucket_name: The trail's new bucket (used only with ``cloudtrail``).
    """

    cloudtrail: bool = False
    trail_name: str = ""
    bucket_name: str = ""
    s3_block_public_access: bool = False
    ebs_encryption_by_default: bool = False
    access_analyzer: bool = False
    analyzer_name: str = ""

    @property
    def chosen(self) -> frozenset[str]:
        """The items chosen, as ``collect_hardening`` names them."""
        flags = {"cloudtrail": self.cloudtrail, "s3_block_public_access": self.s3_block_public_access,
                 "ebs_encryption_by_default": self.ebs_encryption_by_default, "access_analyzer": self.access_analyzer}
        return frozenset(name for name, on in flags.items() if on)


@dataclass(frozen=True)
class GuardrailsSpec:
    """Everything step 07 asks for."""

    budget: BudgetSpec
    anomaly: AnomalySpec
    contact: ContactSpec
    hardening: HardeningSpec


def default_bucket_name(account_id: str) -> str:
    """Return the trail bucket's default name; the account id makes it unique across AWS."""
    return f"runbook-cloudtrail-{account_id}"


def build_guardrails_spec(
    *,
    account_id: str,
    budget_name: str,
    budget_limit_usd: object,
    budget_alerts: object,
    alert_emails: object,
    alert_sns_topic_arn: object,
    anomaly_monitor_name: str,
    anomaly_subscription_name: str,
    anomaly_threshold_usd: object,
    security_contact_name: str,
    security_contact_title: str,
    security_contact_email: str,
    security_contact_phone: str,
    cloudtrail: bool = False,
    trail_name: str = "",
    trail_bucket_name: str = "",
    s3_block_public_access: bool = False,
    ebs_encryption_by_default: bool = False,
    access_analyzer: bool = False,
    analyzer_name: str = "",
    sandbox: bool = False,
) -> GuardrailsSpec:
    """Validate every field and return what step 07 asks for.

    Empty ``alert_emails`` means the security contact's address; in the sandbox an empty phone is
    the fictional ``SANDBOX_PHONE`` (a real account needs the person's own).

    Raises:
        InputError: naming the first field that breaks its rule, before any AWS call.
    """
    contact_email = rules.validate_contact_email(security_contact_email, field="security_contact_email")
    emails = rules.validate_alert_emails(alert_emails or [contact_email], field="alert_emails")
    if not security_contact_phone and not sandbox:
        raise InputError("security_contact_phone", security_contact_phone,
                         "is needed: AWS keeps a phone number with every alternate contact")
    contact = ContactSpec(
        name=rules.validate_contact_text(security_contact_name, field="security_contact_name",
                                         max_length=rules.CONTACT_NAME_MAX_LENGTH),
        title=rules.validate_contact_text(security_contact_title, field="security_contact_title",
                                          max_length=rules.CONTACT_TITLE_MAX_LENGTH),
        email=contact_email,
        phone=rules.validate_contact_phone(security_contact_phone or SANDBOX_PHONE, field="security_contact_phone"),
    )
    budget = BudgetSpec(
        name=rules.validate_budget_name(budget_name, field="budget_name"),
        limit_usd=rules.validate_limit_usd(budget_limit_usd, field="budget_limit_usd"),
        alerts=tuple(BudgetAlert(kind, percentage) for kind, percentage in rules.validate_alerts(budget_alerts, field="budget_alerts")),
        emails=emails,
        sns_topics=rules.validate_sns_topics(alert_sns_topic_arn, field="alert_sns_topic_arn"),
    )
    anomaly = AnomalySpec(
        monitor_name=rules.validate_resource_name(anomaly_monitor_name, field="anomaly_monitor_name"),
        subscription_name=rules.validate_resource_name(anomaly_subscription_name, field="anomaly_subscription_name"),
        emails=emails,
        threshold_usd=rules.validate_limit_usd(anomaly_threshold_usd, field="anomaly_threshold_usd"),
    )
    hardening = HardeningSpec(
        cloudtrail=bool(cloudtrail),
        trail_name=rules.validate_trail_name(trail_name, field="trail_name") if cloudtrail else trail_name,
        bucket_name=rules.validate_bucket_name(trail_bucket_name or default_bucket_name(account_id), field="trail_bucket_name")
        if cloudtrail else trail_bucket_name,
        s3_block_public_access=bool(s3_block_public_access),
        ebs_encryption_by_default=bool(ebs_encryption_by_default),
        access_analyzer=bool(access_analyzer),
        analyzer_name=rules.validate_analyzer_name(analyzer_name, field="analyzer_name") if access_analyzer else analyzer_name,
    )
    return GuardrailsSpec(budget, anomaly, contact, hardening)

