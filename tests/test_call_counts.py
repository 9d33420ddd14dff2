"""The AWS calls of a whole headless run, step by step, pinned so that repeated reads cannot creep
back (issue 11): each phase reads each thing once (``aws_memo``), a verify after a plan that
changed nothing reuses the plan's reads, and a notebook does not ask again what an earlier one of
the run read with nothing changed since (``aws.carry_run``).

A lower count is welcome: pin it here. A higher one needs a reason (a new read, or a read that
must be made again after a change), said in the commit that raises it.
"""

from __future__ import annotations

from test_runner import STEPS, read_summary, run_runner

FIRST_RUN_CALLS = {
    "00_start_here": 13, "01_secure_root_user": 3, "02_enable_identity_center": 7,
    "03_create_admin_user": 18, "04_create_developer_user": 22, "05_configure_aws_cli": 1,
    "06_verify_developer_access": 5, "07_set_guardrails": 19, "08_audit_account": 19, "99_teardown": 11,
}
"""On a brand-new sandbox; before issue 11: 17, 5, 9, 20, 23, 2, 6, 19, 29, 45; before the run
carried its held reads from one notebook to the next: 13, 5, 8, 20, 23, 2, 6, 19, 29, 23."""
RERUN_CALLS = {
    "00_start_here": 28, "01_secure_root_user": 0, "02_enable_identity_center": 0,
    "03_create_admin_user": 2, "04_create_developer_user": 7, "05_configure_aws_cli": 0,
    "06_verify_developer_access": 3, "07_set_guardrails": 10, "08_audit_account": 19, "99_teardown": 11,
}
"""The same run again, with nothing to change: 00's status reads what 01 to 04 would, and they
are not asked again (07 asks who the credentials are again: 06 is handed the sandbox, which can
reset the account, and its context forgets that too). Before issue 11: 34, 5, 6, 22, 24, 2, 4, 19, 29, 45; before the carried
reads: 28, 3, 3, 13, 14, 2, 4, 10, 29, 23."""


def calls_by_step(run_dir) -> dict[str, list[str]]:
    return {step["step"]: step["report"]["calls"] for step in read_summary(run_dir)["steps"]}


def test_a_whole_run_and_its_rerun_make_the_pinned_number_of_aws_calls_per_step(sandbox, tmp_path):
    first, first_dir = run_runner(tmp_path / "first")
    assert first.returncode == 0, first.stdout + first.stderr
    second, rerun_dir = run_runner(tmp_path / "rerun")
    assert second.returncode == 0, second.stdout + second.stderr

    first_calls, rerun_calls = calls_by_step(first_dir), calls_by_step(rerun_dir)
    assert sorted(first_calls) == sorted(rerun_calls) == STEPS
    assert {step: len(calls) for step, calls in first_calls.items()} == FIRST_RUN_CALLS, first_calls
    assert {step: len(calls) for step, calls in rerun_calls.items()} == RERUN_CALLS, rerun_calls

    # With nothing to change, a step's verify reuses its plan's reads: no read is sent twice but
    # those that ask of different things (04 simulates the role on two resources, 07 reads the
    # subscribers of each of its budget's three notifications).
    asked_of_each = {"iam:SimulatePrincipalPolicy", "budgets:DescribeSubscribersForNotification"}
    for step in ("01_secure_root_user", "03_create_admin_user", "04_create_developer_user", "07_set_guardrails"):
        calls = rerun_calls[step]
        assert {call for call in calls if calls.count(call) > 1} <= asked_of_each, (step, calls)
