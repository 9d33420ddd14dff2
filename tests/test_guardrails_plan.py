"""Tests for step 07's planning (pure): a new account, drift, what is left alone, conflicts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from runbook_lib.audit.facts import (
    AnalyzerFacts,
    AnomalyMonitorFacts,
    AnomalySubscriptionFacts,
    BucketFacts,
    BudgetFacts,
    BudgetNotificationFacts,
    ContactFacts,
    CostFacts,
    HardeningFacts,
    TrailFacts,
)
from runbook_lib.audit.judge_guardrails import is_cloudtrail_only_policy
from runbook_lib.aws import sandbox_context
from runbook_lib.errors import RunbookError
from runbook_lib.ledger import Ledger
from runbook_lib.plan import CONFLICT, CREATE, NO_OP, REPLACE, UPDATE
from runbook_lib.steps.guardrails import GuardrailsState, build_guardrails_spec, plan_guardrails
from runbook_lib.steps.guardrails.apply import APPLIERS, GuardrailsApplyTarget, trail_bucket_policy

ACCOUNT = "123456789012"
FIELDS = dict(
    account_id=ACCOUNT, budget_name="monthly-cost", budget_limit_usd=20, budget_alerts=["ACTUAL>80", "FORECASTED>100"],
    alert_emails=["ada@example.com"], alert_sns_topic_arn="", anomaly_monitor_name="runbook-aws-services",
    anomaly_subscription_name="runbook-daily-anomalies", anomaly_threshold_usd=10, security_contact_name="Ada",
    security_contact_title="Owner", security_contact_email="ada@example.com", security_contact_phone="+1 555 0100",
)
SPEC = build_guardrails_spec(**FIELDS)
HARDENED = build_guardrails_spec(
    **FIELDS, cloudtrail=True, trail_name="runbook-trail", s3_block_public_access=True, ebs_encryption_by_default=True,
    access_analyzer=True, analyzer_name="runbook-external-access",
)
NEW = GuardrailsState(ACCOUNT, "us-east-1", CostFacts(), HardeningFacts())
NEW_HARDENED = dataclasses.replace(NEW, hardening=HardeningFacts(
    trails=(), trail_buckets=(), public_access_block={}, ebs_encryption={"us-east-1": False, "eu-west-1": True}, analyzers=()))
MONITOR = AnomalyMonitorFacts("arn:aws:ce::123456789012:anomalymonitor/m", "runbook-aws-services", "DIMENSIONAL", "SERVICE")
EXPRESSION = SPEC.anomaly.threshold_expression()


def done_state() -> GuardrailsState:
    """Return the state once step 07 (without hardening) is applied."""
    budget = BudgetFacts("monthly-cost", "COST", "MONTHLY", "20", "USD", (
        BudgetNotificationFacts("ACTUAL", "GREATER_THAN", "80", "PERCENTAGE", ("ada@example.com",)),
        BudgetNotificationFacts("FORECASTED", "GREATER_THAN", "100", "PERCENTAGE", ("ada@example.com",)),
    ))
    subscription = AnomalySubscriptionFacts("arn:sub", "runbook-daily-anomalies", (MONITOR.arn,), "DAILY",
                                            ("ada@example.com",), (), EXPRESSION)
    contact = ContactFacts("Ada", "Owner", "ada@example.com", "+1 555 0100")
    return dataclasses.replace(NEW, costs=CostFacts((budget,), (MONITOR,), (subscription,), contact))


def test_a_new_account_plans_the_budget_the_monitor_the_subscription_and_the_contact() -> None:
    plan = plan_guardrails(NEW, SPEC)
    assert [(change.action, change.address, change.operation) for change in plan.changes] == [
        (CREATE, "budgets_budget.monthly-cost", "create_budget"),
        (CREATE, "ce_anomaly_monitor.runbook-aws-services", "create_anomaly_monitor"),
        (CREATE, "ce_anomaly_subscription.runbook-daily-anomalies", "create_anomaly_subscription"),
        (CREATE, "account_alternate_contact.SECURITY", "put_security_contact"),
    ]
    assert all("Free" in change.detail for change in plan.changes)


def test_once_applied_the_plan_is_empty() -> None:
    assert plan_guardrails(done_state(), SPEC).is_empty


def test_drift_of_the_limit_and_of_an_alerts_addresses_is_planned_and_an_extra_alert_is_left() -> None:
    state = done_state()
    budget = state.costs.budgets[0]
    drifted = dataclasses.replace(budget, limit_amount="10", notifications=(
        dataclasses.replace(budget.notifications[0], emails=("old@example.com",)),
        budget.notifications[1],
        BudgetNotificationFacts("ACTUAL", "GREATER_THAN", "50", "PERCENTAGE", ("me@example.com",)),
    ))
    plan = plan_guardrails(dataclasses.replace(state, costs=dataclasses.replace(state.costs, budgets=(drifted,))), SPEC)
    assert [(change.action, change.address, change.before, change.after) for change in plan.changes] == [
        (UPDATE, "budgets_budget.monthly-cost", "10 USD", "20 USD"),
        (REPLACE, "budgets_notification.monthly-cost[ACTUAL>80]",
         {"emails": ["old@example.com"], "sns_topics": []}, {"emails": ["ada@example.com"], "sns_topics": []}),
        (NO_OP, "budgets_notification.monthly-cost[ACTUAL>50]", None, None),
    ]


def test_a_missing_alert_is_added_and_ten_is_the_most_a_budget_holds() -> None:
    state = done_state()
    budget = state.costs.budgets[0]
    one_left = dataclasses.replace(budget, notifications=budget.notifications[:1])
    plan = plan_guardrails(dataclasses.replace(state, costs=dataclasses.replace(state.costs, budgets=(one_left,))), SPEC)
    assert [(change.action, change.address) for change in plan.changes] == [
        (CREATE, "budgets_notification.monthly-cost[FORECASTED>100]")]
    extras = tuple(BudgetNotificationFacts("ACTUAL", "GREATER_THAN", str(n), "PERCENTAGE", ("x@example.com",)) for n in range(1, 10))
    full = dataclasses.replace(budget, notifications=budget.notifications[:1] + extras)
    with pytest.raises(RunbookError, match="limit of 10 per budget"):
        plan_guardrails(dataclasses.replace(state, costs=dataclasses.replace(state.costs, budgets=(full,))), SPEC)


def test_a_budget_of_that_name_that_is_not_a_monthly_cost_budget_is_a_conflict() -> None:
    usage = BudgetFacts("monthly-cost", "USAGE", "DAILY", "5", "GB")
    plan = plan_guardrails(dataclasses.replace(NEW, costs=CostFacts(budgets=(usage,))), SPEC)
    assert plan.changes[0].action == CONFLICT and "budget_name" in plan.changes[0].detail


def test_an_existing_services_monitor_of_another_name_is_used_not_duplicated() -> None:
    default = dataclasses.replace(MONITOR, name="Default-Services-Monitor")
    plan = plan_guardrails(dataclasses.replace(NEW, costs=CostFacts(monitors=(default,))), SPEC)
    actions = {change.address: change.action for change in plan.changes}
    assert actions["ce_anomaly_monitor.Default-Services-Monitor"] == NO_OP
    assert "ce_anomaly_monitor.runbook-aws-services" not in actions


def test_a_monitor_of_the_name_that_watches_something_else_is_a_conflict() -> None:
    custom = dataclasses.replace(MONITOR, monitor_type="CUSTOM", dimension="")
    plan = plan_guardrails(dataclasses.replace(NEW, costs=CostFacts(monitors=(custom,))), SPEC)
    conflict = next(change for change in plan.changes if change.address.startswith("ce_anomaly_monitor"))
    assert conflict.action == CONFLICT


def test_subscription_drift_and_contact_drift_are_updates() -> None:
    state = done_state()
    subscription = dataclasses.replace(state.costs.subscriptions[0], frequency="WEEKLY", threshold_expression=None)
    contact = dataclasses.replace(state.costs.security_contact, phone="+1 555 0199")
    costs = dataclasses.replace(state.costs, subscriptions=(subscription,), security_contact=contact)
    plan = plan_guardrails(dataclasses.replace(state, costs=costs), SPEC)
    assert [(change.action, change.operation) for change in plan.changes] == [
        (UPDATE, "update_anomaly_subscription"), (UPDATE, "put_security_contact")]
    assert plan.changes[0].before["frequency"] == "WEEKLY" and plan.changes[0].after["impact_at_least_usd"] == "10"


def test_chosen_hardening_on_a_new_account_is_planned_item_by_item_with_its_cost() -> None:
    plan = plan_guardrails(dataclasses.replace(NEW_HARDENED, costs=done_state().costs), HARDENED)
    assert [(change.action, change.address) for change in plan.changes] == [
        (CREATE, "s3_bucket.runbook-cloudtrail-123456789012"),
        (CREATE, "cloudtrail_trail.runbook-trail"),
        (UPDATE, "s3_account_public_access_block.123456789012"),
        (UPDATE, "ec2_ebs_encryption_by_default.us-east-1"),
        (CREATE, "accessanalyzer_analyzer.runbook-external-access"),
    ]
    details = " ".join(change.detail for change in plan.changes)
    assert "cents a month" in details and "Free" in details


def hardened_state(**hardening: object) -> GuardrailsState:
    """Return the applied state with the hardening facts given."""
    return dataclasses.replace(NEW_HARDENED, costs=done_state().costs,
                               hardening=dataclasses.replace(NEW_HARDENED.hardening, **hardening))


def test_a_bucket_of_the_name_not_made_by_the_runbook_is_a_conflict_and_its_policy_untouched() -> None:
    theirs = BucketFacts("runbook-cloudtrail-123456789012", True, policy='{"Statement": []}')
    plan = plan_guardrails(hardened_state(trail_buckets=(theirs,)), HARDENED)
    bucket = next(change for change in plan.changes if change.address.startswith("s3_bucket"))
    assert bucket.action == CONFLICT and "trail_bucket_name" in bucket.detail
    assert not any(change.address.startswith("cloudtrail_trail") for change in plan.changes)


def test_the_runbooks_bucket_with_another_policy_gets_its_policy_back_and_a_stopped_trail_restarts() -> None:
    ours = BucketFacts("runbook-cloudtrail-123456789012", True, policy="", tags={"managed-by": "aws-guided-runbook"})
    trail = TrailFacts("runbook-trail", "arn:trail", "us-east-1", ours.name, True, True, is_logging=False)
    plan = plan_guardrails(hardened_state(trail_buckets=(ours,), trails=(trail,)), HARDENED)
    by_address = {change.address: change for change in plan.changes}
    assert by_address["s3_bucket.runbook-cloudtrail-123456789012"].operation == "put_trail_bucket_policy"
    assert by_address["cloudtrail_trail.runbook-trail"].before["logging"] is False


def test_an_existing_analyzer_is_enough() -> None:
    existing = AnalyzerFacts("mine", "arn:aa", "ACCOUNT", "ACTIVE", "us-east-1")
    plan = plan_guardrails(hardened_state(analyzers=(existing,)), HARDENED)
    assert next(change for change in plan.changes if change.address.startswith("accessanalyzer")).action == NO_OP


def test_every_operation_planned_has_an_applier() -> None:
    plans = [plan_guardrails(NEW, SPEC), plan_guardrails(dataclasses.replace(NEW_HARDENED, costs=done_state().costs), HARDENED)]
    assert {change.operation for plan in plans for change in plan.api_changes} <= set(APPLIERS)


def test_the_trail_bucket_policy_lets_only_cloudtrail_write_and_refuses_plain_http() -> None:
    target = GuardrailsApplyTarget(sandbox_context("http://127.0.0.1:1", "us-east-1"), ACCOUNT, HARDENED, NEW,
                                   Ledger(ACCOUNT, Path("unused")))
    policy = trail_bucket_policy(target, "runbook-cloudtrail-123456789012")
    assert is_cloudtrail_only_policy(policy)
    statements = json.loads(policy)["Statement"]
    assert statements[1]["Resource"] == "arn:aws:s3:::runbook-cloudtrail-123456789012/AWSLogs/123456789012/*"
    assert statements[1]["Condition"]["StringEquals"]["aws:SourceArn"] == "arn:aws:cloudtrail:us-east-1:123456789012:trail/runbook-trail"
    assert statements[2]["Effect"] == "Deny" and statements[2]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
