"""Step 05: the profiles `aws configure sso` would write, planned, written and read back."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import botocore.client
import botocore.session
import botocore.tokens
import botocore.utils
import pytest

from runbook_lib.aws import AwsContext, no_access_context
from runbook_lib.awsconfig import ConfigWriter
from runbook_lib.checks import REGISTRY
from runbook_lib.errors import (
    ConfigConflictError,
    IdentityCenterNotEnabledError,
    InputError,
)
from runbook_lib.plan import apply_plan
from runbook_lib.steps import cli_profiles
from runbook_lib.steps.identity_center import require_instance
from aws_guard import refuse_every_aws_call
from notebook_cells import run_notebook_cells

URL = "https://d-1234567890.awsapps.com/start"
DUALSTACK = "https://ssoins-1234567890abcdef.portal.eu-west-1.app.aws"
PARAMETERS = {
    "developer_name": "", "developer_profile": "ada-developer", "developer_role": "DeveloperAccess",
    "admin_profile": "admin", "admin_role": "AdministratorAccess", "session_name": "my-sso", "portal_url": URL,
    "sso_region": "", "output": "json", "config_file": "",
}
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_configure_aws_cli.ipynb"


@pytest.fixture
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any AWS API call (botocore's one door to the network)."""

    def refuse(self: object, operation_name: str, api_params: object) -> None:
        pytest.fail(f"an AWS call was made: {operation_name}")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)


def people(*, sandbox: bool = False, **overrides: object) -> tuple[list, list]:
    """Return the step's profiles and sessions for the example parameters, with overrides."""
    fields = cli_profiles.validate_fields(**{**PARAMETERS, **overrides}).with_defaults(sandbox=sandbox)
    return cli_profiles.build_profiles(fields, account_id="123456789012", region="eu-west-1", portal_url=URL)


def botocore_reader(path: Path, profile: str | None = None) -> botocore.session.Session:
    """Return a botocore session reading only ``path`` (the AWS CLI's own loader)."""
    reader = botocore.session.Session(profile=profile)
    reader.set_config_variable("config_file", str(path))
    return reader


def written_by_the_earlier_version(prefix: str) -> str:
    """Return what step 05 wrote before one sso-session per person: both profiles on one."""
    return (
        "# mine\n[profile other]\nregion = us-west-2\n\n"
        f"[profile ada-developer]\nsso_session = {prefix}\nsso_account_id = 123456789012\n"
        "sso_role_name = DeveloperAccess\nregion = eu-west-1\noutput = json\n\n"
        f"[profile admin]\nsso_session = {prefix}\nsso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\nregion = eu-west-1\noutput = json\n\n"
        f"[sso-session {prefix}]\nsso_start_url = {URL}\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )


# ------------------------------------------------------------------------------------------
# Fields: every one checked before any AWS call, named as the step's parameter


def test_each_person_gets_an_sso_session_of_their_own_in_the_identity_center_region():
    profiles, sessions = people()
    assert [(p.profile_name, p.role_name, p.sso_session) for p in profiles] == [
        ("ada-developer", "DeveloperAccess", "my-sso-developer"), ("admin", "AdministratorAccess", "my-sso-admin")]
    assert [(s.name, s.start_url, s.sso_region) for s in sessions] == [
        ("my-sso-developer", URL, "eu-west-1"), ("my-sso-admin", URL, "eu-west-1")]
    # Empty session_name: my-sso on a real account, clearly sandbox-named in the sandbox.
    assert [s.name for s in people(session_name="")[1]] == ["my-sso-developer", "my-sso-admin"]
    assert [s.name for s in people(session_name="", sandbox=True)[1]] == [
        "runbook-sandbox-developer", "runbook-sandbox-admin"]


def test_the_developer_profile_defaults_to_the_developer_name():
    fields = cli_profiles.validate_fields(**{**PARAMETERS, "developer_profile": "", "developer_name": " grace "})
    assert fields.developer_name == "grace" and fields.developer_profile == ""
    assert fields.with_defaults(sandbox=False).developer_profile == "grace-developer"
    # In the sandbox the example name is handed in when the parameter was empty.
    empty = cli_profiles.validate_fields(**{**PARAMETERS, "developer_profile": ""})
    assert empty.with_defaults(sandbox=True, developer_name="ada").developer_profile == "ada-developer"
    with pytest.raises(InputError) as refused:
        empty.with_defaults(sandbox=False)
    assert refused.value.field == "developer_profile"


def test_the_identity_center_region_is_the_dual_stack_urls_own_else_the_runbooks():
    fields = cli_profiles.validate_fields(**{**PARAMETERS, "portal_url": DUALSTACK}).with_defaults(sandbox=False)
    _, sessions = cli_profiles.build_profiles(fields, account_id="123456789012", region="us-east-1", portal_url=DUALSTACK)
    assert {s.sso_region for s in sessions} == {"eu-west-1"}
    profiles, sessions = people(sso_region="ap-southeast-2")
    assert {s.sso_region for s in sessions} == {"ap-southeast-2"} and {p.region for p in profiles} == {"eu-west-1"}


@pytest.mark.parametrize(("field", "value", "reported"), [
    ("developer_profile", "ada developer", "developer_profile"),
    ("developer_profile", "admin", "developer_profile"),  # the same profile as the Admin's
    ("admin_profile", "my admin", "admin_profile"),
    ("admin_profile", "", "admin_profile"),
    ("admin_profile", "[admin]", "admin_profile"),
    ("developer_role", "Developer Access", "developer_role"),
    ("admin_role", "A" * 33, "admin_role"),
    ("session_name", "my sso", "session_name"),
    ("session_name", "s" * 60, "session_name"),  # s...s-developer would be over 64 characters
    ("portal_url", "https://example.com/start", "portal_url"),
    ("portal_url", "http://d-1234567890.awsapps.com/start", "portal_url"),
    ("sso_region", "mars-1", "sso_region"),
    ("output", "xml", "output"),
    ("config_file", "~/.aws/config\n[default]", "config_file"),
    ("config_file", "/tmp/", "config_file"),
    ("config_file", 7, "config_file"),
    ("developer_name", 7, "developer_name"),
])
def test_bad_fields_are_refused_by_their_own_name_before_any_aws_call(field, value, reported, no_aws_calls):
    overrides = {field: value}
    if field == "developer_name":
        overrides["developer_profile"] = ""
    with pytest.raises(InputError) as refused:
        cli_profiles.validate_fields(**{**PARAMETERS, **overrides})
    assert refused.value.field == reported
    assert f"Correct `{reported}`" in refused.value.advice


def test_a_developer_name_that_makes_a_bad_profile_name_is_named():
    with pytest.raises(InputError) as refused:
        cli_profiles.validate_fields(**{**PARAMETERS, "developer_profile": "", "developer_name": "ada lovelace"})
    assert refused.value.field == "developer_name" and "'ada lovelace-developer'" in refused.value.rule


def test_a_dual_stack_url_and_another_sso_region_are_refused_as_sso_region():
    with pytest.raises(InputError) as refused:
        cli_profiles.validate_fields(**{**PARAMETERS, "portal_url": DUALSTACK, "sso_region": "us-east-1"})
    assert refused.value.field == "sso_region"


def test_a_folder_as_config_file_is_refused(tmp_path):
    with pytest.raises(InputError) as refused:
        cli_profiles.validate_fields(**{**PARAMETERS, "config_file": str(tmp_path)})
    assert refused.value.field == "config_file" and "folder" in refused.value.rule
    assert cli_profiles.validate_fields(**{**PARAMETERS, "config_file": str(tmp_path / "my config")}).config_file == str(
        tmp_path / "my config")


@pytest.mark.parametrize(("argument", "value"), [("account_id", "1234"), ("region", "eu-west-9"), ("portal_url", "x")])
def test_build_profiles_names_the_value_it_is_given(argument, value):
    fields = cli_profiles.validate_fields(**PARAMETERS).with_defaults(sandbox=False)
    given = {"account_id": "123456789012", "region": "eu-west-1", "portal_url": URL, argument: value}
    with pytest.raises(InputError) as refused:
        cli_profiles.build_profiles(fields, **given)
    assert refused.value.field == argument


def test_the_notebook_checks_its_fields_before_it_uses_them():
    """Each field's own rule before the step connects (``begin_step`` with the parameters), then
    all of them together, from the form (its twin), before a profile is built or a file is read."""
    cells = ["".join(cell["source"]) for cell in json.loads(NOTEBOOK.read_text())["cells"] if cell["cell_type"] == "code"]
    connecting = next(source for source in cells if "begin_step(" in source)
    assert "parameters=globals()" in connecting and "form = run.form(globals())" in connecting
    reading = next(source for source in cells if "validate_fields(" in source)
    assert "values = form.values()" in reading
    assert reading.index("validate_fields(**values)") < reading.index("build_step_profiles(") < reading.index(
        "resolve_config_file(")
    assert cells.index(connecting) < cells.index(reading)


# ------------------------------------------------------------------------------------------
# The first profile: the Admin's, from parameters alone


def test_the_admins_profile_needs_no_credentials(no_aws_calls, tmp_path):
    profile, session = cli_profiles.build_admin_profile(
        account_id="123456789012", portal_url=URL + "/#/", sso_region="eu-west-1")
    assert (profile.profile_name, profile.sso_session, profile.role_name, profile.region) == (
        "admin", "my-sso-admin", "AdministratorAccess", "eu-west-1")
    assert (session.name, session.start_url, session.sso_region) == ("my-sso-admin", URL, "eu-west-1")
    # Exactly what the whole step makes for the Admin later: that plan leaves it as it is.
    profiles, sessions = people(session_name="")
    assert (profile, session) == (profiles[1], sessions[1])
    path = tmp_path / "config"
    plan, config_plan = cli_profiles.plan_profiles([profile], [session], path=path)
    apply_plan(plan, cli_profiles.APPLIERS, ConfigWriter.for_plan(config_plan))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    later, _ = cli_profiles.plan_profiles(profiles, sessions, path=path)
    assert {c.address: c.action for c in later.changes} == {
        "aws_config_profile.ada-developer": "create", "aws_config_profile.admin": "no-op",
        "aws_config_sso_session.my-sso-developer": "create", "aws_config_sso_session.my-sso-admin": "no-op"}


def test_the_admins_profile_from_a_dual_stack_url_needs_no_sso_region(no_aws_calls):
    profile, session = cli_profiles.build_admin_profile(
        account_id="123456789012", portal_url=DUALSTACK, sso_region="", region="us-east-1", admin_profile="root-free")
    assert (profile.profile_name, profile.region, session.sso_region) == ("root-free", "us-east-1", "eu-west-1")


@pytest.mark.parametrize(("field", "value"), [
    ("account_id", "12345678901"), ("account_id", 123456789012), ("account_id", ""),
    ("portal_url", ""), ("portal_url", "https://example.com/start"), ("sso_region", ""), ("sso_region", "mars-1"),
    ("admin_role", "Admin Access"), ("admin_profile", "my admin"), ("session_name", "my sso"),
    ("region", "eu-west-9"), ("output", "xml"),
])
def test_the_admins_profile_names_a_bad_parameter(field, value, no_aws_calls):
    given = {"account_id": "123456789012", "portal_url": URL, "sso_region": "eu-west-1", field: value}
    with pytest.raises(InputError) as refused:
        cli_profiles.build_admin_profile(**given)
    assert refused.value.field == field


# ------------------------------------------------------------------------------------------
# Plan, apply through the appliers, verify


def test_plan_write_verify_then_nothing_left(tmp_path):
    path = tmp_path / "config"
    path.write_text("# mine\n[profile other]\nregion = us-west-2\n")
    profiles, sessions = people()
    plan, config_plan = cli_profiles.plan_profiles(profiles, sessions, path=path)
    assert [(c.action, c.address) for c in plan.changes] == [
        ("create", "aws_config_profile.ada-developer"), ("create", "aws_config_profile.admin"),
        ("create", "aws_config_sso_session.my-sso-developer"), ("create", "aws_config_sso_session.my-sso-admin")]
    assert plan.step == cli_profiles.STEP_ID and plan.changes[1].after["sso_session"] == "my-sso-admin"
    assert not cli_profiles.verify_profiles(path, profiles, sessions).passed
    done = apply_plan(plan, cli_profiles.APPLIERS, ConfigWriter.for_plan(config_plan))
    assert len(done) == 4 and "kept in" in done[0] and all("kept in" not in line for line in done[1:])
    assert len(list(tmp_path.glob("config.*.bak"))) == 1  # one backup for the whole apply
    verification = cli_profiles.verify_profiles(path, profiles, sessions)
    assert verification.passed, verification.failures
    private = [check for check in verification.checks if check.check_id == "cli_config_file_private"]
    assert [check.status for check in private] == ["WARN"]  # the person's file was 0644; kept so
    assert path.read_text().startswith("# mine\n[profile other]\nregion = us-west-2\n")
    written = path.read_bytes()
    again, again_config = cli_profiles.plan_profiles(profiles, sessions, path=path)
    assert again.is_empty and {c.action for c in again.changes} == {"no-op"}
    assert apply_plan(again, cli_profiles.APPLIERS, ConfigWriter.for_plan(again_config)) == []
    assert path.read_bytes() == written and len(list(tmp_path.glob("config.*.bak"))) == 1


def test_verify_names_each_section_it_checked(tmp_path):
    path = tmp_path / "config"
    profiles, sessions = people()
    plan, config_plan = cli_profiles.plan_profiles(profiles, sessions, path=path)
    apply_plan(plan, cli_profiles.APPLIERS, ConfigWriter.for_plan(config_plan))
    verification = cli_profiles.verify_profiles(path, profiles, sessions)
    assert [(c.check_id, c.status, c.resource) for c in verification.checks] == [
        ("cli_profile_reads_back", "PASS", "aws_config_profile.ada-developer"),
        ("cli_profile_reads_back", "PASS", "aws_config_profile.admin"),
        ("cli_sso_session_reads_back", "PASS", "aws_config_sso_session.my-sso-developer"),
        ("cli_sso_session_reads_back", "PASS", "aws_config_sso_session.my-sso-admin"),
        ("cli_config_file_private", "PASS", cli_profiles.FILE_ADDRESS),
    ]
    assert all(check.check_id in REGISTRY and check.metadata.fixed_by == cli_profiles.STEP_ID
               for check in verification.checks)
    path.write_text(path.read_text().replace("sso_session = my-sso-admin", "sso_session = my-sso-developer"))
    failed = cli_profiles.verify_profiles(path, profiles, sessions)
    assert [c.resource for c in failed.failed_checks] == ["aws_config_profile.admin"]
    assert "Apply step 05's plan" in failed.failures[0]


def test_a_conflict_is_shown_and_becomes_an_update_only_when_asked(tmp_path):
    path = tmp_path / "config"
    path.write_text("[profile admin]\nsso_session = my-sso-admin\nsso_account_id = 999999999999\n"
                    "sso_role_name = AdministratorAccess\nregion = eu-west-1\noutput = json\n")
    profiles, sessions = people()
    shown, config_plan = cli_profiles.plan_profiles(profiles, sessions, path=path)
    admin = [c for c in shown.changes if c.address == "aws_config_profile.admin"]
    assert [c.action for c in admin] == ["conflict"]
    assert (admin[0].before["sso_account_id"], admin[0].after["sso_account_id"]) == ("999999999999", "123456789012")
    assert not [c for c in shown.api_changes if c.address == "aws_config_profile.admin"]
    with pytest.raises(ConfigConflictError, match="replace_conflicts=True"):
        apply_plan(shown, cli_profiles.APPLIERS, ConfigWriter.for_plan(config_plan))
    assert not list(tmp_path.glob("config.*.bak"))
    replacing, _ = cli_profiles.plan_profiles(profiles, sessions, path=path, replace_conflicts=True)
    assert [c.action for c in replacing.changes if c.address == "aws_config_profile.admin"] == ["update"]


@pytest.mark.parametrize(("prefix", "sandbox"), [("my-sso", False), ("runbook-sandbox", True)])
def test_a_config_of_the_earlier_version_moves_each_person_to_their_own_session(prefix, sandbox, tmp_path, monkeypatch):
    path = tmp_path / "config"
    original = written_by_the_earlier_version(prefix)
    path.write_text(original)
    profiles, sessions = people(session_name="", sandbox=sandbox)

    plan, config_plan = cli_profiles.plan_profiles(profiles, sessions, path=path)

    moves = {c.address: c for c in plan.changes if c.address.startswith("aws_config_profile.")}
    assert {address: c.action for address, c in moves.items()} == {
        "aws_config_profile.ada-developer": "update", "aws_config_profile.admin": "update"}
    assert [(c.before["sso_session"], c.after["sso_session"]) for c in moves.values()] == [
        (prefix, f"{prefix}-developer"), (prefix, f"{prefix}-admin")]
    assert all(f"[sso-session {prefix}] stays in the file" in c.detail for c in moves.values())
    assert "no profile uses it once this is applied" in moves["aws_config_profile.admin"].detail
    assert [c.action for c in plan.changes if c.address.startswith("aws_config_sso_session.")] == ["create", "create"]
    assert f"-sso_session = {prefix}" in config_plan.diff and f"+sso_session = {prefix}-admin" in config_plan.diff
    table = plan.to_frame()
    assert table["before"][1].startswith(f"sso_session={prefix}, ") and table["after"][1].startswith(
        f"sso_session={prefix}-admin, ")

    apply_plan(plan, cli_profiles.APPLIERS, ConfigWriter.for_plan(config_plan))

    # botocore's own loader: each profile reads back with the session of its own person.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    for profile in profiles:
        reader = botocore.session.Session(profile=profile.profile_name)
        assert reader.get_scoped_config()["sso_session"] == profile.sso_session
        token_config = botocore.tokens.SSOTokenProvider(reader, profile_name=profile.profile_name)._sso_config
        assert token_config == {"session_name": profile.sso_session, "sso_region": "eu-west-1", "sso_start_url": URL}
        assert reader.get_credentials().method == "sso"
    cache_keys = {botocore.utils.SSOTokenLoader(cache={})._generate_cache_key(URL, s.name) for s in sessions}
    assert len(cache_keys) == 2  # two token cache files: signing in as one keeps the other signed in
    loaded = botocore_reader(path).full_config["sso_sessions"]
    assert set(loaded) == {prefix, f"{prefix}-developer", f"{prefix}-admin"}  # the old one left in place
    assert cli_profiles.verify_profiles(path, profiles, sessions).passed
    assert path.read_text().startswith("# mine\n[profile other]\nregion = us-west-2\n")
    assert [backup.read_text() for backup in tmp_path.glob("config.*.bak")] == [original]
    again, _ = cli_profiles.plan_profiles(profiles, sessions, path=path)
    assert again.is_empty


# ------------------------------------------------------------------------------------------
# Where things are


def test_the_sandbox_writes_its_own_config_file_never_the_persons(ctx: AwsContext, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "mine"))
    assert cli_profiles.resolve_config_file(ctx, "") == cli_profiles.sandbox_config_file()
    assert cli_profiles.resolve_config_file(ctx, str(tmp_path / "x")) == tmp_path / "x"
    ctx.target = "profile"  # what a real account's context says
    assert cli_profiles.resolve_config_file(ctx, "") == tmp_path / "mine"
    assert cli_profiles.environment_hint(tmp_path / "mine") == ""
    assert "AWS_CONFIG_FILE" in cli_profiles.environment_hint(tmp_path / "elsewhere")
    monkeypatch.setenv("AWS_CONFIG_FILE", "")
    assert "AWS_CONFIG_FILE" in cli_profiles.environment_hint(tmp_path / "mine")


def test_portal_url_is_the_given_one_or_the_instances_classic_form(sandbox, ctx: AwsContext):
    with pytest.raises(IdentityCenterNotEnabledError):
        cli_profiles.resolve_portal_url(ctx, "")
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center")
    instance = require_instance(ctx)
    assert cli_profiles.resolve_portal_url(ctx, "") == f"https://{instance.identity_store_id}.awsapps.com/start"
    given = "https://my-team.awsapps.com/start/#/"
    assert cli_profiles.resolve_portal_url(ctx, given) == "https://my-team.awsapps.com/start"


# ------------------------------------------------------------------------------------------
# A brand-new account: target none, the Admin's profile from the parameters alone


STEP_05 = "05_configure_aws_cli"
FIRST_TIME = {"target": "none", "account_id": "111111111111", "portal_url": URL, "sso_region": "eu-west-1"}
"""What a person with only root (in the console) gives step 05."""


def test_a_brand_new_account_writes_the_admins_profile_with_no_aws_call(monkeypatch, tmp_path, capsys):
    attempted = refuse_every_aws_call(monkeypatch)
    path, summary = tmp_path / "aws" / "config", tmp_path / "report.json"
    run_notebook_cells(STEP_05, {
        **FIRST_TIME, "headless": True, "apply": True, "config_file": str(path), "summary_file": str(summary),
    })
    assert attempted == []
    config = botocore_reader(path).full_config
    assert list(config["profiles"]) == ["admin"] and list(config["sso_sessions"]) == ["my-sso-admin"]
    assert config["profiles"]["admin"] == {
        "sso_session": "my-sso-admin", "sso_account_id": "111111111111", "sso_role_name": "AdministratorAccess",
        "region": "eu-west-1", "output": "json",
    }
    assert config["sso_sessions"]["my-sso-admin"] == {
        "sso_start_url": URL, "sso_region": "eu-west-1", "sso_registration_scopes": "sso:account:access",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert (report["target"], report["acted_as"], report["calls"]) == ("none", "no AWS access", [])
    assert [change["address"] for change in report["planned"]] == [
        "aws_config_profile.admin", "aws_config_sso_session.my-sso-admin"]
    assert report["verified"] is True
    shown = capsys.readouterr().out
    assert "No AWS access yet (target 'none')" in shown
    assert "Sign in: aws sso login --profile admin " in shown
    assert "Then choose target 'profile' and profile 'admin'" in shown
    assert "05_configure_aws_cli: 0 read and 0 write AWS calls." in shown


@pytest.mark.parametrize(("absent", "named", "also_listed"), [
    (("portal_url",), "portal_url", ()),
    (("sso_region",), "sso_region", ()),
    (("account_id", "portal_url", "sso_region"), "account_id", ("portal_url", "sso_region")),
])
def test_a_brand_new_account_is_told_what_is_missing_before_anything(monkeypatch, tmp_path, absent, named, also_listed):
    attempted = refuse_every_aws_call(monkeypatch)
    path = tmp_path / "config"
    parameters = {**FIRST_TIME, "headless": True, "apply": True, "config_file": str(path)}
    parameters.update({name: "" for name in absent})
    with pytest.raises(InputError) as refused:  # the step's Validate cell, before any profile is built
        run_notebook_cells(STEP_05, parameters, stop_after="validate_fields(")
    assert refused.value.field == named
    assert "is needed with target 'none'" in refused.value.rule
    for listed in (named, *also_listed):
        assert f"{listed}: {cli_profiles.FIRST_PROFILE_NEEDS[listed]}" in refused.value.rule
    assert not path.exists() and attempted == []


def test_a_dual_stack_portal_url_names_the_identity_center_region_itself(monkeypatch):
    refuse_every_aws_call(monkeypatch)
    fields = cli_profiles.validate_fields(portal_url=DUALSTACK)
    cli_profiles.require_first_profile_fields(fields, account_id="111111111111")
    profiles, sessions = cli_profiles.build_step_profiles(
        fields, ctx=no_access_context(""), account_id="111111111111", region="")
    assert [(p.profile_name, p.region) for p in profiles] == [("admin", "eu-west-1")]
    assert [(s.name, s.sso_region) for s in sessions] == [("my-sso-admin", "eu-west-1")]


def test_with_aws_access_the_step_still_plans_both_people(sandbox, ctx: AwsContext):
    fields = cli_profiles.validate_fields(**PARAMETERS)
    profiles, sessions = cli_profiles.build_step_profiles(
        fields, ctx=ctx, account_id="123456789012", region="eu-west-1", developer_name="")
    assert (profiles, sessions) == people(sandbox=True)
    assert [str(call) for call in ctx.recorder.calls] == []  # the portal URL was given: nothing to look up


def test_the_admins_first_profile_is_left_as_it_is_when_the_admin_runs_the_whole_step(monkeypatch, tmp_path):
    path = tmp_path / "config"
    with monkeypatch.context() as first_time:
        refuse_every_aws_call(first_time)
        run_notebook_cells(STEP_05, {**FIRST_TIME, "region": "eu-west-1", "headless": True, "apply": True,
                                      "config_file": str(path), "session_name": "my-sso"})
    fields = cli_profiles.validate_fields(**PARAMETERS).with_defaults(sandbox=False)
    profiles, sessions = cli_profiles.build_profiles(fields, account_id="111111111111", region="eu-west-1", portal_url=URL)
    plan, _ = cli_profiles.plan_profiles(profiles, sessions, path=path)
    assert {change.address: change.action for change in plan.changes} == {
        "aws_config_profile.ada-developer": "create", "aws_config_profile.admin": "no-op",
        "aws_config_sso_session.my-sso-developer": "create", "aws_config_sso_session.my-sso-admin": "no-op"}
