"""Step 05: the profiles `aws configure sso` would write, planned, written and read back."""

from __future__ import annotations

import pytest

from runbook_lib import cli_config
from runbook_lib.aws import AwsContext
from runbook_lib.errors import IdentityCenterNotEnabledError, InputError
from runbook_lib.steps import cli_profiles
from runbook_lib.steps.identity_center import require_instance

FIELDS = dict(
    account_id="123456789012", region="eu-west-1", sso_region="", portal_url="https://d-1234567890.awsapps.com/start",
    session_name="my-sso", developer_profile="ada-developer", developer_role="DeveloperAccess",
    admin_profile="admin", admin_role="AdministratorAccess", output="json",
)


def test_two_profiles_share_one_session_in_the_identity_center_region():
    profiles, session = cli_profiles.build_profiles(**FIELDS)
    assert [(p.profile_name, p.role_name, p.sso_session) for p in profiles] == [
        ("ada-developer", "DeveloperAccess", "my-sso"), ("admin", "AdministratorAccess", "my-sso")]
    assert (session.start_url, session.sso_region) == ("https://d-1234567890.awsapps.com/start", "eu-west-1")


@pytest.mark.parametrize(("field", "value", "reported"), [
    ("portal_url", "https://example.com/start", "portal_url"),
    ("region", "eu-west-9", "region"),
    ("sso_region", "mars-1", "sso_region"),
    ("developer_profile", "ada developer", "profile_name"),
    ("account_id", "1234", "account_id"),
    ("output", "xml", "output"),
])
def test_bad_fields_are_refused_before_any_file_is_touched(field, value, reported, tmp_path):
    with pytest.raises(InputError) as refused:
        cli_profiles.build_profiles(**{**FIELDS, field: value})
    assert refused.value.field == reported


def test_plan_write_verify_then_nothing_left(tmp_path):
    path = tmp_path / "config"
    path.write_text("# mine\n[profile other]\nregion = us-west-2\n")
    profiles, session = cli_profiles.build_profiles(**FIELDS)
    config_plan = cli_config.plan_config_file(profiles, [session], path=path)
    plan = cli_profiles.plan_from_config_plan(config_plan, replace_conflicts=False)
    assert [(c.action, c.resource) for c in plan.changes] == [
        ("create", "[profile ada-developer]"), ("create", "[profile admin]"), ("create", "[sso-session my-sso]")]
    assert not cli_profiles.verify_profiles(path, profiles, session).passed
    cli_config.write_config(config_plan, path=path)
    verification = cli_profiles.verify_profiles(path, profiles, session)
    assert verification.passed, verification.failures
    private = [check for check in verification.checks if check.check_id == "cli_config_file_private"]
    assert [check.status for check in private] == ["WARN"]  # the person's file was 0644; kept so
    assert path.read_text().startswith("# mine\n[profile other]\nregion = us-west-2\n")
    again = cli_config.plan_config_file(profiles, [session], path=path)
    assert cli_profiles.plan_from_config_plan(again, replace_conflicts=False).is_empty


def test_a_conflict_is_shown_and_becomes_an_update_only_when_asked(tmp_path):
    path = tmp_path / "config"
    path.write_text("[profile admin]\nsso_session = my-sso\nsso_account_id = 999999999999\n"
                    "sso_role_name = AdministratorAccess\nregion = eu-west-1\noutput = json\n")
    profiles, session = cli_profiles.build_profiles(**FIELDS)
    config_plan = cli_config.plan_config_file(profiles, [session], path=path)
    shown = cli_profiles.plan_from_config_plan(config_plan, replace_conflicts=False)
    assert [c.action for c in shown.changes if c.resource == "[profile admin]"] == ["conflict"]
    assert not [c for c in shown.api_changes if c.resource == "[profile admin]"]
    replacing = cli_profiles.plan_from_config_plan(config_plan, replace_conflicts=True)
    assert [c.action for c in replacing.changes if c.resource == "[profile admin]"] == ["update"]


def test_the_sandbox_writes_its_own_config_file_never_the_persons(ctx: AwsContext, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "mine"))
    assert cli_profiles.resolve_config_file(ctx, "") == cli_profiles.sandbox_config_file()
    assert cli_profiles.resolve_config_file(ctx, str(tmp_path / "x")) == tmp_path / "x"
    ctx.target = "profile"  # what a real account's context says
    assert cli_profiles.resolve_config_file(ctx, "") == tmp_path / "mine"
    assert cli_profiles.environment_hint(tmp_path / "mine") == ""
    assert "AWS_CONFIG_FILE" in cli_profiles.environment_hint(tmp_path / "elsewhere")


def test_portal_url_is_the_given_one_or_the_instances_classic_form(sandbox, ctx: AwsContext):
    with pytest.raises(IdentityCenterNotEnabledError):
        cli_profiles.resolve_portal_url(ctx, "")
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    instance = require_instance(ctx)
    assert cli_profiles.resolve_portal_url(ctx, "") == f"https://{instance.identity_store_id}.awsapps.com/start"
    given = "https://my-team.awsapps.com/start/#/"
    assert cli_profiles.resolve_portal_url(ctx, given) == "https://my-team.awsapps.com/start"
