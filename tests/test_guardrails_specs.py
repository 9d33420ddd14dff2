"""Tests for step 07's validation: AWS's maximums refused by field name, before any AWS call."""

from __future__ import annotations

from typing import Any

import pytest

from aws_guard import refuse_every_aws_call
from runbook_lib.errors import InputError
from runbook_lib.steps.guardrails import build_guardrails_spec
from runbook_lib.steps.guardrails.specs import SANDBOX_PHONE, default_bucket_name

ACCOUNT = "123456789012"
GOOD: dict[str, Any] = dict(
    account_id=ACCOUNT, budget_name="monthly-cost", budget_limit_usd=20.0,
    budget_alerts=["ACTUAL>80", "ACTUAL>100", "FORECASTED>100"], alert_emails=[], alert_sns_topic_arn="",
    anomaly_monitor_name="runbook-aws-services", anomaly_subscription_name="runbook-daily-anomalies",
    anomaly_threshold_usd=10.0, security_contact_name="Ada", security_contact_title="Account owner",
    security_contact_email="ada@example.com", security_contact_phone="+44 20 7946 0958",
)


@pytest.fixture
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test on any AWS call."""
    return refuse_every_aws_call(monkeypatch)


def build(**changed: Any) -> Any:
    """Return the spec of ``GOOD`` with ``changed`` fields."""
    return build_guardrails_spec(**{**GOOD, **changed})


def test_the_defaults_build_the_three_alerts_to_the_contacts_address(no_aws_calls: list[str]) -> None:
    spec = build()
    assert [alert.name for alert in spec.budget.alerts] == ["ACTUAL>80", "ACTUAL>100", "FORECASTED>100"]
    assert spec.budget.emails == spec.anomaly.emails == ("ada@example.com",)
    assert spec.budget.limit_usd == "20" and spec.anomaly.threshold_usd == "10"
    assert spec.anomaly.threshold_expression() == {"Dimensions": {
        "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "Values": ["10"], "MatchOptions": ["GREATER_THAN_OR_EQUAL"]}}
    assert spec.hardening.chosen == frozenset()
    assert no_aws_calls == []


ELEVEN = [f"ACTUAL>{n}" for n in range(10, 120, 10)]
EMAILS = [f"person{n}@example.com" for n in range(11)]


@pytest.mark.parametrize(("field", "value", "reported", "words"), [
    ("budget_alerts", ELEVEN, "budget_alerts", "at most 10 notifications per budget"),
    ("budget_alerts", [], "budget_alerts", "at least one"),
    ("budget_alerts", ["ACTUAL>80", "ACTUAL>80"], "budget_alerts[1]", "twice"),
    ("budget_alerts", ["SPENT>80"], "budget_alerts[0]", "ACTUAL>N or FORECASTED>N"),
    ("budget_alerts", ["ACTUAL>0"], "budget_alerts[0]", "above 0"),
    ("alert_emails", EMAILS, "alert_emails", "at most 10 email subscribers per notification"),
    ("alert_emails", ["ada@example.com", "not-an-address"], "alert_emails[1]", "email"),
    ("alert_emails", ["ada@example.com", "ADA@example.com"], "alert_emails[1]", "twice"),
    ("alert_sns_topic_arn", ["arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:b"],
     "alert_sns_topic_arn", "one SNS topic per notification"),
    ("alert_sns_topic_arn", "arn:aws:sqs:us-east-1:123456789012:q", "alert_sns_topic_arn", "SNS topic ARN"),
    ("budget_name", "monthly:cost", "budget_name", "without ':'"),
    ("budget_name", "monthly\\cost", "budget_name", "without ':' or '\\'"),
    ("budget_name", "x" * 101, "budget_name", "1 to 100"),
    ("budget_name", "", "budget_name", "1 to 100"),
    ("budget_limit_usd", 0, "budget_limit_usd", "above 0"),
    ("budget_limit_usd", -5, "budget_limit_usd", "above 0"),
    ("budget_limit_usd", 12.345, "budget_limit_usd", "two decimals"),
    ("budget_limit_usd", True, "budget_limit_usd", "number"),
    ("anomaly_threshold_usd", "lots", "anomaly_threshold_usd", "number"),
    ("security_contact_name", "x" * 65, "security_contact_name", "1 to 64"),
    ("security_contact_title", "x" * 51, "security_contact_title", "1 to 50"),
    ("security_contact_email", "ada", "security_contact_email", "email"),
    ("security_contact_phone", "call me", "security_contact_phone", "digits"),
    ("security_contact_phone", "+1 " + "5" * 23, "security_contact_phone", "1 to 25"),
    ("security_contact_phone", "", "security_contact_phone", "phone number"),
])
def test_a_field_beyond_aws_limits_is_refused_by_name_before_any_aws_call(
    field: str, value: object, reported: str, words: str, no_aws_calls: list[str]
) -> None:
    with pytest.raises(InputError) as refused:
        build(**{field: value})
    assert refused.value.field == reported
    assert words in refused.value.rule
    assert no_aws_calls == []


def test_ten_alerts_and_ten_addresses_and_one_topic_are_allowed(no_aws_calls: list[str]) -> None:
    spec = build(budget_alerts=ELEVEN[:10], alert_emails=EMAILS[:10], alert_sns_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts")
    assert len(spec.budget.alerts) == 10 and len(spec.budget.subscribers()) == 11


def test_the_sandbox_lends_a_fictional_phone_and_a_real_account_does_not() -> None:
    assert build(security_contact_phone="", sandbox=True).contact.phone == SANDBOX_PHONE
    with pytest.raises(InputError, match="security_contact_phone"):
        build(security_contact_phone="", sandbox=False)


@pytest.mark.parametrize(("field", "value"), [
    ("trail_name", "a"), ("trail_name", "my--trail"), ("trail_name", "-trail"),
    ("trail_bucket_name", "Upper-Case"), ("trail_bucket_name", "192.168.1.1"), ("trail_bucket_name", "a..b"),
    ("trail_bucket_name", "xn--bucket"), ("trail_bucket_name", "ab"),
])
def test_the_trail_and_its_bucket_are_checked_only_when_chosen(field: str, value: str) -> None:
    fields = {"trail_name": "runbook-trail", field: value}
    assert build(**fields).hardening.chosen == frozenset()  # not chosen: not judged
    with pytest.raises(InputError) as refused:
        build(cloudtrail=True, **fields)
    assert refused.value.field == field


def test_the_trail_bucket_defaults_to_a_name_with_the_account_id() -> None:
    spec = build(cloudtrail=True, trail_name="runbook-trail")
    assert spec.hardening.bucket_name == default_bucket_name(ACCOUNT) == "runbook-cloudtrail-123456789012"
    assert spec.hardening.chosen == {"cloudtrail"}


def test_the_analyzer_name_is_checked_when_chosen() -> None:
    with pytest.raises(InputError, match="analyzer_name"):
        build(access_analyzer=True, analyzer_name="1-starts-with-a-digit")
