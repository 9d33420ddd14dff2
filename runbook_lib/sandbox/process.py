"""Start, find and stop the sandbox server: a child process, ``python -m runbook_sandbox``.

The server is a program of its own, not a module of the library: it is started with the Python
that runs the runbook, told on its command line where to write its URL, and from then on reached
over HTTP only (``SandboxClient``). The one the runner, ``make lab`` and the notebooks share is
remembered in ``<runbook home>/sandbox.json``, so the steps act on one local account, as they
would on a real one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from runbook_lib.errors import SandboxError
from runbook_lib.paths import runbook_home
from runbook_lib.sandbox.client import SandboxClient
from runbook_lib.sandbox.local_files import forget_sandbox_files

SANDBOX_URL_VARIABLE = "RUNBOOK_SANDBOX_URL"
"""Set by the runner, ``make lab`` and the tests: the URL of an already running sandbox."""

SERVER_MODULE = "runbook_sandbox"
"""What ``python -m`` runs: the server's own package, which imports nothing of the library."""

WORKSHOP_MODE, REHEARSAL_MODE = "workshop", "rehearsal"
SANDBOX_MODES = (WORKSHOP_MODE, REHEARSAL_MODE)
"""The server's ``--mode``: ``workshop`` (the default) lets the runbook's fixed sandbox keys act as
the account's owner; ``rehearsal`` refuses them, as a brand-new account whose root has only the
console, so the runbook must act through the Admin's sign-in, as on a real account."""

START_TIMEOUT_SECONDS = 30.0


class SandboxProcess:
    """A sandbox server running in a child process; stop it with ``stop()`` or ``with``."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path, mode: str = WORKSHOP_MODE) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self.mode = mode
        self.client = SandboxClient(url)

    def stop(self) -> None:
        """Stop the server and wait for it to go."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass(frozen=True)
class RememberedSandbox:
    """The shared sandbox of ``sandbox.json``, found answering.

    Attributes:
        client: Its client.
        pid: Its server's process id (it was started detached, so only the id is left to stop it).
        mode: The mode it was started in (``SANDBOX_MODES``).
    """

    client: SandboxClient
    pid: int
    mode: str = WORKSHOP_MODE


def start_sandbox(
    *, log_dir: Path | None = None, detached: bool = False, mode: str = WORKSHOP_MODE
) -> SandboxProcess:
    """Start a sandbox on a free loopback port and wait until it answers.

    Args:
        log_dir: Where the server's output and its ready file go (a temporary folder by
            default); the server is told the ready file's path on its command line.
        detached: Start it in a session of its own, so it outlives the process that started it
            (used by notebooks opened without ``make lab``).
        mode: ``workshop`` or ``rehearsal`` (see ``SANDBOX_MODES``).

    Raises:
        SandboxError: for an unknown mode, when moto is not installed or the server does not
            come up in time.
    """
    check_mode(mode)
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="runbook-sandbox-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    ready_file = log_dir / "ready.json"
    ready_file.unlink(missing_ok=True)
    log_path = log_dir / "sandbox.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE, "--ready-file", str(ready_file), "--mode", mode],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=detached,
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready_file.exists():
            url = json.loads(ready_file.read_text())["url"]
            return SandboxProcess(process, url, log_path, mode)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    tail = log_path.read_text(errors="replace")[-2000:]
    raise SandboxError(
        f"The sandbox did not start (exit code {process.poll()}). Its log ends:\n{tail}",
        advice="Install the sandbox extras (`make venv`), then try again.",
    )


def sandbox_state_file() -> Path:
    """Return where a detached sandbox's URL is remembered between notebooks."""
    return runbook_home() / "sandbox.json"


def find_sandbox() -> RememberedSandbox | None:
    """Return the remembered sandbox when one is remembered and answers, else None."""
    state_file = sandbox_state_file()
    if not state_file.exists():
        return None
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    client = SandboxClient(saved["url"])
    if not client.is_alive():
        return None
    return RememberedSandbox(client, int(saved["pid"]), saved.get("mode", WORKSHOP_MODE))


def check_mode(mode: str) -> str:
    """Return ``mode`` when it is one of ``SANDBOX_MODES``.

    Raises:
        SandboxError: naming the modes there are.
    """
    if mode not in SANDBOX_MODES:
        raise SandboxError(
            f"The sandbox has no mode {mode!r}.", advice=f"Choose one of: {', '.join(SANDBOX_MODES)}."
        )
    return mode


def ensure_sandbox(*, mode: str | None = None) -> SandboxClient:
    """Return a running sandbox: the one named by ``RUNBOOK_SANDBOX_URL``, else a remembered one,
    else a new detached one (remembered with its mode for the next notebook, so state carries
    across steps).

    Starting a new one first removes the sandbox's AWS CLI config and cached sign-ins, which
    describe the account of a sandbox that is gone (``make sandbox-stop``, a reboot).

    Args:
        mode: The mode the caller needs (``SANDBOX_MODES``); None takes a running sandbox in
            whichever mode it was started, or starts one in ``workshop`` mode.

    Raises:
        SandboxError: when the named sandbox does not answer, when the running one is in another
            mode than ``mode``, or when a new one cannot start.
    """
    if mode is not None:
        check_mode(mode)
    named = os.environ.get(SANDBOX_URL_VARIABLE)
    if named:
        client = SandboxClient(named.rstrip("/"))
        if not client.is_alive():
            raise SandboxError(
                f"{SANDBOX_URL_VARIABLE} names {named}, but no sandbox answers there.",
                advice=f"Restart with `make lab`, or unset {SANDBOX_URL_VARIABLE} to start a new one.",
            )
        if mode is not None:
            require_mode(client.mode(), mode, client.url)
        return client
    remembered = find_sandbox()
    if remembered is not None:
        require_mode(remembered.mode, mode, remembered.client.url)
        return remembered.client
    forget_sandbox_files(settings=False)  # a new sandbox is a new account: the old one's files name none
    state_file = sandbox_state_file()
    started = start_sandbox(log_dir=state_file.parent / "sandbox-log", detached=True, mode=mode or WORKSHOP_MODE)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps({"url": started.url, "pid": started.process.pid, "mode": started.mode}))
    return started.client


def require_mode(running: str, wanted: str | None, url: str) -> None:
    """Refuse a running sandbox in another mode than the one wanted (None: any will do).

    Raises:
        SandboxError: saying how to get a sandbox in the wanted mode.
    """
    if wanted is None or running == wanted:
        return
    raise SandboxError(
        f"The sandbox at {url} runs in {running} mode, not {wanted}.",
        advice=f"Stop it (`make sandbox-stop`), then start it again in {wanted} mode "
        f"(`python -m runbook_lib.sandbox start --mode {wanted}`).",
    )


def stop_sandbox(remembered: RememberedSandbox) -> None:
    """Stop the remembered sandbox's server and forget it."""
    os.kill(remembered.pid, signal.SIGTERM)
    sandbox_state_file().unlink(missing_ok=True)
