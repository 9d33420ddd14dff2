"""The headless runner, end to end against the sandbox, plus its parameter handling.

These runs are what `make run` does: papermill over every notebook, in order, in fresh kernels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from runbook_lib.errors import InputError
from runbook_lib.paths import sandbox_config_file
from runbook_lib.runner import StepOutcome, load_parameters, parameters_for, render_summary
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps.developer_access import read_profile_settings
from sandbox_seeds import SEED

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
    assert "| 02_enable_identity_center | ok |" in (run_dir / "summary.md").read_text()

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

    second, rerun_dir = run_runner(tmp_path / "rerun")
    assert second.returncode == 0, second.stdout + second.stderr
    for step in read_summary(rerun_dir)["steps"]:
        report = step["report"]
        if step["step"] != "99_teardown":  # the teardown's plan is its deletions, shown every time
            assert report["planned"] == [], step["step"]
        assert report["applied"] == [], step["step"]
        assert report["write_calls"] == 0, (step["step"], report["calls"])
        assert report["read_calls"] > 0 and report["verified"] is True


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


def test_plan_only_shows_the_plans_and_changes_nothing(sandbox, tmp_path):
    finished, run_dir = run_runner(tmp_path / "runs", "--plan-only")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    reports = {step["step"]: step["report"] for step in read_summary(run_dir)["steps"]}
    assert len(reports["01_secure_root_user"]["planned"]) == 2
    assert len(reports["02_enable_identity_center"]["planned"]) == 2
    assert all(report["write_calls"] == 0 and report["applied"] == [] for report in reports.values())
    waiting = read_summary(run_dir)["steps"][-1]
    assert waiting["step"] == "03_create_admin_user" and waiting["waiting"] and not waiting["succeeded"]
    assert waiting["report"]["error"].startswith("IdentityCenterNotEnabledError")
    assert "| 03_create_admin_user | waits for an earlier step |" in (run_dir / "summary.md").read_text()
    assert client(sandbox, "sso-admin").list_instances()["Instances"] == []
    with pytest.raises(client(sandbox, "organizations").exceptions.AWSOrganizationsNotInUseException):
        client(sandbox, "organizations").describe_organization()


def test_a_failing_step_stops_the_run_keeps_its_notebook_and_exits_non_zero(sandbox, tmp_path):
    params = write_params(tmp_path / "params.yaml", target="sandbox", simulate_console=False)
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
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
    assert not (run_dir / "02_enable_identity_center.ipynb").exists()


def test_a_bad_region_is_refused_naming_the_field_before_any_aws_call(sandbox, tmp_path):
    params = write_params(tmp_path / "params.yaml", region="us-east-9")
    finished, run_dir = run_runner(tmp_path / "runs", "--params", str(params))
    assert finished.returncode == 1
    first = read_summary(run_dir)["steps"][0]
    assert first["error"].startswith("InputError: region: 'us-east-9' is not valid")
    assert first["report"] == {}  # the step never got to connect, so it made no call


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
                    {"planned": [], "applied": [], "verified": True, "read_calls": 3, "write_calls": 0}),
        StepOutcome("01_secure_root_user", "01_secure_root_user.ipynb", False, {}, "StepIncompleteError: x"),
    ]
    text = render_summary(outcomes, target="sandbox")
    assert "| 00_start_here | ok | 0 | 0 | 0 | yes | 3 | 0 |" in text
    assert "| 01_secure_root_user | FAILED | 0 | 0 | 0 | not run | ? | ? |" in text
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
