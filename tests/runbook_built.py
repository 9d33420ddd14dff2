"""What the whole runbook builds in the sandbox, made through the library (steps 01 to 04 and 07),
for the tests of the audit and the teardown."""

from __future__ import annotations

from runbook_lib.aws import AwsContext
from runbook_lib.ledger import Ledger
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access, admin_user, developer_user, guardrails
from runbook_lib.steps.identity_center import require_instance

ACCOUNT = "123456789012"
GUARDRAIL_FIELDS = dict(
    account_id=ACCOUNT, budget_name="monthly-cost", budget_limit_usd=20,
    budget_alerts=["ACTUAL>80", "ACTUAL>100", "FORECASTED>100"], alert_emails=[], alert_sns_topic_arn="",
    anomaly_monitor_name="runbook-aws-services", anomaly_subscription_name="runbook-daily-anomalies",
    anomaly_threshold_usd=10, security_contact_name="Ada", security_contact_title="Account owner",
    security_contact_email="ada@example.com", security_contact_phone="+1 555 0100",
)
HARDENING = dict(cloudtrail=True, trail_name="runbook-trail", s3_block_public_access=True, ebs_encryption_by_default=True,
                 access_analyzer=True, analyzer_name="runbook-external-access")


def developer_spec() -> access.AccessSpec:
    """Return step 04's spec for ada-developer with S3 only."""
    spec, _ = developer_user.build_developer_spec(
        developer_name="ada", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
        services=["s3"], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name="")
    return spec


def admin_spec(*, user_name: str = "Admin", group_name: str = "") -> access.AccessSpec:
    """Return step 03's spec: the Admin (ada@example.com) with AdministratorAccess."""
    return admin_user.build_admin_spec(
        user_name=user_name, given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
        permission_set_name="AdministratorAccess", session_duration_hours=1, group_name=group_name)


def give_access(ctx: AwsContext, spec: access.AccessSpec) -> None:
    """Do what steps 03 and 04 do: the user, the permission set, its assignment."""
    instance = require_instance(ctx)
    state = access.read_access_state(ctx, instance, ACCOUNT, spec)
    access.apply_access(ctx, access.plan_access("test", state, spec), state, spec, sleep=lambda _: None)


def secure_the_account(sandbox: SandboxClient, ctx: AwsContext, **hardening: object) -> None:
    """Do what steps 01 to 04 and 07 do, through the library and the sandbox's console."""
    sandbox.play_console_step("enable-root-mfa")
    sandbox.play_console_step("delete-root-access-keys")
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    give_access(ctx, admin_spec())
    give_access(ctx, developer_spec())
    spec = guardrails.build_guardrails_spec(**GUARDRAIL_FIELDS, **hardening)  # type: ignore[arg-type]
    ledger = Ledger.load(ACCOUNT, sandbox=True)
    state = guardrails.read_guardrails_state(ctx, ACCOUNT, spec, ledger)
    guardrails.apply_guardrails(ctx, guardrails.plan_guardrails(state, spec), state, spec, ledger)
