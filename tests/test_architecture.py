"""The shape of the code: import contracts (import-linter) and modules small enough to read."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES = 500


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on ``project`` with its own pyproject.toml's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=project, capture_output=True, text=True, timeout=120,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(project), "HOME": str(project)},
    )


def test_every_import_contract_is_kept():
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import"),
    [
        ("runbook_lib/errors.py", "import runbook_lib.notebook"),  # the floor reaching for the UI
        ("runbook_lib/widgets.py", "import runbook_lib.steps.access"),  # a widget driving a step
        ("runbook_lib/plan.py", "from runbook_lib import checks\nimport runbook_lib.step_run"),  # a circle
        ("runbook_sandbox/server.py", "import runbook_lib.errors"),  # the server leaning on the library
        ("runbook_lib/steps/status.py", "import ipywidgets"),  # a step showing things
    ],
)
def test_the_contracts_catch_an_import_that_breaks_the_layers(tmp_path, module, upward_import):
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", copy / "pyproject.toml")
    for package in ("runbook_lib", "runbook_sandbox"):
        if (PROJECT_ROOT / package).is_dir():
            shutil.copytree(PROJECT_ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{upward_import}\n", encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_no_library_module_is_over_500_lines():
    long_ones = {
        str(path.relative_to(PROJECT_ROOT)): count
        for path in sorted((PROJECT_ROOT / "runbook_lib").rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long_ones, f"split these by job: {long_ones}"
