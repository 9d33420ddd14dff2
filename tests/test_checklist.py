"""The guided checklist items: what is confirmed, and what the sandbox says is already done."""

from __future__ import annotations

from dataclasses import dataclass, field

from runbook_lib.plan import PASS, WARN
from runbook_lib.steps.checklist import (
    ADMIN_CHECKLIST,
    DEVELOPER_CHECKLIST,
    MFA_SETTINGS,
    console_user,
    find_played_items,
    unknown_confirmations,
    verify_checklist,
)


@dataclass
class FakeConsole:
    """A console player that knows which (step, user) pairs are done, and records the questions."""

    done: set[tuple[str, str]]
    asked: list[tuple[str, str]] = field(default_factory=list)

    def play_console_step(self, step: str, *, region: str = "us-east-1", delay_seconds: float = 0, user: str = "") -> str:
        raise AssertionError("finding what is done must play nothing")

    def is_done(self, step: str, *, user: str = "") -> bool:
        self.asked.append((step, user))
        return (step, user) in self.done


def test_the_sandbox_is_asked_per_item_with_the_user_only_for_user_steps() -> None:
    console = FakeConsole({("verify-user-email", "ada"), ("configure-identity-center-mfa", "")})
    assert find_played_items(ADMIN_CHECKLIST, console, "ada") == {"email_verified", "mfa_settings"}
    assert console.asked == [
        ("send-user-invitation", "ada"), ("verify-user-email", "ada"), ("register-user-mfa", "ada"),
        ("configure-identity-center-mfa", ""),
    ]


def test_a_step_done_for_another_user_does_not_count() -> None:
    console = FakeConsole({("send-user-invitation", "grace")})
    assert find_played_items(DEVELOPER_CHECKLIST, console, "ada") == set()


def test_account_wide_items_are_played_for_no_user() -> None:
    assert console_user(MFA_SETTINGS, "ada") == ""
    assert console_user(DEVELOPER_CHECKLIST[0], "ada") == "ada"


def test_unconfirmed_items_warn_and_unknown_confirmations_are_named() -> None:
    checks = verify_checklist(DEVELOPER_CHECKLIST, {"invitation": True}, "ada")
    assert [check.status for check in checks] == [PASS, WARN, WARN]
    assert unknown_confirmations(DEVELOPER_CHECKLIST, ["invitation", "mfa_settings"]) == ["mfa_settings"]
