"""Fixtures for the browser tests: JupyterLab on a copy of the notebooks, driven by Chromium.

JupyterLab runs once per test process (xdist worker), on a temporary copy of ``notebooks/``
(autosave must never write outputs into the originals) put back before each test, with every
Jupyter folder in a temporary place. It inherits the test session's environment, so its kernels
use the session's sandbox and isolated HOME. Its page is loaded once too and reused while tests
pass: each test opens its notebook alone in it, on a new kernel (``JupyterLabPage.open_notebook``).
Chromium is Debian's headless shell (``CHROMIUM``): Playwright cannot download its own browser here.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from runbook_lib.lab import jupyterlab_command, write_kernel_profile
from runbook_lib.sandbox import SandboxClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CHROMIUM = Path("/usr/lib/chromium/chromium-headless-shell")
"""Debian's Chromium headless shell (package chromium-headless-shell, the same engine without the
browser's window and services): tests/browser with two workers used 137 s of Chromium's cpu
where the full Chromium used 185 s (renderer 135 -> 109 s, browser 30 -> 14, GPU 14 -> 11), and
took 166 s instead of 196."""
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1440, "height": 900}
STILL_PAGE_CSS = "*, *::before, *::after { animation: none !important; transition: none !important; }"
"""No CSS animation or transition in the test page (as Playwright's screenshots with
``animations="disabled"``): the editors' blinking cursors and JupyterLab's busy indicators
otherwise make Chromium paint the page several times a second for the whole run, about half of
the browser tests' cpu. Nothing a person reads depends on them, and a click no longer waits for
an element to stop moving."""
ANNOUNCEMENTS_EXTENSION = "@jupyterlab/apputils-extension:announcements"
SERVER_FLAGS = [
    # Neither the language servers' scan nor terminals are used; both cost start-up time.
    "--ServerApp.jpserver_extensions={'jupyter_lsp': False, 'jupyter_server_terminals': False}",
    # No asking PyPI or the news feed (there is no network to ask, and nothing to show).
    "--LabApp.extension_manager=readonly", "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]

SERVER_START_SECONDS = 60.0
SERVER_STOP_SECONDS = 15.0
KERNEL_READY_SECONDS = 60.0
RUN_ALL_SECONDS = 180.0
EXPECT_SECONDS = 30.0
"""How long a widget's answer (a click's output) may take to show."""
STALL_SECONDS = 5.0
"""How long the kernel may sit idle, nothing queued, with cells unrun, before Run All is judged
stopped (it stops at the first error; once in about twenty cold runs it was seen to skip the first
cell, which is why the kernel must be ready before Run All)."""
SETTLE_SECONDS = 0.5
"""How long the finished state must hold before it counts: one idle poll can precede the next
execute request's "busy" (every code cell with an execution count, which Run All's clearing
first removes, already says the last one has started)."""
POLL_SECONDS = 0.1
"""How often the notebook's state is read while waiting."""
SESSIONS_AGREE_SECONDS = 5.0
"""How long the page may take to see the sessions the server has, after the test shut some down."""
PAGE_TEXT_LIMIT = 15_000
ARTIFACTS_VARIABLE = "BROWSER_ARTIFACTS"
"""When set, a folder: each test's screenshots go under it (one folder per test) for CI to keep."""
CELL_SELECTOR = ".jp-NotebookPanel .jp-Notebook .jp-Cell"
"""The notebook's cells in the page, in the model's order (JupyterLab 4 keeps them all in the DOM)."""
STALE_ATTRIBUTE = "data-test-stale"
"""Marks what a widget's Output showed before a press (``mark_stale``), to tell a fresh result from it."""

NOTEBOOK_STATE_JS = """
(path, withOutputs = true) => {
  const app = window.jupyterapp;
  if (!app) return {found: false, reason: 'window.jupyterapp is missing'};
  let panel = null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path && widget.content && widget.sessionContext) {
      panel = widget;
      break;
    }
  }
  if (!panel) return {found: false, reason: `no notebook ${path} is open`};
  const session = panel.sessionContext;
  const kernel = session.session ? session.session.kernel : null;
  const textOf = (value) => (Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '');
  const cells = panel.content.widgets.map((cell, index) => {
    const model = cell.model;
    if (model.type !== 'code') return {index, type: model.type};
    const outputs = [];
    for (let i = 0; withOutputs && i < model.outputs.length; i++) {
      const output = model.outputs.get(i).toJSON();
      outputs.push({
        output_type: output.output_type,
        name: output.name || '',
        text: output.output_type === 'error' ? `${output.ename}: ${output.evalue}` : textOf(output.text),
        mime_types: output.data ? Object.keys(output.data) : [],
      });
    }
    const prompt = cell.promptNode ? cell.promptNode.textContent : '';
    return {
      index, type: 'code', execution_count: model.executionCount, prompt,
      running: prompt.includes('*') || model.executionState === 'running', outputs,
    };
  });
  const documents = [...app.shell.widgets('main')].filter((widget) => widget.context).length;
  return {
    found: true, active: app.shell.currentWidget === panel, documents, session_ready: session.isReady,
    kernel_status: kernel ? kernel.status : null, connection_status: kernel ? kernel.connectionStatus : null,
    run_all_error: window.__runAllError || null, cells,
  };
}
"""

NOTEBOOK_PROGRESS_JS = f"(path) => ({NOTEBOOK_STATE_JS})(path, false)"
"""The notebook's state without its outputs (each a list, empty): what a wait polls, ten times a
second, for the kernel's status and the cells' counts; reading every output's text each time (and
passing it from the page to Playwright to the test) was a tenth of the browser tests' cpu."""

CLOSE_DOCUMENTS_JS = """
() => {
  for (const widget of [...window.jupyterapp.shell.widgets('main')]) {
    if (widget.context) widget.context.model.dirty = false;  // closed unsaved: no "save changes?" dialog
    widget.dispose();
  }
}
"""
"""Close every tab in the main area without saving (their kernels are shut down through the server)."""

LEFT_OPEN_JS = """
async () => {
  const app = window.jupyterapp;
  await app.serviceManager.sessions.refreshRunning();  // forget the sessions the server shut down
  await app.serviceManager.kernels.refreshRunning();
  const documents = [...app.shell.widgets('main')].filter((widget) => widget.context).length;
  return {
    open: documents + document.querySelectorAll('.jp-NotebookPanel, .jp-Dialog').length,
    sessions: [...app.serviceManager.sessions.running()].map((session) => session.path),
  };
}
"""
"""How many documents, notebook panels and dialogs the page still shows (0 when clean), and the
paths of the sessions it knows of."""

OPEN_NOTEBOOK_JS = """
async (path) => {
  const app = window.jupyterapp;
  await app.serviceManager.sessions.refreshRunning();  // the session started for it beforehand
  await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
}
"""

RUN_ALL_JS = """
() => {
  window.__runAllError = null;
  window.jupyterapp.commands.execute('notebook:run-all-cells')
    .catch((error) => { window.__runAllError = String(error); });
}
"""

CELL_SOURCE_JS = """
([path, index]) => {
  for (const widget of window.jupyterapp.shell.widgets('main')) {
    if (widget.context && widget.context.path === path && widget.content) {
      return widget.content.widgets[index].model.sharedModel.getSource();
    }
  }
  return null;
}
"""

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
STDERR_OUTPUT_SELECTOR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
"""Any output, a cell's or a widget's, rendered as stderr: JupyterLab shows tracebacks this way too."""
TOP_LEVEL_OUTPUT = ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"
"""A cell's own output, not one inside a widget's Output."""
RENDERED_WIDGET_SELECTOR = f"{TOP_LEVEL_OUTPUT} > .jupyter-widgets"
"""A cell's widget output that ipywidgets rendered (its output element carries no MIME type)."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``browser`` marker (``-m "not browser"`` leaves these tests out)."""
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (needs Debian's chromium-headless-shell)")


def ci_is_set() -> bool:
    """Return True when the CI variable says this is a CI run."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def code_cells_of(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the code cells of a notebook state (``NOTEBOOK_STATE_JS``'s answer)."""
    return [cell for cell in state.get("cells", []) if cell["type"] == "code"]


def find_output_problems(state: dict[str, Any]) -> list[str]:
    """Return the errors and printed tracebacks among a notebook state's outputs."""
    problems = []
    for cell in code_cells_of(state):
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                problems.append(f"cell {cell['index']} raised {output['text']}")
            elif output["name"] == "stderr" and "Traceback" in output["text"]:
                problems.append(f"cell {cell['index']} printed a traceback:\n{output['text']}")
    return problems


def summarize_state(state: dict[str, Any]) -> str:
    """Return a notebook state in a few lines: the kernel, then each code cell and its outputs."""
    if not state.get("found"):
        return json.dumps(state)
    lines = [
        f"active={state['active']} session_ready={state['session_ready']} kernel={state['kernel_status']} "
        f"connection={state['connection_status']} run_all_error={state['run_all_error']}"
    ]
    for cell in code_cells_of(state):
        outputs = ", ".join(
            output["output_type"] + (f"/{output['name']}" if output["name"] else "")
            + (f" {output['text'][:200]!r}" if output["text"] else "")
            + (f" {output['mime_types']}" if output["mime_types"] else "")
            for output in cell["outputs"]
        )
        lines.append(
            f"  cell {cell['index']} prompt={cell['prompt']!r} running={cell['running']}: {outputs or 'no output'}"
        )
    return "\n".join(lines)


@dataclass
class JupyterServer:
    """A running JupyterLab: where it listens, its token, the folder it serves, its log."""

    url: str
    token: str
    root_dir: Path
    log_file: Path
    process: subprocess.Popen[bytes]

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the server's REST API (with a JSON ``body``, if any) and return the decoded JSON answer
        (None when empty)."""
        headers = {"Authorization": f"token {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def lab_url(self, workspace: str) -> str:
        """Return the address that opens JupyterLab in a workspace of its own (empty), logged in."""
        return f"{self.url}/lab/workspaces/{workspace}?token={self.token}"

    def restore_notebooks(self) -> None:
        """Put the committed notebooks back in the served folder, alone: no output an autosave
        kept, no file a kernel wrote there."""
        shutil.rmtree(self.root_dir)
        copy_notebooks(self.root_dir)

    def log_tail(self, characters: int = 4000) -> str:
        """Return the end of the server's log."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")[-characters:]

    def start_kernel_for(self, notebook: str) -> dict[str, Any]:
        """Start a new kernel for ``notebook`` now (a session on its path), before the page asks;
        return the session.

        JupyterLab connects to a session already on a notebook's path instead of starting one, so
        the kernel starts while the notebook is drawn rather than after. A session already on the
        path would be reused (its kernel is not new): every other session is shut down first.
        """
        if any(session["path"] == notebook for session in self.api("GET", "/api/sessions")):
            self.delete_sessions_and_kernels()
        return self.api("POST", "/api/sessions", {"path": notebook, "name": notebook, "type": "notebook",
                                                   "kernel": {"name": "python3"}})

    def delete_sessions_and_kernels(self, keep: dict[str, Any] | None = None) -> None:
        """Shut down every session and kernel but ``keep`` (a session) and its kernel: kernels
        outlive the page that started them."""
        for session in self.api("GET", "/api/sessions"):
            if keep is None or session["id"] != keep["id"]:
                self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            if keep is None or kernel["id"] != keep["kernel"]["id"]:
                self.api("DELETE", f"/api/kernels/{kernel['id']}")


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Return Debian's Chromium; skip without it, except on CI where its absence fails."""
    if CHROMIUM.exists():
        return CHROMIUM
    if ci_is_set():
        pytest.fail(
            f"{CHROMIUM} is missing and CI is set: the browser tests must run on CI. "
            "Install it with `make chromium` (apt-get install -y chromium-headless-shell)."
        )
    pytest.skip(f"{CHROMIUM} is missing (install it with `make chromium`); CI is not set.")


def write_jupyter_config(jupyter_home: Path) -> dict[str, str]:
    """Create the temporary Jupyter folders and return the variables that point at them."""
    folders = {
        "JUPYTER_CONFIG_DIR": jupyter_home / "config",
        "JUPYTER_RUNTIME_DIR": jupyter_home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": jupyter_home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": jupyter_home / "lab-workspaces",
        "IPYTHONDIR": jupyter_home / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True)
    write_kernel_profile(folders["IPYTHONDIR"])  # the kernels `make lab` starts: errors plain from the first cell
    # The "get notified about Jupyter news" pop-up would cover the notebook's bottom corner.
    labconfig = folders["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir()
    page_config = {"disabledExtensions": {ANNOUNCEMENTS_EXTENSION: True}}
    (labconfig / "page_config.json").write_text(json.dumps(page_config, indent=2) + "\n", encoding="utf-8")
    return {name: str(folder) for name, folder in folders.items()}


def wait_until_serving(server: JupyterServer, timeout: float) -> None:
    """Wait until ``/api/status`` answers; fail with the server's log if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.process.returncode}. Its log:\n{server.log_tail()}")
        try:
            server.api("GET", "/api/status")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not answer within {timeout:.0f} s. Its log:\n{server.log_tail()}")
        time.sleep(0.2)


def stop_server(server: JupyterServer) -> None:
    """Shut its kernels down, then stop JupyterLab with SIGTERM (SIGKILL if it will not go)."""
    if server.process.poll() is None:
        try:
            server.delete_sessions_and_kernels()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # the server is going anyway; SIGTERM below also shuts its kernels down
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def copy_notebooks(root_dir: Path) -> None:
    """Copy the committed notebooks to ``root_dir`` (not their checkpoints)."""
    shutil.copytree(NOTEBOOKS, root_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


@pytest.fixture(scope="session")
def jupyter_server(chromium_executable: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """Start JupyterLab on a temporary copy of the notebooks; stop it after the session's tests.

    ``chromium_executable`` comes first so that a machine without the browser skips (or fails)
    before starting anything.
    """
    base = tmp_path_factory.mktemp("jupyterlab")
    root_dir = base / "notebooks"
    copy_notebooks(root_dir)
    environment = {**os.environ, **write_jupyter_config(base / "jupyter")}
    port = find_free_port()
    token = secrets.token_hex(24)
    # JupyterLab as `make lab` runs it (runbook_lib.lab.launch_jupyterlab: 1.3 s less cpu to start).
    command = jupyterlab_command([
        "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        "--allow-root", "--LabApp.expose_app_in_browser=True", *SERVER_FLAGS,
    ])
    log_file = base / "jupyterlab.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=base)
    server = JupyterServer(f"http://127.0.0.1:{port}", token, root_dir, log_file, process)
    try:
        wait_until_serving(server, SERVER_START_SECONDS)
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def browser(chromium_executable: Path) -> Iterator[Browser]:
    """Launch headless Chromium for the session's tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_executable), args=CHROMIUM_FLAGS)
        expect.set_options(timeout=EXPECT_SECONDS * 1000)
        try:
            yield launched
        finally:
            launched.close()


class JupyterLabPage:
    """One browser page on JupyterLab, with the waits and checks the notebook tests need.

    Every failure it reports (``explaining``) carries a screenshot's path, the notebook's state
    as JupyterLab's own model sees it, and the page's visible text.
    """

    def __init__(self, page: Page, server: JupyterServer, artifacts: Path) -> None:
        self.page = page
        self.server = server
        self.artifacts = artifacts
        self.notebook = ""

    def open_notebook(self, notebook: str) -> dict[str, Any]:
        """Open ``notebook`` alone in the page, as committed, on a new kernel; make it active and
        wait for its kernel to be ready.

        What was open is closed (unsaved) and its kernels shut down. The new kernel is started
        first, so that it starts while those shut down and JupyterLab draws the notebook.
        """
        self.notebook = notebook
        with self.explaining("Opening the notebook in JupyterLab"):
            session = self.server.start_kernel_for(notebook)  # it starts while the others shut down
            close_documents(self.page, self.server, keep=session)
            self.page.evaluate(OPEN_NOTEBOOK_JS, notebook)
            self.page.wait_for_function(f"() => ({NOTEBOOK_STATE_JS})({json.dumps(notebook)}).found", timeout=60_000)
            # Run All acts on the active notebook: click a cell, as a person would.
            self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.click()
        state = self.wait_for(
            lambda state: state["active"] and state["session_ready"] and state["kernel_status"] == "idle"
            and state["connection_status"] == "connected",
            KERNEL_READY_SECONDS, "the notebook to be active with its kernel connected and idle",
        )
        if state["documents"] != 1:
            self.fail(f"{notebook} should be the only document open; {state['documents']} are.", state)
        sessions = [(running["id"], running["path"]) for running in self.server.api("GET", "/api/sessions")]
        if sessions != [(session["id"], notebook)]:
            self.fail(f"{notebook} should run on the kernel started for it, alone; the server has {sessions}.", state)
        if any(cell.get("execution_count") is not None or cell.get("outputs") for cell in state["cells"]):
            self.fail(f"{notebook} should open without outputs, on a kernel that has run nothing.", state)
        return state

    def state(self) -> dict[str, Any]:
        """Return the open notebook's kernel status and cells, from JupyterLab's model."""
        return self.page.evaluate(NOTEBOOK_STATE_JS, self.notebook)

    def progress(self) -> dict[str, Any]:
        """Return the open notebook's state without the cells' outputs (``NOTEBOOK_PROGRESS_JS``)."""
        return self.page.evaluate(NOTEBOOK_PROGRESS_JS, self.notebook)

    def wait_for(self, condition: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict[str, Any]:
        """Poll the notebook's state until ``condition(state)`` holds; fail after ``timeout``.

        ``condition`` is judged on the state without outputs while polling, then on the whole
        state, which is returned once it holds there too.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self._holds(condition, self.progress()):
                state = self.state()
                if self._holds(condition, state):
                    return state
            if time.monotonic() > deadline:
                self.fail(f"Timed out after {timeout:.0f} s waiting for {what}.", self.state())
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _holds(condition: Callable[[dict[str, Any]], bool], state: dict[str, Any]) -> bool:
        return bool(state["found"] and condition(state))

    def run_all(self) -> dict[str, Any]:
        """Clear the outputs, Run All, and wait until the kernel is truly done; return the state.

        Done means: the kernel idle, no cell queued or running, every code cell with an execution
        count, holding for ``SETTLE_SECONDS``. Idle with cells unrun for ``STALL_SECONDS`` fails.
        """
        with self.explaining("Starting Run All"):
            self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            self.page.evaluate(RUN_ALL_JS)
        deadline = time.monotonic() + RUN_ALL_SECONDS
        quiet_since: float | None = None
        while True:
            state = self.progress()  # the outputs are read once it is done, or to say why not
            now = time.monotonic()
            code_cells = code_cells_of(state)
            quiet = (
                state["found"] and state["kernel_status"] == "idle"
                and not any(cell["running"] for cell in code_cells)
            )
            quiet_since = (quiet_since or now) if quiet else None
            finished = quiet and all(cell["execution_count"] is not None for cell in code_cells)
            if finished and now - quiet_since >= SETTLE_SECONDS:
                state = self.state()
                if state["kernel_status"] == "idle" and all(
                    cell["execution_count"] is not None and not cell["running"] for cell in code_cells_of(state)
                ):
                    return state
                quiet_since = None
            if quiet and not finished and now - quiet_since >= STALL_SECONDS:
                state = self.state()
                errors = "; ".join(find_output_problems(state)) or "no error output (kernel idle, nothing queued)"
                self.fail(f"Run All stopped with code cells unrun: {errors}.", state)
            if now > deadline:
                self.fail(f"Run All did not finish within {RUN_ALL_SECONDS:.0f} s.", self.state())
            time.sleep(POLL_SECONDS)

    def assert_ran_cleanly(self, state: dict[str, Any]) -> None:
        """Assert every code cell ran, none shows an error or a traceback, every widget rendered."""
        problems = find_output_problems(state)
        problems += [f"cell {cell['index']} has no execution count" for cell in code_cells_of(state)
                     if cell["execution_count"] is None]
        shown_tracebacks = self.page.locator(STDERR_OUTPUT_SELECTOR, has_text="Traceback").count()
        if shown_tracebacks:
            problems.append(f"the page shows {shown_tracebacks} traceback output(s)")
        widget_outputs = sum(WIDGET_VIEW_MIME in output["mime_types"]
                             for cell in code_cells_of(state) for output in cell["outputs"])
        rendered_widgets = self.page.locator(RENDERED_WIDGET_SELECTOR).count()
        if rendered_widgets != widget_outputs:
            problems.append(f"{widget_outputs} widget output(s) in the model, {rendered_widgets} rendered as widgets")
        broken_widgets = self.page.get_by_text("Error displaying widget").count()
        if broken_widgets:
            problems.append(f"{broken_widgets} widget(s) failed to display")
        if problems:
            self.fail("The notebook did not run cleanly: " + "; ".join(problems), state)

    # --- acting as a person: cells one at a time, typing, pressing -------------------------------

    def cell(self, index: int) -> Locator:
        """Return the notebook's cell ``index`` (counting markdown cells too, as the file does)."""
        return self.page.locator(CELL_SELECTOR).nth(index)

    def cell_outputs(self, index: int) -> Locator:
        """Return what cell ``index`` shows below its code (all its outputs, widgets included)."""
        return self.cell(index).locator(".jp-Cell-outputArea")

    def select_cell(self, index: int) -> None:
        """Click cell ``index``'s prompt, as a person does to pick a cell (command mode, not editing)."""
        with self.explaining(f"Selecting cell {index}"):
            self.cell(index).locator(".jp-InputPrompt").click()
            self.page.wait_for_function(
                "([path, index]) => { for (const w of window.jupyterapp.shell.widgets('main')) {"
                " if (w.context && w.context.path === path && w.content) return w.content.activeCellIndex === index"
                " && w.content.mode === 'command'; } return false; }",
                arg=[self.notebook, index], timeout=EXPECT_SECONDS * 1000,
            )

    def run_cells(self, start: int = 0, stop: int | None = None) -> dict[str, Any]:
        """Run cells ``start`` to ``stop`` (exclusive; default: to the end) one at a time, as a person does.

        Clicks cell ``start``, then presses Shift+Enter once per cell (Ctrl+Enter on the notebook's
        last cell, where Shift+Enter would add a new one), waiting for each code cell to finish.
        A cell that fails does not stop the next ones, as in JupyterLab. Returns the last state.
        """
        cells = self.progress()["cells"]
        stop = len(cells) if stop is None else stop
        self.select_cell(start)
        state: dict[str, Any] = {}
        for index in range(start, stop):
            before = cells[index].get("execution_count")
            self.page.keyboard.press("Control+Enter" if index == len(cells) - 1 else "Shift+Enter")
            if cells[index]["type"] != "code":
                continue
            state = self.wait_for(
                lambda state, index=index, before=before: (
                    state["cells"][index]["execution_count"] not in (None, before)
                    and not state["cells"][index]["running"] and state["kernel_status"] == "idle"
                ),
                RUN_ALL_SECONDS, f"cell {index} to run (Shift+Enter)",
            )
            cells = state["cells"]
        return state or self.state()

    def cell_source(self, index: int) -> str:
        """Return cell ``index``'s text as JupyterLab's model holds it."""
        return self.page.evaluate(CELL_SOURCE_JS, [self.notebook, index])

    def replace_line(self, index: int, starting_with: str, new_line: str) -> None:
        """Edit cell ``index`` as a person does: click the line that starts with ``starting_with``,
        select it (Home, Shift+End), type ``new_line`` over it, leave the editor (Escape)."""
        with self.explaining(f"Editing the line {starting_with!r} of cell {index}"):
            line = self.cell(index).locator(".cm-line").filter(has_text=re.compile("^" + re.escape(starting_with)))
            expect(line).to_have_count(1)
            line.click()
            self.page.keyboard.press("Home")
            self.page.keyboard.press("Shift+End")
            self.page.keyboard.insert_text(new_line)  # as typed, without the editor closing quotes for us
            self.page.keyboard.press("Escape")
        source = self.cell_source(index)
        if new_line not in source.splitlines():
            self.fail(f"After editing, cell {index} does not hold the line {new_line!r}; it holds:\n{source}")

    def type_into(self, field: Locator, text: str) -> None:
        """Replace a text field's value by typing, as a person does (select all, type)."""
        with self.explaining(f"Typing {text!r}"):
            field.click()
            field.press("ControlOrMeta+a")
            field.press_sequentially(text)

    def wait_until_kernel_idle(self) -> dict[str, Any]:
        """Wait until the kernel is idle (a button's callback keeps it busy while it runs)."""
        return self.wait_for(lambda state: state["kernel_status"] == "idle", RUN_ALL_SECONDS, "the kernel to be idle")

    def mark_stale(self, area: Locator) -> None:
        """Mark everything ``area`` shows now, so that ``fresh_outputs`` finds only what comes after."""
        area.evaluate(f"(el) => el.querySelectorAll('*').forEach((child) => child.setAttribute('{STALE_ATTRIBUTE}', ''))")

    def fresh_outputs(self, output: Locator) -> Locator:
        """Return the outputs of a widget's Output that appeared since ``mark_stale``."""
        return output.locator(f".jp-OutputArea-output:not([{STALE_ATTRIBUTE}])")

    def fresh(self, area: Locator | Page, selector: str) -> Locator:
        """Return the elements matching ``selector`` in ``area`` drawn since ``mark_stale`` (an output
        updated in place keeps its output element but draws its content anew)."""
        return area.locator(f"{selector}:not([{STALE_ATTRIBUTE}])")

    def cell_holding(self, element: Locator) -> Locator:
        """Return the notebook cell that shows ``element`` (a button, say) in its outputs."""
        return self.page.locator(CELL_SELECTOR, has=element)

    def cell_own_outputs(self, cell: Locator) -> Locator:
        """Return a cell's own outputs (``TOP_LEVEL_OUTPUT``), not those inside its widgets."""
        return cell.locator(TOP_LEVEL_OUTPUT)

    def button(self, label: str, *, exact: bool = True) -> Locator:
        """Return the ipywidgets button(s) labelled ``label`` (or starting with it if not exact)."""
        pattern = re.escape(label) + ("$" if exact else "")
        return self.page.locator(".widget-button").filter(has_text=re.compile("^" + pattern))

    def button_output(self, button: Locator) -> Locator:
        """Return the Output widget under a button made by ``runbook_lib.widgets.action_button``."""
        return button.locator("xpath=..").locator(".widget-output")

    def screenshot(self, name: str) -> Path:
        """Save a screenshot of the page into the test's folder and return its path."""
        path = self.artifacts / name
        self.page.screenshot(path=str(path))
        return path

    def visible_text(self) -> str:
        """Return the page's visible text (the end of it, when long)."""
        try:
            text = self.page.inner_text("body", timeout=5_000)
        except PlaywrightError as error:
            return f"(could not read the page's text: {error})"
        return text if len(text) <= PAGE_TEXT_LIMIT else "...\n" + text[-PAGE_TEXT_LIMIT:]

    def describe(self, state: dict[str, Any] | None = None) -> str:
        """Return a screenshot's path, the notebook's state and the page's visible text.

        The screenshot shows the first error or traceback output, if the page has one.
        """
        try:
            errors = self.page.locator(STDERR_OUTPUT_SELECTOR)
            if errors.count():
                errors.first.scroll_into_view_if_needed(timeout=5_000)
            shot = str(self.screenshot("failure.png"))
        except PlaywrightError as error:
            shot = f"(no screenshot: {error})"
        if state is None:
            try:
                state = self.state()
            except PlaywrightError as error:
                state = {"error": str(error)}
        return (
            f"Screenshot: {shot}\nNotebook state (JupyterLab's model):\n{summarize_state(state)}"
            f"\nVisible page text:\n{self.visible_text()}"
        )

    def fail(self, message: str, state: dict[str, Any] | None = None) -> NoReturn:
        """Fail the test with ``message`` and everything that shows what the page looked like."""
        pytest.fail(f"{self.notebook}: {message}\n{self.describe(state)}", pytrace=False)

    @contextmanager
    def explaining(self, what: str) -> Iterator[None]:
        """Turn a failed assertion or Playwright timeout inside the block into a described failure."""
        try:
            yield
        except (AssertionError, PlaywrightError) as error:
            self.fail(f"{what}: {error}")


def artifacts_folder(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Return where a test's screenshots go: under ``$BROWSER_ARTIFACTS`` (CI keeps them), else its tmp_path."""
    root = os.environ.get(ARTIFACTS_VARIABLE, "").strip()
    if not root:
        return tmp_path
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    folder = Path(root) / request.node.path.stem / test
    shutil.rmtree(folder, ignore_errors=True)  # only this run's pictures
    folder.mkdir(parents=True)
    return folder


def close_documents(page: Page, server: JupyterServer, keep: dict[str, Any] | None = None) -> None:
    """Close every tab the page shows (unsaved) and shut every kernel down but ``keep``'s (a
    session); fail if a tab, a dialog or another session is left."""
    page.evaluate(CLOSE_DOCUMENTS_JS)
    server.delete_sessions_and_kernels(keep)
    kept = [keep["path"]] if keep is not None else []
    # The page's list of sessions may come from a poll it sent before the server shut them down
    # (seen once on CI): it is asked again until it agrees, for a few seconds at most.
    deadline = time.monotonic() + SESSIONS_AGREE_SECONDS
    left = page.evaluate(LEFT_OPEN_JS)
    while not left["open"] and left["sessions"] != kept and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        left = page.evaluate(LEFT_OPEN_JS)
    if left["open"] or left["sessions"] != kept:
        pytest.fail(f"After closing every document, the page still shows {left['open']} document(s), "
                    f"notebook(s) or dialog(s), and knows the sessions {left['sessions']} (expected {kept}).")


class LabPages:
    """The session's JupyterLab page, loaded once and reused by the tests while they pass.

    Loading JupyterLab costs seconds of CPU; a test needs only a clean page: no document open
    (``JupyterLabPage.open_notebook`` closes them), no kernel left. After a failed test the page
    is thrown away, with its browser context: the next test loads a new one, in a new workspace.
    """

    def __init__(self, browser: Browser, server: JupyterServer) -> None:
        self.browser = browser
        self.server = server
        self.page: Page | None = None

    def get(self) -> Page:
        """Return the loaded page, loading JupyterLab in a new context and workspace if there is none."""
        if self.page is None:
            context = self.browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            # A workspace of its own, empty: JupyterLab would otherwise reopen an earlier page's notebook.
            page.goto(self.server.lab_url(f"test-{secrets.token_hex(6)}"))
            page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
            page.evaluate("async () => { await window.jupyterapp.restored; }")
            page.add_style_tag(content=STILL_PAGE_CSS)
            self.page = page
        return self.page

    def discard(self) -> None:
        """Close the page and its context: the next ``get`` loads JupyterLab anew."""
        if self.page is not None:
            self.page.context.close()
            self.page = None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test (``item.report_call``...): ``lab`` reads whether it passed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def lab_pages(jupyter_server: JupyterServer, browser: Browser) -> Iterator[LabPages]:
    """The session's reusable JupyterLab page."""
    pages = LabPages(browser, jupyter_server)
    try:
        yield pages
    finally:
        pages.discard()


@pytest.fixture
def lab(
    lab_pages: LabPages, jupyter_server: JupyterServer, sandbox: SandboxClient, tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[JupyterLabPage]:
    """Return the page on JupyterLab with nothing open, the notebooks as committed, the sandbox
    reset; afterwards close what the test opened and shut its kernels down (a failed test's page
    is not reused)."""
    page = lab_pages.get()
    jupyter_server.restore_notebooks()
    try:
        yield JupyterLabPage(page, jupyter_server, artifacts_folder(request, tmp_path))
    finally:
        report = getattr(request.node, "report_call", None)
        try:
            if report is None or not report.passed:
                raise RuntimeError("the test did not pass: its page is not reused")
            close_documents(page, jupyter_server)
        except (RuntimeError, PlaywrightError, pytest.fail.Exception):
            lab_pages.discard()
        jupyter_server.delete_sessions_and_kernels()
