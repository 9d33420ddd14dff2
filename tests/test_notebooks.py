"""The step notebooks' house rules, checked by reading them (nbval runs the references).

- committed notebooks carry no outputs;
- one ``parameters`` cell, whose names papermill sees exactly as Python does, with the common ones;
- every reference in ``tests/notebooks`` has its notebook's cells (else: ``make reference``);
- every notebook opens the same way and is named ``NN_verb_object.ipynb``, NN from 00 on (and 99,
  the teardown, last);
- notebooks are glue: no class, no long function, nothing nbval runs differently from JupyterLab.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import nbformat
import papermill
import pytest
from IPython.core.inputtransformer2 import TransformerManager

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REFERENCE_DIR = TESTS_DIR / "notebooks"
SANITIZE_FILE = TESTS_DIR / "nbval_sanitize.cfg"

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
REFERENCES = sorted(REFERENCE_DIR.glob("*.ipynb"))

NAME_PATTERN = re.compile(r"(?P<number>\d{2})_(?P<verb>[a-z]+)_(?P<object>[a-z0-9]+(?:_[a-z0-9]+)*)\.ipynb")
COMMON_PARAMETERS = (
    "target", "profile", "region", "account_id", "headless", "apply", "simulate_console", "summary_file",
)
OPENING_SECTIONS = ("Goal", "Prerequisites", "What changes", "How to undo")
MAX_FUNCTION_LINES = 15
TEARDOWN_NUMBER, TEARDOWN_NAME = 99, "99_teardown.ipynb"
"""The teardown runs after every step, however many there are: it alone is numbered out of the row,
and named by its one word."""
REGENERATE = "run `make reference` (python tests/make_reference_notebooks.py) and commit tests/notebooks/"


def relative(path: Path) -> str:
    """Return ``path`` relative to the project, for messages."""
    return str(path.relative_to(PROJECT_ROOT))


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(path, as_version=4)


def cell_name(number: int, cell: nbformat.NotebookNode) -> str:
    """Name a cell as JupyterLab shows it (1-based) and by its id, for messages."""
    return f"cell {number + 1} (id {cell.get('id', '?')})"


def parameters_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Return the cells tagged ``parameters``."""
    return [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]


def python_source(cell: nbformat.NotebookNode) -> str:
    """Return a code cell's source as plain Python (IPython magics turned into calls)."""
    return TransformerManager().transform_cell(cell.source)


def assigned_names(source: str) -> list[str]:
    """Return the names a cell assigns at top level (``x = ...`` and ``x: T = ...``), in order."""
    names = []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.append(statement.target.id)
        elif isinstance(statement, ast.Assign):
            names += [target.id for target in statement.targets if isinstance(target, ast.Name)]
    return names


def notebook_ids(paths: list[Path]) -> list[str]:
    """Return pytest ids: the notebooks' names."""
    return [path.name for path in paths]


def test_there_are_notebooks_and_references() -> None:
    assert NOTEBOOKS, f"no notebooks in {relative(NOTEBOOKS_DIR)}"
    assert REFERENCES, f"no reference notebooks in {relative(REFERENCE_DIR)}: {REGENERATE}"


# (a) committed notebooks carry no outputs ---------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_has_no_outputs(path: Path) -> None:
    notebook = read(path)
    dirty = [
        cell_name(number, cell)
        for number, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{relative(path)}: {', '.join(dirty)} keep outputs or execution counts; committed notebooks "
        "carry none. Clear them (JupyterLab: Edit > Clear Outputs of All Cells, then save; or "
        f"`jupyter nbconvert --clear-output --inplace {relative(path)}`)."
    )
    assert "widgets" not in notebook.metadata, (
        f"{relative(path)}: the notebook's metadata keeps widget state; clear it (JupyterLab: "
        "Settings > 'Save Widget State Automatically' off, then clear outputs and save)."
    )


# (b) the parameters cell --------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_has_one_parameters_cell(path: Path) -> None:
    cells = parameters_cells(read(path))
    assert len(cells) == 1, (
        f"{relative(path)}: {len(cells)} cells are tagged 'parameters'; exactly one must be "
        "(papermill injects its values after the first)."
    )
    assert cells[0].cell_type == "code", f"{relative(path)}: the 'parameters' cell must be a code cell."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_papermill_sees_every_parameter(path: Path) -> None:
    """papermill's inspector drops, silently, any line with a second '=' (e.g. in its comment)."""
    (cell,) = parameters_cells(read(path))
    in_python = assigned_names(python_source(cell))
    seen_by_papermill = list(papermill.inspect_notebook(str(path)))
    missed = [name for name in in_python if name not in seen_by_papermill]
    assert not missed, (
        f"{relative(path)}: papermill does not see parameter(s) {', '.join(missed)}, so the runner "
        "cannot set them. Its inspector skips a line with a second '=' (in a comment or a string): "
        "reword that line without '='."
    )
    assert sorted(seen_by_papermill) == sorted(in_python), (
        f"{relative(path)}: papermill sees {sorted(seen_by_papermill)}, the cell assigns {sorted(in_python)}."
    )
    absent = [name for name in COMMON_PARAMETERS if name not in in_python]
    assert not absent, (
        f"{relative(path)}: the parameters cell lacks the common parameter(s) {', '.join(absent)}; "
        f"every step declares {', '.join(COMMON_PARAMETERS)}."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_parameters_are_annotated_literals_with_a_comment(path: Path) -> None:
    """Each parameter is ``name: type = literal  # what it is`` (the runner and papermill rely on it)."""
    (cell,) = parameters_cells(read(path))
    source = python_source(cell)
    commented_lines = {
        token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    problems = []
    for statement in ast.parse(source).body:
        text = ast.get_source_segment(source, statement) or ast.dump(statement)
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and statement.value is not None):
            problems.append(f"{text!r} is not an annotated assignment (name: type = value)")
            continue
        try:
            ast.literal_eval(statement.value)
        except ValueError:
            problems.append(f"{text!r} does not assign a literal")
        if statement.lineno not in commented_lines:
            problems.append(f"{text!r} has no comment saying what it is")
    assert not problems, f"{relative(path)}, parameters cell: " + "; ".join(problems) + "."


# (c) the references are the notebooks, executed ---------------------------------------------------

def cells_of(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Return what a reference must share with its notebook: each cell's type and source."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_has_a_current_reference(path: Path) -> None:
    reference = REFERENCE_DIR / path.name
    assert reference.exists(), f"{relative(path)} has no reference {relative(reference)}: {REGENERATE}."
    expected, recorded = cells_of(read(path)), cells_of(read(reference))
    if recorded != expected:
        changed = [
            str(number + 1) for number, (mine, theirs) in enumerate(zip(expected, recorded)) if mine != theirs
        ]
        if len(expected) != len(recorded):
            changed.append(f"count {len(expected)} vs {len(recorded)}")
        pytest.fail(
            f"{relative(reference)} is stale: its cells differ from {relative(path)} "
            f"(cells {', '.join(changed)}): {REGENERATE}.",
            pytrace=False,
        )


@pytest.mark.parametrize("reference", REFERENCES, ids=notebook_ids(REFERENCES))
def test_reference_has_a_notebook(reference: Path) -> None:
    notebook = NOTEBOOKS_DIR / reference.name
    assert notebook.exists(), (
        f"{relative(reference)} has no notebook {relative(notebook)} (renamed or removed?): {REGENERATE} "
        "(it deletes references without a notebook)."
    )


@pytest.mark.parametrize("reference", REFERENCES, ids=notebook_ids(REFERENCES))
def test_reference_is_stripped_of_run_metadata(reference: Path) -> None:
    recorded = read(reference)
    assert "widgets" not in recorded.metadata, f"{relative(reference)} keeps widget state: {REGENERATE}."
    timed = [
        cell_name(number, cell) for number, cell in enumerate(recorded.cells) if "execution" in cell.metadata
    ]
    assert not timed, f"{relative(reference)}: {', '.join(timed)} keep execution timings: {REGENERATE}."


# (d) the house shape ------------------------------------------------------------------------------

def test_notebooks_are_named_and_numbered_from_00() -> None:
    misnamed = [path.name for path in NOTEBOOKS if not NAME_PATTERN.fullmatch(path.name) and path.name != TEARDOWN_NAME]
    assert not misnamed, f"notebooks not named NN_verb_object.ipynb (lower case, digits, underscores): {misnamed}"
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    steps = [number for number in numbers if number != TEARDOWN_NUMBER]
    assert steps == list(range(len(steps))), (
        f"notebook numbers must run 00, 01, 02, ... without gaps or repeats (and 99, the teardown, last); "
        f"found {[path.name for path in NOTEBOOKS]}"
    )
    assert numbers.count(TEARDOWN_NUMBER) <= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_opens_the_house_way(path: Path) -> None:
    notebook = read(path)
    assert notebook.cells, f"{relative(path)} is empty."
    first = notebook.cells[0]
    assert first.cell_type == "markdown", f"{relative(path)}: the first cell must be markdown (title and summary)."
    title = first.source.splitlines()[0] if first.source else ""
    number = path.name[:2]
    assert title.startswith(f"# {number} · "), (
        f"{relative(path)}: the first line must be the title '# {number} · <what this step does>', not {title!r}."
    )
    opening = []
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            break
        if cell.cell_type == "markdown":
            opening.append(cell.source)
    text = "\n".join(opening)
    absent = [section for section in OPENING_SECTIONS if section not in text]
    assert not absent, (
        f"{relative(path)}: the cells before the parameters cell must say {', '.join(OPENING_SECTIONS)}; "
        f"missing: {', '.join(absent)}."
    )


# (e) notebooks are glue ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_code_is_glue(path: Path) -> None:
    problems = []
    for number, cell in enumerate(read(path).cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(python_source(cell))):
            if isinstance(node, ast.ClassDef):
                problems.append(f"{cell_name(number, cell)} defines class {node.name}")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    problems.append(f"{cell_name(number, cell)} defines {node.name}() of {length} lines")
    assert not problems, (
        f"{relative(path)}: {'; '.join(problems)}. Notebooks are glue: move the logic into runbook_lib "
        f"(a function there, tested in tests/), and call it (functions here: at most {MAX_FUNCTION_LINES} lines)."
    )


def ends_with_semicolon(source: str) -> bool:
    """Return True when the last Python token of ``source`` is ';' (IPython's "hide the value")."""
    tokens = [
        token for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.ENDMARKER,
                              tokenize.INDENT, tokenize.DEDENT)
    ]
    return bool(tokens) and tokens[-1].type == tokenize.OP and tokens[-1].string == ";"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_no_cell_hides_its_value_with_a_semicolon(path: Path) -> None:
    """nbval runs cells with store_history=False, where IPython ignores a trailing ';'
    (computationalmodelling/nbval#194, ipython/ipython#14162): the value shows under nbval only."""
    hiding = [
        cell_name(number, cell) for number, cell in enumerate(read(path).cells)
        if cell.cell_type == "code" and ends_with_semicolon(python_source(cell))
    ]
    assert not hiding, (
        f"{relative(path)}: {', '.join(hiding)} end with ';' to hide a value. nbval ignores the ';' "
        "and sees an output JupyterLab does not show; assign the value instead (e.g. `report = run.finish()`)."
    )


# How the notebook tests are wired -----------------------------------------------------------------

def test_sanitize_file_sections_all_parse() -> None:
    """Every [section] of the sanitize file is one pattern nbval reads, and it compiles."""
    from nbval.plugin import get_sanitize_patterns

    text = SANITIZE_FILE.read_text(encoding="utf-8")
    sections = re.findall(r"^\[(.+)\]$", text, flags=re.MULTILINE)
    patterns = get_sanitize_patterns(text)
    assert len(patterns) == len(sections), (
        f"{relative(SANITIZE_FILE)}: {len(sections)} sections but nbval reads {len(patterns)} patterns; "
        "each section needs 'regex: ...' directly followed by 'replace: ...' (one space after the colon)."
    )
    for regex, _ in patterns:
        re.compile(regex)


def test_pytest_collects_only_the_references(pytestconfig: pytest.Config) -> None:
    """nbval must run tests/notebooks (with outputs), never notebooks/ (committed without)."""
    assert pytestconfig.getini("testpaths") == ["tests"], "pytest's testpaths must be ['tests'] so nbval skips notebooks/."
    assert "--ignore=notebooks" in pytestconfig.getini("addopts"), (
        "pytest's addopts must carry --ignore=notebooks, so `pytest .` never runs the output-less notebooks."
    )