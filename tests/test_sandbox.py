"""Tests for the sandbox (runbook_sandbox, through runbook_lib.sandbox's client): the server looks
like a brand-new account, over HTTP only."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, SandboxClient, ensure_sandbox, start_sandbox

ACCOUNT_ID = "123456789012"  # moto's default account, the sandbox's only one


def post(url: str) -> None:
    """POST an empty body to one of moto's own routes."""
    with urllib.request.urlopen(urllib.request.Request(url, method="POST", data=b""), timeout=10):
        pass


def root_row(ctx: AwsContext) -> dict[str, str]:
    """Return the credential report's ``<root_account>`` row, generating the report first."""
    iam = ctx.client("iam")
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode("utf-8")
    rows = [row for row in csv.DictReader(io.StringIO(content)) if row["user"] == "<root_account>"]
    assert len(rows) == 1, content
    return rows[0]


def root_summary(ctx: AwsContext) -> tuple[int, int]:
    """Return (AccountMFAEnabled, AccountAccessKeysPresent) from the account summary."""
    summary = ctx.client("iam").get_account_summary()["SummaryMap"]
    return summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]


def instances(ctx: AwsContext) -> list[dict[str, Any]]:
    """Return sso-admin's instances in the context's region."""
    return ctx.client("sso-admin").list_instances()["Instances"]


def create_organization(ctx: AwsContext) -> str:
    """Create the organization; return its id."""
    return ctx.client("organizations").create_organization(FeatureSet="ALL")["Organization"]["Id"]


def free_port() -> int:
    """Return a loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a brand-new account ----------------------------------------------------------------------


def test_new_account_has_no_identity_center_instance_in_any_region(sandbox: SandboxClient) -> None:
    # moto pre-creates an instance in every region; a new AWS account has none.
    for region in ("us-east-1", "eu-west-1"):
        assert instances(sandbox_context(sandbox.url, region)) == []


def test_new_account_state(sandbox: SandboxClient) -> None:
    assert sandbox.state() == {
        "account_id": ACCOUNT_ID,
        "root_mfa_enabled": False,
        "root_access_keys_present": True,
        "identity_center_region": None,
        "identity_center_mfa_configured": False,
        "users": {},
        "mode": "workshop",
    }


def test_new_account_root_has_no_mfa_and_an_access_key_in_the_summary(ctx: AwsContext) -> None:
    assert root_summary(ctx) == (0, 1)


def test_new_account_credential_report_root_row(ctx: AwsContext) -> None:
    row = root_row(ctx)
    assert row["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert row["mfa_active"] == "false"
    assert row["access_key_1_active"] == "true"
    assert row["access_key_2_active"] == "false"
    assert row["access_key_1_last_rotated"] != "N/A"


def test_root_row_has_every_column_of_the_header(ctx: AwsContext) -> None:
    iam = ctx.client("iam")
    iam.generate_credential_report()
    lines = iam.get_credential_report()["Content"].decode("utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    root = next(csv.reader([lines[1]]))
    assert root[0] == "<root_account>"
    assert len(root) == len(header)


def test_credential_report_without_generation_is_not_present(ctx: AwsContext) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ctx.client("iam").get_credential_report()
    assert caught.value.response["Error"]["Code"] == "ReportNotPresent"


def test_root_console_steps_change_summary_and_report(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    assert "MFA" in sandbox.play_console_step("enable-root-mfa")
    assert root_summary(ctx) == (1, 1)
    assert root_row(ctx)["mfa_active"] == "true"

    assert "access keys are deleted" in sandbox.play_console_step("delete-root-access-keys")
    assert root_summary(ctx) == (1, 0)
    row = root_row(ctx)
    assert (row["mfa_active"], row["access_key_1_active"], row["access_key_1_last_rotated"]) == (
        "true",
        "false",
        "N/A",
    )
    assert sandbox.state()["root_mfa_enabled"] is True
    assert sandbox.state()["root_access_keys_present"] is False


def test_root_row_comes_before_the_iam_users(ctx: AwsContext) -> None:
    ctx.client("iam").create_user(UserName="alex")
    iam = ctx.client("iam")
    iam.generate_credential_report()
    users = [
        row["user"]
        for row in csv.DictReader(io.StringIO(iam.get_credential_report()["Content"].decode()))
    ]
    assert users == ["<root_account>", "alex"]


# --- the console's "Enable" for Identity Center ---------------------------------------------


def test_enable_identity_center_refused_before_the_organization(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    with pytest.raises(SandboxError) as caught:
        sandbox.play_console_step("enable-identity-center", region="us-east-1")
    assert "There is no organization yet" in str(caught.value)
    assert "console/enable-identity-center" in str(caught.value)
    assert instances(ctx) == []
    assert sandbox.state()["identity_center_region"] is None


def test_enable_identity_center_after_the_organization(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    create_organization(ctx)
    assert "enabled in us-east-1" in sandbox.play_console_step(
        "enable-identity-center", region="us-east-1"
    )
    [instance] = instances(ctx)
    assert instance["InstanceArn"].startswith("arn:aws:sso:::instance/ssoins-")
    assert instance["IdentityStoreId"].startswith("d-")
    assert instance["OwnerAccountId"] == ACCOUNT_ID
    assert instance["Status"] == "ACTIVE"
    assert sandbox.state()["identity_center_region"] == "us-east-1"


def test_enable_identity_center_twice_in_the_same_region_is_harmless(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    create_organization(ctx)
    sandbox.play_console_step("enable-identity-center", region="us-east-1")
    assert "already enabled" in sandbox.play_console_step(
        "enable-identity-center", region="us-east-1"
    )
    assert len(instances(ctx)) == 1


def test_enable_identity_center_refused_in_a_second_region(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    create_organization(ctx)
    sandbox.play_console_step("enable-identity-center", region="us-east-1")
    with pytest.raises(SandboxError) as caught:
        sandbox.play_console_step("enable-identity-center", region="eu-west-1")
    assert "already enabled in us-east-1" in str(caught.value)
    assert instances(sandbox_context(sandbox.url, "eu-west-1")) == []
    assert sandbox.state()["identity_center_region"] == "us-east-1"


def test_delay_seconds_makes_the_instance_appear_later(
    sandbox: SandboxClient, ctx: AwsContext
) -> None:
    create_organization(ctx)
    started = time.monotonic()
    sandbox.play_console_step("enable-identity-center", region="us-east-1", delay_seconds=0.8)
    assert instances(ctx) == []
    while not instances(ctx):
        assert time.monotonic() - started < 3, "the delayed instance never appeared"
        time.sleep(0.1)
    assert time.monotonic() - started >= 0.8


def test_unknown_console_step_is_refused_with_the_known_ones(sandbox: SandboxClient) -> None:
    with pytest.raises(SandboxError) as caught:
        sandbox.play_console_step("close-account")
    assert "Unknown console step 'close-account'" in str(caught.value)
    assert "enable-root-mfa" in str(caught.value)


ACCOUNT_STEPS = ("enable-root-mfa", "delete-root-access-keys", "enable-identity-center", "configure-identity-center-mfa")


def test_the_sandbox_says_which_account_steps_are_done(sandbox: SandboxClient, ctx: AwsContext) -> None:
    assert [sandbox.is_done(step) for step in ACCOUNT_STEPS] == [False] * 4
    create_organization(ctx)
    for played, step in enumerate(ACCOUNT_STEPS, start=1):
        sandbox.play_console_step(step)
        assert [sandbox.is_done(each) for each in ACCOUNT_STEPS] == [True] * played + [False] * (4 - played)
    sandbox.reset()
    assert [sandbox.is_done(step) for step in ACCOUNT_STEPS] == [False] * 4


def test_the_organization_can_be_created_in_the_console(sandbox: SandboxClient, ctx: AwsContext) -> None:
    assert not sandbox.is_done("create-organization")
    assert "organization created, all features" in sandbox.play_console_step("create-organization")
    assert sandbox.is_done("create-organization")
    assert ctx.client("organizations").describe_organization()["Organization"]["FeatureSet"] == "ALL"
    assert "already manages an organization" in sandbox.play_console_step("create-organization")


@pytest.mark.parametrize(
    ("step", "user", "reason"),
    [
        ("close-account", "", "Unknown console step 'close-account'"),
        ("enable-root-mfa", "alice", "enable-root-mfa is account-wide"),
        ("verify-user-email", "", r"played for one user: add \?user=<UserName>"),
    ],
)
def test_asking_about_a_step_follows_the_rules_of_playing_it(
    sandbox: SandboxClient, step: str, user: str, reason: str
) -> None:
    with pytest.raises(SandboxError, match=reason):
        sandbox.is_done(step, user=user)


def test_unknown_control_route_is_refused(sandbox: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="No sandbox route GET /_sandbox/nowhere"):
        sandbox.request("GET", "nowhere")


# --- resets and seeds -----------------------------------------------------------------------


def play_everything(sandbox: SandboxClient, ctx: AwsContext) -> None:
    """Change every piece of sandbox state and some of moto's."""
    create_organization(ctx)
    for step in ("enable-root-mfa", "delete-root-access-keys", "enable-identity-center"):
        sandbox.play_console_step(step)
    ctx.client("iam").generate_credential_report()


def assert_brand_new(sandbox: SandboxClient, ctx: AwsContext) -> None:
    """Check both the sandbox's own state and moto's are those of a new account."""
    state = sandbox.state()
    assert (state["root_mfa_enabled"], state["root_access_keys_present"]) == (False, True)
    assert state["identity_center_region"] is None
    assert root_summary(ctx) == (0, 1)
    assert instances(ctx) == []
    with pytest.raises(botocore.exceptions.ClientError, match="AWSOrganizationsNotInUseException"):
        ctx.client("organizations").describe_organization()
    with pytest.raises(botocore.exceptions.ClientError, match="ReportNotPresent"):
        ctx.client("iam").get_credential_report()


def test_sandbox_reset_clears_everything(sandbox: SandboxClient, ctx: AwsContext) -> None:
    play_everything(sandbox, ctx)
    assert sandbox.state()["identity_center_region"] == "us-east-1"
    sandbox.reset()
    assert_brand_new(sandbox, ctx)


def test_moto_reset_clears_the_sandbox_state_too(sandbox: SandboxClient, ctx: AwsContext) -> None:
    play_everything(sandbox, ctx)
    post(f"{sandbox.url}/moto-api/reset")
    assert_brand_new(sandbox, ctx)
    # and the console step is refused again: the organization went with the reset
    with pytest.raises(SandboxError, match="no organization yet"):
        sandbox.play_console_step("enable-identity-center")


def test_same_seed_gives_the_same_ids(sandbox: SandboxClient, ctx: AwsContext) -> None:
    sandbox.reset(seed=7)
    first = create_organization(ctx)
    sandbox.reset(seed=7)
    second = create_organization(ctx)
    sandbox.reset(seed=8)
    other = create_organization(ctx)
    assert first == second
    assert other != first


def test_reset_answers_with_the_seed(sandbox: SandboxClient) -> None:
    assert sandbox.request("POST", "reset", seed="3") == {"reset": True, "seed": "3"}
    assert sandbox.request("POST", "reset") == {"reset": True, "seed": None}


# --- starting, finding and stopping a sandbox -----------------------------------------------


def test_start_sandbox_and_stop(tmp_path: Path) -> None:
    with start_sandbox(log_dir=tmp_path) as started:
        assert started.url.startswith("http://127.0.0.1:")
        ready = json.loads((tmp_path / "ready.json").read_text())
        assert ready == {"url": started.url, "pid": started.process.pid, "mode": "workshop"}
        assert started.client.is_alive()
        # a sandbox of its own: changes here do not reach the session's sandbox
        started.client.play_console_step("enable-root-mfa")
        assert started.client.state()["root_mfa_enabled"] is True
    assert started.process.poll() is not None
    assert not started.client.is_alive()
    assert "Sandbox listening on" in started.log_path.read_text()


def test_ensure_sandbox_returns_the_named_one(
    sandbox: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SANDBOX_URL_VARIABLE, sandbox.url + "/")
    assert ensure_sandbox() == SandboxClient(sandbox.url)


def test_ensure_sandbox_with_a_dead_url_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv(SANDBOX_URL_VARIABLE, dead)
    with pytest.raises(SandboxError) as caught:
        ensure_sandbox()
    assert f"{SANDBOX_URL_VARIABLE} names {dead}, but no sandbox answers there" in str(caught.value)
    assert "make lab" in caught.value.advice


@pytest.fixture
def other_http_server(tmp_path: Path) -> Iterator[str]:
    """Serve a plain folder over HTTP: something that answers, but not the sandbox."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    (tmp_path / "_sandbox").mkdir()
    (tmp_path / "_sandbox" / "state").write_text("<html>not json</html>")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_another_server_at_the_url_is_not_a_sandbox(
    other_http_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = SandboxClient(other_http_server)
    with pytest.raises(SandboxError, match="is not the sandbox"):
        client.state()  # 200 with HTML
    with pytest.raises(SandboxError, match="refused reset"):
        client.reset()  # 501 with HTML
    assert not client.is_alive()
    monkeypatch.setenv(SANDBOX_URL_VARIABLE, other_http_server)
    with pytest.raises(SandboxError, match="no sandbox answers there"):
        ensure_sandbox()


def test_ensure_sandbox_reuses_the_remembered_one(
    sandbox: SandboxClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SANDBOX_URL_VARIABLE)
    monkeypatch.setenv("RUNBOOK_HOME", str(tmp_path))
    (tmp_path / "sandbox.json").write_text(json.dumps({"url": sandbox.url, "pid": 0}))

    def no_new_sandbox(**_: object) -> None:
        raise AssertionError("a remembered, live sandbox must be reused")

    monkeypatch.setattr("runbook_lib.sandbox.process.start_sandbox", no_new_sandbox)
    assert ensure_sandbox() == SandboxClient(sandbox.url)
    assert ensure_sandbox(mode="workshop") == SandboxClient(sandbox.url)  # remembered without a mode: workshop


def test_ensure_sandbox_refuses_a_running_one_of_another_mode(
    sandbox: SandboxClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SANDBOX_URL_VARIABLE, sandbox.url)
    with pytest.raises(SandboxError, match="runs in workshop mode, not rehearsal") as caught:
        ensure_sandbox(mode="rehearsal")
    assert "--mode rehearsal" in caught.value.advice
    monkeypatch.delenv(SANDBOX_URL_VARIABLE)
    monkeypatch.setenv("RUNBOOK_HOME", str(tmp_path))
    (tmp_path / "sandbox.json").write_text(json.dumps({"url": sandbox.url, "pid": 0, "mode": "rehearsal"}))
    with pytest.raises(SandboxError, match="runs in rehearsal mode, not workshop"):
        ensure_sandbox(mode="workshop")
    assert ensure_sandbox() == SandboxClient(sandbox.url)  # no mode asked: whichever runs
    with pytest.raises(SandboxError, match="has no mode 'strict'"):
        ensure_sandbox(mode="strict")


def test_a_sandbox_started_in_rehearsal_mode_says_so(tmp_path: Path) -> None:
    with start_sandbox(log_dir=tmp_path, mode="rehearsal") as started:
        assert json.loads((tmp_path / "ready.json").read_text())["mode"] == "rehearsal"
        assert (started.mode, started.client.mode()) == ("rehearsal", "rehearsal")
        assert "(rehearsal mode)" in started.log_path.read_text()
