"""Step 06: sign in through the sandbox's device flow and prove the profile is the developer's role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import ipywidgets
import pytest
from botocore import UNSIGNED

from runbook_lib import runner, widgets
from runbook_lib.aws import AwsContext, CallRecorder
from runbook_lib.awsconfig import ConfigWriter
from runbook_lib.errors import InputError, PrerequisiteMissingError, ProfileNotWrittenError
from runbook_lib.plan import apply_plan
from runbook_lib.sandbox import SandboxClient
from runbook_lib.step_run import begin_run
from runbook_lib.steps import access, admin_user, cli_profiles, developer_access
from runbook_lib.steps.cli_profiles import sandbox_config_file
from runbook_lib.steps.developer_access import TokenState
from runbook_lib.steps.identity_center import require_instance
from runbook_lib.sso_login import login_with_device_code, read_token_cache, token_cache_path
from sandbox_seeds import create_example_developer_and_profile, prepare_account_for
from sso_setup import ACCOUNT_ID, REGION, set_up_people
from aws_guard import refuse_every_aws_call
from notebook_cells import NOTEBOOKS, run_notebook_cells

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
STEP = "06_verify_developer_access"


@pytest.fixture
def settings(sandbox: SandboxClient) -> developer_access.SsoProfileSettings:
    """The sandbox after steps 01-05 (developer ada-developer, profile written), not signed in."""
    prepare_account_for("06_verify_developer_access", sandbox)
    return developer_access.read_profile_settings(sandbox_config_file(), "ada-developer")


def test_reads_the_profile_and_its_session_as_botocore_does(settings):
    assert (settings.session_name, settings.role_name, settings.account_id) == (
        "runbook-sandbox-developer", "DeveloperAccess", "123456789012")
    assert settings.start_url.startswith("https://d-") and settings.sso_region == "us-east-1"


def test_a_bad_profile_name_names_the_field(settings):
    with pytest.raises(InputError) as refused:
        developer_access.read_profile_settings(sandbox_config_file(), "admin oops")
    assert refused.value.field == "developer_profile"


def test_a_profile_not_written_yet_waits_for_step_05(tmp_path):
    """No config file yet, or one with only other profiles (the first-time path writes only the
    Admin's; a person's own file has theirs): the profile is step 05's to write, so the step waits."""
    missing = tmp_path / "config"
    with pytest.raises(ProfileNotWrittenError) as waiting:
        developer_access.read_profile_settings(missing, "ada-developer")
    assert isinstance(waiting.value, PrerequisiteMissingError)  # a plan-only run counts it as waiting
    assert (waiting.value.field, waiting.value.known) == ("developer_profile", ())
    assert "05_configure_aws_cli" in waiting.value.advice

    missing.write_text("[default]\nregion = eu-west-1\n\n[profile admin]\nregion = us-east-1\n")
    with pytest.raises(ProfileNotWrittenError) as waiting:
        developer_access.read_profile_settings(missing, "ada-developer")
    assert waiting.value.known == ("admin", "default") and "profiles found: admin, default" in waiting.value.message


@pytest.mark.parametrize("typo", ["ada-develper", "Ada-developer", "ada-developers"])
def test_a_typo_of_a_written_profile_is_an_input_error_not_a_wait(settings, typo):
    """Waiting for step 05 would never end for a name one typo away from a profile the file has."""
    with pytest.raises(InputError) as refused:
        developer_access.read_profile_settings(sandbox_config_file(), typo)
    assert not isinstance(refused.value, PrerequisiteMissingError)
    assert refused.value.field == "developer_profile" and "did you mean 'ada-developer'?" in refused.value.rule


@pytest.mark.parametrize(("wanted", "known", "close"), [
    ("ada-develper", ["ada-developer", "admin"], "ada-developer"),
    ("ADMIN", ["admin"], "admin"),
    ("bob-developer", ["ada-developer", "admin"], ""),  # another developer's profile, not a typo
    ("ada-developer", ["admin", "default"], ""),
    ("ada-developer", [], ""),
])
def test_find_close_profile_name(wanted, known, close):
    assert developer_access.find_close_profile_name(wanted, known) == close


def test_a_plain_profile_is_not_an_sso_profile(tmp_path):
    path = tmp_path / "config"
    path.write_text("[profile keys]\nregion = us-east-1\n")
    with pytest.raises(InputError, match="not an IAM Identity Center profile"):
        developer_access.read_profile_settings(path, "keys")


GOOD_FOR_AN_HOUR = NOW + timedelta(hours=1)


@pytest.mark.parametrize(("state", "problem"), [
    (TokenState(NOW - timedelta(hours=1)), "expired at 2026-11-29 11:00 UTC"),
    (TokenState(NOW + timedelta(minutes=10), account_roles=("DeveloperAccess",)), "expires at 12:10 UTC, within 15 minutes"),
    (TokenState(GOOD_FOR_AN_HOUR, portal_refusal="UnauthorizedException"), "refused by the access portal"),
    (TokenState(GOOD_FOR_AN_HOUR, portal_refusal="ForbiddenException"), "another person's sign-in"),
    (TokenState(GOOD_FOR_AN_HOUR, account_roles=("AdministratorAccess",)),
     "reaches AdministratorAccess in account 123456789012, not DeveloperAccess: it is another person's sign-in"),
    (TokenState(GOOD_FOR_AN_HOUR, account_roles=()), "reaches no role in account 123456789012"),
    (TokenState(GOOD_FOR_AN_HOUR), "was not checked with the access portal"),
], ids=["expired", "expiring", "revoked", "forbidden", "another-persons-roles", "no-role", "not-asked"])
def test_a_cached_sign_in_that_cannot_serve_the_profile_plans_a_replace_saying_why(settings, state, problem):
    plan = developer_access.plan_sign_in(settings, state, now=NOW)
    [change] = plan.changes
    assert (change.action, change.address, change.operation) == ("replace", f"sso_token.{settings.session_name}", "sign_in")
    assert problem in change.before["problem"] and problem in change.detail
    assert change.before["expires_at"] == state.expires_at.isoformat()
    assert change.after == {"start_url": settings.start_url, "sso_region": "us-east-1"}
    assert "aws sso login --profile ada-developer --use-device-code" in change.detail
    assert change.operation in developer_access.APPLIERS


def test_no_cached_sign_in_plans_a_create_and_the_persons_good_one_plans_nothing(settings):
    [change] = developer_access.plan_sign_in(settings, TokenState(), now=NOW).changes
    assert (change.action, change.before) == ("create", None) and "no sign-in is cached" in change.detail
    assert "who has DeveloperAccess in account 123456789012" in change.detail
    good = TokenState(GOOD_FOR_AN_HOUR, account_roles=("ReadOnly", "DeveloperAccess"))
    assert developer_access.plan_sign_in(settings, good, now=NOW).is_empty


def test_the_token_state_never_holds_the_token(settings, sandbox, ctx):
    sign_in_session_as(ctx, settings, sandbox, "ada-developer")
    token = read_token_cache(settings.session_name).access_token
    state = developer_access.read_token_state(ctx, settings)
    assert state.account_roles == ("DeveloperAccess",) and not state.portal_refusal
    assert token not in repr(state) and token not in repr(read_token_cache(settings.session_name))
    assert [str(call) for call in ctx.recorder.calls][-1] == "sso:ListAccountRoles"  # counted as the step's read


def test_sign_in_then_the_profile_alone_is_the_developers_role(settings, sandbox: SandboxClient, ctx: AwsContext, monkeypatch):
    # Only the session knows the sandbox's URL: without it, the SSO provider's own sso client would
    # go to AWS (this test's environment would otherwise send everything to the sandbox anyway).
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    session = developer_access.profile_session(sandbox_config_file(), "ada-developer", recorder=CallRecorder(), endpoint_url=sandbox.url)
    before = developer_access.verify_developer_identity(session, settings)
    assert not before.passed and "not signed in" in before.checks[0].detail
    assert before.checks[0].resource == "cli_profile.ada-developer"
    assert "aws sso login" in before.failures[0]  # the registry says how to sign in

    prompts = []
    done = developer_access.sign_in(
        ctx, settings, on_prompt=prompts.append,
        approve=lambda prompt: sandbox.approve_device(prompt.user_code, user="ada-developer"), timeout_seconds=30,
    )
    assert prompts and prompts[0].user_code and "Signed in" in done[0]
    assert read_token_cache(settings.session_name).expires_at > datetime.now(timezone.utc) + timedelta(minutes=30)
    assert json.loads(token_cache_path("runbook-sandbox-developer").read_text())["startUrl"] == settings.start_url

    recorder = CallRecorder()
    fresh = developer_access.profile_session(sandbox_config_file(), "ada-developer", recorder=recorder, endpoint_url=sandbox.url)
    verification = developer_access.verify_developer_identity(fresh, settings)
    assert verification.passed, verification.failures
    assert ":assumed-role/AWSReservedSSO_DeveloperAccess_" in verification.checks[0].detail
    assert recorder.writes == []
    assert developer_access.plan_sign_in(settings, developer_access.read_token_state(ctx, settings)).is_empty
    assert "AWS_ENDPOINT_URL" not in os.environ  # the process's environment was never touched


def test_a_token_for_another_start_url_does_not_count_and_a_token_the_portal_refuses_is_refused(settings, ctx):
    path = token_cache_path(settings.session_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "startUrl": "https://other.awsapps.com/start", "accessToken": "unknown", "expiresAt": "2099-01-01T00:00:00Z"}))
    assert developer_access.read_token_state(ctx, settings) == TokenState()
    path.write_text(json.dumps({"startUrl": settings.start_url, "accessToken": "unknown", "expiresAt": "2099-01-01T00:00:00Z"}))
    assert developer_access.read_token_state(ctx, settings) == TokenState(
        datetime(2099, 1, 1, tzinfo=timezone.utc), portal_refusal="UnauthorizedException")
    path.write_text(json.dumps({"startUrl": settings.start_url, "expiresAt": "2099-01-01T00:00:00Z"}))  # no token
    assert developer_access.read_token_state(ctx, settings) == TokenState()


def test_a_revoked_sign_in_shows_as_not_signed_in_not_a_crash(settings, sandbox: SandboxClient):
    """A cached token the portal no longer accepts (signed out, revoked): botocore raises
    UnauthorizedSSOTokenError, which the verification reports as a failed check."""
    path = token_cache_path(settings.session_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "startUrl": settings.start_url, "region": settings.sso_region,
        "accessToken": "revoked-token", "expiresAt": "2099-01-01T00:00:00Z",
    }))
    session = developer_access.profile_session(
        sandbox_config_file(), "ada-developer", recorder=CallRecorder(), endpoint_url=sandbox.url)
    verification = developer_access.verify_developer_identity(session, settings)
    assert not verification.passed
    assert "not signed in (UnauthorizedSSOTokenError)" in verification.checks[0].detail


def test_with_target_none_step_06_signs_the_first_profile_in_and_it_acts_in_the_account(sandbox: SandboxClient, tmp_path):
    """The first-time path: step 05 wrote the Admin's profile from parameters, step 06 (target
    none, so the runbook has no credentials) signs it in, and the profile alone then works."""
    people = set_up_people(sandbox)  # Identity Center with a person, dev, assigned the set Developer
    path = tmp_path / "config"
    profile, session = cli_profiles.build_admin_profile(
        account_id=ACCOUNT_ID, portal_url=people.start_url, sso_region=REGION, admin_role="Developer")
    plan, config_plan = cli_profiles.plan_profiles([profile], [session], path=path)
    apply_plan(plan, cli_profiles.APPLIERS, ConfigWriter.for_plan(config_plan))

    run = begin_run("06_verify_developer_access", target="none", runs_without_aws=True)
    settings = developer_access.read_profile_settings(path, "admin")
    done = developer_access.sign_in(
        run.ctx, settings, on_prompt=lambda prompt: None,
        approve=lambda prompt: sandbox.approve_device(prompt.user_code, user="dev"), timeout_seconds=30,
    )
    assert "Signed in" in done[0]
    assert run.ctx.session.get_credentials() is None
    assert {call.service for call in run.ctx.recorder.calls} == {"sso-oidc"}  # the sign-in's only, unsigned

    environment = {**os.environ, "AWS_CONFIG_FILE": str(path)}  # a fresh process: botocore reads the new token
    result = subprocess.run(
        [sys.executable, "-c", "import boto3; print(boto3.Session(profile_name='admin').client('sts').get_caller_identity()['Arn'])"],
        env=environment, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{people.reserved_role_name('Developer')}/dev"


def test_the_first_time_path_notebook_05_then_06_with_target_none(sandbox: SandboxClient, tmp_path, monkeypatch, capsys):
    """A brand-new account's whole path to a signed-in Admin profile, through the notebooks'
    own cells, with no AWS credentials: 05 writes the profile (no AWS call), 06 signs it in and
    proves it. The person's "Allow" in the browser is played by the sandbox."""
    people = set_up_people(sandbox)  # the person dev, assigned the permission set Developer
    path, reports = tmp_path / "config", tmp_path / "reports"
    common = {"target": "none", "headless": True, "apply": True, "config_file": str(path)}
    with monkeypatch.context() as step_05:
        attempted = refuse_every_aws_call(step_05)
        run_notebook_cells("05_configure_aws_cli", {
            **common, "account_id": ACCOUNT_ID, "portal_url": people.start_url, "sso_region": REGION,
            "admin_role": "Developer", "summary_file": str(reports / "05.json"),
        })
    assert attempted == [] and path.exists()

    def approved_by_the_person(*args, **kwargs):
        kwargs["approve"] = lambda prompt: sandbox.approve_device(prompt.user_code, "dev")
        return login_with_device_code(*args, **kwargs)

    monkeypatch.setattr(developer_access, "login_with_device_code", approved_by_the_person)
    run_notebook_cells("06_verify_developer_access", {
        **common, "developer_profile": "admin", "login_timeout_seconds": 30, "summary_file": str(reports / "06.json"),
    })
    report = json.loads((reports / "06.json").read_text(encoding="utf-8"))
    assert (report["target"], report["acted_as"], report["verified"]) == ("none", "no AWS access", True)
    assert set(report["calls"]) == {  # the sign-in's, unsigned; then the profile's own, with the new token
        "sso-oidc:RegisterClient", "sso-oidc:StartDeviceAuthorization", "sso-oidc:CreateToken",
        "sso:GetRoleCredentials", "sts:GetCallerIdentity"}
    shown = capsys.readouterr().out
    assert f":assumed-role/{people.reserved_role_name('Developer')}/dev" in shown


# --- whose sign-in is cached: each case signs in anew, then the step converges ---------------------


def sign_in_session_as(ctx: AwsContext, settings: developer_access.SsoProfileSettings, sandbox: SandboxClient, user: str) -> None:
    """Sign the profile's sso-session in with the device flow, ``user`` clicking Allow in the sandbox."""
    developer_access.sign_in(
        ctx, settings, on_prompt=lambda prompt: None,
        approve=lambda prompt: sandbox.approve_device(prompt.user_code, user=user), timeout_seconds=30,
    )


def run_step_06(reports: Path, name: str, **parameters: Any) -> dict[str, Any]:
    """Run notebook 06's own cells headless with apply, the sandbox playing the Allow; return its report."""
    summary = reports / f"{name}.json"
    run_notebook_cells(STEP, {
        "target": "sandbox", "headless": True, "apply": True, "simulate_console": True,
        "login_timeout_seconds": 30, "summary_file": str(summary), **parameters,
    })
    return json.loads(summary.read_text(encoding="utf-8"))


def assert_a_new_sign_in_then_nothing(reports: Path, problem: str) -> dict[str, Any]:
    """Run step 06 twice: the first replaces the cached sign-in (``problem`` says why) and verifies;
    the second plans nothing and verifies too. Return the first run's report."""
    first = run_step_06(reports, "first")
    [change] = first["planned"]
    assert change["address"] == "sso_token.runbook-sandbox-developer" and change["change"]["actions"] == ["replace"]
    assert problem in change["change"]["before"]["problem"], change
    assert len(first["applied"]) == 1 and "Signed in" in first["applied"][0]
    assert first["verified"] is True, first["verification"]
    assert first["verification"][0]["detail"].endswith("/ada-developer.")  # the developer, not whoever was cached

    second = run_step_06(reports, "second")
    assert (second["planned"], second["applied"], second["verified"]) == ([], [], True)
    assert "sso:ListAccountRoles" in second["calls"]  # the good token was checked with the portal, not trusted
    return first


def portal_client(sandbox: SandboxClient) -> Any:
    """Return an unsigned SSO portal client on the sandbox, as botocore makes it."""
    return boto3.client(
        "sso", endpoint_url=sandbox.url, region_name=REGION, config=botocore.config.Config(signature_version=UNSIGNED),
    )


def create_the_admin(ctx: AwsContext) -> None:
    """Do what step 03 does, through the library: the Admin, with AdministratorAccess on the account."""
    spec = admin_user.build_admin_spec(
        user_name="Admin", given_name="Grace", family_name="Hopper", display_name="", email="admin@example.com",
        permission_set_name="AdministratorAccess", session_duration_hours=1, group_name="",
    )
    instance = require_instance(ctx)
    state = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    access.apply_access(ctx, access.plan_access("03", state, spec), state, spec)


def test_a_revoked_token_portal_logout_plans_a_new_sign_in_and_then_the_check_passes(settings, sandbox, ctx, tmp_path):
    sign_in_session_as(ctx, settings, sandbox, "ada-developer")
    portal_client(sandbox).logout(accessToken=read_token_cache(settings.session_name).access_token)  # the portal's "Sign out"
    assert read_token_cache(settings.session_name).expires_at > datetime.now(timezone.utc) + timedelta(minutes=30)
    assert_a_new_sign_in_then_nothing(tmp_path, "refused by the access portal (UnauthorizedException)")


def test_another_persons_token_the_admins_in_the_developers_cache_plans_a_new_sign_in(settings, sandbox, ctx, tmp_path):
    """The Admin clicked Allow on the developer's sign-in: the token reaches the Admin's role only."""
    create_the_admin(ctx)
    sign_in_session_as(ctx, settings, sandbox, "Admin")
    assert developer_access.read_token_state(ctx, settings).account_roles == ("AdministratorAccess",)
    assert_a_new_sign_in_then_nothing(
        tmp_path, "reaches AdministratorAccess in account 123456789012, not DeveloperAccess: it is another person's sign-in")


def test_another_persons_token_is_a_failed_check_not_a_crash(settings, sandbox, ctx):
    """botocore raises the portal's ForbiddenException as a plain ClientError; the check says whose it is."""
    create_the_admin(ctx)
    sign_in_session_as(ctx, settings, sandbox, "Admin")
    session = developer_access.profile_session(sandbox_config_file(), "ada-developer", recorder=CallRecorder(), endpoint_url=sandbox.url)
    verification = developer_access.verify_developer_identity(session, settings)
    [check] = verification.checks
    assert (check.check_id, check.status) == ("sts_caller_identity_known", "FAIL")
    assert "another person's sign-in" in check.detail and "ForbiddenException" in check.detail

    sign_in_session_as(ctx, settings, sandbox, "ada-developer")  # "Check again" after the new sign-in: the same session
    assert developer_access.verify_developer_identity(session, settings).passed


def test_an_expired_token_plans_a_new_sign_in(settings, sandbox, ctx, tmp_path):
    sandbox.configure_sign_in(access_token_seconds=1)
    sign_in_session_as(ctx, settings, sandbox, "ada-developer")
    sandbox.configure_sign_in(access_token_seconds=3600)  # the new sign-in lasts
    time.sleep(1.5)
    assert developer_access.read_token_state(ctx, settings).account_roles is None  # expired: the portal is not asked
    assert_a_new_sign_in_then_nothing(tmp_path, "expired at")


def test_a_recreated_developer_user_plans_a_new_sign_in(settings, sandbox, ctx, tmp_path):
    """The developer user was deleted and made again (same name, a new id), and assigned again: the
    old token stands for the user that is gone."""
    sign_in_session_as(ctx, settings, sandbox, "ada-developer")
    instance = require_instance(ctx)
    store, sso_admin = ctx.client("identitystore"), ctx.client("sso-admin")
    old_id = store.get_user_id(IdentityStoreId=instance.identity_store_id, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "ada-developer"}})["UserId"]
    [permission_set] = [
        arn for arn in sso_admin.list_permission_sets(InstanceArn=instance.instance_arn)["PermissionSets"]
        if sso_admin.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"]
        == "DeveloperAccess"
    ]
    sso_admin.delete_account_assignment(
        InstanceArn=instance.instance_arn, TargetId=ACCOUNT_ID, TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set, PrincipalType="USER", PrincipalId=old_id)
    store.delete_user(IdentityStoreId=instance.identity_store_id, UserId=old_id)
    create_example_developer_and_profile(sandbox)  # steps 04 and 05 again: the user anew, assigned anew
    new_id = store.get_user_id(IdentityStoreId=instance.identity_store_id, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "ada-developer"}})["UserId"]
    assert new_id != old_id
    assert_a_new_sign_in_then_nothing(tmp_path, "refused by the access portal")


def type_name_on_the_sign_in_page(prompt: Any, user: str) -> None:
    """Be the person in the browser: open the link, type the user name, click Allow."""
    with urllib.request.urlopen(prompt.verification_uri_complete, timeout=10) as page:
        assert "name='user'" in page.read().decode("utf-8")
    form = urllib.parse.urlencode({"user_code": prompt.user_code, "user": user, "decision": "allow"}).encode()
    with urllib.request.urlopen(urllib.request.Request(prompt.verification_uri, data=form), timeout=10) as done:
        assert f"{user} signed in to the access portal and allowed" in done.read().decode("utf-8")


def test_interactive_the_sign_in_button_appears_for_a_revoked_token_and_check_again_then_passes(
    settings, sandbox, ctx, monkeypatch
):
    """"Run All" with the defaults (interactive, no apply): the plan replaces the sign-in, the Sign in
    button is there; the person clicks it, signs in on the sandbox's page by typing the user name,
    and "Check again" passes."""
    sign_in_session_as(ctx, settings, sandbox, "ada-developer")
    portal_client(sandbox).logout(accessToken=read_token_cache(settings.session_name).access_token)
    buttons: dict[str, Any] = {}

    def button(label: str, action: Any, *, style: str = "", once: bool = False) -> ipywidgets.VBox:
        buttons[label] = action
        return ipywidgets.VBox()

    def the_person_in_the_browser(*args: Any, **kwargs: Any) -> Any:
        shown = kwargs["on_prompt"]

        def on_prompt(prompt: Any) -> None:
            shown(prompt)  # the notebook prints the link and the code
            threading.Thread(target=type_name_on_the_sign_in_page, args=(prompt, "ada-developer"), daemon=True).start()

        return login_with_device_code(*args, **{**kwargs, "on_prompt": on_prompt})

    monkeypatch.setattr(widgets, "action_button", button)
    monkeypatch.setattr(developer_access, "login_with_device_code", the_person_in_the_browser)
    scope = run_notebook_cells(STEP, {"target": "sandbox", "login_timeout_seconds": 30})
    [change] = scope["plan"].changes
    assert change.action == "replace" and "refused by the access portal" in change.before["problem"]
    assert not scope["verification"].passed
    assert set(buttons) == {"Sign in", "Check again"}

    assert "Signed in" in buttons["Sign in"]()
    buttons["Check again"]()
    assert scope["run"].report.verified is True


def test_plan_only_on_a_half_built_account_ends_step_06_waiting_for_step_05(sandbox, tmp_path):
    """Steps 01-02 applied, nothing after: no user, no profile. A plan-only run of step 06 waits."""
    prepare_account_for("03_create_admin_user", sandbox)
    assert not sandbox_config_file().exists()
    with pytest.raises(ProfileNotWrittenError) as waiting:
        run_notebook_cells(STEP, {"target": "sandbox", "headless": True, "apply": False})
    assert waiting.value.profile == "ada-developer"

    # The runner's view: the notebook in a kernel of its own, as `--plan-only` runs it.
    notebook, report_file = NOTEBOOKS / f"{STEP}.ipynb", tmp_path / "reports" / f"{STEP}.json"
    parameters = runner.parameters_for(notebook, runner.load_parameters(None), apply=False, summary_file=report_file)
    outcome = runner.run_notebook(notebook, tmp_path / notebook.name, parameters)
    assert outcome.waiting and outcome.error.startswith("ProfileNotWrittenError"), outcome.error
    assert runner.run_succeeded([outcome], plan_only=True) and not runner.run_succeeded([outcome], plan_only=False)
    assert json.loads(report_file.read_text(encoding="utf-8"))["error"].startswith("ProfileNotWrittenError")


# --- a client nobody on this project wrote: the AWS CLI v1 --------------------------------------


@pytest.fixture(scope="session")
def aws_cli_v1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the AWS CLI v1 from PyPI into a venv of its own; return its ``aws``.

    With the uv `make` installs beside this Python (1.8 s with the venv made); with pip where
    there is none (about 7 s). Never skipped: without it the test fails, so CI proves the
    profiles with a real client.
    """
    venv = tmp_path_factory.mktemp("awscli-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    venv_python = str(venv / "bin" / "python")
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        install = [str(uv), "pip", "install", "--python", venv_python, "--quiet", "awscli"]
    else:
        install = [sys.executable, "-m", "pip", "--python", venv_python, "install", "--quiet", "awscli"]
    installed = subprocess.run(install, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv / "bin" / "aws"


def test_the_aws_cli_v1_answers_as_the_admin_and_as_the_developer(settings, sandbox, ctx, aws_cli_v1):
    """Two people, two sso-sessions: signing the developer in leaves the Admin signed in, and the
    AWS CLI reads both profiles' tokens from the cache and gets each one's role from the portal."""
    create_the_admin(ctx)
    admin = developer_access.read_profile_settings(sandbox_config_file(), "admin")
    assert admin.session_name == "runbook-sandbox-admin" != settings.session_name
    sign_in_session_as(ctx, admin, sandbox, "Admin")
    sign_in_session_as(ctx, settings, sandbox, "ada-developer")

    environment = {**os.environ, "AWS_CONFIG_FILE": str(sandbox_config_file()), "AWS_ENDPOINT_URL": sandbox.url}
    arns = {}
    for profile in ("admin", "ada-developer"):
        answered = subprocess.run(
            [str(aws_cli_v1), "sts", "get-caller-identity", "--profile", profile, "--output", "json"],
            capture_output=True, text=True, timeout=120, env=environment,
        )
        assert answered.returncode == 0, answered.stderr
        arns[profile] = json.loads(answered.stdout)["Arn"]
    assert ":assumed-role/AWSReservedSSO_AdministratorAccess_" in arns["admin"] and arns["admin"].endswith("/Admin")
    assert ":assumed-role/AWSReservedSSO_DeveloperAccess_" in arns["ada-developer"]
    assert arns["ada-developer"].endswith("/ada-developer")
