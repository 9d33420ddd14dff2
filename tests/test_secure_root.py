"""Tests for runbook_lib.steps.secure_root: read root's state, plan the console steps, verify."""

from __future__ import annotations

import datetime

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from runbook_lib.aws import AwsContext
from runbook_lib.checks import FAIL, PASS, WARN, Verification
from runbook_lib.errors import AccessDeniedError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps.console import apply_console_changes
from runbook_lib.steps.secure_root import (
    STEP_ID,
    RootCredentialRow,
    RootState,
    fetch_credential_report,
    judge_credential_report,
    parse_root_row,
    plan_secure_root,
    read_root_state,
    verify_secure_root,
)
from runbook_lib.target import CallerIdentity

SANDBOX_CALLER = CallerIdentity(
    "123456789012", "arn:aws:sts::123456789012:user/moto", "AIDAEXAMPLE"
)
ROOT_CALLER = CallerIdentity("123456789012", "arn:aws:iam::123456789012:root", "123456789012")

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def report(*rows: str) -> str:
    """Return a credential report CSV with AWS's header and these rows."""
    return "\n".join((HEADER, *rows)) + "\n"


def root_line(
    *, mfa: str, key_1: str, key_2: str = "false", last_used: str = "2026-02-03T04:05:06+00:00"
) -> str:
    """Return a ``<root_account>`` line as AWS writes it."""
    return (
        f"<root_account>,arn:aws:iam::123456789012:root,2025-01-01T00:00:00+00:00,not_supported,"
        f"{last_used},not_supported,not_supported,{mfa},{key_1},N/A,N/A,N/A,N/A,{key_2},"
        "N/A,N/A,N/A,N/A,false,N/A,false,N/A"
    )


USER_LINE = (
    "alex,arn:aws:iam::123456789012:user/alex,2025-01-02T00:00:00+00:00,true,no_information,"
    "2025-01-02T00:00:00+00:00,N/A,true,true,2025-01-02T00:00:00+00:00,N/A,N/A,N/A,true,N/A,"
    "N/A,N/A,N/A,false,N/A,false,N/A"
)


def state(
    *, mfa: bool, keys: bool, row: RootCredentialRow | None, caller: CallerIdentity = SANDBOX_CALLER
) -> RootState:
    """Build a RootState by hand."""
    return RootState(mfa_enabled=mfa, access_keys_present=keys, report_row=row, caller=caller)


def row(*, mfa: bool, key_1: bool, key_2: bool = False) -> RootCredentialRow:
    """Build a root report row by hand."""
    return RootCredentialRow(
        mfa, key_1, key_2, "2026-02-03T04:05:06+00:00", "2026-02-03 05:00:00+00:00"
    )


def check_statuses(verification: Verification) -> dict[str, str]:
    """Return check id -> status."""
    return {check.check_id: check.status for check in verification.checks}


# --- on the sandbox -------------------------------------------------------------------------


def test_new_account_root_state(ctx: AwsContext) -> None:
    root = read_root_state(ctx, SANDBOX_CALLER)
    assert (root.mfa_enabled, root.access_keys_present) == (False, True)
    assert root.report_row is not None
    assert (
        root.report_row.mfa_active,
        root.report_row.access_key_1_active,
        root.report_row.access_key_2_active,
    ) == (
        False,
        True,
        False,
    )
    assert root.report_row.generated_at  # the report's GeneratedTime, kept for the message
    assert root.caller == SANDBOX_CALLER


def test_new_account_plan_is_two_console_changes(ctx: AwsContext) -> None:
    plan = plan_secure_root(read_root_state(ctx, SANDBOX_CALLER))
    assert plan.step == STEP_ID
    assert [change.operation for change in plan.changes] == [
        "enable-root-mfa",
        "delete-root-access-keys",
    ]
    assert plan.console_changes == plan.changes
    assert plan.api_changes == ()
    assert "Assign MFA device" in plan.changes[0].detail
    assert [(change.address, change.before, change.after) for change in plan.changes] == [
        ("iam_root_mfa.123456789012", None, "MFA device"),
        ("iam_root_access_keys.123456789012", ["access_key_1"], None),
    ]


def test_new_account_verification_fails_on_mfa_and_keys(ctx: AwsContext) -> None:
    verification = verify_secure_root(read_root_state(ctx, SANDBOX_CALLER))
    assert not verification.passed
    assert check_statuses(verification) == {
        "iam_root_mfa_enabled": FAIL,
        "iam_no_root_access_key": FAIL,
        "iam_credential_report_root_row": PASS,  # the sandbox's report is always current
        "iam_avoid_root_usage": PASS,
    }
    assert verification.failures[0].startswith("Root has no MFA device")
    assert verification.failures[1].startswith("Root has access keys (access_key_1)")
    # what was found, then what to do: the remediation comes from the registry, not the detail
    mfa, keys = verification.failed_checks
    assert "Assign MFA device" not in mfa.detail and "Assign MFA device" in verification.failures[0]
    assert "deactivate then delete every key" in verification.failures[1]
    assert (mfa.resource, keys.resource) == ("iam_root_mfa.123456789012", "iam_root_access_keys.123456789012")


def test_reading_root_state_makes_no_write(ctx: AwsContext) -> None:
    read_root_state(ctx, SANDBOX_CALLER)
    assert ctx.recorder.writes == []


def test_after_the_console_steps_plan_is_empty_and_verify_passes(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    plan = plan_secure_root(read_root_state(ctx, SANDBOX_CALLER))
    played, pending = apply_console_changes(plan, console=sandbox, region=ctx.region)
    assert pending == []
    assert len(played) == 2 and all(
        line.startswith("sandbox played the console step: ") for line in played
    )

    root = read_root_state(ctx, SANDBOX_CALLER)
    assert (root.mfa_enabled, root.access_keys_present) == (True, False)
    assert plan_secure_root(root).is_empty
    verification = verify_secure_root(root)
    assert verification.passed
    assert set(check_statuses(verification).values()) == {PASS}


def test_without_a_console_player_the_steps_are_left_pending(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    plan = plan_secure_root(read_root_state(ctx, SANDBOX_CALLER))
    assert apply_console_changes(plan, console=None, region=ctx.region) == (
        [],
        ["enable-root-mfa", "delete-root-access-keys"],
    )
    assert sandbox.state()["root_mfa_enabled"] is False


def test_one_console_step_leaves_one_change(sandbox: SandboxClient, ctx: AwsContext) -> None:
    sandbox.play_console_step("enable-root-mfa")
    plan = plan_secure_root(read_root_state(ctx, SANDBOX_CALLER))
    assert [change.operation for change in plan.changes] == ["delete-root-access-keys"]


def test_credential_report_is_generated_only_once(ctx: AwsContext) -> None:
    read_root_state(ctx, SANDBOX_CALLER)
    assert [str(call) for call in ctx.recorder.calls] == [
        "iam:GetAccountSummary",
        "iam:GetCredentialReport",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
    ]
    first = len(ctx.recorder.calls)
    read_root_state(ctx, SANDBOX_CALLER)
    assert [str(call) for call in ctx.recorder.calls[first:]] == [
        "iam:GetAccountSummary",
        "iam:GetCredentialReport",
    ]


def test_access_denied_on_the_report_says_what_to_do(ctx: AwsContext) -> None:
    iam = ctx.client("iam")
    with Stubber(iam) as stub:
        stub.add_response(
            "get_account_summary",
            {"SummaryMap": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}},
        )
        stub.add_client_error("get_credential_report", "AccessDenied", "not authorized", 403)
        with pytest.raises(AccessDeniedError) as caught:
            read_root_state(ctx, SANDBOX_CALLER)
    assert caught.value.operation == "GetCredentialReport"


# --- fetching the report (stubbed: the sandbox never answers "in progress") -----------------

REPORT_ANSWER = {
    "Content": report(root_line(mfa="true", key_1="false")).encode(),
    "ReportFormat": "text/csv",
    "GeneratedTime": datetime.datetime(2026, 2, 3, 5, 0, tzinfo=datetime.timezone.utc),
}


def test_fetch_waits_while_the_report_is_in_progress(ctx: AwsContext) -> None:
    iam = ctx.client("iam")
    with Stubber(iam) as stub:
        stub.add_client_error("get_credential_report", "ReportNotPresent", "none yet", 410)
        stub.add_response("generate_credential_report", {"State": "STARTED"})
        stub.add_client_error("get_credential_report", "ReportInProgress", "working", 404)
        stub.add_response("get_credential_report", REPORT_ANSWER)
        content, generated = fetch_credential_report(iam, wait_seconds=5)
        stub.assert_no_pending_responses()
    assert content.startswith("user,arn,")
    assert generated == "2026-02-03 05:00:00+00:00"


def test_fetch_gives_up_after_the_wait(ctx: AwsContext) -> None:
    iam = ctx.client("iam")
    with Stubber(iam) as stub:
        stub.add_client_error("get_credential_report", "ReportInProgress", "working", 404)
        stub.add_response("generate_credential_report", {"State": "INPROGRESS"})
        stub.add_client_error("get_credential_report", "ReportInProgress", "working", 404)
        stub.add_client_error("get_credential_report", "ReportInProgress", "working", 404)
        with pytest.raises(botocore.exceptions.ClientError, match="ReportInProgress"):
            fetch_credential_report(iam, wait_seconds=0.5)
        stub.assert_no_pending_responses()


# --- parsing and judging (pure) -------------------------------------------------------------


def test_parse_root_row_from_a_sample_report() -> None:
    parsed = parse_root_row(
        report(root_line(mfa="true", key_1="false", key_2="true"), USER_LINE), "at noon"
    )
    assert parsed == RootCredentialRow(
        mfa_active=True,
        access_key_1_active=False,
        access_key_2_active=True,
        password_last_used="2026-02-03T04:05:06+00:00",
        generated_at="at noon",
    )


def test_parse_root_row_finds_root_after_other_users() -> None:
    parsed = parse_root_row(report(USER_LINE, root_line(mfa="false", key_1="true")), "")
    assert parsed is not None
    assert (parsed.mfa_active, parsed.access_key_1_active) == (False, True)


def test_parse_root_row_without_root() -> None:
    assert parse_root_row(report(USER_LINE), "") is None
    assert parse_root_row("", "") is None


def test_parse_root_row_never_used_password() -> None:
    parsed = parse_root_row(
        report(root_line(mfa="false", key_1="false", last_used="no_information")), ""
    )
    assert parsed is not None and parsed.password_last_used == "no_information"


@pytest.mark.parametrize(
    ("mfa", "keys", "report_row"),
    [
        (True, False, row(mfa=True, key_1=False)),
        (False, True, row(mfa=False, key_1=True)),
        (False, True, row(mfa=False, key_1=False, key_2=True)),
    ],
)
def test_report_agreeing_with_the_summary_passes(
    mfa: bool, keys: bool, report_row: RootCredentialRow
) -> None:
    check = judge_credential_report(state(mfa=mfa, keys=keys, row=report_row))
    assert (check.check_id, check.status) == ("iam_credential_report_root_row", PASS)
    assert "agrees" in check.detail


@pytest.mark.parametrize(
    ("mfa", "keys", "report_row"),
    [
        (True, False, row(mfa=False, key_1=False)),  # MFA added since the report
        (True, False, row(mfa=True, key_1=True)),  # keys deleted since the report
        (True, False, row(mfa=True, key_1=False, key_2=True)),
        (False, True, row(mfa=False, key_1=False)),
    ],
)
def test_report_disagreeing_with_the_summary_warns(
    mfa: bool, keys: bool, report_row: RootCredentialRow
) -> None:
    check = judge_credential_report(state(mfa=mfa, keys=keys, row=report_row))
    assert check.status == WARN
    assert "at most every 4 hours" in check.detail
    assert report_row.generated_at in check.detail


def test_report_without_a_root_row_warns() -> None:
    check = judge_credential_report(state(mfa=True, keys=False, row=None))
    assert check.status == WARN
    assert "no root line" in check.detail


def test_a_stale_report_does_not_fail_the_step() -> None:
    verification = verify_secure_root(state(mfa=True, keys=False, row=row(mfa=False, key_1=True)))
    assert verification.passed
    assert check_statuses(verification)["iam_credential_report_root_row"] == WARN


def test_acting_as_root_warns() -> None:
    verification = verify_secure_root(
        state(mfa=True, keys=False, row=row(mfa=True, key_1=False), caller=ROOT_CALLER)
    )
    assert check_statuses(verification)["iam_avoid_root_usage"] == WARN
    assert verification.passed  # a warning, not a failure
    detail = next(
        check.detail for check in verification.checks if check.check_id == "iam_avoid_root_usage"
    )
    assert "acting as ROOT" in detail


def test_not_acting_as_root_passes_and_names_the_caller() -> None:
    verification = verify_secure_root(state(mfa=True, keys=False, row=row(mfa=True, key_1=False)))
    [check] = [check for check in verification.checks if check.check_id == "iam_avoid_root_usage"]
    assert check.status == PASS
    assert SANDBOX_CALLER.arn in check.detail
    assert check.resource == f"sts_caller_identity.{SANDBOX_CALLER.arn}"


@pytest.mark.parametrize(
    ("mfa", "keys", "operations"),
    [
        (False, True, ["enable-root-mfa", "delete-root-access-keys"]),
        (True, True, ["delete-root-access-keys"]),
        (False, False, ["enable-root-mfa"]),
        (True, False, []),
    ],
)
def test_plan_from_hand_built_state(mfa: bool, keys: bool, operations: list[str]) -> None:
    plan = plan_secure_root(state(mfa=mfa, keys=keys, row=None))
    assert [change.operation for change in plan.changes] == operations
    assert all(change.is_console for change in plan.changes)


def test_key_names_come_from_the_report_and_the_summary_decides() -> None:
    both = state(mfa=True, keys=True, row=row(mfa=True, key_1=True, key_2=True))
    assert plan_secure_root(both).changes[0].before == ["access_key_1", "access_key_2"]
    stale = state(mfa=True, keys=True, row=row(mfa=True, key_1=False))  # keys made since the report
    assert plan_secure_root(stale).changes[0].before == ["present"]
    assert check_statuses(verify_secure_root(stale))["iam_no_root_access_key"] == FAIL


def test_fetch_waits_on_the_clock_it_is_given(ctx: AwsContext) -> None:
    now = [0.0]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    iam = ctx.client("iam")
    with Stubber(iam) as stub:
        stub.add_client_error("get_credential_report", "ReportNotPresent", "none yet", 410)
        stub.add_response("generate_credential_report", {"State": "STARTED"})
        for _ in range(3):
            stub.add_client_error("get_credential_report", "ReportInProgress", "working", 404)
        stub.add_response("get_credential_report", REPORT_ANSWER)
        fetch_credential_report(iam, wait_seconds=30, sleep=sleep, clock=lambda: now[0])
        stub.assert_no_pending_responses()
    assert naps == [1, 1, 1]
