"""Tests for runbook_lib.target: saved settings, parameters over them, validation, connection."""

from __future__ import annotations

import http.server
import json
import os
import threading
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from runbook_lib import target as targets
from runbook_lib import validate
from runbook_lib.aws import AwsContext
from runbook_lib.errors import AccountMismatchError, CredentialsNotFoundError, InputError, ProfileNotFoundError
from runbook_lib.sandbox import SandboxClient
from runbook_lib.target import CallerIdentity, Settings
from aws_guard import refuse_every_aws_call

SANDBOX_ACCOUNT = "123456789012"  # moto's default account


# --- saved settings -------------------------------------------------------------------------


def test_settings_live_in_the_isolated_runbook_home() -> None:
    assert targets.settings_file() == Path(os.environ["RUNBOOK_HOME"]) / "settings.json"


def test_nothing_saved_means_the_sandbox_defaults() -> None:
    assert not targets.settings_file().exists()
    assert targets.load_settings() == Settings("sandbox", "", "us-east-1", "")
    assert targets.resolve_settings() == Settings("sandbox", "", "us-east-1", "")


def test_save_and_load_round_trip() -> None:
    chosen = Settings(target="sandbox", region="eu-west-1", account_id=SANDBOX_ACCOUNT)
    path = targets.save_settings(chosen)
    assert path == targets.settings_file()
    assert json.loads(path.read_text()) == {
        "target": "sandbox",
        "profile": "",
        "region": "eu-west-1",
        "account_id": SANDBOX_ACCOUNT,
    }
    assert targets.load_settings() == chosen


def test_load_ignores_keys_it_does_not_know() -> None:
    targets.settings_file().parent.mkdir(parents=True, exist_ok=True)
    targets.settings_file().write_text(json.dumps({"region": "eu-west-2", "colour": "blue"}))
    assert targets.load_settings() == Settings(region="eu-west-2")


def test_empty_parameters_fall_back_to_the_saved_settings() -> None:
    targets.save_settings(
        Settings(target="sandbox", region="eu-west-1", account_id=SANDBOX_ACCOUNT)
    )
    assert targets.resolve_settings() == Settings("sandbox", "", "eu-west-1", SANDBOX_ACCOUNT)


def test_explicit_parameters_override_the_saved_settings() -> None:
    targets.save_settings(
        Settings(target="sandbox", region="eu-west-1", account_id=SANDBOX_ACCOUNT)
    )
    resolved = targets.resolve_settings(region=" ap-southeast-2 ", account_id="111111111111")
    assert resolved == Settings("sandbox", "", "ap-southeast-2", "111111111111")


def test_naming_the_target_drops_the_saved_profile_and_account_id(aws_files: Path) -> None:
    """The 00 form always names the target; clearing its account_id field must clear it."""
    targets.save_settings(
        Settings(target="profile", profile="fake", region="eu-west-1", account_id="111111111111")
    )
    assert targets.resolve_settings(target="sandbox") == Settings("sandbox", "", "eu-west-1", "")
    assert targets.resolve_settings(target="profile", profile="fake") == Settings(
        "profile", "fake", "eu-west-1", ""
    )
    with pytest.raises(InputError) as caught:
        targets.resolve_settings(target="profile")  # the saved profile is not carried over
    assert caught.value.field == "profile"


def test_a_sandbox_target_keeps_no_profile(aws_files: Path) -> None:
    assert targets.resolve_settings(target="sandbox", profile="fake").profile == ""


# --- bad values: refused, naming the field, before any AWS call -----------------------------


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make any connection or AWS call fail the test; return what was attempted."""
    attempted: list[str] = []

    def refuse(what: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> None:
            attempted.append(what)
            raise AssertionError(f"{what} was reached before the input was validated")

        return refused

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse("an AWS call"))
    monkeypatch.setattr(targets, "sandbox_context", refuse("sandbox_context"))
    monkeypatch.setattr(targets, "profile_context", refuse("profile_context"))
    return attempted


def resolve_connect_and_read(**parameters: str) -> CallerIdentity:
    """What every step notebook does first: validate, connect, ask who it acts as."""
    settings = targets.resolve_settings(**parameters)
    return targets.read_caller(targets.connect(settings), expected_account_id=settings.account_id)


def test_the_no_aws_guard_trips_on_good_input(no_aws: list[str]) -> None:
    with pytest.raises(AssertionError):
        resolve_connect_and_read(target="sandbox")
    assert no_aws == ["sandbox_context"]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"region": "us-east-9"}, "region"),
        ({"region": "US-EAST-1"}, "region"),
        ({"target": "aws"}, "target"),
        ({"target": "Sandbox"}, "target"),
        ({"account_id": "1234"}, "account_id"),
        ({"account_id": "1234-5678-9012"}, "account_id"),
        ({"target": "profile", "profile": "no-such-profile"}, "profile"),
        ({"target": "profile", "profile": "my admin"}, "profile"),
        ({"target": "profile"}, "profile"),
    ],
)
def test_bad_parameter_is_refused_before_any_aws_call(
    no_aws: list[str], aws_files: Path, parameters: dict[str, str], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        resolve_connect_and_read(**parameters)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert f"Correct `{field}`" in caught.value.advice
    assert no_aws == []


def test_missing_profile_lists_the_profiles_found(no_aws: list[str], aws_files: Path) -> None:
    with pytest.raises(ProfileNotFoundError, match=r"profiles found: fake"):
        targets.resolve_settings(target="profile", profile="admin")


def test_bad_saved_settings_are_refused_too(no_aws: list[str]) -> None:
    targets.settings_file().parent.mkdir(parents=True, exist_ok=True)
    targets.settings_file().write_text(json.dumps({"target": "sandbox", "region": "mars"}))
    with pytest.raises(InputError) as caught:
        resolve_connect_and_read()
    assert caught.value.field == "region"
    assert no_aws == []


# --- connecting -----------------------------------------------------------------------------


def test_connect_to_the_sandbox(sandbox: SandboxClient) -> None:
    ctx = targets.connect(Settings(region="eu-west-1"))
    assert ctx.is_sandbox
    assert (ctx.endpoint_url, ctx.region) == (sandbox.url, "eu-west-1")
    caller = targets.read_caller(ctx)
    assert caller.account_id == SANDBOX_ACCOUNT
    assert not caller.is_root


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point botocore at temporary AWS files holding one profile with static fake keys."""
    config = tmp_path / "config"
    config.write_text("[profile fake]\nregion = eu-west-1\noutput = json\n")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[fake]\naws_access_key_id = AKIAFAKEPROFILE00001\n"
        "aws_secret_access_key = not-a-real-secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return tmp_path


def test_profile_connects_through_the_profile_and_reaches_the_sandbox(
    sandbox: SandboxClient, aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile context has no endpoint of its own; AWS_ENDPOINT_URL (set for the tests) sends
    it to the sandbox, so the real-account path runs without reaching AWS."""

    def no_sandbox_context() -> None:
        raise AssertionError("a profile target must not use the sandbox's context")

    monkeypatch.setattr("runbook_lib.sandbox.ensure_sandbox", no_sandbox_context)
    settings = targets.resolve_settings(
        target="profile", profile="fake", account_id=SANDBOX_ACCOUNT
    )
    ctx = targets.connect(settings)
    assert (ctx.target, ctx.endpoint_url, ctx.is_sandbox) == ("profile", None, False)
    assert ctx.session.profile_name == "fake"
    assert ctx.session.get_credentials().access_key == "AKIAFAKEPROFILE00001"
    assert ctx.client("sts").meta.endpoint_url == os.environ["AWS_ENDPOINT_URL"] == sandbox.url

    caller = targets.read_caller(ctx, expected_account_id=settings.account_id)
    assert caller.account_id == SANDBOX_ACCOUNT
    assert [str(call) for call in ctx.recorder.calls] == ["sts:GetCallerIdentity"]


def test_profile_and_sandbox_see_the_same_account(ctx: AwsContext, aws_files: Path) -> None:
    created = ctx.client("organizations").create_organization(FeatureSet="ALL")["Organization"][
        "Id"
    ]
    through_profile = targets.connect(targets.resolve_settings(target="profile", profile="fake"))
    described = through_profile.client("organizations").describe_organization()["Organization"]
    assert described["Id"] == created


def test_account_mismatch_is_refused(sandbox: SandboxClient) -> None:
    settings = targets.resolve_settings(account_id="111111111111")
    ctx = targets.connect(settings)
    with pytest.raises(AccountMismatchError) as caught:
        targets.read_caller(ctx, expected_account_id=settings.account_id)
    assert (caught.value.expected, caught.value.actual) == ("111111111111", SANDBOX_ACCOUNT)
    assert f"act in account {SANDBOX_ACCOUNT}, but `account_id` says 111111111111" in str(
        caught.value
    )


def test_matching_account_is_accepted(sandbox: SandboxClient) -> None:
    ctx = targets.connect(targets.resolve_settings(account_id=SANDBOX_ACCOUNT))
    assert (
        targets.read_caller(ctx, expected_account_id=SANDBOX_ACCOUNT).account_id == SANDBOX_ACCOUNT
    )


@pytest.mark.parametrize(
    ("arn", "is_root"),
    [
        ("arn:aws:iam::123456789012:root", True),
        ("arn:aws:iam::123456789012:user/root", False),
        ("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123/alex", False),
        ("arn:aws:sts::123456789012:user/moto", False),
    ],
)
def test_caller_is_root(arn: str, is_root: bool) -> None:
    assert CallerIdentity("123456789012", arn, "AIDA").is_root is is_root


def test_a_profile_without_a_region_given_or_saved_uses_its_own(aws_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")  # the environment wins, as for the AWS CLI
    assert targets.resolve_settings(target="profile", profile="fake").region == "sa-east-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert targets.resolve_settings(target="profile", profile="fake").region == "eu-west-1"
    assert targets.resolve_settings(target="profile", profile="fake", region="us-west-2").region == "us-west-2"
    targets.save_settings(Settings(target="profile", profile="fake", region="ap-south-1"))
    assert targets.resolve_settings().region == "ap-south-1"


def test_the_sandbox_without_a_region_uses_us_east_1() -> None:
    assert targets.resolve_settings(target="sandbox").region == "us-east-1"


# --- the credentials in the environment (AWS_ACCESS_KEY_ID..., AWS CloudShell) ---------------


def test_the_environment_target_acts_through_the_access_keys_in_the_environment(
    sandbox: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEENVIRONMENT1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    settings = targets.resolve_settings(target="environment", profile="ignored")
    assert settings == Settings("environment", "", "us-east-1", "")
    ctx = targets.connect(settings)
    assert (ctx.target, ctx.is_sandbox, ctx.endpoint_url) == ("environment", False, None)
    assert ctx.session.get_credentials().access_key == "AKIAFAKEENVIRONMENT1"
    caller = targets.read_caller(ctx, expected_account_id="")
    assert caller.account_id == SANDBOX_ACCOUNT  # AWS_ENDPOINT_URL: the "real account" is the sandbox
    assert [str(call) for call in ctx.recorder.calls] == ["sts:GetCallerIdentity"]


class ContainerCredentials(http.server.BaseHTTPRequestHandler):
    """AWS CloudShell's credentials endpoint, as botocore's container provider calls it."""

    seen_tokens: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).seen_tokens.append(self.headers.get("Authorization", ""))
        body = json.dumps({
            "AccessKeyId": "ASIAFAKECLOUDSHELL01", "SecretAccessKey": "not-a-real-secret",
            "Token": "not-a-real-session-token", "Expiration": "2099-01-01T00:00:00Z",
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass


def test_the_environment_target_uses_aws_cloudshells_container_credentials(
    sandbox: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), ContainerCredentials)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # What CloudShell sets (its endpoint is on localhost too); no key in the environment.
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{server.server_port}/credentials")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "cloudshell-token")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
        settings = targets.resolve_settings(target="environment")
        assert settings.region == "eu-central-1"  # the region CloudShell runs in
        ctx = targets.connect(settings)
        caller = targets.read_caller(ctx)
    finally:
        server.shutdown()
        server.server_close()
    assert caller.account_id == SANDBOX_ACCOUNT
    assert ctx.session.get_credentials().access_key == "ASIAFAKECLOUDSHELL01"
    assert "cloudshell-token" in ContainerCredentials.seen_tokens


def test_the_environment_target_without_credentials_says_where_they_could_come_from(no_aws: list[str]) -> None:
    ctx = targets.connect(targets.resolve_settings(target="environment"))
    with pytest.raises(CredentialsNotFoundError) as refused:
        targets.read_caller(ctx)
    assert "AWS_ACCESS_KEY_ID" in str(refused.value) and "CloudShell" in refused.value.advice
    assert "never create access keys for root" in refused.value.advice
    assert no_aws == [] and ctx.recorder.calls == []


# --- no AWS access yet (a brand-new account) --------------------------------------------------


def test_the_none_target_has_no_credentials_even_when_the_environment_has_some(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempted = refuse_every_aws_call(monkeypatch)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEENVIRONMENT1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    settings = targets.resolve_settings(target="none", account_id="111111111111")
    assert settings == Settings("none", "", "", "111111111111")  # no region is guessed
    ctx = targets.connect(settings)
    assert (ctx.target, ctx.is_sandbox) == ("none", False)
    assert ctx.session.get_credentials() is None
    assert targets.resolve_settings(target="none", region="eu-west-1").region == "eu-west-1"
    assert attempted == []


def test_the_form_saves_target_none_without_asking_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    attempted = refuse_every_aws_call(monkeypatch)
    said = targets.save_and_check(target="none", profile="", region="", account_id="111111111111")
    assert said.startswith("Saved. No AWS access yet: step 05 writes the Admin's profile")
    assert targets.load_settings() == Settings("none", "", "", "111111111111")
    assert attempted == []


def test_the_form_says_who_the_runbook_acts_as(sandbox: SandboxClient) -> None:
    said = targets.save_and_check(target="sandbox", profile="", region="eu-west-1", account_id="")
    assert said.startswith(f"Saved. Acting on account {SANDBOX_ACCOUNT} in eu-west-1 as the sandbox user.")  # not user/moto
    assert targets.load_settings() == Settings("sandbox", "", "eu-west-1", "")


def test_every_target_is_a_choice_of_the_form() -> None:
    choices = targets.target_choices()
    assert [value for _, value in choices] == list(validate.TARGETS) == ["sandbox", "profile", "environment", "none"]
    labels = {value: label for label, value in choices}
    assert "CloudShell" in labels["environment"] and labels["none"].startswith("No AWS access yet")


def test_the_guard_against_aws_calls_trips_on_any_call(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxClient) -> None:
    """The tests that promise no AWS call rely on this guard; it must catch a call when there is one."""
    attempted = refuse_every_aws_call(monkeypatch)
    with pytest.raises(pytest.fail.Exception):
        targets.connect(Settings()).client("sts").get_caller_identity()
    assert attempted == ["sts:GetCallerIdentity"]


def test_the_environment_target_names_an_aws_profile_that_does_not_exist(
    no_aws: list[str], aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")  # the default chain would read it
    with pytest.raises(ProfileNotFoundError) as refused:
        targets.resolve_settings(target="environment")
    assert refused.value.field == "AWS_PROFILE" and "profiles found: fake" in str(refused.value)
    monkeypatch.setenv("AWS_PROFILE", "fake")
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # else it wins, as for the AWS CLI
    assert targets.resolve_settings(target="environment").region == "eu-west-1"  # that profile's region
    assert no_aws == []
