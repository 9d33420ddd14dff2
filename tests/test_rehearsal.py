"""The rehearsal of the real-account path (runbook_lib.rehearsal): headless, whole, as ``make rehearse``.

A sandbox of its own in rehearsal mode (the fixed keys refused), the console as root, steps 05 and
06 with no AWS access, then every step as the Admin through its profile, the token cache and the
portal: every step after the Admin's sign-in must have acted as the Admin's reserved role. Then
the parts on their own: the runs' environment, the parameters (accepted by the runner as the
notebooks declare them), the verdict.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from runbook_lib import rehearsal
from runbook_lib.errors import SandboxError
from runbook_lib.runner import load_parameters, parameters_for
from runbook_lib.sandbox import REHEARSAL_MODE, SandboxClient, start_sandbox

ADMIN_ROLE_ARN = re.compile(r"^arn:aws:sts::\d{12}:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/Admin$")


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[rehearsal.RehearsalResult, Path, SandboxClient]]:
    """Rehearse once, on a sandbox of its own in rehearsal mode; return the result and its folder."""
    work_dir = tmp_path_factory.mktemp("rehearsal")
    with start_sandbox(log_dir=work_dir / "sandbox", mode=REHEARSAL_MODE) as sandbox:
        yield rehearsal.rehearse(sandbox.client, work_dir), work_dir, sandbox.client


def test_every_step_after_the_admin_s_sign_in_acts_as_the_admin(rehearsed: Any) -> None:
    result, _, _ = rehearsed
    assert result.failures == []
    assert [step["step"] for step in result.as_admin] == [
        "00_start_here", "01_secure_root_user", "02_enable_identity_center", "03_create_admin_user",
        "04_create_developer_user", "05_configure_aws_cli", "06_verify_developer_access",
        "07_set_guardrails", "08_audit_account", "99_teardown",
    ]
    for step in result.as_admin:
        assert ADMIN_ROLE_ARN.match(step["report"]["acted_as"]), step["step"]
        assert step["succeeded"] and step["report"]["verified"] is True, step["step"]


def test_before_the_sign_in_the_runbook_has_no_access_and_the_fixed_keys_are_refused(rehearsed: Any) -> None:
    result, _, _ = rehearsed
    assert result.fixed_keys_answer == "InvalidClientTokenId"
    assert [(step["step"], step["report"]["acted_as"]) for step in result.first_time] == [
        ("05_configure_aws_cli", "no AWS access"), ("06_verify_developer_access", "no AWS access")]
    assert [entry.split(":")[0] for entry in result.approved] == ["Admin", rehearsal.DEVELOPER_USER]


def test_what_root_did_in_the_console_is_all_the_admin_finds_to_do_in_steps_01_to_03(rehearsed: Any) -> None:
    result, _, _ = rehearsed
    by_step = {step["step"]: step["report"] for step in result.as_admin}
    for step in ("01_secure_root_user", "02_enable_identity_center", "03_create_admin_user"):
        assert by_step[step]["planned"] == [] and by_step[step]["write_calls"] == 0, step
    assert by_step["04_create_developer_user"]["write_calls"] > 0  # the Admin's own work
    assert any("user Admin added" in sentence for sentence in result.console)


def test_the_person_s_machine_holds_both_sign_ins_and_the_developer_acts_as_its_own_role(rehearsed: Any) -> None:
    result, work_dir, _ = rehearsed
    config = (work_dir / "home" / ".aws" / "config").read_text(encoding="utf-8")
    assert "[profile admin]" in config and "[profile ada-developer]" in config
    assert "[sso-session my-sso-admin]" in config and "[sso-session my-sso-developer]" in config
    assert len(list((work_dir / "home" / ".aws" / "sso" / "cache").glob("*.json"))) == 2
    developer = {step["step"]: step for step in result.as_admin}["06_verify_developer_access"]["report"]
    [identity] = [check for check in developer["verification"] if check["check_id"] == "sts_profile_is_permission_set_role"]
    assert "assumed-role/AWSReservedSSO_DeveloperAccess_" in identity["detail"] and "/ada-developer." in identity["detail"]


def test_the_run_summaries_say_who_each_step_acted_as(rehearsed: Any) -> None:
    result, _, _ = rehearsed
    summary = (result.run_dirs[-1] / "summary.md").read_text(encoding="utf-8")
    assert "| step | acted as | result |" in summary
    acted_as = result.as_admin[0]["report"]["acted_as"]
    assert f"| 04_create_developer_user | {acted_as} | ok |" in summary
    report = rehearsal.render_rehearsal(result, seconds=1)
    assert report.endswith("PASSED: every step after the Admin's sign-in acted as the Admin's role.\n")


def test_a_workshop_sandbox_is_no_rehearsal(sandbox: SandboxClient, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="is in workshop mode"):
        rehearsal.rehearse(sandbox, tmp_path)


# --- the parts (pure) ----------------------------------------------------------------------------


def test_the_runs_environment_is_a_person_s_machine_with_a_local_endpoint(tmp_path: Path) -> None:
    base = {"PATH": "/bin", "AWS_PROFILE": "work", "AWS_ACCESS_KEY_ID": "AKIA", "RUNBOOK_SANDBOX_URL": "http://x",
            "AWS_ENDPOINT_URL": "http://elsewhere"}
    environment = rehearsal.rehearsal_environment(tmp_path, "http://127.0.0.1:1", base)
    assert environment["PATH"] == "/bin" and environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert not {"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "RUNBOOK_SANDBOX_URL"} & set(environment)
    assert (environment["HOME"], environment["AWS_CONFIG_FILE"]) == (str(tmp_path), str(tmp_path / ".aws" / "config"))
    assert base["AWS_PROFILE"] == "work"  # the caller's own environment is left alone


@pytest.mark.parametrize("build", [rehearsal.first_time_parameters, rehearsal.admin_parameters])
def test_the_parameters_are_what_the_notebooks_declare(build: Any, tmp_path: Path) -> None:
    view = rehearsal.ConsoleView("123456789012", "us-east-1", "https://d-1234567890.awsapps.com/start")
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(build(view)), encoding="utf-8")
    loaded = load_parameters(params_file)
    for step in loaded["steps"]:
        parameters_for(rehearsal.NOTEBOOKS / f"{step}.ipynb", loaded, apply=True, summary_file=tmp_path / "r.json")


def test_a_step_acting_as_anyone_else_fails_the_rehearsal() -> None:
    steps = sorted(path.stem for path in rehearsal.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    admin = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/Admin"
    ok = {"succeeded": True, "report": {"verified": True, "acted_as": admin}}
    result = rehearsal.RehearsalResult(
        fixed_keys_answer="InvalidClientTokenId",
        first_time=[{"step": step, **ok} for step in rehearsal.FIRST_TIME_STEPS],
        as_admin=[{"step": step, **ok} for step in steps],
    )
    assert result.passed
    result.as_admin[2] = {"step": steps[2], "succeeded": True,
                          "report": {"verified": True, "acted_as": "arn:aws:sts::123456789012:user/moto"}}
    assert result.failures == [f"{steps[2]} acted as arn:aws:sts::123456789012:user/moto, not as the Admin's role."]
    result.fixed_keys_answer = ""
    assert "fixed sandbox keys were accepted" in result.failures[0]
