"""The Budgets calls moto lacks, answered from moto's own budgets (sandbox process only).

moto keeps each budget's notifications with their subscribers, but answers neither
``DescribeSubscribersForNotification`` nor ``UpdateBudget``, and keeps no tags. Here:

- ``DescribeSubscribersForNotification`` reads the subscribers moto keeps (``NotFoundException``
  for a budget or notification that is not there, as AWS answers);
- ``UpdateBudget`` replaces the budget's definition and keeps its notifications;
- tags: ``CreateBudget``'s ``ResourceTags`` are kept (the call itself goes on to moto), and
  ``ListTagsForResource``, ``TagResource`` and ``UntagResource`` are answered; ``DeleteBudget``
  drops them.
"""

from __future__ import annotations

import threading
from typing import Any

from runbook_sandbox.json_calls import Call, CallRefused, json_protocol_answer, json_protocol_error
from runbook_sandbox.rest_json import Answer

TAGS: dict[str, list[dict[str, str]]] = {}
"""Budget ARN to its tags."""
LOCK = threading.Lock()


def clear() -> None:
    """Forget every budget's tags (a sandbox reset)."""
    with LOCK:
        TAGS.clear()


def budget_arn(account_id: str, name: str) -> str:
    """Return a budget's ARN, ``arn:aws:budgets::<account>:budget/<name>``."""
    return f"arn:aws:budgets::{account_id}:budget/{name}"


def moto_budget(caller_account_id: str, request: dict[str, Any]) -> Any:
    """Return moto's budget the request names, or None.

    moto files budgets under the caller's backend, by the ``AccountId`` the request gives.
    """
    from moto.budgets.models import budgets_backends

    backend = budgets_backends[caller_account_id]["aws"]
    return backend.budgets[request.get("AccountId", "")].get(request.get("BudgetName", ""))


def same_notification(stored: dict[str, Any], asked: dict[str, Any]) -> bool:
    """Return True when two notifications are one (the threshold compared as a number)."""
    def key(notification: dict[str, Any]) -> tuple[Any, ...]:
        return (notification.get("NotificationType"), notification.get("ComparisonOperator"),
                float(notification.get("Threshold", 0)), notification.get("ThresholdType", "PERCENTAGE"))

    return key(stored) == key(asked)


def describe_subscribers(caller_account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Return the subscribers of one notification of a budget."""
    budget = moto_budget(caller_account_id, request)
    if budget is None:
        raise CallRefused("NotFoundException", f"Unable to get budget: {request.get('BudgetName')} - the budget doesn't exist.")
    for notification in budget.notifications:
        if same_notification(notification.details, request.get("Notification") or {}):
            return {"Subscribers": list(notification.subscribers)}
    raise CallRefused("NotFoundException", "Unable to get notification: the notification doesn't exist.")


def update_budget(caller_account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Replace a budget's definition, keeping its notifications."""
    new = dict(request.get("NewBudget") or {})
    budget = moto_budget(caller_account_id, {**request, "BudgetName": new.get("BudgetName", "")})
    if budget is None:
        raise CallRefused("NotFoundException", f"Unable to update budget: {new.get('BudgetName')} - the budget doesn't exist.")
    if "BudgetLimit" not in new and "PlannedBudgetLimits" not in new:
        raise CallRefused("InvalidParameterException", "A budget needs a BudgetLimit or PlannedBudgetLimits.")
    kept = {key: value for key, value in budget.budget.items() if key in ("TimePeriod", "LastUpdatedTime")}
    budget.budget = {**kept, **new}
    return {}


def tag_call(caller_account_id: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """Answer ``ListTagsForResource``, ``TagResource`` or ``UntagResource`` of a budget."""
    arn = request.get("ResourceARN", "")
    account_id, _, name = arn.partition(":budget/")
    if moto_budget(caller_account_id, {"AccountId": account_id.rsplit(":", 1)[-1], "BudgetName": name}) is None:
        raise CallRefused("NotFoundException", f"Unable to find budget {arn}.")
    tags = TAGS.setdefault(arn, [])
    if operation == "TagResource":
        kept = {tag["Key"]: tag for tag in tags}
        kept.update({tag["Key"]: tag for tag in request.get("ResourceTags") or []})
        TAGS[arn] = list(kept.values())
    elif operation == "UntagResource":
        TAGS[arn] = [tag for tag in tags if tag["Key"] not in (request.get("ResourceTagKeys") or [])]
    return {"ResourceTags": TAGS[arn]} if operation == "ListTagsForResource" else {}


def answer_budgets(call: Call, caller_account_id: str) -> Answer | None:
    """Answer a Budgets call moto lacks, or None to let moto answer (after noting tags)."""
    request = call.json()
    operation = call.operation
    with LOCK:
        try:
            if operation == "DescribeSubscribersForNotification":
                return json_protocol_answer(describe_subscribers(caller_account_id, request))
            if operation == "UpdateBudget":
                return json_protocol_answer(update_budget(caller_account_id, request))
            if operation in ("ListTagsForResource", "TagResource", "UntagResource"):
                return json_protocol_answer(tag_call(caller_account_id, operation, request))
        except CallRefused as refused:
            return json_protocol_error(refused)
        name = (request.get("Budget") or {}).get("BudgetName") or request.get("BudgetName", "")
        arn = budget_arn(request.get("AccountId", ""), name)
        exists = moto_budget(caller_account_id, {"AccountId": request.get("AccountId", ""), "BudgetName": name}) is not None
        if operation == "CreateBudget" and not exists:
            TAGS[arn] = list(request.get("ResourceTags") or [])
        elif operation == "DeleteBudget" and exists:
            TAGS.pop(arn, None)
    return None
