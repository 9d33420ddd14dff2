"""Sign in to IAM Identity Center with the device authorization flow, and cache the token as the
AWS CLI does, so that botocore's SSO profiles work from then on.

The flow (``aws sso login --use-device-code``): register a public client with ``sso-oidc``, start a
device authorization for the access portal's URL, show the person a link and a code, then poll
``CreateToken`` until the person has signed in and clicked "Allow". The token is then written to
``~/.aws/sso/cache/<sha1(session name)>.json``, where botocore looks for an ``[sso-session]``'s
token. The sandbox answers the same calls; there ``approve`` plays the person's click.
``read_token_cache`` reads such a file back, and ``sso_portal_client`` asks the portal, with the
token alone, what it reaches: whose sign-in is cached.

The library never prints: ``on_prompt`` decides how the link and the code are shown. Tokens and
client secrets are never in a ``repr`` (and so never in a notebook output by accident).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import boto3
import botocore.config
from botocore import UNSIGNED

from runbook_lib import validate
from runbook_lib.aws import translating_aws_errors
from runbook_lib.files import PRIVATE_FOLDER_MODE, make_private_folders, replace_atomically
from runbook_lib.paths import token_cache_path
from runbook_lib.progress import TIMED_OUT, Progress, Watch
from runbook_lib.errors import (
    DeviceAuthorizationDeniedError,
    DeviceCodeExpiredError,
    InputError,
    SignInTimeoutError,
)

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_NAME = "runbook"
DEFAULT_SCOPES = ("sso:account:access",)
"""The CLI's ``sso_registration_scopes``: with a scope, AWS issues a refresh token too."""
SLOW_DOWN_SECONDS = 5
"""RFC 8628: after ``slow_down``, poll 5 seconds less often, for good."""
DEFAULT_INTERVAL_SECONDS = 5
"""RFC 8628's interval when the answer gives none."""
CACHE_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""How the AWS CLI writes ``expiresAt`` and ``registrationExpiresAt``: UTC, with a Z."""

OIDC_CONFIG = botocore.config.Config(
    signature_version=UNSIGNED,  # sso-oidc's and the portal's calls are unsigned: no credentials needed yet
    retries={"mode": "standard", "total_max_attempts": 3},
)


@dataclass(frozen=True)
class DevicePrompt:
    """What the person needs to approve the sign-in: a link and the code it should show.

    Attributes:
        verification_uri_complete: The link to open; it carries the code.
        user_code: The code, e.g. ``BCDF-GHJK``; the page must show the same one.
        expires_in: Seconds the code stays valid.
        verification_uri: The page without the code, for typing the code by hand.
    """

    verification_uri_complete: str
    user_code: str
    expires_in: int
    verification_uri: str = ""


@dataclass(frozen=True)
class ClientRegistration:
    """The public client ``RegisterClient`` made; botocore reuses it to refresh the token.

    Attributes:
        client_id: The client's id.
        client_secret: The client's secret (never in the repr).
        expires_at: When the registration expires (UTC).
    """

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class SsoToken:
    """An IAM Identity Center access token, and what refreshing it needs.

    Attributes:
        access_token: The bearer token (never in the repr).
        expires_at: When it expires (UTC).
        client: The client registration it was issued to.
        start_url: The access portal it signs in to.
        region: Identity Center's region.
        refresh_token: Renews the access token (None when AWS gave none; never in the repr).
    """

    access_token: str = field(repr=False)
    expires_at: datetime
    client: ClientRegistration
    start_url: str
    region: str
    refresh_token: str | None = field(default=None, repr=False)


def sso_oidc_client(session: Any, *, region: str, endpoint_url: str | None = None) -> Any:
    """Return an unsigned ``sso-oidc`` client in ``region``.

    Unsigned always, not only when the session has no credentials: the sign-in is what a person
    with no AWS credentials yet does first (target ``none``), and a session's credentials, if
    any, are never sent along. (botocore's model marks these operations unauthenticated too.)

    Args:
        session: A ``boto3.Session``, or an ``AwsContext`` (its session and, unless
            ``endpoint_url`` is given, its endpoint are used).
        region: IAM Identity Center's region (``sso_region``), which may differ from the
            region the runbook works in.
        endpoint_url: The sandbox's URL, or None for AWS (``AWS_ENDPOINT_URL`` still applies).
    """
    boto_session: boto3.Session = getattr(session, "session", session)
    if endpoint_url is None:
        endpoint_url = getattr(session, "endpoint_url", None)
    return boto_session.client("sso-oidc", region_name=region, endpoint_url=endpoint_url, config=OIDC_CONFIG)


def sso_portal_client(session: Any, *, region: str, endpoint_url: str | None = None) -> Any:
    """Return an unsigned client of the SSO portal API (``sso``) in ``region``.

    The portal's calls carry the access token in a header and are never signed (botocore's
    model marks them unauthenticated): a person with no AWS credentials yet can ask which
    roles their sign-in reaches. Arguments as ``sso_oidc_client``'s.
    """
    boto_session: boto3.Session = getattr(session, "session", session)
    if endpoint_url is None:
        endpoint_url = getattr(session, "endpoint_url", None)
    return boto_session.client("sso", region_name=region, endpoint_url=endpoint_url, config=OIDC_CONFIG)


@translating_aws_errors
def login_with_device_code(
    session: Any,
    *,
    start_url: str,
    sso_region: str,
    session_name: str,
    on_prompt: Callable[[DevicePrompt], None],
    approve: Callable[[DevicePrompt], None] | None = None,
    timeout_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    endpoint_url: str | None = None,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    progress: Progress | None = None,
) -> SsoToken:
    """Sign a person in to IAM Identity Center with a link and a code; return the token.

    Registers a public client, starts a device authorization, hands the link and the code to
    ``on_prompt``, lets ``approve`` (if given) play the person's "Allow", then polls for the
    token at the interval AWS asks for: pending means keep polling, ``slow_down`` adds 5 seconds.

    IAM actions: none. sso-oidc's calls are unsigned; the person's approval in the access
    portal is the authorization.

    Args:
        session: A ``boto3.Session`` or an ``AwsContext`` (see ``sso_oidc_client``).
        start_url: The AWS access portal URL, e.g. ``https://d-1234567890.awsapps.com/start``.
        sso_region: IAM Identity Center's region.
        session_name: The ``[sso-session NAME]`` the token is for (names the client too).
        on_prompt: Shows the person the link and the code (the notebook prints them).
        approve: Plays the person's "Allow" (the sandbox, in headless runs); None on AWS.
        timeout_seconds: How long to wait for the approval, from the prompt on.
        sleep: Waits between polls (tests pass a fake).
        clock: Monotonic seconds (tests pass a fake).
        endpoint_url: The sandbox's URL, or None for AWS.
        scopes: The registration scopes; with one, AWS also issues a refresh token.
        progress: Where the wait for the approval reports, with the code's expiry counted down;
            None: the notebook's (``progress.current_progress``).

    Returns:
        The token, with the client registration botocore needs to refresh it.

    Raises:
        InputError: naming ``start_url``, ``sso_region`` or ``session_name`` when one is not
            valid, or when Identity Center has no portal at ``start_url``.
        DeviceCodeExpiredError: when the code expired before it was approved.
        DeviceAuthorizationDeniedError: when the person clicked "Deny".
        SignInTimeoutError: when nobody approved within ``timeout_seconds``.
        WaitCancelled: when the person cancelled the wait (or interrupted the kernel).
        AwsCallError: for any other refusal by AWS.
    """
    start_url = validate.validate_portal_url(start_url, field="start_url")
    sso_region = validate.validate_region(sso_region, field="sso_region")
    session_name = validate.validate_profile_name(session_name, field="session_name")
    oidc = sso_oidc_client(session, region=sso_region, endpoint_url=endpoint_url)

    registered = oidc.register_client(
        clientName=f"{CLIENT_NAME}-{session_name}", clientType="public", scopes=list(scopes)
    )
    client = ClientRegistration(
        registered["clientId"], registered["clientSecret"],
        datetime.fromtimestamp(registered["clientSecretExpiresAt"], tz=timezone.utc),
    )
    try:
        authorization = oidc.start_device_authorization(
            clientId=client.client_id, clientSecret=client.client_secret, startUrl=start_url
        )
    except oidc.exceptions.InvalidRequestException as error:
        raise InputError(
            "start_url", start_url,
            f"IAM Identity Center in {sso_region} has no access portal at this URL; copy it from "
            "the IAM Identity Center dashboard (Settings summary > AWS access portal URL) and check "
            "`sso_region`",
        ) from error
    prompt = DevicePrompt(
        verification_uri_complete=authorization["verificationUriComplete"],
        user_code=authorization["userCode"],
        expires_in=int(authorization["expiresIn"]),
        verification_uri=authorization.get("verificationUri", ""),
    )
    on_prompt(prompt)
    if approve is not None:
        approve(prompt)
    answer = poll_for_token(
        oidc, client, authorization["deviceCode"], prompt,
        interval=int(authorization.get("interval", DEFAULT_INTERVAL_SECONDS)),
        timeout_seconds=timeout_seconds, sleep=sleep, clock=clock, progress=progress,
    )
    received = datetime.now(timezone.utc).replace(microsecond=0)
    return SsoToken(
        access_token=answer["accessToken"],
        expires_at=received + timedelta(seconds=int(answer["expiresIn"])),
        client=client,
        start_url=start_url,
        region=sso_region,
        refresh_token=answer.get("refreshToken"),
    )


def poll_for_token(
    oidc: Any,
    client: ClientRegistration,
    device_code: str,
    prompt: DevicePrompt,
    *,
    interval: int,
    timeout_seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Poll ``CreateToken`` until the device code is approved; return AWS's answer.

    The wait reports to ``progress`` with the code's time left (``expires_in``) counted down.

    Raises:
        DeviceCodeExpiredError, DeviceAuthorizationDeniedError, SignInTimeoutError, WaitCancelled:
            as ``login_with_device_code`` says.
    """
    with Watch(
        "you to approve the sign-in in your browser", timeout_seconds=timeout_seconds, clock=clock, sleep=sleep,
        progress=progress, expires_in=prompt.expires_in,
    ) as watch:
        deadline = clock() + timeout_seconds
        while True:
            try:
                return oidc.create_token(
                    clientId=client.client_id, clientSecret=client.client_secret,
                    grantType=DEVICE_CODE_GRANT, deviceCode=device_code,
                )
            except oidc.exceptions.AuthorizationPendingException:
                pass  # the person has not clicked yet
            except oidc.exceptions.SlowDownException:
                interval += SLOW_DOWN_SECONDS
            except oidc.exceptions.ExpiredTokenException as error:
                raise DeviceCodeExpiredError(prompt.user_code, prompt.expires_in) from error
            except oidc.exceptions.AccessDeniedException as error:
                raise DeviceAuthorizationDeniedError(prompt.user_code) from error
            if clock() + interval > deadline:
                watch.finish(TIMED_OUT)
                raise SignInTimeoutError(prompt.user_code, timeout_seconds)
            watch.read_made("not approved yet")
            watch.pause(interval)


# ---------------------------------------------------------------------------------------------
# The token cache


def token_cache_document(token: SsoToken, *, start_url: str, region: str, client: ClientRegistration) -> dict[str, str]:
    """Return the cache file's content, keyed as botocore and the AWS CLI read it."""
    document = {
        "startUrl": start_url,
        "region": region,
        "accessToken": token.access_token,
        "expiresAt": format_cache_timestamp(token.expires_at),
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
        "registrationExpiresAt": format_cache_timestamp(client.expires_at),
    }
    if token.refresh_token:
        document["refreshToken"] = token.refresh_token
    return document


def format_cache_timestamp(moment: datetime) -> str:
    """Return ``moment`` in UTC as the cache writes it, e.g. ``2026-01-31T17:05:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("cache timestamps need a timezone-aware datetime")
    return moment.astimezone(timezone.utc).strftime(CACHE_TIMESTAMP_FORMAT)


@dataclass(frozen=True)
class CachedToken:
    """A sign-in found in the token cache: what it is for, until when, and the token itself.

    Only ``read_token_cache`` makes one; the token is there to ask the portal with, and is never
    in the repr.

    Attributes:
        start_url: The access portal it signs in to, as the cache says.
        region: Identity Center's region, as the cache says ("" when missing).
        expires_at: When the access token expires (UTC).
        access_token: The bearer token (never in the repr).
    """

    start_url: str
    region: str
    expires_at: datetime
    access_token: str = field(repr=False)


def read_token_cache(session_name: str) -> CachedToken | None:
    """Return the cached sign-in of an ``[sso-session]``, or None when there is no usable one.

    None when the file is missing or unreadable, is not JSON, or lacks the access token or a
    readable ``expiresAt`` (botocore cannot use such a file either). Reads ``HOME`` as it is now.

    Raises:
        InputError: naming ``session_name`` when it cannot name an sso-session.
    """
    session_name = validate.validate_profile_name(session_name, field="session_name")
    try:
        cached = json.loads(token_cache_path(session_name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(cached, dict):
        return None
    access_token, expires_at = cached.get("accessToken"), cached.get("expiresAt")
    if not isinstance(access_token, str) or not access_token or not isinstance(expires_at, str):
        return None
    try:
        moment = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:  # botocore reads a zone-less expiresAt as UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return CachedToken(
        start_url=str(cached.get("startUrl", "")), region=str(cached.get("region", "")),
        expires_at=moment, access_token=access_token,
    )


def write_token_cache(
    token: SsoToken,
    *,
    session_name: str,
    start_url: str,
    region: str,
    client: ClientRegistration | None = None,
) -> Path:
    """Write the token where botocore reads an ``[sso-session]``'s token; return the file's path.

    The file is ``~/.aws/sso/cache/<sha1(session_name)>.json`` (``HOME`` as it is now), written
    atomically with mode 0600 in a folder with mode 0700: it holds the access token, the
    client secret and the refresh token.

    Args:
        token: What ``login_with_device_code`` returned.
        session_name: The ``[sso-session NAME]`` of the AWS config file.
        start_url: Its ``sso_start_url``, exactly as written there.
        region: Its ``sso_region``.
        client: The client registration; the token's own by default.

    Raises:
        InputError: naming ``session_name`` when it cannot name an sso-session.
    """
    session_name = validate.validate_profile_name(session_name, field="session_name")
    document = token_cache_document(token, start_url=start_url, region=region, client=client or token.client)
    path = token_cache_path(session_name)
    make_private_folders(path.parent)
    os.chmod(path.parent, PRIVATE_FOLDER_MODE)  # the cache holds tokens: its folder is ours only
    replace_atomically(path, json.dumps(document, indent=2).encode("utf-8"))
    return path

