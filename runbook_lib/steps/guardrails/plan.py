"""Plan step 07's budget, anomaly detection and security contact (pure, no boto3).

Each change says what it costs. Drift is data: a limit changed by hand shows ``10`` -> ``20``, an
alert whose addresses differ is replaced. What the runbook did not ask for is left as it is and
said so (an extra alert on the budget is no harm), never deleted. A budget, monitor or bucket of
the runbook's name that is something else is a ``conflict``: shown, not touched.
"""

from __future__ import annotations

from runbook_lib.audit.facts import AnomalyMonitorFacts, BudgetFacts
from runbook_lib.errors import RunbookError
from runbook_lib.plan import CONFLICT, CREATE, NO_OP, REPLACE, UPDATE, Change, Plan
from runbook_lib import addresses
from runbook_lib.steps.guardrails.plan_hardening import plan_hardening
from runbook_lib.steps.guardrails.read import GuardrailsState
from runbook_lib.steps.guardrails.specs import (
    MONITOR_DIMENSION,
    MONITOR_TYPE,
    STEP_ID,
    SUBSCRIPTION_FREQUENCY,
    AnomalySpec,
    BudgetSpec,
    ContactSpec,
    GuardrailsSpec,
)
from runbook_lib.validate.guardrails import MAX_NOTIFICATIONS_PER_BUDGET

BUDGET_COST = "Free: budgets without actions cost nothing; AWS refreshes their figures up to three times a day."
ANOMALY_COST = "Free: Cost Anomaly Detection costs nothing; AWS looks at the spend about three times a day."


def plan_guardrails(state: GuardrailsState, spec: GuardrailsSpec) -> Plan:
    """Return every change step 07 needs, in the order they can be made.

    Raises:
        RunbookError: when the budget would end up with more notifications than AWS allows.
    """
    return Plan(STEP_ID, (
        *plan_budget(state, spec.budget), *plan_anomaly(state, spec.anomaly), *plan_contact(state, spec.contact),
        *plan_hardening(state, spec.hardening),
    ))


def find_budget(state: GuardrailsState, name: str) -> BudgetFacts | None:
    """Return the account's budget of this name, or None."""
    return next((budget for budget in state.costs.budgets if budget.name == name), None)


def plan_budget(state: GuardrailsState, wanted: BudgetSpec) -> list[Change]:
    """Return the budget to create, or the limit and alerts to bring in line."""
    address = addresses.budget_address(wanted.name)
    alerts = [alert.name for alert in wanted.alerts]
    found = find_budget(state, wanted.name)
    if found is None:
        return [Change(
            CREATE, address,
            f"A monthly cost budget of {wanted.limit_usd} USD that emails {', '.join(wanted.emails)} at {', '.join(alerts)} "
            f"(ACTUAL: spent so far this month; FORECASTED: AWS's forecast for the month). {BUDGET_COST}",
            "create_budget", after={"limit_usd": wanted.limit_usd, "alerts": alerts, "emails": list(wanted.emails)},
        )]
    if (found.budget_type, found.time_unit) != ("COST", "MONTHLY"):
        return [Change(
            CONFLICT, address,
            f"A budget named {wanted.name} exists but is a {found.time_unit} {found.budget_type} budget. The runbook "
            "leaves it as it is: choose another `budget_name`.",
            before=f"{found.time_unit} {found.budget_type}", after="MONTHLY COST",
        )]
    changes = []
    if found.limit_amount != wanted.limit_usd or found.limit_unit != "USD":
        changes.append(Change(
            UPDATE, address, f"Drift: the monthly limit is {found.limit_amount} {found.limit_unit}, asked {wanted.limit_usd} USD.",
            "update_budget_limit", before=f"{found.limit_amount} {found.limit_unit}", after=f"{wanted.limit_usd} USD",
        ))
    missing = 0
    for alert in wanted.alerts:
        notification_address = addresses.budget_notification_address(wanted.name, alert.name)
        existing = found.notification(alert.notification_type, alert.percentage)
        if existing is None:
            missing += 1
            changes.append(Change(
                CREATE, notification_address, f"Email {', '.join(wanted.emails)} when {describe_alert(alert.name)}.",
                "create_budget_notification", after={"emails": list(wanted.emails), "sns_topics": list(wanted.sns_topics)},
            ))
        elif set(existing.emails) != set(wanted.emails) or set(existing.sns_topics) != set(wanted.sns_topics):
            changes.append(Change(
                REPLACE, notification_address,
                f"Drift: the alert {alert.name} tells {', '.join(existing.emails + existing.sns_topics) or 'nobody'}; "
                "it is made again for the addresses asked for.",
                "replace_budget_notification",
                before={"emails": list(existing.emails), "sns_topics": list(existing.sns_topics)},
                after={"emails": list(wanted.emails), "sns_topics": list(wanted.sns_topics)},
            ))
    if len(found.notifications) + missing > MAX_NOTIFICATIONS_PER_BUDGET:
        raise RunbookError(
            f"Budget {wanted.name} has {len(found.notifications)} notifications; adding {missing} would pass AWS's "
            f"limit of {MAX_NOTIFICATIONS_PER_BUDGET} per budget.",
            advice="Delete alerts you no longer need (Billing and Cost Management > Budgets > the budget > Edit alerts), "
            "or ask for fewer in `budget_alerts`.",
        )
    asked = {(alert.notification_type, alert.percentage) for alert in wanted.alerts}
    changes += [
        Change(NO_OP, addresses.budget_notification_address(wanted.name, extra.alert),
               f"Not asked for (made by hand?): left as it is, emailing {', '.join(extra.emails) or 'nobody'}.")
        for extra in found.notifications if (extra.notification_type, extra.threshold) not in asked
    ]
    return changes


def describe_alert(alert: str) -> str:
    """Return an alert in words: ``ACTUAL>80`` is "the month's spend passes 80 % of the limit"."""
    kind, _, percentage = alert.partition(">")
    what = "the month's spend" if kind == "ACTUAL" else "the forecast for the month"
    return f"{what} passes {percentage} % of the limit"


def find_services_monitor(state: GuardrailsState, name: str) -> tuple[AnomalyMonitorFacts | None, AnomalyMonitorFacts | None]:
    """Return the monitor named ``name`` (any type), and the services monitor to use (by that name
    first, else any: AWS allows one services monitor, and new accounts may have AWS's own)."""
    named = next((monitor for monitor in state.costs.monitors if monitor.name == name), None)
    if named is not None and named.watches_services:
        return named, named
    return named, next((monitor for monitor in state.costs.monitors if monitor.watches_services), None)


def plan_anomaly(state: GuardrailsState, wanted: AnomalySpec) -> list[Change]:
    """Return the services monitor and the daily email subscription to create or bring in line."""
    changes = []
    named, monitor = find_services_monitor(state, wanted.monitor_name)
    monitor_address = addresses.anomaly_monitor_address(wanted.monitor_name)
    if named is not None and not named.watches_services:
        return [Change(
            CONFLICT, monitor_address,
            f"A monitor named {wanted.monitor_name} exists but watches {named.monitor_type} {named.dimension or ''}; "
            "the runbook leaves it as it is: choose another `anomaly_monitor_name`.",
            before=f"{named.monitor_type} {named.dimension}".strip(), after=f"{MONITOR_TYPE} {MONITOR_DIMENSION}",
        )]
    if monitor is None:
        changes.append(Change(
            CREATE, monitor_address,
            f"A cost anomaly monitor of AWS services: machine learning watches each service's spend on its own. {ANOMALY_COST}",
            "create_anomaly_monitor", after={"type": MONITOR_TYPE, "dimension": MONITOR_DIMENSION},
        ))
    elif monitor.name != wanted.monitor_name:
        changes.append(Change(NO_OP, addresses.anomaly_monitor_address(monitor.name),
                              f"Uses the account's existing services monitor {monitor.name} (AWS allows one)."))
    subscription = next((found for found in state.costs.subscriptions if found.name == wanted.subscription_name), None)
    address = addresses.anomaly_subscription_address(wanted.subscription_name)
    after = {"frequency": SUBSCRIPTION_FREQUENCY, "emails": sorted(wanted.emails), "impact_at_least_usd": wanted.threshold_usd}
    if subscription is None:
        changes.append(Change(
            CREATE, address,
            f"A daily email to {', '.join(wanted.emails)} of every anomaly whose total impact is at least "
            f"{wanted.threshold_usd} USD (ThresholdExpression; the old Threshold field is deprecated). {ANOMALY_COST}",
            "create_anomaly_subscription", after=after,
        ))
        return changes
    before = {"frequency": subscription.frequency, "emails": sorted(subscription.emails),
              "impact_at_least_usd": threshold_of(subscription.threshold_expression)}
    watches = monitor is not None and monitor.arn in subscription.monitor_arns
    if before != after or not watches or subscription.sns_topics:
        changes.append(Change(
            UPDATE, address, "Drift: the subscription differs from what was asked; it is brought in line "
            "(frequency, addresses, threshold, the services monitor).",
            "update_anomaly_subscription", before=before, after=after,
        ))
    return changes


def threshold_of(expression: dict[str, object] | None) -> str:
    """Return the US dollar impact a ``ThresholdExpression`` asks for, or "" for another shape."""
    dimensions = (expression or {}).get("Dimensions")
    if not isinstance(dimensions, dict) or dimensions.get("Key") != "ANOMALY_TOTAL_IMPACT_ABSOLUTE":
        return ""
    values = dimensions.get("Values") or [""]
    return str(values[0]) if isinstance(values, list) else ""


def plan_contact(state: GuardrailsState, wanted: ContactSpec) -> list[Change]:
    """Return the SECURITY alternate contact to set, when it is missing or differs."""
    address = addresses.alternate_contact_address("SECURITY")
    after = {"name": wanted.name, "title": wanted.title, "email": wanted.email, "phone": wanted.phone}
    found = state.costs.security_contact
    if found is None:
        return [Change(
            CREATE, address,
            f"AWS's security team writes to {wanted.email} about this account (abuse, a leaked key); without it "
            "only the root email hears. Free.",
            "put_security_contact", after=after,
        )]
    before = {"name": found.name, "title": found.title, "email": found.email, "phone": found.phone}
    if before == after:
        return []
    return [Change(UPDATE, address, "Drift: the security contact differs from what was asked; it is replaced.",
                   "put_security_contact", before=before, after=after)]
