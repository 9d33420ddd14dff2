"""Test set-up shared by every test: an isolated home, no real AWS, one sandbox per session.

The home is isolated when this module is imported, before botocore is (it fixes its SSO token
cache folder from ``HOME`` on import); the sandbox starts in ``pytest_configure``, before
collection, so that the kernels nbval and papermill start inherit both. ``AWS_ENDPOINT_URL`` points every client without an explicit
endpoint at the sandbox, so a test that takes the real-account path (a profile) still lands in
the sandbox and can never reach AWS.

Under pytest-xdist (``make test`` runs ``-n auto --dist loadfile``) every worker is a process of
its own that imports this module: each gets its own home and its own sandbox. An nbval notebook
(every cell, in order) and a test file with a module-scoped fixture stay on one worker; every
other test, the browser tests too (each worker starts its own JupyterLab), goes to whichever
worker is free (``pytest_xdist_make_scheduler``). The controller, which runs no test, starts no
sandbox.
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
from pathlib import Path
from typing import Any

import isolation

HOME = isolation.isolate_this_process("runbook-tests-home-")  # before botocore is imported

import pytest  # noqa: E402

from runbook_lib.aws import AwsContext, sandbox_context  # noqa: E402
from runbook_lib.cells import forget_failures  # noqa: E402
from runbook_lib.progress import use_progress  # noqa: E402
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, SandboxClient, SandboxProcess, start_sandbox  # noqa: E402
from sandbox_seeds import SEED, prepare_account_for  # noqa: E402
from runbook_lib.garbage import collect_garbage_less_often  # noqa: E402
from runbook_lib.warm_up import share_botocore_data, share_builtin_handlers  # noqa: E402

# Every test makes a boto3 session of its own (``ctx``), and each new session would parse botocore's
# data files and every service model it makes a client for again: about 0.25 s a client, most of a
# sandbox test's time. One loader for the whole process, as the headless runner has
# (``runbook_lib.warm_up``), parses each file once; the data is botocore's installed files, the same
# for every session, so no test sees anything else. Each session also copies botocore's built-in
# event handlers, registered once, instead of registering its 170 again (7 ms a session).
share_botocore_data()
share_builtin_handlers()


_session: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Start this process's sandbox and point AWS at it (not in an xdist controller)."""
    if is_xdist_controller(config):
        return
    sandbox = start_sandbox(log_dir=HOME / "sandbox")
    _session["sandbox"] = sandbox
    os.environ[SANDBOX_URL_VARIABLE] = sandbox.url
    os.environ["AWS_ENDPOINT_URL"] = sandbox.url


def pytest_collection_finish(session: pytest.Session) -> None:
    """Leave what is loaded by now out of the garbage collector's scans, and collect less often.

    A test process holds half a million objects (botocore's models, moto, IPython, the collected
    tests), nearly all for its whole life, and Python's collector scanned them all 47 times in a
    run of the tests outside tests/browser in one process (0.28 s a scan, 13.5 s in all, of 134 s
    of cpu). Frozen (``gc.freeze``) and with the headless runner's threshold
    (``garbage.collect_garbage_less_often``): 5 full scans, 0.7 s, and 115 s of cpu. Objects made
    later are collected as before, only less often; nothing a test asserts depends on when.
    """
    gc.collect()
    gc.freeze()
    collect_garbage_less_often()


def is_xdist_controller(config: pytest.Config) -> bool:
    """Return True in the process that hands tests to xdist workers and runs none itself."""
    distributed = getattr(config.option, "dist", "no") != "no" and bool(getattr(config.option, "numprocesses", 0))
    return distributed and not hasattr(config, "workerinput")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the sandbox."""
    sandbox = _session.pop("sandbox", None)
    if isinstance(sandbox, SandboxProcess):
        sandbox.stop()


BROWSER_TESTS = "tests/browser/"
"""Where the browser tests are: the longest, each on a page of its own."""

SHARED_FIXTURE_SCOPES = ('scope="module"', "scope='module'", 'scope="class"', 'scope="package"')
"""How a test file declares a fixture its tests share; such a file's tests stay on one worker."""


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when xdist is not loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadfile``: keep together only the tests that must share a worker.

    A notebook's cells share a kernel and run in order, and a file with a module- or class-scoped
    fixture (one rehearsal, one sandbox of its own) would build it again on every worker its tests
    reached, so each of those goes to one worker as one unit. Every other test is a unit of its
    own: each starts from a reset sandbox and a clean home (``sandbox``, ``clean_runbook_home``),
    so nothing ties it to its neighbours, and the few long files (whole runbook runs) spread over
    the workers instead of ending the run on one of them. xdist hands out the largest units first
    (``--loadscope-reorder``, its default), the single tests last, which evens out the end.

    (``--dist loadgroup`` with ``xdist_group`` marks would say the same, but with pytest 9.2
    xdist no longer sees the groups: pytest-dev/pytest-xdist#1386.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    root = config.rootpath

    class SharedStateTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            test_file = nodeid.split("::", 1)[0]
            if nodeid.startswith(BROWSER_TESTS) or not shares_state_between_tests(root / test_file):
                return nodeid
            return super()._split_scope(nodeid)

    return SharedStateTogether(config, log)


@functools.cache
def shares_state_between_tests(test_file: Path) -> bool:
    """Return True for a notebook (its cells) and a Python test file declaring a shared fixture."""
    if test_file.suffix != ".py" or not test_file.is_file():  # not a file of Python tests: as before
        return True
    source = test_file.read_text(encoding="utf-8")
    return any(scope in source for scope in SHARED_FIXTURE_SCOPES)


_notebooks_seen: set[str] = set()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Give every notebook nbval runs a seeded sandbox account holding what earlier steps make."""
    if item.__class__.__name__ != "IPyNbCell":
        return
    notebook = str(item.fspath)
    if notebook not in _notebooks_seen:
        _notebooks_seen.add(notebook)
        forget_left_overs()
        prepare_account_for(Path(notebook).stem, SandboxClient(os.environ[SANDBOX_URL_VARIABLE]))


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
    """Forget what another test left in the shared home: saved settings, the sandbox's AWS CLI
    config, cached sign-ins; each test starts from the defaults."""
    forget_left_overs()
    forget_failures()  # a cell that failed in an earlier test is not this test's kernel's
    use_progress(None)  # a test's begin_step installs its waits' display: the next test waits silently again


def forget_left_overs() -> None:
    """Remove the saved settings, the sandbox's config file and the SSO token cache."""
    (Path(os.environ["RUNBOOK_HOME"]) / "settings.json").unlink(missing_ok=True)
    shutil.rmtree(Path(os.environ["RUNBOOK_HOME"]) / "sandbox", ignore_errors=True)
    shutil.rmtree(HOME / ".aws" / "sso", ignore_errors=True)
