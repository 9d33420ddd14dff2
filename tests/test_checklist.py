"""Tests for runbook_lib.steps.checklist: the guided items no API can check (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from runbook_lib.checks import PASS, REGISTRY, WARN
from runbook_lib.steps import checklist
from runbook_lib.steps.checklist import (
    ADMIN_CHECKLIST,
    DEVELOPER_CHECKLIST,
    INVITATION,
    MFA_SETTINGS,
    describe_item,
    console_user,
    find_played_items,
    unknown_confirmations,
    verify_checklist,
)


def test_the_admin_has_every_item_and_the_developer_every_per_user_one() -> None:
    assert set(DEVELOPER_CHECKLIST) < set(ADMIN_CHECKLIST)
    assert set(ADMIN_CHECKLIST) - set(DEVELOPER_CHECKLIST) == {MFA_SETTINGS}  # account-wide: the Admin's step sets it
    assert all(item.per_user for item in DEVELOPER_CHECKLIST)
    assert len({item.key for item in ADMIN_CHECKLIST}) == len(ADMIN_CHECKLIST)


@pytest.mark.parametrize("item", ADMIN_CHECKLIST, ids=lambda item: item.key)
def test_each_item_has_a_registered_check_and_a_console_path(item: checklist.ChecklistItem) -> None:
    assert f"sso_checklist_{item.key}" in REGISTRY
    assert item.title and item.console_path and item.sandbox_step


def test_describe_item_fills_in_the_user() -> None:
    described = describe_item(INVITATION, "ada-developer")
    assert "IAM Identity Center > Users > ada-developer > 'Reset password'" in described
    assert "{user}" not in described
    assert describe_item(MFA_SETTINGS, "ada-developer") == MFA_SETTINGS.console_path


def test_verify_checklist_passes_what_was_confirmed_and_warns_of_the_rest() -> None:
    checks = verify_checklist(ADMIN_CHECKLIST, {"invitation": True, "mfa_settings": True, "mfa_registered": False},
                              "Admin", region="eu-west-1")
    assert [(check.check_id, check.status, check.resource) for check in checks] == [
        ("sso_checklist_invitation", PASS, "identitystore_user.Admin"),
        ("sso_checklist_email_verified", WARN, "identitystore_user.Admin"),
        ("sso_checklist_mfa_registered", WARN, "identitystore_user.Admin"),
        ("sso_checklist_mfa_settings", PASS, "sso_instance.eu-west-1"),
    ]
    assert checks[0].detail == "The user can sign in for the first time: confirmed."
    assert checks[1].detail == "The user's email is verified: not confirmed yet for Admin."


def test_an_unconfirmed_item_never_fails_the_step_and_keeps_the_console_path_out_of_the_detail() -> None:
    checks = verify_checklist(DEVELOPER_CHECKLIST, {}, "ada-developer", region="us-east-1")
    assert {check.status for check in checks} == {WARN}
    assert all("IAM Identity Center >" not in check.detail for check in checks)


def test_unknown_confirmations_are_named() -> None:
    assert unknown_confirmations(DEVELOPER_CHECKLIST, ["invitation", "mfa_settings", "mfa"]) == ["mfa_settings", "mfa"]
    assert unknown_confirmations(ADMIN_CHECKLIST, ["mfa_settings"]) == []



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

