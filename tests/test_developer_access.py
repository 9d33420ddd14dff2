"""Step 06: sign in through the sandbox's device flow and prove the profile is the developer's role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from runbook_lib import runner
from runbook_lib.aws import AwsContext, CallRecorder
from runbook_lib.awsconfig import ConfigWriter
from runbook_lib.errors import InputError, PrerequisiteMissingError, ProfileNotWrittenError
from runbook_lib.plan import apply_plan
from runbook_lib.sandbox import SandboxClient
from runbook_lib.step_run import begin_run
from runbook_lib.steps import cli_profiles, developer_access
from runbook_lib.steps.cli_profiles import sandbox_config_file
from runbook_lib.sso_login import login_with_device_code, token_cache_path
from sandbox_seeds import prepare_account_for
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


def test_sign_in_is_planned_unless_a_cached_token_is_good_for_15_minutes_more(settings):
    first = developer_access.plan_sign_in(settings, None, now=NOW)
    assert [(c.action, c.address, c.operation, c.before) for c in first.changes] == [
        ("create", f"sso_token.{settings.session_name}", "sign_in", None)]
    assert first.changes[0].after == {"start_url": settings.start_url, "sso_region": "us-east-1"}
    assert not developer_access.plan_sign_in(settings, NOW + timedelta(minutes=16), now=NOW).changes
    soon = developer_access.plan_sign_in(settings, NOW + timedelta(minutes=10), now=NOW)
    assert "expires at 12:10 UTC" in soon.changes[0].detail
    assert (soon.changes[0].action, soon.changes[0].before) == ("replace", {"expires_at": "2026-11-29T12:10:00+00:00"})
    assert {change.operation for change in (*first.changes, *soon.changes)} <= set(developer_access.APPLIERS)


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
    assert developer_access.cached_token_expiry(settings) > datetime.now(timezone.utc) + timedelta(minutes=30)
    assert json.loads(token_cache_path("runbook-sandbox-developer").read_text())["startUrl"] == settings.start_url

    recorder = CallRecorder()
    fresh = developer_access.profile_session(sandbox_config_file(), "ada-developer", recorder=recorder, endpoint_url=sandbox.url)
    verification = developer_access.verify_developer_identity(fresh, settings)
    assert verification.passed, verification.failures
    assert ":assumed-role/AWSReservedSSO_DeveloperAccess_" in verification.checks[0].detail
    assert recorder.writes == []
    assert developer_access.plan_sign_in(settings, developer_access.cached_token_expiry(settings)).is_empty
    assert "AWS_ENDPOINT_URL" not in os.environ  # the process's environment was never touched


def test_a_token_for_another_start_url_does_not_count(settings):
    path = token_cache_path(settings.session_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"startUrl": "https://other.awsapps.com/start", "expiresAt": "2099-01-01T00:00:00Z"}))
    assert developer_access.cached_token_expiry(settings) is None
    path.write_text(json.dumps({"startUrl": settings.start_url, "expiresAt": "2099-01-01T00:00:00Z"}))
    assert developer_access.cached_token_expiry(settings) == datetime(2099, 1, 1, tzinfo=timezone.utc)


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
