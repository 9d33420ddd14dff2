"""Step 07 against the sandbox: apply, verify, tags and the ledger, a second plan of nothing, drift."""

from __future__ import annotations

from runbook_lib.audit.clients import global_client
from runbook_lib.aws import AwsContext
from runbook_lib.checks import FAIL, PASS, WARN
from runbook_lib.ledger import RESOURCE, SETTING, Ledger, ledger_file
from runbook_lib.plan import UPDATE
from runbook_lib.steps import guardrails
from runbook_lib.steps.guardrails.specs import GuardrailsSpec

ACCOUNT = "123456789012"
FIELDS = dict(
    account_id=ACCOUNT, budget_name="monthly-cost", budget_limit_usd=20,
    budget_alerts=["ACTUAL>80", "ACTUAL>100", "FORECASTED>100"], alert_emails=[], alert_sns_topic_arn="",
    anomaly_monitor_name="runbook-aws-services", anomaly_subscription_name="runbook-daily-anomalies",
    anomaly_threshold_usd=10, security_contact_name="Ada", security_contact_title="Account owner",
    security_contact_email="ada@example.com", security_contact_phone="+1 555 0100",
)
RUNBOOK_TAG = {"Key": "managed-by", "Value": "aws-guided-runbook"}


def apply_spec(ctx: AwsContext, spec: GuardrailsSpec) -> tuple[Ledger, list[str]]:
    """Read, plan and apply ``spec`` in the sandbox; return the ledger and what was done."""
    ledger = Ledger.load(ACCOUNT, sandbox=True)
    state = guardrails.read_guardrails_state(ctx, ACCOUNT, spec, ledger)
    plan = guardrails.plan_guardrails(state, spec)
    return ledger, guardrails.apply_guardrails(ctx, plan, state, spec, ledger)


def verify(ctx: AwsContext, spec: GuardrailsSpec, confirmations: dict[str, bool] | None = None) -> dict[str, str]:
    """Return each check's status by its resource."""
    state = guardrails.read_guardrails_state(ctx, ACCOUNT, spec, Ledger.load(ACCOUNT, sandbox=True))
    verification = guardrails.verify_guardrails(state, spec, confirmations or {})
    return {f"{check.check_id}@{check.resource}": check.status for check in verification.checks}


def test_applied_guardrails_verify_and_a_second_plan_changes_nothing(ctx: AwsContext) -> None:
    spec = guardrails.build_guardrails_spec(**FIELDS)
    assert set(verify(ctx, spec).values()) == {FAIL, WARN}
    ledger, applied = apply_spec(ctx, spec)
    assert len(applied) == 4
    statuses = verify(ctx, spec, {"billing_access": True, "free_tier_alerts": True})
    assert set(statuses.values()) == {PASS}, statuses
    state = guardrails.read_guardrails_state(ctx, ACCOUNT, spec, ledger)
    assert guardrails.plan_guardrails(state, spec).is_empty
    kinds = {entry.address: entry.kind for entry in Ledger.load(ACCOUNT, sandbox=True).entries.values()}
    assert kinds == {
        "budgets_budget.monthly-cost": RESOURCE, "ce_anomaly_monitor.runbook-aws-services": RESOURCE,
        "ce_anomaly_subscription.runbook-daily-anomalies": RESOURCE, "account_alternate_contact.SECURITY": SETTING,
    }
    assert ledger_file(ACCOUNT, sandbox=True).stat().st_mode & 0o077 == 0


def test_what_the_runbook_creates_carries_its_tags(ctx: AwsContext) -> None:
    spec = guardrails.build_guardrails_spec(**FIELDS)
    ledger, _ = apply_spec(ctx, spec)
    budget_tags = global_client(ctx, "budgets").list_tags_for_resource(
        ResourceARN=f"arn:aws:budgets::{ACCOUNT}:budget/monthly-cost")["ResourceTags"]
    assert RUNBOOK_TAG in budget_tags
    for address in ("ce_anomaly_monitor.runbook-aws-services", "ce_anomaly_subscription.runbook-daily-anomalies"):
        arn = ledger.entries[address].resource_id
        assert RUNBOOK_TAG in global_client(ctx, "ce").list_tags_for_resource(ResourceArn=arn)["ResourceTags"]


def test_chosen_hardening_is_applied_tagged_and_judged_and_the_contact_omits_the_account_id(ctx: AwsContext) -> None:
    spec = guardrails.build_guardrails_spec(
        **FIELDS, cloudtrail=True, trail_name="runbook-trail", s3_block_public_access=True,
        ebs_encryption_by_default=True, access_analyzer=True, analyzer_name="runbook-external-access",
    )
    ledger, _ = apply_spec(ctx, spec)
    statuses = verify(ctx, spec, {"billing_access": True, "free_tier_alerts": True})
    assert set(statuses.values()) == {PASS}, {key: value for key, value in statuses.items() if value != PASS}
    assert "cloudtrail_multi_region_enabled@cloudtrail_trail.runbook-trail" in statuses
    assert "s3_bucket_policy_cloudtrail_only@s3_bucket.runbook-cloudtrail-123456789012" in statuses
    trail_arn = ledger.entries["cloudtrail_trail.runbook-trail"].resource_id
    tags = ctx.client("cloudtrail").list_tags(ResourceIdList=[trail_arn])["ResourceTagList"][0]["TagsList"]
    assert RUNBOOK_TAG in tags
    bucket_tags = ctx.client("s3").get_bucket_tagging(Bucket="runbook-cloudtrail-123456789012")["TagSet"]
    assert RUNBOOK_TAG in bucket_tags
    analyzer = ctx.client("accessanalyzer").get_analyzer(analyzerName="runbook-external-access")["analyzer"]
    assert analyzer["tags"]["managed-by"] == "aws-guided-runbook"
    assert ledger.entries["ec2_ebs_encryption_by_default.us-east-1"].detail == {"before": False}
    assert not any(region.startswith(("cn-", "us-gov-")) for region in
                   (entry.resource_id for entry in ledger.entries.values() if entry.address.startswith("ec2_ebs")))
    state = guardrails.read_guardrails_state(ctx, ACCOUNT, spec, ledger)
    assert guardrails.plan_guardrails(state, spec).is_empty


def test_a_limit_changed_by_hand_is_drift_brought_back(ctx: AwsContext) -> None:
    spec = guardrails.build_guardrails_spec(**FIELDS)
    ledger, _ = apply_spec(ctx, spec)
    global_client(ctx, "budgets").update_budget(AccountId=ACCOUNT, NewBudget={
        "BudgetName": "monthly-cost", "BudgetLimit": {"Amount": "500", "Unit": "USD"}, "TimeUnit": "MONTHLY", "BudgetType": "COST"})
    state = guardrails.read_guardrails_state(ctx, ACCOUNT, spec, ledger)
    plan = guardrails.plan_guardrails(state, spec)
    assert [(change.action, change.before, change.after) for change in plan.changes] == [(UPDATE, "500 USD", "20 USD")]
    guardrails.apply_guardrails(ctx, plan, state, spec, ledger)
    assert verify(ctx, spec)["budgets_budget_limit_matches@budgets_budget.monthly-cost"] == PASS
