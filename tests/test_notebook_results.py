"""What a step notebook shows of its results: the tables, "Check again" replacing the verification
in place, and the closing line (state and next notebook) that a check again updates too."""

from __future__ import annotations

from typing import Any

import ipywidgets
import pytest

from runbook_lib import notebook
from runbook_lib.checks import FAIL, PASS, Check, Verification
from runbook_lib.notebook import NotebookStep
from runbook_lib.plan import Change, Plan
from runbook_lib.step_run import begin_run
from runbook_lib.tables import Table

STEP = "01_secure_root_user"
MFA_OFF = Verification(STEP, (Check("iam_root_mfa_enabled", FAIL, "iam_root_mfa.123456789012", "Root has no MFA device."),))
MFA_ON = Verification(STEP, (Check("iam_root_mfa_enabled", PASS, "iam_root_mfa.123456789012", "Root has MFA."),))


class Handle:
    """A display handle as IPython returns one for ``display_id``: it records its updates."""

    def __init__(self, shown: Any) -> None:
        self.shown = [shown]

    def update(self, replacement: Any, **_: Any) -> None:
        self.shown.append(replacement)


@pytest.fixture
def screen(monkeypatch):
    """Record what the notebook shows (IPython's display, printed sentences, buttons)."""
    shown: dict[str, list[Any]] = {"displayed": [], "handles": [], "buttons": []}

    def ipython_display(obj: Any, display_id: Any = None, **_: Any) -> Handle | None:
        shown["displayed"].append(obj)
        if display_id is None:
            return None
        handle = Handle(obj)
        shown["handles"].append(handle)
        return handle

    monkeypatch.setattr("IPython.display.display", ipython_display)
    monkeypatch.setattr(notebook.widgets, "action_button", lambda label, action, **_: shown["buttons"].append((label, action)) or ipywidgets.Label(label))
    return shown


def test_check_again_replaces_the_table_and_the_closing_line_in_place(sandbox, screen, capsys):
    step = NotebookStep(begin_run(STEP, target="sandbox"))
    answers = iter([MFA_OFF, MFA_ON])
    step.verify(lambda: next(answers))
    step.finish()
    table, calls, line = screen["handles"]
    assert isinstance(table.shown[0], Table) and "FAIL" in table.shown[0].text
    assert line.shown[0].text.startswith("⚠ 01 needs you: 1 check failing (iam_root_mfa_enabled)")
    assert calls.shown[0] == {"text/plain": "01_secure_root_user: 1 read and 0 write AWS calls."}

    (label, check_again), = screen["buttons"]
    said = check_again()
    assert label == "Check again"
    assert isinstance(said, str) and "checked again at" in said  # a sentence under the button, no second table
    assert len(table.shown) == 2 and "PASS" in table.shown[1].text and "checked again at" in table.shown[1].text
    assert line.shown[1].text == "✔ 01 done: root has MFA and no access keys · Next: 02_enable_identity_center.ipynb"
    assert len(calls.shown) == 2  # the count is said again, with what the button's reads added
    assert step.report.verified is True


def test_a_write_made_by_a_button_after_the_last_cell_is_counted_in_its_last_lines(sandbox, screen):
    """An Apply pressed after "Run All" reached the end: the count above the last line said
    "0 write" until the cell ran again; now the button's writes are counted there at once."""
    run = begin_run(STEP, target="sandbox")
    step = NotebookStep(run)
    plan = step.show_plan(Plan(STEP, (Change("create", "s3_bucket.runbook-test-writes", "A bucket.", "create_bucket"),)))

    def make_bucket() -> list[str]:
        run.ctx.client("s3").create_bucket(Bucket="runbook-test-writes")
        return ["created bucket runbook-test-writes"]

    step.apply(plan, make_bucket)
    step.finish()
    calls = screen["handles"][-2]
    assert calls.shown[0]["text/plain"].endswith(" 0 write AWS calls.")
    (apply,) = [action for label, action in screen["buttons"] if label.startswith("Apply")]
    apply()
    assert calls.shown[-1]["text/plain"].endswith(" 1 write AWS calls.")


def test_headless_the_tables_and_the_line_are_shown_once_with_no_button(sandbox, screen, capsys):
    step = NotebookStep(begin_run(STEP, target="sandbox", headless=True))
    step.show_plan(Plan(STEP, (Change("console", "iam_root_mfa.123456789012", "Assign MFA <now>.", "enable_root_mfa", after="MFA device"),)))
    step.verify(lambda: MFA_ON)
    step.finish()
    tables = [shown for shown in screen["displayed"] if isinstance(shown, Table)]
    assert [table.text.splitlines()[0].split()[0] for table in tables] == ["action", f"{STEP}:", "✔"]  # the checks pass: done
    assert "Assign MFA &lt;now&gt;." in tables[0].html
    assert screen["buttons"] == [] and screen["handles"] == []


def test_a_step_that_stops_on_our_error_ends_with_its_failed_line(sandbox, screen):
    from runbook_lib.errors import InputError

    run = begin_run("04_create_developer_user", target="sandbox")
    notebook.stop_step(run, InputError("email", "x", "must be an email address"))
    line = screen["displayed"][-1]
    assert line.text.startswith("✖ 04 failed: InputError: email: 'x' is not valid") and "Next:" not in line.text
    assert run.report.error


def test_00_start_here_keeps_its_own_ending(sandbox, screen, capsys):
    NotebookStep(begin_run("00_start_here", target="sandbox")).finish()
    assert screen["displayed"] == [] and capsys.readouterr().out == ""
