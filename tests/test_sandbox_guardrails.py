"""The sandbox answers what moto lacks for steps 07-99, with AWS's rules: anomaly detection, the
Free Tier API, Budgets' missing calls, IAM Access Analyzer, the alternate contact's own account id,
and the billing console switches; a reset forgets all of it."""

from __future__ import annotations

import botocore.exceptions
import pytest

from runbook_lib.audit.clients import global_client
from runbook_lib.aws import AwsContext
from runbook_lib.sandbox import SandboxClient

ACCOUNT = "123456789012"
SERVICES = {"MonitorName": "services", "MonitorType": "DIMENSIONAL", "MonitorDimension": "SERVICE"}
EXPRESSION = {"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "Values": ["10"], "MatchOptions": ["GREATER_THAN_OR_EQUAL"]}}
EMAIL = [{"Type": "EMAIL", "Address": "ada@example.com"}]
CONTACT = dict(AlternateContactType="SECURITY", Name="Ada", Title="Owner", EmailAddress="ada@example.com", PhoneNumber="+1 555 0100")


def error_of(call: object, **params: object) -> str:
    """Return the AWS error code ``call(**params)`` answers."""
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**params)  # type: ignore[operator]
    return refused.value.response["Error"]["Code"]


def test_the_alternate_contact_with_the_accounts_own_id_is_refused_as_aws_does(ctx: AwsContext) -> None:
    account = ctx.client("account")
    assert error_of(account.put_alternate_contact, AccountId=ACCOUNT, **CONTACT) == "AccessDeniedException"
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    with pytest.raises(botocore.exceptions.ClientError, match="standalone context from the management account"):
        account.put_alternate_contact(AccountId=ACCOUNT, **CONTACT)
    assert error_of(account.get_alternate_contact, AccountId=ACCOUNT, AlternateContactType="SECURITY") == "AccessDeniedException"
    account.put_alternate_contact(**CONTACT)  # without AccountId: the standalone context
    assert account.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]["Name"] == "Ada"


def test_anomaly_monitors_and_subscriptions_follow_aws_rules(ctx: AwsContext) -> None:
    ce = global_client(ctx, "ce")
    assert error_of(ce.create_anomaly_monitor, AnomalyMonitor={**SERVICES, "MonitorDimension": ""}) == "ValidationException"
    monitor = ce.create_anomaly_monitor(AnomalyMonitor=SERVICES)["MonitorArn"]
    assert monitor.startswith(f"arn:aws:ce::{ACCOUNT}:anomalymonitor/")
    subscription = {"SubscriptionName": "daily", "MonitorArnList": [monitor], "Subscribers": EMAIL,
                    "Frequency": "DAILY", "ThresholdExpression": EXPRESSION}
    assert error_of(ce.create_anomaly_subscription, AnomalySubscription={**subscription, "Frequency": "IMMEDIATE"}) == "ValidationException"
    assert error_of(ce.create_anomaly_subscription, AnomalySubscription={**subscription, "Threshold": 10.0}) == "ValidationException"
    assert error_of(ce.create_anomaly_subscription, AnomalySubscription={
        **subscription, "MonitorArnList": [monitor + "x"]}) == "UnknownMonitorException"
    arn = ce.create_anomaly_subscription(AnomalySubscription=subscription)["SubscriptionArn"]
    found = ce.get_anomaly_subscriptions(MonitorArn=monitor)["AnomalySubscriptions"]
    assert [entry["SubscriptionArn"] for entry in found] == [arn]
    assert found[0]["ThresholdExpression"] == EXPRESSION and found[0]["Subscribers"][0]["Status"] == "CONFIRMED"
    ce.update_anomaly_subscription(SubscriptionArn=arn, Frequency="WEEKLY")
    assert ce.get_anomaly_subscriptions()["AnomalySubscriptions"][0]["Frequency"] == "WEEKLY"
    ce.delete_anomaly_subscription(SubscriptionArn=arn)
    ce.delete_anomaly_monitor(MonitorArn=monitor)
    assert error_of(ce.delete_anomaly_monitor, MonitorArn=monitor) == "UnknownMonitorException"
    assert ce.get_anomaly_monitors()["AnomalyMonitors"] == []


def test_sample_costs_come_by_service_and_month(ctx: AwsContext) -> None:
    answer = global_client(ctx, "ce").get_cost_and_usage(
        TimePeriod={"Start": "2026-09-01", "End": "2026-12-01"}, Granularity="MONTHLY", Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])
    assert [month["TimePeriod"]["Start"] for month in answer["ResultsByTime"]] == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert "Amazon Simple Storage Service" in [group["Keys"][0] for group in answer["ResultsByTime"][0]["Groups"]]


def test_the_free_tier_api_answers_a_new_accounts_free_plan(ctx: AwsContext) -> None:
    state = global_client(ctx, "freetier").get_account_plan_state()
    assert (state["accountPlanType"], state["accountPlanStatus"], state["accountPlanRemainingCredits"]["amount"]) == (
        "FREE", "ACTIVE", 200.0)


def test_budgets_subscribers_update_and_tags(ctx: AwsContext) -> None:
    budgets = global_client(ctx, "budgets")
    notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
                    "ThresholdType": "PERCENTAGE"}
    budgets.create_budget(
        AccountId=ACCOUNT, Budget={"BudgetName": "b", "BudgetLimit": {"Amount": "10", "Unit": "USD"},
                                   "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        NotificationsWithSubscribers=[{"Notification": notification,
                                       "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ada@example.com"}]}],
        ResourceTags=[{"Key": "k", "Value": "v"}])
    subscribers = budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="b", Notification=notification)
    assert subscribers["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": "ada@example.com"}]
    assert error_of(budgets.describe_subscribers_for_notification, AccountId=ACCOUNT, BudgetName="b",
                    Notification={**notification, "Threshold": 90.0}) == "NotFoundException"
    budgets.update_budget(AccountId=ACCOUNT, NewBudget={"BudgetName": "b", "BudgetLimit": {"Amount": "30", "Unit": "USD"},
                                                        "TimeUnit": "MONTHLY", "BudgetType": "COST"})
    assert budgets.describe_budget(AccountId=ACCOUNT, BudgetName="b")["Budget"]["BudgetLimit"]["Amount"] == "30"
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/b"
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [{"Key": "k", "Value": "v"}]


def test_access_analyzer_one_per_region_and_names_unique(ctx: AwsContext) -> None:
    analyzer = ctx.client("accessanalyzer")
    arn = analyzer.create_analyzer(analyzerName="first", type="ACCOUNT", tags={"k": "v"})["arn"]
    assert arn == f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/first"
    assert error_of(analyzer.create_analyzer, analyzerName="second", type="ACCOUNT") == "ServiceQuotaExceededException"
    assert error_of(analyzer.create_analyzer, analyzerName="first", type="ACCOUNT_UNUSED_ACCESS") == "ConflictException"
    assert [found["name"] for found in analyzer.list_analyzers()["analyzers"]] == ["first"]
    assert analyzer.list_tags_for_resource(resourceArn=arn)["tags"] == {"k": "v"}
    analyzer.delete_analyzer(analyzerName="first")
    assert error_of(analyzer.get_analyzer, analyzerName="first") == "ResourceNotFoundException"


def test_the_billing_switches_are_console_steps_and_a_reset_forgets_everything(sandbox: SandboxClient, ctx: AwsContext) -> None:
    for step in ("activate-iam-billing-access", "enable-free-tier-alerts"):
        assert not sandbox.is_done(step)
        assert "Already" not in sandbox.play_console_step(step)
        assert sandbox.is_done(step)
    global_client(ctx, "ce").create_anomaly_monitor(AnomalyMonitor=SERVICES)
    ctx.client("accessanalyzer").create_analyzer(analyzerName="first", type="ACCOUNT")
    sandbox.reset()
    assert not sandbox.is_done("activate-iam-billing-access")
    assert global_client(ctx, "ce").get_anomaly_monitors()["AnomalyMonitors"] == []
    assert ctx.client("accessanalyzer").list_analyzers()["analyzers"] == []
