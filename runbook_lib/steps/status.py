"""The status of every step, computed from the account's live state (shown by 00_start_here)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.catalogue import ADMINISTRATOR_ACCESS_ARN
from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib.errors import AwsCallError, PrerequisiteMissingError, RunbookError
from runbook_lib.plan import CREATE, NO_OP, Change, Plan
from runbook_lib import addresses
from runbook_lib.steps import access, admin_user, developer_user, identity_center, secure_root
from runbook_lib.target import CallerIdentity

if TYPE_CHECKING:
    import pandas

DONE, TO_DO, BLOCKED = "done", "to do", "blocked"


@dataclass(frozen=True)
class StepStatus:
    """Where one step stands: done, or what is left."""

    step: str
    title: str
    status: str
    detail: str


@dataclass(frozen=True)
class StepDefinition:
    """How to judge a step from live state: its plan and its verification."""

    step: str
    title: str
    assess: Callable[[AwsContext, CallerIdentity], tuple[Plan, Verification]]


@translating_aws_errors
def assess_root(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Plan and verify step 01 from live state.

    IAM actions: those of ``secure_root.read_root_state``.
    """
    state = secure_root.read_root_state(ctx, caller)
    return secure_root.plan_secure_root(state), secure_root.verify_secure_root(state)


@translating_aws_errors
def assess_identity_center(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Plan and verify step 02 from live state (a conflict shows as a failed plan).

    IAM actions: those of ``identity_center.read_identity_center_state``.
    """
    state = identity_center.read_identity_center_state(ctx, caller.account_id)
    return identity_center.plan_identity_center(state), identity_center.verify_identity_center(state)


@translating_aws_errors
def assess_admin(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Plan and verify step 03 for its default names (``Admin``, ``AdministratorAccess``).

    00_start_here knows neither the Admin's email nor the session length chosen, so it takes
    both from what exists: it judges the user, the exact policy and the assignment.

    IAM actions: ``sso:ListInstances`` and those of ``access.read_access_state``.
    """
    instance = identity_center.require_instance(ctx)
    asked = access.AccessSpec(
        user=access.UserSpec(admin_user.DEFAULT_USER_NAME, "", "", "", email=""),
        permission_set=access.PermissionSetSpec(
            admin_user.DEFAULT_PERMISSION_SET_NAME, "", (ADMINISTRATOR_ACCESS_ARN,), session_duration="PT1H",
        ),
    )
    state = access.read_access_state(ctx, instance, caller.account_id, asked)
    spec = replace(
        asked,
        user=replace(asked.user, email=state.user.email if state.user else ""),
        permission_set=replace(
            asked.permission_set,
            session_duration=state.permission_set.session_duration if state.permission_set else "PT1H",
        ),
    )
    return (
        access.plan_access(admin_user.STEP_ID, state, spec),
        Verification(admin_user.STEP_ID, tuple(access.verify_access(state, spec))),
    )


@translating_aws_errors
def assess_developer(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Judge step 04: a ``*-developer`` user exists and holds a permission set on this account.

    00_start_here knows neither the developer's name nor which services were chosen (04 itself
    judges the policies), so it asks the account who holds access there and keeps the
    ``*-developer`` users: the same calls with 10 users in the identity store as with 10,000.

    IAM actions: ``sso:ListInstances`` and those of ``access.find_users_with_access``.
    """
    instance = identity_center.require_instance(ctx)
    assigned = access.find_users_with_access(ctx, instance, caller.account_id, developer_user.DEVELOPER_SUFFIX)
    if assigned:
        return Plan(developer_user.STEP_ID), Verification(developer_user.STEP_ID, tuple(
            Check("sso_developer_user_assigned", PASS, addresses.user_address(user.user_name),
                  f"{user.user_name} can use this account.")
            for user in assigned
        ))
    wanted = addresses.user_address(f"<name>{developer_user.DEVELOPER_SUFFIX}")
    left = Change(CREATE, wanted, "Run 04_create_developer_user.", "create_user")
    return Plan(developer_user.STEP_ID, (left,)), Verification(developer_user.STEP_ID, (
        Check("sso_developer_user_assigned", FAIL, wanted, "No <name>-developer user with access to this account yet."),))


STEPS = (
    StepDefinition(secure_root.STEP_ID, "Secure the root user", assess_root),
    StepDefinition(identity_center.STEP_ID, "Enable IAM Identity Center", assess_identity_center),
    StepDefinition(admin_user.STEP_ID, "Create the Admin user", assess_admin),
    StepDefinition(developer_user.STEP_ID, "Create the developer user", assess_developer),
)


@translating_aws_errors
def read_step_statuses(ctx: AwsContext, caller: CallerIdentity) -> list[StepStatus]:
    """Return each step's status, judged from live state (reads only).

    A step that waits for an earlier one is "to do", one the account's state blocks (another
    account's organization) is "blocked"; AWS refusing the runbook's identity is raised, since
    every status after it would be a guess.

    IAM actions: those of every step's read (``iam:GetAccountSummary``,
    ``iam:GetCredentialReport``, ``organizations:DescribeOrganization``, ``sso:ListInstances``,
    identitystore and sso-admin reads of users, permission sets and assignments).

    Raises:
        AwsCallError: when AWS refuses a read (``AccessDeniedError``: a profile without the rights).
    """
    statuses = []
    for definition in STEPS:
        try:
            plan, verification = definition.assess(ctx, caller)
        except PrerequisiteMissingError as waiting:
            statuses.append(StepStatus(definition.step, definition.title, TO_DO, f"After an earlier step: {waiting.message}"))
            continue
        except AwsCallError:  # the runbook's identity or AWS itself, not the step: no table hides it
            raise
        except RunbookError as blocked:  # e.g. someone else's organization: say so in the table
            statuses.append(StepStatus(definition.step, definition.title, BLOCKED, str(blocked)))
            continue
        if plan.is_empty and verification.passed:
            statuses.append(StepStatus(definition.step, definition.title, DONE, "Verified."))
        else:
            left = list(dict.fromkeys(change.address for change in plan.changes if change.action != NO_OP))
            left = left or [check.detail for check in verification.failed_checks]
            statuses.append(StepStatus(definition.step, definition.title, TO_DO, "Left: " + "; ".join(left)))
    return statuses


def statuses_to_frame(statuses: list[StepStatus]) -> pandas.DataFrame:
    """Return the statuses as a table."""
    import pandas

    return pandas.DataFrame([vars(status) for status in statuses], columns=["step", "title", "status", "detail"])


START_STEP_ID = "00_start_here"


def verify_caller(caller: CallerIdentity) -> Verification:
    """Judge who the runbook acts as: known, and not root."""
    address = addresses.caller_address(caller.arn)
    return Verification(START_STEP_ID, (
        Check("sts_caller_identity_known", PASS, address, f"Acting as {caller.arn} in account {caller.account_id}."),
        Check(
            "iam_avoid_root_usage", WARN if caller.is_root else PASS, address,
            "Acting as ROOT: use root only for steps 01-02's console tasks, then the Admin user's profile."
            if caller.is_root else "Not acting as root.",
        ),
    ))
