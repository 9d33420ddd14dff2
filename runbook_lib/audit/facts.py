"""What the audit knows of an account: plain data, collected once, judged by pure code.

``collect_*`` (boto3) fills these in; ``judge`` reads them and nothing else, so every verdict can
be tested with facts written by hand. Step 07 plans from the same facts (its budget, its anomaly
subscription, its trail), so the step and the audit read the account the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
"""The AWS managed policy that allows everything (CIS 1.16's "full *:* administrative privileges")."""
ADMIN_EQUIVALENT_POLICY_ARNS = frozenset({
    ADMINISTRATOR_ACCESS_ARN,
    # IAM over everything: who holds it can grant themselves AdministratorAccess.
    "arn:aws:iam::aws:policy/IAMFullAccess",
})


# --- root, IAM users, organization, Identity Center ---------------------------------------------


@dataclass(frozen=True)
class RootFacts:
    """Root as ``iam:GetAccountSummary`` and the credential report's ``<root_account>`` row show it.

    Attributes:
        password_last_used: The row's ``password_last_used`` (ISO-8601, ``N/A`` or
            ``no_information``), "" when the report has no root row.
        access_keys_last_used: The row's ``access_key_N_last_used_date`` values.
        has_report_row: False when the credential report has no root row (moto's own).
    """

    mfa_enabled: bool
    access_keys_present: bool
    password_last_used: str = ""
    access_keys_last_used: tuple[str, ...] = ()
    has_report_row: bool = True


@dataclass(frozen=True)
class AccessKeyFacts:
    """One of an IAM user's access keys, from the credential report."""

    active: bool
    last_rotated: str


@dataclass(frozen=True)
class IamUserFacts:
    """An IAM user as the credential report shows it."""

    user_name: str
    password_enabled: bool
    mfa_active: bool
    access_keys: tuple[AccessKeyFacts, ...] = ()


@dataclass(frozen=True)
class OrganizationFacts:
    """The account's organization (``organizations:DescribeOrganization``)."""

    organization_id: str
    management_account_id: str
    feature_set: str


@dataclass(frozen=True)
class IdentityCenterFacts:
    """The Identity Center instance of the region (``sso:ListInstances``)."""

    instance_arn: str
    identity_store_id: str
    status: str


@dataclass(frozen=True)
class PrincipalFacts:
    """Who holds a permission set on the account: a user or a group, by name.

    Attributes:
        members: For a group, its members' user names.
    """

    principal_type: str
    principal_id: str
    name: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class PermissionSetFacts:
    """A permission set, what it grants and who holds it on this account."""

    name: str
    arn: str
    description: str
    managed_policy_arns: frozenset[str]
    inline_policy: str
    principals: tuple[PrincipalFacts, ...] = ()
    customer_managed_policies: tuple[str, ...] = ()

    def holders(self) -> set[str]:
        """Return the user names that hold it, directly or through a group."""
        names: set[str] = set()
        for principal in self.principals:
            if principal.principal_type == "USER":
                names.add(principal.name)
            else:
                names.update(principal.members)
        return names


@dataclass(frozen=True)
class PolicyHolderFacts:
    """An IAM user, group or role with an AWS managed policy attached (``iam:ListEntitiesForPolicy``).

    Attributes:
        entity_type: ``user``, ``group`` or ``role``.
        path: The entity's path (a reserved Identity Center role's is ``/aws-reserved/...``).
    """

    entity_type: str
    name: str
    path: str = "/"


# --- costs and the account's contacts -------------------------------------------------------------


@dataclass(frozen=True)
class BudgetNotificationFacts:
    """One notification of a budget and its subscribers.

    Attributes:
        threshold: The threshold as AWS keeps it, formatted without trailing zeros (``80``).
    """

    notification_type: str
    comparison: str
    threshold: str
    threshold_type: str
    emails: tuple[str, ...] = ()
    sns_topics: tuple[str, ...] = ()

    @property
    def alert(self) -> str:
        """The notification as the parameters write an alert: ``ACTUAL>80``."""
        return f"{self.notification_type}>{self.threshold}"


@dataclass(frozen=True)
class BudgetFacts:
    """A budget of the account (``budgets:DescribeBudgets``) with its notifications."""

    name: str
    budget_type: str
    time_unit: str
    limit_amount: str
    limit_unit: str
    notifications: tuple[BudgetNotificationFacts, ...] = ()

    def notification(self, notification_type: str, threshold: str) -> BudgetNotificationFacts | None:
        """Return the notification of this type and percentage threshold, or None."""
        return next((found for found in self.notifications if found.notification_type == notification_type
                     and found.threshold == threshold and found.threshold_type == "PERCENTAGE"
                     and found.comparison == "GREATER_THAN"), None)


@dataclass(frozen=True)
class AnomalyMonitorFacts:
    """A cost anomaly monitor (``ce:GetAnomalyMonitors``)."""

    arn: str
    name: str
    monitor_type: str
    dimension: str = ""

    @property
    def watches_services(self) -> bool:
        """Return True for AWS's "AWS services" monitor (DIMENSIONAL by SERVICE)."""
        return self.monitor_type == "DIMENSIONAL" and self.dimension == "SERVICE"


@dataclass(frozen=True)
class AnomalySubscriptionFacts:
    """A cost anomaly alert subscription (``ce:GetAnomalySubscriptions``).

    Attributes:
        threshold_expression: ``ThresholdExpression`` as AWS returns it, or None (a legacy
            subscription with only the deprecated ``Threshold``).
    """

    arn: str
    name: str
    monitor_arns: tuple[str, ...]
    frequency: str
    emails: tuple[str, ...] = ()
    sns_topics: tuple[str, ...] = ()
    threshold_expression: dict[str, Any] | None = None


@dataclass(frozen=True)
class ContactFacts:
    """An alternate contact of the account (``account:GetAlternateContact``)."""

    name: str
    title: str
    email: str
    phone: str


@dataclass(frozen=True)
class AccountPlanFacts:
    """The account's plan (``freetier:GetAccountPlanState``), or why it could not be read.

    Attributes:
        plan_type: ``FREE`` or ``PAID``, "" when unknown.
        status: ``NOT_STARTED``, ``ACTIVE`` or ``EXPIRED``, "" when unknown.
        credits: The remaining credits, e.g. ``200``, "" when none are shown.
        expires_at: When the Free plan ends (ISO-8601), "" when it does not.
        unknown_because: Why the plan could not be read ("" when it was).
    """

    plan_type: str = ""
    status: str = ""
    credits: str = ""
    credits_unit: str = ""
    expires_at: str = ""
    unknown_because: str = ""


# --- optional hardening --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailFacts:
    """A CloudTrail trail and its status (``cloudtrail:DescribeTrails``, ``GetTrailStatus``)."""

    name: str
    arn: str
    home_region: str
    bucket: str
    multi_region: bool
    log_file_validation: bool
    is_logging: bool
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BucketFacts:
    """An S3 bucket's policy, Block Public Access and tags, or that it does not exist.

    Attributes:
        owned: False when the name exists but is someone else's (``AccessDenied`` on it).
        policy: The bucket policy document (JSON text), "" when it has none.
    """

    name: str
    exists: bool
    owned: bool = True
    policy: str = ""
    public_access_block: dict[str, bool] | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalyzerFacts:
    """An IAM Access Analyzer analyzer (``access-analyzer:ListAnalyzers``)."""

    name: str
    arn: str
    analyzer_type: str
    status: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HardeningFacts:
    """The optional hardening settings, each None when it was not read.

    Attributes:
        public_access_block: The account-level S3 Block Public Access (four booleans), {} when
            none is set, None when not read.
        ebs_encryption: Region to "EBS encryption by default is on", None when not read.
    """

    trails: tuple[TrailFacts, ...] | None = None
    trail_buckets: tuple[BucketFacts, ...] = ()
    public_access_block: dict[str, bool] | None = None
    ebs_encryption: dict[str, bool] | None = None
    analyzers: tuple[AnalyzerFacts, ...] | None = None


@dataclass(frozen=True)
class CostFacts:
    """Budgets, cost anomaly detection, the security contact and the account's plan."""

    budgets: tuple[BudgetFacts, ...] = ()
    monitors: tuple[AnomalyMonitorFacts, ...] = ()
    subscriptions: tuple[AnomalySubscriptionFacts, ...] = ()
    security_contact: ContactFacts | None = None
    plan: AccountPlanFacts = field(default_factory=AccountPlanFacts)


@dataclass(frozen=True)
class IdentityFacts:
    """Root, IAM users, the organization, Identity Center and who holds administrator access."""

    root: RootFacts
    users: tuple[IamUserFacts, ...] = ()
    organization: OrganizationFacts | None = None
    identity_center: IdentityCenterFacts | None = None
    permission_sets: tuple[PermissionSetFacts, ...] = ()
    admin_policy_holders: tuple[PolicyHolderFacts, ...] = ()


@dataclass(frozen=True)
class AccountFacts:
    """Everything the audit judges, collected at ``collected_at`` (ISO-8601, UTC)."""

    account_id: str
    region: str
    collected_at: str
    identity: IdentityFacts
    costs: CostFacts
    hardening: HardeningFacts = field(default_factory=HardeningFacts)
