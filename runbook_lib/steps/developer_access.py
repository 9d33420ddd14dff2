"""Step 06: sign in as the developer through the access portal and prove the profile works.

The runbook does what ``aws sso login --profile NAME --use-device-code`` does: the OIDC device
authorization flow, then the token in botocore's cache. It then builds a session from the
profile alone and asks STS who it is: the developer's ``AWSReservedSSO_`` role, in this account.

A cached token is good only if it is the profile's person's: the token cache has one file per
sso-session, and the token belongs to whoever approved the sign-in. So the plan does not trust
``expiresAt`` alone: ``read_token_state`` asks the access portal, with the token, which roles it
reaches in the profile's account (``sso:ListAccountRoles``, no AWS credentials needed), and the
pure ``plan_sign_in`` plans a new sign-in for a token that is expired, refused (signed out,
revoked, its user deleted) or another person's. The token itself never leaves ``read_token_state``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import boto3
import botocore.exceptions
import botocore.session

from runbook_lib import validate
from runbook_lib.aws import AwsContext, CallRecorder, error_code, paginate, point_session_at, translating_aws_errors
from runbook_lib.checks import FAIL, PASS, Check, Verification
from runbook_lib.errors import InputError, ProfileNotWrittenError
from runbook_lib.plan import CREATE, REPLACE, Applier, Change, Plan
from runbook_lib.sso_login import (
    DevicePrompt,
    login_with_device_code,
    read_token_cache,
    sso_portal_client,
    write_token_cache,
)
from runbook_lib import addresses
from runbook_lib.steps.least_privilege import reserved_role_name_pattern

STEP_ID = "06_verify_developer_access"
NOT_SIGNED_IN = (
    botocore.exceptions.SSOTokenLoadError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.UnauthorizedSSOTokenError,
)
"""What botocore raises for a profile with no (or an expired) sign-in: a FAIL to show, not a crash."""
TOKEN_MARGIN = timedelta(minutes=15)
"""botocore refreshes a token within 15 minutes of its expiry; one closer than that is renewed."""
UNAUTHORIZED, FORBIDDEN = "UnauthorizedException", "ForbiddenException"
"""The portal's two refusals of a token: not accepted at all (expired, signed out, revoked, its
user deleted), and no access to what was asked (a token of another person)."""
TYPO_SIMILARITY = 0.85
"""How alike (difflib's ratio, ignoring case) a missing profile's name and one the config file
has must be to count as a typo of it: ``ada-develper`` is (0.96), ``bob-developer`` is not (0.77)."""


@dataclass(frozen=True)
class SsoProfileSettings:
    """What the config file says about one SSO profile and its sso-session."""

    profile_name: str
    session_name: str
    start_url: str
    sso_region: str
    account_id: str
    role_name: str


def read_profile_settings(config_path: Path, profile_name: str) -> SsoProfileSettings:
    """Read an ``aws configure sso`` profile (and its sso-session) the way botocore reads it.

    A profile that is not in the file is usually one step 05 has not written yet (a plan-only
    run on a half-built account): the step waits for step 05. Only a name one typo away from a
    profile the file has is taken for a mistake in the parameter, since waiting would not end.

    Raises:
        ProfileNotWrittenError: when the file (or no file yet) has no such profile and none
            with a name close to it: step 05 writes it.
        InputError: naming ``developer_profile`` when the name is not a profile name, is a typo
            of a profile the file has, or the profile is not an sso-session profile (step 05
            writes one).
    """
    validate.validate_profile_name(profile_name, field="developer_profile")
    reader = botocore.session.Session()
    reader.set_config_variable("config_file", str(config_path))
    config = reader.full_config
    profiles = config.get("profiles", {})
    profile = profiles.get(profile_name)
    if profile is None:
        close = find_close_profile_name(profile_name, list(profiles))
        if close:
            raise InputError(
                "developer_profile", profile_name,
                f"no such profile in {config_path}; did you mean {close!r}? (If {profile_name!r} is a "
                "new profile, apply step 05 first.)",
            )
        raise ProfileNotWrittenError("developer_profile", profile_name, config_path, list(profiles))
    session = config.get("sso_sessions", {}).get(profile.get("sso_session", ""))
    if session is None or not {"sso_account_id", "sso_role_name"} <= set(profile):
        raise InputError(
            "developer_profile", profile_name,
            "is not an IAM Identity Center profile with an sso-session (step 05 writes one)",
        )
    return SsoProfileSettings(
        profile_name, profile["sso_session"], session["sso_start_url"], session["sso_region"],
        profile["sso_account_id"], profile["sso_role_name"],
    )


def find_close_profile_name(wanted: str, known: list[str]) -> str:
    """Return the known profile name ``wanted`` looks like a typo of, or "" when none is close.

    Pure. Case is ignored (``Ada-developer`` is a typo of ``ada-developer``).
    """
    by_folded = {name.casefold(): name for name in known}
    close = difflib.get_close_matches(wanted.casefold(), list(by_folded), n=1, cutoff=TYPO_SIMILARITY)
    return by_folded[close[0]] if close else ""


@dataclass(frozen=True)
class TokenState:
    """What the sso-session's cached sign-in is worth to the profile; never the token itself.

    ``read_token_state`` collects it (the cache, then the portal); ``plan_sign_in`` judges it.

    Attributes:
        expires_at: When the cached token expires; None when no usable token is cached for the
            profile's start URL.
        portal_refusal: The portal's error code when asked with the token (``UNAUTHORIZED`` or
            ``FORBIDDEN``); "" when it answered or was not asked.
        account_roles: The roles the token reaches in the profile's account, as the portal
            listed them; None when the portal was not asked (no token, or an expired one) or
            refused.
    """

    expires_at: datetime | None = None
    portal_refusal: str = ""
    account_roles: tuple[str, ...] | None = None


@translating_aws_errors
def read_token_state(ctx: AwsContext, settings: SsoProfileSettings, *, now: datetime | None = None) -> TokenState:
    """Read the sso-session's cached sign-in and ask the access portal which roles it reaches.

    The portal is asked only for a token not yet expired, with the token and nothing else:
    its calls are unsigned, so this works with target ``none`` too. The token is never kept,
    logged or returned.

    IAM actions: none (``sso:ListAccountRoles`` takes the access token, not AWS credentials).

    Args:
        ctx: Where the portal is (the sandbox's endpoint, or AWS); its recorder counts the call.
        settings: The profile: its sso-session, start URL, region and account.
        now: The time to compare ``expiresAt`` with (tests pass one).

    Raises:
        AwsCallError: when the portal fails otherwise than refusing the token.
    """
    cached = read_token_cache(settings.session_name)
    if cached is None or cached.start_url != settings.start_url:
        return TokenState()
    if cached.expires_at <= (now or datetime.now(timezone.utc)):
        return TokenState(expires_at=cached.expires_at)
    portal = sso_portal_client(ctx, region=settings.sso_region)
    try:
        roles = tuple(
            role["roleName"] for role in paginate(
                portal, "list_account_roles", "roleList",
                accessToken=cached.access_token, accountId=settings.account_id,
            )
        )
    except botocore.exceptions.ClientError as refused:
        if error_code(refused) not in (UNAUTHORIZED, FORBIDDEN):
            raise
        return TokenState(expires_at=cached.expires_at, portal_refusal=error_code(refused))
    return TokenState(expires_at=cached.expires_at, account_roles=roles)


def describe_sign_in_problem(settings: SsoProfileSettings, state: TokenState, *, now: datetime) -> str:
    """Return why the cached sign-in cannot serve the profile, in a phrase; "" when it can.

    Pure. The phrase follows "the cached sign-in", e.g. "expired at 2026-11-29 11:00 UTC".
    """
    expires_at = state.expires_at
    if expires_at is None:
        return "is missing"
    if expires_at <= now:
        return f"expired at {expires_at:%Y-%m-%d %H:%M} UTC"
    if expires_at - now <= TOKEN_MARGIN:
        return f"expires at {expires_at:%H:%M} UTC, within {TOKEN_MARGIN.seconds // 60} minutes"
    if state.portal_refusal == UNAUTHORIZED:
        return (
            "is refused by the access portal (UnauthorizedException): it was signed out in the portal "
            "or revoked, or its user was deleted"
        )
    if state.portal_refusal == FORBIDDEN:
        return (
            f"has no access to account {settings.account_id} (ForbiddenException): it is another "
            f"person's sign-in, or nobody gave this person {settings.role_name} there (step 04)"
        )
    if state.account_roles is None:
        return "was not checked with the access portal"
    if settings.role_name not in state.account_roles:
        reached = ", ".join(state.account_roles) or "no role"
        return (
            f"reaches {reached} in account {settings.account_id}, not {settings.role_name}: it is "
            f"another person's sign-in, or {settings.role_name} is not assigned to this person (step 04)"
        )
    return ""


def plan_sign_in(settings: SsoProfileSettings, state: TokenState, *, now: datetime | None = None) -> Plan:
    """Return the sign-in to do, or nothing when the cached one reaches the profile's role.

    Pure. A cached token that is expired, about to expire, refused by the portal, or another
    person's is a ``replace``: the new token takes the old one's place, and ``before`` says why
    the old one is no good. Never a plan of nothing over a token that cannot work, which would
    leave the step failing forever.
    """
    now = now or datetime.now(timezone.utc)
    problem = describe_sign_in_problem(settings, state, now=now)
    if not problem:
        return Plan(STEP_ID)
    how = (
        f"open the link shown, check the code, sign in as the person profile {settings.profile_name} is for "
        f"(who has {settings.role_name} in account {settings.account_id}) and click Allow. The same as: "
        f"aws sso login --profile {settings.profile_name} --use-device-code"
    )
    if state.expires_at is None:
        return Plan(STEP_ID, (Change(
            CREATE, addresses.sign_in_address(settings.session_name),
            f"Device sign-in at {settings.start_url} (no sign-in is cached): {how}",
            "sign_in", after={"start_url": settings.start_url, "sso_region": settings.sso_region},
        ),))
    return Plan(STEP_ID, (Change(
        REPLACE, addresses.sign_in_address(settings.session_name),
        f"New device sign-in at {settings.start_url} (the cached sign-in {problem}): {how}",
        "sign_in",
        before={"expires_at": state.expires_at.isoformat(), "problem": problem},
        after={"start_url": settings.start_url, "sso_region": settings.sso_region},
    ),))


@translating_aws_errors
def sign_in(
    ctx: AwsContext,
    settings: SsoProfileSettings,
    *,
    on_prompt: Callable[[DevicePrompt], None],
    approve: Callable[[DevicePrompt], None] | None,
    timeout_seconds: float,
) -> list[str]:
    """Sign in with the device code and store the token where botocore and the AWS CLI look.

    IAM actions: none (``sso-oidc:RegisterClient``, ``StartDeviceAuthorization``, ``CreateToken``
    need no IAM permission: the person signs in).
    """
    token = login_with_device_code(
        ctx, start_url=settings.start_url, sso_region=settings.sso_region, session_name=settings.session_name,
        on_prompt=on_prompt, approve=approve, timeout_seconds=timeout_seconds,
    )
    path = write_token_cache(token, session_name=settings.session_name, start_url=settings.start_url, region=settings.sso_region)
    return [f"Signed in; the token is cached in {path} until {token.expires_at:%Y-%m-%d %H:%M} UTC."]


@dataclass(frozen=True)
class SignInTarget:
    """What the sign-in applier acts on: the context, the profile, and who shows and approves."""

    ctx: AwsContext
    settings: SsoProfileSettings
    on_prompt: Callable[[DevicePrompt], None]
    approve: Callable[[DevicePrompt], None] | None
    timeout_seconds: float


def apply_sign_in(target: SignInTarget, change: Change) -> str:
    """Sign in as the change plans.

    IAM actions: those of ``sign_in`` (none).
    """
    [done] = sign_in(
        target.ctx, target.settings, on_prompt=target.on_prompt, approve=target.approve,
        timeout_seconds=target.timeout_seconds,
    )
    return f"{change.address}: {done}"


APPLIERS: dict[str, Applier[SignInTarget]] = {"sign_in": apply_sign_in}
"""The applier of the one operation ``plan_sign_in`` emits."""


def profile_session(config_path: Path, profile_name: str, *, recorder: CallRecorder, endpoint_url: str | None) -> boto3.Session:
    """Return a session built from the profile alone, as the AWS CLI would use it.

    In the sandbox the profile's own calls (the portal's ``GetRoleCredentials``, STS) must reach
    the sandbox too: the endpoint is given to the session, for every client it makes, the SSO
    credential provider's included (``point_session_at``), never to the process's environment.
    """
    core = botocore.session.Session(profile=profile_name)
    core.set_config_variable("config_file", str(config_path))
    if endpoint_url:
        point_session_at(core, endpoint_url)
    session = boto3.Session(botocore_session=core)
    recorder.attach(session)
    return session


@translating_aws_errors
def verify_developer_identity(session: boto3.Session, settings: SsoProfileSettings) -> Verification:
    """Ask STS, through the profile, who it is: the permission set's reserved role, this account.

    IAM actions: none (``sts:GetCallerIdentity``; ``sso:GetRoleCredentials`` with the token).
    """
    address = addresses.cli_profile_address(settings.profile_name)
    try:
        caller = session.client("sts", region_name=settings.sso_region).get_caller_identity()
    except NOT_SIGNED_IN as missing:
        return Verification(STEP_ID, (Check(
            "sts_caller_identity_known", FAIL, address,
            f"Profile {settings.profile_name} is not signed in ({type(missing).__name__}).",
        ),))
    except botocore.exceptions.ClientError as refused:
        # botocore turns only UnauthorizedException into "not signed in"; the portal's
        # ForbiddenException (another person's token) reaches here as a plain ClientError.
        if error_code(refused) != FORBIDDEN or refused.operation_name != "GetRoleCredentials":
            raise
        aws_message = refused.response.get("Error", {}).get("Message", "")
        return Verification(STEP_ID, (Check(
            "sts_caller_identity_known", FAIL, address,
            f"Profile {settings.profile_name}'s sign-in may not use {settings.role_name} in account "
            f"{settings.account_id} (ForbiddenException: {aws_message}): it is another person's sign-in, "
            "or the role is not assigned to this person.",
        ),))
    role_pattern = re.compile(rf":assumed-role/{reserved_role_name_pattern(settings.role_name)}/")
    as_role = bool(role_pattern.search(caller["Arn"]))
    return Verification(STEP_ID, (
        Check(
            "sts_profile_is_permission_set_role", PASS if as_role else FAIL, address,
            f"Profile {settings.profile_name} acts as {caller['Arn']}." if as_role
            else f"Profile {settings.profile_name} acts as {caller['Arn']}, not as AWSReservedSSO_{settings.role_name}_*.",
        ),
        Check(
            "sts_profile_account_matches", PASS if caller["Account"] == settings.account_id else FAIL, address,
            f"In account {caller['Account']} (the profile says {settings.account_id}).",
        ),
    ))
