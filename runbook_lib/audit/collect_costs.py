"""Collect what guards the bill: budgets, cost anomaly detection, the security contact, the plan.

Reads only. Budgets, Cost Explorer and the Free Tier API answer in us-east-1. The anomaly
reads are free (only ``GetCostAndUsage`` and its like cost $0.01 a request; see ``spending``).
"""

from __future__ import annotations

import decimal
from typing import Any

import botocore.exceptions

from runbook_lib.audit.clients import global_client
from runbook_lib.audit.facts import (
    AccountPlanFacts,
    AnomalyMonitorFacts,
    AnomalySubscriptionFacts,
    BudgetFacts,
    BudgetNotificationFacts,
    ContactFacts,
    CostFacts,
)
from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors
from runbook_lib.aws_memo import reads_once

SECURITY = "SECURITY"


def format_number(value: Any) -> str:
    """Return an amount or a threshold as the runbook writes it: ``80``, ``12.5``."""
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def subscriber_addresses(subscribers: list[dict[str, Any]], kind: str, *, type_key: str = "SubscriptionType") -> tuple[str, ...]:
    """Return the addresses of the subscribers of one type (``EMAIL`` or ``SNS``)."""
    return tuple(subscriber["Address"] for subscriber in subscribers if subscriber.get(type_key) == kind)


@translating_aws_errors
def collect_budgets(ctx: AwsContext, account_id: str) -> tuple[BudgetFacts, ...]:
    """Return every budget of the account with its notifications and their subscribers.

    IAM actions: ``budgets:ViewBudget`` (``DescribeBudgets``, ``DescribeNotificationsForBudget``,
    ``DescribeSubscribersForNotification``).
    """
    budgets = global_client(ctx, "budgets")
    found = []
    for budget in paginate(budgets, "describe_budgets", "Budgets", AccountId=account_id):
        notifications = []
        for notification in paginate(
            budgets, "describe_notifications_for_budget", "Notifications",
            AccountId=account_id, BudgetName=budget["BudgetName"],
        ):
            subscribers = list(paginate(
                budgets, "describe_subscribers_for_notification", "Subscribers",
                AccountId=account_id, BudgetName=budget["BudgetName"], Notification=notification,
            ))
            notifications.append(BudgetNotificationFacts(
                notification["NotificationType"], notification["ComparisonOperator"],
                format_number(notification["Threshold"]), notification.get("ThresholdType", "PERCENTAGE"),
                emails=subscriber_addresses(subscribers, "EMAIL"), sns_topics=subscriber_addresses(subscribers, "SNS"),
            ))
        limit = budget.get("BudgetLimit") or {}
        found.append(BudgetFacts(
            budget["BudgetName"], budget.get("BudgetType", ""), budget.get("TimeUnit", ""),
            format_number(limit.get("Amount", "")), limit.get("Unit", ""), tuple(notifications),
        ))
    return tuple(found)


def pages(call: Any, key: str, **params: Any) -> list[Any]:
    """Return every item under ``key`` of a Cost Explorer read paged by ``NextPageToken``."""
    items: list[Any] = []
    token = None
    while True:
        answer = call(**params, **({"NextPageToken": token} if token else {}))
        items += answer.get(key, [])
        token = answer.get("NextPageToken")
        if not token:
            return items


@translating_aws_errors
def collect_anomaly_detection(ctx: AwsContext) -> tuple[tuple[AnomalyMonitorFacts, ...], tuple[AnomalySubscriptionFacts, ...]]:
    """Return the account's cost anomaly monitors and alert subscriptions.

    IAM actions: ``ce:GetAnomalyMonitors``, ``ce:GetAnomalySubscriptions``.
    """
    ce = global_client(ctx, "ce")
    monitors = tuple(
        AnomalyMonitorFacts(monitor["MonitorArn"], monitor["MonitorName"], monitor["MonitorType"],
                            monitor.get("MonitorDimension", ""))
        for monitor in pages(ce.get_anomaly_monitors, "AnomalyMonitors")
    )
    subscriptions = tuple(
        AnomalySubscriptionFacts(
            subscription["SubscriptionArn"], subscription["SubscriptionName"], tuple(subscription.get("MonitorArnList", [])),
            subscription.get("Frequency", ""),
            emails=subscriber_addresses(subscription.get("Subscribers", []), "EMAIL", type_key="Type"),
            sns_topics=subscriber_addresses(subscription.get("Subscribers", []), "SNS", type_key="Type"),
            threshold_expression=subscription.get("ThresholdExpression"),
        )
        for subscription in pages(ce.get_anomaly_subscriptions, "AnomalySubscriptions")
    )
    return monitors, subscriptions


@translating_aws_errors
def collect_security_contact(ctx: AwsContext) -> ContactFacts | None:
    """Return the account's SECURITY alternate contact, or None when it has none.

    ``AccountId`` is left out on purpose: a management or standalone account reads its own
    contacts without it (AWS refuses its own id there).

    IAM actions: ``account:GetAlternateContact``.
    """
    try:
        contact = ctx.client("account").get_alternate_contact(AlternateContactType=SECURITY)["AlternateContact"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
    return ContactFacts(contact.get("Name", ""), contact.get("Title", ""), contact.get("EmailAddress", ""),
                        contact.get("PhoneNumber", ""))


@translating_aws_errors
def collect_account_plan(ctx: AwsContext) -> AccountPlanFacts:
    """Return the account's plan (Free or Paid, its credits), or why it cannot be read.

    The plan is shown, never required: an identity without ``freetier:GetAccountPlanState``, or
    a partition without the Free Tier API, gets "unknown" and the step goes on.

    IAM actions: ``freetier:GetAccountPlanState``.
    """
    try:
        state = global_client(ctx, "freetier").get_account_plan_state()
    except botocore.exceptions.ClientError as error:
        return AccountPlanFacts(unknown_because=f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}")
    except botocore.exceptions.EndpointConnectionError as error:
        return AccountPlanFacts(unknown_because=f"the Free Tier API could not be reached ({error})")
    credits = state.get("accountPlanRemainingCredits") or {}
    expires = state.get("accountPlanExpirationDate")
    return AccountPlanFacts(
        plan_type=state.get("accountPlanType", ""), status=state.get("accountPlanStatus", ""),
        credits=format_number(credits["amount"]) if "amount" in credits else "", credits_unit=credits.get("unit", ""),
        expires_at=expires.isoformat(timespec="seconds") if hasattr(expires, "isoformat") else str(expires or ""),
    )


@translating_aws_errors
@reads_once
def collect_costs(ctx: AwsContext, account_id: str) -> CostFacts:
    """Return budgets, anomaly detection, the security contact and the plan.

    IAM actions: those of ``collect_budgets``, ``collect_anomaly_detection``,
    ``collect_security_contact`` and ``collect_account_plan``.
    """
    monitors, subscriptions = collect_anomaly_detection(ctx)
    return CostFacts(
        budgets=collect_budgets(ctx, account_id), monitors=monitors, subscriptions=subscriptions,
        security_contact=collect_security_contact(ctx), plan=collect_account_plan(ctx),
    )
