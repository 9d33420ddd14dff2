"""The rules of step 07's fields: budgets, alerts, the security contact, the trail and its bucket.

AWS Budgets allows at most 10 notifications per budget and, per notification, one SNS topic and
up to 10 email addresses; a budget's name is 1 to 100 characters without ``:`` or ``\\``.
botocore checks only the minimums and moto none of it, so a budget with 12 alerts would pass in
the sandbox and fail on AWS: the runbook refuses it here, before any call, naming the field.
The alternate contact's limits are the Account Management API's (``Name`` <= 64, ``Title`` <= 50,
``EmailAddress`` <= 254, ``PhoneNumber`` <= 25 of ``[\\s0-9()+-]``).
"""

from __future__ import annotations

import decimal
import re
import unicodedata

from runbook_lib.errors import InputError
from runbook_lib.validate.identity import validate_email
from runbook_lib.validate.text import require_text

BUDGET_NAME_MAX_LENGTH = 100
MAX_NOTIFICATIONS_PER_BUDGET = 10
MAX_EMAILS_PER_NOTIFICATION = 10
MAX_SNS_TOPICS_PER_NOTIFICATION = 1
NOTIFICATION_TYPES = ("ACTUAL", "FORECASTED")
MAX_BUDGET_LIMIT_USD = decimal.Decimal("1000000")
"""Not AWS's limit: a monthly limit above a million dollars is a typo in a personal account."""
ALERT_PATTERN = re.compile(r"(ACTUAL|FORECASTED)\s*>\s*(\d+(?:\.\d+)?)\s*%?", re.IGNORECASE | re.ASCII)
"""An alert as the parameters write it: ``ACTUAL>80`` (actual spend above 80 % of the limit)."""

CONTACT_NAME_MAX_LENGTH = 64
CONTACT_TITLE_MAX_LENGTH = 50
CONTACT_EMAIL_MAX_LENGTH = 254
CONTACT_PHONE_MAX_LENGTH = 25
_CONTACT_PHONE = re.compile(r"[\s0-9()+-]+", re.ASCII)

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+", re.ASCII)
_TRAIL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]", re.ASCII)
_ADJACENT_SEPARATORS = re.compile(r"[._-]{2}")
_ANALYZER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,254}", re.ASCII)
RESOURCE_NAME_MAX_LENGTH = 1024
"""Cost anomaly monitors' and subscriptions' names."""


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char).startswith("C") for char in text)


def validate_budget_name(value: object, *, field: str = "budget_name") -> str:
    """Check a budget's name: 1 to 100 characters, no ``:``, no ``\\``, no control characters.

    Raises:
        InputError: naming ``field`` when the name breaks the rule.
    """
    rule = f"must be 1 to {BUDGET_NAME_MAX_LENGTH} characters, without ':' or '\\' (AWS Budgets' rule)"
    name = require_text(value, field, rule)
    if not name or len(name) > BUDGET_NAME_MAX_LENGTH or ":" in name or "\\" in name or _has_control_characters(name):
        raise InputError(field, value, rule)
    return name


def validate_limit_usd(value: object, *, field: str = "budget_limit_usd") -> str:
    """Check a monthly limit in US dollars and return it as AWS writes amounts (``"20"``, ``"12.5"``).

    Raises:
        InputError: naming ``field`` for anything but a number above 0 (and at most a million),
            with at most two decimals.
    """
    rule = f"must be a number of US dollars above 0 and at most {MAX_BUDGET_LIMIT_USD}, with at most two decimals"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(field, value, rule)
    try:
        amount = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise InputError(field, value, rule) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_BUDGET_LIMIT_USD or amount != amount.quantize(decimal.Decimal("0.01")):
        raise InputError(field, value, rule)
    return format_amount(amount)


def format_amount(amount: decimal.Decimal) -> str:
    """Return an amount without trailing zeros: ``20``, ``12.5``."""
    text = f"{amount.quantize(decimal.Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def validate_alerts(value: object, *, field: str = "budget_alerts") -> list[tuple[str, str]]:
    """Check the budget's alerts, ``["ACTUAL>80", "FORECASTED>100"]``: at most 10, none twice.

    Returns:
        ``(notification type, percentage)`` per alert, e.g. ``("ACTUAL", "80")``.

    Raises:
        InputError: naming ``field`` (or ``field[i]``) for more than 10 alerts, a duplicate, or
            an alert that is not ``ACTUAL>N`` or ``FORECASTED>N`` with N above 0.
    """
    if not isinstance(value, (list, tuple)):
        raise InputError(field, value, 'must be a list of alerts, e.g. ["ACTUAL>80", "FORECASTED>100"]')
    if not value:
        raise InputError(field, value, "must name at least one alert, e.g. ACTUAL>80")
    if len(value) > MAX_NOTIFICATIONS_PER_BUDGET:
        raise InputError(
            field, value,
            f"holds {len(value)} alerts; AWS Budgets allows at most {MAX_NOTIFICATIONS_PER_BUDGET} notifications per budget",
        )
    alerts: list[tuple[str, str]] = []
    for index, entry in enumerate(value):
        matched = ALERT_PATTERN.fullmatch(entry.strip()) if isinstance(entry, str) else None
        percentage = decimal.Decimal(matched.group(2)) if matched else decimal.Decimal(0)
        if matched is None or percentage <= 0 or percentage > 1000:
            raise InputError(
                f"{field}[{index}]", entry,
                "must be ACTUAL>N or FORECASTED>N, N the percentage of the limit (above 0, at most 1000)",
            )
        alert = (matched.group(1).upper(), format_amount(percentage))
        if alert in alerts:
            raise InputError(f"{field}[{index}]", entry, "is listed twice; AWS Budgets keeps one notification per threshold")
        alerts.append(alert)
    return alerts


def validate_alert_emails(value: object, *, field: str = "alert_emails") -> tuple[str, ...]:
    """Check the alerts' email addresses: 1 to 10, each valid, none twice.

    Raises:
        InputError: naming ``field`` (or ``field[i]``) for none, more than 10, or a bad address.
    """
    if not isinstance(value, (list, tuple)) or not value:
        raise InputError(field, value, "must be a list of 1 to 10 email addresses that get the alerts")
    if len(value) > MAX_EMAILS_PER_NOTIFICATION:
        raise InputError(
            field, value,
            f"holds {len(value)} addresses; AWS Budgets allows at most {MAX_EMAILS_PER_NOTIFICATION} email "
            "subscribers per notification",
        )
    emails: list[str] = []
    for index, entry in enumerate(value):
        email = validate_email(entry, field=f"{field}[{index}]")
        if email.lower() in (known.lower() for known in emails):
            raise InputError(f"{field}[{index}]", entry, "is listed twice")
        emails.append(email)
    return tuple(emails)


def validate_sns_topics(value: object, *, field: str = "alert_sns_topic_arn") -> tuple[str, ...]:
    """Check the optional SNS topic of the alerts: at most one, an SNS topic ARN.

    Accepts "" (none), one ARN, or a list (so that a second topic is refused by name, not lost).

    Raises:
        InputError: naming ``field`` for more than one topic or something that is not a topic ARN.
    """
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, (list, tuple)) or not all(isinstance(topic, str) for topic in listed):
        raise InputError(field, value, "must be an SNS topic ARN, or empty")
    topics = [topic.strip() for topic in listed if topic.strip()]
    if len(topics) > MAX_SNS_TOPICS_PER_NOTIFICATION:
        raise InputError(field, value, "names more than one topic; AWS Budgets allows one SNS topic per notification")
    for topic in topics:
        if not re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}", topic):
            raise InputError(field, value, "must be an SNS topic ARN, arn:aws:sns:<region>:<account id>:<topic>")
    return tuple(topics)


def validate_resource_name(value: object, *, field: str) -> str:
    """Check a cost anomaly monitor's or subscription's name: 1 to 1024 characters of text.

    Raises:
        InputError: naming ``field`` when it is empty, too long, or holds control characters.
    """
    rule = f"must be 1 to {RESOURCE_NAME_MAX_LENGTH} characters, without control characters"
    name = require_text(value, field, rule)
    if not name or len(name) > RESOURCE_NAME_MAX_LENGTH or _has_control_characters(name):
        raise InputError(field, value, rule)
    return name


def validate_contact_text(value: object, *, field: str, max_length: int) -> str:
    """Check a contact's name or title: 1 to ``max_length`` characters, no control characters.

    Raises:
        InputError: naming ``field``.
    """
    rule = f"must be 1 to {max_length} characters, without control characters"
    text = require_text(value, field, rule)
    if not text or len(text) > max_length or _has_control_characters(text):
        raise InputError(field, value, rule)
    return text


def validate_contact_email(value: object, *, field: str = "security_contact_email") -> str:
    """Check the contact's email: a valid address of at most 254 characters.

    Raises:
        InputError: naming ``field``.
    """
    email = validate_email(value, field=field)
    if len(email) > CONTACT_EMAIL_MAX_LENGTH:
        raise InputError(field, value, f"must be at most {CONTACT_EMAIL_MAX_LENGTH} characters")
    return email


def validate_contact_phone(value: object, *, field: str = "security_contact_phone") -> str:
    """Check the contact's phone: 1 to 25 of digits, spaces, ``(``, ``)``, ``+`` and ``-``.

    Raises:
        InputError: naming ``field``.
    """
    rule = f"must be 1 to {CONTACT_PHONE_MAX_LENGTH} characters of digits, spaces, '(', ')', '+' and '-', e.g. +44 20 7946 0958"
    phone = require_text(value, field, rule)
    if not phone or len(phone) > CONTACT_PHONE_MAX_LENGTH or not _CONTACT_PHONE.fullmatch(phone) or not any(
            char.isdigit() for char in phone):
        raise InputError(field, value, rule)
    return phone


def validate_bucket_name(value: object, *, field: str = "trail_bucket_name") -> str:
    """Check an S3 bucket name: 3 to 63 of lowercase letters, digits, dots and hyphens, starting
    and ending with a letter or digit, no ``..``, not an IP address, none of S3's reserved
    prefixes and suffixes.

    Raises:
        InputError: naming ``field``.
    """
    rule = ("must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter "
            "or digit (S3's rule), e.g. runbook-cloudtrail-123456789012")
    name = require_text(value, field, rule)
    if (not _BUCKET_NAME.fullmatch(name) or ".." in name or _IP_ADDRESS.fullmatch(name)
            or name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3"))):
        raise InputError(field, value, rule)
    return name


def validate_trail_name(value: object, *, field: str = "trail_name") -> str:
    """Check a CloudTrail trail name: 3 to 128 of letters, digits, ``.``, ``_`` and ``-``,
    starting and ending with a letter or digit, no two separators side by side.

    Raises:
        InputError: naming ``field``.
    """
    rule = ("must be 3 to 128 letters, digits, '.', '_' and '-', starting and ending with a letter or digit, "
            "without two of '.', '_', '-' side by side (CloudTrail's rule)")
    name = require_text(value, field, rule)
    if not _TRAIL_NAME.fullmatch(name) or _ADJACENT_SEPARATORS.search(name):
        raise InputError(field, value, rule)
    return name


def validate_analyzer_name(value: object, *, field: str = "analyzer_name") -> str:
    """Check an IAM Access Analyzer name: a letter, then up to 254 letters, digits, ``_ . -``.

    Raises:
        InputError: naming ``field``.
    """
    rule = "must start with a letter and hold at most 255 letters, digits, '_', '.' and '-'"
    name = require_text(value, field, rule)
    if not _ANALYZER_NAME.fullmatch(name):
        raise InputError(field, value, rule)
    return name
