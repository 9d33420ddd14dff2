"""The headless runner, end to end against the sandbox, plus its parameter handling.

These runs are what `make run` does: papermill over every notebook, in order, each in a fresh
process (a forked copy of the runner, in-process; or a kernel, with ``--engine kernel``).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator

import boto3
import pytest
import yaml

from runbook_lib import garbage, runner, warm_up
from runbook_lib.errors import InputError
from runbook_lib.paths import sandbox_config_file
from runbook_lib.runner import StepOutcome, load_parameters, parameters_for, render_summary, run_runbook
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps.developer_access import read_profile_settings
from sandbox_seeds import SEED, prepare_account_for

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STEPS = sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def run_runner(output: Path, *arguments: str) -> tuple[subprocess.CompletedProcess[str], Path | None]:
    """Run the runner's command line; return the process and its run folder (if it made one)."""
    finished = subprocess.run(
        [sys.executable, "-m", "runbook_lib.runner", "--output", str(output), *arguments],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    folders = sorted(output.glob("*/")) if output.exists() else []
    return finished, (folders[-1] if folders else None)


def read_summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


def client(sandbox: SandboxClient, service: str):
    return boto3.client(
        service, endpoint_url=sandbox.url, region_name="us-east-1",
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
    )


def write_params(path: Path, **values: object) -> Path:
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return path


def test_whole_runbook_secures_a_new_sandbox_account_then_a_rerun_changes_nothing(sandbox, tmp_path):
    first, run_dir = run_runner(tmp_path / "runs")
    assert first.returncode == 0, first.stdout + first.stderr
    summary = read_summary(run_dir)
    assert [step["step"] for step in summary["steps"]] == STEPS
    assert all(step["succeeded"] and step["report"]["verified"] for step in summary["steps"])
    by_step = {step["step"]: step["report"] for step in summary["steps"]}
    assert [change["operation"] for change in by_step["01_secure_root_user"]["planned"]] == [
        "enable-root-mfa", "delete-root-access-keys"]
    assert "organizations:CreateOrganization" in by_step["02_enable_identity_center"]["calls"]
    for step in STEPS:  # the executed notebooks are kept
        assert (run_dir / f"{step}.ipynb").exists()
    acted_as = by_step["02_enable_identity_center"]["acted_as"]
    assert acted_as.startswith("arn:aws:") and f"| 02_enable_identity_center | {acted_as} | ok |" in (run_dir / "summary.md").read_text()

    # The sandbox now really holds what the runbook claims.
    organization = client(sandbox, "organizations").describe_organization()["Organization"]
    assert organization["MasterAccountId"] == "123456789012" and organization["FeatureSet"] == "ALL"
    assert len(client(sandbox, "sso-admin").list_instances()["Instances"]) == 1
    summary_map = client(sandbox, "iam").get_account_summary()["SummaryMap"]
    assert (summary_map["AccountMFAEnabled"], summary_map["AccountAccessKeysPresent"]) == (1, 0)

    assert_users_and_permission_sets(sandbox, developer_policies={"AWSLambda_FullAccess", "AmazonS3FullAccess", "CloudWatchLogsFullAccess"})
    checks = {check["check_id"]: check for check in by_step["04_create_developer_user"]["verification"]
              if check["check_id"].startswith("iam_permission_set_")}
    assert checks["iam_permission_set_allows_chosen_service"]["status"] == "PASS"
    assert checks["iam_permission_set_denies_other_services"]["status"] == "PASS"
    assert "evaluated by the sandbox's iam:SimulatePrincipalPolicy" in checks["iam_permission_set_allows_chosen_service"]["detail"]
    assert by_step["03_create_admin_user"]["confirmations"] == {
        "invitation": True, "email_verified": True, "mfa_registered": True, "mfa_settings": True}

    identity = by_step["06_verify_developer_access"]["verification"][0]
    assert identity["status"] == "PASS" and ":assumed-role/AWSReservedSSO_DeveloperAccess_" in identity["detail"]
    assert identity["detail"].endswith("/ada-developer.")

    # The audit ends the run with every check PASS or ACCEPTED, and its report in the run's folder.
    audit = json.loads((run_dir / "audit-checks.json").read_text(encoding="utf-8"))
    assert {check["status"] for check in audit["checks"]} == {"PASS", "ACCEPTED"}, audit["summary"]
    assert (run_dir / "audit-report.html").exists() and (run_dir / "audit-checks.csv").exists()
    # Headless without `confirm`, the teardown shows its plan and deletes nothing.
    assert any(change["change"]["actions"] == ["delete"] for change in by_step["99_teardown"]["planned"])
    assert by_step["99_teardown"]["applied"] == [] and by_step["99_teardown"]["write_calls"] == 0
    assert len(client(sandbox, "sso-admin").list_permission_sets(
        InstanceArn=client(sandbox, "sso-admin").list_instances()["Instances"][0]["InstanceArn"])["PermissionSets"]) == 2
    # 03 lists the permission sets; 04 (another notebook, another process) finds them in the run's map.
    listings = {step: by_step[step]["calls"].count("sso-admin:ListPermissionSets")
                for step in ("00_start_here", "03_create_admin_user", "04_create_developer_user")}
    assert listings == {"00_start_here": 0, "03_create_admin_user": 1, "04_create_developer_user": 0}
    # The warm-up parses every service model a default run calls before the first fork.
    called = {call.split(":")[0] for report in by_step.values() for call in report["calls"]}
    assert called <= set(warm_up.RUNBOOK_SERVICES), called - set(warm_up.RUNBOOK_SERVICES)

    second, rerun_dir = run_runner(tmp_path / "rerun")
    assert second.returncode == 0, second.stdout + second.stderr
    rerun_steps = read_summary(rerun_dir)["steps"]
    for step in rerun_steps:
        report = step["report"]
        if step["step"] != "99_teardown":  # the teardown's plan is its deletions, shown every time
            assert report["planned"] == [], step["step"]
        assert report["applied"] == [], step["step"]
        assert report["write_calls"] == 0, (step["step"], report["calls"])
        assert report["verified"] is True, step["step"]
    # Each step judged the account as read this run: 00's status reads what 01 and 02 judge, so
    # they send nothing (``aws.carry_run``; ``test_call_counts`` pins each step's calls).
    assert rerun_steps[0]["report"]["read_calls"] > 0


def test_a_run_after_a_reset_secures_the_new_account_again(sandbox, tmp_path):
    """``make run; make sandbox-reset; make run``: the new account has new ids and another access
    portal URL, and nothing written about the old one may trip the second run (step 05 did)."""
    first, _ = run_runner(tmp_path / "first")
    assert first.returncode == 0, first.stdout + first.stderr
    old_portal = read_profile_settings(sandbox_config_file(), "ada-developer").start_url

    sandbox.reset(seed=SEED + 1)  # other ids than the first run's: another portal URL
    second, run_dir = run_runner(tmp_path / "second")

    assert second.returncode == 0, second.stdout + second.stderr
    assert all(step["succeeded"] and step["report"]["verified"] for step in read_summary(run_dir)["steps"])
    assert read_profile_settings(sandbox_config_file(), "ada-developer").start_url != old_portal


def assert_users_and_permission_sets(sandbox: SandboxClient, *, developer_policies: set[str]) -> None:
    """Check in the sandbox itself: both users, both permission sets with exactly their
    policies, both assignments."""
    sso_admin = client(sandbox, "sso-admin")
    instance = sso_admin.list_instances()["Instances"][0]
    store = client(sandbox, "identitystore")
    users = {user["UserName"]: user["UserId"] for user in store.list_users(IdentityStoreId=instance["IdentityStoreId"])["Users"]}
    assert set(users) == {"Admin", "ada-developer"}
    wanted = {"AdministratorAccess": ({"AdministratorAccess"}, "Admin"), "DeveloperAccess": (developer_policies, "ada-developer")}
    arns = sso_admin.list_permission_sets(InstanceArn=instance["InstanceArn"])["PermissionSets"]
    assert len(arns) == 2
    for arn in arns:
        name = sso_admin.describe_permission_set(InstanceArn=instance["InstanceArn"], PermissionSetArn=arn)["PermissionSet"]["Name"]
        policies, user = wanted[name]
        attached = sso_admin.list_managed_policies_in_permission_set(InstanceArn=instance["InstanceArn"], PermissionSetArn=arn)
        assert {policy["Name"] for policy in attached["AttachedManagedPolicies"]} == policies
        assignments = sso_admin.list_account_assignments(
            InstanceArn=instance["InstanceArn"], AccountId="123456789012", PermissionSetArn=arn)["AccountAssignments"]
        assert [(a["PrincipalType"], a["PrincipalId"]) for a in assignments] == [("USER", users[user])]


def test_changing_the_developers_services_shows_drift_and_fixes_it(sandbox, tmp_path):
    first, _ = run_runner(tmp_path / "first")
    assert first.returncode == 0, first.stdout + first.stderr
    params = write_params(tmp_path / "params.yaml", steps={"04_create_developer_user": {"services": ["s3", "dynamodb"]}})
    changed, run_dir = run_runner(tmp_path / "changed", "--params", str(params))
    assert changed.returncode == 0, changed.stdout + changed.stderr
    report = {step["step"]: step["report"] for step in read_summary(run_dir)["steps"]}["04_create_developer_user"]
    assert [
        (change["operation"], change["change"]["actions"], change["change"]["before"], change["change"]["after"])
        for change in report["planned"][:3]
    ] == [  # drift as data: what is there, what will be
        ("attach_managed_policy", ["create"], None, "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"),
        ("detach_managed_policy", ["delete"], "arn:aws:iam::aws:policy/AWSLambda_FullAccess", None),
        ("detach_managed_policy", ["delete"], "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess", None),
    ]
    assert [change["operation"] for change in report["planned"][3:]] == ["provision_permission_set"]
    saved_plan = json.loads((run_dir / "reports" / "04_create_developer_user.plan.json").read_text(encoding="utf-8"))
    assert saved_plan["resource_changes"] == report["planned"]  # the plan is kept as JSON beside the notebook
    assert report["verified"] is True
    assert_users_and_permission_sets(sandbox, developer_policies={"AmazonS3FullAccess", "AmazonDynamoDBFullAccess"})


@pytest.mark.parametrize("engine", runner.ENGINES)
def test_plan_only_shows_the_plans_and_changes_nothing(sandbox, tmp_path, engine):
    finished, run_dir = run_runner(tmp_path / "runs", "--plan-only", "--engine", engine)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    reports = {step["step"]: step["report"] for step in read_summary(run_dir)["steps"]}
    assert len(reports["01_secure_root_user"]["planned"]) == 2
    assert len(reports["02_enable_identity_center"]["planned"]) == 2
    assert all(report["write_calls"] == 0 and report["applied"] == [] for report in reports.values())
    waiting = read_summary(run_dir)["steps"][-1]
    assert waiting["step"] == "03_create_admin_user" and waiting["waiting"] and not waiting["succeeded"]
    assert waiting["report"]["error"].startswith("IdentityCenterNotEnabledError")
    assert f"| 03_create_admin_user | {waiting['report']['acted_as']} | waits for an earlier step |" in (
        run_dir / "summary.md").read_text()
    assert client(sandbox, "sso-admin").list_instances()["Instances"] == []
    with pytest.raises(client(sandbox, "organizations").exceptions.AWSOrganizationsNotInUseException):
        client(sandbox, "organizations").describe_organization()


@pytest.mark.parametrize("engine", runner.ENGINES)
def test_a_failing_step_stops_the_run_keeps_its_notebook_and_exits_non_zero(sandbox, tmp_path, engine):
    params = write_params(tmp_path / "params.yaml", target="sandbox", simulate_console=False)
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params), "--engine", engine)
    assert finished.returncode == 1
    steps = read_summary(run_dir)["steps"]
    assert [step["step"] for step in steps] == ["00_start_here", "01_secure_root_user"]
    failed = steps[-1]
    assert not failed["succeeded"] and "StepIncompleteError" in failed["error"]
    assert failed["report"]["pending_console_steps"] == ["enable-root-mfa", "delete-root-access-keys"]
    assert failed["report"]["verified"] is False
    kept = json.loads((run_dir / "01_secure_root_user.ipynb").read_text())
    errors = [output for cell in kept["cells"] for output in cell.get("outputs", []) if output["output_type"] == "error"]
    assert errors and "Root has no MFA device" in errors[0]["evalue"]
    assert errors[0]["traceback"] == [f"StepIncompleteError: {errors[0]['evalue']}"]  # ours: no traceback
    assert not (run_dir / "02_enable_identity_center.ipynb").exists()


def account_is_untouched(sandbox) -> bool:
    """Return True when the sandbox account is still brand new: no organization, root as it was."""
    import botocore.exceptions

    try:
        client(sandbox, "organizations").describe_organization()
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"] == "AWSOrganizationsNotInUseException" and not sandbox.state()["root_mfa_enabled"]
    return False


def test_a_bad_region_is_refused_naming_the_field_before_any_aws_call(sandbox, tmp_path):
    params = write_params(tmp_path / "params.yaml", region="us-east-9")
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert finished.returncode == 2 and run_dir is None  # refused: nothing ran, no run folder
    assert "region: 'us-east-9' is not valid" in finished.stderr
    assert account_is_untouched(sandbox)


def test_the_string_false_is_not_a_boolean_and_applies_nothing(sandbox, tmp_path):
    params = write_params(tmp_path / "params.yaml", apply="false")
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert finished.returncode == 2 and run_dir is None
    assert "apply: 'false' is not valid: must be true or false" in finished.stderr
    assert account_is_untouched(sandbox)


def test_every_bad_field_is_listed_at_once_with_its_path_and_nothing_runs(sandbox, tmp_path):
    params = write_params(
        tmp_path / "params.yaml",
        steps={
            "03_create_admin_usr": {"user_name": "Admin"},
            "04_create_developer_user": {"email": "not-an-email", "services": ["s3", "nosuch"]},
            "05_configure_aws_cli": {"admin_profile": "bad name!"},
        },
    )
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert finished.returncode == 2 and run_dir is None
    for path in ("steps.03_create_admin_usr", "steps.04_create_developer_user.email",
                 "steps.04_create_developer_user.services", "steps.05_configure_aws_cli.admin_profile"):
        assert path in finished.stderr, finished.stderr
    assert "did you mean 03_create_admin_user?" in finished.stderr
    assert account_is_untouched(sandbox)


def test_a_yaml_error_names_the_file_line_and_column_without_a_traceback(sandbox, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("target: sandbox\nsteps:\n  03_create_admin_user:\n    email: [oops\n", encoding="utf-8")
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert finished.returncode == 2 and run_dir is None
    assert f"{params}, line" in finished.stderr and "column" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_a_conflicting_admin_ends_the_run_as_needs_you_with_its_own_exit_code(sandbox, tmp_path):
    prepare_account_for("03_create_admin_user", sandbox)
    store_id = client(sandbox, "sso-admin").list_instances()["Instances"][0]["IdentityStoreId"]
    client(sandbox, "identitystore").create_user(
        IdentityStoreId=store_id, UserName="Admin", DisplayName="Someone Else",
        Name={"GivenName": "Someone", "FamilyName": "Else"}, Emails=[{"Value": "else@example.com", "Primary": True}],
    )
    finished, run_dir = run_runner(tmp_path / "runs")
    assert finished.returncode == 3, finished.stdout + finished.stderr
    steps = {step["step"]: step for step in read_summary(run_dir)["steps"]}
    assert steps["03_create_admin_user"]["needs_you"] is True
    assert "NeedsYouError" in steps["03_create_admin_user"]["error"]
    assert "| NEEDS YOU |" in next(line for line in finished.stdout.splitlines() if line.startswith("| 03_create_admin_user"))
    assert "Needs you (the runbook changes none of these on its own):" in finished.stdout
    assert "04_create_developer_user" not in steps  # nothing after a decision that is still open


def test_unknown_parameter_in_the_file_is_refused_with_exit_2(tmp_path):
    params = write_params(tmp_path / "params.yaml", regoin="us-east-1")
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert finished.returncode == 2 and run_dir is None
    assert "regoin" in finished.stderr and "unknown parameter" in finished.stderr


def test_load_parameters_defaults_to_the_whole_runbook_in_the_sandbox():
    assert load_parameters(None) == {"target": "sandbox", "apply": True, "simulate_console": True}


def test_load_parameters_reads_the_committed_example():
    loaded = load_parameters(ROOT / "runbook.example.yaml")
    assert loaded["target"] == "sandbox" and loaded["region"] == "us-east-1"
    assert loaded["steps"]["02_enable_identity_center"]["wait_seconds"] == 120


def test_parameters_for_passes_only_what_a_notebook_declares(tmp_path):
    loaded = {**load_parameters(None), "steps": {"02_enable_identity_center": {"wait_seconds": 5}}}
    report = tmp_path / "r.json"
    start = parameters_for(NOTEBOOKS / "00_start_here.ipynb", loaded, apply=False, summary_file=report)
    assert "wait_seconds" not in start
    assert start["headless"] is True and start["apply"] is False and start["summary_file"] == str(report)
    identity = parameters_for(NOTEBOOKS / "02_enable_identity_center.ipynb", loaded, apply=True, summary_file=report)
    assert identity["wait_seconds"] == 5 and identity["simulate_console"] is True


def test_parameters_for_refuses_a_step_parameter_the_notebook_lacks(tmp_path):
    loaded = {"steps": {"01_secure_root_user": {"wait_seconds": 5}}}
    with pytest.raises(InputError) as refused:
        parameters_for(NOTEBOOKS / "01_secure_root_user.ipynb", loaded, apply=True, summary_file=tmp_path / "r")
    assert refused.value.field == "steps.01_secure_root_user.wait_seconds"


def test_render_summary_shows_counts_and_errors():
    outcomes = [
        StepOutcome("00_start_here", "00_start_here.ipynb", True,
                    {"acted_as": "arn:aws:iam::123456789012:root", "planned": [], "applied": [], "verified": True,
                     "read_calls": 3, "write_calls": 0}),
        StepOutcome("01_secure_root_user", "01_secure_root_user.ipynb", False, {}, "StepIncompleteError: x"),
    ]
    text = render_summary(outcomes, target="sandbox")
    assert "| 00_start_here | arn:aws:iam::123456789012:root | ok | 0 | 0 | 0 | yes | 3 | 0 |" in text
    assert "| 01_secure_root_user | ? | FAILED | 0 | 0 | 0 | not run | ? | ? |" in text  # no report: nobody known
    assert "- 01_secure_root_user: StepIncompleteError: x" in text
    assert "Confirmed console steps" not in text


def test_render_summary_lists_the_confirmed_checklist_items():
    report = {"planned": [], "applied": [], "verified": True, "read_calls": 1, "write_calls": 0,
              "confirmations": {"invitation": True, "email_verified": False, "mfa_registered": True}}
    text = render_summary([StepOutcome("04_create_developer_user", "04.ipynb", True, report)], target="sandbox")
    assert "- 04_create_developer_user: invitation, mfa_registered" in text


PERSONS_CONFIG = (
    "# my own settings, written by hand\r\n"
    "[default]\r\n"
    "region = eu-central-1\r\n"
    "\r\n"
    "; an old SSO profile without sso-session\r\n"
    "[profile legacy]\r\n"
    "sso_start_url = https://d-0000000000.awsapps.com/start\r\n"
    "sso_region = eu-central-1\r\n"
    "sso_account_id = 111111111111\r\n"
    "sso_role_name = ReadOnly\r\n"
)


def test_cli_profiles_join_the_persons_config_and_the_profile_signs_in_as_the_developer(sandbox, tmp_path):
    config = tmp_path / "aws-config"
    config.write_bytes(PERSONS_CONFIG.encode())
    steps = {step: {"config_file": str(config)} for step in ("05_configure_aws_cli", "06_verify_developer_access")}
    params = write_params(tmp_path / "params.yaml", steps=steps)
    first, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert first.returncode == 0, first.stdout + first.stderr
    written = config.read_bytes().decode()
    assert written.startswith(PERSONS_CONFIG)  # every byte of the person's file kept, CRLF too
    assert "[profile ada-developer]\r\n" in written and "[sso-session runbook-sandbox-developer]\r\n" in written
    assert list(tmp_path.glob("aws-config.*.bak"))  # a backup of the original

    # The AWS CLI's view: a fresh process, nothing but the config file and the cached sign-in.
    who = subprocess.run(
        [sys.executable, "-c", "import boto3; print(boto3.Session(profile_name='ada-developer')"
         ".client('sts').get_caller_identity()['Arn'])"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "AWS_CONFIG_FILE": str(config)},
    )
    assert who.returncode == 0, who.stderr
    assert ":assumed-role/AWSReservedSSO_DeveloperAccess_" in who.stdout and who.stdout.strip().endswith("/ada-developer")

    # No secret lands in an executed notebook, a report or the runner's output.
    cached = json.loads(next((Path(os.environ["HOME"]) / ".aws" / "sso" / "cache").glob("*.json")).read_text())
    secrets = [cached["accessToken"], cached["clientSecret"], cached["refreshToken"]]
    shown = first.stdout + first.stderr + "".join(path.read_text() for path in run_dir.rglob("*") if path.is_file())
    assert all(len(secret) > 20 and secret not in shown for secret in secrets)

    second, rerun_dir = run_runner(tmp_path / "rerun", "--params", str(params))
    assert second.returncode == 0, second.stdout + second.stderr
    reports = {step["step"]: step["report"] for step in read_summary(rerun_dir)["steps"]}
    assert reports["05_configure_aws_cli"]["planned"] == [] and reports["06_verify_developer_access"]["planned"] == []
    assert config.read_bytes().decode() == written


def write_step_notebooks(folder: Path, *cells: str) -> Path:
    """Write one notebook per cell source, ``00_do_first.ipynb``, ``01_do_next.ipynb``, ..."""
    import nbformat

    folder.mkdir()
    for number, source in enumerate(cells):
        notebook = nbformat.v4.new_notebook(metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}})
        notebook.cells.append(nbformat.v4.new_code_cell(source))
        nbformat.write(notebook, folder / f"{number:02d}_do_step.ipynb")
    return folder


LEAVE_STATE_BEHIND = """
import os, sys, boto3
os.environ["RUNBOOK_LEFT_OVER"] = "1"
sys.modules["runbook_lib.errors"].LEFT_OVER = 1
boto3.setup_default_session(region_name="eu-west-1")
get_ipython().set_custom_exc((ValueError,), lambda *args, **kwargs: None)
os.chdir("/")
left_over = 1
"""

FIND_NO_STATE = """
import os, sys, boto3
assert "RUNBOOK_LEFT_OVER" not in os.environ
assert not hasattr(sys.modules["runbook_lib.errors"], "LEFT_OVER")
assert boto3.DEFAULT_SESSION is None or boto3.DEFAULT_SESSION.region_name != "eu-west-1"
assert get_ipython().custom_exceptions == ()
assert os.getcwd() != "/" and "left_over" not in globals()
"""


@pytest.mark.skipif(not runner.forks_safely(), reason="the in-process engine needs a platform that forks safely")
def test_nothing_one_notebook_does_reaches_the_next(tmp_path):
    notebooks = write_step_notebooks(tmp_path / "notebooks", LEAVE_STATE_BEHIND, FIND_NO_STATE)
    run_dir, outcomes = run_runbook(notebooks_dir=notebooks, output_root=tmp_path / "runs", loaded=load_parameters(None))
    assert [(outcome.succeeded, outcome.error) for outcome in outcomes] == [(True, ""), (True, "")]
    assert "RUNBOOK_LEFT_OVER" not in os.environ and (run_dir / "01_do_step.ipynb").exists()


@pytest.mark.skipif(not runner.forks_safely(), reason="the in-process engine needs a platform that forks safely")
def test_a_notebooks_copy_collects_garbage_less_often_and_this_process_is_left_as_it_was(tmp_path):
    before = gc.get_threshold()
    gc.set_threshold(700, *before[1:])  # Python's own: the tests' processes collect less often themselves (conftest)
    try:
        notebooks = write_step_notebooks(tmp_path / "notebooks", f"import gc\nassert gc.get_threshold()[0] == {garbage.GC_THRESHOLD}")
        _, outcomes = run_runbook(notebooks_dir=notebooks, output_root=tmp_path / "runs", loaded=load_parameters(None))
        assert [(outcome.succeeded, outcome.error) for outcome in outcomes] == [(True, "")]
        assert gc.get_threshold() == (700, *before[1:])
    finally:
        gc.set_threshold(*before)


@pytest.mark.skipif(not runner.forks_safely(), reason="the in-process engine needs a platform that forks safely")
def test_a_notebook_whose_process_dies_fails_its_step_and_the_run_still_ends_with_a_summary(tmp_path):
    notebooks = write_step_notebooks(tmp_path / "notebooks", "print('started')", "import os\nos._exit(3)", "print('never')")
    run_dir, outcomes = run_runbook(notebooks_dir=notebooks, output_root=tmp_path / "runs", loaded=load_parameters(None))
    assert [outcome.succeeded for outcome in outcomes] == [True, False]
    assert outcomes[1].error == "RunnerError: the notebook's process ended without an outcome (exit code 3)"
    summary = read_summary(run_dir)
    assert [step["step"] for step in summary["steps"]] == ["00_do_step", "01_do_step"]
    assert (run_dir / "01_do_step.ipynb").exists()  # written when it started
    assert not (run_dir / "02_do_step.ipynb").exists()


def test_the_in_process_engine_is_refused_where_fork_is_not_safe(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "forks_safely", lambda: False)
    assert runner.default_engine() == "kernel"
    with pytest.raises(InputError) as refused:
        run_runbook(notebooks_dir=NOTEBOOKS, output_root=tmp_path, loaded=load_parameters(None), engine="in-process")
    assert refused.value.field == "engine"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (nothing imported yet); fail on a non-zero exit."""
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert finished.returncode == 0, finished.stderr
    return finished


def test_the_iri_grammars_load_on_first_use_and_still_check_iris():
    run_python(
        "import sys\n"
        "from runbook_lib.warm_up import defer_iri_grammars\n"
        "defer_iri_grammars()\n"
        "import jsonschema, nbformat\n"
        "assert 'lark' not in sys.modules, 'the grammars were built at import'\n"
        "checker = jsonschema.Draft7Validator.FORMAT_CHECKER\n"
        "validator = jsonschema.Draft7Validator({'format': 'iri'}, format_checker=checker)\n"
        "assert validator.is_valid('https://example.com/caf\u00e9') and not validator.is_valid('no iri')\n"
        "assert 'lark' in sys.modules\n"
    )


def test_the_kernel_client_loads_when_a_kernel_is_first_used_not_with_papermill():
    run_python(
        "import sys\n"
        "from runbook_lib.warm_up import defer_kernel_client\n"
        "defer_kernel_client()\n"
        "import papermill, papermill.engines\n"
        "assert 'nbclient' not in sys.modules, 'the kernel client was imported with papermill'\n"
        "try:\n"
        "    papermill.engines.PapermillNotebookClient(None)\n"
        "except Exception:\n"
        "    pass  # no notebook to run: the point is what got imported\n"
        "assert 'nbclient' in sys.modules, 'the first use did not load the kernel client'\n"
        "import nbclient\n"
        "from papermill.clientwrap import PapermillNotebookClient\n"
        "assert issubclass(PapermillNotebookClient, nbclient.NotebookClient)\n"
    )


def test_botocore_sessions_share_one_loader_per_data_path_and_still_make_clients():
    run_python(
        "import boto3, botocore.session\n"
        "from runbook_lib.warm_up import share_botocore_data\n"
        "share_botocore_data()\n"
        "one, two = boto3.Session(region_name='us-east-1'), boto3.Session(region_name='eu-west-1')\n"
        "assert one._session.get_component('data_loader') is two._session.get_component('data_loader')\n"
        "other = botocore.session.Session()\n"
        "other.set_config_variable('data_path', '/nowhere')\n"
        "assert other.get_component('data_loader') is not one._session.get_component('data_loader')\n"
        "import botocore.loaders\n"
        "assert botocore.loaders.create_loader() is one._session.get_component('data_loader')  # known_regions' too\n"
        "share_botocore_data()  # again: still one loader, no loop\n"
        "assert botocore.loaders.create_loader() is botocore.session.create_loader()\n"
        "client = two.client('sts', aws_access_key_id='x', aws_secret_access_key='y')\n"
        "assert client.meta.region_name == 'eu-west-1'\n"
    )


def test_the_notebooks_top_level_imports_are_found_for_the_warm_up():
    modules = warm_up.imported_modules(runner.find_notebooks(NOTEBOOKS))
    assert {"runbook_lib.notebook", "runbook_lib.steps.secure_root", "runbook_lib.steps.status"} <= set(modules)
    assert "runbook_lib.widgets" not in modules  # imported inside `if not headless:` only


def test_the_audits_serious_failures_have_an_exit_code_of_their_own(sandbox, tmp_path):
    # 08 alone on a brand-new account: root without MFA, no Identity Center, no budget.
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "08_audit_account.ipynb").write_bytes((NOTEBOOKS / "08_audit_account.ipynb").read_bytes())
    finished, run_dir = run_runner(tmp_path / "runs", "--notebooks", str(notebooks))
    assert finished.returncode == runner.EXIT_AUDIT_FAILED == 4, finished.stdout + finished.stderr
    (step,) = read_summary(run_dir)["steps"]
    assert step["audit_failed"] is True and step["error"].startswith("AuditFailedError")
    assert "| AUDIT FOUND SERIOUS FAILURES |" in finished.stdout
    assert (run_dir / "audit-report.html").exists()  # the report was written before the run failed


def test_exit_codes_tell_the_audits_findings_from_a_crash_and_needs_you():
    audit = StepOutcome("08_audit_account", "08.ipynb", False, error="AuditFailedError: ...", audit_failed=True)
    crash = StepOutcome("08_audit_account", "08.ipynb", False, error="KeyError: 'x'")
    decide = StepOutcome("03_create_admin_user", "03.ipynb", False, needs_you=True)
    done = StepOutcome("00_start_here", "00.ipynb", True)
    assert runner.exit_code([done, audit], plan_only=False) == 4
    assert runner.exit_code([done, crash], plan_only=False) == 1
    assert runner.exit_code([decide], plan_only=False) == 3
    assert runner.exit_code([done], plan_only=False) == 0


def test_the_help_documents_every_exit_code(capsys):
    with pytest.raises(SystemExit):
        runner.main(["--help"])
    shown = capsys.readouterr().out
    for code, words in ((0, "every step done"), (1, "a step failed"), (2, "refused before anything ran"),
                        (3, "needs you"), (4, "the audit (08_audit_account) found failed checks of high or critical")):
        assert f"  {code}  {words}" in shown
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| 4 | the audit (`08_audit_account`)" in readme


def test_the_warm_up_compiles_the_notebook_schema_so_a_copy_reads_notebooks_without_compiling_it():
    run_python(
        "import nbformat.validator as validator, fastjsonschema\n"
        "from pathlib import Path\n"
        "from runbook_lib import runner, warm_up\n"
        "notebooks = runner.find_notebooks(Path('notebooks'))\n"
        "warm_up.compile_notebook_schemas(notebooks)\n"
        "assert list(validator.validators) == [('fastjsonschema', 4, 5, False)], list(validator.validators)\n"
        "compiled = []\n"
        "fastjsonschema.compile = lambda *args, **kwargs: compiled.append(args)  # a copy compiling again shows here\n"
        "from papermill.iorw import load_notebook_node\n"
        "for notebook in notebooks:\n"
        "    load_notebook_node(str(notebook))\n"
        "assert compiled == [], 'papermill compiled the schema again'\n"
    )


def test_sessions_copy_botocores_handlers_registered_once_and_see_handlers_added_later():
    run_python(
        "import botocore.handlers, botocore.hooks, botocore.session\n"
        "from runbook_lib.warm_up import share_builtin_handlers\n"
        "def handlers(session):\n"
        "    return {spec[0]: list(session._original_handler._handlers.prefix_search(spec[0])) for spec in botocore.handlers.BUILTIN_HANDLERS}\n"
        "registered_one_by_one = botocore.session.Session()\n"
        "share_builtin_handlers()\n"
        "one_by_one = []\n"
        "botocore.hooks.HierarchicalEmitter._verify_and_register = lambda *args, **kwargs: one_by_one.append(args)\n"
        "first, second = botocore.session.Session(), botocore.session.Session()\n"
        "assert one_by_one == [], 'the first session after the warm-up registered them one by one'\n"
        "del botocore.hooks.HierarchicalEmitter._verify_and_register  # the base class's again\n"
        "assert handlers(first) == handlers(second) == handlers(registered_one_by_one)\n"
        "assert second._original_handler._handlers is not first._original_handler._handlers  # a copy each\n"
        "def added(**kwargs): pass\n"
        "second.register('before-call.sts', added)\n"
        "assert added not in botocore.session.Session()._original_handler._handlers.prefix_search('before-call.sts.GetCallerIdentity')\n"
        "botocore.handlers.BUILTIN_HANDLERS.append(('before-send', added))  # as moto's mock does\n"
        "later = botocore.session.Session()\n"
        "assert added in later._original_handler._handlers.prefix_search('before-send.sts.GetCallerIdentity')\n"
        "assert added in botocore.session.Session()._original_handler._handlers.prefix_search('before-send.sts.GetCallerIdentity')\n"
        "own = botocore.hooks.HierarchicalEmitter()\n"
        "own.register('before-call', added)\n"
        "given = botocore.session.Session(event_hooks=own)\n"
        "assert handlers(given).keys() == handlers(later).keys() and added in own._handlers.prefix_search('before-call.sts.X')\n"
        "share_builtin_handlers()  # again: no loop\n"
        "client = botocore.session.Session().create_client('sts', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='y')\n"
        "assert client.meta.events is not None\n"
    )


def test_the_sandbox_is_found_while_the_run_warms_up_and_no_thread_outlives_it(sandbox, monkeypatch):
    monkeypatch.setenv("RUNBOOK_SANDBOX_URL", sandbox.url)
    seen: list[tuple[str, int]] = []

    def warm_up_here(notebooks):
        seen.append((notebooks[0].stem, threading.active_count()))

    before = threading.active_count()
    assert runner.sandbox_url_while(warm_up_here, [NOTEBOOKS / "00_start_here.ipynb"]) == sandbox.url
    assert seen == [("00_start_here", before + 1)]  # the warm-up ran beside the sandbox's thread
    assert threading.active_count() == before  # ended before the run forks
    assert runner.sandbox_url_while(None, []) == sandbox.url  # the kernel engine: no warm-up


def test_a_named_sandbox_that_does_not_answer_is_refused_after_the_warm_up_with_advice(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RUNBOOK_SANDBOX_URL", "http://127.0.0.1:9")  # discard: nothing answers
    assert runner.main(["--output", str(tmp_path / "runs"), "--engine", "kernel"]) == runner.EXIT_REFUSED
    said = capsys.readouterr().err
    assert "SandboxError" in said and "no sandbox answers there" in said and "Traceback" not in said
    assert not (tmp_path / "runs").exists()  # refused before the run made its folder


def test_the_warm_up_is_done_once_for_the_same_notebooks_and_again_for_others(tmp_path, monkeypatch):
    parsed: list[tuple[str, ...]] = []
    monkeypatch.setattr(warm_up, "parse_service_models", lambda services: parsed.append(tuple(services)))
    first = write_step_notebooks(tmp_path / "first", "x = 1")
    others = write_step_notebooks(tmp_path / "others", "x = 2")
    warm_up.prepare_in_process_run(runner.find_notebooks(first))
    warm_up.prepare_in_process_run(runner.find_notebooks(first))  # main's, then run_runbook's
    assert parsed == [warm_up.RUNBOOK_SERVICES]
    warm_up.prepare_in_process_run(runner.find_notebooks(others))
    assert len(parsed) == 2


def test_while_a_copy_runs_its_parent_does_small_tasks_until_the_copy_answers():
    done: list[str] = []

    def task(name: str, *, then: Callable[[], None] | None = None) -> Callable[[], None]:
        def run() -> None:
            done.append(name)
            if then is not None:
                then()
        return run

    def fails() -> None:
        done.append("fails")
        raise RuntimeError("only a preparation")

    reader, writer = os.pipe()
    try:
        tasks = iter([task("first"), fails, task("answer", then=lambda: os.write(writer, b"x")), task("never")])
        runner.do_while_waiting(tasks, reader)
        assert done == ["first", "fails", "answer"], "a failed task is skipped; none is taken once the copy answered"
        assert next(tasks) is not None, "the task not taken is left for the next notebook's copy"

        done.clear()
        runner.do_while_waiting(iter([task("late")]), reader)  # the copy has answered already
        assert done == []
    finally:
        os.close(reader)
        os.close(writer)

    def tasks_then_a_failure() -> Iterator[Callable[[], None]]:
        yield task("a")
        yield task("b")
        raise RuntimeError("working out the next task failed")

    reader, writer = os.pipe()
    try:
        runner.do_while_waiting(iter([task("a"), task("b")]), reader)
        assert done == ["a", "b"], "with no answer yet, every task is done"
        done.clear()
        runner.do_while_waiting(tasks_then_a_failure(), reader)  # ends there, the run goes on
        assert done == ["a", "b"]
    finally:
        os.close(reader)
        os.close(writer)
