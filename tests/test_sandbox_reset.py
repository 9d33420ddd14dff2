"""A reset makes the sandbox a new account whole: the files naming the old one go, no one else's.

What the sandbox owns outside moto: its AWS CLI config file (and backups), the cached tokens of its
sign-ins, and saved settings that choose it. A token of a real account's sign-in, even one whose
sso-session has the sandbox's name, is never touched.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from runbook_lib import paths
from runbook_lib import target as targets
from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, SandboxClient, ensure_sandbox
from runbook_lib.sandbox.__main__ import main as sandbox_command
from runbook_lib.sandbox.local_files import find_sandbox_tokens, forget_sandbox_files
from runbook_lib.steps.cli_profiles import DEVELOPER, SANDBOX_SESSION_PREFIX, session_name_for

SANDBOX_SESSION_NAME = session_name_for(SANDBOX_SESSION_PREFIX, DEVELOPER)
from runbook_lib.steps.developer_access import read_profile_settings
from sandbox_seeds import prepare_account_for

REAL_PORTAL = "https://d-9067000000.awsapps.com/start"


def write_token(session_name: str, start_url: str) -> Path:
    """Write a cached sign-in for ``session_name`` as the AWS CLI would; return its file."""
    path = paths.token_cache_path(session_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"startUrl": start_url, "region": "us-east-1", "accessToken": "token",
                                "expiresAt": "2099-01-01T00:00:00Z"}), encoding="utf-8")
    return path


@pytest.fixture
def sandbox_start_url(sandbox: SandboxClient) -> str:
    """Set the sandbox up as after step 05 (its own config file written); return its start URL."""
    prepare_account_for("06_verify_developer_access", sandbox)
    return read_profile_settings(paths.sandbox_config_file(), "ada-developer").start_url


def test_a_reset_removes_the_sandboxs_config_its_sign_in_and_the_settings_choosing_it(
    sandbox: SandboxClient, sandbox_start_url: str
) -> None:
    token = write_token(SANDBOX_SESSION_NAME, sandbox_start_url)
    backup = paths.sandbox_config_file().with_name("aws-config.20261201T120000.bak")
    backup.write_text("[profile old]\n", encoding="utf-8")
    targets.save_settings(targets.Settings(target="sandbox", region="eu-west-1"))

    removed = sandbox.reset()

    assert removed == [token, paths.sandbox_home(), paths.settings_file()]
    assert not token.exists() and not paths.sandbox_home().exists() and not paths.settings_file().exists()
    assert sandbox.reset() == []  # nothing of the old account is left to remove


def test_a_reset_never_removes_a_real_accounts_token_or_settings(
    sandbox: SandboxClient, sandbox_start_url: str
) -> None:
    real = write_token("my-sso", REAL_PORTAL)  # a session the sandbox's config does not name
    same_name = write_token(SANDBOX_SESSION_NAME, REAL_PORTAL)  # the sandbox's name, a real portal's token
    kept = {path: path.read_bytes() for path in (real, same_name)}
    targets.save_settings(targets.Settings(target="profile", profile="admin", account_id="210987654321"))
    settings = paths.settings_file().read_bytes()

    assert find_sandbox_tokens(paths.sandbox_config_file()) == []
    assert sandbox.reset() == [paths.sandbox_home()]

    assert {path: path.read_bytes() for path in kept} == kept
    assert paths.settings_file().read_bytes() == settings


def test_tokens_are_kept_when_the_sandboxs_config_cannot_be_read(sandbox: SandboxClient) -> None:
    config = paths.sandbox_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[sso-session runbook-sandbox\nsso_start_url = x\n", encoding="utf-8")  # not INI
    token = write_token(SANDBOX_SESSION_NAME, "x")
    assert forget_sandbox_files() == [paths.sandbox_home()]
    assert token.exists()


def test_a_refused_reset_keeps_the_files_with_the_account_it_kept(sandbox_start_url: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = SandboxClient(f"http://127.0.0.1:{probe.getsockname()[1]}")
    with pytest.raises(SandboxError, match="does not answer"):
        dead.reset()
    assert paths.sandbox_config_file().exists()


def test_make_sandbox_reset_resets_the_remembered_sandbox_whole(
    sandbox: SandboxClient, sandbox_start_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    token = write_token(SANDBOX_SESSION_NAME, sandbox_start_url)
    remembered = paths.runbook_home() / "sandbox.json"
    remembered.write_text(json.dumps({"url": sandbox.url, "pid": 0}), encoding="utf-8")
    try:
        assert sandbox_command(["reset"]) == 0
    finally:
        remembered.unlink()
    out = capsys.readouterr().out
    assert f"Sandbox at {sandbox.url} reset" in out and str(token) in out
    assert not token.exists() and not paths.sandbox_config_file().exists()
    assert sandbox.state()["identity_center_region"] is None  # and the account is new


def test_make_sandbox_reset_with_no_sandbox_running_still_forgets_its_files(
    sandbox_start_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The next sandbox to start is a new account too: its old files would name one that is gone.
    assert sandbox_command(["reset"]) == 0
    assert "No sandbox is running." in capsys.readouterr().out
    assert not paths.sandbox_config_file().exists()


def test_starting_a_new_sandbox_forgets_the_gone_ones_config_and_sign_ins_not_the_settings(
    sandbox: SandboxClient, sandbox_start_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # make sandbox-stop (or a reboot), then make run: the new sandbox is another account.
    token = write_token(SANDBOX_SESSION_NAME, sandbox_start_url)
    targets.save_settings(targets.Settings(target="sandbox", region="eu-west-1"))  # just chosen, say
    monkeypatch.delenv(SANDBOX_URL_VARIABLE)

    class Started:
        url = sandbox.url
        client = sandbox
        mode = "workshop"
        process = type("Process", (), {"pid": 0})()

    monkeypatch.setattr("runbook_lib.sandbox.process.start_sandbox", lambda **_: Started())
    try:
        assert ensure_sandbox() == sandbox
    finally:
        (paths.runbook_home() / "sandbox.json").unlink()
    assert not token.exists() and not paths.sandbox_config_file().exists()
    assert targets.load_settings().region == "eu-west-1"
