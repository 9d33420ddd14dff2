"""The in-process papermill engine records what a kernel would, and papermill judges it the same.

Each test builds a small notebook, runs it through ``papermill.execute_notebook`` with the
engine, and reads the executed notebook papermill wrote.
"""

from __future__ import annotations

import builtins
import json
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from runbook_lib import engine
from runbook_lib.engine import register_engine


def write_notebook(path: Path, *cells: str, parameters: str = "", tags: dict[int, list[str]] | None = None) -> Path:
    """Write a Python notebook of code cells (a ``parameters`` cell first, when given)."""
    notebook = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    })
    if parameters:
        notebook.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    for index, source in enumerate(cells):
        notebook.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": (tags or {}).get(index, [])}))
    nbformat.write(notebook, path)
    return path


def execute(notebook: Path, output: Path, **parameters: object) -> nbformat.NotebookNode:
    """Run ``notebook`` with the engine; return the executed notebook as written to ``output``."""
    papermill.execute_notebook(
        str(notebook), str(output), parameters=parameters, engine_name=register_engine(),
        kernel_name="python3", progress_bar=False,
    )
    return nbformat.read(output, as_version=4)


def outputs_of(notebook: nbformat.NotebookNode) -> list[list[dict]]:
    """Return each code cell's outputs."""
    return [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]


def test_streams_displays_and_values_become_the_cells_outputs(tmp_path):
    notebook = write_notebook(
        tmp_path / "in.ipynb",
        "import sys\nprint('one')\nprint('two')\nprint('oops', file=sys.stderr)",
        "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))",
        "import pandas\npandas.DataFrame({'a': [1]})",
        "x = 1",
    )
    ran = execute(notebook, tmp_path / "out.ipynb")
    streams, displayed, value, nothing = outputs_of(ran)
    assert [(out.output_type, out.name, out.text) for out in streams] == [
        ("stream", "stdout", "one\ntwo\n"), ("stream", "stderr", "oops\n")]
    assert displayed[0].output_type == "display_data" and displayed[0].data["text/html"] == "<b>bold</b>"
    assert value[0].output_type == "execute_result" and value[0].execution_count == 3
    assert {"text/plain", "text/html"} <= set(value[0].data)  # every MIME type, as a kernel sends
    assert nothing == []
    assert [cell.execution_count for cell in ran.cells] == [1, 2, 3, 4]
    assert ran.metadata.language_info["name"] == "python"


def test_the_parameters_cell_gets_papermills_injected_cell(tmp_path):
    notebook = write_notebook(tmp_path / "in.ipynb", "print(greeting * times)", parameters="greeting = 'hi'\ntimes = 1")
    ran = execute(notebook, tmp_path / "out.ipynb", greeting="ho", times=2)
    injected = [cell for cell in ran.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert len(injected) == 1 and "greeting = \"ho\"" in injected[0].source
    assert outputs_of(ran)[-1][0].text == "hoho\n"


def test_an_error_stops_the_notebook_and_papermill_raises_it_keeping_the_record(tmp_path):
    notebook = write_notebook(tmp_path / "in.ipynb", "print('before')", "1 / 0", "print('never')")
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        execute(notebook, tmp_path / "out.ipynb")
    assert (failed.value.ename, failed.value.evalue) == ("ZeroDivisionError", "division by zero")
    kept = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [cell for cell in kept.cells if cell.cell_type == "code"]
    assert code[0].outputs[0].text == "before\n"
    assert code[1].outputs[0].output_type == "error" and code[1].metadata.papermill.exception is True
    assert code[2].outputs == [] and code[2].execution_count is None
    assert "An Exception was encountered" in kept.cells[0].source  # papermill's own marker


def test_our_errors_show_as_their_message_without_a_traceback(tmp_path):
    notebook = write_notebook(
        tmp_path / "in.ipynb",
        "from runbook_lib.notebook import show_errors_plainly\nshow_errors_plainly()",
        "from runbook_lib.errors import InputError\nraise InputError('region', 'mars-1', 'is not a region')",
    )
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        execute(notebook, tmp_path / "out.ipynb")
    assert failed.value.ename == "InputError"
    error = outputs_of(nbformat.read(tmp_path / "out.ipynb", as_version=4))[1][0]
    assert error.traceback == [f"InputError: {error.evalue}"]
    assert "region" in error.evalue and "mars-1" in error.evalue


def test_a_cell_tagged_raises_exception_may_fail_and_the_notebook_goes_on(tmp_path):
    """As under nbclient: the cells after it run; papermill still reports the error at the end."""
    notebook = write_notebook(tmp_path / "in.ipynb", "raise ValueError('expected')", "print('after')",
                              tags={0: ["raises-exception"]})
    with pytest.raises(papermill.PapermillExecutionError):
        execute(notebook, tmp_path / "out.ipynb")
    kept = [cell for cell in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells if cell.cell_type == "code"]
    assert kept[1].outputs[0].text == "after\n"


def test_input_is_refused_as_under_a_kernel_without_stdin(tmp_path):
    notebook = write_notebook(tmp_path / "in.ipynb", "input('Your name? ')")
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        execute(notebook, tmp_path / "out.ipynb")
    assert failed.value.ename == "StdinNotImplementedError"


def test_each_notebook_gets_a_fresh_shell_and_namespace(tmp_path):
    first = write_notebook(tmp_path / "first.ipynb", "left_over = 1\nget_ipython().set_custom_exc((ValueError,), None)")
    second = write_notebook(tmp_path / "second.ipynb", "print('left_over' in globals(), get_ipython().custom_exceptions)")
    execute(first, tmp_path / "first-out.ipynb")
    ran = execute(second, tmp_path / "second-out.ipynb")
    assert outputs_of(ran)[0][0].text == "False ()\n"


def test_this_process_gets_its_streams_input_and_main_module_back(tmp_path):
    def current() -> tuple[object, ...]:
        return sys.stdout, sys.stderr, sys.modules.get("__main__"), builtins.input

    before = current()
    execute(write_notebook(tmp_path / "in.ipynb", "print('x')"), tmp_path / "out.ipynb")
    assert current() == before


def test_a_warm_up_leaves_no_shell_and_this_process_as_it_was(tmp_path):
    before = sys.stdout, sys.stderr, sys.modules.get("__main__"), builtins.input
    engine.warm_up_shell()
    assert (sys.stdout, sys.stderr, sys.modules.get("__main__"), builtins.input) == before
    assert not engine.InteractiveShell.initialized() and not engine.NotebookShell.initialized()
    ran = execute(write_notebook(tmp_path / "in.ipynb", "print('warmed' in globals(), type(get_ipython()).__name__)"), tmp_path / "out.ipynb")
    assert outputs_of(ran)[0][0].text == "False NotebookShell\n"


def test_the_notebook_is_written_at_start_and_end_but_not_twice_per_cell(tmp_path, monkeypatch):
    written: list[str] = []
    real_write, real_unchecked = papermill.engines.write_ipynb, engine.write_unchecked
    monkeypatch.setattr(papermill.engines, "write_ipynb", lambda nb, path: (written.append(path), real_write(nb, path)))
    monkeypatch.setattr(papermill.execute, "write_ipynb", lambda nb, path: (written.append(path), real_write(nb, path)))
    monkeypatch.setattr(engine, "write_unchecked", lambda nb, path: (written.append(path), real_unchecked(nb, path)))
    notebook = write_notebook(tmp_path / "in.ipynb", *[f"x = {number}" for number in range(20)])
    ran = execute(notebook, tmp_path / "out.ipynb")
    assert 2 <= len(written) < 10  # papermill's own manager: 2 + 2 per cell = 42
    assert all(cell.metadata.papermill.status == "completed" for cell in ran.cells)
    assert json.loads((tmp_path / "out.ipynb").read_text())["metadata"]["papermill"]["duration"] is not None


def test_the_executed_notebook_is_valid_though_outputs_and_saves_skip_the_schema_check(tmp_path):
    notebook = write_notebook(tmp_path / "in.ipynb", "print('out')", "import sys; print('err', file=sys.stderr)",
                              "from IPython.display import display, HTML; display(HTML('<b>x</b>'))", "42", "1 / 0")
    with pytest.raises(papermill.PapermillExecutionError):
        execute(notebook, tmp_path / "out.ipynb")
    ran = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    nbformat.validate(ran)  # raises on any output or cell the schema refuses
    kinds = [output.output_type for outputs in outputs_of(ran) for output in outputs]
    assert kinds == ["stream", "stream", "display_data", "execute_result", "error"]
    made = engine.new_output("execute_result", data={"text/plain": "42"}, metadata={}, execution_count=3)
    assert made == nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, metadata={}, execution_count=3)


def test_when_the_engine_itself_fails_its_last_write_is_the_record(tmp_path, monkeypatch):
    def crash(*_):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(engine, "run_cell", crash)
    with pytest.raises(RuntimeError, match="engine broke"):
        execute(write_notebook(tmp_path / "in.ipynb", "x = 1"), tmp_path / "out.ipynb")
    written = json.loads((tmp_path / "out.ipynb").read_text())  # papermill writes nothing after an engine error
    assert written["metadata"]["papermill"]["end_time"] is not None


def test_binary_display_data_is_kept_as_base64():
    assert engine.json_safe({"image/png": b"\x89PNG", "text/plain": "<Image>"}) == {
        "image/png": "iVBORw==", "text/plain": "<Image>"}


def test_only_python_notebooks_run_in_process(tmp_path):
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}})
    notebook.cells.append(nbformat.v4.new_code_cell("1"))
    nbformat.write(notebook, tmp_path / "in.ipynb")
    with pytest.raises(ValueError, match="Python notebooks only"):
        execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb")
