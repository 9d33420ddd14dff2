"""Check the runbook's parameters before any AWS call is made.

A typo in a parameters cell should fail in the first cell that reads it, with a sentence that
names the field and the rule, not minutes later as an AWS ``ValidationException`` half-way
through a step. Each ``validate_*`` function takes the raw value (notebook parameters and form
fields arrive untyped, so values are ``object``), returns it normalised (e.g. stripped), or
raises :class:`runbook_lib.errors.InputError` naming the field.

The module is pure: no AWS calls and no network. It only reads botocore's bundled data (the
region list) and, in :func:`validate_profile_exists`, the local AWS CLI config files.

Where a rule comes from AWS, the comment next to it says where it was checked.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable

import botocore.exceptions
import botocore.loaders
import botocore.session

from runbook_lib.errors import InputError, ProfileNotFoundError

# Identity Center's CreateUser Emails[].Value is typed 1..1024 characters in the API model
# (botocore identitystore 2020-06-15 service-2.json, shape SensitiveStringType), so 128 is
# not an API limit. We could not find a documented 128-character limit for Identity Center
# emails; 128 is a deliberately conservative cap (no real address of the person setting up
# their own account comes near it) and can be raised if AWS documents a larger one.
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
PROFILE_NAME_MAX_LENGTH = 64
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.@+-]+", re.ASCII)

TARGETS = ("sandbox", "profile")

_ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+", re.ASCII)
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", re.ASCII)
_TOP_LEVEL_DOMAIN = re.compile(r"[A-Za-z]{2,}", re.ASCII)

# Access portal URLs. Forms checked against the AWS SDK for .NET's SSOEndpointResolver tests
# (aws/aws-sdk-net, SSOEndpointResolverTests.cs): https://<directory id or custom
# subdomain>.awsapps.com/start, and the dual-stack https://ssoins-<id>.portal.<region>.app.aws
# (optionally with /start). The directory id is d- and 10 characters (identitystore's
# IdentityStoreId pattern d-[0-9a-f]{10}). Deliberately not accepted: the other partitions'
# forms (China, GovCloud, EUSC) and the newer IPv4-only ssoins-<id>.<region>.portal.amazonaws.com,
# which this runbook does not target.
_AWSAPPS_PORTAL = re.compile(
    r"https://([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.awsapps\.com/start"
)
_DUALSTACK_PORTAL = re.compile(
    r"https://ssoins-[a-z0-9]{16}\.portal\.([a-z0-9-]+)\.app\.aws(/start)?"
)
_DIRECTORY_SUBDOMAIN = re.compile(r"d-[a-z0-9]{10}")
_AWSAPPS_EXAMPLE = "https://d-1234567890.awsapps.com/start"
_DUALSTACK_EXAMPLE = "https://ssoins-1234567890abcdef.portal.us-east-1.app.aws"


@functools.lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Return every region name in botocore's bundled endpoints data, across all partitions.

    The bundled data moves with the installed botocore, so the list is as fresh as the SDK
    that will make the calls, and reading it needs no network. Cached because the file is
    parsed once per process.

    Returns:
        Region names such as ``us-east-1``, ``cn-north-1``, ``us-gov-west-1``.
    """
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return frozenset(
        region for partition in endpoints["partitions"] for region in partition["regions"]
    )


def _require_text(value: object, field: str, what: str) -> str:
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


def _closest_region(typed: str, regions: frozenset[str]) -> str | None:
    """Return the known region most like ``typed``, or None when none is close.

    Compared in lower case so "US-EAST-1" still gets "us-east-1". Ties go to the first name
    in sorted order, so "us-east-9" suggests "us-east-1" rather than "us-east-2".
    """
    typed = typed.lower()
    candidates = difflib.get_close_matches(typed, regions, n=len(regions))
    if not candidates:
        return None
    return max(
        sorted(candidates), key=lambda region: difflib.SequenceMatcher(None, typed, region).ratio()
    )


def validate_region(value: object, *, field: str = "region") -> str:
    """Check that ``value`` is the name of a real AWS region.

    Args:
        value: The region as given, e.g. ``"us-east-1"``.
        field: The parameter or form field name to report in the error.

    Returns:
        The region name, stripped of surrounding whitespace.

    Raises:
        InputError: If it is not text or not a known region name (the message suggests the
            closest known name when there is one).
    """
    what = "a region name such as us-east-1"
    region = _require_text(value, field, what)
    regions = known_regions()
    if region in regions:
        return region
    rule = f"must be {what}, in lower case"
    suggestion = _closest_region(region, regions)
    if suggestion:
        rule += f"; did you mean {suggestion!r}?"
    rule += f" (known regions: {', '.join(sorted(regions))})"
    raise InputError(field, value, rule)


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
    email = _require_text(value, field, "an email address such as you@example.com")

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
    name = _require_text(value, field, what)
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


def validate_account_id(value: object, *, field: str = "account_id") -> str:
    """Check that ``value`` is an AWS account ID: exactly 12 digits, given as text.

    Args:
        value: The account ID as given, e.g. ``"012345678901"``.
        field: The parameter or form field name to report in the error.

    Returns:
        The account ID, stripped of surrounding whitespace.

    Raises:
        InputError: If it is not a string (an integer would silently lose leading zeros) or is
            not exactly 12 digits 0-9.
    """
    if not isinstance(value, str):
        raise InputError(
            field,
            value,
            "give it as a quoted string of 12 digits, e.g. \"012345678901\" "
            "(a number loses leading zeros)",
        )
    account_id = value.strip()
    if not _ACCOUNT_ID.fullmatch(account_id):
        raise InputError(field, value, "must be exactly 12 digits 0-9, e.g. \"012345678901\"")
    return account_id


def validate_portal_url(value: object, *, field: str = "portal_url") -> str:
    """Check that ``value`` is an IAM Identity Center AWS access portal URL.

    Two forms are accepted, both over https:
    ``https://<d-xxxxxxxxxx or custom subdomain>.awsapps.com/start`` (optionally ``/start/``
    or ``/start#/``, as browsers show it) and the dual-stack
    ``https://ssoins-<16 letters/digits>.portal.<region>.app.aws`` (optionally ``/start`` and a
    trailing slash). The AWS CLI writes the URL into ``sso_start_url``, so it is normalised to
    one spelling: host in lower case, no trailing ``#/`` or ``/``.

    Args:
        value: The URL as given, usually copied from the IAM Identity Center dashboard.
        field: The parameter or form field name to report in the error.

    Returns:
        The normalised URL, e.g. ``https://d-1234567890.awsapps.com/start``.

    Raises:
        InputError: If it is not https, not one of the two forms, or names an unknown region.
    """
    what = f"an AWS access portal URL such as {_AWSAPPS_EXAMPLE} or {_DUALSTACK_EXAMPLE}"
    url = _require_text(value, field, what)
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise InputError(field, value, f"must be {what} (it has no https://)")
    if scheme.lower() != "https":
        raise InputError(field, value, f"must use https://, not {scheme}://")
    host, slash, path = rest.partition("/")
    # Host names are case-insensitive; the path is not, so only the host is lowered.
    url = f"https://{host.lower()}{slash}{path}"
    if url.endswith("#/"):
        url = url[: -len("#/")]
    url = url.rstrip("/")

    awsapps = _AWSAPPS_PORTAL.fullmatch(url)
    if awsapps:
        subdomain = awsapps.group(1)
        if subdomain.startswith("d-") and not _DIRECTORY_SUBDOMAIN.fullmatch(subdomain):
            raise InputError(
                field,
                value,
                "the part before .awsapps.com must be d- followed by 10 lower-case letters or "
                f"digits (e.g. {_AWSAPPS_EXAMPLE}), or your custom subdomain",
            )
        return url

    dualstack = _DUALSTACK_PORTAL.fullmatch(url)
    if dualstack:
        try:
            validate_region(dualstack.group(1), field=field)
        except InputError as error:
            raise InputError(
                field, value, f"the region in the URL is not known: {error.rule}"
            ) from error
        return url

    raise InputError(field, value, f"must be {what}")


def validate_profile_name(value: object, *, field: str = "profile") -> str:
    """Check that ``value`` can be used as an AWS CLI profile name.

    The name ends up in ``[profile NAME]`` in ``~/.aws/config`` and after ``--profile`` on a
    command line, so it is kept to characters that need no quoting in either place. ``default``
    is allowed.

    Args:
        value: The profile name as given.
        field: The parameter or form field name to report in the error.

    Returns:
        The profile name, stripped of surrounding whitespace.

    Raises:
        InputError: If it is empty, longer than 64 characters, or has a character other than
            ASCII letters, digits and ``- _ . @ +``.
    """
    rule = (
        f"must be 1 to {PROFILE_NAME_MAX_LENGTH} characters of ASCII letters, digits and "
        "- _ . @ + only (no spaces, brackets, #, ;, = or quotes)"
    )
    name = _require_text(value, field, rule)
    if len(name) > PROFILE_NAME_MAX_LENGTH or not _PROFILE_NAME.fullmatch(name):
        raise InputError(field, value, rule)
    return name


def validate_profile_exists(
    value: object, *, field: str = "profile", available: Iterable[str] | None = None
) -> str:
    """Check that ``value`` is a valid profile name and that the profile is configured.

    Args:
        value: The profile name as given.
        field: The parameter or form field name to report in the error.
        available: The profile names to look in. By default, the profiles botocore finds in
            the AWS config and credentials files (honouring ``AWS_CONFIG_FILE`` and
            ``AWS_SHARED_CREDENTIALS_FILE``); reading them needs no network.

    Returns:
        The profile name, stripped of surrounding whitespace.

    Raises:
        InputError: If the name breaks :func:`validate_profile_name`'s rule, or the config file
            cannot be parsed.
        ProfileNotFoundError: If no profile of that name is configured.
    """
    name = validate_profile_name(value, field=field)
    if available is None:
        try:
            known = list(botocore.session.Session().available_profiles)
        except botocore.exceptions.ConfigParseError as error:
            raise InputError(
                field, value, f"cannot be looked up: the AWS config file is not valid ({error})"
            ) from error
    else:
        known = list(available)
    if name not in known:
        raise ProfileNotFoundError(name, known, field=field)
    return name


def validate_target(value: object, *, field: str = "target") -> str:
    """Check that ``value`` names where the runbook acts: ``"sandbox"`` or ``"profile"``.

    Args:
        value: The target as given.
        field: The parameter or form field name to report in the error.

    Returns:
        The target, stripped of surrounding whitespace.

    Raises:
        InputError: If it is not exactly one of the two choices (lower case).
    """
    rule = (
        "must be 'sandbox' (the local AWS stand-in) or 'profile' (a real account through an "
        "AWS CLI profile)"
    )
    target = _require_text(value, field, rule)
    if target not in TARGETS:
        raise InputError(field, value, rule)
    return target


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
    name = _require_text(value, field, rule)
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
    duration = _require_text(value, field, rule)
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
    text = _require_text(value, field, rule)
    if not text or len(text) > NAME_MAX_LENGTH or any(unicodedata.category(char).startswith("C") for char in text):
        raise InputError(field, value, rule)
    return text
