"""The rule every text field shares: a string, stripped, of a bounded length."""

from __future__ import annotations

import unicodedata

from runbook_lib.errors import InputError


def require_text(value: object, field: str, what: str) -> str:
    """Return ``value`` stripped, or raise if it is not a string.

    Notebook parameters are untyped; a number or ``None`` where text is expected should fail
    with the rule, not with an ``AttributeError`` deep inside a check.

    Args:
        value: The value as given.
        field: The field name to report in the error.
        what: What the field should hold, in words, for the message.

    Returns:
        The string with surrounding whitespace removed.

    Raises:
        InputError: If ``value`` is not a ``str``.
    """
    if not isinstance(value, str):
        raise InputError(field, value, f"must be text (a quoted string): {what}")
    return value.strip()


NAME_MAX_LENGTH = 128


def validate_display_text(value: object, *, field: str) -> str:
    """Check a person's or group's name: non-empty text, no control characters, at most 128.

    Args:
        value: The name as given (given name, family name, display name, group name).
        field: The parameter or form field name to report in the error.

    Returns:
        The name with surrounding whitespace removed.

    Raises:
        InputError: If it is empty, too long, or holds control characters such as a newline.
    """
    rule = f"must be 1 to {NAME_MAX_LENGTH} characters of text, without control characters such as newlines"
    text = require_text(value, field, rule)
    if not text or len(text) > NAME_MAX_LENGTH or any(unicodedata.category(char).startswith("C") for char in text):
        raise InputError(field, value, rule)
    return text
