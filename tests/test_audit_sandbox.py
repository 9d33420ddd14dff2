"""The audit against the sandbox: both verdicts of every check, from a brand-new account (root,
identity and budget checks fail) to one the runbook has secured (every check PASS or ACCEPTED),
and what breaks each check again when done by hand."""

from __future__ import annotations

import datetime

from runbook_built import ACCOUNT, HARDENING, developer_spec, give_access, secure_the_account
from runbook_lib.audit.judge import AuditDesign
from runbook_lib.aws import AwsContext
from runbook_lib.catalogue import ADMINISTRATOR_ACCESS_ARN
from runbook_lib.checks import ACCEPTED, FAIL, MANUAL, PASS
from runbook_lib.ledger import Ledger
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access, audit_account
from runbook_lib.steps.identity_center import require_instance

LATER = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=100)


def audit(ctx: AwsContext, design: AuditDesign | None = None, **options: object) -> dict[str, set[str]]:
    """Return each check id's statuses (a check has a row per resource)."""
    _, checks = audit_account.audit_account(ctx, ACCOUNT, design or AuditDesign(), **options)  # type: ignore[arg-type]
    found: dict[str, set[str]] = {}
    for check in checks:
        found.setdefault(check.check_id, set()).add(check.status)
    return found


def test_a_brand_new_sandbox_fails_the_root_identity_and_budget_checks(ctx: AwsContext) -> None:
    found = audit(ctx)
    for check_id in ("iam_root_mfa_enabled", "iam_no_root_access_key", "organizations_account_is_management",
                     "sso_instance_active", "sso_admin_principal_assigned", "sso_developer_permission_set_no_admin_policy",
                     "budgets_budget_email_alerts_configured", "ce_anomaly_subscription_email_configured",
                     "account_security_contact_information_is_registered"):
        assert found[check_id] == {FAIL}, check_id
    # Never used since the sandbox's root was made (2026-01-01); the day after it, "recently".
    assert found["iam_avoid_root_usage"] == {PASS}
    just_after = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    assert audit(ctx, now=just_after)["iam_avoid_root_usage"] == {FAIL}
    assert found["organizations_management_account_no_workloads"] == {PASS}  # it manages no organization
    assert found["iam_aws_attached_policy_no_administrative_privileges"] == {PASS}


def test_after_the_runbook_every_check_passes_or_is_accepted(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    found = audit(ctx)
    assert set().union(*found.values()) == {PASS, ACCEPTED}, found
    assert found["iam_aws_attached_policy_no_administrative_privileges"] == {ACCEPTED}
    assert found["organizations_management_account_no_workloads"] == {ACCEPTED}


def test_what_is_done_by_hand_beside_the_runbook_fails_its_check(sandbox: SandboxClient, ctx: AwsContext) -> None:
    secure_the_account(sandbox, ctx)
    iam = ctx.client("iam")
    iam.create_user(UserName="bob")
    iam.create_login_profile(UserName="bob", Password="Sup3r-secret-passw0rd!")
    iam.create_access_key(UserName="bob")
    iam.create_role(RoleName="deploy", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    iam.attach_role_policy(RoleName="deploy", PolicyArn=ADMINISTRATOR_ACCESS_ARN)
    found = audit(ctx)
    assert found["iam_user_mfa_enabled_console_access"] == {FAIL}
    assert found["iam_aws_attached_policy_no_administrative_privileges"] == {ACCEPTED, FAIL}
    assert found["iam_rotate_access_key_90_days"] == {PASS}
    assert audit(ctx, now=LATER)["iam_rotate_access_key_90_days"] == {FAIL}  # the same key, 100 days on
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert audit(ctx)["iam_user_mfa_enabled_console_access"] == {PASS}


def test_a_developer_given_administrator_access_fails_and_no_developer_is_manual(sandbox: SandboxClient, ctx: AwsContext) -> None:
    sandbox.play_console_step("enable-root-mfa")
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    assert audit(ctx)["organizations_management_account_no_workloads"] == {MANUAL}
    give_access(ctx, developer_spec())
    instance = require_instance(ctx)
    arn = access.find_permission_set(ctx, instance.instance_arn, "DeveloperAccess")
    ctx.client("sso-admin").attach_managed_policy_to_permission_set(
        InstanceArn=instance.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=ADMINISTRATOR_ACCESS_ARN)
    found = audit(ctx)
    assert found["sso_developer_permission_set_no_admin_policy"] == {FAIL}
    assert FAIL in found["iam_aws_attached_policy_no_administrative_privileges"]
    assert found["sso_admin_principal_assigned"] == {PASS}  # the developer is one now: the check says who


def test_the_hardening_chosen_fails_until_step_07_applies_it(sandbox: SandboxClient, ctx: AwsContext) -> None:
    chosen = AuditDesign(hardening_chosen=frozenset({"cloudtrail", "s3_block_public_access", "ebs_encryption_by_default",
                                                     "access_analyzer"}))
    before = audit(ctx, chosen)
    for check_id in ("cloudtrail_multi_region_enabled", "cloudtrail_log_file_validation_enabled",
                     "s3_account_level_public_access_blocks", "ec2_ebs_default_encryption", "accessanalyzer_analyzer_enabled"):
        assert before[check_id] == {FAIL}, check_id
    secure_the_account(sandbox, ctx, **HARDENING)
    design = audit_account.build_design(Ledger.load(ACCOUNT, sandbox=True), admin_permission_set="AdministratorAccess",
                                        developer_permission_set="DeveloperAccess", hardening=[])
    assert design.hardening_chosen == chosen.hardening_chosen  # from the ledger
    after = audit(ctx, design)
    assert set().union(*after.values()) == {PASS, ACCEPTED}, after
    assert after["s3_bucket_policy_cloudtrail_only"] == {PASS}
