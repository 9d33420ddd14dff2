"""``sso-oidc`` for the sandbox: the device authorization sign-in, which moto lacks (sandbox process).

On AWS a tool signs a person in to IAM Identity Center in three calls: ``RegisterClient`` (a
public client: an id and a secret), ``StartDeviceAuthorization`` (for the access portal's URL: a
device code for the tool, a user code and a link for the person), then ``CreateToken`` polled
with the device code until the person has signed in to the portal and clicked "Allow". The
sandbox answers the three the way AWS does, errors included (``rest_json``):

- ``AuthorizationPendingException`` until the request is approved, ``SlowDownException`` when
  polled sooner than ``interval`` after the previous poll (and the interval grows by 5 seconds,
  as RFC 8628 says), ``ExpiredTokenException`` once the code has expired,
  ``AccessDeniedException`` once denied, ``InvalidGrantException`` for a code already redeemed;
- the start URL must be one of the portal URLs of the account's Identity Center instance
  (``https://<IdentityStoreId>.awsapps.com/start`` or
  ``https://ssoins-<id>.portal.<region>.app.aws``), else ``InvalidRequestException``;
- a refresh token comes with the access token when the client registered scopes (as the CLI's
  ``sso-session`` does), and ``CreateToken`` with ``grantType=refresh_token`` renews it.

The person's part is played by ``approve_device`` (``POST /_sandbox/console/approve-device``), or in
a browser on the page ``GET /_sandbox/device?user_code=...``, which asks for the user name (typed,
as on the real portal: nobody is preselected) and refuses a user the identity store does not have.
Everything lives in ``SIGN_IN``, cleared on every reset; codes and tokens come from ``secrets``,
never from moto's seeded random stream, so seeded ids do not shift when someone signs in.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from runbook_sandbox.console import STATE, ConsoleStepRefused
from runbook_sandbox.rest_json import Answer, ApiRequest, ServiceError, html_answer, json_answer

ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_TOKEN_GRANT = "refresh_token"
SLOW_DOWN_INCREMENT_SECONDS = 5
USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"
"""RFC 8628's advice: consonants only, so that no word is spelt by accident."""

OAUTH_ERRORS = {
    # shape name: (HTTP status in the service model, OAuth 2.0 error string AWS sends)
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidClientException": (401, "invalid_client"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidScopeException": (400, "invalid_scope"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
    "AuthorizationPendingException": (400, "authorization_pending"),
    "SlowDownException": (400, "slow_down"),
    "ExpiredTokenException": (400, "expired_token"),
    "AccessDeniedException": (400, "access_denied"),
}


@dataclass
class SignInSettings:
    """How long codes and tokens live; the tests shorten them (``POST /_sandbox/sign-in/settings``)."""

    device_code_seconds: int = 600
    interval_seconds: int = 1
    access_token_seconds: int = 3600
    client_seconds: int = 90 * 24 * 3600


@dataclass(frozen=True)
class PortalInstance:
    """The Identity Center instance a start URL names."""

    account_id: str
    region: str
    instance_arn: str
    identity_store_id: str
    start_url: str


@dataclass(frozen=True)
class SignedInUser:
    """Who a token stands for: an Identity Center user signed in to an instance's portal."""

    instance: PortalInstance
    user_id: str
    user_name: str
    session_id: str


@dataclass
class RegisteredClient:
    """A client ``RegisterClient`` made."""

    client_id: str
    client_secret: str = field(repr=False)
    client_name: str
    scopes: tuple[str, ...]
    expires_at: float  # epoch seconds


@dataclass
class DeviceAuthorization:
    """One ``StartDeviceAuthorization``: pending, approved, denied, then redeemed."""

    device_code: str = field(repr=False)
    user_code: str
    client_id: str
    instance: PortalInstance
    expires_at: float  # time.monotonic()
    interval: int
    last_poll: float | None = None
    decision: str = "pending"
    user: SignedInUser | None = None


@dataclass
class IssuedToken:
    """An access or refresh token and what it stands for."""

    user: SignedInUser
    client_id: str
    expires_at: float | None  # epoch seconds; None for refresh tokens (they last the session)


@dataclass
class SignInState:
    """Clients, device authorizations and tokens; cleared on every reset."""

    settings: SignInSettings = field(default_factory=SignInSettings)
    clients: dict[str, RegisteredClient] = field(default_factory=dict)
    devices: dict[str, DeviceAuthorization] = field(default_factory=dict, repr=False)
    access_tokens: dict[str, IssuedToken] = field(default_factory=dict, repr=False)
    refresh_tokens: dict[str, IssuedToken] = field(default_factory=dict, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def clear(self) -> None:
        """Forget every client, code and token, and go back to the default settings."""
        with self.lock:
            self.settings = SignInSettings()
            self.clients.clear()
            self.devices.clear()
            self.access_tokens.clear()
            self.refresh_tokens.clear()

    def device_by_user_code(self, user_code: str) -> DeviceAuthorization | None:
        """Return the device authorization with this user code (any case, dash optional)."""
        wanted = normalise_user_code(user_code)
        return next((device for device in self.devices.values() if device.user_code == wanted), None)

    def end_session(self, session_id: str) -> None:
        """Invalidate every access and refresh token of one sign-in session (``Logout``)."""
        for tokens in (self.access_tokens, self.refresh_tokens):
            for token in [token for token, issued in tokens.items() if issued.user.session_id == session_id]:
                del tokens[token]


SIGN_IN = SignInState()


def oidc_error(code: str, description: str) -> ServiceError:
    """Return sso-oidc's error ``code`` (a shape name of the model) with AWS's body."""
    status, oauth_error = OAUTH_ERRORS[code]
    return ServiceError(code, status, {"error": oauth_error, "error_description": description})


def configure(query: Mapping[str, str]) -> dict[str, Any]:
    """Change the lifetimes named in ``query`` (whole seconds); return all the settings.

    Raises:
        ValueError: for an unknown setting or a value that is not a whole number in range.
    """
    with SIGN_IN.lock:
        settings = asdict(SIGN_IN.settings)
        for name, value in query.items():
            if name not in settings:
                raise ValueError(f"Unknown sign-in setting {name!r}; known: {', '.join(settings)}.")
            if not value.isdigit() or (name != "interval_seconds" and int(value) < 1):
                raise ValueError(f"{name} must be a whole number of seconds (at least 1; interval may be 0).")
            settings[name] = int(value)
        SIGN_IN.settings = SignInSettings(**settings)
        return settings


# --- the three operations ------------------------------------------------------------------------


def register_client(request: ApiRequest) -> Answer:
    """``RegisterClient``: a public client's id and secret, valid for 90 days."""
    params = request_parameters(request, "clientName", "clientType")
    if params["clientType"] != "public":
        raise oidc_error("InvalidClientMetadataException", "Invalid client type: only public clients are supported")
    scopes = params.get("scopes") or []
    if not isinstance(scopes, list) or not all(isinstance(scope, str) and scope for scope in scopes):
        raise oidc_error("InvalidScopeException", "Invalid scopes: expected a list of scope names")
    now = time.time()
    with SIGN_IN.lock:
        client = RegisteredClient(
            client_id=secrets.token_urlsafe(16),
            client_secret=secrets.token_urlsafe(96),
            client_name=str(params["clientName"]),
            scopes=tuple(scopes),
            expires_at=now + SIGN_IN.settings.client_seconds,
        )
        SIGN_IN.clients[client.client_id] = client
    return json_answer({
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
        "clientIdIssuedAt": int(now),
        "clientSecretExpiresAt": int(client.expires_at),
    })


def start_device_authorization(request: ApiRequest) -> Answer:
    """``StartDeviceAuthorization``: a device code, a user code and the page to approve it on."""
    params = request_parameters(request, "clientId", "clientSecret", "startUrl")
    with SIGN_IN.lock:
        client = authenticate_client(params)
        instance = instance_for_start_url(str(params["startUrl"]), request.account_id)
        if instance is None:
            raise oidc_error("InvalidRequestException", "Invalid start URL")
        settings = SIGN_IN.settings
        device = DeviceAuthorization(
            device_code=secrets.token_urlsafe(48),
            user_code=new_user_code(),
            client_id=client.client_id,
            instance=instance,
            expires_at=time.monotonic() + settings.device_code_seconds,
            interval=settings.interval_seconds,
        )
        SIGN_IN.devices[device.device_code] = device
    page = f"{request.base_url}/_sandbox/device"
    return json_answer({
        "deviceCode": device.device_code,
        "userCode": device.user_code,
        "verificationUri": page,
        "verificationUriComplete": f"{page}?user_code={device.user_code}",
        "expiresIn": settings.device_code_seconds,
        "interval": settings.interval_seconds,
    })


def create_token(request: ApiRequest) -> Answer:
    """``CreateToken`` for the device code grant (polled) and the refresh token grant."""
    params = request_parameters(request, "clientId", "clientSecret", "grantType")
    with SIGN_IN.lock:
        client = authenticate_client(params)
        grant = params["grantType"]
        if grant == DEVICE_CODE_GRANT:
            user = redeem_device_code(client, str(params.get("deviceCode") or ""))
        elif grant == REFRESH_TOKEN_GRANT:
            user = redeem_refresh_token(client, str(params.get("refreshToken") or ""))
        else:
            raise oidc_error("UnsupportedGrantTypeException", f"Unsupported grant type: {grant}")
        return json_answer(issue_tokens(user, client))


def request_parameters(request: ApiRequest, *required: str) -> dict[str, Any]:
    """Return the JSON body's parameters, refusing a body without the ``required`` ones."""
    try:
        params = request.json_body()
    except ValueError:
        raise oidc_error("InvalidRequestException", "The request body is not a JSON object") from None
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise oidc_error("InvalidRequestException", f"Missing required parameter(s): {', '.join(missing)}")
    return params


def authenticate_client(params: dict[str, Any]) -> RegisteredClient:
    """Return the registered client the id names, if its secret matches and has not expired."""
    client = SIGN_IN.clients.get(str(params["clientId"]))
    if client is None or not secrets.compare_digest(client.client_secret, str(params["clientSecret"])):
        raise oidc_error("InvalidClientException", "Invalid client id or client secret")
    if time.time() >= client.expires_at:
        raise oidc_error("InvalidClientException", "The client registration has expired: register again")
    return client


def redeem_device_code(client: RegisteredClient, device_code: str) -> SignedInUser:
    """Return the user who approved the device code, or raise what the poll should answer."""
    device = SIGN_IN.devices.get(device_code)
    if device is None or device.client_id != client.client_id:
        raise oidc_error("InvalidGrantException", "Invalid device code provided")
    if device.decision == "redeemed":
        raise oidc_error("InvalidGrantException", "The device code has already been used")
    now = time.monotonic()
    if now >= device.expires_at:
        raise oidc_error("ExpiredTokenException", "Device code has expired")
    previous, device.last_poll = device.last_poll, now
    if previous is not None and now - previous < device.interval:
        device.interval += SLOW_DOWN_INCREMENT_SECONDS
        raise oidc_error("SlowDownException", "Client is polling too quickly")
    if device.decision == "denied":
        raise oidc_error("AccessDeniedException", "Access denied: the user denied the authorization request")
    if device.decision == "pending" or device.user is None:
        raise oidc_error("AuthorizationPendingException", "Authorization is still pending")
    device.decision = "redeemed"
    return device.user


def redeem_refresh_token(client: RegisteredClient, refresh_token: str) -> SignedInUser:
    """Return the user of a refresh token issued to this client, and retire the token."""
    issued = SIGN_IN.refresh_tokens.get(refresh_token)
    if issued is None or issued.client_id != client.client_id:
        raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
    del SIGN_IN.refresh_tokens[refresh_token]  # rotated: a new one comes with the new access token
    return issued.user


def issue_tokens(user: SignedInUser, client: RegisteredClient) -> dict[str, Any]:
    """Return ``CreateToken``'s answer: an access token, and a refresh token for scoped clients."""
    seconds = SIGN_IN.settings.access_token_seconds
    access_token = f"aoa{secrets.token_urlsafe(96)}"
    SIGN_IN.access_tokens[access_token] = IssuedToken(user, client.client_id, time.time() + seconds)
    answer: dict[str, Any] = {"accessToken": access_token, "tokenType": "Bearer", "expiresIn": seconds}
    if client.scopes:
        refresh_token = f"aor{secrets.token_urlsafe(96)}"
        SIGN_IN.refresh_tokens[refresh_token] = IssuedToken(user, client.client_id, None)
        answer["refreshToken"] = refresh_token
    return answer


# --- the start URL and the user code -------------------------------------------------------------


def normalise_start_url(url: str) -> str:
    """Return ``url`` with its host in lower case and without a trailing ``#/`` or ``/``."""
    scheme, separator, rest = url.strip().partition("://")
    host, slash, path = rest.partition("/")
    normalised = f"{scheme.lower()}{separator}{host.lower()}{slash}{path}"
    for suffix in ("#/", "#"):
        if normalised.endswith(suffix):
            normalised = normalised[: -len(suffix)]
    return normalised.rstrip("/")


def instance_for_start_url(start_url: str, account_id: str) -> PortalInstance | None:
    """Return the account's Identity Center instance whose portal ``start_url`` is, or None."""
    from moto.ssoadmin.models import ssoadmin_backends

    region = STATE.account(account_id).identity_center_region
    if region is None:
        return None
    wanted = normalise_start_url(start_url)
    for instance in ssoadmin_backends[account_id][region].instances:
        instance_id = instance.instance_arn.rsplit("/", 1)[-1]
        portal_urls = (
            f"https://{instance.identity_store_id}.awsapps.com/start",
            f"https://{instance_id}.portal.{region}.app.aws",
            f"https://{instance_id}.portal.{region}.app.aws/start",
        )
        if wanted in portal_urls:
            return PortalInstance(account_id, region, instance.instance_arn, instance.identity_store_id, wanted)
    return None


def new_user_code() -> str:
    """Return a fresh user code like ``BCDF-GHJK`` (unique among the current ones)."""
    while True:
        letters = "".join(secrets.choice(USER_CODE_LETTERS) for _ in range(8))
        code = f"{letters[:4]}-{letters[4:]}"
        if SIGN_IN.device_by_user_code(code) is None:
            return code


def normalise_user_code(user_code: str) -> str:
    """Return the user code as issued: upper case, with the dash (people type it either way)."""
    letters = re.sub(r"[^A-Za-z]", "", user_code).upper()
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else user_code.strip().upper()


# --- the person's part: sign in to the portal and click Allow or Deny -----------------------------


def identity_store_users(instance: PortalInstance) -> dict[str, str]:
    """Return the instance's identity store users, user name -> user id."""
    from moto.identitystore.models import identitystore_backends

    store = identitystore_backends[instance.account_id][instance.region].identity_stores.get(instance.identity_store_id)
    return {} if store is None else {user.UserName: user.UserId for user in store.users.values()}


def pending_requests() -> list[dict[str, Any]]:
    """Return the sign-in requests waiting for a person's "Allow" (``GET /_sandbox/sign-in/requests``).

    What a person learns from the tool's screen (the code) and the page it opens: the user code,
    the client that asks, the portal and the seconds left. A rehearsal plays the person with it;
    the device code, which would let anyone redeem the request, is never shown.
    """
    now = time.monotonic()
    with SIGN_IN.lock:
        return [
            {
                "user_code": device.user_code,
                "client_name": client.client_name if (client := SIGN_IN.clients.get(device.client_id)) else "",
                "start_url": device.instance.start_url,
                "expires_in": int(device.expires_at - now),
            }
            for device in SIGN_IN.devices.values()
            if device.decision == "pending" and now < device.expires_at
        ]


def approve_device(user_code: str, user: str, *, deny: bool = False) -> str:
    """Play the person who signs in to the portal as ``user`` and clicks Allow (or Deny).

    Returns:
        A sentence saying what happened.

    Raises:
        ConsoleStepRefused: for an unknown, expired or already decided code, or a user the
            instance's identity store does not have.
    """
    if not user_code:
        raise ConsoleStepRefused("approve-device needs the code the tool shows: add ?user_code=XXXX-XXXX.")
    if not user:
        raise ConsoleStepRefused("approve-device needs who signs in: add ?user=<UserName>.")
    with SIGN_IN.lock:
        device = SIGN_IN.device_by_user_code(user_code)
        if device is None:
            raise ConsoleStepRefused(
                f"No sign-in request has the code {user_code!r}: check the code the tool shows, "
                "or start the sign-in again."
            )
        if time.monotonic() >= device.expires_at:
            raise ConsoleStepRefused(f"The code {device.user_code} has expired: start the sign-in again.")
        if device.decision != "pending":
            raise ConsoleStepRefused(f"The request with the code {device.user_code} was already {device.decision}.")
        user_id = identity_store_users(device.instance).get(user)
        if user_id is None:
            raise ConsoleStepRefused(
                f"The identity store {device.instance.identity_store_id} has no user named {user!r}: "
                "sign in as one of its users."
            )
        device.decision = "denied" if deny else "approved"
        device.user = SignedInUser(device.instance, user_id, user, uuid.uuid4().hex)
    if deny:
        return f"{user} signed in to the access portal and denied the request {device.user_code}."
    return f"{user} signed in to the access portal and allowed the request {device.user_code}."


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox access portal: authorize request</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;line-height:1.5}}
code{{font-size:1.4rem;letter-spacing:.1rem}}button{{margin-right:.5rem;padding:.4rem 1.2rem}}</style>
</head><body><h1>Sandbox access portal</h1>{content}
<p><small>This page stands in for the AWS access portal in the local sandbox.</small></p></body></html>"""


def device_page(user_code: str) -> Answer:
    """Return the page where a person signs in and approves or denies a sign-in request.

    As on the real portal the page asks who is signing in: a user name is typed, nobody is
    preselected, so a sign-in is never approved as someone by accident (a token is its
    approver's, whatever the tool that asked for it meant).
    """
    if not user_code:
        return html_answer(PAGE.format(content=(
            "<form method='get' action='/_sandbox/device'><label>Code shown by the tool: "
            "<input name='user_code' placeholder='XXXX-XXXX' autofocus></label> "
            "<button type='submit'>Next</button></form>"
        )))
    with SIGN_IN.lock:
        device = SIGN_IN.device_by_user_code(user_code)
        problem = device_problem(device)
        if device is None or problem:
            return html_answer(PAGE.format(content=f"<p>{html.escape(problem)}</p>"), status=409)
        code = device.user_code
    return html_answer(PAGE.format(content=sign_in_form(code)))


def device_problem(device: DeviceAuthorization | None) -> str:
    """Return why a sign-in request can no longer be decided on the page, or "" when it can."""
    if device is None:
        return "No sign-in request has this code."
    if time.monotonic() >= device.expires_at:
        return "This code has expired: start the sign-in again."
    if device.decision != "pending":
        return f"This request was already {device.decision}."
    return ""


def sign_in_form(user_code: str, *, refusal: str = "", user: str = "") -> str:
    """Return the sign-in form for a pending request; with ``refusal``, the reason it was refused."""
    code = html.escape(user_code)
    refused = f"<p role='alert'><strong>{html.escape(refusal)}</strong></p>" if refusal else ""
    return (
        f"<p>A tool asks to act for you with the code <code>{code}</code>. "
        "Check that it is the code the tool shows.</p>"
        f"{refused}"
        "<form method='post' action='/_sandbox/device'>"
        f"<input type='hidden' name='user_code' value='{code}'>"
        "<p><label>User name <input name='user' autocomplete='username' required autofocus "
        f"value='{html.escape(user, quote=True)}'></label></p>"
        "<p><small>Sign in as the person the tool's profile is for: the token will be theirs.</small></p>"
        "<button name='decision' value='allow' type='submit'>Allow</button>"
        "<button name='decision' value='deny' type='submit'>Deny</button></form>"
    )


def submit_device_page(form: Mapping[str, str]) -> Answer:
    """Answer the page's form: sign in as the user typed and approve or deny, then say what happened.

    A blank or unknown user name is refused and the form shown again, the request still
    pending; an unknown, expired or decided code is refused outright.
    """
    user_code, user = form.get("user_code", ""), form.get("user", "").strip()
    with SIGN_IN.lock:
        device = SIGN_IN.device_by_user_code(user_code) if user_code else None
        problem = device_problem(device)
        if device is None or problem:
            return html_answer(PAGE.format(content=f"<p>{html.escape(problem)}</p>"), status=409)
        if not user or user not in identity_store_users(device.instance):
            refusal = "Type your user name." if not user else f"No user named {user!r} can sign in to this portal."
            return html_answer(PAGE.format(content=sign_in_form(device.user_code, refusal=refusal, user=user)), status=409)
    try:
        done = approve_device(user_code, user, deny=form.get("decision") == "deny")
    except ConsoleStepRefused as refused:
        return html_answer(PAGE.format(content=f"<p>{html.escape(str(refused))}</p>"), status=409)
    return html_answer(PAGE.format(content=f"<p>{html.escape(done)} You can close this window.</p>"))
