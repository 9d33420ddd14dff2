"""Re-record the reference notebooks nbval compares against (``make reference``).

Every ``notebooks/NN_*.ipynb`` is executed unchanged, with its default parameters (interactive:
``headless=False``, ``apply=False``, what "Run All" in JupyterLab does), in ``notebooks/``, on a
seeded sandbox account prepared as the tests prepare it (tests/sandbox_seeds.py), isolated exactly as
``tests/conftest.py`` isolates the tests: a temporary ``HOME``, ``RUNBOOK_HOME`` and AWS files, no
profile or credentials, ``AWS_ENDPOINT_URL`` at the sandbox. The executed copy, stripped of
what changes from run to run (timings, widget state, the kernel's version), goes to
``tests/notebooks/<same name>.ipynb``. Reference outputs therefore come from the sandbox only.

Usage::

    python tests/make_reference_notebooks.py                  # every notebook, a private sandbox
    python tests/make_reference_notebooks.py 01_secure_root_user
    python tests/make_reference_notebooks.py --sandbox-url http://127.0.0.1:PORT  # reset, then used

A notebook whose "Run All" fails gets no new reference (the old one is kept); the script says
which cell failed and exits 1. A full run also deletes references whose notebook is gone.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, SandboxClient, start_sandbox

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REFERENCE_DIR = TESTS_DIR / "notebooks"

sys.path.insert(0, str(TESTS_DIR))
from isolation import ISOLATED_VARIABLES, isolated_variables  # noqa: E402  (as the tests)
from sandbox_seeds import prepare_account_for  # noqa: E402

CELL_TIMEOUT_SECONDS = 300
"""Per cell; interactive runs never poll, so a cell this slow is a bug, not AWS being slow."""

VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")
"""Cell metadata that records a run or a view, not the notebook."""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def find_notebooks(names: list[str]) -> list[Path]:
    """Return the step notebooks to record: all of ``notebooks/NN_*.ipynb``, or those named.

    Raises:
        SystemExit: when a named notebook does not exist.
    """
    every = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    by_stem = {path.stem: path for path in every}
    chosen = []
    for name in names:
        stem = Path(name).stem
        if stem not in by_stem:
            raise SystemExit(f"No notebook {name!r} in {NOTEBOOKS_DIR}; known: {', '.join(by_stem)}")
        chosen.append(by_stem[stem])
    return chosen


@contextmanager
def isolated_environment(sandbox_url: str) -> Iterator[Path]:
    """Point HOME, RUNBOOK_HOME, the AWS files and every AWS client at temporary/sandbox places.

    Mirrors ``tests/conftest.py``'s ``pytest_configure``; the kernels nbclient starts inherit
    ``os.environ``. Per-service endpoint overrides (``AWS_ENDPOINT_URL_<SERVICE>``) are dropped
    too, so no call can leave the sandbox. Yields the temporary home; restores the environment
    and removes the home afterwards.
    """
    saved = dict(os.environ)
    home = Path(tempfile.mkdtemp(prefix="runbook-reference-home-"))
    try:
        for name in list(os.environ):
            if name in ISOLATED_VARIABLES or name.startswith("AWS_ENDPOINT_URL_"):
                del os.environ[name]
        os.environ.update(isolated_variables(home))
        os.environ.update({SANDBOX_URL_VARIABLE: sandbox_url, "AWS_ENDPOINT_URL": sandbox_url})
        yield home
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(home, ignore_errors=True)


def start_account_for(path: Path, sandbox: SandboxClient) -> None:
    """Prepare the seeded account the tests give this notebook, and forget saved settings."""
    prepare_account_for(path.stem, sandbox)
    settings = Path(os.environ["RUNBOOK_HOME"]) / "settings.json"
    settings.unlink(missing_ok=True)


def strip_volatile_metadata(executed: nbformat.NotebookNode, source: nbformat.NotebookNode) -> None:
    """Keep the source notebook's metadata (no widget state, no kernel version) and drop each
    cell's run-time metadata (timings), so the references stay small and stable.

    Widget model ids are random per run and point at widget state that is not kept, so each is
    replaced by one derived from its place in the notebook (nbval never compares them).
    """
    executed.metadata = copy.deepcopy(source.metadata)
    for cell_number, cell in enumerate(executed.cells):
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        for output_number, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                view["model_id"] = f"{cell_number:016x}{output_number:016x}"


def execute_notebook(path: Path) -> nbformat.NotebookNode:
    """Run the notebook as "Run All" does, in ``notebooks/``, and return the executed copy.

    Raises:
        CellExecutionError: when a cell fails (the notebook does not reach its bottom).
    """
    source = nbformat.read(path, as_version=4)
    executed = copy.deepcopy(source)
    client = NotebookClient(
        executed,
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
        record_timing=False,
        store_widget_state=False,
    )
    client.execute()
    strip_volatile_metadata(executed, source)
    return executed


def record_references(notebooks: list[Path], sandbox: SandboxClient) -> list[str]:
    """Execute each notebook on its prepared seeded account and write its reference.

    Returns:
        One line per notebook that failed (empty when all were recorded).
    """
    REFERENCE_DIR.mkdir(exist_ok=True)
    failures = []
    for path in notebooks:
        started = time.monotonic()
        start_account_for(path, sandbox)
        try:
            executed = execute_notebook(path)
        except CellExecutionError as failed:
            failures.append(f"{path.name}: a cell failed; its reference was not rewritten.\n{failed}")
            print(f"FAILED  {path.name}", flush=True)
            continue
        except (CellTimeoutError, DeadKernelError) as failed:
            failures.append(f"{path.name}: {type(failed).__name__}: {failed}")
            print(f"FAILED  {path.name}", flush=True)
            continue
        reference = REFERENCE_DIR / path.name
        nbformat.validate(executed)
        nbformat.write(executed, reference)
        elapsed = time.monotonic() - started
        print(f"wrote   {reference.relative_to(PROJECT_ROOT)} ({elapsed:.1f} s)", flush=True)
    return failures


def remove_orphan_references() -> None:
    """Delete references whose notebook is gone (renamed or removed), saying which."""
    for reference in sorted(REFERENCE_DIR.glob("*.ipynb")):
        if not (NOTEBOOKS_DIR / reference.name).exists():
            reference.unlink()
            print(f"removed {reference.relative_to(PROJECT_ROOT)} (no notebooks/{reference.name})", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Record the references; return 0 when every notebook ran to its bottom."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names to record (default: all)")
    parser.add_argument(
        "--sandbox-url",
        help="use this running sandbox instead of starting a private one (it is RESET: its state is lost)",
    )
    args = parser.parse_args(argv)
    notebooks = find_notebooks(args.notebooks)
    started = time.monotonic()
    process = None
    if args.sandbox_url:
        sandbox = SandboxClient(args.sandbox_url.rstrip("/"))
        if not sandbox.is_alive():
            print(f"No sandbox answers at {args.sandbox_url}.", file=sys.stderr)
            return 2
    else:
        process = start_sandbox(log_dir=Path(tempfile.mkdtemp(prefix="runbook-reference-sandbox-")))
        sandbox = process.client
    try:
        with isolated_environment(sandbox.url):
            failures = record_references(notebooks, sandbox)
        if not args.notebooks:
            remove_orphan_references()
    finally:
        if process is not None:
            process.stop()
            shutil.rmtree(process.log_path.parent, ignore_errors=True)
    print(f"{len(notebooks) - len(failures)} of {len(notebooks)} references recorded "
          f"in {time.monotonic() - started:.1f} s.")
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
