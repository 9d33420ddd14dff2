"""Step 02: create the AWS Organization, have Identity Center enabled, find the access portal.

Order matters (see the reference notes): the organization first, by API; then the console's
"Enable" click (there is no API for an organization instance); then the runbook waits for the
instance (usable only once ``ACTIVE``) and offers the access portal URL candidates, since no
API returns the URL.

An instance lives in one region, its primary Region (newer ones may be replicated to additional
Regions, where users and permission sets are read-only). Where botocore's model lets
``ListInstances`` say so (``RegionScope``, ``PrimaryRegion``), an instance enabled in another
region than the runbook's is named with its region, so the person sets ``region`` rather than
being told to enable Identity Center a second time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.aws_memo import reads_once, reads_paused
from runbook_lib.checks import FAIL, PASS, Check, Verification
from runbook_lib.errors import (
    IdentityCenterInOtherRegionError,
    IdentityCenterNotEnabledError,
    OrganizationConflictError,
    PrerequisiteMissingError,
    RunbookError,
)
from runbook_lib.plan import CONSOLE, CREATE, Applier, Change, Plan, apply_plan
from runbook_lib import addresses
from runbook_lib.progress import Progress
from runbook_lib.waiting import Clock, Sleep, poll_until

STEP_ID = "02_enable_identity_center"
ACTIVE, CREATE_IN_PROGRESS, CREATE_FAILED = "ACTIVE", "CREATE_IN_PROGRESS", "CREATE_FAILED"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
"""``ListInstances`` statuses: only an ``ACTIVE`` instance takes users and permission sets."""

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
    """An IAM Identity Center instance (``sso-admin:ListInstances``).

    Attributes:
        primary_region: The region it was enabled in and is managed from, or "" where the API
            does not say (older botocore models, moto).
    """

    instance_arn: str
    identity_store_id: str
    owner_account_id: str
    status: str
    primary_region: str = ""

    @property
    def instance_id(self) -> str:
        """The ``ssoins-...`` part of the instance ARN."""
        return self.instance_arn.rsplit("/", 1)[-1]

    def is_managed_from(self, region: str) -> bool:
        """Return True when users and permission sets can be changed from ``region`` (its primary
        Region, or a region the API does not tell apart)."""
        return not self.primary_region or self.primary_region == region


@dataclass(frozen=True)
class IdentityCenterState:
    """The account's organization and Identity Center instance, as read live.

    Attributes:
        instance_elsewhere: With no instance in ``region``: one in another region, when the API
            can tell (else None).
    """

    account_id: str
    region: str
    organization: Organization | None
    instance: IdentityCenterInstance | None
    instance_elsewhere: IdentityCenterInstance | None = None

    @property
    def wrong_region(self) -> IdentityCenterInOtherRegionError | None:
        """Why the runbook's region is not the one Identity Center is managed from, or None."""
        return region_refusal(self.instance, self.instance_elsewhere, self.region)


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
@reads_once
def read_instance(ctx: AwsContext) -> IdentityCenterInstance | None:
    """Return the Identity Center instance in the context's region, or None.

    IAM actions: ``sso:ListInstances``.
    """
    for found in paginate(ctx.client("sso-admin"), "list_instances", "Instances"):
        return instance_from(found)
    return None


def instance_from(found: dict[str, Any]) -> IdentityCenterInstance:
    """Return the instance ``ListInstances`` describes in ``found``."""
    return IdentityCenterInstance(
        str(found["InstanceArn"]), str(found["IdentityStoreId"]), str(found.get("OwnerAccountId", "")),
        str(found.get("Status", "ACTIVE")), str(found.get("PrimaryRegion") or ""),
    )


def lists_every_region(sso_admin: Any) -> bool:
    """Return True when this client's model lets ``ListInstances`` list other regions' instances
    (``RegionScope``, in botocore models of multi-Region Identity Center; older ones lack it and
    would refuse the parameter before sending anything)."""
    model = sso_admin.meta.service_model.operation_model("ListInstances")
    return "RegionScope" in model.input_shape.members


@translating_aws_errors
def find_instance_elsewhere(ctx: AwsContext) -> IdentityCenterInstance | None:
    """Return an instance managed from another region than the context's, or None.

    Asked only when the context's region has none. None also when botocore's model cannot ask
    (no ``RegionScope``), or the answer does not say the instance's region.

    IAM actions: ``sso:ListInstances``.
    """
    sso_admin = ctx.client("sso-admin")
    if not lists_every_region(sso_admin):
        return None
    for found in paginate(sso_admin, "list_instances", "Instances", RegionScope="ALL_REGIONS"):
        instance = instance_from(found)
        if not instance.is_managed_from(ctx.region):
            return instance
    return None


def region_refusal(
    instance: IdentityCenterInstance | None, elsewhere: IdentityCenterInstance | None, region: str
) -> IdentityCenterInOtherRegionError | None:
    """Return why ``region`` is not where Identity Center is managed from, or None when it is
    (or when there is no instance anywhere the API can see)."""
    if instance is not None:
        if instance.is_managed_from(region):
            return None
        return IdentityCenterInOtherRegionError(region, instance.primary_region, additional_region=True)
    if elsewhere is not None:
        return IdentityCenterInOtherRegionError(region, elsewhere.primary_region)
    return None


def instance_not_ready(instance: IdentityCenterInstance, region: str) -> PrerequisiteMissingError | None:
    """Return why this instance cannot be used yet, or None when it is ``ACTIVE``.

    Returns:
        None when ``ACTIVE``; a ``PrerequisiteMissingError`` that says the status while it is
        being created, or for a status this code does not know (both worth waiting for).

    Raises:
        RunbookError: when creating it failed, or it is being deleted (waiting does not help).
    """
    if instance.status == ACTIVE:
        return None
    if instance.status == CREATE_FAILED:
        raise RunbookError(
            f"Enabling IAM Identity Center in {region} failed (status {instance.status}).",
            advice="Open IAM Identity Center in this region in the console: it says why. Once the "
            "failed instance is gone, click 'Enable' again (step 02), then run this step again.",
        )
    if instance.status == DELETE_IN_PROGRESS:
        raise RunbookError(
            f"The IAM Identity Center instance in {region} is being deleted (status {instance.status}).",
            advice="Wait until it is gone (a few minutes), enable Identity Center again in step 02, "
            "then run this step again.",
        )
    return PrerequisiteMissingError(
        f"IAM Identity Center in {region} is not active yet (status {instance.status}).",
        advice="Wait a minute and run this step again; 02_enable_identity_center waits for it.",
    )


@translating_aws_errors
@reads_once
def require_instance(ctx: AwsContext) -> IdentityCenterInstance:
    """Return the ``ACTIVE`` Identity Center instance that later steps (users, permission sets)
    work in.

    IAM actions: ``sso:ListInstances``.

    Raises:
        IdentityCenterNotEnabledError: when there is none in the context's region yet (nor, as
            far as the API can tell, in another).
        IdentityCenterInOtherRegionError: when it is managed from another region: which one.
        PrerequisiteMissingError: while the instance is still being created.
        RunbookError: when creating it failed, or it is being deleted.
    """
    instance = read_instance(ctx)
    elsewhere = find_instance_elsewhere(ctx) if instance is None else None
    wrong_region = region_refusal(instance, elsewhere, ctx.region)
    if wrong_region is not None:
        raise wrong_region
    if instance is None:
        raise IdentityCenterNotEnabledError(ctx.region)
    not_ready = instance_not_ready(instance, ctx.region)
    if not_ready is not None:
        raise not_ready
    return instance


@translating_aws_errors
@reads_once
def read_identity_center_state(ctx: AwsContext, account_id: str) -> IdentityCenterState:
    """Read the organization and the instance (and, with none here, one in another region).

    IAM actions: ``organizations:DescribeOrganization``, ``sso:ListInstances``.
    """
    organization = read_organization(ctx)
    instance = read_instance(ctx)
    elsewhere = find_instance_elsewhere(ctx) if instance is None else None
    return IdentityCenterState(account_id, ctx.region, organization, instance, elsewhere)


def plan_identity_center(state: IdentityCenterState) -> Plan:
    """Return the changes still needed: the organization (API), then Identity Center (console).

    An instance still being created needs no change, only time (the verification says its status).

    Raises:
        OrganizationConflictError: when the account is a member of someone else's organization.
        IdentityCenterInOtherRegionError: when Identity Center is managed from another region
            (enabling it here too would be refused).
        RunbookError: when the organization lacks the "all features" set Identity Center needs,
            or the instance failed or is being deleted.
    """
    if state.wrong_region is not None:
        raise state.wrong_region
    changes = []
    organization = state.organization
    if organization is None:
        changes.append(Change(
            CREATE, addresses.organization_address(state.account_id),
            f"Create an organization with all features; account {state.account_id} becomes its "
            "management account. Free of charge; undo with 'Delete organization' while it has no other accounts.",
            "create_organization",
            after={"feature_set": "ALL"},
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
            CONSOLE, addresses.instance_address(state.region), ENABLE_GUIDE.format(region=state.region),
            "enable-identity-center", after=ACTIVE,
        ))
    else:
        instance_not_ready(state.instance, state.region)  # raises when waiting would not help
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


@dataclass(frozen=True)
class IdentityCenterApplyTarget:
    """What step 02's appliers act on."""

    ctx: AwsContext
    account_id: str


def apply_create_organization(target: IdentityCenterApplyTarget, change: Change) -> str:
    """Create the organization the change plans.

    IAM actions: those of ``create_organization``.
    """
    return create_organization(target.ctx, target.account_id)


APPLIERS: dict[str, Applier[IdentityCenterApplyTarget]] = {"create_organization": apply_create_organization}
"""The applier of each API operation ``plan_identity_center`` emits (the console's "Enable"
is played or guided by the caller: ``steps.console``)."""


@translating_aws_errors
def apply_identity_center(ctx: AwsContext, plan: Plan, account_id: str) -> list[str]:
    """Make the plan's API changes (the organization); return what was done.

    The console's "Enable" click is played or guided by the caller afterwards: the organization
    must exist before Identity Center is enabled.

    IAM actions: those of ``create_organization``.

    Raises:
        UnknownOperationError: before any change, when the plan holds an operation with no applier.
    """
    return apply_plan(plan, APPLIERS, IdentityCenterApplyTarget(ctx, account_id))


@translating_aws_errors
def wait_for_instance(
    ctx: AwsContext,
    *,
    timeout_seconds: float,
    interval_seconds: float = 5.0,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    progress: Progress | None = None,
) -> IdentityCenterInstance | None:
    """Poll ``sso:ListInstances`` until the instance is ``ACTIVE`` or the time is up (bounded).

    The wait reports to ``progress`` (None: the notebook's) and ends with ``WaitCancelled``
    when the person cancels it.

    IAM actions: ``sso:ListInstances``.

    Returns:
        The active instance, or None when there is none active in time.

    Raises:
        RunbookError: when the instance failed to be created or is being deleted (waiting
            longer would not help).
    """
    with reads_paused(ctx):  # each try must see the account as it is now
        instance = poll_until(
            lambda: read_instance(ctx),
            lambda found: found is not None and instance_not_ready(found, ctx.region) is None,
            timeout_seconds=timeout_seconds, interval_seconds=interval_seconds, sleep=sleep, clock=clock,
            what="IAM Identity Center to show the instance", progress=progress,
            describe_pending=lambda found: "no instance yet" if found is None else f"its status is {found.status}",
        )
    return instance if instance is not None and instance_not_ready(instance, ctx.region) is None else None


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
    """Judge the state: an all-features organization managed by this account, an active instance
    managed from the runbook's region (else which region to set)."""
    organization, instance, region = state.organization, state.instance, state.region
    organization_address = addresses.organization_address(state.account_id)
    if organization is None:
        managed_here = all_features = False
        managed_found = "This account belongs to no organization yet."
        features_found = "No organization with all features yet."
    else:
        managed_here = organization.management_account_id == state.account_id
        all_features = organization.feature_set == "ALL"
        managed_found = (
            f"Organization {organization.organization_id} is managed by this account ({state.account_id})."
            if managed_here else f"Organization {organization.organization_id} is managed by account "
            f"{organization.management_account_id}, not this one ({state.account_id})."
        )
        features_found = "The organization has all features." if all_features else (
            f"The organization has only {organization.feature_set}."
        )
    active = instance is not None and instance.status == ACTIVE
    if instance is None:
        instance_found = (
            f"No IAM Identity Center instance in {region}. If you enabled it in another region, "
            "set `region` to that region."
        )
    elif active:
        instance_found = (
            f"IAM Identity Center is enabled in {region}: instance {instance.instance_arn}, "
            f"identity store {instance.identity_store_id}."
        )
    else:
        instance_found = f"The IAM Identity Center instance in {region} is {instance.status}, not ACTIVE."
    wrong_region = state.wrong_region
    instance_check = (
        Check("sso_instance_in_runbook_region", FAIL, addresses.instance_address(region),
              f"{wrong_region.message} Set `region` to {wrong_region.instance_region}.")
        if wrong_region is not None
        else Check("sso_instance_active", PASS if active else FAIL, addresses.instance_address(region), instance_found)
    )
    return Verification(STEP_ID, (
        Check("organizations_account_is_management", PASS if managed_here else FAIL, organization_address, managed_found),
        Check("organizations_all_features_enabled", PASS if all_features else FAIL, organization_address, features_found),
        instance_check,
    ))
