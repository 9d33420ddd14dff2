"""Root's console on a brand-new account, and what a person reads off it (sandbox process's routes).

In rehearsal mode root has only the console: the organization and the first administrator (the
user, the ``AdministratorAccess`` permission set, its assignment) are made there, after which the
Admin's own sign-in can do everything. The dashboard shows the access portal URL, and the sign-in
requests waiting for a person's "Allow" are listed (what the person sees), never their device code.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import REHEARSAL_MODE, SandboxClient, start_sandbox
from sso_setup import ACCOUNT_ID, REGION, IdentityCenterPeople, call_as, error_code_of, session_with, set_up_people


@pytest.fixture
def people(sandbox: SandboxClient) -> IdentityCenterPeople:
    """Return Identity Center with dev, builder and visitor, on a brand-new sandbox account."""
    return set_up_people(sandbox)


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    """Return a sandbox of its own in rehearsal mode."""
    with start_sandbox(log_dir=tmp_path_factory.mktemp("rehearsal-sandbox"), mode=REHEARSAL_MODE) as started:
        yield started.client


@pytest.fixture
def new_account(rehearsal: SandboxClient) -> SandboxClient:
    """Return the rehearsal sandbox, reset to a brand-new account."""
    rehearsal.reset()
    return rehearsal


def test_pending_sign_in_requests_are_listed_until_approved(people: IdentityCenterPeople) -> None:
    oidc = people.client("sso-oidc", signed=False)
    client = oidc.register_client(clientName="runbook-my-sso-admin", clientType="public")
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=people.start_url)
    [request] = people.sandbox.sign_in_requests()
    assert request["user_code"] == device["userCode"]
    assert (request["client_name"], request["start_url"]) == ("runbook-my-sso-admin", people.start_url)
    assert 0 < request["expires_in"] <= 600 and "deviceCode" not in str(request)
    people.sandbox.approve_device(request["user_code"], "dev")
    assert people.sandbox.sign_in_requests() == []


def test_the_dashboard_shows_the_portal_url_once_identity_center_is_enabled(sandbox: SandboxClient) -> None:
    assert sandbox.dashboard() == {"account_id": ACCOUNT_ID, "identity_center_region": None, "access_portal_url": None}
    people = set_up_people(sandbox)
    assert sandbox.dashboard() == {
        "account_id": ACCOUNT_ID, "identity_center_region": REGION, "access_portal_url": people.start_url}


def test_in_rehearsal_mode_root_s_console_makes_the_admin_who_can_then_do_everything(new_account: SandboxClient) -> None:
    for step in ("enable-root-mfa", "delete-root-access-keys", "create-organization", "enable-identity-center"):
        new_account.play_console_step(step)
    assert not new_account.is_done("create-admin-user", user="Admin")
    done = new_account.play_console_step("create-admin-user", user="Admin", details={"email": "grace@example.com"})
    assert "user Admin added" in done and "provisioned" in done
    assert new_account.is_done("create-admin-user", user="Admin")
    assert "already holds AdministratorAccess" in new_account.play_console_step(
        "create-admin-user", user="Admin", details={"email": "grace@example.com"})
    view = new_account.dashboard()
    people = IdentityCenterPeople(new_account, "", view["access_portal_url"].split("//")[1].split(".")[0], {}, {})
    admin = session_with(people.role_credentials("Admin", "AdministratorAccess"))
    arn = call_as(admin, new_account.url, "sts", "get_caller_identity")["Arn"]
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/AWSReservedSSO_AdministratorAccess_") and arn.endswith("/Admin")
    assert error_code_of(call_as(admin, new_account.url, "iam", "create_user", UserName="made-by-the-admin")) == ""
    assert new_account.state()["mode"] == REHEARSAL_MODE
    new_account.reset()
    assert new_account.mode() == REHEARSAL_MODE  # a start option: a reset keeps it


def test_the_admin_console_step_needs_a_user_and_an_email(new_account: SandboxClient) -> None:
    new_account.play_console_step("create-organization")
    new_account.play_console_step("enable-identity-center")
    with pytest.raises(SandboxError, match="needs the user's email"):
        new_account.play_console_step("create-admin-user", user="Admin")
    with pytest.raises(SandboxError, match="add \\?user="):
        new_account.play_console_step("create-admin-user", details={"email": "a@example.com"})
    with pytest.raises(SandboxError, match="has no field 'colour'"):
        new_account.play_console_step("create-admin-user", user="Admin", details={"colour": "red"})


def test_the_admin_console_step_needs_identity_center(new_account: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="not enabled yet"):
        new_account.play_console_step("create-admin-user", user="Admin", details={"email": "a@example.com"})
