"""Step 06: sign in as the developer through the access portal and prove the profile works.

The runbook does what ``aws sso login --profile NAME --use-device-code`` does: the OIDC device
authorization flow, then the token in botocore's cache. It then builds a session from the
profile alone and asks STS who it is: the developer's ``AWSReservedSSO_`` role, in this account.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import boto3
import botocore.exceptions
import botocore.session

from runbook_lib import validate
from runbook_lib.aws import AwsContext, CallRecorder, point_session_at, translating_aws_errors
from runbook_lib.checks import FAIL, PASS, Check, Verification
from runbook_lib.errors import InputError, ProfileNotWrittenError
from runbook_lib.plan import CREATE, REPLACE, Applier, Change, Plan
from runbook_lib.sso_login import DevicePrompt, login_with_device_code, token_cache_path, write_token_cache
from runbook_lib.steps import addresses
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


def cached_token_expiry(settings: SsoProfileSettings) -> datetime | None:
    """Return when the cached sign-in of this sso-session expires, or None when there is none
    (or it belongs to another start URL)."""
    path = token_cache_path(settings.session_name)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if cached.get("startUrl") != settings.start_url or "expiresAt" not in cached:
        return None
    try:
        return datetime.fromisoformat(cached["expiresAt"].replace("Z", "+00:00"))
    except ValueError:
        return None


def plan_sign_in(settings: SsoProfileSettings, expires_at: datetime | None, *, now: datetime | None = None) -> Plan:
    """Return the sign-in to do, or nothing when a cached sign-in is still good.

    A sign-in about to expire is a ``replace``: the new token takes the old one's place.
    """
    now = now or datetime.now(timezone.utc)
    if expires_at is not None and expires_at - now > TOKEN_MARGIN:
        return Plan(STEP_ID)
    why = "no sign-in is cached" if expires_at is None else f"the cached sign-in expires at {expires_at:%H:%M} UTC"
    return Plan(STEP_ID, (Change(
        CREATE if expires_at is None else REPLACE, addresses.sign_in_address(settings.session_name),
        f"Device sign-in at {settings.start_url} ({why}): open the link shown, check the code, sign in as the "
        f"developer and click Allow. The same as: aws sso login --profile {settings.profile_name} --use-device-code",
        "sign_in",
        before=None if expires_at is None else {"expires_at": expires_at.isoformat()},
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
