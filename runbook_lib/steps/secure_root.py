"""Step 01: secure the root user: MFA on, no access keys, and stop using it.

None of this has an API (AWS lets only root itself change root), so every change is a console
step: guided for a real account, played by the sandbox when asked. The runbook verifies the
result from ``iam:GetAccountSummary`` and the credential report.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from runbook_lib.aws import AwsContext, error_code, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib.plan import CONSOLE, Change, Plan
from runbook_lib import addresses
from runbook_lib.target import CallerIdentity
from runbook_lib.waiting import Clock, Sleep

STEP_ID = "01_secure_root_user"
REPORT_WAIT_SECONDS = 30.0
ROOT_ROW_USER = "<root_account>"

CONSOLE_GUIDE = {
    "enable-root-mfa": (
        "Sign in as root at https://console.aws.amazon.com/ (choose 'Root user'). Open the account "
        "menu (top right) > Security credentials > Multi-factor authentication (MFA) > 'Assign MFA "
        "device'. Name it, choose 'Authenticator app', scan the QR code with an authenticator app "
        "on your phone, type two consecutive codes, and click 'Add MFA'."
    ),
    "delete-root-access-keys": (
        "Signed in as root: account menu > Security credentials > Access keys. For each key: "
        "Actions > Deactivate, then Actions > Delete. Root needs no keys: every task is done "
        "by the Admin user you create in step 03."
    ),
}


@dataclass(frozen=True)
class RootCredentialRow:
    """The credential report's ``<root_account>`` line, the fields the runbook judges."""

    mfa_active: bool
    access_key_1_active: bool
    access_key_2_active: bool
    password_last_used: str
    generated_at: str


@dataclass(frozen=True)
class RootState:
    """What the account says about its root user.

    Attributes:
        mfa_enabled: ``AccountMFAEnabled`` from the account summary.
        access_keys_present: ``AccountAccessKeysPresent`` from the account summary.
        report_row: The credential report's root line, or None when the report has none.
        caller: Who the runbook acts as.
    """

    mfa_enabled: bool
    access_keys_present: bool
    report_row: RootCredentialRow | None
    caller: CallerIdentity


@translating_aws_errors
@reads_once
def read_root_state(ctx: AwsContext, caller: CallerIdentity) -> RootState:
    """Read root's MFA and access-key state from the account summary and the credential report.

    IAM actions: ``iam:GetAccountSummary``, ``iam:GetCredentialReport``,
    ``iam:GenerateCredentialReport`` (only when no report exists yet).
    """
    iam = ctx.client("iam")
    summary = iam.get_account_summary()["SummaryMap"]
    return RootState(
        mfa_enabled=bool(summary.get("AccountMFAEnabled", 0)),
        access_keys_present=bool(summary.get("AccountAccessKeysPresent", 0)),
        report_row=parse_root_row(*fetch_credential_report(iam)),
        caller=caller,
    )


def fetch_credential_report(
    iam: Any,
    *,
    wait_seconds: float = REPORT_WAIT_SECONDS,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
) -> tuple[str, str]:
    """Return the credential report's CSV text and its generation time, generating it if absent.

    A report that exists is reused (AWS regenerates at most every 4 hours anyway), so a second
    run makes no ``GenerateCredentialReport`` call. Takes the IAM client, not the context: it is
    a part of ``read_root_state``, which translates AWS's errors.

    IAM actions: ``iam:GetCredentialReport``, ``iam:GenerateCredentialReport`` (only when no
    report exists yet).

    Raises:
        botocore.exceptions.ClientError: when AWS refuses, or the report is not ready in time.
    """
    deadline = clock() + wait_seconds
    generated = False
    while True:
        try:
            answer = iam.get_credential_report()
            return answer["Content"].decode("utf-8"), str(answer.get("GeneratedTime", ""))
        except botocore.exceptions.ClientError as error:
            code = error_code(error)
            if code not in ("ReportNotPresent", "ReportExpired", "ReportInProgress"):
                raise
            if clock() > deadline:
                raise
        if not generated:
            iam.generate_credential_report()
            generated = True
        else:
            sleep(1)


def parse_root_row(report_csv: str, generated_at: str) -> RootCredentialRow | None:
    """Return the ``<root_account>`` line of a credential report, or None when it has none."""
    for row in csv.DictReader(io.StringIO(report_csv)):
        if row.get("user") == ROOT_ROW_USER:
            return RootCredentialRow(
                mfa_active=row.get("mfa_active") == "true",
                access_key_1_active=row.get("access_key_1_active") == "true",
                access_key_2_active=row.get("access_key_2_active") == "true",
                password_last_used=row.get("password_last_used", ""),
                generated_at=generated_at,
            )
    return None


def plan_secure_root(state: RootState) -> Plan:
    """Return the console changes that root still needs: MFA on, access keys deleted."""
    account_id = state.caller.account_id
    changes = []
    if not state.mfa_enabled:
        changes.append(Change(
            CONSOLE, addresses.root_mfa_address(account_id), CONSOLE_GUIDE["enable-root-mfa"], "enable-root-mfa",
            after="MFA device",
        ))
    if state.access_keys_present:
        changes.append(Change(
            CONSOLE, addresses.root_access_keys_address(account_id), CONSOLE_GUIDE["delete-root-access-keys"],
            "delete-root-access-keys", before=active_root_keys(state),
        ))
    return Plan(STEP_ID, tuple(changes))


def active_root_keys(state: RootState) -> list[str]:
    """Return root's active keys as the credential report names them, for a state whose summary
    says it has keys; ``["present"]`` when the report (up to 4 hours old) names none."""
    row = state.report_row
    named = [
        name for name, active in (("access_key_1", row.access_key_1_active), ("access_key_2", row.access_key_2_active))
        if active
    ] if row else []
    return named or ["present"]


def verify_secure_root(state: RootState) -> Verification:
    """Judge root's state: MFA on, no keys, the report agreeing, the runbook not acting as root."""
    account_id = state.caller.account_id
    checks = [
        Check(
            "iam_root_mfa_enabled", PASS if state.mfa_enabled else FAIL, addresses.root_mfa_address(account_id),
            "Root has MFA." if state.mfa_enabled else "Root has no MFA device.",
        ),
        Check(
            "iam_no_root_access_key", FAIL if state.access_keys_present else PASS,
            addresses.root_access_keys_address(account_id),
            f"Root has access keys ({', '.join(active_root_keys(state))})." if state.access_keys_present
            else "Root has no access keys.",
        ),
        judge_credential_report(state),
        Check(
            "iam_avoid_root_usage", WARN if state.caller.is_root else PASS, addresses.caller_address(state.caller.arn),
            "The runbook is acting as ROOT. Root can do anything, including closing the account; "
            "use it only for the few tasks that need it and switch to the Admin user (step 03)."
            if state.caller.is_root else f"The runbook acts as {state.caller.arn}, not as root.",
        ),
    ]
    return Verification(STEP_ID, tuple(checks))


def judge_credential_report(state: RootState) -> Check:
    """Compare the credential report's root line with the account summary.

    The report can lag up to 4 hours behind the summary (AWS regenerates it at most that
    often), so a disagreement is a warning; the summary decides.
    """
    row = state.report_row
    address = addresses.credential_report_address(state.caller.account_id)
    if row is None:
        return Check("iam_credential_report_root_row", WARN, address, "The credential report has no root line.")
    keys_active = row.access_key_1_active or row.access_key_2_active
    if row.mfa_active == state.mfa_enabled and keys_active == state.access_keys_present:
        return Check(
            "iam_credential_report_root_row", PASS, address,
            f"The credential report (generated {row.generated_at}) agrees: root MFA "
            f"{'on' if row.mfa_active else 'off'}, root keys {'active' if keys_active else 'none'}.",
        )
    return Check(
        "iam_credential_report_root_row", WARN, address,
        f"The credential report (generated {row.generated_at}) predates the latest change; "
        "AWS regenerates it at most every 4 hours. The account summary is current.",
    )
