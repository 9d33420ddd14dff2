"""The guided parts of Identity Center with no public API: invitation, email, MFA.

AWS offers no API to send an invitation, to read whether an email is verified or an MFA device
registered, or to read the MFA settings. The runbook gives the exact console path, records the
person's confirmation in the run summary, and in the sandbox plays the step like the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_lib.checks import PASS, WARN, Check
from runbook_lib import addresses
from runbook_lib.steps.console import ConsolePlayer


@dataclass(frozen=True)
class ChecklistItem:
    """One guided item: its key (a ``confirmed`` entry), what to do, and its sandbox console step.

    Attributes:
        sandbox_step: The console step the sandbox plays for it (and says whether it is done).
        per_user: True when the step is played for one user, False when for the whole account.
    """

    key: str
    title: str
    console_path: str
    sandbox_step: str
    per_user: bool = True


INVITATION = ChecklistItem(
    "invitation", "The user can sign in for the first time",
    "Users created by API get no email. Either: IAM Identity Center > Settings > Authentication > "
    "Standard authentication > Configure > tick 'Send email OTP for users created from API' (the user "
    "gets a one-time code at first sign-in); or IAM Identity Center > Users > {user} > 'Reset password' > "
    "'Generate a one-time password and share it with the user' and give it to them safely.",
    "send-user-invitation",
)
EMAIL_VERIFIED = ChecklistItem(
    "email_verified", "The user's email is verified",
    "The user signs in at the access portal URL and follows the verification email. Check: IAM Identity "
    "Center > Users > {user} > 'Email address' shows 'Verified' (else 'Send verification email').",
    "verify-user-email",
)
MFA_REGISTERED = ChecklistItem(
    "mfa_registered", "The user has an MFA device",
    "At first sign-in the portal asks to register an MFA device: choose an authenticator app (or a "
    "security key) and follow the prompts. Check: IAM Identity Center > Users > {user} > 'MFA devices' "
    "lists one.",
    "register-user-mfa",
)
MFA_SETTINGS = ChecklistItem(
    "mfa_settings", "Identity Center requires MFA at every sign-in",
    "IAM Identity Center > Settings > Authentication > Multi-factor authentication > Configure: "
    "'Every time they sign in (always-on)'; 'Require them to register an MFA device at sign in'; "
    "allow authenticator apps and security keys. Save.",
    "configure-identity-center-mfa",
    per_user=False,
)

ADMIN_CHECKLIST = (INVITATION, EMAIL_VERIFIED, MFA_REGISTERED, MFA_SETTINGS)
DEVELOPER_CHECKLIST = (INVITATION, EMAIL_VERIFIED, MFA_REGISTERED)


def describe_item(item: ChecklistItem, user_name: str) -> str:
    """Return the item's console path with the user's name filled in."""
    return item.console_path.format(user=user_name)


def verify_checklist(
    items: tuple[ChecklistItem, ...], confirmations: dict[str, bool], user_name: str, *, region: str
) -> list[Check]:
    """Return one check per item: PASS when confirmed, WARN (not FAIL: no API can tell) when not.

    A per-user item is about the user (``identitystore_user.<name>``), an account-wide one about
    the Identity Center instance (``sso_instance.<region>``); what to do is the item's console
    path (``describe_item``) and the registry's remediation, not repeated in the detail.
    """
    return [
        Check(
            f"sso_checklist_{item.key}", PASS if confirmations.get(item.key) else WARN,
            addresses.user_address(user_name) if item.per_user else addresses.instance_address(region),
            f"{item.title}: confirmed." if confirmations.get(item.key)
            else f"{item.title}: not confirmed yet{f' for {user_name}' if item.per_user else ''}.",
        )
        for item in items
    ]


def unknown_confirmations(items: tuple[ChecklistItem, ...], confirmed: list[str]) -> list[str]:
    """Return the entries of ``confirmed`` that name no item of this checklist."""
    keys = {item.key for item in items}
    return [entry for entry in confirmed if entry not in keys]


def console_user(item: ChecklistItem, user_name: str) -> str:
    """Return the user an item's console step is played for: ``user_name``, or "" account-wide."""
    return user_name if item.per_user else ""


def find_played_items(items: tuple[ChecklistItem, ...], player: ConsolePlayer, user_name: str) -> set[str]:
    """Return the keys of the items whose console step ``player`` (the sandbox) shows as done.

    The sandbox is asked, item by item, rather than its state read: how it keeps what was played
    is its own business.

    Raises:
        SandboxError: when the sandbox cannot be reached.
    """
    return {item.key for item in items if player.is_done(item.sandbox_step, user=console_user(item, user_name))}
