"""The status of every step, computed from the account's live state (shown by 00_start_here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import botocore.exceptions
import botocore.session

from runbook_lib import awsconfig
from runbook_lib.audit.collect_costs import collect_costs
from runbook_lib.audit.judge_guardrails import judge_anomaly_alerts, judge_budget_alerts, judge_security_contact
from runbook_lib.audit.report import audits_folder
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.catalogue import ADMINISTRATOR_ACCESS_ARN
from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib.errors import AwsCallError, PrerequisiteMissingError, RunbookError
from runbook_lib.plan import CREATE, NO_OP, Change, Plan
from runbook_lib import addresses
from runbook_lib.paths import sandbox_config_file
from runbook_lib.steps import access, admin_user, developer_access, developer_user, guardrails, identity_center, secure_root
from runbook_lib.target import CallerIdentity

if TYPE_CHECKING:
    import pandas

DONE, TO_DO, BLOCKED, NOT_RUN, INFO = "done", "to do", "blocked", "not run", "info"
STATUS_COLOURS = {DONE: "#2e7d32", TO_DO: "#ef6c00", BLOCKED: "#c62828", NOT_RUN: "#616161", INFO: "#1565c0"}
"""The colour of each status word in 00's table (white text on it)."""
CLI_PROFILES_STEP_ID, AUDIT_STEP_ID, TEARDOWN_STEP_ID = "05_configure_aws_cli", "08_audit_account", "99_teardown"


@dataclass(frozen=True)
class StepStatus:
    """Where one step stands: done, or what is left."""

    step: str
    title: str
    status: str
    detail: str

    @property
    def notebook(self) -> str:
        """The step's notebook, beside 00_start_here (its link)."""
        return f"{self.step}.ipynb"


@dataclass(frozen=True)
class StepDefinition:
    """How to judge a step: from live state (its plan and its verification), or for a step with
    nothing to build (08 reads, 99 removes) straight as a status word and a sentence."""

    step: str
    title: str
    assess: Callable[[AwsContext, CallerIdentity], tuple[Plan, Verification]] | None = None
    describe: Callable[[AwsContext, CallerIdentity], tuple[str, str]] | None = None


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


def find_sso_profiles(config_file: Path, account_id: str) -> dict[str, str]:
    """Return the sso-session profiles of ``config_file`` for ``account_id``: role to profile name.

    The first profile of each role counts; a missing or unreadable file has none.
    """
    reader = botocore.session.Session()
    reader.set_config_variable("config_file", str(config_file))
    try:
        profiles = reader.full_config.get("profiles", {})
    except botocore.exceptions.BotoCoreError:
        return {}
    found: dict[str, str] = {}
    for name, profile in profiles.items():
        if profile.get("sso_session") and profile.get("sso_account_id") == account_id and profile.get("sso_role_name"):
            found.setdefault(profile["sso_role_name"], name)
    return found


def _config_file_of(ctx: AwsContext) -> Path:
    """Return the AWS CLI config file step 05 writes by default (the sandbox's own in the sandbox)."""
    return sandbox_config_file() if ctx.is_sandbox else awsconfig.find_config_file()


@translating_aws_errors
def assess_cli_profiles(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Judge step 05 for its default roles: a profile for the Admin's and the developer's permission set.

    IAM actions: none (reads the config file only).
    """
    path = _config_file_of(ctx)
    found = find_sso_profiles(path, caller.account_id)
    checks = tuple(
        Check("cli_profile_reads_back", PASS if role in found else FAIL, addresses.cli_profile_address(found.get(role, f"<{role}>")),
              f"Profile {found[role]} for {role}." if role in found else f"No profile for {role} in {path}.")
        for role in (admin_user.DEFAULT_PERMISSION_SET_NAME, DEFAULT_DEVELOPER_ROLE)
    )
    return Plan(CLI_PROFILES_STEP_ID), Verification(CLI_PROFILES_STEP_ID, checks)


@translating_aws_errors
def assess_sign_in(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Judge step 06: the developer's profile has a cached sign-in the portal accepts.

    IAM actions: none (the portal's ``sso:ListAccountRoles`` with the cached token).
    """
    profile = find_sso_profiles(_config_file_of(ctx), caller.account_id).get(DEFAULT_DEVELOPER_ROLE)
    if profile is None:
        raise PrerequisiteMissingError(f"no profile for {DEFAULT_DEVELOPER_ROLE} yet (step 05 writes it).")
    settings = developer_access.read_profile_settings(_config_file_of(ctx), profile)
    plan = developer_access.plan_sign_in(settings, developer_access.read_token_state(ctx, settings))
    signed_in = Check("sts_caller_identity_known", PASS if plan.is_empty else FAIL, addresses.cli_profile_address(profile),
                      f"{profile} is signed in." if plan.is_empty else f"{profile} is not signed in.")
    return Plan(developer_access.STEP_ID), Verification(developer_access.STEP_ID, (signed_in,))


@translating_aws_errors
def assess_guardrails(ctx: AwsContext, caller: CallerIdentity) -> tuple[Plan, Verification]:
    """Judge step 07 as the audit does: some budget and anomaly subscription email someone, and
    AWS knows the security contact (00 knows none of 07's names; the console switches it cannot see).

    IAM actions: those of ``audit.collect_costs.collect_costs``.
    """
    costs = collect_costs(ctx, caller.account_id)
    checks = (*judge_budget_alerts(costs, caller.account_id), *judge_anomaly_alerts(costs, caller.account_id),
              *judge_security_contact(costs))
    return Plan(guardrails.STEP_ID), Verification(guardrails.STEP_ID, checks)


def find_last_audit(account_id: str, *, sandbox: bool) -> dict[str, Any] | None:
    """Return the newest audit report kept for ``account_id`` (its JSON), or None.

    The reports are those 08 keeps when run in JupyterLab (``audit.report.audits_folder``); a
    headless run keeps its own in the run's folder.
    """
    folder = audits_folder(sandbox=sandbox)
    for path in sorted(folder.glob("*/audit-checks.json"), reverse=True):
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(kept, dict) and kept.get("account_id") == account_id:
            return kept
    return None


@translating_aws_errors
def describe_audit(ctx: AwsContext, caller: CallerIdentity) -> tuple[str, str]:
    """Return step 08's status and sentence: its last kept report's result, or "not run"."""
    kept = find_last_audit(caller.account_id, sandbox=ctx.is_sandbox)
    if kept is None:
        return NOT_RUN, "No audit yet; it only reads, so run it any time."
    counts = {status: count for status, count in (kept.get("summary") or {}).items() if count}
    listed = ", ".join(f"{count} {status}" for status, count in counts.items())
    when = str(kept.get("collected_at", ""))[:16].replace("T", " ")
    if counts.get(FAIL):
        return TO_DO, f"Last audit {when}: {listed}. Fix the FAIL rows, then audit again."
    return DONE, f"Last audit {when}: {listed}."


@translating_aws_errors
def describe_teardown(ctx: AwsContext, caller: CallerIdentity) -> tuple[str, str]:
    """Return step 99's status and sentence: what it is for (it is never "to do")."""
    return INFO, "Only when you are done: it shows what it would delete, and deletes once you type the confirmation."


DEFAULT_DEVELOPER_ROLE = "DeveloperAccess"
"""Step 04's default permission set, the role of the developer's profile (step 05)."""


STEPS = (
    StepDefinition(secure_root.STEP_ID, "Secure the root user", assess_root),
    StepDefinition(identity_center.STEP_ID, "Enable IAM Identity Center", assess_identity_center),
    StepDefinition(admin_user.STEP_ID, "Create the Admin user", assess_admin),
    StepDefinition(developer_user.STEP_ID, "Create the developer user", assess_developer),
    StepDefinition(CLI_PROFILES_STEP_ID, "Configure the AWS CLI", assess_cli_profiles),
    StepDefinition(developer_access.STEP_ID, "Verify the developer's access", assess_sign_in),
    StepDefinition(guardrails.STEP_ID, "Set cost guardrails", assess_guardrails),
    StepDefinition(AUDIT_STEP_ID, "Audit the account", describe=describe_audit),
    StepDefinition(TEARDOWN_STEP_ID, "Tear down what the runbook made", describe=describe_teardown),
)


@translating_aws_errors
@reads_once
def read_step_statuses(ctx: AwsContext, caller: CallerIdentity) -> list[StepStatus]:
    """Return each step's status, judged from live state (reads only).

    A step that waits for an earlier one is "to do", one the account's state blocks (another
    account's organization) is "blocked"; AWS refusing the runbook's identity is raised, since
    every status after it would be a guess.

    08's status is its last kept report's; 99's says what it is for.

    IAM actions: those of every step's read (``iam:GetAccountSummary``,
    ``iam:GetCredentialReport``, ``organizations:DescribeOrganization``, ``sso:ListInstances``,
    identitystore and sso-admin reads of users, permission sets and assignments, the budgets,
    cost anomaly and alternate contact reads of ``audit.collect_costs``).

    Raises:
        AwsCallError: when AWS refuses a read (``AccessDeniedError``: a profile without the rights).
    """
    statuses = []
    for definition in STEPS:
        if definition.describe is not None:
            statuses.append(StepStatus(definition.step, definition.title, *definition.describe(ctx, caller)))
            continue
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
            left = left or [check.detail.rstrip(".") for check in verification.failed_checks]  # joined by '; '
            statuses.append(StepStatus(definition.step, definition.title, TO_DO, "Left: " + "; ".join(left)))
    return statuses


def render_statuses_html(statuses: list[StepStatus]) -> str:
    """Return the statuses as a small HTML table: a link to each notebook, the status word in its
    colour, and the whole sentence, wrapped (never cut off) and left-aligned."""
    cell = "padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #ddd"
    rows = "".join(
        f'<tr><td style="{cell};white-space:nowrap"><a href="{escape(found.notebook)}">{escape(found.step)}</a></td>'
        f'<td style="{cell}">{escape(found.title)}</td>'
        f'<td style="{cell}"><span style="background:{STATUS_COLOURS.get(found.status, "#616161")};color:#fff;'
        f'padding:1px 6px;border-radius:3px;white-space:nowrap;font-weight:bold">{escape(found.status)}</span></td>'
        f'<td style="{cell};white-space:normal;overflow-wrap:anywhere">{escape(found.detail)}</td></tr>'
        for found in statuses
    )
    head = "".join(f'<th style="{cell}">{name}</th>' for name in ("step", "title", "status", "detail"))
    return f'<table class="runbook-status" style="border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


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
