"""Drive a running sandbox from the runbook's side, over HTTP only: its ``/_sandbox/*`` routes.

What the sandbox keeps beside moto (root's MFA, the console clicks, each user's first sign-in) is
the sandbox's business: the runbook asks it questions (``is_done``) and never reads its state's
layout, so the server can keep that state however it likes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlencode

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox.local_files import forget_sandbox_files


@dataclass(frozen=True)
class RoleCredentials:
    """A role's short-term credentials (the secret parts never in the repr)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


@dataclass(frozen=True)
class SandboxClient:
    """Talk to a running sandbox's control routes (``/_sandbox/*``).

    Attributes:
        url: The sandbox's base URL, e.g. ``http://127.0.0.1:45123``.
    """

    url: str

    def request(self, method: str, route: str, **query: str) -> dict[str, Any]:
        """Call one control route and return its JSON answer.

        Raises:
            SandboxError: when the sandbox cannot be reached or refuses (its reason is kept),
                or when what answers is not the sandbox.
        """
        address = f"{self.url}/_sandbox/{route}" + (f"?{urlencode(query)}" if query else "")
        request = urllib.request.Request(address, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
        except urllib.error.HTTPError as refused:
            reason = (parse_answer(refused.read()) or {}).get("error", refused.reason)
            raise SandboxError(f"The sandbox refused {route}: {reason}") from None
        except (urllib.error.URLError, OSError) as unreachable:
            raise SandboxError(
                f"The sandbox at {self.url} does not answer ({unreachable}).",
                advice="Start it again: `make lab`, or re-run notebook 00_start_here.",
            ) from None
        answer = parse_answer(body)
        if answer is None:
            raise SandboxError(
                f"What answers at {self.url} is not the sandbox: its {route} answer is not JSON.",
                advice="Start it again: `make lab`, or re-run notebook 00_start_here.",
            )
        return answer

    def is_alive(self) -> bool:
        """Return True when the sandbox answers its state route."""
        try:
            self.state()
        except SandboxError:
            return False
        return True

    def warmed_up(self) -> bool:
        """Return True once the sandbox has built the apps of the services the runbook calls
        (it does so in the background once it listens; a call that comes sooner may wait for
        one). Only ``make bench`` waits for it: a client need not."""
        return bool(self.request("GET", "warmed-up").get("warmed_up"))

    def mode(self) -> str:
        """Return the mode the sandbox was started in: ``workshop`` or ``rehearsal``.

        Raises:
            SandboxError: when the sandbox cannot be reached.
        """
        return str(self.state().get("mode", "workshop"))

    def state(self) -> dict[str, Any]:
        """Return the sandbox-only state of the account, for people and tests to look at.

        The runbook's steps do not read it (its layout is the server's to change): they ask
        ``is_done`` instead.
        """
        return self.request("GET", "state")

    def reset(self, *, seed: int | None = None) -> list[Path]:
        """Make the sandbox a brand-new account, whole; with ``seed``, make its ids repeatable.

        The server forgets everything it keeps, then the files the sandbox owns on this machine
        go too (its AWS CLI config file, its sign-ins' cached tokens, settings that choose it:
        ``local_files``), so nothing left names the account that is gone. A sandbox that refuses
        the reset keeps its account, and the files stay with it.

        Returns:
            The files and folders removed.

        Raises:
            SandboxError: when the sandbox cannot be reached or refuses.
        """
        if seed is None:
            self.request("POST", "reset")
        else:
            self.request("POST", "reset", seed=str(seed))
        return forget_sandbox_files()

    def play_console_step(
        self,
        step: str,
        *,
        region: str = "us-east-1",
        delay_seconds: float = 0,
        user: str = "",
        details: Mapping[str, str] | None = None,
    ) -> str:
        """Play a step that only the AWS console can do; return what happened, in a sentence.

        Args:
            step: Account-wide: ``enable-root-mfa``, ``delete-root-access-keys``,
                ``create-organization``, ``enable-identity-center``,
                ``configure-identity-center-mfa``. For one Identity Center user (``user``
                required): ``send-user-invitation``, ``verify-user-email``, ``register-user-mfa``,
                and ``create-admin-user`` (the user, the ``AdministratorAccess`` permission set
                and its assignment, as root makes them in the console of a new account).
            region: The region the console is showing (Identity Center's steps need its region).
            delay_seconds: Make the result appear only after this long, as AWS can take a while.
            user: The Identity Center user's ``UserName``, for the user steps only.
            details: The console form's fields, for ``create-admin-user``: ``email``,
                ``given_name``, ``family_name``, ``display_name``, ``permission_set``,
                ``session_duration``.

        Raises:
            SandboxError: when the console would refuse the step (its reason is kept).
        """
        query = {**(details or {}), "region": region, "delay": str(delay_seconds)}
        if user:
            query["user"] = user
        return self.request("POST", f"console/{step}", **query)["done"]

    def is_done(self, step: str, *, user: str = "") -> bool:
        """Return True when the sandbox's console shows ``step`` as already done.

        A rerun of a step asks this first, so that the console steps it plays are played once, as
        a person would not click through the console again for what it already shows.

        Args:
            step: One of the console steps ``play_console_step`` takes.
            user: The Identity Center user's ``UserName``, for the user steps only.

        Raises:
            SandboxError: for an unknown step, a user step without ``user``, or an account-wide
                step with one.
        """
        query = {"user": user} if user else {}
        return self.request("GET", f"console/{step}", **query)["played"] is True

    def crowd(self, *, users: int, permission_sets: int, region: str = "us-east-1") -> dict[str, Any]:
        """Fill the account's Identity Center with ``users`` users (``learner-00000``...) and
        ``permission_sets`` permission sets (``Team000``...), none of them the runbook's.

        For lookups at scale (tests, ``make bench``): the sandbox makes them in its own process,
        10,000 users in well under a second, where as many ``CreateUser`` calls take minutes.

        Raises:
            SandboxError: when Identity Center is not enabled in ``region`` or a count is out of range.
        """
        return self.request(
            "POST", "crowd", users=str(users), permission_sets=str(permission_sets), region=region,
        )

    def approve_device(self, user_code: str, user: str, *, deny: bool = False) -> str:
        """Play the person who signs in to the access portal and allows (or denies) a sign-in.

        This is what the person does on the page ``verification_uri_complete`` opens, after
        signing in as ``user``; headless runs and tests play it here.

        Args:
            user_code: The code the tool shows, e.g. ``BCDF-GHJK``.
            user: The Identity Center user's ``UserName`` who signs in.
            deny: Click "Deny" instead of "Allow".

        Returns:
            What happened, in a sentence.

        Raises:
            SandboxError: for an unknown, expired or already decided code, or an unknown user.
        """
        query = {"user_code": user_code, "user": user}
        if deny:
            query["deny"] = "true"
        return self.request("POST", "console/approve-device", **query)["done"]

    def dashboard(self) -> dict[str, Any]:
        """Return what the console shows a person and no API gives the runbook.

        ``account_id`` (the account menu), ``identity_center_region`` and
        ``access_portal_url`` (IAM Identity Center's dashboard; None until it is enabled). A
        rehearsal of the first-time path reads them here, as a person reads them off the
        console to type them into step 05.

        Raises:
            SandboxError: when the sandbox cannot be reached.
        """
        return self.request("GET", "dashboard")

    def sign_in_requests(self) -> list[dict[str, Any]]:
        """Return the sign-ins waiting for a person's "Allow": ``user_code``, ``client_name``,
        ``start_url``, ``expires_in`` each (what a person sees on the tool's screen).

        Raises:
            SandboxError: when the sandbox cannot be reached.
        """
        return list(self.request("GET", "sign-in/requests")["requests"])

    def mint_role_credentials(self, role_name: str, *, session_name: str, region: str = "us-east-1") -> RoleCredentials:
        """Return short-term credentials of a reserved role, with no sign-in: SANDBOX ONLY.

        AWS has nothing like it (there a role's credentials come from a person's sign-in); the
        sandbox offers it so that a test, or step 04's sandbox-only proof, can call AWS as the
        permission set's role, through the same access control as the portal's credentials.

        Args:
            role_name: The ``AWSReservedSSO_<permission set>_<16 hex>`` role provisioning made.
            session_name: The role session's name (the caller's ARN ends with it).
            region: The region of the STS call that issues them.

        Raises:
            SandboxError: when the account has no such reserved role.
        """
        answer = self.request("POST", "role-credentials", role_name=role_name, session_name=session_name, region=region)
        return RoleCredentials(answer["accessKeyId"], answer["secretAccessKey"], answer["sessionToken"])

    def configure_sign_in(
        self,
        *,
        device_code_seconds: int | None = None,
        interval_seconds: int | None = None,
        access_token_seconds: int | None = None,
    ) -> dict[str, int]:
        """Shorten (or lengthen) the sign-in's lifetimes until the next reset; return them all.

        Args:
            device_code_seconds: How long a device code and its user code live (AWS: 600).
            interval_seconds: The polling interval ``StartDeviceAuthorization`` asks for (AWS: 1).
            access_token_seconds: How long an access token lives.

        Raises:
            SandboxError: for a value the sandbox refuses.
        """
        wanted = {
            "device_code_seconds": device_code_seconds,
            "interval_seconds": interval_seconds,
            "access_token_seconds": access_token_seconds,
        }
        return self.request(
            "POST", "sign-in/settings", **{name: str(value) for name, value in wanted.items() if value is not None}
        )


def parse_answer(body: bytes) -> dict[str, Any] | None:
    """Return a control route's JSON object, or None when the body is not one.

    Another server can answer at a stale sandbox URL (a port reused by Jupyter, say); its HTML
    must end as a ``SandboxError``, not as a ``JSONDecodeError``.
    """
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
