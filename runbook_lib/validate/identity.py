"""Field rules for the people and permission sets the runbook creates in IAM Identity Center.

Pure: no AWS call. Where a rule comes from AWS, the comment next to it says where it was checked.
"""

from __future__ import annotations

import re
import unicodedata

from runbook_lib.errors import InputError
from runbook_lib.validate.text import require_text

EMAIL_MAX_LENGTH = 128

# identitystore UserName: min 1, max 128, pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]+ (checked in
# botocore 1.44.8 identitystore 2020-06-15 service-2.json, shape UserName, and the Identity
# Store API reference for CreateUser). The console's "Add user" page says 1 to 100 characters;
# the runbook creates users through the API, so the API's 128 applies.
USER_NAME_MAX_LENGTH = 128
# Unicode general categories behind \p{L}, \p{M}, \p{S}, \p{N}, \p{P}: the first letter of
# unicodedata.category(). Whitespace (Z*) and control/format characters (C*) are left out.
_USER_NAME_CATEGORIES = frozenset("LMSNP")
# Older AWS docs for the User / DescribeUser shapes said "The characters <>;:% are excluded";
# the current model no longer says so. We keep rejecting them: a name with them is unusual and
# refusing it here is cheaper than a failed CreateUser.
_USER_NAME_EXCLUDED = frozenset("<>;:%")
# "Administrator and AWSAdministrators are reserved names and can't be used for users or
# groups" (CreateUser UserName documentation in the same service-2.json). AWS does not say
# whether the check ignores case; we compare case-insensitively to be safe.
_RESERVED_USER_NAMES = frozenset({"administrator", "awsadministrators"})

# sso-admin PermissionSetName: min 1, max 32, pattern [\w+=,.@-]+ (botocore sso-admin
# 2020-07-20 service-2.json, shape PermissionSetName). AWS patterns are Java regexes, where \w
# is ASCII-only, hence re.ASCII.
PERMISSION_SET_NAME_MAX_LENGTH = 32
_PERMISSION_SET_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)

# A permission set's session lasts 1 to 12 hours (AWS re:Post knowledge center "How do I use
# the IAM Identity Center and the AWS access portal?": "You can customize the session duration
# from 1 to 12 hours"). The API's Duration shape only asks for ISO-8601.
SESSION_HOURS_MIN = 1
SESSION_HOURS_MAX = 12
_ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", re.ASCII)

# AWS CLI profile names: a deliberately small alphabet that is safe inside "[profile NAME]"
# and on a command line, so no quoting question ever arises.

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+", re.ASCII)
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", re.ASCII)
_TOP_LEVEL_DOMAIN = re.compile(r"[A-Za-z]{2,}", re.ASCII)


def validate_email(value: object, *, field: str = "email") -> str:
    """Check that ``value`` looks like an email address that can receive the invitation.

    Pragmatic, not RFC 5322: ASCII only, one ``@``, a local part of the usual characters, a
    domain of dot-separated labels (letters, digits, hyphens) ending in a TLD of two or more
    letters. Catching a typo here matters because Identity Center sends the password set-up
    link to this address.

    Args:
        value: The address as given.
        field: The parameter or form field name to report in the error.

    Returns:
        The address, stripped of surrounding whitespace.

    Raises:
        InputError: If it breaks any of those rules; the message names the one it breaks.
    """
    email = require_text(value, field, "an email address such as you@example.com")

    def fail(rule: str) -> InputError:
        return InputError(field, value, f"must be an email address such as you@example.com: {rule}")

    if not email:
        raise fail("it is empty")
    if len(email) > EMAIL_MAX_LENGTH:
        raise fail(f"at most {EMAIL_MAX_LENGTH} characters (this one has {len(email)})")
    if any(char.isspace() for char in email):
        raise fail("no spaces")
    if email.count("@") != 1:
        raise fail("exactly one @")
    local, domain = email.split("@")
    if not local:
        raise fail("something before the @")
    if (
        not _EMAIL_LOCAL.fullmatch(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise fail(
            "before the @ only letters, digits and !#$%&'*+/=?^_`{|}~.- "
            "(no dot at either end, no two dots in a row)"
        )
    labels = domain.split(".")
    if len(labels) < 2:
        raise fail("a domain with at least one dot after the @, such as example.com")
    if not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise fail(
            "a domain made of letters, digits and hyphens between dots "
            "(no empty part, no hyphen at either end of a part)"
        )
    if not _TOP_LEVEL_DOMAIN.fullmatch(labels[-1]):
        raise fail("a domain ending in two or more letters, such as .com")
    return email


def validate_user_name(value: object, *, field: str = "user_name") -> str:
    """Check that ``value`` is a user name IAM Identity Center's identity store accepts.

    The person signs in to the access portal with it and it cannot be changed later, so it is
    worth refusing a bad one before the user is created.

    Args:
        value: The user name as given.
        field: The parameter or form field name to report in the error.

    Returns:
        The user name, stripped of surrounding whitespace.

    Raises:
        InputError: If it is empty, longer than 128 characters, contains whitespace, control
            characters or any of ``< > ; : %``, or is a name AWS reserves.
    """
    what = "a user name of letters, digits, symbols and punctuation"
    name = require_text(value, field, what)
    if not 1 <= len(name) <= USER_NAME_MAX_LENGTH:
        raise InputError(
            field,
            value,
            f"must be 1 to {USER_NAME_MAX_LENGTH} characters (this one has {len(name)})",
        )
    for char in name:
        if unicodedata.category(char)[0] not in _USER_NAME_CATEGORIES:
            raise InputError(
                field,
                value,
                f"must be {what} only, with no spaces or control characters "
                f"(found {char!r}, {unicodedata.name(char, 'unnamed character')})",
            )
        if char in _USER_NAME_EXCLUDED:
            raise InputError(
                field, value, f"must not contain any of < > ; : % (found {char!r})"
            )
    if name.casefold() in _RESERVED_USER_NAMES:
        raise InputError(
            field,
            value,
            "must not be 'Administrator' or 'AWSAdministrators' in any letter case: "
            "AWS reserves these names",
        )
    return name




def validate_permission_set_name(value: object, *, field: str = "permission_set_name") -> str:
    """Check that ``value`` is a name IAM Identity Center accepts for a permission set.

    The name also becomes part of the IAM role name (``AWSReservedSSO_<name>_...``) in each
    account, which is why AWS keeps it short and ASCII.

    Args:
        value: The permission set name as given, e.g. ``"AdministratorAccess"``.
        field: The parameter or form field name to report in the error.

    Returns:
        The name, stripped of surrounding whitespace.

    Raises:
        InputError: If it is empty, longer than 32 characters, or has a character other than
            ASCII letters, digits and ``_ + = , . @ -``.
    """
    rule = (
        f"must be 1 to {PERMISSION_SET_NAME_MAX_LENGTH} characters of ASCII letters, digits "
        "and _ + = , . @ - only"
    )
    name = require_text(value, field, rule)
    if len(name) > PERMISSION_SET_NAME_MAX_LENGTH or not _PERMISSION_SET_NAME.fullmatch(name):
        raise InputError(field, value, rule)
    return name


def validate_session_duration_hours(
    value: object, *, field: str = "session_duration_hours"
) -> str:
    """Check a permission set's session length in hours and return it as ISO-8601.

    Args:
        value: A whole number of hours from 1 to 12; an ``int``, or a ``float`` with no
            fractional part (e.g. ``4.0``).
        field: The parameter or form field name to report in the error.

    Returns:
        The duration as CreatePermissionSet's ``SessionDuration`` wants it, e.g. ``"PT4H"``.

    Raises:
        InputError: If it is not a number (``True``/``False`` and text included), not whole,
            or outside 1 to 12.
    """
    rule = f"must be a whole number of hours from {SESSION_HOURS_MIN} to {SESSION_HOURS_MAX}"
    # bool is a subclass of int; True would otherwise pass as 1 hour.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(field, value, f"{rule}, given as a number such as 4")
    if isinstance(value, float) and not value.is_integer():
        raise InputError(field, value, f"{rule}; fractions of an hour are not supported")
    hours = int(value)
    if not SESSION_HOURS_MIN <= hours <= SESSION_HOURS_MAX:
        raise InputError(field, value, rule)
    return f"PT{hours}H"


def iso_duration_to_hours(value: object, *, field: str = "session_duration") -> int:
    """Convert an ISO-8601 duration such as ``"PT4H"`` back to whole hours.

    Used to compare a permission set AWS returns with the hours asked for. Minutes and seconds
    are accepted as long as they add up to whole hours (``"PT90M"`` is refused, ``"PT60M"``
    is 1).

    Args:
        value: The duration, e.g. ``"PT12H"``.
        field: The field name to report in the error.

    Returns:
        The number of hours.

    Raises:
        InputError: If it is not a time-only ISO-8601 duration (``PT...``) of whole hours.
    """
    rule = "must be an ISO-8601 duration of whole hours, such as PT4H"
    duration = require_text(value, field, rule)
    match = _ISO_DURATION.fullmatch(duration)
    # "PT" alone matches the pattern with no parts; it is not a duration.
    if not match or not any(match.groups()):
        raise InputError(field, value, rule)
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total_seconds = hours * 3600 + minutes * 60 + seconds
    if total_seconds % 3600:
        raise InputError(field, value, rule)
    return total_seconds // 3600


# identitystore Name.GivenName / FamilyName and DisplayName, GroupDisplayName: 1..1024 characters
# of the same classes as a user name, spaces allowed inside (botocore identitystore service-2.json,
# SensitiveStringType / GroupDisplayName). Kept short here: a person's name, not a document.
