"""Tests for runbook_lib.awsconfig.write: finding the file as botocore does, and writing a plan
section by section through the appliers (atomic, one backup per run, every other byte kept)."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import botocore.exceptions
import botocore.session
import pytest
from awsconfig_examples import (
    ADMIN_SECTIONS,
    BACKUP_NAME,
    NOW,
    REAL_WORLD,
    START_URL,
    admin_profile,
    assert_botocore_reads_admin,
    botocore_profile,
    folder_listing,
    my_session,
    plan_admin,
    point_aws_config_file,
)

from runbook_lib.awsconfig import (
    APPLIERS,
    WRITE_SECTION,
    ConfigWriter,
    KeyDifference,
    find_config_file,
    key_differences,
    plan_config_changes,
    plan_config_file,
    read_config_text,
    write_config,
)
from runbook_lib.errors import ConfigConflictError, ConfigFileError, RunbookError
from runbook_lib.plan import Change, Plan, UnknownOperationError, apply_plan


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AWS_CONFIG_FILE at a file (not created) in a folder of its own."""
    return point_aws_config_file(tmp_path, monkeypatch)


# ------------------------------------------------------------------------------------------
# Where the file is: botocore's own config_file setting


def test_find_config_file_honours_aws_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "elsewhere"))
    assert find_config_file() == tmp_path / "elsewhere"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_CONFIG_FILE", "~/custom/config")
    assert find_config_file() == tmp_path / "home" / "custom" / "config"
    monkeypatch.setenv("WHERE", str(tmp_path / "vars"))
    monkeypatch.setenv("AWS_CONFIG_FILE", "$WHERE/config")
    assert find_config_file() == tmp_path / "vars" / "config"


def test_find_config_file_defaults_to_home_expanded_at_call_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "one"))
    assert find_config_file() == tmp_path / "one" / ".aws" / "config"
    monkeypatch.setenv("HOME", str(tmp_path / "two"))
    assert find_config_file() == tmp_path / "two" / ".aws" / "config"


def test_find_config_file_asks_botocore(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked = []

    def config_variable(self: botocore.session.Session, name: str) -> str:
        asked.append(name)
        return str(tmp_path / "from-botocore")

    monkeypatch.setattr(botocore.session.Session, "get_config_variable", config_variable)
    assert find_config_file() == tmp_path / "from-botocore" and asked == ["config_file"]


def test_an_empty_aws_config_file_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore reads no config file at all then; writing ~/.aws/config would not be used.
    monkeypatch.setenv("AWS_CONFIG_FILE", "")
    assert botocore.session.Session().get_config_variable("config_file") == ""
    with pytest.raises(ConfigFileError, match="AWS_CONFIG_FILE is set but empty"):
        find_config_file()


def test_read_config_text_is_empty_for_no_file(config_file: Path) -> None:
    assert read_config_text() == ""
    config_file.write_bytes(b"[default]\r\nregion = us-east-1")
    assert read_config_text() == "[default]\r\nregion = us-east-1"


# ------------------------------------------------------------------------------------------
# The appliers: apply_plan drives them, one section each, one backup per run


def test_apply_plan_writes_section_by_section_with_one_backup(config_file: Path) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    plan = plan_admin(config_file)
    writer = ConfigWriter.for_plan(plan, now=NOW)

    done = apply_plan(plan.to_plan("05_configure_aws_cli"), APPLIERS, writer)

    assert done == [
        f"Added [profile admin] to {config_file}. The file as it was is kept in {config_file.with_name(BACKUP_NAME)}.",
        f"Added [sso-session my-sso] to {config_file}.",
    ]
    assert config_file.read_bytes() == plan.new_text.encode() == (REAL_WORLD + "\n" + ADMIN_SECTIONS).encode()
    assert folder_listing(config_file.parent) == {"config": plan.new_text.encode(), BACKUP_NAME: REAL_WORLD.encode()}
    assert writer.result().sections_added == ("profile admin", "sso-session my-sso")
    assert_botocore_reads_admin()


def test_a_rerun_plans_no_op_and_writes_nothing(config_file: Path) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    apply_plan(plan_admin(config_file).to_plan("05"), APPLIERS, ConfigWriter.for_plan(plan_admin(config_file)))
    past = 1_600_000_000_000_000_000
    os.utime(config_file, ns=(past, past))
    listing = folder_listing(config_file.parent)

    again = plan_admin(config_file)
    assert [change.action for change in again.changes] == ["no-op", "no-op"]
    assert again.to_plan("05").is_empty
    assert apply_plan(again.to_plan("05"), APPLIERS, ConfigWriter.for_plan(again)) == []
    assert config_file.stat().st_mtime_ns == past and folder_listing(config_file.parent) == listing


def test_an_operation_without_an_applier_applies_nothing(config_file: Path) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    plan = plan_admin(config_file)
    odd = Change("delete", "aws_config_profile.legacy-sso", "Remove it.", "delete_section", {"region": "x"}, None)
    with pytest.raises(UnknownOperationError) as caught:
        apply_plan(Plan("05", plan.changes + (odd,)), APPLIERS, ConfigWriter.for_plan(plan))
    assert caught.value.operations == ["delete_section"] and set(APPLIERS) == {WRITE_SECTION}
    assert folder_listing(config_file.parent) == {"config": REAL_WORLD.encode()}


def test_a_conflict_left_in_the_plan_stops_every_write(config_file: Path) -> None:
    config_file.write_text("[profile admin]\nregion = eu-west-1\n")
    plan = plan_admin(config_file)
    assert [change.action for change in plan.changes] == ["conflict", "create"]
    with pytest.raises(ConfigConflictError) as caught:
        apply_plan(plan.to_plan("05"), APPLIERS, ConfigWriter.for_plan(plan))
    assert caught.value.section == "profile admin"
    assert folder_listing(config_file.parent) == {"config": b"[profile admin]\nregion = eu-west-1\n"}


def test_a_file_changed_between_two_sections_is_refused(config_file: Path) -> None:
    plan = plan_admin(config_file)
    writer = ConfigWriter.for_plan(plan, now=NOW)
    writer.write_section(plan.changes[0])
    config_file.write_text(config_file.read_text() + "# edited meanwhile\n")
    with pytest.raises(ConfigFileError, match="changed since the plan"):
        writer.write_section(plan.changes[1])
    assert "[sso-session" not in config_file.read_text()


def test_a_failure_on_the_second_section_keeps_the_first_and_its_backup(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_bytes(REAL_WORLD.encode())
    plan = plan_admin(config_file)
    real_replace = os.replace
    calls = []

    def second_fails(source: str, destination: str) -> None:
        calls.append(destination)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(ConfigFileError) as caught:
        write_config(plan, now=NOW)
    assert "[sso-session my-sso] was not written" in str(caught.value)
    assert f"(written before it: [profile admin]; the file as it was is kept in {config_file.with_name(BACKUP_NAME)})" in str(caught.value)
    monkeypatch.undo()
    assert config_file.read_text() == REAL_WORLD + "\n" + ADMIN_SECTIONS.split("\n\n")[0] + "\n"
    assert config_file.with_name(BACKUP_NAME).read_bytes() == REAL_WORLD.encode()
    assert sorted(folder_listing(config_file.parent)) == ["config", BACKUP_NAME]


# ------------------------------------------------------------------------------------------
# Writing a whole plan (write_config runs the same appliers)


def test_write_adds_sections_keeping_every_other_byte_and_botocore_reads_them(config_file: Path) -> None:
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
    assert botocore_profile("ci")["s3"] == {"addressing_style": "path", "max_concurrent_requests": "20"}


def test_a_new_file_is_0600_in_a_new_0700_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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

    result = write_config(plan_admin(config_file, replace_conflicts=True), now=NOW)

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

    write_config(plan_admin(config_file, profile_name="legacy-sso", replace_conflicts=True), now=NOW)

    text = config_file.read_text()
    before, _, after = REAL_WORLD.partition("[profile legacy-sso]\n")
    assert text.startswith(before + "[profile legacy-sso]\n")
    assert after.partition("\n[profile ci]")[2] in text  # everything after the profile
    assert_botocore_reads_admin("legacy-sso")


def test_botocore_refuses_a_profile_inconsistent_with_its_session(config_file: Path) -> None:
    # Why a legacy profile's sso_start_url must go when it gets an sso_session.
    config_file.write_text(
        ADMIN_SECTIONS.replace(
            "output = json\n", "output = json\nsso_start_url = https://d-0000000000.awsapps.com/start\n"
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

    write_config(plan_admin(config_file, replace_conflicts=True), now=NOW)

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
    write_config(plan_config_file([], [my_session()], path=config_file, replace_conflicts=True), now=NOW)
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

    monkeypatch.setattr(os, "replace", refuse)
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
    assert sorted(path.name for path in dotfiles.iterdir()) == ["aws-config", f"aws-config.{NOW:%Y%m%dT%H%M%S}.bak"]
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


def test_write_config_takes_an_explicit_path_else_the_config_file(tmp_path: Path, config_file: Path) -> None:
    target = tmp_path / "explicit" / "config"
    plan = plan_config_changes("", [admin_profile()], [my_session()])
    result = write_config(plan, path=target, now=NOW)
    assert result.path == target and target.read_text() == ADMIN_SECTIONS
    assert not config_file.exists()
    # A plan made from text alone is written to AWS_CONFIG_FILE.
    result = write_config(plan, now=NOW)
    assert result.path == config_file and config_file.read_text() == ADMIN_SECTIONS


def test_several_conflicts_are_all_named(config_file: Path) -> None:
    config_file.write_text("[profile admin]\nregion = eu-west-1\n[sso-session my-sso]\nsso_region = eu-west-1\n")
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
    assert key_differences(plan.changes[0]) == (KeyDifference("output", "\nformat = json", "json"),)
    write_config(plan_admin(config_file, replace_conflicts=True), now=NOW)
    assert config_file.read_text().startswith(
        original.replace("output =\n", "output = json\n").replace("    format = json\n", "")
    )
    assert_botocore_reads_admin()
    assert botocore_profile("admin")["mine"] == "1"


# ------------------------------------------------------------------------------------------
# Files refused as they are


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


def test_an_unreadable_file_is_refused_untouched(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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

