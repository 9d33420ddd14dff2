"""Field rules for where the runbook acts: target, region, account, profile, access portal URL.

Pure: no AWS call and no network. It only reads botocore's bundled data (the region list) and,
in :func:`validate_profile_exists`, the local AWS CLI config files.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

import botocore.exceptions
import botocore.loaders
import botocore.session

from runbook_lib.errors import InputError, ProfileNotFoundError
from runbook_lib.validate.text import require_text

PROFILE_NAME_MAX_LENGTH = 64
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.@+-]+", re.ASCII)

SANDBOX, PROFILE, ENVIRONMENT, NO_AWS_ACCESS = "sandbox", "profile", "environment", "none"
TARGET_DESCRIPTIONS = {
    SANDBOX: "the local AWS stand-in, no account needed",
    PROFILE: "a real account through an AWS CLI profile",
    ENVIRONMENT: (
        "a real account through the credentials the AWS SDK finds by itself: AWS_ACCESS_KEY_ID and "
        "its friends, or AWS CloudShell's"
    ),
    NO_AWS_ACCESS: "no AWS access yet: only what needs no credentials (step 05 writes the Admin's first profile)",
}
"""Where the runbook can act, each with what it means (the 00 form's choices and the error's rule)."""
TARGETS = tuple(TARGET_DESCRIPTIONS)

_ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)


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
    region = require_text(value, field, what)
    regions = known_regions()
    if region in regions:
        return region
    rule = f"must be {what}, in lower case"
    suggestion = _closest_region(region, regions)
    if suggestion:
        rule += f"; did you mean {suggestion!r}?"
    rule += f" (known regions: {', '.join(sorted(regions))})"
    raise InputError(field, value, rule)




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
    url = require_text(value, field, what)
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
    name = require_text(value, field, rule)
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
    """Check that ``value`` names where the runbook acts: one of ``TARGETS``.

    Args:
        value: The target as given.
        field: The parameter or form field name to report in the error.

    Returns:
        The target, stripped of surrounding whitespace.

    Raises:
        InputError: If it is not exactly one of the choices (lower case); the rule lists them
            with what each means.
    """
    choices = [f"{name!r} ({meaning})" for name, meaning in TARGET_DESCRIPTIONS.items()]
    rule = f"must be {', '.join(choices[:-1])} or {choices[-1]}"
    target = require_text(value, field, rule)
    if target not in TARGETS:
        raise InputError(field, value, rule)
    return target
