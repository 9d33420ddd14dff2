"""The client of the local AWS stand-in: start it, reach it over HTTP, play console steps.

The server itself (moto, adjusted to look like a new account) is the top-level package
``runbook_sandbox``, started as ``python -m runbook_sandbox`` in a process of its own. Nothing here
imports it or moto, so the library talks to the sandbox exactly as it talks to AWS: over HTTP,
with only the endpoint and the credentials differing.

Modules: ``client`` (``SandboxClient``: the control routes, the console player, the reset),
``process`` (start, find and stop the server), ``local_files`` (what the sandbox owns on this
machine outside moto, removed by every reset).
"""

from runbook_lib.sandbox.client import RoleCredentials, SandboxClient
from runbook_lib.sandbox.process import (
    REHEARSAL_MODE,
    SANDBOX_MODES,
    SANDBOX_URL_VARIABLE,
    WORKSHOP_MODE,
    RememberedSandbox,
    SandboxProcess,
    ensure_sandbox,
    find_sandbox,
    start_sandbox,
    stop_sandbox,
)

__all__ = [
    "REHEARSAL_MODE",
    "SANDBOX_MODES",
    "SANDBOX_URL_VARIABLE",
    "WORKSHOP_MODE",
    "RoleCredentials",
    "RememberedSandbox",
    "SandboxClient",
    "SandboxProcess",
    "ensure_sandbox",
    "find_sandbox",
    "start_sandbox",
    "stop_sandbox",
]
