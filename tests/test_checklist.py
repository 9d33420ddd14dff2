"""Tests for runbook_lib.steps.checklist: the guided items no API can check (pure)."""

from __future__ import annotations

import pytest

from runbook_lib.checks import PASS, REGISTRY, WARN
from runbook_lib.steps import checklist
from runbook_lib.steps.checklist import (
    ADMIN_CHECKLIST,
    DEVELOPER_CHECKLIST,
    INVITATION,
    MFA_SETTINGS,
    describe_item,
    done_in_sandbox,
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
    assert item.title and item.console_path and item.sandbox_step and item.sandbox_flag


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


def test_done_in_sandbox_reads_per_user_and_account_flags() -> None:
    state = {
        "identity_center_mfa_configured": True,
        "users": {"Admin": {"invitation_sent": True, "email_verified": False, "mfa_registered": True},
                  "ada-developer": {"email_verified": True}},
    }
    assert done_in_sandbox(ADMIN_CHECKLIST, state, "Admin") == {"invitation", "mfa_registered", "mfa_settings"}
    assert done_in_sandbox(DEVELOPER_CHECKLIST, state, "ada-developer") == {"email_verified"}
    assert done_in_sandbox(DEVELOPER_CHECKLIST, state, "nobody") == set()
    assert done_in_sandbox(ADMIN_CHECKLIST, {}, "Admin") == set()
