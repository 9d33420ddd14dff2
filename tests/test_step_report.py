"""Tests for runbook_lib.step_run: the step report the run summary is made of (pure)."""

from __future__ import annotations

from runbook_lib.aws import AwsCall
from runbook_lib.checks import FAIL, Check, Verification
from runbook_lib.plan import Change, Plan
from runbook_lib.step_run import StepReport

ORG = Change(
    "create", "organizations_organization.123456789012", "Create an organization with all features.",
    "create_organization", after={"feature_set": "ALL"},
)


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
    report.record_verification(Verification("02", (Check("organizations_account_is_management", FAIL, ORG.address, "not yet"),)))
    assert report.planned == [ORG.to_json()]
    assert report.plan == Plan("02", (ORG,)).to_json()
    assert report.verification == [{
        "check_id": "organizations_account_is_management", "status": "FAIL", "resource": ORG.address, "detail": "not yet",
    }]
    assert report.verified is False


def test_step_report_describes_its_calls() -> None:
    report = StepReport(step="02_enable_identity_center")
    report.record_calls([AwsCall("sts", "GetCallerIdentity"), AwsCall("organizations", "CreateOrganization")])
    assert report.describe_calls() == "02_enable_identity_center: 1 read and 1 write AWS calls."


CONFLICT = Change(
    "conflict", "identitystore_user.Admin", "Exists with email 'someone@other.example', not 'ada@example.com'.",
    before="someone@other.example", after="ada@example.com",
)


def test_step_report_says_what_a_conflict_leaves_to_the_person() -> None:
    report = StepReport("03")
    report.record_plan(Plan("03", (CONFLICT, ORG)))
    assert report.needs_you == [f"identitystore_user.Admin: {CONFLICT.detail}"]
    assert report.conflicting_addresses == {"identitystore_user.Admin"}
    report.record_plan(Plan("03", (ORG,)))  # planned again once decided
    assert report.needs_you == [] and report.conflicting_addresses == set()
