"""Step 02: create the AWS Organization, have Identity Center enabled, find the access portal.

Order matters (see the reference notes): the organization first, by API; then the console's
"Enable" click (there is no API for an organization instance); then the runbook waits for the
instance and offers the access portal URL candidates, since no API returns the URL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import botocore.exceptions

from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.errors import IdentityCenterNotEnabledError, OrganizationConflictError, RunbookError
from runbook_lib.plan import FAIL, PASS, Change, Check, Plan, Verification

STEP_ID = "02_enable_identity_center"

ENABLE_GUIDE = (
    "In the console, switch to region {region} (top right), open 'IAM Identity Center' and click "
    "'Enable'. If asked, choose 'Enable with AWS Organizations' (the organization instance). "
    "It takes about a minute; then run this step's check again."
)


@dataclass(frozen=True)
class Organization:
    """The AWS Organization the account belongs to."""

    organization_id: str
    management_account_id: str
    feature_set: str


@dataclass(frozen=True)
class IdentityCenterInstance:
    """An IAM Identity Center instance (``sso-admin:ListInstances``)."""

    instance_arn: str
    identity_store_id: str
    owner_account_id: str
    status: str

    @property
    def instance_id(self) -> str:
        """The ``ssoins-...`` part of the instance ARN."""
        return self.instance_arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class IdentityCenterState:
    """The account's organization and Identity Center instance, as read live."""

    account_id: str
    region: str
    organization: Organization | None
    instance: IdentityCenterInstance | None


@translating_aws_errors
def read_organization(ctx: AwsContext) -> Organization | None:
    """Return the account's organization, or None when it belongs to none.

    IAM actions: ``organizations:DescribeOrganization``.
    """
    try:
        described = ctx.client("organizations").describe_organization()["Organization"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "AWSOrganizationsNotInUseException":
            return None
        raise
    return Organization(described["Id"], described["MasterAccountId"], described.get("FeatureSet", "ALL"))


@translating_aws_errors
def read_instance(ctx: AwsContext) -> IdentityCenterInstance | None:
    """Return the Identity Center instance in the context's region, or None.

    IAM actions: ``sso:ListInstances``.
    """
    for found in paginate(ctx.client("sso-admin"), "list_instances", "Instances"):
        return IdentityCenterInstance(
            found["InstanceArn"], found["IdentityStoreId"], found.get("OwnerAccountId", ""),
            found.get("Status", "ACTIVE"),
        )
    return None


def require_instance(ctx: AwsContext) -> IdentityCenterInstance:
    """Return the Identity Center instance that later steps (users, permission sets) work in.

    IAM actions: ``sso:ListInstances``.

    Raises:
        IdentityCenterNotEnabledError: when there is none in the context's region yet.
    """
    instance = read_instance(ctx)
    if instance is None:
        raise IdentityCenterNotEnabledError(ctx.region)
    return instance


def read_identity_center_state(ctx: AwsContext, account_id: str) -> IdentityCenterState:
    """Read the organization and the instance.

    IAM actions: ``organizations:DescribeOrganization``, ``sso:ListInstances``.
    """
    return IdentityCenterState(account_id, ctx.region, read_organization(ctx), read_instance(ctx))


def plan_identity_center(state: IdentityCenterState) -> Plan:
    """Return the changes still needed: the organization (API), then Identity Center (console).

    Raises:
        OrganizationConflictError: when the account is a member of someone else's organization.
        RunbookError: when the organization lacks the "all features" set Identity Center needs.
    """
    changes = []
    organization = state.organization
    if organization is None:
        changes.append(Change(
            "create", "AWS Organization",
            f"Create an organization with all features; account {state.account_id} becomes its "
            "management account. Free of charge; undo with 'Delete organization' while it has no other accounts.",
            "create_organization",
        ))
    elif organization.management_account_id != state.account_id:
        raise OrganizationConflictError(state.account_id, organization.management_account_id)
    elif organization.feature_set != "ALL":
        raise RunbookError(
            f"Organization {organization.organization_id} has only consolidated billing; "
            "IAM Identity Center needs all features.",
            advice="In the AWS Organizations console, Settings > 'Enable all features', then run this step again.",
        )
    if state.instance is None:
        changes.append(Change(
            "console", f"IAM Identity Center ({state.region})", ENABLE_GUIDE.format(region=state.region),
            "enable-identity-center",
        ))
    return Plan(STEP_ID, tuple(changes))


@translating_aws_errors
def create_organization(ctx: AwsContext, account_id: str) -> str:
    """Create the organization with all features; return what was done.

    IAM actions: ``organizations:CreateOrganization`` (plus ``iam:CreateServiceLinkedRole``,
    which AWS calls on the person's behalf).

    Raises:
        OrganizationConflictError: when AWS says the account already is in an organization that
            another account manages (a race with someone else, or a stale plan).
    """
    try:
        created = ctx.client("organizations").create_organization(FeatureSet="ALL")["Organization"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "AlreadyInOrganizationException":
            raise
        existing = read_organization(ctx)
        if existing and existing.management_account_id != account_id:
            raise OrganizationConflictError(account_id, existing.management_account_id) from None
        return "The organization already existed; nothing to create."
    return f"Created organization {created['Id']} (all features)."


def apply_identity_center(ctx: AwsContext, plan: Plan, account_id: str) -> list[str]:
    """Make the plan's API changes (the organization); return what was done.

    The console's "Enable" click is played or guided by the caller afterwards: the organization
    must exist before Identity Center is enabled.

    IAM actions: those of ``create_organization``.
    """
    applied = []
    for change in plan.api_changes:
        if change.operation == "create_organization":
            applied.append(create_organization(ctx, account_id))
    return applied


def wait_for_instance(
    ctx: AwsContext,
    *,
    timeout_seconds: float,
    interval_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> IdentityCenterInstance | None:
    """Poll ``sso:ListInstances`` until the instance appears or the time is up (bounded).

    IAM actions: ``sso:ListInstances``.
    """
    deadline = clock() + timeout_seconds
    while True:
        instance = read_instance(ctx)
        if instance is not None or clock() >= deadline:
            return instance
        sleep(min(interval_seconds, max(0.0, deadline - clock())))


def portal_url_candidates(instance: IdentityCenterInstance, region: str) -> list[str]:
    """Return the access portal URLs this instance may have; the console dashboard shows which.

    No API returns the URL. The classic form uses the identity store id (or a custom subdomain
    the person set once); newer instances may show the dual-stack form instead.
    """
    return [
        f"https://{instance.identity_store_id}.awsapps.com/start",
        f"https://{instance.instance_id}.portal.{region}.app.aws",
    ]


def verify_identity_center(state: IdentityCenterState) -> Verification:
    """Judge the state: an all-features organization managed by this account, an active instance."""
    organization = state.organization
    instance = state.instance
    checks = [
        Check(
            "organizations_account_is_management",
            PASS if organization and organization.management_account_id == state.account_id else FAIL,
            f"Organization {organization.organization_id} is managed by this account ({state.account_id})."
            if organization and organization.management_account_id == state.account_id
            else "This account manages no organization yet: apply this step's plan.",
        ),
        Check(
            "organizations_all_features_enabled",
            PASS if organization and organization.feature_set == "ALL" else FAIL,
            "The organization has all features." if organization and organization.feature_set == "ALL"
            else "No organization with all features yet.",
        ),
        Check(
            "sso_instance_active",
            PASS if instance and instance.status == "ACTIVE" else FAIL,
            f"IAM Identity Center is enabled in {state.region}: instance {instance.instance_arn}, "
            f"identity store {instance.identity_store_id}."
            if instance and instance.status == "ACTIVE"
            else f"No active IAM Identity Center instance in {state.region}. "
            + ENABLE_GUIDE.format(region=state.region)
            + " If you enabled it in another region, set `region` to that region.",
        ),
    ]
    return Verification(STEP_ID, tuple(checks))
