"""Tests for runbook_lib.awsconfig.plan: pure planning, each section a runbook Change."""

from __future__ import annotations

from pathlib import Path

import botocore.configloader
import pytest
from awsconfig_examples import (
    ADMIN,
    ADMIN_SECTIONS,
    MY_SSO,
    REAL_WORLD,
    START_URL,
    admin_profile,
    my_session,
    plan_admin,
    point_aws_config_file,
)

from runbook_lib.awsconfig import (
    WRITE_SECTION,
    KeyDifference,
    SsoProfile,
    SsoSession,
    kept_keys,
    key_differences,
    plan_config_changes,
)
from runbook_lib.errors import ConfigFileError, InputError
from runbook_lib.plan import Plan


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AWS_CONFIG_FILE at a file (not created) in a folder of its own."""
    return point_aws_config_file(tmp_path, monkeypatch)


ADMIN_VALUES = {
    "sso_session": "my-sso",
    "sso_account_id": "123456789012",
    "sso_role_name": "AdministratorAccess",
    "region": "us-east-1",
    "output": "json",
}
SESSION_VALUES = {"sso_start_url": START_URL, "sso_region": "us-east-1", "sso_registration_scopes": "sso:account:access"}


def test_planning_checks_hand_made_dataclasses_again() -> None:
    # A frozen dataclass can be built without build_sso_profile: a newline must never reach
    # the file, where it would start a section of its own.
    sneaky = SsoProfile("admin", "my-sso", "123456789012", "Admin\n[default]", "us-east-1")
    with pytest.raises(InputError) as caught:
        plan_config_changes("", [sneaky], [my_session()])
    assert caught.value.field == "role_name"
    with pytest.raises(InputError) as caught:
        plan_config_changes("", [], [SsoSession("my-sso", "https://evil.example/start", "us-east-1")])
    assert caught.value.field == "start_url"


def test_planning_refuses_names_given_twice_and_unknown_sessions() -> None:
    with pytest.raises(InputError) as caught:
        plan_config_changes("", [admin_profile(), admin_profile(role_name="ReadOnly")], [my_session()])
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
    assert [change.action for change in plan.changes] == ["create"]


def test_plan_for_an_empty_file_is_what_aws_configure_sso_writes() -> None:
    plan = plan_config_changes("", [admin_profile()], [my_session()])
    assert [(change.address, change.action) for change in plan.changes] == [(ADMIN, "create"), (MY_SSO, "create")]
    assert [(change.before, change.after) for change in plan.changes] == [
        (None, ADMIN_VALUES), (None, SESSION_VALUES)
    ]
    assert all(change.operation == WRITE_SECTION for change in plan.changes)
    assert plan.added_text == ADMIN_SECTIONS
    assert plan.new_text == ADMIN_SECTIONS
    assert not plan.nothing_to_write and not plan.conflicts
    assert plan.additions == plan.changes and plan.line_number(ADMIN) is None
    assert "+[profile admin]" in plan.diff and "+[sso-session my-sso]" in plan.diff


def test_default_profile_is_written_as_default_section() -> None:
    plan = plan_config_changes("", [admin_profile(profile_name="default")], [my_session()])
    assert plan.added_text.startswith("[default]\nsso_session = my-sso\n")
    assert "[profile default]" not in plan.new_text
    # botocore reads [profile default] as the default profile too: it counts as present.
    existing = "[profile default]\nregion = eu-west-1\n"
    plan = plan_config_changes(existing, [admin_profile(profile_name="default")], [my_session()])
    assert plan.changes[0].action == "conflict"
    assert plan.changes[0].address == "aws_config_profile.default"
    assert plan.line_number(plan.changes[0].address) == 1 and "(line 1)" in plan.changes[0].detail


def test_present_sections_with_our_values_are_no_op_and_extra_keys_kept() -> None:
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
    assert [change.action for change in plan.changes] == ["no-op", "no-op"]
    assert [change.operation for change in plan.changes] == ["", ""]
    assert kept_keys(plan.changes[0]) == ("cli_pager",)
    assert plan.changes[0].before == plan.changes[0].after == {**ADMIN_VALUES, "cli_pager": ""}
    assert "cli_pager" in plan.changes[0].detail
    assert "do not count as a difference" in plan.changes[0].detail
    assert plan.nothing_to_write and plan.new_text == existing
    assert plan.diff == "" and plan.added_text == ""
    assert plan.to_plan("05_configure_aws_cli").is_empty
    assert plan.to_plan("05_configure_aws_cli").api_changes == ()


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
    assert plan.changes[0].action == "no-op"
    # There are no inline comments in botocore's parser: the comment is part of the value.
    commented = existing.replace("output = json", "output = json # mine")
    plan = plan_config_changes(commented, [admin_profile()], [my_session()])
    assert key_differences(plan.changes[0]) == (KeyDifference("output", "json # mine", "json"),)


def test_conflict_shows_old_and_new_values_side_by_side() -> None:
    existing = "[profile admin]\nsso_session = my-sso\nregion = eu-west-1\nmine = 1\n"
    plan = plan_config_changes(existing, [admin_profile()], [my_session()])
    admin = plan.changes[0]
    assert admin.action == "conflict" and admin.operation == ""
    assert key_differences(admin) == (
        KeyDifference("sso_account_id", None, "123456789012"),
        KeyDifference("sso_role_name", None, "AdministratorAccess"),
        KeyDifference("region", "eu-west-1", "us-east-1"),
        KeyDifference("output", None, "json"),
    )
    assert admin.before == {"sso_session": "my-sso", "region": "eu-west-1", "mine": "1"}
    assert admin.after == {**ADMIN_VALUES, "mine": "1"}
    assert kept_keys(admin) == ("mine",)
    assert "'eu-west-1' -> 'us-east-1'" in admin.detail
    assert "replace_conflicts=True" in admin.detail
    assert plan.conflicts == (admin,)
    assert "-region = eu-west-1" in plan.diff and "+region = us-east-1" in plan.diff
    table = plan.to_plan("05_configure_aws_cli").to_frame()
    assert table["action"].tolist() == ["conflict", "create"]
    assert table["before"][0] == "sso_session=my-sso, region=eu-west-1, mine=1"
    assert table["after"][0].startswith("sso_session=my-sso, sso_account_id=123456789012, ")
    assert plan.to_plan("05").describe().splitlines()[0].startswith(f"conflict {ADMIN}: Already there (line 1)")


def test_a_conflict_becomes_an_update_only_with_replace_conflicts() -> None:
    existing = "[profile admin]\nsso_session = my-sso\nregion = eu-west-1\nmine = 1\n"
    shown = plan_config_changes(existing, [admin_profile()], [my_session()])
    replacing = plan_config_changes(existing, [admin_profile()], [my_session()], replace_conflicts=True)
    admin = replacing.changes[0]
    assert admin.action == "update" and admin.operation == WRITE_SECTION
    assert (admin.before, admin.after) == (shown.changes[0].before, shown.changes[0].after)
    assert "replace_conflicts=True" in admin.detail and not replacing.conflicts
    assert replacing.updates == (admin,) and replacing.new_text == shown.new_text
    assert admin in Plan("05", replacing.changes).api_changes


def test_legacy_sso_profile_of_the_same_name_is_a_conflict_and_others_are_left_alone() -> None:
    legacy_profile = admin_profile(profile_name="legacy-sso")
    plan = plan_config_changes(REAL_WORLD, [legacy_profile], [my_session()])
    legacy = plan.changes[0]
    assert legacy.action == "conflict"
    assert key_differences(legacy) == (
        KeyDifference("sso_session", None, "my-sso"),
        KeyDifference("sso_account_id", "210987654321", "123456789012"),
        KeyDifference("sso_role_name", "ReadOnlyAccess", "AdministratorAccess"),
        KeyDifference("region", "eu-west-1", "us-east-1"),
        KeyDifference("output", None, "json"),
        KeyDifference("sso_start_url", "https://d-9999999999.awsapps.com/start", None),
        KeyDifference("sso_region", "eu-west-1", None),
    )
    assert "legacy SSO profile" in legacy.detail
    assert "sso_start_url" in legacy.before and "sso_start_url" not in legacy.after
    # Planning another profile does not touch the legacy one.
    plan = plan_config_changes(REAL_WORLD, [admin_profile()], [my_session()])
    assert [change.action for change in plan.changes] == ["create", "create"]
    assert plan.new_text.startswith(REAL_WORLD)


def test_a_profile_defined_by_two_sections_is_refused() -> None:
    existing = "[profile admin]\nregion = us-east-1\n\n[profile  'admin']\nregion = eu-west-1\n"
    with pytest.raises(ConfigFileError) as caught:
        plan_config_changes(existing, [admin_profile()], [my_session()])
    assert caught.value.line_number == 4
    assert "lines 1, 4" in str(caught.value)


def test_quoted_profile_name_counts_as_present() -> None:
    text = '[profile "a"]\nregion = us-east-1\n'
    plan = plan_config_changes(text, [admin_profile(profile_name="a")], [my_session()])
    assert plan.changes[0].action == "conflict" and plan.line_number(plan.changes[0].address) == 1


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
# Moving a profile to a session of its own (one sign-in per person)

SHARED = (
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


def own_session_plan(existing: str, **options: bool):
    """Plan the admin profile onto an sso-session of its own, ``my-sso-admin``."""
    return plan_config_changes(
        existing, [admin_profile(sso_session="my-sso-admin")], [my_session(name="my-sso-admin")], **options
    )


def test_a_profile_moving_to_its_own_session_of_the_same_sign_in_is_an_update() -> None:
    plan = own_session_plan(SHARED, allow_session_moves=True)
    move, session = plan.changes
    assert (move.action, move.operation) == ("update", WRITE_SECTION)
    assert key_differences(move) == (KeyDifference("sso_session", "my-sso", "my-sso-admin"),)
    assert move.before["sso_session"] == "my-sso" and move.after["sso_session"] == "my-sso-admin"
    assert "Moves from sso-session 'my-sso' to 'my-sso-admin'" in move.detail
    assert "[sso-session my-sso] stays in the file; no profile uses it once this is applied" in move.detail
    assert (session.address, session.action) == ("aws_config_sso_session.my-sso-admin", "create")
    assert not plan.conflicts
    assert plan.new_text.startswith(SHARED.replace("sso_session = my-sso\n", "sso_session = my-sso-admin\n"))
    assert "[sso-session my-sso]\n" in plan.new_text  # the old session is left in place


def test_a_session_move_says_who_still_uses_the_old_session() -> None:
    other = "\n[profile reports]\nsso_session = my-sso\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n"
    plan = own_session_plan(SHARED + other, allow_session_moves=True)
    assert "profile reports still uses it" in plan.changes[0].detail


@pytest.mark.parametrize(
    ("existing", "why"),
    [
        (SHARED, "moves not allowed"),
        (SHARED.replace(START_URL, "https://d-0000000000.awsapps.com/start"), "another portal"),
        (SHARED.replace("sso_region = us-east-1", "sso_region = eu-west-1"), "another region"),
        (SHARED.replace("[sso-session my-sso]", "[sso-session gone]"), "old session not in the file"),
        (SHARED.replace("sso_role_name = AdministratorAccess", "sso_role_name = ReadOnly"), "another role too"),
    ],
)
def test_anything_more_than_a_move_stays_a_conflict(existing: str, why: str) -> None:
    plan = own_session_plan(existing, allow_session_moves=why != "moves not allowed")
    assert plan.changes[0].action == "conflict", why
