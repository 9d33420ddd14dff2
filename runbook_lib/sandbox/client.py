"""Start, find and drive the sandbox server from the runbook's side, over HTTP only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbook_lib.errors import SandboxError
from runbook_lib.paths import runbook_home

SANDBOX_URL_VARIABLE = "RUNBOOK_SANDBOX_URL"
"""Set by the runner, ``make lab`` and the tests: the URL of an already running sandbox."""

SANDBOX_ACCESS_KEY = "sandbox"
"""The sandbox accepts any credentials; these fixed fake ones are never real."""

START_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SandboxClient:
    """Talk to a running sandbox's control routes (``/_sandbox/*``).

    Attributes:
        url: The sandbox's base URL, e.g. ``http://127.0.0.1:45123``.
    """

    url: str

    def request(self, method: str, route: str, **query: str) -> dict[str, Any]:
        """Call one control route and return its JSON answer.

        Raises:
            SandboxError: when the sandbox cannot be reached or refuses (its reason is kept),
                or when what answers is not the sandbox.
        """
        from urllib.parse import urlencode

        address = f"{self.url}/_sandbox/{route}" + (f"?{urlencode(query)}" if query else "")
        request = urllib.request.Request(address, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
        except urllib.error.HTTPError as refused:
            reason = (parse_answer(refused.read()) or {}).get("error", refused.reason)
            raise SandboxError(f"The sandbox refused {route}: {reason}") from None
        except (urllib.error.URLError, OSError) as unreachable:
            raise SandboxError(
                f"The sandbox at {self.url} does not answer ({unreachable}).",
                advice="Start it again: `make lab`, or re-run notebook 00_start_here.",
            ) from None
        answer = parse_answer(body)
        if answer is None:
            raise SandboxError(
                f"What answers at {self.url} is not the sandbox: its {route} answer is not JSON.",
                advice="Start it again: `make lab`, or re-run notebook 00_start_here.",
            )
        return answer

    def is_alive(self) -> bool:
        """Return True when the sandbox answers its state route."""
        try:
            self.state()
        except SandboxError:
            return False
        return True

    def state(self) -> dict[str, Any]:
        """Return the sandbox-only state of the account: root MFA and keys, the Identity Center
        region and MFA settings, and per user the console steps played (``users``)."""
        return self.request("GET", "state")

    def reset(self, *, seed: int | None = None) -> None:
        """Forget everything, as a brand-new account; with ``seed``, make ids repeatable."""
        if seed is None:
            self.request("POST", "reset")
        else:
            self.request("POST", "reset", seed=str(seed))

    def play_console_step(
        self, step: str, *, region: str = "us-east-1", delay_seconds: float = 0, user: str = ""
    ) -> str:
        """Play a step that only the AWS console can do; return what happened, in a sentence.

        Args:
            step: Account-wide: ``enable-root-mfa``, ``delete-root-access-keys``,
                ``enable-identity-center``, ``configure-identity-center-mfa``. For one Identity
                Center user (``user`` required): ``send-user-invitation``, ``verify-user-email``,
                ``register-user-mfa``.
            region: The region the console is showing (Identity Center's steps need its region).
            delay_seconds: Make the result appear only after this long, as AWS can take a while.
            user: The Identity Center user's ``UserName``, for the user steps only.

        Raises:
            SandboxError: when the console would refuse the step (its reason is kept).
        """
        query = {"region": region, "delay": str(delay_seconds)}
        if user:
            query["user"] = user
        return self.request("POST", f"console/{step}", **query)["done"]

    def approve_device(self, user_code: str, user: str, *, deny: bool = False) -> str:
        """Play the person who signs in to the access portal and allows (or denies) a sign-in.

        This is what the person does on the page ``verification_uri_complete`` opens, after
        signing in as ``user``; headless runs and tests play it here.

        Args:
            user_code: The code the tool shows, e.g. ``BCDF-GHJK``.
            user: The Identity Center user's ``UserName`` who signs in.
            deny: Click "Deny" instead of "Allow".

        Returns:
            What happened, in a sentence.

        Raises:
            SandboxError: for an unknown, expired or already decided code, or an unknown user.
        """
        query = {"user_code": user_code, "user": user}
        if deny:
            query["deny"] = "true"
        return self.request("POST", "console/approve-device", **query)["done"]

    def configure_sign_in(
        self,
        *,
        device_code_seconds: int | None = None,
        interval_seconds: int | None = None,
        access_token_seconds: int | None = None,
    ) -> dict[str, int]:
        """Shorten (or lengthen) the sign-in's lifetimes until the next reset; return them all.

        Args:
            device_code_seconds: How long a device code and its user code live (AWS: 600).
            interval_seconds: The polling interval ``StartDeviceAuthorization`` asks for (AWS: 1).
            access_token_seconds: How long an access token lives.

        Raises:
            SandboxError: for a value the sandbox refuses.
        """
        wanted = {
            "device_code_seconds": device_code_seconds,
            "interval_seconds": interval_seconds,
            "access_token_seconds": access_token_seconds,
        }
        return self.request(
            "POST", "sign-in/settings", **{name: str(value) for name, value in wanted.items() if value is not None}
        )


def parse_answer(body: bytes) -> dict[str, Any] | None:
    """Return a control route's JSON object, or None when the body is not one.

    Another server can answer at a stale sandbox URL (a port reused by Jupyter, say); its HTML
    must end as a ``SandboxError``, not as a ``JSONDecodeError``.
    """
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


class SandboxProcess:
    """A sandbox server running in a child process; stop it with ``stop()`` or ``with``."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
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


def start_sandbox(*, log_dir: Path | None = None, detached: bool = False) -> SandboxProcess:
    """Start a sandbox on a free loopback port and wait until it answers.

    Args:
        log_dir: Where the server's request log goes (a temporary folder by default).
        detached: Start it in a session of its own, so it outlives the process that started it
            (used by notebooks opened without ``make lab``).

    Raises:
        SandboxError: when moto is not installed or the server does not come up in time.
    """
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="runbook-sandbox-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    ready_file = log_dir / "ready.json"
    ready_file.unlink(missing_ok=True)
    log_path = log_dir / "sandbox.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "runbook_sandbox", "--ready-file", str(ready_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=detached,
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready_file.exists():
            url = json.loads(ready_file.read_text())["url"]
            return SandboxProcess(process, url, log_path)
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


def ensure_sandbox() -> SandboxClient:
    """Return a running sandbox: the one named by ``RUNBOOK_SANDBOX_URL``, else a remembered one,
    else a new detached one (remembered for the next notebook, so state carries across steps).

    Raises:
        SandboxError: when the named sandbox does not answer or a new one cannot start.
    """
    named = os.environ.get(SANDBOX_URL_VARIABLE)
    if named:
        client = SandboxClient(named.rstrip("/"))
        if not client.is_alive():
            raise SandboxError(
                f"{SANDBOX_URL_VARIABLE} names {named}, but no sandbox answers there.",
                advice=f"Restart with `make lab`, or unset {SANDBOX_URL_VARIABLE} to start a new one.",
            )
        return client
    state_file = sandbox_state_file()
    if state_file.exists():
        remembered = SandboxClient(json.loads(state_file.read_text())["url"])
        if remembered.is_alive():
            return remembered
    started = start_sandbox(log_dir=state_file.parent / "sandbox-log", detached=True)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps({"url": started.url, "pid": started.process.pid}))
    return started.client
