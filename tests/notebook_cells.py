"""Run a step notebook's own code cells in the test's process, as papermill would in a kernel.

For tests that must watch what a notebook does from inside the process (no AWS call made, a
sign-in approved by the sandbox): the cells run unchanged, the parameters set after the
``parameters`` cell exactly as papermill injects them.
"""

from __future__ import annotations

import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook_cells(name: str, parameters: dict[str, object], *, stop_after: str = "") -> dict[str, object]:
    """Run notebook ``name``'s code cells here; stop after the cell holding ``stop_after``.

    Returns:
        The notebook's variables.
    """
    notebook = NOTEBOOKS / f"{name}.ipynb"
    cells = [cell for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]
    scope: dict[str, object] = {"__name__": "__main__"}
    for cell in cells:
        source = "".join(cell["source"])
        exec(compile(source, f"{notebook.name}:{cell.get('id')}", "exec"), scope)  # noqa: S102 (the notebook's own cells)
        if "parameters" in cell["metadata"].get("tags", []):
            scope.update(parameters)
        if stop_after and stop_after in source:
            break
    return scope
