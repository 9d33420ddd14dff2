"""The local AWS stand-in, seen from the runbook: start it, reach it over HTTP, play console steps.

The server itself (moto, adjusted to look like a new account) lives in ``server.py`` and runs in a
process of its own; nothing here imports moto, so the library talks to the sandbox exactly as it
talks to AWS: over HTTP, with only the endpoint and the credentials differing.
"""

from runbook_lib.sandbox.client import (
    SANDBOX_URL_VARIABLE,
    SandboxClient,
    SandboxProcess,
    ensure_sandbox,
    start_sandbox,
)

__all__ = [
    "SANDBOX_URL_VARIABLE",
    "SandboxClient",
    "SandboxProcess",
    "ensure_sandbox",
    "start_sandbox",
]
