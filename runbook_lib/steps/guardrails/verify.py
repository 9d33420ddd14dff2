"""Judge step 07's result (pure), and its console-only switches as a guided checklist.

The budget, its alerts, the anomaly subscription and the contact are judged against what was
asked; the hardening by the audit's own judges, so the step and the audit agree on a trail, a
bucket policy or a region. Two switches have no API and are guided: IAM user and role access to
billing information (only root can turn it on, in the console), and the Free Tier usage alerts.
"""

from __future__ import annotations

from runbook_lib.audit.facts import AccountPlanFacts
from runbook_lib.audit.judge_guardrails import judge_hardening
from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib import addresses
from runbook_lib.steps.checklist import ChecklistItem
from runbook_lib.steps.guardrails.plan import find_budget, find_services_monitor, threshold_of
from runbook_lib.steps.guardrails.read import GuardrailsState
from runbook_lib.steps.guardrails.specs import STEP_ID, SUBSCRIPTION_FREQUENCY, GuardrailsSpec

BILLING_ACCESS = ChecklistItem(
    "billing_access", "IAM users and roles may see billing information",
    "Only root can switch it on: sign in as root, open the account menu (top right) > Account > 'IAM user and "
    "role access to Billing information' > Edit > tick 'Activate IAM Access' > Update. Until then the Admin's "
    "Identity Center role cannot open Billing and Cost Management pages, AdministratorAccess or not.",
    "activate-iam-billing-access", per_user=False,
)
FREE_TIER_ALERTS = ChecklistItem(
    "free_tier_alerts", "AWS emails when Free Tier usage nears its limits",
    "Billing and Cost Management > Billing preferences > Alert preferences > Edit > tick 'AWS Free Tier alerts' "
    "(and give an email address if it should not go to the root email) > Update.",
    "enable-free-tier-alerts", per_user=False,
)
GUARDRAILS_CHECKLIST = (BILLING_ACCESS, FREE_TIER_ALERTS)


def verify_guardrails(state: GuardrailsState, spec: GuardrailsSpec, confirmations: dict[str, bool]) -> Verification:
    """Judge the live state against ``spec``; the checklist from the person's confirmations."""
    return Verification(STEP_ID, (
        *verify_budget(state, spec), *verify_anomaly(state, spec), verify_contact(state, spec),
        *verify_checklist(state.account_id, confirmations),
        *judge_hardening(state.hardening, state.account_id, state.region, trail_name=spec.hardening.trail_name),
    ))


def verify_budget(state: GuardrailsState, spec: GuardrailsSpec) -> list[Check]:
    """Judge the budget (monthly, of cost, the limit asked) and each alert (to the addresses asked)."""
    wanted = spec.budget
    address = addresses.budget_address(wanted.name)
    found = find_budget(state, wanted.name)
    if found is None:
        return [Check("budgets_budget_limit_matches", FAIL, address, f"No budget {wanted.name}.")]
    same = (found.budget_type, found.time_unit, found.limit_amount, found.limit_unit) == ("COST", "MONTHLY", wanted.limit_usd, "USD")
    checks = [Check("budgets_budget_limit_matches", PASS if same else FAIL, address,
                    f"Budget {wanted.name}: {found.time_unit} {found.budget_type}, {found.limit_amount} {found.limit_unit} "
                    f"(asked MONTHLY COST, {wanted.limit_usd} USD).")]
    for alert in wanted.alerts:
        notification = found.notification(alert.notification_type, alert.percentage)
        told = set(notification.emails) if notification else set()
        ok = notification is not None and told == set(wanted.emails) and set(notification.sns_topics) == set(wanted.sns_topics)
        checks.append(Check(
            "budgets_budget_email_alerts_configured", PASS if ok else FAIL,
            addresses.budget_notification_address(wanted.name, alert.name),
            f"Alert {alert.name} emails {', '.join(sorted(told))}." if ok else
            f"Alert {alert.name} is missing." if notification is None else
            f"Alert {alert.name} emails {', '.join(sorted(told)) or 'nobody'}, not {', '.join(wanted.emails)}.",
        ))
    return checks


def verify_anomaly(state: GuardrailsState, spec: GuardrailsSpec) -> list[Check]:
    """Judge the services monitor and the daily email subscription on it."""
    wanted = spec.anomaly
    _, monitor = find_services_monitor(state, wanted.monitor_name)
    checks = [Check(
        "ce_anomaly_monitor_services_exists", PASS if monitor else FAIL,
        addresses.anomaly_monitor_address(monitor.name if monitor else wanted.monitor_name),
        f"Monitor {monitor.name} watches AWS services." if monitor else "No monitor of AWS services.",
    )]
    subscription = next((found for found in state.costs.subscriptions if found.name == wanted.subscription_name), None)
    address = addresses.anomaly_subscription_address(wanted.subscription_name)
    if subscription is None:
        return [*checks, Check("ce_anomaly_subscription_email_configured", FAIL, address, f"No subscription {wanted.subscription_name}.")]
    ok = (subscription.frequency == SUBSCRIPTION_FREQUENCY and set(subscription.emails) == set(wanted.emails)
          and threshold_of(subscription.threshold_expression) == wanted.threshold_usd
          and monitor is not None and monitor.arn in subscription.monitor_arns)
    return [*checks, Check(
        "ce_anomaly_subscription_email_configured", PASS if ok else FAIL, address,
        f"{subscription.name}: {subscription.frequency} email to {', '.join(sorted(subscription.emails)) or 'nobody'} of "
        f"anomalies of at least {threshold_of(subscription.threshold_expression) or '?'} USD "
        f"(asked {SUBSCRIPTION_FREQUENCY}, {', '.join(sorted(wanted.emails))}, {wanted.threshold_usd} USD).",
    )]


def verify_contact(state: GuardrailsState, spec: GuardrailsSpec) -> Check:
    """Judge the SECURITY alternate contact against what was asked."""
    wanted, found = spec.contact, state.costs.security_contact
    address = addresses.alternate_contact_address("SECURITY")
    if found is None:
        return Check("account_security_contact_information_is_registered", FAIL, address, "No security contact.")
    same = (found.name, found.title, found.email, found.phone) == (wanted.name, wanted.title, wanted.email, wanted.phone)
    return Check("account_security_contact_information_is_registered", PASS if same else FAIL, address,
                 f"Security contact: {found.name} ({found.title}), {found.email}, {found.phone}"
                 + ("." if same else f"; asked {wanted.name} ({wanted.title}), {wanted.email}, {wanted.phone}."))


def verify_checklist(account_id: str, confirmations: dict[str, bool]) -> list[Check]:
    """Return one check per console switch: PASS when confirmed, WARN when not (no API can tell)."""

    def status(item: ChecklistItem) -> str:
        return PASS if confirmations.get(item.key) else WARN

    def found(item: ChecklistItem) -> str:
        return f"{item.title}: confirmed." if confirmations.get(item.key) else f"{item.title}: not confirmed yet."

    return [
        Check("billing_iam_access_activated", status(BILLING_ACCESS),
              addresses.console_setting_address("billing_iam_access", account_id), found(BILLING_ACCESS)),
        Check("freetier_usage_alerts_enabled", status(FREE_TIER_ALERTS),
              addresses.console_setting_address("freetier_usage_alerts", account_id), found(FREE_TIER_ALERTS)),
    ]


def describe_account_plan(plan: AccountPlanFacts) -> str:
    """Return the account's plan in a sentence (``freetier:GetAccountPlanState``)."""
    if plan.unknown_because:
        return f"The account's plan could not be read ({plan.unknown_because}); Billing and Cost Management shows it."
    if plan.plan_type == "FREE":
        credits = f", {plan.credits} {plan.credits_unit} of credits left" if plan.credits else ""
        ends = f", until {plan.expires_at}" if plan.expires_at else ""
        return (f"The account is on the Free plan ({plan.status}{credits}{ends}). It cannot be charged; when the plan "
                "ends the account closes unless you upgrade it to the Paid plan. The budget still tells you how the "
                "credits go.")
    return f"The account is on the {plan.plan_type.title() or 'unknown'} plan ({plan.status or 'status unknown'}): usage is billed."
