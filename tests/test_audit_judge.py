"""Tests for the audit's judges (pure): a PASS and a FAIL (and ACCEPTED or MANUAL where the check
has them) for every check, from facts written by hand; and the audit's addresses are the steps'."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest

from runbook_lib.audit.facts import (
    ADMINISTRATOR_ACCESS_ARN,
    AccessKeyFacts,
    AccountFacts,
    AnalyzerFacts,
    AnomalyMonitorFacts,
    AnomalySubscriptionFacts,
    BucketFacts,
    BudgetFacts,
    BudgetNotificationFacts,
    ContactFacts,
    CostFacts,
    HardeningFacts,
    IamUserFacts,
    IdentityCenterFacts,
    IdentityFacts,
    OrganizationFacts,
    PermissionSetFacts,
    PolicyHolderFacts,
    PrincipalFacts,
    RootFacts,
    TrailFacts,
)
from runbook_lib.audit.judge import (
    AuditDesign,
    grants_everything,
    judge_admin_access,
    judge_administrative_policies,
    judge_developer_access,
    judge_iam_users,
    judge_identity_center,
    judge_organization,
    judge_root,
    judge_workloads,
)
from runbook_lib.audit.judge_guardrails import (
    is_cloudtrail_only_policy,
    judge_access_analyzer,
    judge_anomaly_alerts,
    judge_budget_alerts,
    judge_ebs_encryption,
    judge_public_access_block,
    judge_security_contact,
    judge_trails,
)
from runbook_lib.audit.verdict import AuditFailedError, chosen_hardening, judge_account, require_no_serious_failure, serious_failures
from runbook_lib.checks import ACCEPTED, FAIL, MANUAL, PASS, REGISTRY

ACCOUNT = "123456789012"
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)
DESIGN = AuditDesign()
SECURE_ROOT = RootFacts(True, False, "2026-01-01T00:00:00+00:00", ("N/A", "N/A"))
ORGANIZATION = OrganizationFacts("o-abc", ACCOUNT, "ALL")
INSTANCE = IdentityCenterFacts("arn:aws:sso:::instance/ssoins-1", "d-1", "ACTIVE")
ADMIN_SET = PermissionSetFacts("AdministratorAccess", "arn:ps-admin", "Full administrator access; created by the runbook.",
                               frozenset({ADMINISTRATOR_ACCESS_ARN}), "", (PrincipalFacts("USER", "u-1", "Admin"),))
DEVELOPER_SET = PermissionSetFacts("DeveloperAccess", "arn:ps-dev", "", frozenset({"arn:aws:iam::aws:policy/AmazonS3FullAccess"}),
                                   "", (PrincipalFacts("GROUP", "g-1", "Developers", ("ada-developer",)),))
ADMIN_ROLE = PolicyHolderFacts("role", "AWSReservedSSO_AdministratorAccess_0123456789abcdef", "/aws-reserved/sso.amazonaws.com/")
SECURE = IdentityFacts(SECURE_ROOT, (), ORGANIZATION, INSTANCE, (ADMIN_SET, DEVELOPER_SET), (ADMIN_ROLE,))
NEW = IdentityFacts(RootFacts(False, True, "2026-12-01T11:00:00+00:00", ("N/A", "N/A")))


def statuses(checks: list) -> list[tuple[str, str]]:
    """Return ``(check id, status)`` per check."""
    return [(check.check_id, check.status) for check in checks]


# --- root, organization, Identity Center --------------------------------------------------------


def test_root_passes_when_locked_away_and_fails_when_new() -> None:
    assert statuses(judge_root(SECURE, ACCOUNT, now=NOW)) == [
        ("iam_root_mfa_enabled", PASS), ("iam_no_root_access_key", PASS), ("iam_avoid_root_usage", PASS)]
    assert statuses(judge_root(NEW, ACCOUNT, now=NOW)) == [
        ("iam_root_mfa_enabled", FAIL), ("iam_no_root_access_key", FAIL), ("iam_avoid_root_usage", FAIL)]


def test_root_used_by_its_access_key_recently_fails_and_no_report_row_is_manual() -> None:
    used_by_key = dataclasses.replace(SECURE, root=dataclasses.replace(SECURE_ROOT, access_keys_last_used=("2026-12-01T10:00:00+00:00", "N/A")))
    assert judge_root(used_by_key, ACCOUNT, now=NOW)[2].status == FAIL
    assert judge_root(used_by_key, ACCOUNT, now=NOW, recent_days=0)[2].status == PASS
    no_row = dataclasses.replace(SECURE, root=RootFacts(True, False, has_report_row=False))
    assert judge_root(no_row, ACCOUNT, now=NOW)[2].status == MANUAL


@pytest.mark.parametrize(("organization", "status", "words"), [
    (ORGANIZATION, PASS, "manages o-abc"),
    (None, FAIL, "no organization"),
    (OrganizationFacts("o-abc", "999999999999", "ALL"), FAIL, "member of o-abc"),
    (OrganizationFacts("o-abc", ACCOUNT, "CONSOLIDATED_BILLING"), FAIL, "only CONSOLIDATED_BILLING"),
])
def test_organization(organization: OrganizationFacts | None, status: str, words: str) -> None:
    (check,) = judge_organization(dataclasses.replace(SECURE, organization=organization), ACCOUNT)
    assert (check.check_id, check.status) == ("organizations_account_is_management", status) and words in check.detail


@pytest.mark.parametrize(("instance", "status"), [(INSTANCE, PASS), (None, FAIL),
                                                  (dataclasses.replace(INSTANCE, status="CREATE_IN_PROGRESS"), FAIL)])
def test_identity_center(instance: IdentityCenterFacts | None, status: str) -> None:
    assert statuses(judge_identity_center(dataclasses.replace(SECURE, identity_center=instance), "us-east-1")) == [
        ("sso_instance_active", status)]


# --- the people and what they hold ---------------------------------------------------------------


def test_an_admin_held_through_identity_center_passes_and_none_fails() -> None:
    assert statuses(judge_admin_access(SECURE, ACCOUNT, DESIGN)) == [("sso_admin_principal_assigned", PASS)]
    unassigned = dataclasses.replace(ADMIN_SET, principals=())
    for sets in [(), (unassigned,)]:
        (check,) = judge_admin_access(dataclasses.replace(SECURE, permission_sets=sets), ACCOUNT, DESIGN)
        assert check.status == FAIL and check.resource == "sso_permission_set.AdministratorAccess"


@pytest.mark.parametrize(("changed", "status"), [
    ({}, PASS),
    ({"managed_policy_arns": frozenset({ADMINISTRATOR_ACCESS_ARN})}, FAIL),
    ({"managed_policy_arns": frozenset({"arn:aws:iam::aws:policy/IAMFullAccess"})}, FAIL),
    ({"inline_policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})}, FAIL),
    ({"inline_policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})}, PASS),
    ({"customer_managed_policies": ("/MyPolicy",)}, MANUAL),
])
def test_the_developers_permission_set_grants_no_administrator_rights(changed: dict, status: str) -> None:
    identity = dataclasses.replace(SECURE, permission_sets=(ADMIN_SET, dataclasses.replace(DEVELOPER_SET, **changed)))
    assert statuses(judge_developer_access(identity, DESIGN)) == [("sso_developer_permission_set_no_admin_policy", status)]


def test_no_developer_permission_set_fails() -> None:
    assert judge_developer_access(NEW, DESIGN)[0].status == FAIL


def test_inline_policies_that_grant_everything_are_spotted() -> None:
    assert grants_everything('{"Statement": {"Effect": "Allow", "Action": ["iam:*"], "Resource": ["*"]}}')
    assert not grants_everything('{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}')
    assert not grants_everything("not json")


def test_administrator_access_is_accepted_on_the_admins_set_and_role_and_fails_elsewhere() -> None:
    assert statuses(judge_administrative_policies(SECURE, ACCOUNT, DESIGN)) == [
        ("iam_aws_attached_policy_no_administrative_privileges", ACCEPTED)] * 2
    other_set = dataclasses.replace(ADMIN_SET, name="BreakGlass")
    other_role = PolicyHolderFacts("role", "deploy-role", "/")
    named_like_it = PolicyHolderFacts("role", "AWSReservedSSO_AdministratorAccess_0123456789abcdef", "/")  # not reserved path
    identity = dataclasses.replace(SECURE, permission_sets=(ADMIN_SET, other_set),
                                   admin_policy_holders=(ADMIN_ROLE, other_role, named_like_it, PolicyHolderFacts("user", "bob")))
    found = {(check.resource, check.status) for check in judge_administrative_policies(identity, ACCOUNT, DESIGN)}
    assert found == {("sso_permission_set.AdministratorAccess", ACCEPTED), ("sso_permission_set.BreakGlass", FAIL),
                     (f"iam_role.{ADMIN_ROLE.name}", ACCEPTED), (f"iam_role.{ADMIN_ROLE.name}", FAIL),  # the look-alike
                     ("iam_role.deploy-role", FAIL), ("iam_user.bob", FAIL)}
    assert statuses(judge_administrative_policies(NEW, ACCOUNT, DESIGN)) == [
        ("iam_aws_attached_policy_no_administrative_privileges", PASS)]


def test_iam_users_with_a_password_need_mfa_and_keys_are_rotated_within_90_days() -> None:
    fresh, old = AccessKeyFacts(True, "2026-11-01T00:00:00+00:00"), AccessKeyFacts(True, "2026-06-01T00:00:00+00:00")
    users = (IamUserFacts("alice", True, True, (fresh,)), IamUserFacts("bob", True, False, (old,)), IamUserFacts("ci", False, False))
    found = {(check.check_id, check.resource): check.status for check in judge_iam_users(
        dataclasses.replace(SECURE, users=users), ACCOUNT, now=NOW)}
    assert found == {
        ("iam_user_mfa_enabled_console_access", "iam_user.alice"): PASS,
        ("iam_user_mfa_enabled_console_access", "iam_user.bob"): FAIL,
        ("iam_rotate_access_key_90_days", "iam_user.alice"): PASS,
        ("iam_rotate_access_key_90_days", "iam_user.bob"): FAIL,
    }
    assert statuses(judge_iam_users(SECURE, ACCOUNT, now=NOW)) == [
        ("iam_user_mfa_enabled_console_access", PASS), ("iam_rotate_access_key_90_days", PASS)]


def test_the_management_account_running_the_runbooks_developer_is_accepted_else_manual_or_pass() -> None:
    assert statuses(judge_workloads(SECURE, ACCOUNT, DESIGN)) == [("organizations_management_account_no_workloads", ACCEPTED)]
    assert "member account" in judge_workloads(SECURE, ACCOUNT, DESIGN)[0].detail
    no_developer = dataclasses.replace(SECURE, permission_sets=(ADMIN_SET,))
    assert judge_workloads(no_developer, ACCOUNT, DESIGN)[0].status == MANUAL
    assert judge_workloads(NEW, ACCOUNT, DESIGN)[0].status == PASS


# --- the bill and the contact ----------------------------------------------------------------------


ALERT = BudgetNotificationFacts("ACTUAL", "GREATER_THAN", "80", "PERCENTAGE", ("ada@example.com",))
BUDGET = BudgetFacts("monthly-cost", "COST", "MONTHLY", "20", "USD", (ALERT,))
MONITOR = AnomalyMonitorFacts("arn:m", "services", "DIMENSIONAL", "SERVICE")
SUBSCRIPTION = AnomalySubscriptionFacts("arn:s", "daily", ("arn:m",), "DAILY", ("ada@example.com",))
CONTACT = ContactFacts("Ada", "Owner", "ada@example.com", "+1 555 0100")


@pytest.mark.parametrize(("budgets", "status"), [
    ((BUDGET,), PASS), ((), FAIL),
    ((dataclasses.replace(BUDGET, notifications=(dataclasses.replace(ALERT, emails=(), sns_topics=("arn:t",)),)),), FAIL),
    ((dataclasses.replace(BUDGET, budget_type="USAGE"),), FAIL),
])
def test_budget_alerts(budgets: tuple, status: str) -> None:
    assert statuses(judge_budget_alerts(CostFacts(budgets=budgets), ACCOUNT)) == [("budgets_budget_email_alerts_configured", status)]


@pytest.mark.parametrize(("monitors", "subscriptions", "status"), [
    ((MONITOR,), (SUBSCRIPTION,), PASS), ((), (), FAIL), ((MONITOR,), (), FAIL),
    ((), (SUBSCRIPTION,), FAIL),  # its monitor is gone
    ((MONITOR,), (dataclasses.replace(SUBSCRIPTION, frequency="IMMEDIATE", emails=(), sns_topics=("arn:t",)),), FAIL),
])
def test_anomaly_alerts(monitors: tuple, subscriptions: tuple, status: str) -> None:
    costs = CostFacts(monitors=monitors, subscriptions=subscriptions)
    assert statuses(judge_anomaly_alerts(costs, ACCOUNT)) == [("ce_anomaly_subscription_email_configured", status)]


@pytest.mark.parametrize(("contact", "status"), [(CONTACT, PASS), (None, FAIL)])
def test_security_contact(contact: ContactFacts | None, status: str) -> None:
    assert statuses(judge_security_contact(CostFacts(security_contact=contact))) == [
        ("account_security_contact_information_is_registered", status)]


# --- hardening --------------------------------------------------------------------------------------


CLOUDTRAIL_ONLY = json.dumps({"Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"},
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
]})
TRAIL = TrailFacts("trail", "arn:t", "us-east-1", "logs", True, True, True)
BUCKET = BucketFacts("logs", True, policy=CLOUDTRAIL_ONLY)


def test_a_bucket_policy_is_cloudtrail_only_when_every_allow_names_cloudtrail_alone() -> None:
    assert is_cloudtrail_only_policy(CLOUDTRAIL_ONLY)
    anyone = json.loads(CLOUDTRAIL_ONLY)
    anyone["Statement"].append({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
    assert not is_cloudtrail_only_policy(json.dumps(anyone))
    assert not is_cloudtrail_only_policy("") and not is_cloudtrail_only_policy("{")
    acl_only = {"Statement": json.loads(CLOUDTRAIL_ONLY)["Statement"][:1]}
    assert not is_cloudtrail_only_policy(json.dumps(acl_only))  # CloudTrail cannot write


def test_trails_pass_multi_region_validating_and_logging_into_a_cloudtrail_only_bucket() -> None:
    assert [check.status for check in judge_trails((TRAIL,), (BUCKET,), ACCOUNT)] == [PASS, PASS, PASS]
    stopped = dataclasses.replace(TRAIL, multi_region=False, log_file_validation=False, is_logging=False)
    open_bucket = dataclasses.replace(BUCKET, policy="")
    assert [check.status for check in judge_trails((stopped,), (open_bucket,), ACCOUNT)] == [FAIL, FAIL, FAIL]
    assert [check.status for check in judge_trails((), (), ACCOUNT)] == [FAIL, FAIL]
    assert judge_trails((TRAIL,), (BUCKET,), ACCOUNT, trail_name="other")[0].detail == "No trail other."


def test_block_public_access_ebs_encryption_and_access_analyzer() -> None:
    all_on = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    assert judge_public_access_block(all_on, ACCOUNT)[0].status == PASS
    assert judge_public_access_block({**all_on, "BlockPublicPolicy": False}, ACCOUNT)[0].status == FAIL
    assert judge_public_access_block({}, ACCOUNT)[0].status == FAIL
    assert statuses(judge_ebs_encryption({"us-east-1": True, "eu-west-1": False})) == [
        ("ec2_ebs_default_encryption", FAIL), ("ec2_ebs_default_encryption", PASS)]
    analyzer = AnalyzerFacts("a", "arn:a", "ACCOUNT", "ACTIVE", "us-east-1")
    assert judge_access_analyzer(HardeningFacts(analyzers=(analyzer,)), "us-east-1")[0].status == PASS
    unused = dataclasses.replace(analyzer, analyzer_type="ACCOUNT_UNUSED_ACCESS")
    assert judge_access_analyzer(HardeningFacts(analyzers=(unused,)), "us-east-1")[0].status == FAIL
    assert judge_access_analyzer(HardeningFacts(analyzers=()), "us-east-1")[0].status == FAIL


# --- the whole verdict ----------------------------------------------------------------------------------


def facts(identity: IdentityFacts, costs: CostFacts, hardening: HardeningFacts | None = None) -> AccountFacts:
    """Return an account's facts."""
    return AccountFacts(ACCOUNT, "us-east-1", NOW.isoformat(), identity, costs, hardening or HardeningFacts())


SECURE_COSTS = CostFacts((BUDGET,), (MONITOR,), (SUBSCRIPTION,), CONTACT)


def test_a_secured_account_passes_or_is_accepted_and_a_new_one_fails_its_serious_checks() -> None:
    secured = judge_account(facts(SECURE, SECURE_COSTS), DESIGN, now=NOW)
    assert {check.status for check in secured} == {PASS, ACCEPTED}
    assert serious_failures(secured) == []
    require_no_serious_failure(secured, [])
    new = judge_account(facts(NEW, CostFacts()), DESIGN, now=NOW)
    serious = {check.check_id for check in serious_failures(new)}
    assert serious == {"iam_root_mfa_enabled", "iam_no_root_access_key", "iam_avoid_root_usage",
                       "organizations_account_is_management", "sso_instance_active", "sso_admin_principal_assigned",
                       "sso_developer_permission_set_no_admin_policy", "budgets_budget_email_alerts_configured"}
    with pytest.raises(AuditFailedError) as failed:
        require_no_serious_failure(new, ["/tmp/audit-report.html"])
    assert len(failed.value.failed) == 8 and "The report: /tmp/audit-report.html" in str(failed.value)


def test_only_the_hardening_chosen_is_judged_and_the_ledger_says_what_was_chosen() -> None:
    hardening = HardeningFacts(trails=(TRAIL,), trail_buckets=(BUCKET,), public_access_block={}, ebs_encryption={"us-east-1": False},
                               analyzers=())
    unchosen = judge_account(facts(SECURE, SECURE_COSTS, hardening), DESIGN, now=NOW)
    assert not any(check.check_id.startswith(("cloudtrail", "s3_", "ec2_", "accessanalyzer")) for check in unchosen)
    chosen = chosen_hardening({"cloudtrail_trail.trail", "ec2_ebs_encryption_by_default.us-east-1", "budgets_budget.b"})
    assert chosen == {"cloudtrail", "ebs_encryption_by_default"}
    assert chosen_hardening({"cloudtrail_trail.trail"}, ["access_analyzer"]) == {"access_analyzer"}
    judged = judge_account(facts(SECURE, SECURE_COSTS, hardening), dataclasses.replace(DESIGN, hardening_chosen=chosen), now=NOW)
    assert {(check.check_id, check.status) for check in judged if check.check_id.startswith(("cloudtrail", "ec2_"))} == {
        ("cloudtrail_multi_region_enabled", PASS), ("cloudtrail_log_file_validation_enabled", PASS),
        ("ec2_ebs_default_encryption", FAIL)}


def test_every_check_the_audit_emits_is_registered() -> None:
    emitted = {check.check_id for check in judge_account(facts(NEW, CostFacts()), DESIGN, now=NOW)}
    emitted |= {check.check_id for check in judge_account(facts(SECURE, SECURE_COSTS), DESIGN, now=NOW)}
    assert emitted <= set(REGISTRY)


