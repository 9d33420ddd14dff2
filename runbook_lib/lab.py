"""``python -m runbook_lib.lab``: JupyterLab on the notebooks, with the sandbox already running.

JupyterLab opens a working copy (``work/``, ignored by git), not ``notebooks/``: autosave writes
outputs (account ids, ARNs) into the notebooks it serves, and the committed ones carry none.
A notebook already in ``work/`` is never overwritten; new ones are copied in.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, ensure_sandbox
from runbook_lib.warm_up import defer_iri_grammars

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT / "notebooks"
WORKING_COPY = PROJECT / "work"
KERNEL_IPYTHON_DIR = WORKING_COPY / ".ipython"
"""The lab's own IPython folder: its kernels load ``runbook_lib.cells`` as an extension."""
KERNEL_CONFIG = """# Written by runbook_lib.lab: errors shown plainly from a kernel's first cell.
c.InteractiveShellApp.extensions = ["runbook_lib.cells"]
"""


def write_kernel_profile(ipython_dir: Path = KERNEL_IPYTHON_DIR) -> Path:
    """Write the IPython profile the lab's kernels start with, and return its config file.

    A person who runs a cell before the notebook's first one (04's Validate, say) gets "run the
    cells above first" instead of a NameError traceback: ``begin_step`` installs that display, so
    without this a kernel only has it once the step's first cell has run.
    """
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(KERNEL_CONFIG, encoding="utf-8")
    return config


def refresh_working_copy(source: Path = NOTEBOOKS, copy: Path = WORKING_COPY) -> list[Path]:
    """Copy into ``copy`` every step notebook it lacks; return the ones copied."""
    copy.mkdir(parents=True, exist_ok=True)
    copied = []
    for notebook in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        target = copy / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
            copied.append(target)
    return copied


def main(argv: list[str] | None = None) -> int:
    """Start (or find) the sandbox, then run JupyterLab in this process until it stops."""
    try:
        url = ensure_sandbox().url
    except SandboxError as error:
        print(f"SandboxError: {error}", file=sys.stderr)
        return 1
    os.environ[SANDBOX_URL_VARIABLE] = url
    refresh_working_copy()
    write_kernel_profile()
    os.environ["IPYTHONDIR"] = str(KERNEL_IPYTHON_DIR)
    print(f"Sandbox running at {url}; opening JupyterLab on {WORKING_COPY} (your copy of notebooks/).")
    arguments = [f"--ServerApp.root_dir={WORKING_COPY}", *(argv if argv is not None else sys.argv[1:])]
    if os.geteuid() == 0:  # Jupyter refuses to run as root without it (containers, workshops)
        arguments.append("--allow-root")
    launch_jupyterlab(arguments)
    return 0


def jupyterlab_command(arguments: list[str]) -> list[str]:
    """Return the command that runs JupyterLab in a new process as ``launch_jupyterlab`` does."""
    launch = "import sys; from runbook_lib.lab import launch_jupyterlab; launch_jupyterlab(sys.argv[1:])"
    return [sys.executable, "-c", launch, *arguments]


def launch_jupyterlab(arguments: list[str]) -> None:
    """Run JupyterLab in this process with ``arguments`` (``jupyter lab``'s), until it stops.

    As the ``jupyter-lab`` command does, but with ``rfc3987_syntax``'s grammars deferred
    (``warm_up.defer_iri_grammars``): jupyter-events imports jsonschema, whose format checkers
    build them on import, 1.3 s of the 3 s JupyterLab takes to start, for an "iri" format its
    schemas never check.
    """
    defer_iri_grammars()
    from jupyterlab.labapp import LabApp

    LabApp.launch_instance(argv=arguments)


if __name__ == "__main__":
    sys.exit(main())
