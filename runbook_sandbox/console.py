"""The console steps with no API, and the sandbox-only state they change (sandbox process only).

Some of what a person does in the AWS console has no public API: root's MFA and access keys, the
"Enable" click of IAM Identity Center, a user's first sign-in (the invitation or one-time password,
the email verification, the MFA device) and Identity Center's MFA settings. The sandbox plays them
through ``POST /_sandbox/console/<step>`` and keeps what they changed here, per account, cleared on
every reset; ``GET /_sandbox/console/<step>`` says whether one shows as done. Where the console
would refuse a step, so does the sandbox (``ConsoleStepRefused``).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

ACCOUNT_STEPS = (
    "enable-root-mfa",
    "delete-root-access-keys",
    "enable-identity-center",
    "configure-identity-center-mfa",
)
USER_STEPS = {
    "send-user-invitation": "invitation_sent",
    "verify-user-email": "email_verified",
    "register-user-mfa": "mfa_registered",
}
"""Steps played for one Identity Center user (``?user=<UserName>``), and the flag each sets."""

CONSOLE_STEPS = (*ACCOUNT_STEPS, *USER_STEPS)


@dataclass
class UserState:
    """What the console knows of one Identity Center user and no API reads."""

    invitation_sent: bool = False
    email_verified: bool = False
    mfa_registered: bool = False


@dataclass
class AccountState:
    """What a new account has that moto does not model: root's MFA and keys, console clicks."""

    root_mfa_enabled: bool = False
    root_access_keys_present: bool = True
    identity_center_region: str | None = None
    identity_center_mfa_configured: bool = False
    users: dict[str, UserState] = field(default_factory=dict)


@dataclass
class SandboxState:
    """All sandbox-only state, per account id; cleared on every reset."""

    accounts: dict[str, AccountState] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def account(self, account_id: str) -> AccountState:
        """Return the account's state, creating the new-account defaults on first use."""
        return self.accounts.setdefault(account_id, AccountState())

    def clear(self) -> None:
        """Forget every account, as a reset of moto forgets every resource."""
        self.accounts.clear()


STATE = SandboxState()


class ConsoleStepRefused(Exception):
    """Raised when a simulated console step is refused, as the real console would refuse it."""


def describe_account(account_id: str) -> dict[str, Any]:
    """Return the account's sandbox state as ``GET /_sandbox/state`` shows it (``users`` maps a
    user name to its flags, for the users a console step was played for)."""
    return {"account_id": account_id, **asdict(STATE.account(account_id))}


def is_step_played(step: str, account_id: str, *, user: str = "") -> bool:
    """Return True when the console would show ``step`` as done (``GET /_sandbox/console/<step>``).

    Args:
        step: One of ``CONSOLE_STEPS``.
        account_id: The account the console is signed in to.
        user: For the user steps (``USER_STEPS``): the Identity Center user's ``UserName``.

    Raises:
        ConsoleStepRefused: for an unknown step, a user step without a user, or an account-wide
            step with one (the same rules as playing it).
    """
    if step not in CONSOLE_STEPS:
        raise ConsoleStepRefused(f"Unknown console step {step!r}; known: {', '.join(CONSOLE_STEPS)}.")
    account = STATE.account(account_id)
    if step in USER_STEPS:
        if not user:
            raise ConsoleStepRefused(f"{step} is played for one user: add ?user=<UserName>.")
        flags = account.users.get(user)
        return flags is not None and getattr(flags, USER_STEPS[step])
    if user:
        raise ConsoleStepRefused(f"{step} is account-wide: it takes no user (got user={user!r}).")
    return {
        "enable-root-mfa": account.root_mfa_enabled,
        "delete-root-access-keys": not account.root_access_keys_present,
        "enable-identity-center": account.identity_center_region is not None,
        "configure-identity-center-mfa": account.identity_center_mfa_configured,
    }[step]


def play_console_step(
    step: str, account_id: str, region: str, *, delay_seconds: float = 0, user: str = ""
) -> str:
    """Do what the console does for ``step``; return a sentence saying what happened.

    Args:
        step: One of ``CONSOLE_STEPS``.
        account_id: The account the console is signed in to.
        region: The region the console shows (Identity Center's steps need its region).
        delay_seconds: For ``enable-identity-center``: the instance appears only after this long.
        user: For the user steps (``USER_STEPS``): the Identity Center user's ``UserName``.

    Raises:
        ConsoleStepRefused: when the console would refuse (e.g. Identity Center before the
            organization, or in a second region; a user step for a user the identity store
            does not have, or before Identity Center is enabled).
    """
    if step not in CONSOLE_STEPS:
        raise ConsoleStepRefused(
            f"Unknown console step {step!r}; known: {', '.join(CONSOLE_STEPS)}."
        )
    if step in USER_STEPS:
        return play_user_step(step, account_id, region, user)
    if user:
        raise ConsoleStepRefused(f"{step} is account-wide: it takes no user (got user={user!r}).")
    root = STATE.account(account_id)
    if step == "enable-root-mfa":
        root.root_mfa_enabled = True
        return "Root user: an authenticator app is now registered as its MFA device."
    if step == "delete-root-access-keys":
        root.root_access_keys_present = False
        return "Root user: its access keys are deleted."
    if step == "enable-identity-center":
        return enable_identity_center(account_id, region, root, delay_seconds=delay_seconds)
    require_identity_center(account_id, region)
    root.identity_center_mfa_configured = True
    return (
        "IAM Identity Center: MFA is required at every sign-in, and users without a device "
        "must register one when they sign in."
    )


def play_user_step(step: str, account_id: str, region: str, user: str) -> str:
    """Play one of the first-sign-in steps for the Identity Center user named ``user``."""
    if not user:
        raise ConsoleStepRefused(f"{step} is played for one user: add ?user=<UserName>.")
    identity_store_id = require_identity_center(account_id, region)
    if not identity_store_has_user(account_id, region, identity_store_id, user):
        raise ConsoleStepRefused(
            f"The identity store {identity_store_id} has no user named {user!r}: "
            "create the user first (identitystore CreateUser)."
        )
    setattr(STATE.account(account_id).users.setdefault(user, UserState()), USER_STEPS[step], True)
    if step == "send-user-invitation":
        return (
            f"Identity Center user {user}: can sign in for the first time (email one-time "
            "password at first sign-in, or a one-time password shared by the administrator)."
        )
    if step == "verify-user-email":
        return f"Identity Center user {user}: email address verified."
    return f"Identity Center user {user}: an authenticator app is registered as an MFA device."


def require_identity_center(account_id: str, region: str) -> str:
    """Return the identity store id of the account's Identity Center instance in ``region``.

    Raises:
        ConsoleStepRefused: when Identity Center is not enabled, is enabled in another region,
            or its instance has not appeared yet (the console's "Enable" takes a while).
    """
    from moto.ssoadmin.models import ssoadmin_backends

    enabled_in = STATE.account(account_id).identity_center_region
    if enabled_in is None:
        raise ConsoleStepRefused(
            "IAM Identity Center is not enabled yet: enable it first (console step "
            "enable-identity-center)."
        )
    if enabled_in != region:
        raise ConsoleStepRefused(
            f"IAM Identity Center is enabled in {enabled_in}, not in {region}: "
            f"open the console in {enabled_in}."
        )
    instances = ssoadmin_backends[account_id][region].instances
    if not instances:
        raise ConsoleStepRefused(
            "IAM Identity Center is still being enabled: try again in a moment."
        )
    return instances[0].identity_store_id


def identity_store_has_user(account_id: str, region: str, identity_store_id: str, user: str) -> bool:
    """Return True when moto's identity store ``identity_store_id`` has a user named ``user``."""
    from moto.identitystore.models import identitystore_backends

    store = identitystore_backends[account_id][region].identity_stores.get(identity_store_id)
    return store is not None and any(entry.UserName == user for entry in store.users.values())


def organization_of(account_id: str) -> Any:
    """Return moto's organization that ``account_id`` manages, or None."""
    from moto.organizations.models import organizations_backends

    return organizations_backends[account_id]["aws"].org


def enable_identity_center(
    account_id: str, region: str, root: AccountState, *, delay_seconds: float
) -> str:
    """Create the organization instance of Identity Center, as the console's 'Enable' does."""
    from moto.ssoadmin.models import Instance, ssoadmin_backends

    if organization_of(account_id) is None:
        raise ConsoleStepRefused(
            "There is no organization yet: create it first (step 02 plans and applies it), "
            "then enable IAM Identity Center."
        )
    if root.identity_center_region not in (None, region):
        raise ConsoleStepRefused(
            f"IAM Identity Center is already enabled in {root.identity_center_region}; "
            "an organization has one instance, in one region."
        )
    if root.identity_center_region == region:
        return f"IAM Identity Center was already enabled in {region}."
    root.identity_center_region = region
    backend = ssoadmin_backends[account_id][region]

    def create_instance() -> None:
        if not backend.instances:
            backend.instances.append(Instance(account_id, region))

    if delay_seconds > 0:  # AWS takes a while; lets the runbook's polling be exercised
        threading.Timer(delay_seconds, create_instance).start()
    else:
        create_instance()
    return f"IAM Identity Center: enabled in {region} (organization instance)."
