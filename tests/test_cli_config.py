"""Tests for runbook_lib.cli_config: what `aws configure sso` writes, merged safely.

Every written file is read back by botocore itself, the way the AWS CLI and boto3 will read it.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import botocore.configloader
import botocore.exceptions
import botocore.session
import pytest

from runbook_lib import cli_config
from runbook_lib.cli_config import (
    ConfigPlan,
    KeyDifference,
    SsoProfile,
    SsoSession,
    build_sso_profile,
    build_sso_session,
    config_path,
    parse_config_text,
    plan_config_changes,
    plan_config_file,
    read_config_text,
    write_config,
)
from runbook_lib.errors import ConfigConflictError, ConfigFileError, InputError, RunbookError

START_URL = "https://d-1234567890.awsapps.com/start"
NOW = datetime(2025, 1, 2, 3, 4, 5)
BACKUP_NAME = "config.20250102T030405.bak"

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
    fields: dict[str, object] = {
        "name": "my-sso",
        "start_url": START_URL,
        "sso_region": "us-east-1",
    }
    fields.update(overrides)
    return build_sso_session(**fields)


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AWS_CONFIG_FILE at a file (not created) in a folder of its own."""
    path = tmp_path / "dot-aws" / "config"
    path.parent.mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    return path


def plan_admin(path: Path, **profile_overrides: object) -> ConfigPlan:
    """Plan writing the admin profile and its session into ``path``."""
    return plan_config_file([admin_profile(**profile_overrides)], [my_session()], path=path)


def botocore_profile(name: str) -> dict[str, object]:
    """Return the profile as botocore reads it from AWS_CONFIG_FILE."""
    return botocore.session.Session(profile=name).get_scoped_config()


def botocore_sso_session(name: str) -> dict[str, object]:
    """Return the sso-session as botocore reads it from AWS_CONFIG_FILE."""
    return botocore.session.Session().full_config["sso_sessions"][name]


def assert_botocore_reads_admin(profile_name: str = "admin") -> None:
    """Check botocore reads back every key `aws configure sso` writes, exactly."""
    profile = botocore_profile(profile_name)
    assert {key: profile.get(key) for key in cli_config.PROFILE_KEYS} == {
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


# ------------------------------------------------------------------------------------------
# Data and validation


def test_build_sso_profile_and_session_strip_and_normalise() -> None:
    profile = build_sso_profile(
        profile_name=" admin ",
        sso_session="my-sso ",
        account_id=" 012345678901",
        role_name="AdministratorAccess ",
        region=" eu-west-1",
        output=" yaml",
    )
    assert profile == SsoProfile(
        "admin", "my-sso", "012345678901", "AdministratorAccess", "eu-west-1", "yaml"
    )
    session = build_sso_session(
        name="my-sso", start_url="https://D-1234567890.awsapps.com/start/#/", sso_region="eu-west-1"
    )
    assert session == SsoSession("my-sso", START_URL, "eu-west-1", "sso:account:access")
    assert profile.section == "profile admin" and session.section == "sso-session my-sso"
    assert admin_profile(profile_name="default").section == "default"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("profile_name", "my profile"),
        ("profile_name", "[admin]"),
        ("profile_name", ""),
        ("sso_session", "my sso"),
        ("sso_session", 7),
        ("account_id", "12345678901"),
        ("account_id", 123456789012),
        ("role_name", "Admin Access"),
        ("role_name", "A" * 33),
        ("role_name", "Admin\n[default]"),
        ("region", "us-east-9"),
        ("output", "xml"),
    ],
)
def test_build_sso_profile_refuses_a_bad_field_by_name(field: str, value: object) -> None:
    with pytest.raises(InputError) as caught:
        admin_profile(**{field: value})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("argument", "value", "field"),
    [
        ("name", "my sso", "sso_session"),
        ("name", "sso=1", "sso_session"),
        ("start_url", "http://d-1234567890.awsapps.com/start", "start_url"),
        ("start_url", "https://example.com/start", "start_url"),
        ("sso_region", "mars-1", "sso_region"),
        ("registration_scopes", "", "registration_scopes"),
        ("registration_scopes", "sso:account:access\nx = y", "registration_scopes"),
    ],
)
def test_build_sso_session_refuses_a_bad_field_by_name(
    argument: str, value: object, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        my_session(**{argument: value})
    assert caught.value.field == field


def test_dual_stack_portal_url_and_sso_region_must_agree() -> None:
    url = "https://ssoins-1234567890abcdef.portal.eu-west-1.app.aws"
    assert my_session(start_url=url, sso_region="eu-west-1").start_url == url
    with pytest.raises(InputError) as caught:
        my_session(start_url=url, sso_region="us-east-1")
    assert caught.value.field == "sso_region"


def test_planning_checks_hand_made_dataclasses_again() -> None:
    # A frozen dataclass can be built without build_sso_profile: a newline must never reach
    # the file, where it would start a section of its own.
    sneaky = SsoProfile("admin", "my-sso", "123456789012", "Admin\n[default]", "us-east-1")
    with pytest.raises(InputError) as caught:
        plan_config_changes("", [sneaky], [my_session()])
    assert caught.value.field == "role_name"
    with pytest.raises(InputError) as caught:
        plan_config_changes(
            "", [], [SsoSession("my-sso", "https://evil.example/start", "us-east-1")]
        )
    assert caught.value.field == "start_url"


def test_planning_refuses_names_given_twice_and_unknown_sessions() -> None:
    with pytest.raises(InputError) as caught:
        plan_config_changes(
            "", [admin_profile(), admin_profile(role_name="ReadOnly")], [my_session()]
        )
    assert caught.value.field == "profile_name"
    with pytest.raises(InputError) as caught:
        plan_config_changes("", [admin_profile()], [my_session(), my_session()])
    assert caught.value.field == "sso_session"
    with pytest.raises(InputError) as caught:
        plan_config_changes("", [admin_profile(sso_session="other")], [my_session()])
    assert caught.value.field == "sso_session" and "other" in str(caught.value)
    # A session already in the file is enough.
    plan = plan_config_changes(
        "[sso-session other]\nsso_start_url = x\nsso_region = us-east-1\n",
        [admin_profile(sso_session="other")],
        [],
    )
    assert [change.action for change in plan.changes] == ["add"]


# ------------------------------------------------------------------------------------------
# Where the file is


def test_config_path_honours_aws_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "elsewhere"))
    assert config_path() == tmp_path / "elsewhere"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_CONFIG_FILE", "~/custom/config")
    assert config_path() == tmp_path / "home" / "custom" / "config"


def test_config_path_defaults_to_home_expanded_at_call_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "one"))
    assert config_path() == tmp_path / "one" / ".aws" / "config"
    monkeypatch.setenv("HOME", str(tmp_path / "two"))
    assert config_path() == tmp_path / "two" / ".aws" / "config"


def test_an_empty_aws_config_file_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore reads no config file at all then; writing ~/.aws/config would not be used.
    monkeypatch.setenv("AWS_CONFIG_FILE", "")
    assert botocore.session.Session().get_config_variable("config_file") == ""
    with pytest.raises(ConfigFileError, match="AWS_CONFIG_FILE is set but empty"):
        config_path()


def test_read_config_text_is_empty_for_no_file(config_file: Path) -> None:
    assert read_config_text() == ""
    config_file.write_bytes(b"[default]\r\nregion = us-east-1")
    assert read_config_text() == "[default]\r\nregion = us-east-1"


# ------------------------------------------------------------------------------------------
# Planning (pure)


def test_plan_for_an_empty_file_is_what_aws_configure_sso_writes() -> None:
    plan = plan_config_changes("", [admin_profile()], [my_session()])
    assert [(change.section, change.action) for change in plan.changes] == [
        ("profile admin", "add"),
        ("sso-session my-sso", "add"),
    ]
    assert plan.added_text == ADMIN_SECTIONS
    assert plan.new_text == ADMIN_SECTIONS
    assert not plan.nothing_to_write and not plan.conflicts
    assert "+[profile admin]" in plan.diff and "+[sso-session my-sso]" in plan.diff


def test_default_profile_is_written_as_default_section() -> None:
    plan = plan_config_changes("", [admin_profile(profile_name="default")], [my_session()])
    assert plan.added_text.startswith("[default]\nsso_session = my-sso\n")
    assert "[profile default]" not in plan.new_text
    # botocore reads [profile default] as the default profile too: it counts as present.
    existing = "[profile default]\nregion = eu-west-1\n"
    plan = plan_config_changes(existing, [admin_profile(profile_name="default")], [my_session()])
    assert plan.changes[0].action == "conflict"
    assert plan.changes[0].line_number == 1


def test_present_sections_with_our_values_are_unchanged_and_extra_keys_kept() -> None:
    existing = (
        "[profile admin]\n"
        "sso_session = my-sso\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\n"
        "region = us-east-1\n"
        "output = json\n"
        "cli_pager =\n"
        "# mine\n"
        "[sso-session my-sso]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    plan = plan_config_changes(existing, [admin_profile()], [my_session()])
    assert [change.action for change in plan.changes] == ["unchanged", "unchanged"]
    assert plan.changes[0].kept_keys == ("cli_pager",)
    assert "cli_pager" in plan.changes[0].detail
    assert "do not count as a difference" in plan.changes[0].detail
    assert plan.nothing_to_write and plan.new_text == existing
    assert plan.diff == "" and plan.added_text == ""


def test_values_compare_as_botocore_reads_them() -> None:
    # botocore (configparser) also accepts ':' as the delimiter, any spacing around it, keys in
    # any letter case; these are our values exactly.
    existing = (
        "[profile admin]\n"
        "SSO_Session: my-sso\n"
        "sso_account_id=123456789012\n"
        "sso_role_name   =   AdministratorAccess   \n"
        "region = us-east-1\n"
        "output = json\n"
    )
    plan = plan_config_changes(existing, [admin_profile()], [my_session()])
    assert plan.changes[0].action == "unchanged"
    # There are no inline comments in botocore's parser: the comment is part of the value.
    commented = existing.replace("output = json", "output = json # mine")
    plan = plan_config_changes(commented, [admin_profile()], [my_session()])
    assert plan.changes[0].differences == (KeyDifference("output", "json # mine", "json"),)


def test_conflict_shows_old_and_new_values() -> None:
    existing = "[profile admin]\nsso_session = my-sso\nregion = eu-west-1\nmine = 1\n"
    plan = plan_config_changes(existing, [admin_profile()], [my_session()])
    admin = plan.changes[0]
    assert admin.action == "conflict"
    assert admin.differences == (
        KeyDifference("sso_account_id", None, "123456789012"),
        KeyDifference("sso_role_name", None, "AdministratorAccess"),
        KeyDifference("region", "eu-west-1", "us-east-1"),
        KeyDifference("output", None, "json"),
    )
    assert admin.kept_keys == ("mine",)
    assert "'eu-west-1' -> 'us-east-1'" in admin.detail
    assert "replace_conflicts=True" in admin.detail
    assert plan.conflicts == (admin,)
    assert "-region = eu-west-1" in plan.diff and "+region = us-east-1" in plan.diff
    assert plan.to_frame()["action"].tolist() == ["conflict", "add"]
    assert plan.describe().splitlines()[0].startswith("conflict  [profile admin]")


def test_legacy_sso_profile_of_the_same_name_is_a_conflict_and_others_are_left_alone() -> None:
    legacy_profile = admin_profile(profile_name="legacy-sso")
    plan = plan_config_changes(REAL_WORLD, [legacy_profile], [my_session()])
    legacy = plan.changes[0]
    assert legacy.action == "conflict"
    assert legacy.differences == (
        KeyDifference("sso_session", None, "my-sso"),
        KeyDifference("sso_account_id", "210987654321", "123456789012"),
        KeyDifference("sso_role_name", "ReadOnlyAccess", "AdministratorAccess"),
        KeyDifference("region", "eu-west-1", "us-east-1"),
        KeyDifference("output", None, "json"),
        KeyDifference("sso_start_url", "https://d-9999999999.awsapps.com/start", None),
        KeyDifference("sso_region", "eu-west-1", None),
    )
    assert "legacy SSO profile" in legacy.detail
    # Planning another profile does not touch the legacy one.
    plan = plan_config_changes(REAL_WORLD, [admin_profile()], [my_session()])
    assert [change.action for change in plan.changes] == ["add", "add"]
    assert plan.new_text.startswith(REAL_WORLD)


def test_a_profile_defined_by_two_sections_is_refused() -> None:
    existing = "[profile admin]\nregion = us-east-1\n\n[profile  'admin']\nregion = eu-west-1\n"
    with pytest.raises(ConfigFileError) as caught:
        plan_config_changes(existing, [admin_profile()], [my_session()])
    assert caught.value.line_number == 4
    assert "lines 1, 4" in str(caught.value)


# ------------------------------------------------------------------------------------------
# Writing


def test_write_adds_sections_keeping_every_other_byte_and_botocore_reads_them(
    config_file: Path,
) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    plan = plan_admin(config_file)
    # The old last line is a comment: a blank line separates the new sections from it.
    assert plan.new_text == REAL_WORLD + "\n" + ADMIN_SECTIONS

    result = write_config(plan, now=NOW)

    assert result.written and not result.created
    assert result.sections_added == ("profile admin", "sso-session my-sso")
    assert config_file.read_bytes() == (REAL_WORLD + "\n" + ADMIN_SECTIONS).encode()
    assert result.backup_path == config_file.with_name(BACKUP_NAME)
    assert result.backup_path.read_bytes() == REAL_WORLD.encode()
    assert stat.S_IMODE(result.backup_path.stat().st_mode) == 0o600
    assert str(result.backup_path) in result.message
    assert_botocore_reads_admin()
    # The person's other profiles read exactly as before.
    assert botocore_profile("default") == {"region": "eu-west-1", "output": "table"}
    legacy = botocore_profile("legacy-sso")
    assert legacy["sso_start_url"] == "https://d-9999999999.awsapps.com/start"
    assert "sso_session" not in legacy
    assert botocore_profile("ci")["s3"] == {
        "addressing_style": "path",
        "max_concurrent_requests": "20",
    }


def test_a_new_file_is_0600_in_a_new_0700_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    previous_umask = os.umask(0o022)
    try:
        plan = plan_config_file([admin_profile()], [my_session()])
        result = write_config(plan, now=NOW)
    finally:
        os.umask(previous_umask)
    config = home / ".aws" / "config"
    assert result.path == config and result.created and result.backup_path is None
    assert config.read_bytes() == ADMIN_SECTIONS.encode()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert sorted(path.name for path in config.parent.iterdir()) == ["config"]
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert_botocore_reads_admin()


def test_an_existing_file_keeps_its_permission_bits(config_file: Path) -> None:
    config_file.write_text("[default]\nregion = us-east-1\n")
    config_file.chmod(0o640)
    write_config(plan_admin(config_file), now=NOW)
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640


def test_writing_again_writes_nothing_and_makes_no_backup(config_file: Path) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    first = write_config(plan_admin(config_file), now=NOW)
    assert first.written
    written = config_file.read_bytes()
    past = 1_600_000_000_000_000_000
    os.utime(config_file, ns=(past, past))
    listing = folder_listing(config_file.parent)

    plan = plan_admin(config_file)
    assert plan.nothing_to_write and plan.diff == ""
    second = write_config(plan, now=datetime(2025, 1, 2, 9, 9, 9))

    assert not second.written and second.backup_path is None
    assert second.message.startswith("Nothing to write")
    assert config_file.read_bytes() == written
    assert config_file.stat().st_mtime_ns == past
    assert folder_listing(config_file.parent) == listing


def test_writing_the_same_plan_twice_writes_once(config_file: Path) -> None:
    plan = plan_admin(config_file)
    assert write_config(plan, now=NOW).written
    listing = folder_listing(config_file.parent)
    assert not write_config(plan, now=NOW).written
    assert folder_listing(config_file.parent) == listing


def test_conflicts_are_refused_then_replaced_keeping_the_persons_keys(config_file: Path) -> None:
    original = (
        "# my admin profile\n"
        "[profile admin]\n"
        "region = eu-west-1   \n"
        "; my own setting, keep it\n"
        "cli_pager =\n"
        "sso_role_name = PowerUserAccess\n"
        "\n"
        "[profile other]\n"
        "region = eu-west-1\n"
    )
    config_file.write_bytes(original.encode())
    plan = plan_admin(config_file)

    with pytest.raises(ConfigConflictError) as caught:
        write_config(plan, now=NOW)
    error = caught.value
    assert error.section == "profile admin"
    assert ("region", "eu-west-1", "us-east-1") in error.differences
    assert ("sso_role_name", "PowerUserAccess", "AdministratorAccess") in error.differences
    assert "replace_conflicts=True" in str(error) and "another profile name" in str(error)
    assert isinstance(error, RunbookError)
    assert config_file.read_bytes() == original.encode()
    assert sorted(path.name for path in config_file.parent.iterdir()) == ["config"]

    result = write_config(plan, replace_conflicts=True, now=NOW)

    assert result.sections_replaced == ("profile admin",)
    assert result.sections_added == ("sso-session my-sso",)
    assert config_file.read_text() == (
        "# my admin profile\n"
        "[profile admin]\n"
        "region = us-east-1\n"
        "; my own setting, keep it\n"
        "cli_pager =\n"
        "sso_role_name = AdministratorAccess\n"
        "sso_session = my-sso\n"
        "sso_account_id = 123456789012\n"
        "output = json\n"
        "\n"
        "[profile other]\n"
        "region = eu-west-1\n"
        "\n"
        "[sso-session my-sso]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    assert result.backup_path is not None and result.backup_path.read_bytes() == original.encode()
    assert_botocore_reads_admin()
    assert botocore_profile("admin")["cli_pager"] == ""
    assert botocore_profile("other") == {"region": "eu-west-1"}


def test_replacing_a_legacy_sso_profile_moves_sign_in_to_the_session(config_file: Path) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    plan = plan_admin(config_file, profile_name="legacy-sso")
    with pytest.raises(ConfigConflictError):
        write_config(plan)
    assert config_file.read_bytes() == REAL_WORLD.encode()

    write_config(plan, replace_conflicts=True, now=NOW)

    text = config_file.read_text()
    before, _, after = REAL_WORLD.partition("[profile legacy-sso]\n")
    assert text.startswith(before + "[profile legacy-sso]\n")
    assert after.partition("\n[profile ci]")[2] in text  # everything after the profile
    assert_botocore_reads_admin("legacy-sso")


def test_botocore_refuses_a_profile_inconsistent_with_its_session(config_file: Path) -> None:
    # Why a legacy profile's sso_start_url must go when it gets an sso_session.
    config_file.write_text(
        ADMIN_SECTIONS.replace(
            "output = json\n",
            "output = json\nsso_start_url = https://d-0000000000.awsapps.com/start\n",
        )
    )
    with pytest.raises(botocore.exceptions.InvalidConfigError, match="inconsistent"):
        botocore.session.Session(profile="admin").get_credentials()


def test_crlf_files_stay_crlf(config_file: Path) -> None:
    admin = "[profile admin]\nregion = eu-west-2\n\n"
    original = REAL_WORLD.replace("# the old way", admin + "# the old way").replace("\n", "\r\n")
    config_file.write_bytes(original.encode())
    plan = plan_admin(config_file)
    session_section = ADMIN_SECTIONS.split("\n\n")[1]
    assert plan.added_text == session_section.replace("\n", "\r\n")

    write_config(plan, replace_conflicts=True, now=NOW)

    data = config_file.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    before, _, after = original.partition("region = eu-west-2\r\n")
    replaced = (
        "region = us-east-1\r\n"
        "sso_session = my-sso\r\n"
        "sso_account_id = 123456789012\r\n"
        "sso_role_name = AdministratorAccess\r\n"
        "output = json\r\n"
    )
    appended = "\r\n" + session_section.replace("\n", "\r\n")
    assert data == (before + replaced + after + appended).encode()
    assert_botocore_reads_admin()


def test_a_missing_final_newline_is_handled(config_file: Path) -> None:
    config_file.write_bytes(b"[default]\nregion = eu-west-1")
    write_config(plan_admin(config_file), now=NOW)
    expected = b"[default]\nregion = eu-west-1\n\n" + ADMIN_SECTIONS.encode()
    assert config_file.read_bytes() == expected
    assert_botocore_reads_admin()
    assert botocore_profile("default") == {"region": "eu-west-1"}


def test_a_replaced_last_line_without_newline(config_file: Path) -> None:
    original = "[sso-session my-sso]\nsso_start_url = https://d-9999999999.awsapps.com/start"
    config_file.write_bytes(original.encode())
    plan = plan_config_file([], [my_session()], path=config_file)
    assert plan.changes[0].action == "conflict"
    write_config(plan, replace_conflicts=True, now=NOW)
    assert config_file.read_text() == (
        "[sso-session my-sso]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def test_a_failed_rename_leaves_the_file_and_folder_as_they_were(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    listing = folder_listing(config_file.parent)
    plan = plan_admin(config_file)

    def refuse(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_config.os, "replace", refuse)
    with pytest.raises(ConfigFileError) as caught:
        write_config(plan, now=NOW)
    assert "could not be written" in str(caught.value)
    assert caught.value.path == config_file
    assert folder_listing(config_file.parent) == listing  # no temporary file, no backup


def test_a_symlinked_config_stays_a_link(config_file: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "aws-config"
    real.write_text("[default]\nregion = eu-west-1\n")
    config_file.symlink_to(real)

    result = write_config(plan_admin(config_file), now=NOW)

    assert config_file.is_symlink() and config_file.resolve() == real
    assert real.read_text() == "[default]\nregion = eu-west-1\n\n" + ADMIN_SECTIONS
    assert result.backup_path == real.with_name(f"aws-config.{NOW:%Y%m%dT%H%M%S}.bak")
    assert_botocore_reads_admin()


def test_a_file_changed_since_the_plan_is_refused(config_file: Path) -> None:
    config_file.write_text("[default]\nregion = eu-west-1\n")
    plan = plan_admin(config_file)
    config_file.write_text("[default]\nregion = eu-west-2\n")
    with pytest.raises(ConfigFileError) as caught:
        write_config(plan, now=NOW)
    assert caught.value.line_number == 2
    assert "changed since the plan" in str(caught.value)
    assert config_file.read_text() == "[default]\nregion = eu-west-2\n"
    assert sorted(path.name for path in config_file.parent.iterdir()) == ["config"]


def test_write_config_takes_an_explicit_path_else_config_path(
    tmp_path: Path, config_file: Path
) -> None:
    target = tmp_path / "explicit" / "config"
    plan = plan_config_changes("", [admin_profile()], [my_session()])
    result = write_config(plan, path=target, now=NOW)
    assert result.path == target and target.read_text() == ADMIN_SECTIONS
    assert not config_file.exists()
    # A plan made from text alone is written to AWS_CONFIG_FILE.
    result = write_config(plan, now=NOW)
    assert result.path == config_file and config_file.read_text() == ADMIN_SECTIONS


def test_several_conflicts_are_all_named(config_file: Path) -> None:
    config_file.write_text(
        "[profile admin]\nregion = eu-west-1\n[sso-session my-sso]\nsso_region = eu-west-1\n"
    )
    with pytest.raises(ConfigConflictError) as caught:
        write_config(plan_admin(config_file))
    assert caught.value.section == "profile admin"
    assert caught.value.other_sections == ("sso-session my-sso",)
    assert caught.value.differences[0] == KeyDifference("sso_session", None, "my-sso")
    assert "[sso-session my-sso]" in str(caught.value)


def test_replacing_a_multi_line_value_drops_its_lines_but_not_comments(config_file: Path) -> None:
    original = (
        "[profile admin]\n"
        "sso_session = my-sso\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\n"
        "region = us-east-1\n"
        "output =\n"
        "    # why this is nested\n"
        "    format = json\n"
        "mine = 1\n"
    )
    config_file.write_text(original + "\n" + ADMIN_SECTIONS.split("\n\n")[1])
    plan = plan_admin(config_file)
    assert plan.changes[0].differences == (KeyDifference("output", "\nformat = json", "json"),)
    write_config(plan, replace_conflicts=True, now=NOW)
    assert config_file.read_text().startswith(
        original.replace("output =\n", "output = json\n").replace("    format = json\n", "")
    )
    assert_botocore_reads_admin()
    assert botocore_profile("admin")["mine"] == "1"


# ------------------------------------------------------------------------------------------
# Refused files: botocore could not read them either, and they stay untouched

MALFORMED = {
    "key before any section": ("region = us-east-1\n[default]\n", 1),
    "text before any section": ("hello\n[default]\n", 1),
    "unterminated section": ("[default]\nregion = us-east-1\n[profile admin\nregion = x\n", 3),
    "key without =": ("[default]\nregion = us-east-1\noutput json\n", 3),
    "key without name": ("[default]\n= us-east-1\n", 2),
    "section twice": ("[default]\nregion = a\n[profile x]\n[default]\n", 4),
    "key twice, letter case ignored": ("[default]\nregion = a\nRegion = b\n", 3),
    "nested block line without =": ("[profile x]\ns3 =\n  addressing_style path\n", 3),
    "byte order mark": ("\ufeff[default]\nregion = us-east-1\n", 1),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_refused_untouched(case: str, config_file: Path) -> None:
    text, line_number = MALFORMED[case]
    config_file.write_bytes(text.encode())
    with pytest.raises(botocore.exceptions.ConfigParseError):
        botocore.configloader.load_config(str(config_file))

    with pytest.raises(ConfigFileError) as caught:
        plan_admin(config_file)

    error = caught.value
    assert error.path == config_file and error.line_number == line_number
    assert f"{config_file}, line {line_number}" in str(error)
    assert "not changed" in str(error)
    assert config_file.read_bytes() == text.encode()
    assert sorted(path.name for path in config_file.parent.iterdir()) == ["config"]


def test_a_folder_is_refused(config_file: Path) -> None:
    config_file.mkdir()
    with pytest.raises(ConfigFileError, match="is a folder"):
        plan_admin(config_file)
    plan = plan_config_changes("", [admin_profile()], [my_session()])
    with pytest.raises(ConfigFileError, match="is a folder"):
        write_config(plan, path=config_file)
    assert config_file.is_dir() and not any(config_file.iterdir())


def test_a_file_that_is_not_utf8_is_refused_untouched(config_file: Path) -> None:
    data = "[default]\n# caf\u00e9\n".encode("latin-1")
    config_file.write_bytes(data)
    with pytest.raises(ConfigFileError) as caught:
        plan_admin(config_file)
    assert caught.value.line_number == 2 and "UTF-8" in str(caught.value)
    plan = plan_config_changes("", [admin_profile()], [my_session()])
    with pytest.raises(ConfigFileError):
        write_config(plan, path=config_file)
    assert config_file.read_bytes() == data


def test_an_unreadable_file_is_refused_untouched(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text("[default]\n")
    real_read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == config_file:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigFileError, match="permission denied") as caught:
        plan_admin(config_file)
    assert caught.value.line_number is None
    plan = plan_config_changes("[default]\n", [admin_profile()], [my_session()])
    with pytest.raises(ConfigFileError, match="permission denied"):
        write_config(plan, path=config_file)
    monkeypatch.undo()
    assert config_file.read_bytes() == b"[default]\n"
    assert sorted(path.name for path in config_file.parent.iterdir()) == ["config"]


def test_a_file_without_read_permission_is_refused(config_file: Path) -> None:
    config_file.write_text("[default]\n")
    config_file.chmod(0o000)
    try:
        if os.access(config_file, os.R_OK):
            pytest.skip("this user reads files whatever their mode (root with CAP_DAC_OVERRIDE)")
        with pytest.raises(ConfigFileError, match="permission denied"):
            plan_admin(config_file)
    finally:
        config_file.chmod(0o600)
    assert config_file.read_bytes() == b"[default]\n"


def test_a_file_whose_indentation_would_change_meaning_is_refused(config_file: Path) -> None:
    # configparser reads an indented header after a key as part of that key's value; inserting
    # a key above it would change what the AWS CLI reads, so the file is refused.
    original = "[profile admin]\n  [profile other]\nregion = eu-west-1\n"
    config_file.write_text(original)
    read = botocore.configloader.raw_config_parse(str(config_file))
    assert set(read) == {"profile admin", "profile other"}
    with pytest.raises(ConfigFileError, match="cannot be changed safely"):
        plan_admin(config_file)
    assert config_file.read_text() == original


# ------------------------------------------------------------------------------------------
# The parser reads what botocore reads

VALID_FILES = {
    "real world": REAL_WORLD,
    "real world, CRLF": REAL_WORLD.replace("\n", "\r\n"),
    "real world, old Mac CR": REAL_WORLD.replace("\n", "\r"),
    "after writing": REAL_WORLD + "\n" + ADMIN_SECTIONS,
    "delimiters and case": "[profile a]\nKey: value = 1\nOther=x:y\n  indented = kept\n",
    "inline comments stay in values": "[default]\nregion = us-east-1 # not a comment\n",
    "continuation with blank lines": (
        "[default]\nkey = one\n\n   two\n\n# c\n   three\n\nnext = 1\n"
    ),
    "DEFAULT section": (
        "[DEFAULT]\nregion = eu-west-1\n[profile a]\noutput = json\n[DEFAULT]\nfoo = 1\n"
    ),
    "quoted profile name": '[profile "a"]\nregion = us-east-1\n',
    "header with trailing text": "[default] # note\nregion = us-east-1\n",
    "empty": "",
    "only comments": "# one\n\n; two\n",
}


@pytest.mark.parametrize("case", sorted(VALID_FILES))
def test_parser_reads_what_botocore_reads(case: str, tmp_path: Path) -> None:
    text = VALID_FILES[case]
    path = tmp_path / "config"
    path.write_bytes(text.encode())
    assert parse_config_text(text) == botocore.configloader.raw_config_parse(
        str(path), parse_subsections=False
    )


def test_quoted_profile_name_counts_as_present() -> None:
    text = VALID_FILES["quoted profile name"]
    plan = plan_config_changes(text, [admin_profile(profile_name="a")], [my_session()])
    assert plan.changes[0].action == "conflict" and plan.changes[0].line_number == 1
