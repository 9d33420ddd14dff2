"""The status of every step, computed from the account's live state (shown by 00_start_here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from runbook_lib.aws import AwsContext
from runbook_lib.errors import RunbookError
from runbook_lib.plan import Plan, Verification
from runbook_lib.steps import identity_center, secure_root
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


def assess_root(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Plan and verify step 01 from live state."""
    state = secure_root.read_root_state(ctx, caller)
    return secure_root.plan_secure_root(state), secure_root.verify_secure_root(state)


def assess_identity_center(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Plan and verify step 02 from live state (a conflict shows as a failed plan)."""
    state = identity_center.read_identity_center_state(ctx, caller.account_id)
    return identity_center.plan_identity_center(state), identity_center.verify_identity_center(state)


STEPS = (
    StepDefinition(secure_root.STEP_ID, "Secure the root user", assess_root),
    StepDefinition(identity_center.STEP_ID, "Enable IAM Identity Center", assess_identity_center),
)


def read_step_statuses(ctx: AwsContext, caller: CallerIdentity) -> list[StepStatus]:
    """Return each step's status, judged from live state (reads only).

    IAM actions: those of every step's read (``iam:GetAccountSummary``,
    ``iam:GetCredentialReport``, ``organizations:DescribeOrganization``, ``sso:ListInstances``).
    """
    statuses = []
    for definition in STEPS:
        try:
            plan, verification = definition.assess(ctx, caller)
        except RunbookError as blocked:  # e.g. someone else's organization: say so in the table
            statuses.append(StepStatus(definition.step, definition.title, BLOCKED, str(blocked)))
            continue
        if plan.is_empty and verification.passed:
            statuses.append(StepStatus(definition.step, definition.title, DONE, "Verified."))
        else:
            left = [change.resource for change in plan.changes] or verification.failures
            statuses.append(StepStatus(definition.step, definition.title, TO_DO, "Left: " + "; ".join(left)))
    return statuses


def statuses_to_frame(statuses: list[StepStatus]) -> pandas.DataFrame:
    """Return the statuses as a table."""
    import pandas

    return pandas.DataFrame([vars(status) for status in statuses], columns=["step", "title", "status", "detail"])


START_STEP_ID = "00_start_here"


def verify_caller(caller: CallerIdentity) -> Verification:
    """Judge who the runbook acts as: known, and not root."""
    from runbook_lib.plan import PASS, WARN, Check

    return Verification(START_STEP_ID, (
        Check("sts_caller_identity_known", PASS, f"Acting as {caller.arn} in account {caller.account_id}."),
        Check(
            "iam_avoid_root_usage", WARN if caller.is_root else PASS,
            "Acting as ROOT: use root only for steps 01-02's console tasks, then the Admin user's profile."
            if caller.is_root else "Not acting as root.",
        ),
    ))
