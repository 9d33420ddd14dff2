"""``python -m runbook_lib.lab``: JupyterLab on the notebooks, with the sandbox already running."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, ensure_sandbox

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def main(argv: list[str] | None = None) -> int:
    """Start (or find) the sandbox, then replace this process with JupyterLab."""
    try:
        url = ensure_sandbox().url
    except SandboxError as error:
        print(f"SandboxError: {error}", file=sys.stderr)
        return 1
    os.environ[SANDBOX_URL_VARIABLE] = url
    print(f"Sandbox running at {url}; opening JupyterLab on {NOTEBOOKS}.")
    arguments = ["jupyter-lab", f"--ServerApp.root_dir={NOTEBOOKS}", *(argv if argv is not None else sys.argv[1:])]
    if os.geteuid() == 0:  # Jupyter refuses to run as root without it (containers, workshops)
        arguments.append("--allow-root")
    jupyter = Path(sys.executable).with_name("jupyter-lab")
    os.execv(str(jupyter), arguments)
    return 0  # not reached: execv replaced the process


if __name__ == "__main__":
    sys.exit(main())
