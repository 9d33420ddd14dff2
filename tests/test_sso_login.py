"""Tests for runbook_lib.sso_login: the device flow against the sandbox, the polling rules with a
fake clock, the token cache botocore reads, and secrets kept out of every repr.

The end-to-end proof: after ``login_with_device_code`` and ``write_token_cache``, a fresh Python
process with only an AWS config file (an ``[sso-session]`` and a profile using it) gets the
developer's assumed-role identity from ``sts:GetCallerIdentity``, botocore doing the rest. It is a
fresh process because botocore fixes its token cache folder from ``HOME`` when first imported,
and this test process imported it before ``conftest`` moved ``HOME``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from botocore import UNSIGNED
from botocore.stub import Stubber

from runbook_lib.aws import no_access_context, sandbox_context
from runbook_lib.errors import (
    AwsCallError,
    DeviceAuthorizationDeniedError,
    DeviceCodeExpiredError,
    InputError,
    SignInTimeoutError,
)
from runbook_lib.sandbox import SandboxClient
from runbook_lib.sso_login import (
    ClientRegistration,
    DevicePrompt,
    SsoToken,
    CachedToken,
    login_with_device_code,
    read_token_cache,
    sso_portal_client,
    token_cache_path,
    write_token_cache,
)
from isolation import ISOLATED_VARIABLES
from sso_setup import ACCOUNT_ID, DEVICE_CODE_GRANT, REGION, IdentityCenterPeople, set_up_people

CALLER_SCRIPT = (
    "import boto3\n"
    "print(boto3.Session(profile_name='dev').client('sts').get_caller_identity()['Arn'])\n"
)
STUB_START_URL = "https://d-1234567890.awsapps.com/start"


@pytest.fixture
def people(sandbox: SandboxClient) -> IdentityCenterPeople:
    """Return Identity Center with dev, builder and visitor, on a brand-new sandbox account."""
    return set_up_people(sandbox)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME at an empty folder for this test."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def sign_in(people: IdentityCenterPeople, user: str = "dev", **options: Any) -> tuple[SsoToken, list[DevicePrompt]]:
    """Run the library's login against the sandbox, the sandbox playing ``user``'s "Allow"."""
    prompts: list[DevicePrompt] = []
    token = login_with_device_code(
        sandbox_context(people.sandbox.url, REGION),
        start_url=people.start_url, sso_region=REGION, session_name="dev",
        on_prompt=prompts.append,
        approve=lambda prompt: people.sandbox.approve_device(prompt.user_code, user),
        timeout_seconds=30, **options,
    )
    return token, prompts


def write_profile(home: Path, people: IdentityCenterPeople, role: str = "Developer") -> Path:
    """Write the config ``aws configure sso`` would: a profile dev using the sso-session dev."""
    config = home / ".aws" / "config"
    config.parent.mkdir(exist_ok=True)
    config.write_text(
        f"[profile dev]\nsso_session = dev\nsso_account_id = {ACCOUNT_ID}\nsso_role_name = {role}\n"
        f"region = {REGION}\n\n"
        f"[sso-session dev]\nsso_start_url = {people.start_url}\nsso_region = {REGION}\n"
        "sso_registration_scopes = sso:account:access\n",
        encoding="utf-8",
    )
    return config


def run_as_profile(home: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """Ask STS who profile dev is, from a fresh process that has only HOME and the config file."""
    environment = {
        **os.environ, "HOME": str(home), "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
    }
    assert environment["AWS_ENDPOINT_URL"]  # conftest: every client lands in the sandbox
    return subprocess.run(
        [sys.executable, "-c", CALLER_SCRIPT], env=environment, capture_output=True, text=True, timeout=120,
    )


# --- against the sandbox -------------------------------------------------------------------------


def test_login_then_botocore_acts_as_the_developer(
    people: IdentityCenterPeople, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token, prompts = sign_in(people)
    path = write_token_cache(token, session_name="dev", start_url=people.start_url, region=REGION)

    [prompt] = prompts
    assert prompt.verification_uri_complete == f"{people.sandbox.url}/_sandbox/device?user_code={prompt.user_code}"
    assert prompt.verification_uri == f"{people.sandbox.url}/_sandbox/device"
    assert prompt.expires_in == 600
    assert path == home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(b'dev').hexdigest()}.json"
    assert capsys.readouterr() == ("", "")  # the library never prints

    result = run_as_profile(home, write_profile(home, people))
    role = people.reserved_role_name("Developer")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/dev"


def test_botocore_refreshes_the_cached_token_with_its_refresh_token(
    people: IdentityCenterPeople, home: Path
) -> None:
    people.sandbox.configure_sign_in(access_token_seconds=300)  # within botocore's 15 minutes
    token, _ = sign_in(people)
    path = write_token_cache(token, session_name="dev", start_url=people.start_url, region=REGION)

    result = run_as_profile(home, write_profile(home, people))
    assert result.returncode == 0, result.stderr
    refreshed = json.loads(path.read_text(encoding="utf-8"))
    assert refreshed["accessToken"] != token.access_token  # botocore renewed it through sso-oidc
    assert refreshed["refreshToken"] != token.refresh_token
    assert refreshed["clientId"] == token.client.client_id


def test_unassigned_role_in_the_profile_is_refused_by_the_portal(people: IdentityCenterPeople, home: Path) -> None:
    token, _ = sign_in(people)
    write_token_cache(token, session_name="dev", start_url=people.start_url, region=REGION)
    result = run_as_profile(home, write_profile(home, people, role="Admin"))
    assert result.returncode != 0
    assert "ForbiddenException" in result.stderr and "No access" in result.stderr


def test_token_cache_file_is_what_botocore_reads(people: IdentityCenterPeople, home: Path) -> None:
    token, _ = sign_in(people)
    path = write_token_cache(token, session_name="dev", start_url=people.start_url, region=REGION)

    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == [
        "startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
        "registrationExpiresAt", "refreshToken",
    ]
    assert (document["startUrl"], document["region"]) == (people.start_url, REGION)
    assert document["accessToken"] == token.access_token
    assert document["refreshToken"] == token.refresh_token
    assert (document["clientId"], document["clientSecret"]) == (token.client.client_id, token.client.client_secret)
    expires_at = datetime.strptime(document["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((expires_at - datetime.now(timezone.utc)).total_seconds() - 3600) < 60
    registration = datetime.strptime(document["registrationExpiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((registration - datetime.now(timezone.utc)) - timedelta(days=90)) < timedelta(minutes=1)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_login_takes_a_boto3_session_and_an_endpoint(people: IdentityCenterPeople) -> None:
    token = login_with_device_code(
        boto3.Session(region_name="eu-west-1"),  # its region is not Identity Center's
        start_url=people.start_url, sso_region=REGION, session_name="dev",
        on_prompt=lambda prompt: None,
        approve=lambda prompt: people.sandbox.approve_device(prompt.user_code, "builder"),
        timeout_seconds=30, endpoint_url=people.sandbox.url,
    )
    roles = people.client("sso", signed=False).list_account_roles(accessToken=token.access_token, accountId=ACCOUNT_ID)
    assert [role["roleName"] for role in roles["roleList"]] == ["Builder"]
    assert (token.start_url, token.region) == (people.start_url, REGION)


@pytest.mark.parametrize("way_in", ["a boto3 session with nothing configured", "the context of target none"])
def test_the_first_sign_in_needs_no_aws_credentials_at_all(
    people: IdentityCenterPeople, home: Path, monkeypatch: pytest.MonkeyPatch, way_in: str
) -> None:
    """A brand-new account's person has no credentials but root's: sso-oidc is unauthenticated,
    so the device sign-in, and then the profile it signs in, work with none anywhere."""
    for name in ISOLATED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-credentials"))
    session = boto3.Session(region_name=REGION) if way_in.startswith("a boto3") else no_access_context("").session
    assert session.get_credentials() is None  # nothing in the environment, no file, no profile
    authorizations: list[object] = []
    session.events.register("before-send", lambda request, **_: authorizations.append(request.headers.get("Authorization")))

    token = login_with_device_code(
        session, start_url=people.start_url, sso_region=REGION, session_name="dev",
        on_prompt=lambda prompt: None,
        approve=lambda prompt: people.sandbox.approve_device(prompt.user_code, "dev"),
        timeout_seconds=30,
    )
    assert len(authorizations) >= 3 and set(authorizations) == {None}  # every request went unsigned
    write_token_cache(token, session_name="dev", start_url=people.start_url, region=REGION)
    result = run_as_profile(home, write_profile(home, people))  # a fresh process, its only setup the profile
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{people.reserved_role_name('Developer')}/dev"


def test_login_waits_for_a_person_who_approves_later(people: IdentityCenterPeople) -> None:
    waits: list[float] = []

    def approve_while_waiting(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # the person clicks "Allow" during the second wait
            people.sandbox.approve_device(prompts[0].user_code, "dev")
        time.sleep(seconds)  # the sandbox's clock is real: a shorter wait would be slow_down

    prompts: list[DevicePrompt] = []
    people.sandbox.configure_sign_in(interval_seconds=1)
    token = login_with_device_code(
        sandbox_context(people.sandbox.url, REGION), start_url=people.start_url, sso_region=REGION,
        session_name="dev", on_prompt=prompts.append, timeout_seconds=30, sleep=approve_while_waiting,
    )
    assert waits == [1, 1]  # pending, pending, then the token on the third poll
    assert token.access_token


def test_expired_code_says_start_again(people: IdentityCenterPeople) -> None:
    people.sandbox.configure_sign_in(device_code_seconds=1)
    with pytest.raises(DeviceCodeExpiredError) as caught:
        login_with_device_code(
            sandbox_context(people.sandbox.url, REGION), start_url=people.start_url, sso_region=REGION,
            session_name="dev", on_prompt=lambda prompt: None, timeout_seconds=30,
        )
    message = str(caught.value)
    assert f"The sign-in code {caught.value.user_code} expired before it was approved" in message
    assert "valid for 1 seconds" in message
    assert "What to do next: Start the sign-in again" in message


def test_denied_request_says_it_was_denied(people: IdentityCenterPeople) -> None:
    with pytest.raises(DeviceAuthorizationDeniedError) as caught:
        login_with_device_code(
            sandbox_context(people.sandbox.url, REGION), start_url=people.start_url, sso_region=REGION,
            session_name="dev", on_prompt=lambda prompt: None, timeout_seconds=30,
            approve=lambda prompt: people.sandbox.approve_device(prompt.user_code, "dev", deny=True),
        )
    assert f"The sign-in request with the code {caught.value.user_code} was denied" in str(caught.value)
    assert "click 'Allow'" in caught.value.advice


def test_start_url_of_another_instance_is_an_input_error(people: IdentityCenterPeople) -> None:
    with pytest.raises(InputError) as caught:
        login_with_device_code(
            sandbox_context(people.sandbox.url, REGION), start_url="https://d-0000000000.awsapps.com/start",
            sso_region=REGION, session_name="dev", on_prompt=lambda prompt: pytest.fail("prompted"),
        )
    assert caught.value.field == "start_url"
    assert "has no access portal at this URL" in caught.value.rule


# --- the polling rules, with botocore's Stubber and a fake clock ---------------------------------


@dataclass
class FakeTime:
    """A clock that moves only when slept on, and the sleeps asked for."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class StubbedSession:
    """A boto3-session look-alike whose sso-oidc client answers from a ``Stubber``."""

    def __init__(self) -> None:
        config = botocore.config.Config(signature_version=UNSIGNED)
        self.oidc = boto3.Session().client("sso-oidc", region_name=REGION, config=config)
        self.stubber = Stubber(self.oidc)
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.stubber.add_response(
            "register_client",
            {"clientId": "client-id", "clientSecret": "client-secret-value", "clientIdIssuedAt": 1,
             "clientSecretExpiresAt": 1893456000},
            {"clientName": "runbook-dev", "clientType": "public", "scopes": ["sso:account:access"]},
        )
        self.stubber.add_response(
            "start_device_authorization",
            {"deviceCode": "device-code-value", "userCode": "BCDF-GHJK", "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
             "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=BCDF-GHJK",
             "expiresIn": 600, "interval": 1},
            {"clientId": "client-id", "clientSecret": "client-secret-value", "startUrl": STUB_START_URL},
        )

    def client(self, service: str, **options: Any) -> Any:
        self.asked.append((service, options))
        return self.oidc

    def then(self, *answers: str) -> StubbedSession:
        """Queue CreateToken's answers: error codes, or "token" for success."""
        expected = {
            "clientId": "client-id", "clientSecret": "client-secret-value",
            "grantType": DEVICE_CODE_GRANT, "deviceCode": "device-code-value",
        }
        for answer in answers:
            if answer == "token":
                self.stubber.add_response(
                    "create_token",
                    {"accessToken": "access-token-value", "tokenType": "Bearer", "expiresIn": 3600,
                     "refreshToken": "refresh-token-value"},
                    expected,
                )
            else:
                self.stubber.add_client_error("create_token", service_error_code=answer, http_status_code=400, expected_params=expected)
        self.stubber.activate()
        return self


def stubbed_login(session: StubbedSession, fake: FakeTime, **options: Any) -> SsoToken:
    """Log in through the stubbed session with the fake clock."""
    arguments: dict[str, Any] = {
        "start_url": STUB_START_URL, "sso_region": REGION, "session_name": "dev",
        "on_prompt": lambda prompt: None, "timeout_seconds": 600, "sleep": fake.sleep, "clock": fake.clock,
    }
    return login_with_device_code(session, **(arguments | options))


def test_pending_keeps_polling_at_the_interval() -> None:
    session = StubbedSession().then("AuthorizationPendingException", "AuthorizationPendingException", "token")
    fake = FakeTime()
    token = stubbed_login(session, fake)
    assert fake.slept == [1, 1]
    assert token.access_token == "access-token-value" and token.refresh_token == "refresh-token-value"
    assert token.client == ClientRegistration("client-id", "client-secret-value", datetime(2030, 1, 1, tzinfo=timezone.utc))
    session.stubber.assert_no_pending_responses()
    [(service, options)] = session.asked
    assert service == "sso-oidc" and options["region_name"] == REGION
    assert options["config"].signature_version is UNSIGNED


def test_slow_down_adds_five_seconds_for_good() -> None:
    session = StubbedSession().then(
        "AuthorizationPendingException", "SlowDownException", "AuthorizationPendingException",
        "SlowDownException", "token",
    )
    fake = FakeTime()
    stubbed_login(session, fake)
    assert fake.slept == [1, 6, 6, 11]


def test_timeout_stops_polling() -> None:
    session = StubbedSession().then(*["AuthorizationPendingException"] * 4)
    fake = FakeTime()
    with pytest.raises(SignInTimeoutError) as caught:
        stubbed_login(session, fake, timeout_seconds=3)
    assert fake.slept == [1, 1, 1]  # a fourth wait would pass the deadline
    assert "The sign-in with the code BCDF-GHJK was not approved within 3 seconds" in str(caught.value)
    assert caught.value.timeout_seconds == 3


def test_expired_and_denied_from_the_poll() -> None:
    with pytest.raises(DeviceCodeExpiredError, match="BCDF-GHJK expired before it was approved"):
        stubbed_login(StubbedSession().then("AuthorizationPendingException", "ExpiredTokenException"), FakeTime())
    with pytest.raises(DeviceAuthorizationDeniedError, match="BCDF-GHJK was denied"):
        stubbed_login(StubbedSession().then("AccessDeniedException"), FakeTime())


def test_other_refusals_become_aws_call_errors() -> None:
    with pytest.raises(AwsCallError) as caught:
        stubbed_login(StubbedSession().then("InvalidClientException"), FakeTime())
    assert caught.value.code == "InvalidClientException"


def test_prompt_then_approve_before_the_first_poll() -> None:
    order: list[str] = []
    session = StubbedSession().then("token")
    stubbed_login(
        session, FakeTime(),
        on_prompt=lambda prompt: order.append(f"prompt {prompt.user_code}"),
        approve=lambda prompt: order.append(f"approve {prompt.verification_uri_complete}"),
    )
    assert order == ["prompt BCDF-GHJK", "approve https://device.sso.us-east-1.amazonaws.com/?user_code=BCDF-GHJK"]


@pytest.mark.parametrize(
    "argument, value",
    [
        ("start_url", "https://example.com/start"),
        ("sso_region", "us-east-9"),
        ("session_name", "my session"),
    ],
)
def test_bad_input_is_refused_before_any_call(argument: str, value: str) -> None:
    session = StubbedSession()
    with pytest.raises(InputError) as caught:
        stubbed_login(session, FakeTime(), **{argument: value})
    assert caught.value.field == argument
    assert session.asked == []


# --- the cache file and secrets ------------------------------------------------------------------


def made_token(refresh_token: str | None = "REFRESH-SECRET") -> SsoToken:
    """Return a token with recognisable secrets."""
    client = ClientRegistration("client-id", "CLIENT-SECRET", datetime(2030, 1, 1, tzinfo=timezone.utc))
    return SsoToken(
        access_token="ACCESS-SECRET", expires_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
        client=client, start_url=STUB_START_URL, region=REGION, refresh_token=refresh_token,
    )


def test_no_secret_in_any_repr() -> None:
    token = made_token()
    shown = [repr(token), str(token), f"{token}", repr(token.client), str([token])]
    for text in shown:
        for secret in ("ACCESS-SECRET", "CLIENT-SECRET", "REFRESH-SECRET"):
            assert secret not in text
    assert "client-id" in repr(token) and "2026, 3, 4" in repr(token)


def test_no_secret_in_the_repr_of_a_real_login(people: IdentityCenterPeople) -> None:
    token, prompts = sign_in(people)
    shown = repr(token) + str(token) + repr(prompts)
    for secret in (token.access_token, token.client.client_secret, token.refresh_token):
        assert secret and secret not in shown


def test_cache_document_format(home: Path) -> None:
    path = write_token_cache(made_token(refresh_token=None), session_name="dev", start_url=STUB_START_URL, region=REGION)
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "startUrl": STUB_START_URL, "region": REGION, "accessToken": "ACCESS-SECRET",
        "expiresAt": "2026-03-04T05:06:07Z", "clientId": "client-id", "clientSecret": "CLIENT-SECRET",
        "registrationExpiresAt": "2030-01-01T00:00:00Z",
    }


def test_cache_follows_home_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("first", "second"):
        monkeypatch.setenv("HOME", str(tmp_path / name))
        path = write_token_cache(made_token(), session_name="dev", start_url=STUB_START_URL, region=REGION)
        assert path == tmp_path / name / ".aws" / "sso" / "cache" / f"{hashlib.sha1(b'dev').hexdigest()}.json"
        assert path == token_cache_path("dev") and path.exists()


def test_cache_replaces_the_old_file_and_tightens_the_folder(home: Path) -> None:
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, mode=0o755)
    os.chmod(cache, 0o755)
    old = cache / f"{hashlib.sha1(b'dev').hexdigest()}.json"
    old.write_text("{}", encoding="utf-8")
    os.chmod(old, 0o644)

    path = write_token_cache(made_token(), session_name="dev", start_url=STUB_START_URL, region=REGION)
    assert path == old
    assert json.loads(path.read_text(encoding="utf-8"))["accessToken"] == "ACCESS-SECRET"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_client_given_apart_wins(home: Path) -> None:
    other = ClientRegistration("other-id", "OTHER-SECRET", datetime(2031, 1, 1, tzinfo=timezone.utc))
    path = write_token_cache(made_token(), session_name="dev", start_url=STUB_START_URL, region=REGION, client=other)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["clientId"], document["registrationExpiresAt"]) == ("other-id", "2031-01-01T00:00:00Z")


def test_cache_refuses_a_session_name_the_config_cannot_hold(home: Path) -> None:
    with pytest.raises(InputError) as caught:
        write_token_cache(made_token(), session_name="dev [x]", start_url=STUB_START_URL, region=REGION)
    assert caught.value.field == "session_name"
    assert not (home / ".aws").exists()


def test_read_token_cache_reads_back_what_was_written_and_never_shows_the_token(home: Path) -> None:
    write_token_cache(made_token(), session_name="dev", start_url=STUB_START_URL, region=REGION)
    cached = read_token_cache("dev")
    assert cached == CachedToken(STUB_START_URL, REGION, datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc), "ACCESS-SECRET")
    assert "ACCESS-SECRET" not in repr(cached) and "ACCESS-SECRET" not in str([cached])


@pytest.mark.parametrize("content", [
    None, "not json", "[]", json.dumps({"startUrl": STUB_START_URL, "expiresAt": "2099-01-01T00:00:00Z"}),
    json.dumps({"startUrl": STUB_START_URL, "accessToken": "t", "expiresAt": "tomorrow"}),
    json.dumps({"startUrl": STUB_START_URL, "accessToken": "t"}),
], ids=["missing", "not-json", "not-an-object", "no-token", "bad-expiry", "no-expiry"])
def test_read_token_cache_is_none_for_a_file_botocore_could_not_use(home: Path, content: str | None) -> None:
    if content is not None:
        token_cache_path("dev").parent.mkdir(parents=True)
        token_cache_path("dev").write_text(content, encoding="utf-8")
    assert read_token_cache("dev") is None


def test_read_token_cache_takes_an_expiry_without_a_zone_as_utc(home: Path) -> None:
    token_cache_path("dev").parent.mkdir(parents=True)
    token_cache_path("dev").write_text(json.dumps({"accessToken": "t", "expiresAt": "2099-01-01T00:00:00"}), encoding="utf-8")
    assert read_token_cache("dev").expires_at == datetime(2099, 1, 1, tzinfo=timezone.utc)


def test_the_portal_answers_the_cached_token_with_no_aws_credentials(people: IdentityCenterPeople) -> None:
    token, _ = sign_in(people, "builder")
    portal = sso_portal_client(no_access_context(REGION), region=REGION, endpoint_url=people.sandbox.url)
    roles = portal.list_account_roles(accessToken=token.access_token, accountId=ACCOUNT_ID)["roleList"]
    assert [role["roleName"] for role in roles] == ["Builder"]
