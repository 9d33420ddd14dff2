"""What a notebook shows when something goes wrong: our errors plainly, and what to fix first."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture
def shell(capsys):
    """Return a fresh IPython shell with the runbook's error display on."""
    from runbook_lib import notebook

    notebook.forget_failures()  # each test starts a kernel's life anew
    InteractiveShell.clear_instance()
    made = InteractiveShell.instance()
    made.run_cell("from runbook_lib.notebook import show_errors_plainly\nshow_errors_plainly()")
    capsys.readouterr()
    yield made
    InteractiveShell.clear_instance()


def test_an_error_of_ours_shows_its_message_and_advice_without_a_traceback(shell, capsys):
    result = shell.run_cell("from runbook_lib.errors import InputError\nraise InputError('region', 'mars-1', 'must be a region')")
    shown = capsys.readouterr().out
    assert not result.success  # the cell still fails: papermill and nbval see it
    assert "InputError: region: 'mars-1' is not valid: must be a region" in shown
    assert "What to do next: Correct `region`" in shown
    assert "Traceback" not in shown and "File " not in shown


def test_after_a_failed_cell_a_missing_name_says_what_to_fix_first(shell, capsys):
    shell.run_cell("from runbook_lib.errors import InputError\nraise InputError('email', 'x', 'must be an email address')")
    capsys.readouterr()
    result = shell.run_cell("instance.instance_arn")
    shown = capsys.readouterr().out
    assert not result.success
    assert "NameError: name 'instance' is not defined" in shown
    assert "An earlier cell stopped with InputError: email: 'x' is not valid" in shown
    assert "Run Selected Cell and All Below" in shown


def test_a_missing_name_with_no_earlier_failure_is_an_ordinary_error(shell, capsys):
    result = shell.run_cell("undefined_name")
    shown = capsys.readouterr().out
    assert not result.success
    assert "NameError" in shown and "An earlier cell stopped" not in shown


def test_a_notebooks_own_parameters_are_checked_before_any_aws_call(sandbox, monkeypatch):
    import runbook_lib.step_run as step_run_module
    from runbook_lib.notebook import begin_step
    from runbook_lib.parameters import ParametersError, read_parameter_specs
    from runbook_lib.runner import PROJECT_ROOT

    monkeypatch.setattr(step_run_module, "connect", lambda settings: pytest.fail("connected despite bad input"))
    notebook = PROJECT_ROOT / "notebooks" / "03_create_admin_user.ipynb"
    values = {name: spec.default for name, spec in read_parameter_specs(notebook).items()}
    values.update(email="not-an-email", confirmed=["invitation"], session_duration_hours=13)
    with pytest.raises(ParametersError) as refused:
        begin_step("03_create_admin_user", target="sandbox", parameters=values)
    assert [problem.path for problem in refused.value.problems] == ["email", "session_duration_hours"]


def test_every_notebooks_defaults_pass_its_own_check():
    from runbook_lib.parameters import check_step_parameters, read_parameter_specs
    from runbook_lib.runner import PROJECT_ROOT, find_notebooks

    for notebook in find_notebooks(PROJECT_ROOT / "notebooks"):
        defaults = {name: spec.default for name, spec in read_parameter_specs(notebook).items()}
        check_step_parameters(notebook.stem, defaults)  # raises on a default that breaks its own rule
