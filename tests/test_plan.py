"""Tests for runbook_lib.plan: changes, plans, verifications and the step report (pure)."""

from __future__ import annotations

import dataclasses

import pytest

from runbook_lib.aws import AwsCall
from runbook_lib.plan import (
    ACTIONS,
    FAIL,
    PASS,
    WARN,
    Change,
    Check,
    Plan,
    StepReport,
    Verification,
)

ORG = Change(
    "create", "AWS Organization", "Create an organization with all features.", "create_organization"
)
ENABLE = Change(
    "console", "IAM Identity Center (us-east-1)", "Click 'Enable'.", "enable-identity-center"
)
MFA = Change("console", "root user MFA", "Assign an MFA device.", "enable-root-mfa")


# --- Change ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_change_accepts_every_known_action(action: str) -> None:
    assert Change(action, "thing", "details", "op").action == action


@pytest.mark.parametrize("action", ["", "Create", "apply", "remove", "console "])
def test_change_rejects_an_unknown_action(action: str) -> None:
    with pytest.raises(ValueError, match=f"not {action!r}"):
        Change(action, "thing", "details", "op")


def test_only_console_changes_are_console() -> None:
    assert ENABLE.is_console
    assert not ORG.is_console
    assert not Change("delete", "x", "y", "z").is_console


def test_change_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ORG.action = "delete"  # type: ignore[misc]


# --- Plan -----------------------------------------------------------------------------------


def test_plan_splits_api_and_console_changes_in_order() -> None:
    plan = Plan("02_enable_identity_center", (ENABLE, ORG, MFA))
    assert plan.api_changes == (ORG,)
    assert plan.console_changes == (ENABLE, MFA)
    assert not plan.is_empty


def test_empty_plan() -> None:
    plan = Plan("01_secure_root_user")
    assert plan.is_empty
    assert plan.api_changes == () and plan.console_changes == ()
    assert plan.describe() == "01_secure_root_user: no change needed."


def test_plan_to_frame_has_one_row_per_change() -> None:
    frame = Plan("02", (ORG, ENABLE)).to_frame()
    assert list(frame.columns) == ["action", "resource", "details"]
    assert frame.to_dict("records") == [
        {"action": "create", "resource": "AWS Organization", "details": ORG.details},
        {
            "action": "console",
            "resource": "IAM Identity Center (us-east-1)",
            "details": "Click 'Enable'.",
        },
    ]


def test_empty_plan_to_frame_keeps_the_columns() -> None:
    frame = Plan("02").to_frame()
    assert list(frame.columns) == ["action", "resource", "details"]
    assert len(frame) == 0


def test_plan_describe_has_one_line_per_change() -> None:
    lines = Plan("02", (ORG, ENABLE)).describe().splitlines()
    assert lines == [
        "create   AWS Organization: Create an organization with all features.",
        "console  IAM Identity Center (us-east-1): Click 'Enable'.",
    ]


# --- Verification ---------------------------------------------------------------------------


def test_verification_passes_when_nothing_failed_warnings_included() -> None:
    verification = Verification("01", (Check("a", PASS, "fine"), Check("b", WARN, "worth knowing")))
    assert verification.passed
    assert verification.failures == []


def test_verification_fails_and_lists_the_failed_sentences() -> None:
    verification = Verification(
        "01", (Check("a", FAIL, "no MFA"), Check("b", PASS, "fine"), Check("c", FAIL, "keys"))
    )
    assert not verification.passed
    assert verification.failures == ["no MFA", "keys"]


def test_verification_without_checks_passes() -> None:
    assert Verification("00", ()).passed


def test_verification_to_frame() -> None:
    frame = Verification("01", (Check("iam_root_mfa_enabled", FAIL, "no MFA"),)).to_frame()
    assert list(frame.columns) == ["check", "status", "detail"]
    assert frame.to_dict("records") == [
        {"check": "iam_root_mfa_enabled", "status": "FAIL", "detail": "no MFA"}
    ]


# --- StepReport -----------------------------------------------------------------------------


def test_step_report_records_calls_split_into_reads_and_writes() -> None:
    report = StepReport("02")
    report.record_calls(
        iter(
            [
                AwsCall("organizations", "DescribeOrganization"),
                AwsCall("organizations", "CreateOrganization"),
                AwsCall("iam", "GenerateCredentialReport"),
                AwsCall("sso-admin", "ListInstances"),
            ]
        )
    )
    assert report.calls == [
        "organizations:DescribeOrganization",
        "organizations:CreateOrganization",
        "iam:GenerateCredentialReport",
        "sso-admin:ListInstances",
    ]
    assert (report.read_calls, report.write_calls) == (3, 1)


def test_step_report_record_calls_replaces_the_previous_count() -> None:
    report = StepReport("02")
    report.record_calls([AwsCall("organizations", "CreateOrganization")])
    report.record_calls([])
    assert (report.calls, report.read_calls, report.write_calls) == ([], 0, 0)


def test_step_report_records_plan_and_verification() -> None:
    report = StepReport("02", target="sandbox")
    report.record_plan(Plan("02", (ORG,)))
    report.record_verification(Verification("02", (Check("x", FAIL, "not yet"),)))
    assert report.planned == [dataclasses.asdict(ORG)]
    assert report.verification == [{"check_id": "x", "status": "FAIL", "detail": "not yet"}]
    assert report.verified is False


def test_step_report_describes_its_calls() -> None:
    report = StepReport(step="02_enable_identity_center")
    report.record_calls([AwsCall("sts", "GetCallerIdentity"), AwsCall("organizations", "CreateOrganization")])
    assert report.describe_calls() == "02_enable_identity_center: 1 read and 1 write AWS calls."
