"""What the runbook_lib.awsconfig tests share: the example files, sections and botocore's view.

Every written file is read back by botocore itself, the way the AWS CLI and boto3 will read it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import botocore.session
import pytest

from runbook_lib.awsconfig import (
    PROFILE_KEYS,
    ConfigPlan,
    SsoProfile,
    SsoSession,
    build_sso_profile,
    build_sso_session,
    plan_config_file,
)

START_URL = "https://d-1234567890.awsapps.com/start"
NOW = datetime(2025, 1, 2, 3, 4, 5)
BACKUP_NAME = "config.20250102T030405.bak"
ADMIN = "aws_config_profile.admin"
MY_SSO = "aws_config_sso_session.my-sso"

# Exactly what `aws configure sso` writes (shared/reference/aws-facts.md).
ADMIN_SECTIONS = (
    "[profile admin]\n"
    "sso_session = my-sso\n"
    "sso_account_id = 123456789012\n"
    "sso_role_name = AdministratorAccess\n"
    "region = us-east-1\n"
    "output = json\n"
    "\n"
    "[sso-session my-sso]\n"
    f"sso_start_url = {START_URL}\n"
    "sso_region = us-east-1\n"
    "sso_registration_scopes = sso:account:access\n"
)

# A config a person has lived with: comments of both kinds, blank and whitespace-only lines, a
# [default] profile, a legacy SSO profile, botocore's indented nested values, other sections.
REAL_WORLD = (
    "# AWS CLI config, edited by hand\n"
    "; a comment of the other kind\n"
    "\n"
    "[default]\n"
    "region = eu-west-1\n"
    "output = table\n"
    "\n"
    "# the old way, before sso-session existed\n"
    "[profile legacy-sso]\n"
    "sso_start_url = https://d-9999999999.awsapps.com/start\n"
    "sso_region = eu-west-1\n"
    "sso_account_id = 210987654321\n"
    "sso_role_name = ReadOnlyAccess\n"
    "region = eu-west-1\n"
    "\n"
    "[profile ci]\n"
    "role_arn = arn:aws:iam::123456789012:role/ci\n"
    "source_profile = default\n"
    "s3 =\n"
    "    addressing_style = path\n"
    "    max_concurrent_requests = 20\n"
    "\n"
    "[services local]\n"
    "s3 =\n"
    "  endpoint_url = http://localhost:9000\n"
    "[plugins]\n"
    "cli_legacy_plugin_path = /opt/plugins\n"
    "   \n"
    "#  a trailing comment, no blank line after it\n"
)


def admin_profile(**overrides: object) -> SsoProfile:
    """Return the profile the tests write, with fields overridden."""
    fields: dict[str, object] = {
        "profile_name": "admin",
        "sso_session": "my-sso",
        "account_id": "123456789012",
        "role_name": "AdministratorAccess",
        "region": "us-east-1",
    }
    fields.update(overrides)
    return build_sso_profile(**fields)


def my_session(**overrides: object) -> SsoSession:
    """Return the sso-session the tests write, with fields overridden."""
    fields: dict[str, object] = {"name": "my-sso", "start_url": START_URL, "sso_region": "us-east-1"}
    fields.update(overrides)
    return build_sso_session(**fields)


def point_aws_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AWS_CONFIG_FILE at a file (not created) in a folder of its own; return it."""
    path = tmp_path / "dot-aws" / "config"
    path.parent.mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    return path


def plan_admin(path: Path, *, replace_conflicts: bool = False, **profile_overrides: object) -> ConfigPlan:
    """Plan writing the admin profile and its session into ``path``."""
    return plan_config_file(
        [admin_profile(**profile_overrides)], [my_session()], path=path, replace_conflicts=replace_conflicts
    )


def botocore_profile(name: str) -> dict[str, object]:
    """Return the profile as botocore reads it from AWS_CONFIG_FILE."""
    return botocore.session.Session(profile=name).get_scoped_config()


def botocore_sso_session(name: str) -> dict[str, object]:
    """Return the sso-session as botocore reads it from AWS_CONFIG_FILE."""
    return botocore.session.Session().full_config["sso_sessions"][name]


def assert_botocore_reads_admin(profile_name: str = "admin") -> None:
    """Check botocore reads back every key `aws configure sso` writes, exactly."""
    profile = botocore_profile(profile_name)
    assert {key: profile.get(key) for key in PROFILE_KEYS} == {
        "sso_session": "my-sso",
        "sso_account_id": "123456789012",
        "sso_role_name": "AdministratorAccess",
        "region": "us-east-1",
        "output": "json",
    }
    assert "sso_start_url" not in profile and "sso_region" not in profile
    assert botocore_sso_session("my-sso") == {
        "sso_start_url": START_URL,
        "sso_region": "us-east-1",
        "sso_registration_scopes": "sso:account:access",
    }
    # botocore's SSO credential provider accepts the profile: it resolves the session and finds
    # no inconsistency (credentials are deferred, so no token and no network are needed).
    credentials = botocore.session.Session(profile=profile_name).get_credentials()
    assert credentials is not None and credentials.method == "sso"


def folder_listing(folder: Path) -> dict[str, bytes]:
    """Return every file in ``folder`` with its bytes."""
    return {path.name: path.read_bytes() for path in folder.iterdir()}
