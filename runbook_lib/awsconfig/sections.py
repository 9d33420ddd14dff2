"""The two sections ``aws configure sso`` writes, as data, and the rules each field must keep.

:class:`SsoProfile` and :class:`SsoSession` are made by :func:`build_sso_profile` and
:func:`build_sso_session`, which validate every field before anything touches a file: a value
reaches the file only through these rules, so no newline or bracket can start a section of its
own. Each section has a stable address (``aws_config_profile.admin``,
``aws_config_sso_session.my-sso``), the way a plan names what it changes.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from runbook_lib.awsconfig.parse import PROFILE, SSO_SESSION
from runbook_lib.errors import InputError, RunbookError
from runbook_lib.validate import (
    validate_account_id,
    validate_permission_set_name,
    validate_portal_url,
    validate_profile_name,
    validate_region,
)

DEFAULT_REGISTRATION_SCOPES = "sso:account:access"
# The AWS CLI v2 `--output` choices (`aws help config-vars`, "output").
OUTPUT_FORMATS = ("json", "yaml", "yaml-stream", "text", "table")

# The keys each section gets, in the order `aws configure sso` writes them.
PROFILE_KEYS = ("sso_session", "sso_account_id", "sso_role_name", "region", "output")
SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")
# A profile that uses an sso-session must not carry these itself: botocore refuses a profile
# whose copy differs from the session's ("The value for sso_start_url is inconsistent between
# profile and sso-session", botocore.credentials.SSOProvider). Legacy SSO profiles hold
# sso_start_url and sso_region; replacing such a profile removes them.
SESSION_KEYS_IN_PROFILE = SESSION_KEYS

ADDRESS_TYPES = {PROFILE: "aws_config_profile", SSO_SESSION: "aws_config_sso_session"}
"""The address prefix of each kind of section, Terraform-style ``<type>.<name>``."""

# An OAuth scope as IAM Identity Center names them, e.g. sso:account:access.
_SCOPE = re.compile(r"[A-Za-z0-9_.:/-]+", re.ASCII)
_DUALSTACK_REGION = re.compile(r"https://ssoins-[a-z0-9]+\.portal\.([a-z0-9-]+)\.app\.aws")


def section_address(kind: str, name: str) -> str:
    """Return the stable address of a profile or sso-session, e.g. ``aws_config_profile.admin``."""
    return f"{ADDRESS_TYPES[kind]}.{name}"


def read_section_address(address: str) -> tuple[str, str]:
    """Return (kind, name) of an address made by :func:`section_address`.

    Raises:
        RunbookError: If the address names no config section (a bug: plans make addresses).
    """
    prefix, _, name = address.partition(".")
    for kind, known in ADDRESS_TYPES.items():
        if prefix == known and name:
            return kind, name
    raise RunbookError(
        f"{address!r} is not the address of an AWS CLI config section.",
        advice="This is a bug in the runbook: please report it with the plan shown above.",
    )


def section_header(kind: str, name: str) -> str:
    """Return the text between the brackets for a new section: ``default``, ``profile NAME``,
    ``sso-session NAME``."""
    if kind == PROFILE:
        return "default" if name == "default" else f"profile {name}"
    return f"sso-session {name}"


def keys_of(kind: str) -> tuple[str, ...]:
    """Return the keys the runbook writes in a section of ``kind``, in the AWS CLI's order."""
    return PROFILE_KEYS if kind == PROFILE else SESSION_KEYS


def removable_keys_of(kind: str) -> tuple[str, ...]:
    """Return the keys writing a section of ``kind`` removes (a legacy profile's sign-in keys)."""
    return SESSION_KEYS_IN_PROFILE if kind == PROFILE else ()


@dataclass(frozen=True)
class SsoProfile:
    """A ``[profile NAME]`` section as ``aws configure sso`` writes it.

    Make one with :func:`build_sso_profile`, which validates every field.

    Attributes:
        profile_name: The AWS CLI profile name; ``default`` is written as ``[default]``.
        sso_session: The ``[sso-session NAME]`` the profile signs in through.
        account_id: The 12-digit account the role is in.
        role_name: The permission set's name (IAM Identity Center's role name).
        region: The default region for commands run with the profile.
        output: The AWS CLI output format.
    """

    profile_name: str
    sso_session: str
    account_id: str
    role_name: str
    region: str
    output: str = "json"

    kind = PROFILE

    @property
    def name(self) -> str:
        """The name botocore knows the profile by."""
        return self.profile_name

    @property
    def section(self) -> str:
        """The section name between the brackets: ``default`` or ``profile NAME``."""
        return section_header(PROFILE, self.profile_name)

    @property
    def address(self) -> str:
        """The profile's address in a plan: ``aws_config_profile.NAME``."""
        return section_address(PROFILE, self.profile_name)

    def config_values(self) -> dict[str, str]:
        """Return the section's keys and values, in the order the AWS CLI writes them."""
        return dict(zip(PROFILE_KEYS, (self.sso_session, self.account_id, self.role_name, self.region, self.output)))


@dataclass(frozen=True)
class SsoSession:
    """An ``[sso-session NAME]`` section as ``aws configure sso`` writes it.

    Make one with :func:`build_sso_session`, which validates every field.

    Attributes:
        name: The session name profiles refer to with ``sso_session``; the token cache file
            is named after it, so one person signs in once per session.
        start_url: The AWS access portal URL.
        sso_region: The region IAM Identity Center is enabled in.
        registration_scopes: The OAuth scopes the AWS CLI registers for, comma-separated.
    """

    name: str
    start_url: str
    sso_region: str
    registration_scopes: str = DEFAULT_REGISTRATION_SCOPES

    kind = SSO_SESSION

    @property
    def section(self) -> str:
        """The section name between the brackets: ``sso-session NAME``."""
        return section_header(SSO_SESSION, self.name)

    @property
    def address(self) -> str:
        """The session's address in a plan: ``aws_config_sso_session.NAME``."""
        return section_address(SSO_SESSION, self.name)

    def config_values(self) -> dict[str, str]:
        """Return the section's keys and values, in the order the AWS CLI writes them."""
        return dict(zip(SESSION_KEYS, (self.start_url, self.sso_region, self.registration_scopes)))


def build_sso_profile(
    *,
    profile_name: object,
    sso_session: object,
    account_id: object,
    role_name: object,
    region: object,
    output: object = "json",
) -> SsoProfile:
    """Validate the fields of an SSO profile and return it.

    Args:
        profile_name: The AWS CLI profile name (the CLI's safe alphabet, see
            :func:`runbook_lib.validate.validate_profile_name`); ``default`` is allowed.
        sso_session: The name of the sso-session the profile uses (same rules).
        account_id: The 12-digit account ID, as text.
        role_name: The permission set's name (1 to 32 of ``A-Za-z0-9_+=,.@-``).
        region: The profile's default region, e.g. ``us-east-1``.
        output: The output format: one of ``OUTPUT_FORMATS``.

    Returns:
        The profile, every field stripped and checked.

    Raises:
        InputError: Naming the first field (as the parameter is named here) that breaks a rule.
    """
    return SsoProfile(
        profile_name=validate_profile_name(profile_name, field="profile_name"),
        sso_session=validate_profile_name(sso_session, field="sso_session"),
        account_id=validate_account_id(account_id, field="account_id"),
        role_name=validate_permission_set_name(role_name, field="role_name"),
        region=validate_region(region, field="region"),
        output=validate_output(output, field="output"),
    )


def build_sso_session(
    *,
    name: object,
    start_url: object,
    sso_region: object,
    registration_scopes: object = DEFAULT_REGISTRATION_SCOPES,
) -> SsoSession:
    """Validate the fields of an sso-session and return it.

    Args:
        name: The session name (the same rules as a profile name). Errors report it as the
            field ``sso_session``, the name profiles refer to it by.
        start_url: The AWS access portal URL; normalised as
            :func:`runbook_lib.validate.validate_portal_url` does.
        sso_region: The region IAM Identity Center is enabled in. A dual-stack portal URL names
            a region too; the two must agree.
        registration_scopes: OAuth scopes separated by commas.

    Returns:
        The session, every field stripped and checked.

    Raises:
        InputError: Naming the first field that breaks a rule.
    """
    session_name = validate_profile_name(name, field="sso_session")
    url = validate_portal_url(start_url, field="start_url")
    region = validate_region(sso_region, field="sso_region")
    check_portal_region(url, region, field="sso_region", given=sso_region)
    return SsoSession(
        name=session_name,
        start_url=url,
        sso_region=region,
        registration_scopes=validate_scopes(registration_scopes, field="registration_scopes"),
    )


def portal_region(url: str) -> str:
    """Return the region a dual-stack portal URL names, or ``""`` for a classic awsapps.com URL."""
    dualstack = _DUALSTACK_REGION.match(url)
    return dualstack.group(1) if dualstack else ""


def check_portal_region(url: str, region: str, *, field: str, given: object) -> None:
    """Refuse an Identity Center region other than the one a dual-stack portal URL names.

    Raises:
        InputError: Naming ``field``: Identity Center answers only in its own region.
    """
    named = portal_region(url)
    if named and named != region:
        raise InputError(
            field,
            given,
            f"must be the region in the portal URL ({named}): IAM Identity Center "
            "answers only in the region it is enabled in",
        )


def validate_output(value: object, *, field: str = "output") -> str:
    """Return ``value`` stripped if it is an AWS CLI output format.

    Raises:
        InputError: Naming ``field`` when it is not one of ``OUTPUT_FORMATS``.
    """
    rule = "must be one of " + ", ".join(OUTPUT_FORMATS)
    if not isinstance(value, str) or value.strip() not in OUTPUT_FORMATS:
        raise InputError(field, value, rule)
    return value.strip()


def validate_scopes(value: object, *, field: str = "registration_scopes") -> str:
    """Return ``value`` stripped if it is OAuth scopes separated by commas.

    Raises:
        InputError: Naming ``field`` when a scope has a character outside ``A-Za-z0-9_.:/-``.
    """
    rule = (
        "must be one or more OAuth scopes separated by commas, such as "
        f"{DEFAULT_REGISTRATION_SCOPES} (letters, digits and _ . : / - only)"
    )
    if not isinstance(value, str):
        raise InputError(field, value, rule)
    scopes = [scope.strip() for scope in value.split(",")]
    if not all(_SCOPE.fullmatch(scope) for scope in scopes):
        raise InputError(field, value, rule)
    return value.strip()


def checked_profile(profile: object) -> SsoProfile:
    """Return ``profile`` validated again, field by field.

    A frozen dataclass can be made without :func:`build_sso_profile`; nothing unchecked may
    reach the file.

    Raises:
        InputError: Naming the field that breaks a rule (``profiles`` for another type).
    """
    if not isinstance(profile, SsoProfile):
        raise InputError("profiles", profile, "each must be an SsoProfile made by build_sso_profile")
    return build_sso_profile(**dataclasses.asdict(profile))


def checked_session(session: object) -> SsoSession:
    """Return ``session`` validated again, field by field.

    Raises:
        InputError: Naming the field that breaks a rule (``sessions`` for another type).
    """
    if not isinstance(session, SsoSession):
        raise InputError("sessions", session, "each must be an SsoSession made by build_sso_session")
    return build_sso_session(**dataclasses.asdict(session))
