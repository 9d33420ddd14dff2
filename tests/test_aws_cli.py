"""Finding the AWS CLI and telling v1 (no SSO sign-in) from v2."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from runbook_lib.aws_cli import AwsCli, describe_cli, find_aws_cli, parse_cli_version


@pytest.mark.parametrize(("output", "version"), [
    ("aws-cli/2.22.35 Python/3.12.6 Linux/6.1.0 exe/x86_64.debian.12\n", "2.22.35"),
    ("aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0-1045-aws botocore/1.16.19\n", "1.18.69"),
    ("command not found", ""),
])
def test_parse_cli_version(output, version):
    assert parse_cli_version(output) == version


def fake_aws(folder: Path, *, stdout: str = "", stderr: str = "") -> None:
    script = folder / "aws"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_finds_v2_on_the_path(tmp_path, monkeypatch):
    fake_aws(tmp_path, stdout="aws-cli/2.31.0 Python/3.13.7 Linux/6.1 exe/x86_64")
    monkeypatch.setenv("PATH", str(tmp_path))
    cli = find_aws_cli()
    assert cli == AwsCli(str(tmp_path / "aws"), "2.31.0") and cli.can_sign_in_with_sso
    assert "can sign in" in describe_cli(cli)


def test_v1_prints_on_stderr_and_is_told_to_upgrade(tmp_path, monkeypatch):
    fake_aws(tmp_path, stderr="aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0 botocore/1.16.19")
    monkeypatch.setenv("PATH", str(tmp_path))
    cli = find_aws_cli()
    assert cli.major == 1 and not cli.can_sign_in_with_sso
    assert "version 1 cannot sign in" in describe_cli(cli) and "brew install awscli" in describe_cli(cli)


def test_no_cli_gives_the_install_guide(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_aws_cli() is None
    guide = describe_cli(None)
    assert "No `aws` command found" in guide and "winget install Amazon.AWSCLI" in guide and "Linux" in guide
