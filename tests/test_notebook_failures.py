"""Every step notebook, cell by cell as "Run All" would (and as a person does after an error):
our errors show in place without a traceback, and the cells after a failed one say what to fix
first instead of a bare ``NameError`` for what the failed cell was to define.

The cells run unchanged in an IPython shell of this process (``show_errors_plainly`` needs one),
after the parameters cell, the way papermill injects parameters.
"""

from __future__ import annotations

import ast
import builtins
import json
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STEP_NOTEBOOKS = sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if not path.stem.startswith("00_"))
CLOSING_MARKS = ("✔", "⚠", "✖")
SHELL_NAMES = {"get_ipython", "display", "In", "Out", "exit", "quit"}
"""Names an IPython shell gives every cell."""


def code_cells(name: str) -> list[dict]:
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def run_cell_by_cell(name: str, parameters: dict[str, object], capsys: pytest.CaptureFixture[str]) -> list[tuple[bool, str]]:
    """Run every code cell of ``name`` in a fresh shell, going on after a failure; return each
    cell's success and what it showed."""
    from runbook_lib import notebook

    notebook.forget_failures()
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    capsys.readouterr()
    shown: list[tuple[bool, str]] = []
    try:
        for cell in code_cells(name):
            result = shell.run_cell("".join(cell["source"]))
            if "parameters" in cell["metadata"].get("tags", []):
                shell.user_ns.update(parameters)
            captured = capsys.readouterr()
            shown.append((result.success, captured.out + captured.err))
    finally:
        InteractiveShell.clear_instance()
    return shown


def assert_failures_explained(name: str, shown: list[tuple[bool, str]]) -> int:
    """Assert no cell showed a traceback and each failure after the first names the first; return
    the first failed cell's index (len(shown) when none failed)."""
    assert all("Traceback" not in output for _, output in shown), name
    failed = [index for index, (success, _) in enumerate(shown) if not success]
    for index in failed[1:]:
        assert "An earlier cell stopped with" in shown[index][1], (name, index, shown[index][1])
    return failed[0] if failed else len(shown)


@pytest.mark.parametrize("name", STEP_NOTEBOOKS)
def test_a_refused_parameter_stops_the_first_cell_and_every_later_one_says_what_to_fix(name, capsys):
    shown = run_cell_by_cell(name, {"target": "nowhere"}, capsys)
    first = assert_failures_explained(name, shown)
    assert first < len(shown), f"{name}: a target of 'nowhere' was accepted"
    assert "target" in shown[first][1] and "What to do next" in shown[first][1]
    assert any(not success for success, _ in shown[first + 1:]), f"{name}: no later cell needed the failed one"


@pytest.mark.parametrize("name", STEP_NOTEBOOKS)
def test_on_a_brand_new_account_each_notebook_fails_plainly_or_ends_with_its_state(name, sandbox, capsys):
    shown = run_cell_by_cell(name, {}, capsys)
    first = assert_failures_explained(name, shown)
    if first == len(shown):  # it ran: its last line is its state and the next notebook
        last = shown[-1][1].strip().splitlines()[-1]
        assert last.startswith(CLOSING_MARKS) and "Next: " in last, (name, last)
    else:
        assert "What to do next" in shown[first][1], (name, shown[first][1])


def defined_and_used(source: str) -> tuple[set[str], set[str]]:
    """Return the top-level names a cell binds and the names it reads before binding them."""
    tree = ast.parse(source)
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return bound, used - bound


@pytest.mark.parametrize("name", STEP_NOTEBOOKS)
def test_every_name_a_cell_needs_is_made_by_an_earlier_cell(name):
    """What a later cell needs comes from an earlier one (so a failure there is what it names),
    never from a name nothing defines."""
    made = set(dir(builtins)) | SHELL_NAMES
    for index, cell in enumerate(code_cells(name)):
        bound, needed = defined_and_used("".join(cell["source"]))
        assert needed <= made, f"{name} cell {index} needs {sorted(needed - made)}, which no earlier cell makes"
        made |= bound


@pytest.fixture
def shell(capsys):
    """Return a fresh IPython shell with the runbook's error display on."""
    from runbook_lib import notebook

    notebook.forget_failures()
    InteractiveShell.clear_instance()
    made = InteractiveShell.instance()
    made.run_cell("from runbook_lib.notebook import show_errors_plainly\nshow_errors_plainly()")
    capsys.readouterr()
    yield made
    InteractiveShell.clear_instance()


FAILING_CELL = "from runbook_lib.errors import InputError\nif not email_ok:\n    raise InputError('email', 'x', 'must be an email address')\ninstance = 1"


def test_after_a_failed_cell_any_error_that_follows_names_it_without_a_traceback(shell, capsys):
    shell.run_cell("email_ok = False")
    shell.run_cell(FAILING_CELL)
    capsys.readouterr()
    result = shell.run_cell("open('/nonexistent/profile-the-failed-cell-found-missing')")
    shown = capsys.readouterr().out
    assert not result.success
    assert "FileNotFoundError" in shown and "An earlier cell stopped with InputError: email" in shown
    assert "Traceback" not in shown


def test_an_error_not_of_ours_is_named_by_the_cells_after_it(shell, capsys):
    shell.run_cell("int('not a number')")
    capsys.readouterr()
    shell.run_cell("instance.instance_arn")
    shown = capsys.readouterr().out
    assert "An earlier cell stopped with ValueError: invalid literal" in shown and "Traceback" not in shown


def test_once_the_failed_cell_is_fixed_later_errors_are_not_blamed_on_it(shell, capsys):
    shell.run_cell("email_ok = False")
    shell.run_cell(FAILING_CELL)
    shell.run_cell("email_ok = True")
    assert shell.run_cell(FAILING_CELL).success  # run again, fixed
    capsys.readouterr()
    shell.run_cell("undefined_name")
    shown = capsys.readouterr().out
    assert "NameError" in shown and "An earlier cell stopped" not in shown


def test_once_the_failed_cell_is_fixed_the_steps_closing_line_no_longer_says_failed(capsys):
    """A form error fixed and its cell run again: the step's report forgets the error, so the
    notebook's last line judges the step on its checks, not on a mistake already corrected."""
    from runbook_lib import notebook

    notebook.forget_failures()
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        forgotten: list[str] = []

        class Run:  # the one thing show_errors_plainly asks of a step's run
            def __init__(self) -> None:
                self.error = ""

            def record(self, error) -> None:
                self.error = str(error)

            def forget_failure(self) -> None:
                forgotten.append(self.error)
                self.error = ""

        run = Run()
        shell.user_ns["run_"] = run
        shell.run_cell("from runbook_lib.notebook import show_errors_plainly\nshow_errors_plainly(on_error=run_.record, on_fixed=run_.forget_failure)")
        shell.run_cell("email_ok = False")
        assert not shell.run_cell(FAILING_CELL).success
        assert "email" in run.error
        shell.run_cell("instance")  # a cell after it, still blamed on the failed one
        assert run.error and not forgotten
        shell.run_cell("email_ok = True")
        assert shell.run_cell(FAILING_CELL).success
        assert run.error == "" and len(forgotten) == 1
    finally:
        InteractiveShell.clear_instance()
    capsys.readouterr()


def test_a_step_run_that_forgets_its_failure_is_judged_on_its_checks_again():
    from types import SimpleNamespace

    from runbook_lib.step_run import StepReport, StepRun
    from runbook_lib.step_state import judge_step_state

    report = StepReport(step="03_create_admin_user")
    report.error = "FormError: 1 field to correct"
    assert judge_step_state(report).mark == "failed"
    written: list[bool] = []
    run = SimpleNamespace(report=report, finish=lambda: written.append(True))
    StepRun.forget_failure(run)  # the method alone, on the state it reads
    assert report.error is None and written == [True]
    assert judge_step_state(report).mark != "failed"


def test_a_cell_run_before_the_one_that_makes_its_name_says_to_run_the_cells_above(shell, capsys):
    result = shell.run_cell("values = form.values()")
    shown = capsys.readouterr().out
    assert not result.success and isinstance(result.error_in_exec, NameError)
    assert "name 'form' is not defined" in shown and "Run the cells above" in shown
    assert "Traceback" not in shown
