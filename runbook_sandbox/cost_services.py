"""Cost Explorer's anomaly detection and sample costs, the Free Tier API, and the Budgets calls
moto lacks (sandbox process only).

moto has no cost anomaly detection and no Free Tier API, answers ``GetCostAndUsage`` with nothing
unless results are loaded, and lacks Budgets' ``DescribeSubscribersForNotification``,
``UpdateBudget`` and tags. The sandbox answers them here, with AWS's rules:

- ``CreateAnomalyMonitor``: ``DIMENSIONAL`` needs ``MonitorDimension``, ``CUSTOM`` a
  ``MonitorSpecification``;
- ``CreateAnomalySubscription``: its monitors must exist (``UnknownMonitorException``); EMAIL
  subscribers only with ``DAILY`` or ``WEEKLY`` (``IMMEDIATE`` needs SNS); ``ThresholdExpression``
  or the deprecated ``Threshold``, one of them;
- the Free Tier API: a new account's Free plan, ``ACTIVE``, 200 USD of credits for six months;
- ``GetCostAndUsage``: a few services' sample costs per month (every answer says it is sample data
  in its ``DimensionValueAttributes``), so the runbook's spending view has something to show.

Ids are drawn from a counter reset with the sandbox, so a seeded run repeats its ARNs.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from runbook_sandbox.json_calls import Call, CallRefused, json_protocol_answer, json_protocol_error
from runbook_sandbox.rest_json import Answer

CE_TARGET = "AWSInsightsIndexService"
FREETIER_TARGET = "AWSFreeTierService"
BUDGETS_TARGET = "AWSBudgetServiceGateway"
ID_NAMESPACE = uuid.UUID("5f1d3a52-5b8e-4c1e-9c61-3f7a0c2b9d10")
FREE_PLAN_DAYS = 182
FREE_PLAN_CREDITS = 200.0
SAMPLE_COSTS = {
    "Amazon Simple Storage Service": 0.42,
    "AWS Lambda": 0.07,
    "Amazon CloudWatch": 0.31,
    "AWS Key Management Service": 1.00,
    "Tax": 0.18,
}
"""US dollars a month per service; each month scales them a little, so the chart has a shape."""


@dataclass
class CostState:
    """What the sandbox keeps of Cost Explorer and Budgets beside moto, per account."""

    monitors: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    plan_started: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))
    counter: int = 0

    def next_id(self, account_id: str, kind: str) -> str:
        """Return a new id, repeatable from a reset."""
        self.counter += 1
        return str(uuid.uuid5(ID_NAMESPACE, f"{account_id}/{kind}/{self.counter}"))


STATES: dict[str, CostState] = {}
LOCK = threading.Lock()


def clear() -> None:
    """Forget every account's anomaly detection, tags and plan (a sandbox reset)."""
    with LOCK:
        STATES.clear()


def today() -> str:
    """Return today's date as Cost Explorer writes dates, ``YYYY-MM-DD``."""
    return datetime.date.today().isoformat()


# --- anomaly detection ---------------------------------------------------------------------------


def create_anomaly_monitor(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Create a monitor (``DIMENSIONAL`` with a dimension, or ``CUSTOM`` with a specification)."""
    monitor = dict(request.get("AnomalyMonitor") or {})
    if not monitor.get("MonitorName"):
        raise CallRefused("ValidationException", "AnomalyMonitor.MonitorName is required.")
    kind = monitor.get("MonitorType")
    if kind == "DIMENSIONAL" and not monitor.get("MonitorDimension"):
        raise CallRefused("ValidationException", "A DIMENSIONAL monitor needs a MonitorDimension (e.g. SERVICE).")
    if kind == "CUSTOM" and not monitor.get("MonitorSpecification"):
        raise CallRefused("ValidationException", "A CUSTOM monitor needs a MonitorSpecification.")
    if kind not in ("DIMENSIONAL", "CUSTOM"):
        raise CallRefused("ValidationException", f"MonitorType must be DIMENSIONAL or CUSTOM, not {kind!r}.")
    arn = f"arn:aws:ce::{account_id}:anomalymonitor/{state.next_id(account_id, 'monitor')}"
    state.monitors[arn] = {**monitor, "MonitorArn": arn, "CreationDate": today(), "LastUpdatedDate": today(),
                           "DimensionalValueCount": 0}
    state.tags[arn] = list(request.get("ResourceTags") or [])
    return {"MonitorArn": arn}


def selected(items: dict[str, dict[str, Any]], arns: list[str] | None, unknown: str) -> list[dict[str, Any]]:
    """Return the items of ``arns`` (all when None), refusing an ARN that is not there."""
    if not arns:
        return list(items.values())
    missing = [arn for arn in arns if arn not in items]
    if missing:
        raise CallRefused(unknown, f"No such resource: {missing[0]}.")
    return [items[arn] for arn in arns]


def get_anomaly_monitors(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Return the monitors asked for (all when none is named)."""
    return {"AnomalyMonitors": selected(state.monitors, request.get("MonitorArnList"), "UnknownMonitorException")}


def delete_anomaly_monitor(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Delete a monitor; the subscriptions no longer list it."""
    arn = request.get("MonitorArn", "")
    if state.monitors.pop(arn, None) is None:
        raise CallRefused("UnknownMonitorException", f"No monitor {arn}.")
    state.tags.pop(arn, None)
    for subscription in state.subscriptions.values():
        subscription["MonitorArnList"] = [listed for listed in subscription["MonitorArnList"] if listed != arn]
    return {}


def check_subscription(state: CostState, subscription: dict[str, Any]) -> None:
    """Refuse a subscription AWS would refuse: unknown monitors, EMAIL with IMMEDIATE, no threshold."""
    unknown = [arn for arn in subscription.get("MonitorArnList") or [] if arn not in state.monitors]
    if not subscription.get("MonitorArnList") or unknown:
        raise CallRefused("UnknownMonitorException", f"No monitor {unknown[0] if unknown else '(none given)'}.")
    if subscription.get("Frequency") not in ("DAILY", "IMMEDIATE", "WEEKLY"):
        raise CallRefused("ValidationException", "Frequency must be DAILY, IMMEDIATE or WEEKLY.")
    subscribers = subscription.get("Subscribers") or []
    if not subscribers:
        raise CallRefused("ValidationException", "A subscription needs at least one subscriber.")
    if subscription["Frequency"] == "IMMEDIATE" and any(entry.get("Type") == "EMAIL" for entry in subscribers):
        raise CallRefused("ValidationException", "Email subscribers are only supported with DAILY or WEEKLY frequency; "
                          "IMMEDIATE alerts need an SNS topic.")
    has_expression, has_threshold = "ThresholdExpression" in subscription, "Threshold" in subscription
    if has_expression == has_threshold:
        raise CallRefused("ValidationException", "Give either ThresholdExpression or the deprecated Threshold, not both "
                          "and not neither.")


def create_anomaly_subscription(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Create a subscription on existing monitors, with AWS's rules (``check_subscription``)."""
    subscription = dict(request.get("AnomalySubscription") or {})
    if not subscription.get("SubscriptionName"):
        raise CallRefused("ValidationException", "AnomalySubscription.SubscriptionName is required.")
    check_subscription(state, subscription)
    arn = f"arn:aws:ce::{account_id}:anomalysubscription/{state.next_id(account_id, 'subscription')}"
    subscribers = [{**entry, "Status": entry.get("Status", "CONFIRMED")} for entry in subscription["Subscribers"]]
    state.subscriptions[arn] = {**subscription, "Subscribers": subscribers, "SubscriptionArn": arn, "AccountId": account_id}
    state.tags[arn] = list(request.get("ResourceTags") or [])
    return {"SubscriptionArn": arn}


def get_anomaly_subscriptions(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Return the subscriptions asked for, those of one monitor, or all."""
    found = selected(state.subscriptions, request.get("SubscriptionArnList"), "UnknownSubscriptionException")
    monitor = request.get("MonitorArn")
    return {"AnomalySubscriptions": [entry for entry in found if not monitor or monitor in entry["MonitorArnList"]]}


def update_anomaly_subscription(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Change a subscription's fields; a new ``ThresholdExpression`` drops the old ``Threshold``."""
    arn = request.get("SubscriptionArn", "")
    if arn not in state.subscriptions:
        raise CallRefused("UnknownSubscriptionException", f"No subscription {arn}.")
    changed = {**state.subscriptions[arn], **{key: value for key, value in request.items() if key != "SubscriptionArn"}}
    if "ThresholdExpression" in request:
        changed.pop("Threshold", None)
    check_subscription(state, changed)
    state.subscriptions[arn] = changed
    return {"SubscriptionArn": arn}


def delete_anomaly_subscription(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Delete a subscription."""
    arn = request.get("SubscriptionArn", "")
    if state.subscriptions.pop(arn, None) is None:
        raise CallRefused("UnknownSubscriptionException", f"No subscription {arn}.")
    state.tags.pop(arn, None)
    return {}


def is_anomaly_arn(arn: str) -> bool:
    """Return True for an ARN of a monitor or subscription the sandbox keeps (not moto's)."""
    return ":anomalymonitor/" in arn or ":anomalysubscription/" in arn


def list_tags(state: CostState, arn: str, unknown: str = "ResourceNotFoundException") -> list[dict[str, str]]:
    """Return the tags of an anomaly monitor or subscription."""
    if arn not in state.tags:
        raise CallRefused(unknown, f"No resource {arn}.")
    return state.tags[arn]


# --- sample costs and the account's plan ---------------------------------------------------------


def month_starts(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Return the months from ``start`` up to ``end`` (exclusive) as (first day, next first day)."""
    months = []
    current = start.replace(day=1)
    while current < end:
        following = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        months.append((max(current, start), min(following, end)))
        current = following
    return months


def get_cost_and_usage(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Return sample costs per month for the period, by service when grouped so."""
    period = request.get("TimePeriod") or {}
    try:
        start, end = (datetime.date.fromisoformat(period[key]) for key in ("Start", "End"))
    except (KeyError, ValueError):
        raise CallRefused("ValidationException", "TimePeriod needs Start and End as YYYY-MM-DD.") from None
    if end <= start:
        raise CallRefused("ValidationException", "TimePeriod.End must be after Start.")
    metric = (request.get("Metrics") or ["UnblendedCost"])[0]
    by_service = any(group.get("Key") == "SERVICE" for group in request.get("GroupBy") or [])
    results = []
    for first, following in month_starts(start, end):
        scale = 1 + (first.month % 4) / 4
        amounts = {service: round(cost * scale, 2) for service, cost in SAMPLE_COSTS.items()}
        entry: dict[str, Any] = {"TimePeriod": {"Start": first.isoformat(), "End": following.isoformat()}, "Estimated": False}
        if by_service:
            entry["Total"], entry["Groups"] = {}, [
                {"Keys": [service], "Metrics": {metric: {"Amount": f"{amount:.2f}", "Unit": "USD"}}}
                for service, amount in amounts.items()]
        else:
            entry["Total"], entry["Groups"] = {metric: {"Amount": f"{sum(amounts.values()):.2f}", "Unit": "USD"}}, []
        results.append(entry)
    attributes = [{"Value": service, "Attributes": {"description": "sandbox sample data"}} for service in SAMPLE_COSTS]
    return {"ResultsByTime": results, "DimensionValueAttributes": attributes if by_service else [],
            "GroupDefinitions": request.get("GroupBy") or []}


def get_account_plan_state(state: CostState, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Return a new account's Free plan: active, 200 USD of credits, six months from the reset."""
    expires = state.plan_started + datetime.timedelta(days=FREE_PLAN_DAYS)
    return {"accountId": account_id, "accountPlanType": "FREE", "accountPlanStatus": "ACTIVE",
            "accountPlanRemainingCredits": {"amount": FREE_PLAN_CREDITS, "unit": "USD"},
            "accountPlanExpirationDate": expires.timestamp()}


CE_OPERATIONS: dict[str, Callable[[CostState, str, dict[str, Any]], dict[str, Any]]] = {
    "CreateAnomalyMonitor": create_anomaly_monitor,
    "GetAnomalyMonitors": get_anomaly_monitors,
    "DeleteAnomalyMonitor": delete_anomaly_monitor,
    "CreateAnomalySubscription": create_anomaly_subscription,
    "GetAnomalySubscriptions": get_anomaly_subscriptions,
    "UpdateAnomalySubscription": update_anomaly_subscription,
    "DeleteAnomalySubscription": delete_anomaly_subscription,
    "GetCostAndUsage": get_cost_and_usage,
}


def answer_ce(call: Call, account_id: str) -> Answer | None:
    """Answer a Cost Explorer call the sandbox serves itself, or None to leave it to moto."""
    request = call.json()
    operation = call.operation
    with LOCK:
        state = STATES.setdefault(account_id, CostState())
        try:
            if operation in CE_OPERATIONS:
                return json_protocol_answer(CE_OPERATIONS[operation](state, account_id, request))
            arn = request.get("ResourceArn", "")
            if not is_anomaly_arn(arn):
                return None  # cost categories' tags are moto's
            if operation == "ListTagsForResource":
                return json_protocol_answer({"ResourceTags": list_tags(state, arn)})
            if operation == "TagResource":
                kept = {tag["Key"]: tag for tag in list_tags(state, arn)}
                kept.update({tag["Key"]: tag for tag in request.get("ResourceTags") or []})
                state.tags[arn] = list(kept.values())
                return json_protocol_answer({})
            if operation == "UntagResource":
                state.tags[arn] = [tag for tag in list_tags(state, arn) if tag["Key"] not in request.get("ResourceTagKeys", [])]
                return json_protocol_answer({})
        except CallRefused as refused:
            return json_protocol_error(refused)
    return None


def answer_freetier(call: Call, account_id: str) -> Answer | None:
    """Answer ``freetier:GetAccountPlanState``; the Free Tier API's other calls are left unserved."""
    if call.operation != "GetAccountPlanState":
        return None
    with LOCK:
        return json_protocol_answer(get_account_plan_state(STATES.setdefault(account_id, CostState()), account_id, {}))
