"""A step notebook's closing line, judged from its report: done, needs you, failed; and what is next."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from runbook_lib.checks import FAIL, PASS, WARN, Check
from runbook_lib.step_run import StepReport
from runbook_lib.step_state import DONE_SENTENCES, NOTEBOOK_ORDER, has_closing_line, judge_step_state, next_notebook
from runbook_lib.tables import state_line

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def report_of(step: str = "03_create_admin_user", *checks: Check, **fields: object) -> StepReport:
    report = StepReport(step, **fields)
    report.verification = [asdict(check) for check in checks]
    report.verified = None if not checks else all(check.status != FAIL for check in checks)
    return report


USER_OK = Check("identitystore_user_exists", PASS, "identitystore_user.Admin", "User Admin exists.")
USER_MISSING = Check("identitystore_user_exists", FAIL, "identitystore_user.Admin", "No user Admin yet.")
MFA_OPEN = Check("sso_checklist_mfa_registered", WARN, "identitystore_user.Admin", "Not confirmed yet.")
INVITE_OPEN = Check("sso_checklist_invitation", WARN, "identitystore_user.Admin", "Not confirmed yet.")


def test_the_order_is_the_notebooks_folder_and_every_step_has_a_done_sentence() -> None:
    assert list(NOTEBOOK_ORDER) == sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert set(DONE_SENTENCES) == set(NOTEBOOK_ORDER) - {"00_start_here"}
    assert not has_closing_line("00_start_here") and has_closing_line("99_teardown")


def test_each_notebook_links_to_the_next_and_the_last_back_to_the_start() -> None:
    assert next_notebook("03_create_admin_user") == "04_create_developer_user.ipynb"
    assert next_notebook("08_audit_account") == "99_teardown.ipynb"
    assert next_notebook("99_teardown") == "00_start_here.ipynb"


def test_verified_with_nothing_left_is_done_with_the_steps_own_words() -> None:
    state = judge_step_state(report_of("03_create_admin_user", USER_OK))
    assert (state.mark, state.sentence) == ("done", "03 done: Admin can administer this account")
    assert state.next_notebook == "04_create_developer_user.ipynb"


def test_checklist_items_not_confirmed_need_the_person() -> None:
    state = judge_step_state(report_of("03_create_admin_user", USER_OK, MFA_OPEN, INVITE_OPEN))
    assert (state.mark, state.sentence) == ("needs_you", "03 needs you: 2 checklist items to confirm")


def test_a_plan_not_applied_is_what_to_do_before_the_failing_checks() -> None:
    report = report_of("03_create_admin_user", USER_MISSING, planned=[{"address": "identitystore_user.Admin"}])
    assert judge_step_state(report).sentence == "03 needs you: apply the plan (1 change), then Check again"
    report.applied = ["Created Admin."]
    assert judge_step_state(report).sentence == "03 needs you: 1 check failing (identitystore_user_exists)"


def test_console_steps_not_done_are_named_as_such() -> None:
    planned = [{"address": "iam_root_mfa.1", "change": {"actions": ["console"]}},
               {"address": "organizations_organization.1", "change": {"actions": ["create"]}},
               {"address": "iam_root_access_keys.1", "change": {"actions": ["console"]}}]
    report = report_of("01_secure_root_user", Check("iam_root_mfa_enabled", FAIL, "iam_root_mfa.1", "No MFA."), planned=planned)
    assert judge_step_state(report).sentence == (
        "01 needs you: apply the plan (1 change) and do the 2 console steps, then Check again")


def test_a_passing_verification_with_the_plan_unapplied_is_not_done() -> None:
    report = report_of("99_teardown", Check("runbook_created_resources_removed", WARN, "ledger.1", "Still there."),
                       planned=[{"address": "a"}, {"address": "b"}])
    assert judge_step_state(report).sentence == "99 needs you: the plan is not applied yet (2 changes)"


def test_conflicts_and_console_steps_left_need_the_person() -> None:
    assert judge_step_state(report_of("04_create_developer_user", USER_OK, needs_you=["a: decide"])).sentence == (
        "04 needs you: 1 decision in the plan")
    mfa_off = Check("iam_root_mfa_enabled", FAIL, "iam_root_mfa.1", "No MFA.")
    report = report_of("01_secure_root_user", mfa_off, pending_console_steps=["enable_root_mfa", "x"], applied=["y"])
    assert judge_step_state(report).sentence == "01 needs you: do the 2 console steps, then Check again"


def test_console_steps_done_by_hand_and_verified_are_done() -> None:
    planned = [{"address": "iam_root_mfa.1", "change": {"actions": ["console"]}}]
    report = report_of("01_secure_root_user", Check("iam_root_mfa_enabled", PASS, "iam_root_mfa.1", "MFA."), planned=planned)
    assert judge_step_state(report).mark == "done"  # nothing was applied here, yet the checks pass


def test_an_error_is_failed_and_links_nowhere_before_it_is_fixed() -> None:
    state = judge_step_state(report_of("04_create_developer_user", error="InputError: email: 'x' is not valid\nmore"))
    assert (state.mark, state.sentence, state.next_notebook) == ("failed", "04 failed: InputError: email: 'x' is not valid", "")


def test_not_verified_yet_says_which_cell_to_run() -> None:
    assert judge_step_state(report_of("02_enable_identity_center")).sentence == (
        "02 needs you: not verified yet; run the Verify cell")


def test_warnings_do_not_stop_done_but_are_counted() -> None:
    other_warning = Check("sso_permission_set_session_duration", WARN, "sso_permission_set.A", "Longer than asked.")
    assert judge_step_state(report_of("03_create_admin_user", USER_OK, other_warning)).sentence == (
        "03 done: Admin can administer this account (1 warning)")


def test_the_closing_line_is_one_line_with_a_relative_link_to_the_next_notebook() -> None:
    line = state_line(judge_step_state(report_of("03_create_admin_user", USER_OK)))
    assert line.text == "✔ 03 done: Admin can administer this account · Next: 04_create_developer_user.ipynb"
    assert '<a href="04_create_developer_user.ipynb"' in line.html and "\n" not in line.text
    failed = state_line(judge_step_state(report_of("04_create_developer_user", error="InputError: <b>")))
    assert failed.text.startswith("✖ 04 failed") and "<a " not in failed.html and "&lt;b&gt;" in failed.html


def test_00_links_the_first_step_not_done_yet_or_the_audit_when_all_are():
    from runbook_lib.step_state import start_state

    half = [("01_secure_root_user", "done"), ("02_enable_identity_center", "done"), ("03_create_admin_user", "to do"),
            ("04_create_developer_user", "blocked"), ("99_teardown", "info")]
    line = start_state(half)
    assert line.mark == "done" and line.next_notebook == "03_create_admin_user.ipynb" and "step 03" in line.sentence
    everything = [("01_secure_root_user", "done"), ("08_audit_account", "done"), ("99_teardown", "info")]
    assert start_state(everything).next_notebook == "08_audit_account.ipynb"
    assert start_state([("08_audit_account", "not run")]).next_notebook == "08_audit_account.ipynb"
