"""Test set-up shared by every test: an isolated home, no real AWS, one sandbox per session.

Everything is set in ``pytest_configure``, before collection, so that the kernels nbval and
papermill start inherit it too. ``AWS_ENDPOINT_URL`` points every client without an explicit
endpoint at the sandbox, so a test that takes the real-account path (a profile) still lands in
the sandbox and can never reach AWS.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, SandboxClient, SandboxProcess, start_sandbox
from sandbox_seeds import ISOLATED_VARIABLES, SEED, isolated_variables, prepare_account_for



_session: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Isolate HOME and the AWS files, start the session's sandbox, point AWS at it."""
    home = Path(tempfile.mkdtemp(prefix="runbook-tests-home-"))
    # Removed at exit rather than in pytest_unconfigure: IPython, once a test formats a widget's
    # output, writes its history into HOME from an atexit hook registered after this one.
    atexit.register(shutil.rmtree, home, True)
    for name in ISOLATED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(isolated_variables(home))
    sandbox = start_sandbox(log_dir=home / "sandbox")
    _session["sandbox"] = sandbox
    os.environ[SANDBOX_URL_VARIABLE] = sandbox.url
    os.environ["AWS_ENDPOINT_URL"] = sandbox.url


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the sandbox."""
    sandbox = _session.pop("sandbox", None)
    if isinstance(sandbox, SandboxProcess):
        sandbox.stop()


_notebooks_seen: set[str] = set()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Give every notebook nbval runs a seeded sandbox account holding what earlier steps make."""
    if item.__class__.__name__ != "IPyNbCell":
        return
    notebook = str(item.fspath)
    if notebook not in _notebooks_seen:
        _notebooks_seen.add(notebook)
        prepare_account_for(Path(notebook).stem, SandboxClient(os.environ[SANDBOX_URL_VARIABLE]))
        settings = Path(os.environ["RUNBOOK_HOME"]) / "settings.json"
        settings.unlink(missing_ok=True)


@pytest.fixture
def sandbox() -> SandboxClient:
    """Return the session's sandbox, reset to a brand-new seeded account for this test."""
    client = SandboxClient(os.environ[SANDBOX_URL_VARIABLE])
    client.reset(seed=SEED)
    return client


@pytest.fixture
def ctx(sandbox: SandboxClient) -> AwsContext:
    """Return a fresh AWS context on the (reset) sandbox in us-east-1, with its own recorder."""
    return sandbox_context(sandbox.url, "us-east-1")


@pytest.fixture(autouse=True)
def clean_runbook_home() -> None:
    """Forget settings another test saved, so each test starts from the defaults."""
    settings = Path(os.environ["RUNBOOK_HOME"]) / "settings.json"
    settings.unlink(missing_ok=True)
